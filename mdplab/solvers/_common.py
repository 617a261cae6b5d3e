"""Shared pieces of the discounted solvers: the MacQueen-Porteus bounds that certify every answer.

For any ``v`` with ``Tv = T v`` and ``Delta = Tv - v`` (Puterman 1994, Thm 6.6.3; Bertsekas 2012,
Prop. 2.1.1)::

    Tv + gamma min(Delta) / (1 - gamma)  <=  v*  <=  Tv + gamma max(Delta) / (1 - gamma)      (1)

and the same sandwich holds for ``v^pi`` of the policy ``pi`` greedy with respect to ``v`` (apply the
argument to ``T_pi``, for which ``T_pi v = Tv``).  Hence (derived)::

    0 <= v* - v^pi <= gamma sp(Delta) / (1 - gamma)                                            (2)

where ``sp(x) = max x - min x``, and the midpoint of (1) is within ``gamma sp(Delta) / (2 (1 - gamma))``
of ``v*``.  Every discounted solver finishes with :func:`certify`, so one stopping rule, (2) <= tol,
gives all of them the same guarantee: the returned policy is ``tol``-optimal and the returned values
are within ``tol / 2`` of ``v*`` in sup norm.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from ..models import MDP
from ..operators import bellman_backup


@dataclass(frozen=True)
class Certificate:
    values: np.ndarray       # midpoint of the bounds (1)
    policy: np.ndarray       # greedy w.r.t. the input v
    policy_gap: float        # right-hand side of (2): certified suboptimality of `policy`
    value_error: float       # certified sup-norm error of `values`
    residual: float          # ||Tv - v||_inf


def macqueen(v: np.ndarray, Tv: np.ndarray, gamma: float) -> tuple[np.ndarray, float, float]:
    """``(midpoint of (1), policy gap (2), value error)`` from one backup ``Tv`` of ``v``."""
    delta = Tv - v
    lo, hi = float(delta.min()), float(delta.max())
    if gamma == 0.0:
        return Tv.copy(), 0.0, 0.0
    c = gamma / (1.0 - gamma)
    gap = c * (hi - lo)
    return Tv + c * 0.5 * (hi + lo), gap, 0.5 * gap


def certify(model: MDP, v: np.ndarray) -> Certificate:
    Tv, pi = bellman_backup(model, v)
    mid, gap, err = macqueen(v, Tv, model.gamma)
    return Certificate(mid, pi.copy(), gap, err, float(np.abs(Tv - v).max()))


def zero_backup(model: MDP, Tv_out: np.ndarray, pi_out: np.ndarray) -> None:
    """The Bellman backup of ``v = 0``: ``T 0 = max_a R[s, a]`` and its first argmax, exactly what
    :func:`mdplab.operators.bellman_backup` returns for ``v = 0`` (``R + gamma P 0 = R``), without reading ``P``."""
    R = np.asarray(model.R)
    np.argmax(R, axis=1, out=pi_out)
    Tv_out[:] = R[np.arange(R.shape[0]), pi_out]


def initial_values(model: MDP, v0: np.ndarray | None) -> np.ndarray:
    if v0 is None:
        return np.zeros(model.n_states)
    v = np.array(v0, dtype=np.float64)
    if v.shape != (model.n_states,) or not np.all(np.isfinite(v)):
        raise ModelError(f"v0 must be a finite array of shape ({model.n_states},); got {v.shape}")
    return v


def check_tol(tol: float) -> float:
    tol = float(tol)
    if not (tol > 0 and np.isfinite(tol)):
        raise ModelError(f"tol must be a positive finite number; got {tol!r}")
    return tol
