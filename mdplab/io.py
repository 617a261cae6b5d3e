"""Model files: mdplab's ``.npz`` layout and dispatch to Cassandra's text formats.

``.npz`` layout (a contract other tools rely on): arrays ``P`` of shape ``(S, A, S)`` and ``R`` of shape
``(S, A)``, an optional 0-d ``discount`` and an optional 0-d ``horizon``.  A file without either loads as
an average-reward model unless the caller passes a criterion.

The criterion is decided in one place, :func:`criterion`, for every loader (:func:`load`,
:func:`load_npz`, :func:`mdplab.cassandra.read_cassandra`) and hence for ``mdplab solve FILE
[--discount G] [--horizon H] [--average-reward]``: an override replaces only the field it names and the
file's other fields stay.  So ``horizon=H`` on a file with ``discount: 0.95`` is the ``H``-step problem
discounted by 0.95 (pass ``discount=1`` as well for the undiscounted total), ``discount=G`` on a
finite-horizon file keeps its horizon, and ``average_reward=True`` excludes ``discount`` and ``horizon``.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .errors import FileFormatError, ModelError
from .models import MDP


def save_npz(model: MDP, path: str | Path) -> None:
    """Write ``model`` as ``.npz`` (``P`` dense ``(S, A, S)``, ``R (S, A)``, ``discount`` if discounted or
    finite-horizon).  Time-varying models have no ``.npz`` layout and raise."""
    if model.time_varying:
        raise ModelError("time-varying models have no .npz layout")
    arrays: dict[str, Any] = {"P": model.dense_transitions(), "R": np.asarray(model.R)}
    if model.gamma is not None:
        arrays["discount"] = np.float64(model.gamma)
    if model.horizon is not None:
        arrays["horizon"] = np.int64(model.horizon)
    np.savez(path, **arrays)


def criterion(file_discount: float | None, file_horizon: int | None, *, discount: float | None = None,
              horizon: int | None = None, average_reward: bool | None = None) -> dict:
    """The criterion keywords (for :class:`MDP` / :class:`~mdplab.pomdp.POMDP`) of a model read from a file
    whose fields are ``file_discount`` / ``file_horizon`` (None: absent), under the caller's overrides.

    Each override replaces only the field it names; then a horizon gives the finite-horizon criterion
    (discount = the resulting discount, 1 when there is none), else a discount the discounted one, else
    average reward.  ``average_reward=True`` together with ``discount`` or ``horizon`` is contradictory and
    raises :class:`ModelError` naming both (and their ``mdplab solve`` flags).
    """
    if average_reward:
        clash = [n for n, v in (("discount", discount), ("horizon", horizon)) if v is not None]
        if clash:
            flags = " and ".join(f"{n}= (--{n})" for n in clash)
            raise ModelError(f"average_reward=True (--average-reward) cannot be combined with {flags}: the "
                             f"average-reward criterion has no discount and no horizon")
        return {"average_reward": True}
    g = discount if discount is not None else file_discount
    h = horizon if horizon is not None else file_horizon
    if h is not None:
        return {"horizon": h, "discount": g}
    if g is not None:
        return {"discount": g}
    return {"average_reward": True}


#: the arrays of mdplab's ``.npz`` layout; any other key is refused (a misspelt ``gamma`` must not be ignored)
NPZ_KEYS = ("P", "R", "discount", "horizon")
#: Known misspellings and what to write instead.
_NPZ_ALIASES = {"gamma": "discount", "beta": "discount", "H": "horizon", "T": "P", "r": "R", "p": "P"}


def memory_budget() -> int:
    """Bytes one model file may occupy once loaded: ``MDPLAB_MAX_BYTES`` if set, else half the physical
    memory (at least 1 GiB when the size cannot be read)."""
    env = os.environ.get("MDPLAB_MAX_BYTES")
    if env:
        try:
            return int(float(env))
        except ValueError:
            raise ModelError(f"MDPLAB_MAX_BYTES must be a number of bytes; got {env!r}") from None
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
    except (ValueError, OSError, AttributeError):
        return 1 << 30


def _npz_headers(path: Path) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """``{key: (shape, dtype)}`` of every array of an ``.npz``, read from the headers without loading data."""
    out = {}
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                raise FileFormatError(f"{path}: member {info.filename!r} is not a .npy array")
            with zf.open(info) as fh:
                try:
                    version = np.lib.format.read_magic(fh)
                    reader = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                              else np.lib.format.read_array_header_2_0)
                    shape, _, dtype = reader(fh)
                except ValueError as exc:
                    raise FileFormatError(f"{path}: array {info.filename[:-4]!r} has an unreadable header "
                                          f"({exc})") from None
            out[info.filename[:-4]] = (tuple(int(n) for n in shape), dtype)
    return out


def _check_npz_headers(path: Path, headers: dict) -> None:
    """Refuse unknown keys, non-real dtypes and arrays that would not fit :func:`memory_budget`, before loading."""
    unknown = sorted(set(headers) - set(NPZ_KEYS))
    if unknown:
        hints = [f"{k!r} (did you mean {_NPZ_ALIASES[k]!r}?)" if k in _NPZ_ALIASES else repr(k) for k in unknown]
        raise FileFormatError(f"{path}: unknown array(s) {', '.join(hints)}; the .npz layout has only "
                              f"{', '.join(NPZ_KEYS)} (nothing is ignored silently)")
    missing = [k for k in ("P", "R") if k not in headers]
    if missing:
        raise FileFormatError(f"{path}: .npz model lacks array(s) {missing} (needs P (S,A,S), R (S,A))")
    total = 0
    for key, (shape, dtype) in headers.items():
        if dtype.kind not in "biuf":
            what = "complex" if dtype.kind == "c" else f"of dtype {dtype}"
            raise FileFormatError(f"{path}: array {key!r} is {what}; model arrays must be real numbers")
        if key in ("discount", "horizon") and shape != ():
            raise FileFormatError(f"{path}: {key!r} must be a single number (a 0-d array); got an array of shape "
                                  f"{shape}")
        total += 2 * int(np.prod(shape, dtype=object)) * 8  # the file's array, then its float64 copy
    budget = memory_budget()
    if total > budget:
        raise FileFormatError(f"{path}: its arrays declare shapes {', '.join(f'{k} {v[0]}' for k, v in headers.items())}, "
                              f"which need about {total / 2**30:.3g} GiB to load, above the memory budget of "
                              f"{budget / 2**30:.3g} GiB (set MDPLAB_MAX_BYTES to raise it)")


def _file_scalar(path: Path, key: str, arr: np.ndarray, integer: bool) -> float | int:
    x = arr.item()
    if not isinstance(x, (int, float)) or isinstance(x, bool) or not np.isfinite(x):
        raise FileFormatError(f"{path}: {key!r} must be a finite number; got {x}")
    if integer:
        if float(x) != int(x):
            raise FileFormatError(f"{path}: 'horizon' must be an integer; got {x} (rounding it would solve "
                                  f"another problem)")
        return int(x)
    return float(x)


def load_npz(path: str | Path, *, discount: float | None = None, horizon: int | None = None,
             average_reward: bool | None = None) -> MDP:
    """Read the ``.npz`` layout above; keyword arguments override what the file says (:func:`criterion`).

    Checked before any array is loaded: only the keys of :data:`NPZ_KEYS` (an unknown one, e.g. ``gamma``,
    is refused by name), real dtypes (complex is refused), 0-d ``discount`` / ``horizon``, and the declared
    sizes against :func:`memory_budget`.  A fractional ``horizon`` is refused, not rounded."""
    P, R, file_gamma, file_h = read_npz_arrays(path)
    try:
        return MDP(P, R, **criterion(file_gamma, file_h, discount=discount, horizon=horizon,
                                     average_reward=average_reward))
    except FileFormatError:
        raise
    except ModelError as exc:  # values found invalid after parsing: say which file
        raise FileFormatError(f"{path}: {exc}") from None


def read_npz_arrays(path: str | Path) -> tuple[np.ndarray, np.ndarray, float | None, int | None]:
    """``(P, R, discount or None, horizon or None)`` of an ``.npz`` model file, checked as in :func:`load_npz`
    (``R`` as stored: ``(S, A)`` or ``(S, A, S)``)."""
    path = Path(path)
    try:
        headers = _npz_headers(path)
        _check_npz_headers(path, headers)
        with np.load(path, allow_pickle=False) as f:
            P, R = f["P"], f["R"]
            file_gamma = _file_scalar(path, "discount", f["discount"], False) if "discount" in headers else None
            file_h = _file_scalar(path, "horizon", f["horizon"], True) if "horizon" in headers else None
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
        if isinstance(exc, ModelError):
            raise
        raise FileFormatError(f"{path}: not a readable .npz file ({exc})") from None
    return P, R, file_gamma, file_h


def load(path: str | Path, *, discount: float | None = None, horizon: int | None = None,
         average_reward: bool | None = None):
    """Load any model file mdplab knows, dispatching on content: ``.npz`` archives (zip magic) go to
    :func:`load_npz`; text files in Cassandra's ``.MDP`` / ``.POMDP`` grammar to
    :func:`mdplab.cassandra.read_cassandra` (an :class:`MDP` or a POMDP); an ``.npz`` holding ``Phi`` and
    ``theta`` is a :class:`~mdplab.linear_mixture.LinearMixtureMDP`
    (:func:`mdplab.linear_mixture.load_linear_mixture`).  ``discount``, ``horizon`` and
    ``average_reward`` override the file's criterion (:func:`criterion`)."""
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(f"{path}: no such file")
    with open(path, "rb") as fh:
        head = fh.read(4)
    overrides = {"discount": discount, "horizon": horizon, "average_reward": average_reward}
    if head.startswith(b"PK"):
        from .linear_mixture import is_linear_mixture_npz, load_linear_mixture

        try:
            is_linmix = is_linear_mixture_npz(_npz_headers(path))
        except (zipfile.BadZipFile, ValueError, EOFError, OSError):
            is_linmix = False  # load_npz reports the unreadable file
        if is_linmix:  # the linear-mixture layout (Phi, theta, ...): mdplab.linear_mixture
            return load_linear_mixture(path, **overrides)
        from .lmdp import is_lmdp_npz, load_lmdp

        try:
            is_latent = is_lmdp_npz(_npz_headers(path))
        except (zipfile.BadZipFile, ValueError, EOFError, OSError):
            is_latent = False  # load_npz reports the unreadable file
        if is_latent:  # the latent-MDP layout (P (M,S,A,S), R, w, nu, horizon): mdplab.lmdp.load_lmdp
            if discount is not None or average_reward:
                raise ModelError(f"{path}: a latent MDP is an undiscounted finite-horizon problem; --discount and "
                                 f"--average-reward do not apply")
            return load_lmdp(path, horizon=horizon)
        from .forms import load_form_npz, npz_form

        try:
            headers = _npz_headers(path)
        except (zipfile.BadZipFile, ValueError, EOFError, OSError):
            headers = {}  # load_npz reports the unreadable file
        if npz_form(headers):  # state-action pairs (s_indices, ...) or pymdptoolbox's P_actions: mdplab.forms
            return load_form_npz(path, headers, **overrides)
        return load_npz(path, **overrides)
    from .cassandra import read_cassandra

    return read_cassandra(path, **overrides)
