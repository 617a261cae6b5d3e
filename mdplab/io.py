"""Model files: mdplab's ``.npz`` layout and dispatch to Cassandra's text formats.

``.npz`` layout (a contract other tools rely on): arrays ``P`` of shape ``(S, A, S)`` and ``R`` of shape
``(S, A)``, and an optional 0-d ``discount``.  A file without ``discount`` loads as an average-reward
model unless the caller passes a criterion (``mdplab solve FILE --horizon H`` / ``--discount G``).
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


def load_npz(path: str | Path, *, discount: float | None = None, horizon: int | None = None,
             average_reward: bool | None = None) -> MDP:
    """Read the ``.npz`` layout above.  Keyword arguments override what the file says."""
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
    h = horizon if horizon is not None else (None if (discount is not None or average_reward) else file_h)
    g = discount if discount is not None else (None if average_reward else file_gamma)
    if average_reward or (g is None and h is None):
        return MDP(P, R, average_reward=True)
    if h is not None:
        return MDP(P, R, horizon=h, discount=g)
    return MDP(P, R, discount=g)


def load(path: str | Path):
    """Load any model file mdplab knows, dispatching on content: ``.npz`` archives (zip magic) go to
    :func:`load_npz`; text files in Cassandra's ``.MDP`` / ``.POMDP`` grammar to
    :func:`mdplab.cassandra.read_cassandra` (an :class:`MDP` or a POMDP)."""
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(f"{path}: no such file")
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith(b"PK"):
        return load_npz(path)
    from .cassandra import read_cassandra

    return read_cassandra(path)
