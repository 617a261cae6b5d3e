"""Anchored value iteration: spec ../shared/papers/halpern.md Sec. 5.2 items 3-7 (exact-bound tests).

Oracles: the closed form of the affine Anc-VI iterates (spec Sec. 2.7 [D]), exact policy iteration with
numpy linear solves kept here (independent of mdplab's solvers), the explicit lower-bound chain (Sec. 3.6
[D], with the spec's measured numbers), and the periodic cycle (Sec. 5.2 item 7 [D]).  Bounds used as hard
thresholds are [D] (B_gen, B_ref, affine 2/(k+1)) or [V] (average-reward constant 8, Lee & Ryu 2025); the
[R] constant 4 of the gamma = 1 optimality case is only used as an order-of-magnitude shape check.
"""
from __future__ import annotations

import numpy as np
import pytest

import mdplab
from algorithms.anchored_vi import anc_vi_beta, anchored_iterates, anchored_value_iteration
from mdplab.errors import ModelError, NotApplicableError

GAMMAS = (0.5, 0.9, 0.99, 0.999)
#: float noise floor: points where the bound is below this are skipped (spec Sec. 3.6).
BOUND_FLOOR = 1e-10


def b_gen(gamma: float, k: int) -> float:
    """Spec Sec. 3.6 [D], stable form; 2/(k+1) at gamma = 1."""
    if gamma == 1.0:
        return 2.0 / (k + 1)
    return gamma ** k * (1 - gamma ** 2) * (1 + 2 * gamma - gamma ** (k + 1)) / (1 - gamma ** (2 * k + 2))


def b_ref(gamma: float, k: int) -> float:
    if gamma == 1.0:
        return 1.0 / (k + 1)
    return gamma ** k * (1 - gamma ** 2) * (1 + gamma - gamma ** (k + 1)) / (1 - gamma ** (2 * k + 2))


def lower_bound(gamma: float, k: int) -> float:
    """``gamma^k / sum_{i<=k} gamma^i`` (spec Sec. 3.6)."""
    return gamma ** k / sum(gamma ** i for i in range(k + 1))


def random_mdp(rng: np.random.Generator, S: int, A: int) -> tuple[np.ndarray, np.ndarray]:
    P = rng.random((S, A, S)) ** 3  # uneven rows so that ||P_pi||_2 != 1
    P /= P.sum(axis=2, keepdims=True)
    return P, rng.random((S, A))


def exact_policy_iteration(P: np.ndarray, R: np.ndarray, gamma: float) -> np.ndarray:
    """Reference V* by Howard's PI with dense solves (numpy only)."""
    S, A = R.shape
    pi = np.zeros(S, dtype=int)
    while True:
        Ppi, Rpi = P[np.arange(S), pi], R[np.arange(S), pi]
        v = np.linalg.solve(np.eye(S) - gamma * Ppi, Rpi)
        q = R + gamma * P @ v
        new = np.where(q.max(axis=1) > q[np.arange(S), pi] + 1e-12, q.argmax(axis=1), pi)
        if np.array_equal(new, pi):
            return v
        pi = new


def bellman_errors(model, v0, gamma, scheme, n_iter, policy=None):
    out = []
    for k, U, TU, _ in anchored_iterates(model, v0, gamma, scheme, policy):
        out.append(np.abs(TU - U).max())
        if k == n_iter:
            return np.array(out)


# --------------------------------------------------------------------------------------------- schedule
@pytest.mark.parametrize("gamma", GAMMAS)
def test_beta_stable_form_equals_definition(gamma):
    for k in (0, 1, 5, 50):
        assert anc_vi_beta(gamma, k) == pytest.approx(1 / sum(gamma ** (-2 * i) for i in range(k + 1)), rel=1e-12)


def test_beta_does_not_overflow():
    # spec pitfall 2: the naive sum overflows near k = 4e4 at gamma = 0.99
    assert 0 <= anc_vi_beta(0.99, 60_000) < 1e-300 or anc_vi_beta(0.99, 60_000) == 0.0
    assert anc_vi_beta(1.0, 9) == 0.1


# --------------------------------------------------------------------------------------------- item 3
@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("seed", range(2))
def test_consistency_operator_matches_closed_form_and_bounds(gamma, seed):
    rng = np.random.default_rng(seed)
    S, A = int(rng.integers(5, 51)), 2
    P, R = random_mdp(rng, S, A)
    model = mdplab.MDP(P, R, discount=gamma)
    pi = rng.integers(0, A, size=S)
    Ppi, Rpi = P[np.arange(S), pi], R[np.arange(S), pi]
    U_pi = np.linalg.solve(np.eye(S) - gamma * Ppi, Rpi)
    U0 = rng.normal(size=S) * 3
    e0 = U0 - U_pi
    scale = np.abs(U_pi).max() + np.abs(U0).max()
    K = 100
    powers = [e0]
    for _ in range(K):
        powers.append(Ppi @ powers[-1])
    for k, U, TU, _ in anchored_iterates(model, U0, gamma, "discounted", pi):
        # e_k = sum_j gamma^{2k-j} P^j e_0 / sum_i gamma^{2k-2i}   (spec Sec. 2.7, multiplied by gamma^{2k})
        w = np.array([gamma ** (2 * k - j) for j in range(k + 1)])
        expected = sum(w[j] * powers[j] for j in range(k + 1)) / sum(gamma ** (2 * k - 2 * i) for i in range(k + 1))
        np.testing.assert_allclose(U - U_pi, expected, atol=1e-9 * scale, rtol=0)
        bound = b_gen(gamma, k) * np.abs(e0).max()
        if bound > BOUND_FLOOR * scale:
            assert np.abs(TU - U).max() <= bound * (1 + 1e-9)
        if k == K:
            break


@pytest.mark.parametrize("gamma", GAMMAS)
def test_consistency_operator_refined_bound_when_start_below(gamma):
    rng = np.random.default_rng(11)
    S, A = 30, 2
    P, R = random_mdp(rng, S, A)
    model = mdplab.MDP(P, R, discount=gamma)
    pi = rng.integers(0, A, size=S)
    U_pi = np.linalg.solve(np.eye(S) - gamma * P[np.arange(S), pi], R[np.arange(S), pi])
    U0 = -10.0 * np.ones(S)  # U0 <= T^pi U0 since R >= 0
    errs = bellman_errors(model, U0, gamma, "discounted", 100, pi)
    for k, err in enumerate(errs):
        bound = b_ref(gamma, k) * np.abs(U0 - U_pi).max()
        if bound > BOUND_FLOOR:
            assert err <= bound * (1 + 1e-9)


# --------------------------------------------------------------------------------------------- item 4
@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("start", ["random", "below"])
@pytest.mark.parametrize("seed", range(2))
def test_optimality_operator_bounds(gamma, start, seed):
    rng = np.random.default_rng(100 + seed)
    S, A = int(rng.integers(3, 31)), int(rng.integers(2, 6))
    P, R = random_mdp(rng, S, A)
    model = mdplab.MDP(P, R, discount=gamma)
    V = exact_policy_iteration(P, R, gamma)
    U0 = rng.normal(size=S) * 5 if start == "random" else -10.0 * np.ones(S)
    bound_fn = b_gen if start == "random" else b_ref
    errs = bellman_errors(model, U0, gamma, "discounted", 100)
    d0 = np.abs(U0 - V).max()
    ratios = [err / (bound_fn(gamma, k) * d0) for k, err in enumerate(errs) if bound_fn(gamma, k) * d0 > BOUND_FLOOR]
    assert max(ratios) <= 1 + 1e-9


# --------------------------------------------------------------------------------------------- item 5
def hard_chain(n: int, gamma: float) -> mdplab.MDP:
    """Spec Sec. 3.6 [D]: deterministic chain s_1 -> ... -> s_n (absorbing), reward 1 at s_{n-1}."""
    P = np.zeros((n, 1, n))
    for s in range(n - 1):
        P[s, 0, s + 1] = 1.0
    P[n - 1, 0, n - 1] = 1.0
    R = np.zeros((n, 1))
    R[n - 2, 0] = 1.0
    if gamma == 1.0:
        return mdplab.MDP(P, R, average_reward=True)
    return mdplab.MDP(P, R, discount=gamma)


# Anc-VI Bellman error measured in the spec (Sec. 3.6 [D], three significant digits), ||U0 - U*|| = 1.
SPEC_CHAIN = {(0.9, 1): 0.497, (0.9, 5): 0.156, (0.9, 20): 0.0234, (0.99, 20): 0.0473}


@pytest.mark.parametrize("gamma", [0.9, 0.99, 1.0])
@pytest.mark.parametrize("k", [1, 5, 20])
def test_lower_bound_chain(gamma, k):
    model = hard_chain(k + 2, gamma)
    scheme = "fixed_point" if gamma == 1.0 else "discounted"
    anc = bellman_errors(model, np.zeros(k + 2), gamma, scheme, k)[-1]
    # plain VI: k backups of U0 = 0, then the Bellman error
    v = np.zeros(k + 2)
    for _ in range(k):
        v = mdplab.operators.bellman_backup(model, v, gamma=gamma)[0]
    vi = np.abs(mdplab.operators.bellman_backup(model, v, gamma=gamma)[0] - v).max()
    assert vi == pytest.approx(gamma ** k, rel=1e-12)
    assert lower_bound(gamma, k) * (1 - 1e-12) <= anc <= b_ref(gamma, k) * (1 + 1e-12)
    assert b_ref(gamma, k) / lower_bound(gamma, k) <= 4.0  # "optimal up to a factor 4" [V abstract + D]
    if gamma == 1.0:
        assert anc == pytest.approx(1.0 / (k + 1), rel=1e-12)
    if (gamma, k) in SPEC_CHAIN:
        assert anc == pytest.approx(SPEC_CHAIN[(gamma, k)], abs=6e-4)


# --------------------------------------------------------------------------------------------- item 6
def fixed_point_mdp(rng: np.random.Generator, S: int, A: int):
    """gamma = 1 MDP with a fixed point: r(s,a) = V*(s) - P(s,a).V* - delta(s,a), delta = 0 on one action."""
    P, _ = random_mdp(rng, S, A)
    V = rng.normal(size=S) * 3
    delta = rng.random((S, A))
    delta[np.arange(S), rng.integers(0, A, size=S)] = 0.0
    R = V[:, None] - P @ V - delta
    return mdplab.MDP(P, R, average_reward=True), V


def half_span(x: np.ndarray) -> float:
    return 0.5 * (x.max() - x.min())  # = min_c ||x - c 1||_inf


@pytest.mark.parametrize("seed", range(3))
def test_gamma_one_affine_rate(seed):
    rng = np.random.default_rng(200 + seed)
    model, V = fixed_point_mdp(rng, 12, 1)
    U0 = rng.normal(size=12) * 4
    errs = bellman_errors(model, U0, 1.0, "fixed_point", 300)
    k = np.arange(errs.size)
    # T^pi U* = U*, and every U* + c1 is a fixed point: use min_c ||U0 - U* - c1||   (spec pitfall 3)
    assert np.all(errs <= 2.0 / (k + 1) * np.abs(U0 - V).max() * (1 + 1e-9))
    assert np.all(errs <= 2.0 / (k + 1) * half_span(U0 - V) * (1 + 1e-9))


@pytest.mark.parametrize("seed", range(3))
def test_gamma_one_optimality_is_order_one_over_k(seed):
    """The constant 4 of the spec is [R]: only check O(1/k) (k * error does not grow) and convergence."""
    rng = np.random.default_rng(300 + seed)
    model, V = fixed_point_mdp(rng, 10, 3)
    U0 = rng.normal(size=10) * 4
    errs = bellman_errors(model, U0, 1.0, "fixed_point", 400)
    scaled = (np.arange(errs.size) + 1) * errs / half_span(U0 - V)
    assert scaled[200:].max() <= 1.5 * scaled[:200].max()
    sol = anchored_value_iteration(model, gamma=1.0, tol=1e-2, v0=U0)
    assert sol.converged and sol.residuals[-1] <= 1e-2
    assert np.abs(mdplab.operators.bellman_backup(model, sol.values, gamma=1.0)[0] - sol.values).max() <= 2e-2


# --------------------------------------------------------------------------------------------- item 7
def average_reference(model: mdplab.MDP) -> tuple[float, np.ndarray]:
    """(g*, h*) by unichain policy iteration with numpy solves; checked against T h = h + g."""
    P, R = model.P, model.R
    S = model.n_states
    pi = np.zeros(S, dtype=int)
    while True:
        Ppi, Rpi = P[np.arange(S), pi], R[np.arange(S), pi]
        M = np.zeros((S + 1, S + 1))
        M[:S, :S] = np.eye(S) - Ppi
        M[:S, S] = 1.0
        M[S, 0] = 1.0
        sol = np.linalg.solve(M, np.concatenate([Rpi, [0.0]]))
        h, g = sol[:S], sol[S]
        q = R + P @ h
        new = np.where(q.max(axis=1) > q[np.arange(S), pi] + 1e-12, q.argmax(axis=1), pi)
        if np.array_equal(new, pi):
            assert np.abs(q.max(axis=1) - h - g).max() < 1e-9
            return g, h
        pi = new


@pytest.mark.parametrize("seed", range(4))
def test_average_reward_rate_constant_eight(seed):
    rng = np.random.default_rng(400 + seed)
    S, A = int(rng.integers(2, 8)), int(rng.integers(1, 4))
    P, R = random_mdp(rng, S, A)
    model = mdplab.MDP(P, R, average_reward=True)
    g, h = average_reference(model)
    V0 = rng.normal(size=S) * 2
    K = 200
    for k, V, TV, greedy in anchored_iterates(model, V0, 1.0, "average"):
        if k >= 1:
            err = np.abs(TV - V - g).max()
            assert (k + 1) * err <= 8.0 * half_span(V0 - h) * (1 + 1e-9)  # Lee & Ryu 2025 [V]
            if k in (1, 10, 100):  # policy error <= Bellman error (spec Sec. 3.7)
                assert g - policy_gain(model, greedy) <= err + 1e-9
        if k == K:
            break
    sol = anchored_value_iteration(model, tol=1e-3)
    assert sol.converged and abs(sol.gain - g) <= sol.error_bound + 1e-12
    assert g - policy_gain(model, sol.policy) <= 1e-3 + 1e-12


def policy_gain(model: mdplab.MDP, pi: np.ndarray) -> float:
    """Exact gain of a deterministic policy on a model whose rows are all positive (unichain)."""
    S = model.n_states
    Ppi = model.P[np.arange(S), pi]
    M = np.vstack([(Ppi - np.eye(S)).T, np.ones(S)])  # stationary law: mu (P - I) = 0, sum mu = 1
    mu = np.linalg.lstsq(M, np.r_[np.zeros(S), 1.0], rcond=None)[0]
    return float(mu @ model.R[np.arange(S), pi])


@pytest.mark.parametrize("S", [2, 3, 5])
def test_periodic_cycle_anchored_converges_vi_does_not(S):
    P = np.zeros((S, 1, S))
    P[np.arange(S), 0, (np.arange(S) + 1) % S] = 1.0
    R = np.zeros((S, 1))
    R[0, 0] = 1.0
    model = mdplab.MDP(P, R, average_reward=True)
    g = 1.0 / S
    # plain VI: ||T V - V - g*|| stays 1 - 1/S forever (spec Sec. 5.2 item 7 [D])
    v = np.zeros(S)
    for _ in range(50):
        Tv = mdplab.operators.bellman_backup(model, v, gamma=1.0)[0]
        assert np.abs(Tv - v - g).max() == pytest.approx(1 - 1 / S, rel=1e-12)
        v = Tv
    errs = []
    for k, V, TV, _ in anchored_iterates(model, np.zeros(S), 1.0, "average"):
        errs.append(np.abs(TV - V - g).max())
        if k == 200:
            break
    errs = np.array(errs)
    slope = np.polyfit(np.log(np.arange(50, 201)), np.log(errs[50:]), 1)[0]
    assert slope == pytest.approx(-1.0, abs=0.05)
    if S == 2:
        assert errs[100] == pytest.approx(0.5 / 101, rel=1e-9)  # spec: k = 100 -> 4.95e-3
    sol = anchored_value_iteration(model, tol=1e-2)
    assert sol.converged and abs(sol.gain - g) <= sol.error_bound + 1e-15 and sol.error_bound <= 5e-3


# --------------------------------------------------------------------------------------------- API
@pytest.mark.parametrize("gamma", [0.9, 0.99])
def test_solution_is_certified_against_exact_values(gamma):
    rng = np.random.default_rng(7)
    P, R = random_mdp(rng, 20, 3)
    model = mdplab.MDP(P, R, discount=gamma)
    V = exact_policy_iteration(P, R, gamma)
    sol = anchored_value_iteration(model, tol=1e-6)
    assert sol.converged and sol.method == "anchored_vi"
    assert np.abs(sol.values - V).max() <= sol.error_bound <= 0.5e-6
    S = model.n_states
    v_pi = np.linalg.solve(np.eye(S) - gamma * P[np.arange(S), sol.policy], R[np.arange(S), sol.policy])
    assert np.all(V - v_pi <= 1e-6 + 1e-12)
    assert sol.residuals.size == sol.iterations + 1 == sol.info["bellman_applications"]


def test_entry_point_is_declared():
    import tomllib
    from pathlib import Path

    meta = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    target = meta["project"]["entry-points"]["mdplab.solvers"]["anchored_vi"]
    assert target == "algorithms.anchored_vi:anchored_value_iteration"


def test_solve_front_door():
    from importlib.metadata import entry_points

    if "anchored_vi" not in {ep.name for ep in entry_points(group="mdplab.solvers")}:
        pytest.skip("installed metadata predates the entry point: re-run `pip install -e .`")
    rng = np.random.default_rng(8)
    P, R = random_mdp(rng, 15, 2)
    model = mdplab.MDP(P, R, discount=0.95)
    sol = mdplab.solvers.solve(model, method="anchored_vi", tol=1e-7)
    assert sol.method == "anchored_vi" and sol.converged
    assert np.abs(sol.values - exact_policy_iteration(P, R, 0.95)).max() <= 0.5e-7


def test_policy_evaluation():
    rng = np.random.default_rng(8)
    P, R = random_mdp(rng, 15, 2)
    model = mdplab.MDP(P, R, discount=0.95)
    pi = rng.integers(0, 2, size=15)
    ev = anchored_value_iteration(model, policy=pi, tol=1e-8)
    exact = np.linalg.solve(np.eye(15) - 0.95 * P[np.arange(15), pi], R[np.arange(15), pi])
    assert np.abs(ev.values - exact).max() <= 1e-8
    assert np.array_equal(ev.policy, pi)


def test_bad_input_is_rejected():
    model = mdplab.MDP(np.ones((2, 1, 2)) / 2, np.zeros((2, 1)), discount=0.9)
    with pytest.raises(ModelError, match="v0"):
        anchored_value_iteration(model, v0=np.zeros(3))
    with pytest.raises(ModelError, match="gamma"):
        anchored_value_iteration(model, gamma=1.5)
    with pytest.raises(ModelError, match="policy"):
        anchored_value_iteration(model, policy=np.array([0, 4]))
    with pytest.raises(NotApplicableError):
        anchored_value_iteration(mdplab.MDP(np.ones((2, 1, 2)) / 2, np.zeros((2, 1)), horizon=3))


def test_wrong_anchor_schedule_breaks_discounted_bound():
    """Anc-VI run with the gamma = 1 schedule 1/(k+1) at gamma = 0.9 (a broken implementation) violates
    B_gen on the hard chain: the bound test can fail."""
    gamma, k = 0.9, 100
    model = hard_chain(k + 2, gamma)
    U0 = np.zeros(k + 2)
    U = U0.copy()
    for j in range(1, k + 1):  # broken: beta_j = 1/(j+1) although gamma < 1
        U = U0 / (j + 1) + j / (j + 1) * mdplab.operators.bellman_backup(model, U)[0]
    broken = np.abs(mdplab.operators.bellman_backup(model, U)[0] - U).max()
    correct = bellman_errors(model, U0, gamma, "discounted", k)[k]
    assert correct <= b_gen(gamma, k) * (1 + 1e-9)
    assert broken > 10 * b_gen(gamma, k)


def test_sampled_anchored_vi_growing_batch_rate_and_constant_batch_plateau():
    """Spec 5.3 (Bravo-Contreras style, sup-norm stochastic Halpern): on a small average-reward MDP with a
    generative model, m_k = 10 k^4 samples per (s, a) give an O(1/k) span residual (fitted slope of the
    5-seed mean on k in [5, 40] within [-1.3, -0.7]; measured -0.87), while a constant batch
    m = 10 plateaus (slope > -0.3, measured -0.04; final residual > 2x the growing one, measured 5.1x).
    Deterministic given the seeds; the margins are wide compared to the seed-to-seed spread (about 10% of the residual)."""
    from algorithms.anchored_vi import sampled_anchored_value_iteration
    from scenarios.classic import random_dense

    model = random_dense(4, 2, 0, average_reward=True)
    k = np.arange(41)

    def mean_residuals(batch):
        return np.mean([sampled_anchored_value_iteration(model, 40, batch, seed=s).residuals for s in range(5)], axis=0)

    growing = mean_residuals(lambda j: 10 * j ** 4)
    constant = mean_residuals(lambda j: 10)
    slope_growing = np.polyfit(np.log(k[5:]), np.log(growing[5:]), 1)[0]
    slope_constant = np.polyfit(np.log(k[5:]), np.log(constant[5:]), 1)[0]
    assert -1.3 <= slope_growing <= -0.7
    assert slope_constant > -0.3
    assert constant[-1] > 2 * growing[-1]
    r = sampled_anchored_value_iteration(model, 3, lambda j: 7, seed=0)
    assert list(r.samples) == [0, 56, 112, 168]  # 7 samples x 8 (s, a) pairs per iteration
