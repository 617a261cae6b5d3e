"""Scenarios for the core exact-DP theorems (bounds in :mod:`bounds.puterman1994`).

* ``vi_error``: value iteration from ``V_0 = 0`` on random dense MDPs
  (:func:`scenarios.instances.classic.random_dense`: Dirichlet(1) rows, U[0, 1] rewards); measured
  ``||V_k - V*||_inf`` with ``V*`` the exact value (linear solve) of policy iteration's optimal policy.
  Bound check of ``gamma^k ||V_0 - V*||``, and a rate check: the fitted slope of ``log ||V_k - V*||``
  against ``k`` must equal ``log(gamma)``, which sympy derives from the bound.  The rate is tight on this
  family (derived): once the greedy policy is optimal, ``V_{k+1} - V* = gamma P_{pi*} (V_k - V*)``, and
  ``P^k x`` tends to ``(mu . x) 1`` (``mu`` the stationary law); with ``R > 0`` and ``V_0 = 0``,
  ``mu . (V_0 - V*) = -mu . V* != 0``, so the error behaves as ``c gamma^k`` after a transient decaying as
  ``(gamma |lambda_2|)^k``.  ``slope_atol`` (0.002) absorbs that transient on the grid ``k >= 10``.
* ``vi_stopping``: ``value_iteration(model, tol=eps)``; measured ``||V* - V^pi||_inf`` (exact
  :func:`mdplab.solvers.evaluate_policy` of the returned policy) and ``||values - V*||_inf``.
* ``pi_monotone``: ``policy_iteration`` from a random initial policy; measured
  ``min_{k, s} (V^{pi_{k+1}} - V^{pi_k})(s)``, counting the terminating step ``pi_{K+1} = pi_K`` whose
  improvement is exactly 0: the lower bound 0 is tight by construction and a tight cell has slack 0.
* ``rvi_gain``: ``relative_value_iteration(model, max_iter=k + 1, tau)`` on random dense average-reward
  MDPs (all rows positive: every policy is unichain and aperiodic); measured ``|g - g*|`` with ``g*``
  by enumerating all ``A^S`` deterministic policies (stationary laws by direct solves), bound
  ``alpha^k sp(max_a R) / 2`` with ``alpha`` the delta coefficient of ``tau I + (1 - tau) P``.

Tolerances (explicit, one per kind of oracle): :data:`SOLVE_TOL` allows ``64 eps_mach ||V*||_inf /
(1 - gamma)`` for the rounding of the exact LU solve that produces ``V*`` (the condition number of
``I - gamma P_pi`` in sup norm is at most ``(1 + gamma) / (1 - gamma)``); :data:`GAIN_TOL` allows
``1e-12 max|R|`` for the ``S x S`` stationary-distribution solves behind ``g*`` (well conditioned: every
transition probability is positive).  On the quick grids the allowance is at most 1.3e-12 while the
smallest bound is 5e-5 (``vi_stopping``), so it never decides a verdict by itself; tight cells
(``pi_monotone``'s terminating step) have slack exactly 0 and pass with any allowance.
"""
from __future__ import annotations

import itertools

import numpy as np

from bounds.puterman1994 import PI_MONOTONE, RVI_GAIN, VI_ERROR, VI_STOPPING_POLICY, VI_STOPPING_VALUES
from mdplab.operators import bellman_backup
from mdplab.solvers import evaluate_policy, policy_iteration, relative_value_iteration, value_iteration
from scenarios.harness.registry import Check, Scenario, Tolerance, register_scenario
from scenarios.instances.classic import random_dense

#: Rounding of the exact solve for V*: 64 eps_mach times the cell's ``scale`` = ||V*||_inf / (1 - gamma).
SOLVE_TOL = Tolerance(atol=64 * float(np.finfo(float).eps), scale_key="scale",
                      reason="LU rounding of V*: 64 eps ||V*|| / (1 - gamma)")
#: Rounding of the stationary-distribution solves for g*: 1e-12 times the cell's ``scale`` = max |R|.
GAIN_TOL = Tolerance(atol=1e-12, scale_key="scale", reason="rounding of the S x S solves for g*: 1e-12 max|R|")


def optimal_values(model) -> np.ndarray:
    """``V*`` as the exact value (LU solve) of policy iteration's optimal policy."""
    return evaluate_policy(model, policy_iteration(model).policy, method="direct")


def vi_error_cell(params: dict, seed: int) -> dict:
    model = random_dense(int(params["S"]), int(params["A"]), seed, discount=float(params["gamma"]))
    v_star = optimal_values(model)
    v = np.zeros(model.n_states)
    for _ in range(int(params["k"])):
        v, _pi = bellman_backup(model, v)                       # V_{k+1} = T V_k, Eq. (6.2.2)
    e0 = float(np.abs(v_star).max())                            # ||V_0 - V*||, V_0 = 0
    bound = VI_ERROR.evaluate({"gamma": params["gamma"], "k": params["k"], "e0": e0})
    return {"measured": float(np.abs(v - v_star).max()), "bound": bound, "e0": e0,
            "scale": e0 / (1.0 - model.gamma)}


def vi_stopping_cell(params: dict, seed: int) -> dict:
    model = random_dense(int(params["S"]), int(params["A"]), seed, discount=float(params["gamma"]))
    eps = float(params["eps"])
    sol = value_iteration(model, tol=eps)
    v_star = optimal_values(model)
    v_pi = evaluate_policy(model, sol.policy, method="direct")
    g = {"gamma": params["gamma"], "eps": eps}
    return {"policy_gap": float(np.abs(v_star - v_pi).max()), "policy_bound": VI_STOPPING_POLICY.evaluate(g),
            "value_error": float(np.abs(sol.values - v_star).max()), "value_bound": VI_STOPPING_VALUES.evaluate(g),
            "iterations": float(sol.iterations), "scale": float(np.abs(v_star).max()) / (1.0 - model.gamma)}


def pi_monotone_cell(params: dict, seed: int) -> dict:
    model = random_dense(int(params["S"]), int(params["A"]), seed, discount=float(params["gamma"]))
    pi0 = np.random.default_rng([seed, 1]).integers(0, model.n_actions, size=model.n_states)
    sol = policy_iteration(model, pi0=pi0)
    history = np.asarray(sol.info["values_history"])
    steps = np.diff(history, axis=0)                            # V^{pi_{k+1}} - V^{pi_k}, Prop. 6.4.1
    least = min(0.0, float(steps.min())) if steps.size else 0.0  # 0: the terminating step pi_{K+1} = pi_K
    return {"measured": least, "bound": PI_MONOTONE.evaluate({"gamma": params["gamma"]}),
            "least_strict_step": float(steps.min()) if steps.size else float("nan"),
            "policy_changes": float(len(history) - 1), "scale": float(np.abs(history).max()) / (1.0 - model.gamma)}


def delta_coefficient(P: np.ndarray) -> float:
    """``1 - min over row pairs of sum_j min(p_j, q_j)`` over all (s, a) rows of ``P (S, A, S)``."""
    rows = P.reshape(-1, P.shape[-1])
    overlap = np.minimum(rows[:, None, :], rows[None, :, :]).sum(axis=2)
    return float(1.0 - overlap.min())


def optimal_gain_by_enumeration(model) -> float:
    """``g*`` = the best gain ``mu_pi . R_pi`` over all ``A^S`` deterministic policies, with ``mu_pi`` the
    stationary law of ``P_pi`` (Puterman Eq. (8.2.1)), solved for all policies at once.  Needs every
    transition probability positive (then every ``P_pi`` is irreducible and aperiodic: unichain)."""
    P, R = model.dense_transitions(), np.asarray(model.R)
    if not (P > 0).all():
        raise ValueError("optimal_gain_by_enumeration needs P > 0 everywhere (every policy unichain)")
    S, A = model.n_states, model.n_actions
    pis = np.array(list(itertools.product(range(A), repeat=S)), dtype=np.int64)      # (A^S, S)
    rows = np.arange(S)
    P_pi = P[rows, pis]                                                             # (A^S, S, S)
    # mu (I - P_pi) = 0 with sum(mu) = 1: solve (I - P_pi + 1 1^T)^T mu = 1
    M = np.transpose(np.eye(S) - P_pi + 1.0, (0, 2, 1))
    mu = np.linalg.solve(M, np.ones((len(pis), S, 1)))[..., 0]
    return float((mu * R[rows, pis]).sum(axis=1).max())


def rvi_gain_cell(params: dict, seed: int) -> dict:
    S, A, k, tau = int(params["S"]), int(params["A"]), int(params["k"]), float(params["tau"])
    model = random_dense(S, A, seed, average_reward=True)
    g_star = optimal_gain_by_enumeration(model)
    sol = relative_value_iteration(model, tol=1e-300, max_iter=k + 1, tau=tau, check_structure=False)
    P_tau = tau * np.eye(S)[:, None, :] + (1.0 - tau) * model.dense_transitions()
    alpha = delta_coefficient(P_tau)
    best_r = model.R.max(axis=1)                                # T v_0 - v_0 with v_0 = 0
    bound = RVI_GAIN.evaluate({"alpha": alpha, "k": k, "sp0": float(best_r.max() - best_r.min())})  # Eq. (6.6.4)
    return {"measured": abs(sol.gain - g_star), "bound": bound, "alpha": alpha,
            "sp0": float(best_r.max() - best_r.min()), "scale": float(np.abs(model.R).max())}


DENSE = "random dense MDPs (scenarios.instances.classic.random_dense: Dirichlet(1) rows, U[0, 1] rewards), V_0 = 0"

register_scenario(Scenario(
    name="vi_error",
    description="value iteration error ||V_k - V*|| vs gamma^k ||V_0 - V*|| (bound and geometric rate)",
    family=DENSE,
    algorithm="mdplab.operators.bellman_backup",
    cell=vi_error_cell,
    grid={"quick": [{"S": 10, "A": 3, "gamma": 0.9, "k": k} for k in (10, 20, 30, 40, 50)],
          "full": [{"S": 50, "A": 5, "gamma": 0.95, "k": k} for k in range(10, 160, 10)]},
    seeds={"quick": 5, "full": 30},
    checks=(Check(VI_ERROR.name, "bound", tolerance=SOLVE_TOL),
            Check(VI_ERROR.name, "rate", rate_parameter="k", scale="semilog", alternative="equal",
                  slope_atol=0.002, max_ci_width=0.05)),
))

register_scenario(Scenario(
    name="vi_stopping",
    description="value_iteration(tol=eps): greedy policy eps-optimal, values within eps/2 of V*",
    family=DENSE,
    algorithm="mdplab.solvers.value_iteration",
    cell=vi_stopping_cell,
    grid={"quick": [{"S": 10, "A": 3, "gamma": g, "eps": e} for g in (0.9, 0.99) for e in (1.0, 1e-2, 1e-4)],
          "full": [{"S": S, "A": 5, "gamma": g, "eps": e} for S in (20, 100) for g in (0.9, 0.99, 0.999)
                   for e in (1.0, 1e-1, 1e-2, 1e-4, 1e-6)]},
    seeds={"quick": 4, "full": 20},
    checks=(Check(VI_STOPPING_POLICY.name, "bound", tolerance=SOLVE_TOL, measured_key="policy_gap",
                  bound_key="policy_bound"),
            Check(VI_STOPPING_VALUES.name, "bound", tolerance=SOLVE_TOL, measured_key="value_error",
                  bound_key="value_bound")),
))

register_scenario(Scenario(
    name="pi_monotone",
    description="policy iteration improves monotonically: min_k,s (V^{pi_k+1} - V^{pi_k})(s) >= 0",
    family=DENSE + ", uniformly random initial policy",
    algorithm="mdplab.solvers.policy_iteration",
    cell=pi_monotone_cell,
    grid={"quick": [{"S": S, "A": 4, "gamma": g} for S in (10, 30) for g in (0.9, 0.99)],
          "full": [{"S": S, "A": A, "gamma": g} for S in (10, 100, 300) for A in (2, 10) for g in (0.9, 0.99, 0.999)]},
    seeds={"quick": 5, "full": 10},
    checks=(Check(PI_MONOTONE.name, "lower", tolerance=SOLVE_TOL),),
))

register_scenario(Scenario(
    name="rvi_gain",
    description="relative VI gain error |g_k - g*| <= alpha^k sp(T v_0 - v_0) / 2 on unichain aperiodic models",
    family="random dense average-reward MDPs (all transition probabilities > 0: unichain, aperiodic)",
    algorithm="mdplab.solvers.relative_value_iteration",
    cell=rvi_gain_cell,
    grid={"quick": [{"S": 5, "A": 2, "tau": 0.5, "k": k} for k in (0, 2, 5, 10, 20)],
          "full": [{"S": S, "A": 3, "tau": t, "k": k} for S in (5, 7) for t in (0.1, 0.5) for k in (0, 1, 2, 5, 10, 20, 40)]},
    seeds={"quick": 4, "full": 10},
    checks=(Check(RVI_GAIN.name, "bound", tolerance=GAIN_TOL),),
))
