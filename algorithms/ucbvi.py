"""UCBVI: upper-confidence-bound value iteration for episodic MDPs, with the Chernoff-Hoeffding (UCBVI-CH)
and Bernstein-Freedman (UCBVI-BF) bonuses.

M. G. Azar, I. Osband, R. Munos, "Minimax Regret Bounds for Reinforcement Learning", ICML 2017,
arXiv:1703.05449 (v2).  Bibkey ``azar2017``.  Notes: ``docs/theory/azar2017.md``.

Implements Algorithm 1 (UCBVI: plan, act greedily for one episode, update counts), Algorithm 2
(UCB-Q-values: backward induction on the empirical model with a bonus, clipped at ``H`` and kept
monotone by a minimum with the previous episode's Q, for pairs already visited; unvisited pairs get
``Q = H``), Algorithm 3 (``bonus_1``, UCBVI-CH) and Algorithm 4 (``bonus_2``, UCBVI-BF):

* ``L = ln(5 S A T / delta)`` with ``T = K H`` steps (Alg. 3 and 4);
* CH:  ``b(s, a) = 7 H L sqrt(1 / N(s, a))`` (Alg. 3, ``bonus_1``);
* BF:  ``b_h(s, a) = sqrt(8 L Var_{y ~ Phat(s,a)}[V_{h+1}(y)] / N(s, a)) + 14 H L / (3 N(s, a))
  + sqrt(8 sum_y Phat(y | s, a) min(c_corr H^3 S^2 A L^2 / N'_{h+1}(y), H^2) / N(s, a))`` (Alg. 4,
  ``bonus_2``), where ``N'_{h+1}(y)`` counts the earlier episodes that were in ``y`` at stage ``h+1`` (the
  minimum is ``H^2`` where ``N'_{h+1}(y) = 0``), and ``c_corr = 100^2``.

Provenance (checked 2026-12 for issue 16).  The paper's own text (arXiv PDF or HTML) was not retrievable
with this project's search tools; every item above was checked against two independent public texts that
reproduce arXiv:1703.05449v2: a line-by-line formal transcription of Algorithms 1-4 (pp. 2-5, citing
v2) and an independent public implementation of ``bonus_2``.  Both agree with each other on every item:
``L = ln(5SAT/delta)`` (Alg. 3/4; Theorems 1-2 state their bounds with the different ``ln(5HSAT/delta)``),
the constants 7, 8, 14/3 and ``100^2``, the clipping ``Q = min(Q_prev, H, rhat + Phat V + b)`` for visited
pairs and ``Q = H`` for unvisited ones (Alg. 2), ``N'`` counted at stage ``h+1``.  Until this check the
correction constant was ``84^2`` (from memory, flagged as least certain): that value is still reachable
as ``correction_constant=84**2`` (no test or scenario relies on it).  The abstract's rate
``O~(sqrt(HSAT) + H^2 S^2 A + H sqrt(T))`` was read directly.  Every constant is a parameter
(``bonus_scale``, ``correction_constant``).

Deviations: rewards are estimated by their empirical means (the paper treats the mean reward as known);
with ``reward="mean"`` (the default) the estimate is exact after one visit, as if known.  Stages are
0-based (``V_H = 0``).  Ties in the greedy step are broken uniformly at random with the run's learner
generator (the paper leaves ties unspecified).

Broken variants (for checks): ``log_term=False`` (``L = 1``: a bonus with no log term, as in some
public code), ``tie_break="first"`` (argmax toward action 0), ``monotone=False`` (no minimum with the
previous Q), ``bonus_scale`` (multiplies every bonus).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from mdplab.interaction import run_episode
from mdplab.regret import LearnerRun, PolicyLog
from mdplab.tiebreak import TIE_BREAKS, argmax_random_tie

from ._episodic import (EpisodeUniforms, add_episode_counts, check_choice, check_delta, check_positive,
                        check_positive_int, check_seed, finish, log_dtype, stationary_model, streams)

BIBKEY = "azar2017"
#: Alg. 3 (``bonus_1``): the Chernoff-Hoeffding bonus is ``CH_CONSTANT * H * L / sqrt(N)``.
CH_CONSTANT = 7.0
#: Alg. 4 (``bonus_2``): the correction term's constant ``100^2`` (arXiv v2; see the module docstring for
#: how it was checked; the earlier default ``84^2`` is reachable as ``correction_constant=84**2``).
BF_CORRECTION_CONSTANT = 100.0 ** 2
BONUSES = ("ch", "bf")


def confidence_log(S: int, A: int, T: int, delta: float) -> float:
    """``L = ln(5 S A T / delta)``, ``T = K H`` (Azar et al. 2017, Alg. 3 and 4)."""
    return math.log(5.0 * S * A * T / delta)


@njit(cache=True)
def _ucb_q_values(N, N_next, R_sum, N_stage, H, L, bf, scale, c_corr, monotone, Q_prev, u, Q, V, pi):
    """Alg. 2 with ``bonus_1`` (``bf = False``) or ``bonus_2`` (``bf = True``); writes ``Q (H, S, A)``,
    ``V (H+1, S)``, ``pi (H, S)``; returns the number of tied ``(h, s)``."""
    S, A = N.shape
    n_ties = 0
    for s in range(S):
        V[H, s] = 0.0
    for h in range(H - 1, -1, -1):
        for s in range(S):
            for a in range(A):
                n = N[s, a]
                if n == 0:
                    q = float(H)
                else:
                    pv = 0.0
                    pv2 = 0.0
                    corr = 0.0
                    for y in range(S):
                        c = N_next[s, a, y]
                        if c > 0:
                            p = c / n
                            v = V[h + 1, y]
                            pv += p * v
                            pv2 += p * v * v
                            if bf:
                                ny = N_stage[h + 1, y]
                                cap = float(H) * H
                                if ny > 0:
                                    cap = min(c_corr * H ** 3 * S * S * A * L * L / ny, cap)
                                corr += p * cap
                    if bf:
                        var = max(pv2 - pv * pv, 0.0)
                        b = (math.sqrt(8.0 * L * var / n) + 14.0 * H * L / (3.0 * n)       # Alg. 4, first two terms
                             + math.sqrt(8.0 * corr / n))                                  # Alg. 4, correction term
                    else:
                        b = 7.0 * H * L * math.sqrt(1.0 / n)                               # Alg. 3 (CH_CONSTANT)
                    q = min(float(H), R_sum[s, a] / n + pv + scale * b)                    # Alg. 2
                    if monotone:
                        q = min(q, Q_prev[h, s, a])
                Q[h, s, a] = q
            a_star, m = argmax_random_tie(Q[h, s], u[h, s], 0.0)
            pi[h, s] = a_star
            V[h, s] = Q[h, s, a_star]
            if m > 1:
                n_ties += 1
    return n_ties


def run_ucbvi(P: Any, R: Any, mu: Any, H: int, K: int, seed: int, *, bonus: str = "ch", delta: float = 0.05,
              log_term: bool = True, monotone: bool = True, tie_break: str = "random", bonus_scale: float = 1.0,
              correction_constant: float = BF_CORRECTION_CONSTANT, reward: str = "mean") -> LearnerRun:
    """Run UCBVI (Alg. 1) for ``K`` episodes of horizon ``H`` on ``P (S, A, S)``, ``R (S, A)`` in ``[0, 1]``,
    initial law ``mu``; ``bonus="ch"`` (Alg. 3) or ``"bf"`` (Alg. 4).  Returns the exact regret."""
    check_choice("bonus", bonus, BONUSES)
    check_choice("tie_break", tie_break, TIE_BREAKS)
    check_choice("reward", reward, ("mean", "bernoulli"))
    model = stationary_model(P, R, mu, H, "UCBVI")
    K, seed = check_positive_int("K (episodes)", K), check_seed(seed)
    delta, scale = check_delta(delta), check_positive("bonus_scale", bonus_scale, allow_zero=True)
    c_corr = check_positive("correction_constant", correction_constant, allow_zero=True)
    S, A = model.n_states, model.n_actions
    L = confidence_log(S, A, K * H, delta) if log_term else 1.0
    env_rng, learner_rng = streams(seed)
    uniforms = EpisodeUniforms(env_rng, H, K)
    N = np.zeros((S, A), dtype=np.int64)
    N_next = np.zeros((S, A, S), dtype=np.int64)
    R_sum, R_sq = np.zeros((S, A)), np.zeros((S, A))
    N_stage = np.zeros((H + 1, S), dtype=np.int64)
    Q, Q_prev = np.empty((H, S, A)), np.full((H, S, A), float(H))
    V = np.empty((H + 1, S))
    pi = np.empty((H, S), dtype=np.int64)
    log = PolicyLog(log_dtype(A))
    ties = 0
    bern = reward == "bernoulli"
    for k in range(K):
        u = learner_rng.random((H, S))
        if tie_break == "first":
            u[:] = -1.0
        ties += _ucb_q_values(N, N_next, R_sum, N_stage, H, L, bonus == "bf", scale, c_corr, monotone, Q_prev, u, Q, V, pi)
        Q, Q_prev = Q_prev, Q
        log.record(k, pi)
        ep = run_episode(model, pi, uniforms[k], bern)
        add_episode_counts(ep.states, ep.actions, ep.rewards, N, N_next, R_sum, R_sq, N_stage)
    params = dict(bonus=bonus, delta=delta, L=L, log_term=log_term, monotone=monotone, tie_break=tie_break,
                  bonus_scale=scale, correction_constant=c_corr, reward=reward, H=H, K=K)
    return finish("ucbvi-" + bonus, model, seed, log, K, ties, K, params)


def run_ucbvi_ch(P: Any, R: Any, mu: Any, H: int, K: int, seed: int, **constants: Any) -> LearnerRun:
    """UCBVI-CH (Alg. 1 with ``bonus_1``, Alg. 3)."""
    return run_ucbvi(P, R, mu, H, K, seed, bonus="ch", **constants)


def run_ucbvi_bf(P: Any, R: Any, mu: Any, H: int, K: int, seed: int, **constants: Any) -> LearnerRun:
    """UCBVI-BF (Alg. 1 with ``bonus_2``, Alg. 4)."""
    return run_ucbvi(P, R, mu, H, K, seed, bonus="bf", **constants)
