"""LOOP, tabular value-based instantiation on tiny instances: the optimistic step solved exactly by policy
enumeration and one convex program per policy.

He, Zhong, Yang (2024), ICLR 2024, arXiv:2404.12648 (bibkey ``he2024loop``), value-based LOOP (our
reading of its confidence set and optimistic step; docs/theory/he2024loop.md).  THIS IS OUR
INSTANTIATION (the paper ships no code).  Hypotheses are tables ``f = (Q, J)`` with ``J in [0, 1]``,
``Q in [-1, B + 1]^(S x A)``, ``V_f(s) = max_a Q(s, a)`` and ``sp(V_f) <= B``; the completeness class is all
tables.  The inner infimum over the completeness class fits every cell exactly, so the discrepancy of
``f`` on the data is (derived)

    Disc(f) = sum_{(s, a)} N(s, a) ( Q(s, a) + J - rbar(s, a) - Phat(. | s, a) . V_f )^2,

with ``rbar``, ``Phat`` the empirical means.  For a fixed deterministic policy ``pi`` the constraint
``V_f(s) = Q(s, pi(s)) >= Q(s, a)`` makes ``Disc`` a convex quadratic in ``(Q, J)``; ``max J`` subject to
``Disc <= beta``, the greedy constraints, the box and ``V(s) - V(s') <= B`` is a second-order cone program
(cvxpy, Clarabel).  Enumerating the ``A^S`` policies and keeping the best gain is LOOP's optimistic step
over this class, exactly (up to the solver's tolerance).  Unvisited cells are constrained only by the box
and the span bound: the source of optimism.

``beta = c_beta (B + 2)^2 ((S A + 1) log(B T) + log(1/delta))`` (log covering number of the value class
times the squared range of the discrepancy; ``c_beta`` a parameter, theory default 1).  Updates: count
doubling (``update_rule="doubling"``, at most ``S A (1 + log2 T)``) or every step (broken variant).

Deviations: the lazy discrepancy rule is not offered here (use :func:`algorithms.loop.run_loop` for it);
at most ``max_policies`` (default 64) policies are enumerated: larger instances raise; ties in the best
gain (within ``1e-7``) are broken uniformly at random with the run's generator.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from mdplab.errors import BudgetExceededError, ModelError
from mdplab.interaction import continuing_uniforms
from mdplab.regret import LearnerRun, PolicyLog, gain_regret, optimal_gain, policy_gain, pseudo_regret, span

from .._average_runner import check_delta, check_run_arguments
from . import _kernels as _k
from .tabular import check_span_bound, check_steps_budget

BIBKEYS = ("he2024loop",)

VALUE_UPDATE_RULES = {"doubling": _k.DOUBLING, "every_step": _k.EVERY_STEP}


def value_beta(S: int, A: int, T: int, B: float, delta: float, c_beta: float = 1.0) -> float:
    """``beta = c_beta (B + 2)^2 ((S A + 1) log(B T) + log(1/delta))`` (module docstring)."""
    return float(c_beta) * (B + 2.0) ** 2 * ((S * A + 1) * math.log(max(B, 1.0) * max(T, 2)) + math.log(1.0 / delta))


def optimistic_value_program(N: np.ndarray, rbar: np.ndarray, Phat: np.ndarray, pi: np.ndarray, B: float,
                             beta: float) -> tuple[float, np.ndarray, np.ndarray] | None:
    """``max J`` over ``(Q, J)`` with greedy policy ``pi`` (module docstring): ``(J, Q (S, A), V (S,))`` or
    None when infeasible."""
    import cvxpy as cp

    S, A = N.shape
    Q = cp.Variable((S, A))
    J = cp.Variable()
    V = cp.hstack([Q[s, int(pi[s])] for s in range(S)])
    cons = [J >= 0, J <= 1, Q >= -1, Q <= B + 1]
    for s in range(S):
        for a in range(A):
            if a != pi[s]:
                cons.append(Q[s, int(pi[s])] >= Q[s, a])       # pi is greedy in Q
    for s in range(S):
        for s2 in range(S):
            if s != s2:
                cons.append(V[s] - V[s2] <= B)                 # sp(V_f) <= B
    cells = [(s, a) for s in range(S) for a in range(A) if N[s, a] > 0]
    if cells:
        res = cp.hstack([math.sqrt(N[s, a]) * (Q[s, a] + J - rbar[s, a] - Phat[s, a] @ V) for s, a in cells])
        cons.append(cp.sum_squares(res) <= beta)               # Disc(f) <= beta
    prob = cp.Problem(cp.Maximize(J), cons)
    try:
        prob.solve(solver=cp.CLARABEL)
    except cp.error.SolverError:
        return None
    if prob.status not in ("optimal", "optimal_inaccurate") or J.value is None:
        return None
    Qv = np.asarray(Q.value, dtype=float)
    return float(J.value), Qv, Qv[np.arange(S), pi]


def value_based_plan(N: np.ndarray, rbar: np.ndarray, Phat: np.ndarray, B: float, beta: float,
                     rng: np.random.Generator, max_policies: int = 64):
    """LOOP's optimistic step over the value class: ``(pi, J, V)`` of the best policy (enumeration)."""
    S, A = N.shape
    if A ** S > max_policies:
        raise BudgetExceededError(f"value-based LOOP enumerates A^S = {A ** S} policies > max_policies={max_policies}; "
                                  "raise max_policies or use algorithms.loop.run_loop (model-based)")
    best: list[tuple[float, np.ndarray, np.ndarray]] = []
    for pi in itertools.product(range(A), repeat=S):
        pi = np.asarray(pi, dtype=np.int64)
        out = optimistic_value_program(N, rbar, Phat, pi, B, beta)
        if out is not None:
            best.append((out[0], pi, out[2]))
    if not best:
        raise ModelError("value-based LOOP: no hypothesis satisfies the confidence constraint (beta too small?)")
    top = max(b[0] for b in best)
    ties = [b for b in best if b[0] >= top - 1e-7]
    J, pi, V = ties[int(rng.random() * len(ties))]
    return pi, J, V


def run_loop_value(P: np.ndarray, R: np.ndarray, s0: int, T: int, seed: int, B: float | None = None,
                   delta: float = 0.05, *, c_beta: float = 1.0, update_rule: str = "doubling",
                   max_policies: int = 64, reward: str = "mean") -> LearnerRun:
    """Run value-based tabular LOOP (module docstring) for ``T`` steps from ``s0``; ``B`` required."""
    model = check_run_arguments(P, R, s0, T, seed, "immediate")
    check_steps_budget(T)
    delta = check_delta(delta)
    B = check_span_bound(B)
    if update_rule not in VALUE_UPDATE_RULES:
        raise ModelError(f"update_rule must be one of {sorted(VALUE_UPDATE_RULES)}; got {update_rule!r}")
    if isinstance(c_beta, bool) or not (np.isfinite(c_beta) and c_beta > 0):
        raise ModelError(f"c_beta must be a finite number > 0; got {c_beta!r}")
    S, A = model.n_states, model.n_actions
    if A ** S > max_policies:
        raise BudgetExceededError(f"value-based LOOP enumerates A^S = {A ** S} policies > max_policies={max_policies}")
    params = dict(B=B, delta=delta, c_beta=c_beta, update_rule=update_rule, max_policies=max_policies, reward=reward)
    T, s = int(T), int(s0)
    rng = np.random.default_rng(int(seed))
    u_all = continuing_uniforms(rng, T)
    J_star = optimal_gain(model.P, model.R).gain
    beta = value_beta(S, A, T, B, delta, c_beta)
    N = np.zeros((S, A), dtype=np.int64)
    N_next = np.zeros((S, A, S), dtype=np.int64)
    rsum = np.zeros((S, A))
    states = np.empty(T, dtype=np.int64)
    rbar_t = np.empty(T)
    gains = np.empty(T)
    seg = [np.zeros((S, A, S), dtype=np.int64), np.zeros((S, A), dtype=np.int64), np.zeros((S, A)), np.zeros((S, A))]
    dummy_m, dummy_v = np.zeros((S, A)), np.zeros(S)
    log = PolicyLog(np.int8 if A <= 127 else np.int64)
    gain_cache: dict[bytes, np.ndarray] = {}
    upd_t, j_opt, spans = [], [], []
    t = 0
    while t < T:
        n = np.maximum(1, N)
        pi, J, V = value_based_plan(N, rsum / n, N_next / n[:, :, None], B, beta, rng, max_policies)
        log.record(t, pi)
        upd_t.append(t)
        j_opt.append(J)
        spans.append(span(V))
        for arr in seg:
            arr[...] = 0
        steps, s, _ = _k.tabular_segment(model.P, model.R, s, pi, u_all, t, T - t, reward == "bernoulli",
                                         VALUE_UPDATE_RULES[update_rule], N, dummy_m, dummy_v, 0.0, states, rbar_t,
                                         seg[0], seg[1], seg[2], seg[3])
        steps, s = int(steps), int(s)
        key = pi.tobytes()
        g = gain_cache.get(key)
        if g is None:
            g = gain_cache[key] = policy_gain(model.P, model.R, pi)[0]
        gains[t:t + steps] = g[states[t:t + steps]]
        N += seg[1]
        N_next += seg[0]
        rsum += seg[2]
        t += steps
    policies, starts = log.arrays()
    greg = gain_regret(J_star, gains)
    extras = {"J_star": J_star, "n_updates": len(upd_t) - 1, "update_times": np.asarray(upd_t, dtype=np.int64),
              "J_opt": np.asarray(j_opt), "J_opt_hi": np.asarray(j_opt), "planned_span": np.asarray(spans),
              "beta": beta}
    return LearnerRun(learner="loop-value", setting="average", seed=int(seed), regret=greg, policies=policies,
                      policy_start=starts, tie_count=0, n_plans=len(upd_t), params=params, gain_regret=greg,
                      pseudo_regret=pseudo_regret(J_star, rbar_t), extras=extras)


__all__ = ["run_loop_value", "value_based_plan", "optimistic_value_program", "value_beta", "VALUE_UPDATE_RULES"]
