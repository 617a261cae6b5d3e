"""Seeded sampling: determinism, and Monte Carlo agreement with exact quantities at a stated level."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import mdplab
from mdplab.errors import ModelError
from mdplab.sampling import MDPEnv, sample_episodes, sample_next_states
from mdplab.solvers import evaluate_policy
from scenarios.classic import random_dense, random_sparse


@pytest.mark.parametrize("sparse", [False, True])
def test_next_state_frequencies_chi_square(sparse):
    m = random_sparse(8, 2, 4, seed=1, discount=0.9) if sparse else random_dense(8, 2, seed=1, discount=0.9)
    n = 40_000
    s = np.full(n, 3)
    a = np.full(n, 1)
    draws = sample_next_states(m, s, a, seed=11)
    p = m.dense_transitions()[3, 1]
    counts = np.bincount(draws, minlength=8)
    assert counts[p == 0].sum() == 0
    support = p > 0
    chi2 = ((counts[support] - n * p[support]) ** 2 / (n * p[support])).sum()
    # reject only beyond the 1e-6 upper quantile: a correct sampler fails with probability 1e-6
    assert chi2 < stats.chi2.ppf(1 - 1e-6, support.sum() - 1)


def test_same_seed_same_numbers_and_different_seed_differs():
    m = random_dense(10, 3, seed=2, discount=0.9)
    pi = np.full((10, 3), 1 / 3)
    a = sample_episodes(m, pi, 50, 20, seed=5)
    b = sample_episodes(m, pi, 50, 20, seed=5)
    c = sample_episodes(m, pi, 50, 20, seed=6)
    assert np.array_equal(a.states, b.states) and np.array_equal(a.rewards, b.rewards)
    assert not np.array_equal(a.states, c.states)


def test_episode_returns_match_policy_value():
    m = random_dense(6, 2, seed=3, discount=0.8)
    pi = np.array([0, 1, 0, 1, 1, 0])
    H = 80  # 0.8**80 ~ 2e-8: truncation negligible against the Monte Carlo error
    ep = sample_episodes(m, pi, 20_000, H, seed=9, initial_distribution=2)
    G = ep.returns(0.8)
    v = evaluate_policy(m, pi)[2]
    # 5 standard errors: a correct sampler fails with probability < 6e-7
    assert abs(G.mean() - v) < 5 * G.std(ddof=1) / np.sqrt(len(G))


def test_env_reset_step_contract():
    m = random_dense(5, 2, seed=4, discount=0.9)
    env = MDPEnv(m, initial_distribution=1, horizon=3)
    s, info = env.reset(seed=0)
    assert s == 1 and info == {}
    traj = [env.step(0) for _ in range(3)]
    assert [t[3] for t in traj] == [False, False, True]
    env.reset(seed=0)
    assert [env.step(0)[0] for _ in range(3)] == [t[0] for t in traj]
    with pytest.raises(ModelError):
        env.step(7)


def test_bad_sampling_input():
    m = random_dense(5, 2, seed=4, discount=0.9)
    with pytest.raises(ModelError):
        sample_next_states(m, np.array([9]), np.array([0]), seed=0)
    with pytest.raises(ModelError):
        sample_episodes(m, np.zeros(5, dtype=int), 10, 5, seed=0, initial_distribution=[0.5, 0.5])
