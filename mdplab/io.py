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


def load_npz(path: str | Path, *, discount: float | None = None, horizon: int | None = None,
             average_reward: bool | None = None) -> MDP:
    """Read the ``.npz`` layout above; keyword arguments override what the file says (:func:`criterion`)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            files = set(f.files)
            missing = {"P", "R"} - files
            if missing:
                raise FileFormatError(f"{path}: .npz model lacks array(s) {sorted(missing)} (needs P (S,A,S), R (S,A))")
            P, R = f["P"], f["R"]
            file_gamma = float(f["discount"]) if "discount" in files else None
            file_h = int(f["horizon"]) if "horizon" in files else None
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        if isinstance(exc, ModelError):
            raise
        raise FileFormatError(f"{path}: not a readable .npz file ({exc})") from None
    return MDP(P, R, **criterion(file_gamma, file_h, discount=discount, horizon=horizon,
                                 average_reward=average_reward))


def load(path: str | Path, *, discount: float | None = None, horizon: int | None = None,
         average_reward: bool | None = None):
    """Load any model file mdplab knows, dispatching on content: ``.npz`` archives (zip magic) go to
    :func:`load_npz`; text files in Cassandra's ``.MDP`` / ``.POMDP`` grammar to
    :func:`mdplab.cassandra.read_cassandra` (an :class:`MDP` or a POMDP).  ``discount``, ``horizon`` and
    ``average_reward`` override the file's criterion (:func:`criterion`)."""
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(f"{path}: no such file")
    with open(path, "rb") as fh:
        head = fh.read(4)
    overrides = {"discount": discount, "horizon": horizon, "average_reward": average_reward}
    if head.startswith(b"PK"):
        return load_npz(path, **overrides)
    from .cassandra import read_cassandra

    return read_cassandra(path, **overrides)
