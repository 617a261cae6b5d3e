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

A second method, :func:`multichain_linear_programming` (``method="multichain-lp"``), solves Puterman's
multichain LP pair (Sec. 9.3; the dual and its policy rule are Hordijk & Kallenberg 1979, "Linear programming and
Markov decision chains", Management Science) with scipy's HiGHS dual simplex.  The equation and theorem numbers below are the 1994 edition's as we
recall them; they were not re-checked against the book (no copy in the repository):

* primal (Eq. (9.3.1)): minimise ``sum_s alpha(s) g(s)`` subject to ``g(s) >= sum_s' P[s, a, s'] g(s')`` and
  ``g(s) + h(s) >= R[s, a] + sum_s' P[s, a, s'] h(s')`` for every feasible ``(s, a)``; ``alpha > 0`` sums to 1
  (uniform by default);
* dual (Eq. (9.3.3)): maximise ``sum_{s,a} R[s, a] x(s, a)`` subject to, for every state ``j``,
  ``sum_a x(j, a) - sum_{s,a} P[s, a, j] x(s, a) = 0`` and
  ``sum_a x(j, a) + sum_a y(j, a) - sum_{s,a} P[s, a, j] y(s, a) = alpha(j)``, ``x, y >= 0``;
* policy (Thm 9.3.8, from a basic optimal dual solution): ``d(s) = argmax_a x(s, a)`` on
  ``S_x = {s : sum_a x(s, a) > 0}``, ``d(s) = argmax_a y(s, a)`` elsewhere.

The LP's own ``g`` (the equality constraints' multipliers) carries the simplex tolerance (HiGHS'
feasibility tolerances, 1e-7 by default); the returned ``gain`` and ``bias`` are the exact evaluation of the
policy ``d`` (:func:`mdplab.regret.policy_gain`).  The certificate is the primal feasibility of
``(g_d, h_LP)``: if ``g_d >= P_a g_d`` and ``g_d + h >= R_a + P_a h`` for every action (the primal constraints),
then for every stationary policy ``pi``, multiplying by its limiting matrix ``P*_pi`` gives
``g_d >= P*_pi g_d >= P*_pi r_pi = g_pi``, so ``g_d = g*`` (the argument showing that the primal LP's
feasible ``g`` bound ``g*`` from above; ``P*_pi P_pi = P*_pi`` is all it uses).  The largest
violation of those inequalities is reported as ``error_bound`` (rounding only when ``d`` is optimal; it is not
a rigorous bound on ``g* - g_d`` when positive).  The bias-optimality equation (9.1.2) need not hold with the
policy's own bias: the LP returns a gain-optimal policy, not necessarily the one policy iteration stops at.

Deviations: none in the algorithms; policy iteration starts from the first feasible action of each state
(Puterman allows any).  Exact linear algebra is dense (``S`` up to a few thousand); the LP is sparse.
"""
from __future__ import annotations

import numpy as np

from ..arrays import readonly
from ..errors import ModelError, NotApplicableError
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


def multichain_linear_programming(model: MDP, tol: float = 1e-6, initial_distribution: np.ndarray | None = None
                                  ) -> Solution:
    """Puterman's multichain LP (Sec. 9.3, module docstring), solved by ``scipy.optimize.linprog`` (HiGHS dual
    simplex, which returns a basic solution as Thm 9.3.8 needs).  The model's own criterion is ignored: its
    ``P`` and ``R`` are read under the average-reward criterion.

    ``initial_distribution`` is the LP's weight ``alpha`` (strictly positive, summing to 1; uniform by default).
    Returns ``policy`` (Thm 9.3.8), ``gain`` and ``bias``/``values`` = the exact gain and bias of that policy,
    ``q = R + P h``, ``error_bound`` = the largest violation of the LP's primal constraints at
    ``(gain, lp_bias)`` (module docstring), ``converged`` = ``error_bound <= tol``; ``info``: ``lp_gain`` and ``lp_bias`` (the primal
    solution, read from the dual's multipliers: within the solver's tolerance of ``g*``), ``x`` and ``y``
    (``(S, A)`` dual solution, 0 at infeasible pairs), ``lp_objective`` (``alpha . g*``), ``gain_constant``."""
    from scipy.optimize import linprog
    import scipy.sparse as sp

    from ..regret import policy_gain

    tol = check_tol(tol)
    if model.time_varying:
        raise NotApplicableError("multichain_linear_programming needs a stationary model")
    S, A = model.shape
    alpha = np.full(S, 1.0 / S) if initial_distribution is None else np.asarray(initial_distribution, float)
    if alpha.shape != (S,) or not np.isfinite(alpha).all() or (alpha <= 0).any() or abs(alpha.sum() - 1) > 1e-9:
        raise ModelError(f"initial_distribution must be a strictly positive probability vector of length {S}")
    R = np.asarray(model.R)
    feasible = np.isfinite(R)
    R0 = np.where(feasible, R, 0.0)
    rows = np.flatnonzero(feasible.ravel())                   # one column of x and of y per feasible pair
    L = rows.size
    P_rows = model.transitions_csr()[rows]                    # (L, S)
    E = sp.csr_matrix((np.ones(L), (np.arange(L), rows // A)), shape=(L, S))
    flow = (E - P_rows).T.tocsr()                             # (S, L): sum_a z(j, a) - sum_{s,a} P[s, a, j] z(s, a)
    zero = sp.csr_matrix((S, L))
    A_eq = sp.vstack([sp.hstack([flow, zero]), sp.hstack([E.T, flow])]).tocsc()     # Eq. (9.3.3)
    b_eq = np.concatenate([np.zeros(S), alpha])
    c = np.concatenate([-R0.ravel()[rows], np.zeros(L)])      # maximise R . x
    res = linprog(c, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs-ds")
    if res.status != 0:
        raise ModelError(f"multichain LP: HiGHS finished with status {res.status} ({res.message})")
    x = np.zeros(S * A)
    y = np.zeros(S * A)
    x[rows], y[rows] = res.x[:L], res.x[L:]
    x, y = x.reshape(S, A), y.reshape(S, A)
    lp_bias, lp_gain = -res.eqlin.marginals[:S], -res.eqlin.marginals[S:]   # multipliers of the min form
    in_Sx = x.sum(axis=1) > 0                                  # S_x: a basic solution's nonbasic entries are 0
    pi = np.where(in_Sx, np.where(feasible, x, -1.0).argmax(axis=1),
                  np.where(feasible, y, -1.0).argmax(axis=1)).astype(np.int64)   # Thm 9.3.8
    P = model.dense_transitions()
    g, h = policy_gain(P, R0, pi)
    atol = IMPROVEMENT_TOL * max(1.0, float(np.abs(g).max()), float(np.abs(h).max()))
    q = np.where(feasible, R0 + P @ h, -np.inf)
    gain_gap = np.where(feasible, P @ g - g[:, None], -np.inf).max()                 # g_d >= P_a g_d
    bias_gap = np.where(feasible, R0 + P @ lp_bias - (g + lp_bias)[:, None], -np.inf).max()   # g_d + h >= R_a + P_a h
    residual = max(float(gain_gap), float(bias_gap), 0.0)
    return Solution(values=h, q=q, policy=pi, iterations=int(res.nit), residuals=np.array([residual]),
                    converged=residual <= tol, method="multichain_lp", error_bound=residual,
                    gain=readonly(np.array(g)), bias=h,
                    info={"gain_constant": bool(np.ptp(g) <= atol), "span": float(np.ptp(h)),
                          "lp_gain": lp_gain, "lp_bias": lp_bias, "x": x, "y": y,
                          "lp_objective": float(-res.fun)})


__all__ = ["multichain_policy_iteration", "multichain_linear_programming", "IMPROVEMENT_TOL"]
