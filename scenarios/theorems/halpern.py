"""Scenarios for the Halpern / anchored-iteration family (``docs/theory/lee2023anchoring.md``).

Instance families (each built from ``seed`` only):

* ``rotation``: the planar 90-degree rotation, Halpern's tight instance; ``x_0`` a random
  unit vector (the rotation is isotropic, so every seed gives the same numbers; seeds only satisfy the
  harness).
* ``random PSD quadratic``: ``F(u) = M (u - u*)``, ``M = B B^T / d``, ``B`` standard normal, ``d = 20``.
* ``random dense MDPs``: :func:`scenarios.instances.classic.random_dense` (Dirichlet(1) rows, U[0, 1] rewards).
* ``hard chain``: deterministic chain of ``k + 2`` states, reward 1 entering the last, ``U^0 = 0``
  ([D]), one instance per ``(gamma, k)``.
* ``gamma = 1 fixed-point MDPs``: ``r(s,a) = V*(s) - P(s,a).V* - delta(s,a)``, ``delta >= 0`` and zero on
  one action per state, P from random_dense.
* ``periodic cycle``: deterministic ``S``-cycle, one action, reward 1 at state 0, gain ``1/S``; VI's
  Bellman error stays ``1 - 1/S`` forever ([D]); ``V^0`` random per seed.
* ``random matrix games``: ``A`` with U[0, 1] entries, ``n = m``.
* ``+-1-row least squares``: :func:`algorithms.finite_sum.pm_one_least_squares`.

Tolerances: bounds that hold with slack zero on tight cells get ``rtol = 1e-9`` for float rounding of the
iterations and of the exact solves producing ``U*`` / ``h*``, stated per check.
"""
from __future__ import annotations

import numpy as np

from algorithms.anchored_vi import anchored_iterates
from algorithms.extragradient import extragradient
from algorithms.finite_sum import duality_gap, matrix_game, pm_one_least_squares
from algorithms.halpern import halpern_cocoercive, halpern_iteration
from algorithms.mirror_prox import entropic_mirror_prox
from algorithms.vr_halpern import deterministic_halpern, vr_halpern
from bounds.cai2024 import VR_ADVANTAGE
from bounds.lee2023anchoring import (BELLMAN_ERROR_GENERAL, BELLMAN_ERROR_REFINED, GAMMA_ONE_AFFINE,
                                     GAMMA_ONE_OPTIMALITY, SPAN_LOWER_BOUND)
from bounds.lee2025averagereward import ANC_VI_BELLMAN, ANC_VI_BELLMAN_RATE
from bounds.lieder2021 import HALPERN_COCOERCIVE, HALPERN_RESIDUAL
from bounds.nemirovski2004 import ENTROPIC_GAP, EG_GAP
from mdplab import MDP
from mdplab.operators import bellman_backup
from mdplab.solvers import average_reward_policy_iteration, evaluate_policy, policy_iteration
from scenarios.harness.registry import Check, Scenario, Tolerance, register_scenario
from scenarios.instances.classic import random_dense
from scenarios.instances.halpern import fixed_point_mdp, hard_chain, periodic_cycle

ROUNDING = Tolerance(rtol=1e-9, reason="float rounding of the iteration and of the exact solve for the fixed point")
#: Anc-VI at small gamma and large k: the bound falls below the float noise floor of ||TU - U||, which is
#: about S * 2e-16 * ||U||; ``docs/theory/lee2023anchoring.md`` skips points with bound < 1e-10.  atol = 1e-13 * scale.
NOISE_FLOOR = Tolerance(rtol=1e-9, atol=1e-13, scale_key="scale",
                        reason="float noise floor of the Bellman error, relative to ||U*|| + ||U^0||")


def _bellman_error_at(model: MDP, v0: np.ndarray, gamma: float, scheme: str, k: int, policy=None) -> float:
    for j, U, TU, _ in anchored_iterates(model, v0, gamma, scheme, policy):
        if j == k:
            return float(np.abs(TU - U).max())
    raise AssertionError("unreachable")


# ------------------------------------------------------------------------------------------ Halpern
def rotation_cell(params: dict, seed: int) -> dict:
    theta = np.random.default_rng(seed).uniform(0, 2 * np.pi)
    R90 = np.array([[0.0, -1.0], [1.0, 0.0]])
    k = int(params["k"])
    res = halpern_iteration(lambda x: R90 @ x, np.array([np.cos(theta), np.sin(theta)]), tol=0.0, max_iter=k)
    # x_k = 0 = x* exactly when k = 3 (mod 4), where the exit criterion stops; the grid avoids those k
    return {"measured": float(res.residuals[-1]), "bound": HALPERN_RESIDUAL.evaluate({"k": k, "D": 1.0}),
            "iterations": float(res.iterations)}


def cocoercive_cell(params: dict, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    d, k = int(params["d"]), int(params["k"])
    B = rng.normal(size=(d, d))
    M = B @ B.T / d
    L = float(np.linalg.eigvalsh(M)[-1])
    u_star, u0 = rng.normal(size=d), rng.normal(size=d)
    res = halpern_cocoercive(lambda u: M @ (u - u_star), u0, L, tol=0.0, max_iter=k)
    D = float(np.linalg.norm(u0 - u_star))
    return {"measured": float(res.residuals[k]), "bound": HALPERN_COCOERCIVE.evaluate({"k": k, "D": D, "L": L})}


register_scenario(Scenario(
    name="halpern_rotation",
    description="Halpern residual ||x_k - T x_k|| vs 2||x_0 - x*||/(k+1) on the 90-degree rotation (tight)",
    family="planar 90-degree rotation, x_0 a random unit vector (ratio exactly 1 at k = 1 mod 4)",
    algorithm="algorithms.halpern.halpern_iteration",
    cell=rotation_cell,
    grid={"quick": [{"k": k} for k in (0, 1, 2, 4, 5, 9, 10, 20, 21, 50, 100, 101, 200)],
          "full": [{"k": k} for k in (0, 1, 2, 4, 5, 9, 10, 20, 21, 50, 100, 101, 200, 201, 1000, 1001, 2000)]},
    seeds={"quick": 2, "full": 3},
    checks=(Check(HALPERN_RESIDUAL.name, "bound", tolerance=ROUNDING),),
))

register_scenario(Scenario(
    name="halpern_cocoercive",
    description="cocoercive Halpern ||F(u_k)|| vs L||u_0 - u*||/(k+1) on random PSD quadratics",
    family="F(u) = M(u - u*), M = B B^T/d, B standard normal, d = 20",
    algorithm="algorithms.halpern.halpern_cocoercive",
    cell=cocoercive_cell,
    grid={"quick": [{"d": 20, "k": k} for k in (1, 10, 100, 500)],
          "full": [{"d": d, "k": k} for d in (5, 20, 100) for k in (1, 3, 10, 30, 100, 300, 1000)]},
    seeds={"quick": 5, "full": 20},
    checks=(Check(HALPERN_COCOERCIVE.name, "bound", tolerance=ROUNDING),),
))


# ------------------------------------------------------------------------------------------ Anc-VI
def anc_vi_cell(params: dict, seed: int) -> dict:
    S, A, gamma, k = int(params["S"]), int(params["A"]), float(params["gamma"]), int(params["k"])
    model = random_dense(S, A, seed, discount=gamma)
    v_star = evaluate_policy(model, policy_iteration(model).policy, method="direct")
    u0 = np.random.default_rng([seed, 1]).normal(size=S) * 5
    below = -10.0 * np.ones(S)  # R >= 0, so U^0 <= T U^0
    g = {"gamma": gamma, "k": k}
    return {"measured": _bellman_error_at(model, u0, gamma, "discounted", k),
            "bound": BELLMAN_ERROR_GENERAL.evaluate({**g, "e0": float(np.abs(u0 - v_star).max())}),
            "refined_error": _bellman_error_at(model, below, gamma, "discounted", k),
            "refined_bound": BELLMAN_ERROR_REFINED.evaluate({**g, "e0": float(np.abs(below - v_star).max())}),
            "vi_bound_ratio": float((1 + gamma) * gamma ** k),
            "scale": float(np.abs(v_star).max() + 10.0 + np.abs(u0).max())}


register_scenario(Scenario(
    name="anc_vi_upper",
    description="Anc-VI Bellman error vs B_gen(gamma,k)||U^0 - U*|| (random U^0) and B_ref (U^0 <= T U^0)",
    family="random dense MDPs (scenarios.instances.classic.random_dense); U^0 ~ 5 N(0, I) and U^0 = -10",
    algorithm="algorithms.anchored_vi.anchored_value_iteration",
    cell=anc_vi_cell,
    grid={"quick": [{"S": 20, "A": 3, "gamma": g, "k": k} for g in (0.9, 0.99, 0.999) for k in (1, 10, 100)],
          "full": [{"S": S, "A": 4, "gamma": g, "k": k} for S in (10, 50) for g in (0.5, 0.9, 0.99, 0.999)
                   for k in (1, 3, 10, 30, 100, 300)]},
    seeds={"quick": 3, "full": 20},
    checks=(Check(BELLMAN_ERROR_GENERAL.name, "bound", tolerance=NOISE_FLOOR),
            Check(BELLMAN_ERROR_REFINED.name, "bound", tolerance=NOISE_FLOOR, measured_key="refined_error",
                  bound_key="refined_bound")),
))


def chain_cell(params: dict, seed: int) -> dict:
    gamma, k = float(params["gamma"]), int(params["k"])
    model = hard_chain(k + 2, gamma)
    err = _bellman_error_at(model, np.zeros(k + 2), gamma, "discounted", k)
    g = {"gamma": gamma, "k": k, "e0": 1.0}
    return {"measured": err, "bound": SPAN_LOWER_BOUND.evaluate(g), "upper": BELLMAN_ERROR_REFINED.evaluate(g),
            "vi_error": float(gamma ** k)}


register_scenario(Scenario(
    name="anc_vi_lower_chain",
    description="Anc-VI on the hard chain sits between the span lower bound and B_ref (within a factor 4)",
    family="deterministic chain of k+2 states, reward 1 at s_{n-1}, U^0 = 0 (one instance per cell)",
    algorithm="algorithms.anchored_vi.anchored_value_iteration",
    cell=chain_cell,
    grid={"quick": [{"gamma": g, "k": k} for g in (0.9, 0.99, 0.999) for k in (1, 5, 20, 50)],
          "full": [{"gamma": g, "k": k} for g in (0.5, 0.9, 0.99, 0.999) for k in (1, 2, 5, 10, 20, 50, 100, 200)]},
    seeds={"quick": 1, "full": 1},
    checks=(Check(SPAN_LOWER_BOUND.name, "lower", tolerance=ROUNDING),
            Check(BELLMAN_ERROR_REFINED.name, "bound", tolerance=ROUNDING, bound_key="upper")),
))


def gamma_one_cell(params: dict, seed: int) -> dict:
    S, A, k = int(params["S"]), int(params["A"]), int(params["k"])
    model, V = fixed_point_mdp(S, A, seed)
    u0 = np.random.default_rng([seed, 3]).normal(size=S) * 4
    diff = u0 - V
    d0 = 0.5 * float(diff.max() - diff.min())  # min_c ||U^0 - U* - c 1||_inf
    out = {"measured": _bellman_error_at(model, u0, 1.0, "fixed_point", k), "d0": d0}
    if A == 1:
        out["bound"] = GAMMA_ONE_AFFINE.evaluate({"k": k, "d0": d0})
    return out


register_scenario(Scenario(
    name="anc_vi_gamma_one_affine",
    description="Anc-VI at gamma = 1 (beta_k = 1/(k+1)), consistency operator: error <= 2 d0/(k+1)",
    family="gamma = 1 fixed-point models, one action (r = V* - P V*), P from random_dense",
    algorithm="algorithms.anchored_vi.anchored_value_iteration",
    cell=gamma_one_cell,
    grid={"quick": [{"S": 12, "A": 1, "k": k} for k in (1, 3, 10, 30, 100)],
          "full": [{"S": S, "A": 1, "k": k} for S in (5, 30) for k in (1, 3, 10, 30, 100, 300, 1000)]},
    seeds={"quick": 4, "full": 20},
    checks=(Check(GAMMA_ONE_AFFINE.name, "bound", tolerance=ROUNDING),),
))

register_scenario(Scenario(
    name="anc_vi_gamma_one_optimality",
    description="Anc-VI at gamma = 1, optimality operator: O(1/k) Bellman error (rate; constant [R] unchecked)",
    family="gamma = 1 fixed-point models, r = V* - P V* - delta, delta = 0 on one action per state",
    algorithm="algorithms.anchored_vi.anchored_value_iteration",
    cell=gamma_one_cell,
    grid={"quick": [{"S": 10, "A": 3, "k": k} for k in (100, 200, 400, 800)],
          "full": [{"S": 20, "A": 4, "k": k} for k in (100, 200, 400, 800, 1600, 3200)]},
    seeds={"quick": 4, "full": 20},
    checks=(Check(GAMMA_ONE_OPTIMALITY.name, "rate", rate_parameter="k", scale="loglog", alternative="equal",
                  slope_atol=0.05, max_ci_width=0.2),),
    notes="Once the greedy policy is optimal the iteration is affine and the error is c/(k+1) exactly "
          "(deviation-matrix argument, derived), so the rate is tight; slope_atol absorbs 1/(k+1) vs 1/k.",
))


# ------------------------------------------------------------------------------------------ average reward
def average_cell(params: dict, seed: int) -> dict:
    S, A, k = int(params["S"]), int(params["A"]), int(params["k"])
    model = random_dense(S, A, seed, average_reward=True)
    ref = average_reward_policy_iteration(model, tol=1e-12)
    g, h = float(ref.gain), np.asarray(ref.bias)
    v0 = np.random.default_rng([seed, 4]).normal(size=S) * 2
    diff = v0 - h
    h0 = 0.5 * float(diff.max() - diff.min())
    for j, V, TV, _ in anchored_iterates(model, v0, 1.0, "average"):
        if j == k:
            err = float(np.abs(TV - V - g).max())
            break
    return {"measured": err, "bound": ANC_VI_BELLMAN.evaluate({"k": k, "h0": h0}), "h0": h0}


register_scenario(Scenario(
    name="avg_anc_vi",
    description="average-reward Anc-VI (2/(k+2)): ||T V^k - V^k - g*|| <= 8 min_c||V^0 - h* - c1||/(k+1)",
    family="random dense average-reward MDPs (all P > 0: unichain, aperiodic); (g*, h*) by policy iteration",
    algorithm="algorithms.anchored_vi.anchored_value_iteration",
    cell=average_cell,
    grid={"quick": [{"S": 6, "A": 3, "k": k} for k in (1, 2, 5, 10, 50, 200)],
          "full": [{"S": S, "A": 3, "k": k} for S in (3, 7, 30) for k in (1, 2, 5, 10, 20, 50, 100, 200, 1000)]},
    seeds={"quick": 4, "full": 30},
    checks=(Check(ANC_VI_BELLMAN.name, "bound", tolerance=ROUNDING),),
))


def periodic_cell(params: dict, seed: int) -> dict:
    S, k = int(params["S"]), int(params["k"])
    model = periodic_cycle(S)
    g = 1.0 / S
    s = np.arange(S)
    h = np.where(s == 0, 0.0, s * g - 1.0)  # h(s+1) = h(s) + g - r(s), h(0) = 0
    v0 = np.random.default_rng(seed).normal(size=S)
    diff = v0 - h
    h0 = 0.5 * float(diff.max() - diff.min())
    for j, V, TV, _ in anchored_iterates(model, v0, 1.0, "average"):
        if j == k:
            err = float(np.abs(TV - V - g).max())
            break
    v = v0.copy()
    for _ in range(k):
        v = bellman_backup(model, v, gamma=1.0)[0]
    vi_err = float(np.abs(bellman_backup(model, v, gamma=1.0)[0] - v - g).max())
    return {"measured": err, "bound": ANC_VI_BELLMAN.evaluate({"k": k, "h0": h0}), "h0": h0, "vi_error": vi_err}


register_scenario(Scenario(
    name="avg_anc_vi_periodic",
    description="average-reward Anc-VI converges at rate 1/k on the periodic cycle, where plain VI never does",
    family="deterministic S-cycle, one action, reward 1 at state 0 (g* = 1/S), V^0 ~ N(0, I)",
    algorithm="algorithms.anchored_vi.anchored_value_iteration",
    cell=periodic_cell,
    grid={"quick": [{"S": 4, "k": k} for k in (25, 50, 100, 200, 400)],
          "full": [{"S": 4, "k": k} for k in (25, 50, 100, 200, 400, 800, 1600, 3200)]},
    seeds={"quick": 4, "full": 10},
    checks=(Check(ANC_VI_BELLMAN.name, "bound", tolerance=ROUNDING),
            Check(ANC_VI_BELLMAN_RATE.name, "rate", rate_parameter="k", scale="loglog", alternative="equal",
                  slope_atol=0.05, max_ci_width=0.2)),
    notes="values['vi_error'] records plain VI's Bellman error, which stays bounded away from 0 (it "
          "oscillates with the period); the tight -1 slope of Anc-VI is derived in ``docs/theory/lee2023anchoring.md``.",
))


# ------------------------------------------------------------------------------------------ games
def eg_gap_cell(params: dict, seed: int) -> dict:
    n, T = int(params["n"]), int(params["T"])
    A = np.random.default_rng(seed).random((n, n))
    op = matrix_game(A)
    eta = 1.0 / op.lipschitz_full
    avg = extragradient(op, eta=eta, max_iter=T, max_epochs=1e12, record_every=1e12).info["average"]
    Dmax = 2.0 * (1.0 - 1.0 / n)  # max over the simplices of ||z_0 - u||^2 from the uniform start [D]
    return {"measured": duality_gap(A, avg[:n], avg[n:]),
            "bound": EG_GAP.evaluate({"T": T, "eta": eta, "Dmax": Dmax})}


def mirror_prox_cell(params: dict, seed: int) -> dict:
    n, T = int(params["n"]), int(params["T"])
    A = np.random.default_rng(seed).random((n, n))
    tr = entropic_mirror_prox(matrix_game(A), max_iter=T, max_epochs=1e12, record_every=1e12)
    return {"measured": tr.info["gap_average"],
            "bound": ENTROPIC_GAP.evaluate({"T": T, "Amax": float(np.abs(A).max()), "n": n, "m": n})}


for _name, _cell, _bound, _alg in (("eg_gap", eg_gap_cell, EG_GAP, "algorithms.extragradient.extragradient"),
                                   ("mirror_prox_gap", mirror_prox_cell, ENTROPIC_GAP,
                                    "algorithms.mirror_prox.entropic_mirror_prox")):
    register_scenario(Scenario(
        name=_name,
        description=f"duality gap of averaged midpoints vs {_bound.expr} on random matrix games",
        family="min_x max_y y^T A x over simplices, A with U[0, 1] entries, uniform start",
        algorithm=_alg,
        cell=_cell,
        grid={"quick": [{"n": 30, "T": T} for T in (10, 100, 400)],
              "full": [{"n": n, "T": T} for n in (10, 30, 100) for T in (10, 30, 100, 300, 1000, 3000)]},
        seeds={"quick": 3, "full": 20},
        checks=(Check(_bound.name, "bound", tolerance=ROUNDING),),
    ))


# ------------------------------------------------------------------------------------------ VR Halpern
def vr_advantage_cell(params: dict, seed: int) -> dict:
    n, eps = int(params["n"]), float(params["eps"])
    op = pm_one_least_squares(n, seed=seed)
    det = deterministic_halpern(op, eta=1.0 / op.lipschitz_full, tol=eps, max_epochs=20_000)
    op.reset_counters()
    vr = vr_halpern(op, eta=1.0 / op.lipschitz_constant, tol=eps, max_epochs=20_000, seed=seed, record_every=0.25)
    e_det, e_vr = det.epochs_to(eps), vr.epochs_to(eps)
    return {"measured": e_det / e_vr, "epochs_halpern": e_det, "epochs_alg1": e_vr,
            "L": op.lipschitz_constant, "L_F": op.lipschitz_full}


register_scenario(Scenario(
    name="vr_halpern_sqrt_n",
    description="Algorithm 1's advantage over deterministic Halpern (epochs to eps) grows like sqrt(n)",
    family="least squares with +-1 rows scaled by logspace(0, -3, 10), exact b (pm_one_least_squares)",
    algorithm="algorithms.vr_halpern.vr_halpern",
    cell=vr_advantage_cell,
    grid={"quick": [{"n": n, "eps": 2e-3} for n in (256, 1024, 4096)],
          "full": [{"n": n, "eps": 2e-3} for n in (256, 1024, 4096, 16384, 65536)]},
    seeds={"quick": 3, "full": 10},
    checks=(Check(VR_ADVANTAGE.name, "rate", rate_parameter="n", scale="loglog", alternative="equal",
                  slope_atol=0.2, max_ci_width=0.5),),
    notes="slope_atol 0.2 is our acceptance window [0.3, 0.7] around the exponent 1/2.",
))


# ------------------------------------------------------------------------------------------ figure-feeding
# The scenarios below feed ``paper_figs/halpern_anc_vi.py`` and ``paper_figs/halpern_oracle_calls.py``: their
# cells record every number the figures draw (extra keys beside the checked ``measured``/``bound``).
def _vi_bellman_error_at(model: MDP, v0: np.ndarray, gamma: float, k: int) -> float:
    v = v0.copy()
    for _ in range(k):
        v = bellman_backup(model, v, gamma=gamma)[0]
    return float(np.abs(bellman_backup(model, v, gamma=gamma)[0] - v).max())


def anc_vs_vi_cell(params: dict, seed: int) -> dict:
    """Bellman errors of Anc-VI (``measured``) and plain VI (``vi_error``) at ``k`` from ``U^0 = 0``, gamma < 1.

    ``instance = "chain"``: the hard chain of ``n`` states (``||U*|| = 1``); ``"dense"``: random_dense(S, A)."""
    gamma, k = float(params["gamma"]), int(params["k"])
    if params["instance"] == "chain":
        model, e0 = hard_chain(int(params["n"]), gamma), 1.0
    else:
        model = random_dense(int(params["S"]), int(params["A"]), seed, discount=gamma)
        e0 = float(np.abs(evaluate_policy(model, policy_iteration(model).policy, method="direct")).max())
    u0 = np.zeros(model.n_states)
    return {"measured": _bellman_error_at(model, u0, gamma, "discounted", k),
            "bound": BELLMAN_ERROR_GENERAL.evaluate({"gamma": gamma, "k": k, "e0": e0}),
            "vi_error": _vi_bellman_error_at(model, u0, gamma, k), "vi_bound": float((1 + gamma) * gamma ** k * e0),
            "e0": e0, "scale": e0}


def anc_vs_vi_gamma_one_cell(params: dict, seed: int) -> dict:
    """As :func:`anc_vs_vi_cell` at gamma = 1 with one action (the consistency operator): the hard chain
    (undiscounted, ``d0 = 1/2``) or a gamma = 1 fixed-point model (:func:`fixed_point_mdp`, ``A = 1``)."""
    k = int(params["k"])
    if params["instance"] == "chain":
        model, d0 = hard_chain(int(params["n"]), 0.5).with_criterion(average_reward=True), 0.5
    else:
        if int(params["A"]) != 1:
            raise ValueError(f"anc_vs_vi_gamma_one_cell: 2 d0/(k+1) needs one action (A = 1); got A = {params['A']}")
        model, v_star = fixed_point_mdp(int(params["S"]), 1, seed)
        d0 = 0.5 * float(v_star.max() - v_star.min())  # min_c ||U^0 - U* - c 1||, U^0 = 0
    u0 = np.zeros(model.n_states)
    return {"measured": _bellman_error_at(model, u0, 1.0, "fixed_point", k),
            "bound": GAMMA_ONE_AFFINE.evaluate({"k": k, "d0": d0}),
            "vi_error": _vi_bellman_error_at(model, u0, 1.0, k), "d0": d0}


_KS = {"quick": (1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300), "full": (1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000)}
_CHAIN_N = {size: ks[-1] + 2 for size, ks in _KS.items()}  # n >= k + 2: VI's error is gamma^k exactly
_DENSE = {"quick": {"S": 20, "A": 3}, "full": {"S": 50, "A": 4}}


def _anc_vs_vi_grid(size: str, gammas, one_action: bool = False) -> list[dict]:
    dense = {**_DENSE[size], "A": 1} if one_action else _DENSE[size]
    return ([{"instance": "chain", "n": _CHAIN_N[size], "gamma": g, "k": k} for g in gammas for k in _KS[size]]
            + [{"instance": "dense", **dense, "gamma": g, "k": k} for g in gammas for k in _KS[size]])


register_scenario(Scenario(
    name="anc_vi_vs_vi",
    description="Bellman error of Anc-VI vs plain VI from U^0 = 0 against k (gamma < 1): Anc-VI <= B_gen(gamma,k)||U*||",
    family="hard chain of k_max + 2 states (one instance) and random dense MDPs (scenarios.instances.classic.random_dense)",
    algorithm="algorithms.anchored_vi.anchored_value_iteration",
    cell=anc_vs_vi_cell,
    grid={"quick": _anc_vs_vi_grid("quick", (0.9, 0.99, 0.999)),
          "full": _anc_vs_vi_grid("full", (0.9, 0.99, 0.999))},
    seeds={"quick": 1, "full": 3},
    checks=(Check(BELLMAN_ERROR_GENERAL.name, "bound", tolerance=NOISE_FLOOR),),
    notes="Feeds paper_figs/halpern_anc_vi.py; values['vi_error'] is plain VI's Bellman error and "
          "values['vi_bound'] = (1 + gamma) gamma^k ||U*|| its worst case (the chain attains gamma^k).",
))

register_scenario(Scenario(
    name="anc_vi_vs_vi_gamma_one",
    description="Bellman error of Anc-VI vs plain VI at gamma = 1 (one action): Anc-VI <= 2 d0/(k+1)",
    family="undiscounted hard chain (k_max + 2 states) and gamma = 1 fixed-point models with A = 1 (r = V* - P V*)",
    algorithm="algorithms.anchored_vi.anchored_value_iteration",
    cell=anc_vs_vi_gamma_one_cell,
    grid={"quick": _anc_vs_vi_grid("quick", (1.0,), one_action=True),
          "full": _anc_vs_vi_grid("full", (1.0,), one_action=True)},
    seeds={"quick": 1, "full": 3},
    checks=(Check(GAMMA_ONE_AFFINE.name, "bound", tolerance=ROUNDING),),
    notes="Feeds paper_figs/halpern_anc_vi.py (the gamma = 1 column). On the chain VI's Bellman error stays 1 "
          "until k >= n - 1; with more than one action only an O(1/k) rate with unknown constant is known "
          "(scenario anc_vi_gamma_one_optimality).",
))


# ---------------------------------------------------------------------------- residual vs oracle calls
#: epochs at which every method's residual is recorded (fractions of the budget), log-spaced
_EPOCH_FRACTIONS = np.geomspace(1e-3, 1.0, 41)


def finite_sum_methods(problem: str, op, seed: int) -> list[tuple[str, object, dict]]:
    """``[(label, function, kwargs)]``: the methods of the figure with the step sizes of the official
    scripts where they exist (game, QP [V]), theory defaults otherwise."""
    import math

    from algorithms.extragradient import anchored_extragradient, vr_extragradient
    from algorithms.vr_halpern import inexact_halpern_vrforb

    if problem == "game":
        n, L2, Lfro = op.n_x, np.linalg.norm(op.payoff, 2), np.linalg.norm(op.payoff, "fro")
        return [("EG, eta=5/||A||_2", extragradient, {"eta": 5 / L2}),
                ("EAG, eta=5/||A||_2", anchored_extragradient, {"eta": 5 / L2}),
                ("VR-EG, tau=3 sqrt(p)/||A||_F", vr_extragradient, {"tau": 3 * math.sqrt(1 / n) / Lfro, "seed": seed}),
                ("Alg. 1, eta=5/||A||_F", vr_halpern, {"eta": 5 / Lfro, "seed": seed}),
                ("Alg. 2, eta=sqrt(n)/||A||_F, c_tau=5", inexact_halpern_vrforb,
                 {"eta": math.sqrt(n) / Lfro, "c_tau": 5.0, "seed": seed}),
                ("entropic Mirror-Prox, eta=1/max|A|", entropic_mirror_prox, {})]
    if problem == "qp":
        return [("EG, eta=0.5", extragradient, {"eta": 0.5}),
                ("EAG, eta=0.3", anchored_extragradient, {"eta": 0.3}),
                ("VR-EG, tau=0.01", vr_extragradient, {"tau": 0.01, "seed": seed}),
                ("Alg. 1, eta=0.3", vr_halpern, {"eta": 0.3, "seed": seed}),
                ("Alg. 2, eta=sqrt(n), tau=0.001", inexact_halpern_vrforb,
                 {"eta": float(np.sqrt(op.n_x)), "tau": 0.001, "seed": seed})]
    return [("Halpern, eta=1/L_F", deterministic_halpern, {}),
            ("EG, eta=0.5/L_F", extragradient, {}),
            ("EAG, eta=1/(8 L_F)", anchored_extragradient, {}),
            ("VR-EG, default tau", vr_extragradient, {"seed": seed}),
            ("Alg. 1, eta=1/L", vr_halpern, {"eta": 1 / op.lipschitz_constant, "seed": seed}),
            ("Alg. 2, defaults", inexact_halpern_vrforb, {"seed": seed})]


def finite_sum_problem(params: dict, seed: int):
    from algorithms.finite_sum import policeman_burglar, worst_case_qp

    n = int(params["n"])
    if params["problem"] == "game":
        return policeman_burglar(n)
    if params["problem"] == "qp":
        return worst_case_qp(n)
    return pm_one_least_squares(n, seed=seed)


def oracle_calls_cell(params: dict, seed: int) -> dict:
    """Run every method of the problem for ``epochs`` epochs; record each one's exact last-iterate residual at
    the log-spaced epochs ``epochs * _EPOCH_FRACTIONS`` as ``"m<j>@<epoch>"`` (the last recorded residual at
    or before that epoch; cells hold numbers only, so method j's label is the j-th of
    :func:`finite_sum_methods`), plus the checked guarantee of the problem in ``measured``/``bound``:

    * ``game``: entropic Mirror-Prox's averaged duality gap vs ``nemirovski2004.entropic_gap`` (its run above);
    * ``ls``: deterministic Halpern's fixed-point residual ``eta ||F(u_K)|| = ||u_K - T u_K||`` (``T = I - eta F``
      nonexpansive: ``F`` is (1/L_F)-cocoercive, ``eta = 1/L_F``) vs ``lieder2021.halpern_residual`` with
      ``D = ||u_0 - u*||`` (its run above);
    * ``qp`` (monotone, not cocoercive: no guarantee for the charged methods is registered): Halpern on the
      exact resolvent ``J = (I + M)^{-1}(. - c)`` (firmly nonexpansive), ``K = epochs`` iterations, vs
      ``lieder2021.halpern_residual``; a side check on the same instance, not one of the plotted curves."""
    from algorithms.finite_sum import as_start

    problem, epochs = params["problem"], float(params["epochs"])
    op = finite_sum_problem(params, seed)
    marks = epochs * _EPOCH_FRACTIONS
    out: dict = {}
    for j, (_, fn, kw) in enumerate(finite_sum_methods(problem, op, seed)):
        op.reset_counters()
        tr = fn(op, max_epochs=epochs, record_every=epochs / 400, **kw)
        for e in marks:
            i = np.searchsorted(tr.epochs, e * (1 + 1e-12), side="right") - 1
            out[f"m{j}@{e:.6g}"] = float(tr.residuals[i]) if i >= 0 else float("nan")
        if problem == "game" and fn is entropic_mirror_prox:
            A = op.payoff
            out["measured"] = float(tr.info["gap_average"])
            out["bound"] = ENTROPIC_GAP.evaluate({"T": int(tr.info["iterations"]), "Amax": float(np.abs(A).max()),
                                                  "n": A.shape[0], "m": A.shape[1]})
        if problem == "ls" and fn is deterministic_halpern:
            D = float(np.linalg.norm(as_start(op, None) - op.solution()))
            out["measured"] = float(tr.info["eta"] * tr.residuals[-1])
            out["bound"] = HALPERN_RESIDUAL.evaluate({"k": int(tr.iters[-1]), "D": D})
    if problem == "qp":
        M, c = op.M, op.c
        u0 = as_start(op, None)
        J = np.linalg.inv(np.eye(M.shape[0]) + M)
        z_star = np.linalg.solve(M, -c)
        res = halpern_iteration(lambda z: J @ (z - c), u0, tol=0.0, max_iter=int(epochs))
        out["measured"] = float(res.residuals[-1])
        out["bound"] = HALPERN_RESIDUAL.evaluate({"k": res.iterations, "D": float(np.linalg.norm(u0 - z_star))})
    out["epochs_budget"] = epochs
    return out


for _problem, _what, _bound, _sizes, _check_note in (
        ("game", "policeman-burglar matrix game (algorithms.finite_sum.policeman_burglar)", ENTROPIC_GAP,
         {"quick": {"n": 50, "epochs": 100.0}, "full": {"n": 100, "epochs": 500.0}},
         "Checked: entropic Mirror-Prox's averaged duality gap (the plotted run) vs Amax log(nm)/T."),
        ("qp", "worst-case QP Lagrangian (algorithms.finite_sum.worst_case_qp)", HALPERN_RESIDUAL,
         {"quick": {"n": 50, "epochs": 300.0}, "full": {"n": 100, "epochs": 2000.0}},
         "Checked (side check, not a plotted curve): Halpern on the exact resolvent (I + M)^{-1}(. - c), "
         "K = epochs iterations, vs 2||u_0 - u*||/(K+1); no guarantee of the charged methods on this "
         "monotone, non-cocoercive operator is registered."),
        ("ls", "+-1-row least squares, d = 10 (algorithms.finite_sum.pm_one_least_squares)", HALPERN_RESIDUAL,
         {"quick": {"n": 1024, "epochs": 100.0}, "full": {"n": 4096, "epochs": 400.0}},
         "Checked: deterministic Halpern's fixed-point residual eta||F(u_K)|| (the plotted run, T = I - F/L_F "
         "nonexpansive) vs 2||u_0 - u*||/(K+1).")):
    register_scenario(Scenario(
        name=f"oracle_calls_{_problem}",
        description=f"residual vs oracle calls (epochs) of every finite-sum method: {_problem}; checked: "
                    + {"game": "Mirror-Prox averaged gap <= Amax log(nm)/T",
                       "qp": "Halpern on the exact resolvent <= 2D/(k+1) (side check)",
                       "ls": "deterministic Halpern residual <= 2D/(k+1)"}[_problem],
        family=_what,
        algorithm="algorithms.vr_halpern.vr_halpern",
        cell=oracle_calls_cell,
        grid={size: [{"problem": _problem, **p}] for size, p in _sizes.items()},
        seeds={"quick": 2, "full": 3},
        checks=(Check(_bound.name, "bound", tolerance=ROUNDING),),
        notes="Feeds paper_figs/halpern_oracle_calls.py (values 'm<j>@<epoch>'). " + _check_note,
    ))
