"""The episodic learners' constants against the papers' formulas, written out here independently of the
library (issue 16, item 3).  Sources and verdicts: the module docstrings of ``algorithms/ucbvi.py``,
``algorithms/q_learning_ucb.py``, ``algorithms/mvp.py`` and ``docs/theory/{azar2017,jin2018,zhang2021mvp}.md``.

Each bonus test drives the learner's own kernel on hand-built statistics and compares one Q entry with
``rhat + Phat V_{h+1} + bonus``, the bonus typed in from the paper's algorithm box; counts are large
enough that no clipping at ``H`` (resp. 1) or Q = H for unvisited pairs interferes."""
from __future__ import annotations

import math

import numpy as np
import pytest

from algorithms import mvp, q_learning_ucb, ucbvi

S, A, H, K, DELTA = 2, 2, 3, 1000, 0.05
N_BIG = 10 ** 6                   # visits of every pair: 7 H L / sqrt(N) ~ 0.3 < H (no clipping)


def azar_L(S, A, K, H, delta):
    """Azar et al. 2017, Alg. 3/4: ``L = ln(5 S A T / delta)``, ``T = K H``."""
    return math.log(5 * S * A * (K * H) / delta)


def ucbvi_statistics():
    N = np.full((S, A), N_BIG, dtype=np.int64)
    N_next = np.empty((S, A, S), dtype=np.int64)
    N_next[..., 0] = N_BIG // 4                          # Phat(.|s, a) = (1/4, 3/4)
    N_next[..., 1] = N_BIG - N_BIG // 4
    R_sum = np.empty((S, A))
    R_sum[:] = [[0.1, 0.4], [0.7, 0.2]]
    R_sum *= N_BIG                                      # rhat(s, a)
    N_stage = np.zeros((H + 1, S), dtype=np.int64)
    N_stage[:, 0] = 10 ** 9                             # 100^2 H^3 S^2 A L^2 / N' < H^2 at y = 0
    N_stage[:, 1] = 0                                   # N' = 0: the minimum is H^2 at y = 1
    return N, N_next, R_sum, N_stage


def run_ucbvi_kernel(bf, correction_constant=ucbvi.BF_CORRECTION_CONSTANT):
    N, N_next, R_sum, N_stage = ucbvi_statistics()
    L = ucbvi.confidence_log(S, A, K * H, DELTA)
    Q, V, pi = np.empty((H, S, A)), np.empty((H + 1, S)), np.empty((H, S), dtype=np.int64)
    Q_prev = np.full((H, S, A), float(H))
    u = np.random.default_rng(0).random((H, S))
    ucbvi._ucb_q_values(N, N_next, R_sum, N_stage, H, L, bf, 1.0, correction_constant, True, Q_prev, u, Q, V, pi)
    return Q, V, R_sum / N_BIG


def test_ucbvi_log_term_is_alg3():
    assert ucbvi.confidence_log(S, A, K * H, DELTA) == pytest.approx(azar_L(S, A, K, H, DELTA), rel=1e-15)


def test_ucbvi_constants_are_the_papers():
    assert ucbvi.CH_CONSTANT == 7.0                                # Alg. 3
    assert ucbvi.BF_CORRECTION_CONSTANT == 100.0 ** 2              # Alg. 4 (arXiv v2)


@pytest.mark.parametrize("h", range(H))
def test_ucbvi_ch_bonus_equals_alg3(h):
    Q, V, rhat = run_ucbvi_kernel(bf=False)
    L = azar_L(S, A, K, H, DELTA)
    p = np.array([0.25, 0.75])
    for s in range(S):
        for a in range(A):
            b = 7 * H * L * math.sqrt(1 / N_BIG)                   # bonus_1
            expected = min(float(H), rhat[s, a] + p @ V[h + 1] + b)
            assert Q[h, s, a] == pytest.approx(expected, rel=1e-12)
            assert expected < H


@pytest.mark.parametrize("h", range(H))
def test_ucbvi_bf_bonus_equals_alg4(h):
    Q, V, rhat = run_ucbvi_kernel(bf=True)
    L = azar_L(S, A, K, H, DELTA)
    p = np.array([0.25, 0.75])
    n_prime = np.array([10 ** 9, 0])
    v = V[h + 1]
    var = p @ v ** 2 - (p @ v) ** 2
    caps = [min(100 ** 2 * H ** 3 * S ** 2 * A * L ** 2 / n_prime[y], H ** 2) if n_prime[y] > 0 else H ** 2
            for y in range(S)]
    assert caps[0] < H ** 2                                        # the correction's minimum is active
    b = (math.sqrt(8 * L * var / N_BIG) + 14 * H * L / (3 * N_BIG)   # bonus_2
         + math.sqrt(8 * (p @ np.array(caps)) / N_BIG))
    for s in range(S):
        for a in range(A):
            expected = min(float(H), rhat[s, a] + p @ v + b)
            assert Q[h, s, a] == pytest.approx(expected, rel=1e-12)
            assert expected < H


def test_ucbvi_previous_correction_constant_still_reachable():
    """The former default 84^2 is still a parameter value; at the last stage (``V_H = 0``) it changes the
    BF bonus only through the correction term, which it makes smaller."""
    Q_new, _, _ = run_ucbvi_kernel(bf=True)
    Q_old, _, _ = run_ucbvi_kernel(bf=True, correction_constant=84.0 ** 2)
    assert np.all(Q_old[H - 1] < Q_new[H - 1])


# ------------------------------------------------------------------------------------- Jin et al. 2018
def jin_iota(S, A, K, H, delta):
    """Jin et al. 2018, Sec. 3: ``iota = log(SAT/p)``, ``T = K H``."""
    return math.log(S * A * (K * H) / delta)


def test_q_learning_iota_and_defaults():
    P = np.full((S, A, S), 1.0 / S)
    R = np.full((S, A), 0.5)
    run = q_learning_ucb.run_q_learning_ucb(P, R, 0, H, 5, 0, delta=DELTA)
    assert run.params["iota"] == pytest.approx(jin_iota(S, A, 5, H, DELTA), rel=1e-15)
    assert (run.params["c"], run.params["c1"], run.params["c2"]) == (1.0, 1.0, 1.0)   # ours: the paper gives none


def q_kernel_episode(bernstein, c=1.3, c1=0.7, c2=2.0, episodes=2):
    """Two identical episodes x = (0, 1, 0, 1), a = (1, 0, 1) with rewards (0.3, 0.7, 0.2) through the
    library's update; returns the tables after each episode."""
    iota = jin_iota(S, A, K, H, DELTA)
    Q = np.full((H, S, A), float(H))
    V = np.full((H + 1, S), float(H))
    V[H] = 0.0
    N = np.zeros((H, S, A), dtype=np.int64)
    beta, v_sum, v_sq = np.zeros((H, S, A)), np.zeros((H, S, A)), np.zeros((H, S, A))
    pi = np.zeros((H, S), dtype=np.int64)
    states, actions = np.array([0, 1, 0, 1]), np.array([1, 0, 1])
    rewards = np.array([0.3, 0.7, 0.2])
    out = []
    for _ in range(episodes):
        q_learning_ucb._q_update(states, actions, rewards, Q, V, N, beta, v_sum, v_sq, pi, np.full(H, 0.5), H, iota,
                                 S * A, bernstein, c, c1, c2, True)
        out.append((Q.copy(), V.copy()))
    return out, iota


def test_q_ucb_hoeffding_update_equals_alg1():
    (first, second), iota = q_kernel_episode(bernstein=False)
    c = 1.3
    states, actions, rewards = [0, 1, 0, 1], [1, 0, 1], [0.3, 0.7, 0.2]
    V_prev = np.full((H + 1, S), float(H))
    V_prev[H] = 0.0
    Q_prev = np.full((H, S, A), float(H))
    for t, (Q_lib, V_lib) in zip((1, 2), (first, second)):
        alpha = (H + 1) / (H + t)                                   # Sec. 3 learning rate
        b = c * math.sqrt(H ** 3 * iota / t)                        # Alg. 1 line 6
        Q_exp, V_exp = Q_prev.copy(), V_prev.copy()
        for h in range(H):
            x, a, y = states[h], actions[h], states[h + 1]
            Q_exp[h, x, a] = (1 - alpha) * Q_exp[h, x, a] + alpha * (rewards[h] + V_exp[h + 1, y] + b)  # line 7
            V_exp[h, x] = min(H, Q_exp[h, x].max())                 # line 8
        np.testing.assert_allclose(Q_lib, Q_exp, rtol=1e-13)
        np.testing.assert_allclose(V_lib, V_exp, rtol=1e-13)
        Q_prev, V_prev = Q_exp, V_exp


def test_q_ucb_bernstein_update_equals_alg2():
    (first, second), iota = q_kernel_episode(bernstein=True)
    c1, c2 = 0.7, 2.0
    states, actions, rewards = [0, 1, 0, 1], [1, 0, 1], [0.3, 0.7, 0.2]
    V_prev = np.full((H + 1, S), float(H))
    V_prev[H] = 0.0
    Q_prev = np.full((H, S, A), float(H))
    seen = {h: [] for h in range(H)}                                # V_{h+1}(x_{h+1}) at the time of each visit
    beta_prev = {h: 0.0 for h in range(H)}                          # Alg. 2 line 2: beta_0 = 0
    for t, (Q_lib, V_lib) in zip((1, 2), (first, second)):
        alpha = (H + 1) / (H + t)
        Q_exp, V_exp = Q_prev.copy(), V_prev.copy()
        for h in range(H):
            x, a, y = states[h], actions[h], states[h + 1]
            seen[h].append(V_exp[h + 1, y])
            mu, sigma = sum(seen[h]), sum(v * v for v in seen[h])  # lines 8-9
            W = (sigma - mu ** 2 / t) / t
            beta = min(c1 * (math.sqrt(H / t * (W + H) * iota) + math.sqrt(H ** 7 * S * A) * iota / t),
                       c2 * math.sqrt(H ** 3 * iota / t))          # line 10
            b = (beta - (1 - alpha) * beta_prev[h]) / (2 * alpha)  # line 11
            beta_prev[h] = beta
            Q_exp[h, x, a] = (1 - alpha) * Q_exp[h, x, a] + alpha * (rewards[h] + V_exp[h + 1, y] + b)
            V_exp[h, x] = min(H, Q_exp[h, x].max())
        np.testing.assert_allclose(Q_lib, Q_exp, rtol=1e-12)
        np.testing.assert_allclose(V_lib, V_exp, rtol=1e-12)
        Q_prev, V_prev = Q_exp, V_exp


# ------------------------------------------------------------------------------------- MVP (reconstructed)
def test_mvp_constants_as_documented():
    """Reconstructed for arXiv:2009.13503; equal to Alg. 1 line 1 of the later MVP variant arXiv:2307.13586."""
    assert mvp.C1 == 460 / 9 and mvp.C2 == 2 * math.sqrt(2) and mvp.C3 == 544 / 9
    assert mvp.confidence_log(S, A, H, K, DELTA) == pytest.approx(math.log(S * A * H * K / DELTA), rel=1e-15)


@pytest.mark.parametrize("h", range(H))
def test_mvp_bonus_equals_documented_formula(h):
    n = N_BIG
    n_f = np.full((S, A), n, dtype=np.int64)
    P_f = np.empty((S, A, S))
    P_f[..., 0], P_f[..., 1] = 0.25, 0.75
    r_f = np.array([[0.1, 0.05], [0.02, 0.2]]) / H
    r2_f = r_f * 1.5 / H                                           # second moments >= r^2: Var(r) > 0
    iota = mvp.confidence_log(S, A, H, K, DELTA)
    Q, V, pi = np.empty((H, S, A)), np.empty((H + 1, S)), np.empty((H, S), dtype=np.int64)
    mvp._mvp_values(n_f, P_f, r_f, r2_f, H, iota, mvp.C1, mvp.C2, mvp.C3, False,
                    np.random.default_rng(0).random((H, S)), Q, V, pi)
    p, v = np.array([0.25, 0.75]), V[h + 1]
    var_v = p @ v ** 2 - (p @ v) ** 2
    for s in range(S):
        for a in range(A):
            var_r = r2_f[s, a] - r_f[s, a] ** 2
            b = (460 / 9 * math.sqrt(var_v * iota / n) + 2 * math.sqrt(2) * math.sqrt(var_r * iota / n)
                 + 544 / 9 * iota / n)
            expected = min(1.0, r_f[s, a] + p @ v + b)
            assert expected < 1.0
            assert Q[h, s, a] == pytest.approx(expected, rel=1e-12)


def test_mvp_refreshes_at_powers_of_two():
    """Trigger set {1, 2, 4, ...}: one state, one action, H = 3 steps per episode."""
    Hm = 3
    N, N_next = np.zeros((1, 1), dtype=np.int64), np.zeros((1, 1, 1), dtype=np.int64)
    R_sum, R_sq = np.zeros((1, 1)), np.zeros((1, 1))
    n_f, P_f, r_f, r2_f = np.zeros((1, 1), dtype=np.int64), np.zeros((1, 1, 1)), np.zeros((1, 1)), np.zeros((1, 1))
    states, actions, rewards = np.zeros(Hm + 1, dtype=np.int64), np.zeros(Hm, dtype=np.int64), np.full(Hm, 0.1)
    frozen = []
    for _ in range(6):                                             # counts 3, 6, 9, 12, 15, 18
        refrozen = mvp._count_with_doubling(states, actions, rewards, N, N_next, R_sum, R_sq, n_f, P_f, r_f, r2_f)
        frozen.append((int(n_f[0, 0]), int(refrozen)))
    assert frozen == [(2, 2), (4, 1), (8, 1), (8, 0), (8, 0), (16, 1)]
