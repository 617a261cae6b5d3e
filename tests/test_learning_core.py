"""Learner core: tie-breaking, rollouts, exact regret / gain / diameter, against independent oracles
(closed forms, brute force over deterministic policies, slow numpy references written here)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from mdplab._kernels.interaction import policy_values_kernel, rollout_continuing_kernel, rollout_episode_kernel
from mdplab.errors import ModelError, NotApplicableError
from mdplab.interaction import (continuing_model, continuing_uniforms, episode_uniforms, episodic_model,
                                rollout_continuing, rollout_episode)
from mdplab.regret import (diameter, episodic_regret, finite_horizon_policy_value, gain_regret, hitting_times,
                           optimal_gain, optimal_values, policy_gain, pseudo_regret, sample_complexity, span)
from mdplab.tiebreak import greedy_policy, random_argmax
from scenarios.instances.learning import (jaksch_two_state, riverswim, two_state, two_state_arrays,
                                          two_state_closed_form)


def random_model(S, A, seed, H=None):
    rng = np.random.default_rng(seed)
    shape = (S, A) if H is None else (H, S, A)
    return rng.dirichlet(np.ones(S), size=shape), rng.random(shape)


# ------------------------------------------------------------------ tie-breaking
def test_random_argmax_is_uniform_over_exact_ties_and_never_picks_a_non_maximiser():
    rng = np.random.default_rng(0)
    x = np.array([1.0, 3.0, 2.0, 3.0, 3.0])
    picks = np.array([random_argmax(x, rng) for _ in range(3000)])
    assert set(picks) == {1, 3, 4}
    freq = np.bincount(picks, minlength=5)[[1, 3, 4]] / 3000
    # binomial sd of a frequency at n = 3000 is 0.0086; 5 sd margin
    assert np.all(np.abs(freq - 1 / 3) < 0.045)


def test_greedy_policy_counts_ties_and_first_rule_is_biased():
    q = np.zeros((4, 3, 2))
    q[0, 0] = [0.0, 1.0]                     # one untied row
    pi, n = greedy_policy(q, np.random.default_rng(1))
    assert n == 4 * 3 - 1 and pi[0, 0] == 1
    pi_first, n_first = greedy_policy(q, np.random.default_rng(1), tie_break="first")
    assert n_first == n and np.all(pi_first[1:] == 0)
    many = np.stack([greedy_policy(q, np.random.default_rng(s))[0] for s in range(20)])
    assert (many == 1).mean() > 0.3          # random rule uses both actions on tied rows


def test_greedy_policy_rejects_nan():
    with pytest.raises(ModelError, match="non-finite"):
        greedy_policy(np.array([[0.0, np.nan]]), np.random.default_rng(0))


# ------------------------------------------------------------------ rollouts
def rollout_reference(P4, R3, mu, pi, u, bernoulli):
    """Slow numpy reference of the episode layout (u[0] start, u[1+2h] transition, u[2+2h] reward)."""
    H = pi.shape[0]
    s = int(np.searchsorted(np.cumsum(mu), u[0], side="right"))
    states, actions, rewards = [s], [], []
    for h in range(H):
        a = int(pi[h, s])
        r = R3[min(h, R3.shape[0] - 1), s, a]
        rewards.append(float(u[2 + 2 * h] < r) if bernoulli else r)
        actions.append(a)
        s = int(np.searchsorted(np.cumsum(P4[min(h, P4.shape[0] - 1), s, a]), u[1 + 2 * h], side="right"))
        states.append(s)
    return np.array(states), np.array(actions), np.array(rewards)


@pytest.mark.parametrize("time_varying", [False, True])
@pytest.mark.parametrize("bernoulli", [False, True])
def test_rollout_episode_equals_py_func_and_numpy_reference(time_varying, bernoulli):
    H, S, A = 7, 4, 3
    P, R = random_model(S, A, 3, H if time_varying else None)
    mu = np.array([0.1, 0.2, 0.3, 0.4])
    model = episodic_model(P, R, mu, H)
    rng = np.random.default_rng(5)
    for _ in range(20):
        pi = rng.integers(0, A, size=(H, S))
        u = episode_uniforms(rng, H)
        outs = []
        for kernel in (rollout_episode_kernel, rollout_episode_kernel.py_func):
            st, ac, rw, rb = np.empty(H + 1, np.int64), np.empty(H, np.int64), np.empty(H), np.empty(H)
            kernel(model.P, model.R, model.mu, pi, u, bernoulli, st, ac, rw, rb)
            outs.append((st, ac, rw))
        ref = rollout_reference(model.P, model.R, model.mu, pi, u, bernoulli)
        for out in outs:
            for got, want in zip(out, ref):
                np.testing.assert_array_equal(got, want)


def test_rollout_seed_reproducible_and_validates():
    P, R = two_state_arrays(0.3, 0.2)
    pi = np.ones((5, 2), dtype=np.int64)
    a = rollout_episode(P, R, 0, pi, np.random.default_rng(9), reward="bernoulli")
    b = rollout_episode(P, R, 0, pi, np.random.default_rng(9), reward="bernoulli")
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.rewards, b.rewards)
    with pytest.raises(ModelError, match=r"pi\[h=0, s=1\]"):
        rollout_episode(P, R, 0, np.array([[0, 5]] * 5), np.random.default_rng(0))
    with pytest.raises(ModelError, match=r"R\[h=0, s=1, a=0\]"):
        rollout_episode(P, R * 2, 0, pi, np.random.default_rng(0), reward="bernoulli")


def test_rollout_continuing_trigger_and_py_func():
    P, R = random_model(3, 2, 11)
    model = continuing_model(P, R)
    pi = np.array([1, 0, 1])
    counts = np.array([[0, 4], [2, 0], [1, 3]])
    u = continuing_uniforms(np.random.default_rng(2), 500)
    seg = rollout_continuing(P, R, 0, pi, u, 500, counts=counts)
    # trigger: the last visited pair's within-segment count reached max(1, counts); no earlier step did
    s, a = seg.states[-1], seg.actions[-1]
    assert seg.triggered and seg.visits[s, a] == max(1, counts[s, a])
    v = np.zeros((3, 2), int)
    for st, ac in zip(seg.states[:-1], seg.actions[:-1]):
        v[st, ac] += 1
        assert v[st, ac] < max(1, counts[st, ac])
    assert seg.next_counts.sum() == seg.steps == seg.visits.sum()
    outs = []
    for kernel in (rollout_continuing_kernel, rollout_continuing_kernel.py_func):
        bufs = (np.empty(500, np.int64), np.empty(500, np.int64), np.empty(500), np.empty(500),
                np.zeros((3, 2, 3), np.int64), np.zeros((3, 2), np.int64), np.zeros((3, 2)))
        steps, final = kernel(model.P, model.R, 0, pi, u, 500, False, counts, True, *bufs)
        outs.append((steps, final, bufs[0][:steps].copy()))
    assert outs[0][0] == outs[1][0] == seg.steps and outs[0][1] == outs[1][1] == seg.final_state
    np.testing.assert_array_equal(outs[0][2], outs[1][2])
    full = rollout_continuing(P, R, 0, pi, u, 500)
    assert full.steps == 500 and not full.triggered
    np.testing.assert_array_equal(full.states[:seg.steps], seg.states)


# ------------------------------------------------------------------ episodic exact evaluation
def enumerate_value_exact(P, R, mu, pi, H):
    """E[sum_h r_h] = sum_h sum_s P(s_h = s) r_h(s): state occupancies by forward propagation."""
    d = np.asarray(mu, float)
    total = 0.0
    for h in range(H):
        w = np.eye(P.shape[1])[pi[h]] if pi.ndim == 2 else pi[h]
        total += float(d @ (w * R).sum(axis=1))
        d = np.einsum("s,sa,sat->t", d, w, P)
    return total


@pytest.mark.parametrize("stochastic", [False, True])
def test_policy_value_matches_forward_occupancy(stochastic):
    H, S, A = 4, 3, 2
    P, R = random_model(S, A, 21)
    rng = np.random.default_rng(4)
    pi = rng.dirichlet(np.ones(A), size=(H, S)) if stochastic else rng.integers(0, A, (H, S))
    mu = np.array([0.5, 0.25, 0.25])
    V = finite_horizon_policy_value(P, R, pi)
    assert mu @ V[0] == pytest.approx(enumerate_value_exact(P, R, mu, pi, H), abs=1e-12)


def test_optimal_values_equal_brute_force_over_deterministic_markov_policies():
    H, S, A = 3, 2, 2
    P, R = random_model(S, A, 8)
    best = max(enumerate_value_exact(P, R, np.eye(S)[0], np.array(p).reshape(H, S), H)
               for p in itertools.product(range(A), repeat=H * S))
    assert optimal_values(P, R, H)[0][0] == pytest.approx(best, abs=1e-12)


def test_episodic_regret_equals_trajectory_enumeration_on_two_states():
    """Independent evaluator: every trajectory of a 2-state, H = 3 problem enumerated."""
    P, R = two_state_arrays(0.3, 0.2)
    H = 3
    mu = np.array([1.0, 0.0])
    pols = [np.array(p).reshape(H, 2) for p in itertools.product(range(2), repeat=2 * H)]
    vals = []
    for pi in pols:
        v = 0.0
        for path in itertools.product(range(2), repeat=H):      # s_1..s_H
            prob, ret, s = 1.0, 0.0, 0
            for h in range(H):
                ret += R[s, pi[h, s]]
                prob *= P[s, pi[h, s], path[h]]
                s = path[h]
            v += prob * ret
        vals.append(v)
    gaps = episodic_regret(P, R, mu, pols)
    np.testing.assert_allclose(gaps, max(vals) - np.array(vals), atol=1e-12)
    assert gaps.min() == pytest.approx(0.0, abs=1e-12)


def test_policy_values_kernel_equals_py_func():
    P, R = random_model(3, 2, 2)
    pols = np.random.default_rng(0).integers(0, 2, (5, 4, 3))
    a, b = np.empty(5), np.empty(5)
    policy_values_kernel(P[None], R[None], pols, np.ones(3) / 3, a)
    policy_values_kernel.py_func(P[None], R[None], pols, np.ones(3) / 3, b)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)


def test_sample_complexity():
    gaps = np.array([0.5, 0.2, 0.05, 0.3, 0.01])
    assert sample_complexity(gaps, 0.1) == 2 and sample_complexity(gaps, 0.001) == -1


# ------------------------------------------------------------------ gains, diameter
@pytest.mark.parametrize("p, q", [(0.3, 0.2), (0.05, 0.05), (1.0, 0.5)])
def test_two_state_closed_forms(p, q):
    inst = two_state(p, q)
    cf = two_state_closed_form(p, q)
    assert inst.gain == pytest.approx(cf["gain"], abs=1e-12)
    assert inst.span == pytest.approx(cf["span"], abs=1e-10)
    assert inst.diameter == pytest.approx(cf["diameter"], abs=1e-10)


def test_jaksch_block_closed_form():
    d, e = 0.1, 0.04
    inst = jaksch_two_state(4, d, e, best=2)
    assert inst.gain == pytest.approx((d + e) / (2 * d + e), abs=1e-12)
    assert inst.diameter == pytest.approx(1 / d, abs=1e-9)
    assert inst.span == pytest.approx(1 / (2 * d + e), abs=1e-9)


def test_policy_gain_multichain_per_state():
    P, R = two_state_arrays(0.3, 0.2)
    g, h = policy_gain(P, R, np.array([0, 0]))             # state 0 absorbing with reward 0
    np.testing.assert_allclose(g, [0.0, 0.0], atol=1e-12)
    assert h[1] - h[0] == pytest.approx(1 / 0.2)            # expected reward before absorption
    P2 = np.zeros((2, 1, 2)); P2[0, 0, 0] = P2[1, 0, 1] = 1.0  # two absorbing states: gains differ
    g2, _ = policy_gain(P2, np.array([[0.2], [0.7]]), np.array([0, 0]))
    np.testing.assert_allclose(g2, [0.2, 0.7])
    with pytest.raises(NotApplicableError, match="multichain|not constant"):
        optimal_gain(P2, np.array([[0.2], [0.7]]))


def brute_force_gain(P, R):
    S, A = R.shape
    best = -np.inf
    for pi in itertools.product(range(A), repeat=S):
        g, _ = policy_gain(P, R, np.array(pi))
        best = max(best, g.min())
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_optimal_gain_equals_brute_force_on_random_communicating(seed):
    P, R = random_model(3, 2, 100 + seed)
    assert optimal_gain(P, R).gain == pytest.approx(brute_force_gain(P, R), abs=1e-10)


def brute_force_hitting(P, target):
    """min over deterministic stationary policies of expected hitting times (linear solves)."""
    S, A, _ = P.shape
    best = np.full(S, np.inf)
    best[target] = 0.0
    others = [s for s in range(S) if s != target]
    for pi in itertools.product(range(A), repeat=S):
        Q = P[np.arange(S), pi][np.ix_(others, others)]
        try:
            t = np.linalg.solve(np.eye(len(others)) - Q, np.ones(len(others)))
        except np.linalg.LinAlgError:
            continue
        if np.all(t > 0) and np.all(np.isfinite(t)) and np.allclose((np.eye(len(others)) - Q) @ t, 1):
            # proper only if the chain restricted to `others` is transient (spectral radius < 1)
            if np.max(np.abs(np.linalg.eigvals(Q))) < 1 - 1e-12:
                best[others] = np.minimum(best[others], t)
    return best


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_diameter_equals_brute_force_over_deterministic_policies(seed):
    rng = np.random.default_rng(seed)
    S, A = 4, 2
    P = np.zeros((S, A, S))
    for s in range(S):
        for a in range(A):
            succ = rng.choice(S, 2, replace=False)
            P[s, a, succ] = rng.dirichlet(np.ones(2))
        P[s, 0] = 0.5 * P[s, 0]
        P[s, 0, (s + 1) % S] += 0.5
    D_brute = max(brute_force_hitting(P, t).max() for t in range(S))
    assert diameter(P) == pytest.approx(D_brute, rel=1e-10)


def test_diameter_infinite_when_not_communicating_and_hitting_times():
    P = np.zeros((2, 1, 2)); P[0, 0, 0] = P[1, 0, 1] = 1.0
    assert diameter(P) == np.inf
    P3, _ = two_state_arrays(0.25, 0.5)
    np.testing.assert_allclose(hitting_times(P3, 1), [4.0, 0.0])


def test_riverswim_osband_exact_quantities():
    inst = riverswim(6, "osband2013")
    # independent check: the always-right policy's exact gain equals J* (RiverSwim's optimal policy)
    g, h = policy_gain(inst.P, inst.R, np.ones(6, dtype=int))
    assert inst.gain == pytest.approx(g[0], abs=1e-12)
    assert inst.span == pytest.approx(np.ptp(h), abs=1e-9)
    assert inst.gain == pytest.approx(0.428622, abs=1e-6)


def test_regret_curves():
    np.testing.assert_allclose(pseudo_regret(0.5, [0.0, 1.0, 0.5]), [0.5, 0.0, 0.0])
    np.testing.assert_allclose(gain_regret(0.5, [0.25, 0.25]), [0.25, 0.5])
    assert span(np.array([1.0, -2.0, 0.5])) == 3.0


def continuing_reference(P, R, s0, pi, u, max_steps, counts):
    """Slow numpy reference of the continuing layout with the doubling trigger."""
    s, visits, states = s0, np.zeros(R.shape, int), []
    for t in range(max_steps):
        a = pi[s]
        states.append(s)
        visits[s, a] += 1
        nxt = int(np.searchsorted(np.cumsum(P[s, a]), u[t, 0], side="right"))
        fire = visits[s, a] >= max(1, counts[s, a])
        s = nxt
        if fire:
            break
    return np.array(states), s


def test_rollout_continuing_equals_numpy_reference():
    P, R = random_model(4, 2, 17)
    rng = np.random.default_rng(3)
    for _ in range(10):
        pi = rng.integers(0, 2, 4)
        counts = rng.integers(0, 6, (4, 2))
        u = continuing_uniforms(rng, 300)
        seg = rollout_continuing(P, R, 1, pi, u, 300, counts=counts)
        states, final = continuing_reference(P, R, 1, pi, u, 300, counts)
        np.testing.assert_array_equal(seg.states, states)
        assert seg.final_state == final


@pytest.mark.parametrize("threads", [1, 2])
def test_learner_run_identical_on_any_thread_count(threads):
    import numba

    from algorithms.ucbvi import run_ucbvi_bf
    from mdplab.threads import numba_threads

    P, R = random_model(3, 2, 31)
    ref = run_ucbvi_bf(P, R, 0, 4, 200, 5)
    with numba_threads(min(threads, numba.config.NUMBA_NUM_THREADS)):
        run = run_ucbvi_bf(P, R, 0, 4, 200, 5)
    np.testing.assert_array_equal(run.regret, ref.regret)
    np.testing.assert_array_equal(run.policies, ref.policies)


def test_domingues_family_value_closed_form():
    """Stationary variant, no waiting: root at stage 1, leaf at stage 2, the good state from stage 3 on
    with probability 1/2 + eps, reward 1 per stage there: V* = (H - 3)(1/2 + eps)."""
    from scenarios.instances.learning import domingues_hard

    for H, eps in [(6, 0.2), (9, 0.1)]:
        inst = domingues_hard(2, 1, H, eps, seed=4, wait_stages=0, stage_dependent=False)
        assert inst.P.ndim == 3
        assert inst.v_star == pytest.approx((H - 3) * (0.5 + eps), abs=1e-12)
    staged = domingues_hard(3, 2, 10, 0.25, seed=1)
    assert staged.P.shape == (10, staged.P.shape[1], 3, staged.P.shape[1])
    np.testing.assert_allclose(staged.P.sum(axis=-1), 1.0)


def test_random_communicating_diameter_range_and_budget():
    from scenarios.instances.learning import random_communicating

    inst = random_communicating(5, 2, 0, (3.0, 8.0))
    assert 3.0 <= inst.diameter <= 8.0 and inst.diameter == pytest.approx(diameter(inst.P))
    with pytest.raises(ModelError, match="max_tries"):
        random_communicating(4, 2, 0, (1000.0, 2000.0), max_tries=3)


def test_riverswim_variants_kept_apart():
    a, b = riverswim(6, "osband2013"), riverswim(6, "strehl_littman2008", normalise=True)
    assert a.P[0, 1, 1] == 0.6 and b.P[0, 1, 1] == 0.3
    assert a.R[0, 0] == 0.005 and a.R[5, 1] == 1.0
    np.testing.assert_allclose(b.mu, [0, 0.5, 0.5, 0, 0, 0])
    with pytest.raises(ModelError, match="variant"):
        riverswim(6, "nope")
