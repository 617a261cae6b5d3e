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

from .._kernels.bellman import bellman_optimality_zero
from ..errors import ModelError
from ..models import MDP
from ..operators import bellman_backup, difference_range


@dataclass(frozen=True)
class Certificate:
    values: np.ndarray       # midpoint of the bounds (1)
    policy: np.ndarray       # greedy w.r.t. the input v
    policy_gap: float        # right-hand side of (2): certified suboptimality of `policy`
    value_error: float       # certified sup-norm error of `values`
    residual: float          # ||Tv - v||_inf


@dataclass(frozen=True)
class MacQueen:
    """The bounds (1) and (2) read from one backup ``Tv`` of ``v``: ``lo``, ``hi`` and ``residual`` are the
    minimum, maximum and sup norm of ``Delta = Tv - v``, and ``c = gamma / (1 - gamma)``."""

    lo: float
    hi: float
    residual: float
    c: float

    @property
    def gap(self) -> float:
        """Right-hand side of (2): the certified suboptimality of the greedy policy."""
        return self.c * (self.hi - self.lo)

    def certificate(self, Tv: np.ndarray, pi: np.ndarray) -> Certificate:
        """The certificate for ``pi`` greedy w.r.t. ``v``: values at the midpoint of (1)."""
        gap = self.gap
        return Certificate(Tv + self.c * 0.5 * (self.hi + self.lo), pi.copy(), gap, 0.5 * gap, self.residual)


def macqueen(v: np.ndarray, Tv: np.ndarray, gamma: float) -> MacQueen:
    """The MacQueen-Porteus bounds from one backup ``Tv = T v`` (one pass over both vectors)."""
    lo, hi, sup = difference_range(Tv, v)
    return MacQueen(lo, hi, sup, 0.0 if gamma == 0.0 else gamma / (1.0 - gamma))


def certify(model: MDP, v: np.ndarray) -> Certificate:
    Tv, pi = bellman_backup(model, v)
    return macqueen(v, Tv, model.gamma).certificate(Tv, pi)


def zero_backup(model: MDP, Tv_out: np.ndarray, pi_out: np.ndarray) -> None:
    """The Bellman backup of ``v = 0``: ``T 0 = max_a R[s, a]`` and its first argmax, exactly what
    :func:`mdplab.operators.bellman_backup` returns for ``v = 0`` (``R + gamma P 0 = R``), without reading ``P``."""
    bellman_optimality_zero(model.R, Tv_out, pi_out)


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
