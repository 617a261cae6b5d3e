"""Multichain average reward: optimal gain that may vary by state (Puterman 1994, ch. 9).

Optimality equations (Puterman Eq. (9.1.1)-(9.1.2)): ``g(s) = max_a sum_s' P[s, a, s'] g(s')`` and
``g(s) + h(s) = max_{a in A'_s} R[s, a] + sum_s' P[s, a, s'] h(s')``, where ``A'_s`` holds the actions attaining
the first maximum.  Relative VI and unichain policy iteration (:mod:`mdplab.solvers.average`) assume a
constant optimal gain and refuse multichain models; this module solves them by Puterman's multichain policy
iteration (Alg. 9.2.1):

1. evaluation: the gain ``g_n = P*_{d_n} r_{d_n}`` and bias ``h_n`` of ``d_n`` (normalised by
   ``P*_{d_n} h_n = 0``; :func:`mdplab.regret.policy_gain`, exact linear solves);
2. gain improvement: ``d_{n+1}(s) in argmax_a P[s, a] . g_n``, keeping ``d_n(s)`` when it attains the maximum;
   if ``d_{n+1} != d_n`` go to 1;
3. bias improvement: ``d_{n+1}(s) in argmax_{a in A'_s} R[s, a] + P[s, a] . h_n``, keeping ``d_n(s)`` when
   possible; stop when ``d_{n+1} = d_n`` (then ``d_n`` is gain-optimal, Puterman Thm 9.2.3), else go to 1.

Ties are decided with the tolerance ``IMPROVEMENT_TOL`` relative to the scale of ``g`` and ``h`` (exact
arithmetic would compare exactly).  Infeasible actions (``R = -inf``) are never chosen.

Deviations: none in the algorithm; the initial policy is the first feasible action of each state (Puterman
allows any).  Exact linear algebra is dense (``S`` up to a few thousand).
"""
from __future__ import annotations

import numpy as np

from ..arrays import readonly
from ..errors import NotApplicableError
from ..models import MDP
from ..solution import Solution
from ._common import check_max_iter, check_tol, initial_policy

#: Relative slack for "attains the maximum" in the improvement steps (rounding of the exact solves).
IMPROVEMENT_TOL = 1e-10


def _keep_or_best(scores: np.ndarray, allowed: np.ndarray, pi: np.ndarray, atol: float) -> np.ndarray:
    """``argmax`` over allowed actions, keeping ``pi[s]`` when it is allowed and within ``atol`` of the max."""
    masked = np.where(allowed, scores, -np.inf)
    best = masked.argmax(axis=1)
    rows = np.arange(scores.shape[0])
    keep = allowed[rows, pi] & (masked[rows, pi] >= masked[rows, best] - atol)
    return np.where(keep, pi, best)


def multichain_policy_iteration(model: MDP, tol: float = 1e-6, max_iter: int = 10_000,
                                pi0: np.ndarray | None = None) -> Solution:
    """Puterman's multichain policy iteration (module docstring).  The model's own criterion is ignored:
    its ``P`` and ``R`` are read under the average-reward criterion.

    Returns ``gain`` (``(S,)`` array, the optimal gain of each start state), ``bias`` and ``values`` (the
    final policy's bias, ``P* h = 0``), ``policy``, ``q = R + P h``; ``error_bound`` = the largest violation of
    the two optimality equations at the end (rounding only: the method is exact); ``info["gain_constant"]``
    says whether the gain is the same for every state.  ``tol`` is validated for the common signature."""
    from ..regret import policy_gain

    check_tol(tol)
    max_iter = check_max_iter(max_iter)
    if model.time_varying:
        raise NotApplicableError("multichain_policy_iteration needs a stationary model")
    S, A = model.shape
    P = model.dense_transitions()
    R = np.asarray(model.R)
    feasible = np.isfinite(R)
    R0 = np.where(feasible, R, 0.0)
    pi = initial_policy(model) if pi0 is None else np.asarray(pi0, dtype=np.int64).copy()
    residuals: list[float] = []
    for k in range(1, max_iter + 1):
        g, h = policy_gain(P, R0, pi)                                     # step 1, evaluation
        scale = max(1.0, float(np.abs(g).max()), float(np.abs(h).max()))
        atol = IMPROVEMENT_TOL * scale
        Pg = P @ g                                                        # (S, A): P[s, a] . g
        new_pi = _keep_or_best(Pg, feasible, pi, atol)                    # step 2, gain improvement
        gain_gap = float((np.where(feasible, Pg, -np.inf).max(axis=1) - g).max())
        q = np.where(feasible, R0 + P @ h, -np.inf)
        A_prime = feasible & (Pg >= np.where(feasible, Pg, -np.inf).max(axis=1, keepdims=True) - atol)
        bias_gap = float((np.where(A_prime, q, -np.inf).max(axis=1) - g - h).max())
        residuals.append(max(gain_gap, bias_gap, 0.0))
        if np.array_equal(new_pi, pi):
            new_pi = _keep_or_best(q, A_prime, pi, atol)                  # step 3, bias improvement
            if np.array_equal(new_pi, pi):
                return Solution(values=h, q=q, policy=pi, iterations=k, residuals=np.asarray(residuals),
                                converged=True, method="multichain_pi", error_bound=residuals[-1],
                                gain=readonly(np.array(g)), bias=h,
                                info={"gain_constant": bool(np.ptp(g) <= atol), "span": float(np.ptp(h))})
        pi = new_pi
    return Solution(values=h, q=q, policy=pi, iterations=max_iter, residuals=np.asarray(residuals), converged=False,
                    method="multichain_pi", error_bound=residuals[-1], gain=readonly(np.array(g)), bias=h,
                    info={"gain_constant": bool(np.ptp(g) <= atol), "span": float(np.ptp(h))})


__all__ = ["multichain_policy_iteration", "IMPROVEMENT_TOL"]
