"""Latent MDPs: exact planning against an MDP (M = 1), a belief-DP oracle and the POMDP conversion;
the environment; Gamma and both Var* candidates (horizon_free.md §A1)."""
from __future__ import annotations

import numpy as np
import pytest

from algorithms.horizon_free_quantities import (max_total_reward, policy_variance, transition_degree,
                                                var_star_max, var_star_opt)
from mdplab.errors import ModelError
from mdplab.lmdp import LatentMDP, LatentMDPEnv, lmdp_to_pomdp, lmdp_value_iteration, lmdp_value_via_pomdp


def random_lmdp(seed, M=2, S=3, A=2, H=3, observed=True, scale=1.0):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(M, S, A))
    R = rng.integers(0, 3, size=(M, S, A)) / 3.0 * scale
    return LatentMDP(P, R, rng.dirichlet(np.ones(M)), rng.dirichlet(np.ones(S), size=M), horizon=H,
                     rewards_observed=observed)


def belief_dp(L: LatentMDP) -> float:
    """Tests-only oracle: recursion on (h, s, unnormalised context likelihood b), horizon_free.md §A2.4 (2)."""
    cls = L.reward_classes()

    def V(h, s, b):
        if h == L.horizon or not b.any():
            return 0.0
        best = -np.inf
        for a in range(L.n_actions):
            v = float(b @ L.R[:, s, a])
            for c in range(cls[s, a].max() + 1):
                for s1 in range(L.n_states):
                    b1 = b * (cls[s, a] == c) * L.P[:, s, a, s1]
                    v += V(h + 1, s1, b1)
            best = max(best, v)
        return best

    return sum(V(0, s, L.weights * L.nu[:, s]) for s in range(L.n_states))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_single_context_equals_its_mdp(seed):
    from mdplab.solvers import backward_induction

    L = random_lmdp(seed, M=1, S=4, A=3, H=4)
    sol = backward_induction(L.context_mdp(0))
    assert lmdp_value_iteration(L).value == pytest.approx(float(L.nu[0] @ sol.values[0]), abs=1e-12)


@pytest.mark.parametrize("seed, observed", [(0, True), (1, True), (2, False), (3, False), (4, True)])
def test_alpha_vi_equals_belief_dp_and_pomdp_conversion(seed, observed):
    L = random_lmdp(seed, observed=observed)
    v = lmdp_value_iteration(L).value
    assert v == pytest.approx(belief_dp(L), abs=1e-10)
    assert v == pytest.approx(lmdp_value_via_pomdp(L), abs=1e-10)


def test_observed_rewards_can_only_help():
    L1, L0 = random_lmdp(7, observed=True), random_lmdp(7, observed=False)
    assert lmdp_value_iteration(L1).value >= lmdp_value_iteration(L0).value - 1e-12


def test_conversion_shapes_and_initial_belief():
    L = random_lmdp(0, observed=False)
    pom = lmdp_to_pomdp(L)
    assert pom.n_states == 2 * 3 and pom.n_observations == 3 and pom.horizon == 3
    np.testing.assert_allclose(pom.b0.reshape(2, 3), L.weights[:, None] * L.nu)


@pytest.mark.parametrize("kwargs, match", [
    ({"weights": [1.0, 0.0]}, "must be > 0"),
    ({"weights": [0.7, 0.7]}, "sum to"),
    ({"nu": np.ones((2, 2))}, "nu must have shape"),
    ({"R": np.zeros((2, 3, 3))}, "R must have shape"),
    ({"horizon": 0}, "horizon"),
])
def test_validation(kwargs, match):
    args = {"P": np.ones((2, 3, 2, 3)) / 3, "R": np.zeros((2, 3, 2)), "weights": [0.5, 0.5],
            "nu": np.ones((2, 3)) / 3, "horizon": 2}
    args.update(kwargs)
    with pytest.raises(ModelError, match=match):
        LatentMDP(args.pop("P"), args.pop("R"), args.pop("weights"), args.pop("nu"), **args)


def test_transition_row_error_names_context():
    P = np.ones((2, 3, 2, 3)) / 3
    P[1, 2, 0] = [0.5, 0.5, 0.5]
    with pytest.raises(ModelError, match=r"P\[m=1\]\[s=2, a=0"):
        LatentMDP(P, np.zeros((2, 3, 2)), [0.5, 0.5], np.ones((2, 3)) / 3, horizon=2)


def test_environment_is_seeded_and_reveals_context_only_at_the_end():
    L = random_lmdp(1, H=4)

    def episode(env):
        s, traj = env.reset(), []
        for h in range(L.horizon):
            s, r, done, info = env.step(h % 2)
            traj.append((s, r, done, dict(info)))
        return traj

    a, b = episode(LatentMDPEnv(L, seed=5)), episode(LatentMDPEnv(L, seed=5))
    assert a == b
    assert all(info == {} for (_, _, done, info) in a[:-1]) and "context" in a[-1][3] and a[-1][2]
    env = LatentMDPEnv(L, seed=0)
    env.reset()
    for _ in range(L.horizon):
        env.step(0)
    with pytest.raises(ModelError):
        env.step(0)


def test_environment_context_frequencies():
    # weights (0.2, 0.8): the revealed context frequency over 4000 episodes lies within 4.5 sd (99.999%)
    P = np.ones((2, 2, 1, 2)) / 2
    L = LatentMDP(P, np.zeros((2, 2, 1)), [0.2, 0.8], np.ones((2, 2)) / 2, horizon=1)
    env = LatentMDPEnv(L, seed=0)
    ctx = []
    for _ in range(4000):
        env.reset()
        ctx.append(env.step(0)[3]["context"])
    freq = np.mean(np.asarray(ctx) == 0)
    assert abs(freq - 0.2) <= 4.5 * np.sqrt(0.2 * 0.8 / 4000)


# ------------------------------------------------------------------------------------ Gamma, Var*
def test_transition_degree_and_total_reward():
    P = np.zeros((2, 3, 1, 3))
    P[0, :, 0, 0] = 1.0
    P[1, :, 0] = [0.2, 0.3, 0.5]
    L = LatentMDP(P, np.full((2, 3, 1), 0.25), [0.5, 0.5], np.ones((2, 3)) / 3, horizon=3)
    assert transition_degree(L) == 3
    assert max_total_reward(L) == pytest.approx(0.75)


def bernoulli_lmdp(p):
    """One context; s0 -> s1 (prob p) or s2; reward 1 for leaving s1: G ~ Bernoulli(p), Var = p (1 - p)."""
    P = np.zeros((1, 3, 1, 3))
    P[0, 0, 0] = [0, p, 1 - p]
    P[0, 1, 0, 1] = P[0, 2, 0, 2] = 1.0
    R = np.zeros((1, 3, 1))
    R[0, 1, 0] = 1.0
    return LatentMDP(P, R, [1.0], [[1, 0, 0]], horizon=2)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_var_star_closed_form(p):
    L = bernoulli_lmdp(p)
    assert var_star_opt(L) == pytest.approx(p * (1 - p), abs=1e-12)
    assert var_star_max(L) == pytest.approx(p * (1 - p), abs=1e-12)


def test_var_star_zero_for_deterministic_contexts():
    rng = np.random.default_rng(0)
    M, S, A = 2, 3, 2
    P = np.zeros((M, S, A, S))
    for m in range(M):
        for s in range(S):
            for a in range(A):
                P[m, s, a, rng.integers(S)] = 1.0
    R = rng.integers(0, 2, size=(M, S, A)) / 3.0
    L = LatentMDP(P, R, [0.4, 0.6], np.eye(S)[[0, 1]], horizon=3)
    assert transition_degree(L) == 1
    assert var_star_opt(L) == pytest.approx(0.0, abs=1e-12)
    assert var_star_max(L) == pytest.approx(0.0, abs=1e-12)


def _plan_moments(L, sol, m):
    """Tests-only: E[G | m], E[G^2 | m] of the optimal plan by enumerating every trajectory."""
    cls = L.reward_classes()
    out = np.zeros(2)

    def walk(h, s, k, prob, g):
        if h == L.horizon:
            out[0] += prob * g
            out[1] += prob * g * g
            return
        node = sol.stages[h][s]
        a = node.action[k]
        r = L.R[m, s, a]
        for s1 in range(L.n_states):
            p = L.P[m, s, a, s1]
            if p > 0:
                walk(h + 1, s1, node.next[k, cls[s, a, m], s1], prob * p, g + r)

    for s in range(L.n_states):
        if L.nu[m, s] > 0:
            walk(0, s, sol.start[s], L.nu[m, s], 0.0)
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_second_moment_recursion_matches_trajectory_enumeration(seed):
    L = random_lmdp(seed, M=2, S=3, A=2, H=3, scale=1 / 3)
    sol = lmdp_value_iteration(L)
    direct = 0.0
    for m in range(L.n_contexts):
        e1, e2 = _plan_moments(L, sol, m)
        direct += L.weights[m] * (e2 - e1 ** 2)
    assert policy_variance(L, sol) == pytest.approx(direct, abs=1e-12)


def test_var_candidates_order_and_quarter_bound():
    L = random_lmdp(3, M=2, S=2, A=2, H=2, scale=1 / 2)      # total reward <= 1
    assert max_total_reward(L) <= 1.0
    opt, mx = var_star_opt(L), var_star_max(L)
    assert 0.0 <= opt <= mx + 1e-12 <= 0.25 + 1e-12


def test_plan_executor_achieves_v_star_in_simulation():
    from mdplab.lmdp import PlanExecutor

    L = random_lmdp(11, M=2, S=3, A=2, H=3, scale=1 / 3)
    sol = lmdp_value_iteration(L)
    env, run = LatentMDPEnv(L, seed=1), PlanExecutor(L, sol)
    returns = []
    for _ in range(4000):
        s = env.reset()
        run.start(s)
        g, done = 0.0, False
        while not done:
            s1, r, done, _ = env.step(run.action())
            g += r
            if not done:
                run.observe(r, s1)
        returns.append(g)
    returns = np.asarray(returns)
    # 99.999% two-sided normal band (4.5 standard errors) around the exact V*
    assert abs(returns.mean() - sol.value) <= 4.5 * returns.std(ddof=1) / np.sqrt(len(returns))
