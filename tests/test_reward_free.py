"""HF-UCRL-RFE++ (zhang2023rfe) and UCRL-RFE (zhang2021rfe): exact gaps against brute force, HOME against exact
moments, kernels against numpy references, the lower-bound instance against its closed form."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from algorithms.hf_ucrl_rfe import run_hf_ucrl_rfe
from algorithms.hf_ucrl_rfe._kernels import home_kernel, max_vertex_norm_kernel, weighted_vtr_episode_kernel
from algorithms.hf_ucrl_rfe.exploration import episodes_to_epsilon
from algorithms.hf_ucrl_rfe.home import home_weights
from algorithms.hf_ucrl_rfe.parameters import theory_parameters
from algorithms.hf_ucrl_rfe.planning import plan_under_theta, reward_box_vertices, reward_free_gaps
from algorithms.hf_ucrl_rfe.ucrl_rfe import run_ucrl_rfe
from mdplab.errors import BudgetExceededError, ModelError
from mdplab.linear_mixture import box_vertices, feature_norm_bound, linear_mixture_mdp, value_features
from mdplab.regret import optimal_values
from scenarios.instances.linear_mixture import action_signs, hard_instance, random_linear_mixture


# ------------------------------------------------------------------------------------------ brute force oracles
def _all_policies(H, S, A):
    for flat in itertools.product(range(A), repeat=H * S):
        yield np.array(flat, dtype=np.int64).reshape(H, S)


def _path_value(P, r, pi, s1):
    """``E[sum_h r(s_h, pi_h(s_h))]`` by enumerating every state path (no recursion over values)."""
    H, S = pi.shape
    total = 0.0
    for path in itertools.product(range(S), repeat=H - 1):
        states = (s1,) + path
        prob, ret = 1.0, 0.0
        for h, s in enumerate(states):
            a = pi[h, s]
            ret += r[s, a]
            if h + 1 < H:
                prob *= P[s, a, states[h + 1]]
        total += prob * ret
    return total


def _clipped_policy_value(P_theta, r, pi):
    """``V_1(.; theta, pi, r)`` of one fixed policy, clipped to [0, 1] at every stage."""
    H, S = pi.shape
    V = np.zeros(S)
    for h in range(H - 1, -1, -1):
        a = pi[h]
        V = np.clip(r[np.arange(S), a] + np.einsum("xy,y->x", P_theta[np.arange(S), a], V), 0, 1)
    return V


def test_reward_box_vertices_total_at_most_one():
    r = reward_box_vertices(3, 2, 4)
    assert r.shape == (8, 3, 2)
    assert r.max() == pytest.approx(0.25) and r.min() == 0.0
    assert 4 * r.max(axis=(1, 2)).max() <= 1.0 + 1e-15
    assert len({tuple(v) for v in r[:, :, 0]}) == 8
    with pytest.raises(BudgetExceededError, match="max_states"):
        reward_box_vertices(20, 2, 4)


@pytest.mark.parametrize("seed", range(3))
def test_planning_under_valid_theta_is_the_best_policy_by_enumeration(seed):
    m = random_linear_mixture(2, 2, 2, 3, seed)
    rng = np.random.default_rng(seed)
    theta = np.sqrt(2) * rng.dirichlet(np.ones(2))  # another valid parameter (P_theta >= 0)
    P_theta = m.Phi @ theta
    r = rng.uniform(0, 1 / 3, size=(2, 2))
    pi, V = plan_under_theta(m.Phi, theta, r, 3)
    best = max(_clipped_policy_value(P_theta, r, p)[0] for p in _all_policies(3, 2, 2))
    assert V[0, 0, 0] == pytest.approx(best, abs=1e-12)
    assert _clipped_policy_value(P_theta, r, pi[0])[0] == pytest.approx(best, abs=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_gap_equals_brute_force_over_policies_and_paths(seed):
    H = 3
    m = random_linear_mixture(2, 2, 2, H, seed)
    rng = np.random.default_rng(100 + seed)
    theta_plan = np.sqrt(2) * rng.dirichlet(np.ones(2))
    rewards = reward_box_vertices(2, 2, H)
    gaps = reward_free_gaps(m, theta_plan, rewards, H, np.random.default_rng(0))
    P = m.P
    pis, _ = plan_under_theta(m.Phi, theta_plan, rewards, H, np.random.default_rng(0))
    for j, r in enumerate(rewards):
        v_star = max(_path_value(P, r, p, 0) for p in _all_policies(H, 2, 2))
        want = v_star - _path_value(P, r, pis[j], 0)
        assert gaps[j] == pytest.approx(want, abs=1e-12)
    # planning under theta* itself is exact: zero gap for every reward
    assert np.abs(reward_free_gaps(m, m.theta, rewards, H)).max() < 1e-12


# ------------------------------------------------------------------------------------------ HOME
def _home_inputs(seed, M=4, S=5, d=3):
    m = random_linear_mixture(S, 2, d, 4, seed)
    rng = np.random.default_rng(seed)
    W = rng.uniform(size=S)
    s, a = 1, 0
    x = np.stack([value_features(m.Phi, W ** (2 ** k))[s, a] for k in range(M)])
    return m, W, s, a, x


@pytest.mark.parametrize("seed", range(5))
def test_home_with_true_theta_returns_exact_variances_of_powers(seed):
    M = 4
    m, W, s, a, x = _home_inputs(seed, M)
    p = m.P[s, a]
    zeros = np.zeros((M, 3, 3))
    sigma = home_weights(x, np.tile(m.theta, (M, 1)), zeros, zeros, beta=1.0, alpha=0.0, gamma=0.0)
    for k in range(M - 1):
        w = W ** (2 ** k)
        exact_var = float(p @ (w - p @ w) ** 2)   # Var_{P(.|s,a)}[W^{2^k}], computed from P directly
        assert sigma[k] ** 2 == pytest.approx(exact_var, rel=1e-10, abs=1e-14)
    assert sigma[M - 1] == 1.0


@pytest.mark.parametrize("seed", range(3))
def test_home_without_the_square_fails_the_exact_moment_check(seed):
    """The broken variant (one public implementation drops the square of the first moment) must fail."""
    M = 4
    m, W, s, a, x = _home_inputs(seed, M)
    p = m.P[s, a]
    zeros = np.zeros((M, 3, 3))
    broken = home_weights(x, np.tile(m.theta, (M, 1)), zeros, zeros, 1.0, 0.0, 0.0, square=False)
    exact = np.array([float(p @ (W ** (2 ** k) - p @ W ** (2 ** k)) ** 2) for k in range(M - 1)])
    assert not np.allclose(broken[:-1] ** 2, exact, rtol=1e-6)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("square", [True, False])
def test_home_kernel_equals_reference(seed, square):
    rng = np.random.default_rng(seed)
    M, d = 5, 3
    x = rng.normal(size=(M, d)) * 0.3
    theta = rng.normal(size=(M, d))
    def spd():
        G = rng.normal(size=(M, d, d))
        return np.einsum("mij,mkj->mik", G, G) + 0.1 * np.eye(d)
    Sig, Sdot = spd(), spd()
    want = home_weights(x, theta, Sig, Sdot, 0.7, 0.2, 0.5, square=square)
    got = np.empty(M)
    home_kernel(x, theta, Sig, Sdot, 0.7, 0.2, 0.5, square, got)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_weighted_regression_episode_kernel_equals_numpy_reference():
    """Gram, its inverse and b after one episode equal lambda I + sum z z^T etc. with the reference HOME."""
    m = random_linear_mixture(4, 2, 3, 5, 7)
    rng = np.random.default_rng(7)
    H, M, d, lam = 5, 3, 3, 0.5
    states = rng.integers(0, 4, size=H + 1)
    actions = rng.integers(0, 2, size=H)
    V_hat, V_tilde = rng.uniform(size=(H + 1, 4)), rng.uniform(size=(H + 1, 4))
    theta = rng.normal(size=(2, M, d))
    Sigma = np.broadcast_to(lam * np.eye(d), (2, M, d, d)).copy()
    Sigma_inv = np.broadcast_to(np.eye(d) / lam, (2, M, d, d)).copy()
    Sdot_inv = Sigma_inv.copy() * 0.9
    b = np.zeros((2, M, d))
    ref_S, ref_b = Sigma.copy(), b.copy()
    log = np.empty((H, 2, M))
    weighted_vtr_episode_kernel(m.Phi, states, actions, V_hat, V_tilde, theta, Sigma, Sigma_inv, b, Sdot_inv,
                                np.array([2.0]), 0.3, 0.6, True, True, log)
    for h in range(H):
        for t, W in enumerate((V_hat, V_tilde)):
            x = np.stack([value_features(m.Phi, W[h + 1] ** (2 ** k))[states[h], actions[h]] for k in range(M)])
            y = np.array([W[h + 1, states[h + 1]] ** (2 ** k) for k in range(M)])
            sig = home_weights(x, theta[t], np.linalg.inv(ref_S[t]), Sdot_inv[t], 2.0, 0.3, 0.6)
            np.testing.assert_allclose(log[h, t], sig, rtol=1e-10)
            for k in range(M):
                ref_S[t, k] += np.outer(x[k], x[k]) / sig[k] ** 2
                ref_b[t, k] += x[k] * y[k] / sig[k] ** 2
    np.testing.assert_allclose(Sigma, ref_S, rtol=1e-12)
    np.testing.assert_allclose(b, ref_b, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(Sigma_inv, np.linalg.inv(ref_S), rtol=1e-8)


def test_theory_parameters_by_hand():
    p = theory_parameters(d=4, H=16, K=100, B=2.0, delta=0.1)
    assert p.M == 14                              # ceil(log2(7 * 100 * 16)) = ceil(13.45)
    assert p.alpha == 0.25 and p.gamma == pytest.approx(2 ** -0.5) and p.lam == 1.0
    # eta_1 = log(1 + 16 / (1/16 * 4 * 1)) = log(65); tau_1 = log(32 (log(2) + 1) 256 / 0.1)
    eta, tau = np.log(65.0), np.log(32 * (np.log(2.0) + 1) * 256 / 0.1)
    assert p.beta_k(1) == pytest.approx(12 * np.sqrt(4 * eta * tau) + 30 * tau * 2 + 2.0, rel=1e-12)
    q = theory_parameters(d=9, H=4, K=10, B=1.0)   # d > H: log(gamma^2 / alpha) < 0 is replaced by 0
    assert q.tau(1) == pytest.approx(np.log(32 * 16 / 0.05))


# ------------------------------------------------------------------------------------------ hard instance
@pytest.mark.parametrize("d", [2, 3, 4])
def test_hard_instance_closed_form(d):
    H = 7
    hi = hard_instance(d, H, Delta=0.15 / d, seed=d)
    m = hi.model
    signs = action_signs(d)
    np.testing.assert_allclose(m.P[0, :, 2], hi.delta + signs @ hi.mu, atol=1e-14)
    np.testing.assert_allclose(m.P[0, :, 1], 1 - hi.delta - signs @ hi.mu, atol=1e-14)
    assert m.P[1, 0, 1] == pytest.approx(1.0) and m.P[2, 0, 2] == pytest.approx(1.0)
    assert hi.feat_alpha ** 2 + (d - 1) * hi.feat_beta ** 2 == pytest.approx(1.0)
    rep = feature_norm_bound(m)
    assert rep.exact and rep.holds
    assert rep.theta_norm == pytest.approx(1 + (d - 1) * hi.Delta, rel=1e-12)   # ||theta*|| = 1 + (d-1) Delta
    # value of the best action (H - 1)/H (delta + (d-1) Delta), by the core's exact DP
    V = optimal_values(m.P, m.R, H)
    assert V[0, 0] == pytest.approx((H - 1) / H * (hi.delta + (d - 1) * hi.Delta), rel=1e-12)
    assert signs[hi.best_action] @ hi.mu == pytest.approx((d - 1) * hi.Delta)


def test_hard_instance_refuses_invalid_delta():
    with pytest.raises(ModelError, match="Delta"):
        hard_instance(4, 5, Delta=0.1, seed=0)     # 3 * 0.1 > 1/6


# ------------------------------------------------------------------------------------------ runs
def test_hf_run_is_deterministic_and_learns_the_hard_instance():
    hi = hard_instance(2, 4, Delta=0.15, seed=1)
    a = run_hf_ucrl_rfe(hi.model, 256, 3, beta_scale=0.1)
    b = run_hf_ucrl_rfe(hi.model, 256, 3, beta_scale=0.1)
    np.testing.assert_array_equal(a.gap, b.gap)
    np.testing.assert_array_equal(a.v_hat, b.v_hat)
    assert a.gap[-1] == 0.0                    # sign of mu identified: planned policies exactly optimal
    assert (a.certificate >= a.gap).all()
    assert a.covered.all()
    assert a.checkpoints[-1] == 256 and a.episodes_to_epsilon(0.01) > 0


def test_episodes_to_epsilon_requires_the_gap_to_stay_below():
    ck = np.array([1, 2, 4, 8, 16])
    assert episodes_to_epsilon(ck, np.array([0.5, 0.05, 0.3, 0.05, 0.01]), 0.1) == 8
    assert episodes_to_epsilon(ck, np.array([0.05, 0.05, 0.05, 0.05, 0.05]), 0.1) == 1
    assert episodes_to_epsilon(ck, np.array([0.05, 0.05, 0.05, 0.05, 0.5]), 0.1) == -1


def test_max_vertex_norm_kernel_equals_enumeration():
    m = random_linear_mixture(4, 2, 3, 5, 2)
    verts = box_vertices(4)
    feats = np.ascontiguousarray(value_features(m.Phi, verts))
    G = np.random.default_rng(2).normal(size=(3, 3))
    Sinv = G @ G.T + np.eye(3)
    norms = np.empty((4, 2))
    arg = np.empty((4, 2), dtype=np.int64)
    max_vertex_norm_kernel(feats, Sinv, norms, arg)
    rng = np.random.default_rng(0)
    for s in range(4):
        for a in range(2):
            vals = [np.sqrt(f @ Sinv @ f) for f in feats[:, s, a]]
            assert norms[s, a] == pytest.approx(max(vals), rel=1e-12)
            # no point of the box does better (convexity)
            V = rng.uniform(size=(200, 4))
            f = value_features(m.Phi, V)[:, s, a]
            assert np.sqrt(np.einsum("ni,ij,nj->n", f, Sinv, f)).max() <= norms[s, a] + 1e-12


def test_ucrl_rfe_runs_and_hostile_arguments():
    m = random_linear_mixture(3, 2, 2, 4, 0)
    run = run_ucrl_rfe(m, 64, 0, beta_scale=0.1)
    assert run.gap.shape == run.checkpoints.shape and (run.gap >= -1e-12).all()
    with pytest.raises(ModelError, match="horizon"):
        run_hf_ucrl_rfe(linear_mixture_mdp(m.Phi, m.theta), 4, 0)
    with pytest.raises(ModelError, match="seed"):
        run_hf_ucrl_rfe(m, 4, -1)
    with pytest.raises(ModelError, match="LinearMixtureMDP"):
        run_hf_ucrl_rfe(m.P, 4, 0)
    with pytest.raises(BudgetExceededError, match="max_work"):
        run_hf_ucrl_rfe(m, 10 ** 9, 0)


def test_planning_phase_after_exploration_reproduces_the_reported_gap():
    from algorithms.hf_ucrl_rfe.exploration import plan_after_exploration
    from algorithms.hf_ucrl_rfe.planning import gaps_of_policies

    m = random_linear_mixture(3, 2, 2, 4, 5)
    run = run_hf_ucrl_rfe(m, 32, 1, beta_scale=0.1)
    rewards = reward_box_vertices(3, 2, 4)
    pis = plan_after_exploration(m, run, rewards, rng=np.random.default_rng(0))
    # ties (last stage: Q = r for every action) change no value: the run's reported gap is reproduced
    assert gaps_of_policies(m, rewards, pis, 4).max() == pytest.approx(run.gap[-1], abs=1e-12)


def test_eval_rewards_with_total_above_one_are_refused():
    m = random_linear_mixture(3, 2, 2, 4, 0)
    with pytest.raises(ModelError, match="total reward"):
        run_hf_ucrl_rfe(m, 2, 0, eval_rewards=np.full((1, 3, 2), 0.5))
