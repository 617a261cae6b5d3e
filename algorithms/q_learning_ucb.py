"""Q-learning with UCB exploration: Hoeffding (Algorithm 1) and Bernstein (Algorithm 2) bonuses.

C. Jin, Z. Allen-Zhu, S. Bubeck, M. I. Jordan, "Is Q-learning Provably Efficient?", NeurIPS 2018,
arXiv:1807.03765 (v1).  Bibkey ``jin2018``.  Notes: ``docs/theory/jin2018.md``.

Per-stage tables ``Q_h (S, A)`` initialised to ``H``, counts ``N_h(s, a)``.  In episode ``k`` at stage ``h``
the learner takes ``a_h = argmax_a Q_h(s_h, a)``, observes ``r_h, s_{h+1}``, sets ``t = N_h(s_h, a_h) += 1``
and updates

  ``Q_h(s_h, a_h) <- (1 - alpha_t) Q_h(s_h, a_h) + alpha_t [r_h + V_{h+1}(s_{h+1}) + b_t]``,
  ``V_h(s_h) <- min(H, max_a Q_h(s_h, a))``,  ``alpha_t = (H + 1) / (H + t)``  (the paper's learning rate),

with ``V_H = 0`` and ``iota = ln(S A T / p)``, ``T = K H``:

* Hoeffding (Alg. 1): ``b_t = c sqrt(H^3 iota / t)``;
* Bernstein (Alg. 2): ``beta_t = min{c1 (sqrt(H (W_t + H) iota / t) + sqrt(H^7 S A) iota / t), c2 sqrt(H^3 iota / t)}``,
  ``b_t = (beta_t - (1 - alpha_t) beta_{t-1}) / (2 alpha_t)``, ``beta_0 = 0``, where ``W_t`` is the empirical
  variance of the ``t`` values ``V_{h+1}(s')`` seen after ``(s, a)`` at stage ``h`` (each with the ``V_{h+1}``
  of its time).

The stage-``h`` table changes only after stage ``h`` is acted on, so an episode's actions are those of the
greedy policy of the tables at the episode's start: that policy is what is logged and evaluated.

Provenance (checked 2026-12 for issue 16) against a full-text copy of the paper (title page, Sections 2-4,
Appendices B-C; the copy does not show which arXiv version or the NeurIPS version it is, and its display
equations were not rendered, so each item below is from the algorithm boxes or from inline text):

* Alg. 1 lines 1, 6-8: ``Q_h <- H``, ``N_h <- 0``; ``t = N_h += 1``; ``b_t = c sqrt(H^3 iota / t)``; the
  update above; ``V_h(x_h) <- min{H, max_a' Q_h(x_h, a')}``: matches;
* Sec. 3: "``iota := log(SAT/p)``" and "we have chosen the learning rate as ``alpha_t := (H+1)/(H+t)``":
  matches (``p`` is our ``delta``, ``T = K H``);
* Thm. 1 and Lemma 4.3: "There exists an absolute constant ``c > 0``": the paper gives no value, so
  ``c = 1`` is our choice (a later paper's restatement suggests ``c = 4``; not adopted, not the source);
* App. C, Alg. 2 lines 2, 7-11: ``beta_0 = 0``; running sums ``mu``, ``sigma`` of ``V_{h+1}(x_{h+1})`` and
  its square (each with the ``V_{h+1}`` of its time), ``W_t = (sigma - mu^2 / t) / t``; ``beta_t = min{c1
  (sqrt(H/t (W_t + H) iota) + sqrt(H^7 S A) iota / t), c2 sqrt(H^3 iota / t)}``; ``b_t = (beta_t -
  (1 - alpha_t) beta_{t-1}) / (2 alpha_t)``: matches; "we choose two constants ``c1, c2 > 0``": no values,
  so ``c1 = c2 = 1`` are ours.

Deviations: greedy ties are broken uniformly at random when a row's value changes (a tied row keeps its
choice until its Q changes: "sticky" ties, so the logged policy changes only where the tables change).
The paper's probability parameter ``p`` is called ``delta`` here.

Broken variants: ``tie_break="first"``; ``learning_rate="1/t"`` (the plain averaging rate, which the
paper shows leads to regret exponential in ``H``).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from mdplab.interaction import episodic_model, run_episode
from mdplab.regret import LearnerRun, PolicyLog
from mdplab.tiebreak import TIE_BREAKS, argmax_random_tie

from ._episodic import (EpisodeUniforms, check_choice, check_delta, check_positive, check_positive_int, check_seed,
                        finish, log_dtype, streams)

BIBKEY = "jin2018"
BONUSES = ("hoeffding", "bernstein")
LEARNING_RATES = ("paper", "1/t")


@njit(cache=True)
def _q_update(states, actions, rewards, Q, V, N, beta, v_sum, v_sq, pi, u, H, iota, SA, bernstein, c, c1, c2,
              rate_paper):
    """Apply one episode's updates stage by stage; re-pick the greedy action of each updated row with the
    uniform ``u[h]``; returns the number of re-picked rows that had a tie."""
    n_ties = 0
    for h in range(H):
        s = states[h]
        a = actions[h]
        s_next = states[h + 1]
        N[h, s, a] += 1
        t = N[h, s, a]
        alpha = (H + 1.0) / (H + t) if rate_paper else 1.0 / t
        v_next = V[h + 1, s_next]
        if bernstein:
            v_sum[h, s, a] += v_next
            v_sq[h, s, a] += v_next * v_next
            mean = v_sum[h, s, a] / t
            W = max(v_sq[h, s, a] / t - mean * mean, 0.0)
            b_t = min(c1 * (math.sqrt(H * (W + H) * iota / t) + math.sqrt(H ** 7 * SA) * iota / t),
                      c2 * math.sqrt(H ** 3 * iota / t))
            bonus = (b_t - (1.0 - alpha) * beta[h, s, a]) / (2.0 * alpha)
            beta[h, s, a] = b_t
        else:
            bonus = c * math.sqrt(H ** 3 * iota / t)
        Q[h, s, a] = (1.0 - alpha) * Q[h, s, a] + alpha * (rewards[h] + v_next + bonus)
        a_star, m = argmax_random_tie(Q[h, s], u[h], 0.0)
        pi[h, s] = a_star
        V[h, s] = min(float(H), Q[h, s, a_star])
        if m > 1:
            n_ties += 1
    return n_ties


def run_q_learning_ucb(P: Any, R: Any, mu: Any, H: int, K: int, seed: int, *, bonus: str = "hoeffding",
                       delta: float = 0.05, c: float = 1.0, c1: float = 1.0, c2: float = 1.0,
                       tie_break: str = "random", learning_rate: str = "paper", reward: str = "mean") -> LearnerRun:
    """Run Q-learning with UCB-Hoeffding (``bonus="hoeffding"``, Alg. 1) or UCB-Bernstein (Alg. 2).
    ``P`` may be time-varying ``(H, S, A, S)`` (the algorithm is model-free and per-stage)."""
    check_choice("bonus", bonus, BONUSES)
    check_choice("tie_break", tie_break, TIE_BREAKS)
    check_choice("learning_rate", learning_rate, LEARNING_RATES)
    check_choice("reward", reward, ("mean", "bernoulli"))
    H = check_positive_int("H (horizon)", H)
    model = episodic_model(P, R, mu, H)
    K, seed = check_positive_int("K (episodes)", K), check_seed(seed)
    delta = check_delta(delta)
    c, c1, c2 = (check_positive(n, v, allow_zero=True) for n, v in (("c", c), ("c1", c1), ("c2", c2)))
    S, A = model.n_states, model.n_actions
    iota = math.log(S * A * K * H / delta)
    env_rng, learner_rng = streams(seed)
    uniforms = EpisodeUniforms(env_rng, H, K)
    Q = np.full((H, S, A), float(H))
    V = np.full((H + 1, S), float(H))
    V[H] = 0.0
    N = np.zeros((H, S, A), dtype=np.int64)
    beta, v_sum, v_sq = np.zeros((H, S, A)), np.zeros((H, S, A)), np.zeros((H, S, A))
    u0 = learner_rng.random((H, S))
    if tie_break == "first":
        u0[:] = -1.0
    pi = np.empty((H, S), dtype=np.int64)
    ties = 0
    for h in range(H):                           # initial greedy policy: every row is tied at H
        for s in range(S):
            pi[h, s], m = argmax_random_tie(Q[h, s], u0[h, s], 0.0)
            ties += m > 1
    log = PolicyLog(log_dtype(A))
    bern = reward == "bernoulli"
    for k in range(K):
        log.record(k, pi)
        ep = run_episode(model, pi, uniforms[k], bern)
        u = learner_rng.random(H)
        if tie_break == "first":
            u[:] = -1.0
        ties += _q_update(ep.states, ep.actions, ep.rewards, Q, V, N, beta, v_sum, v_sq, pi, u, H, iota, S * A,
                          bonus == "bernstein", c, c1, c2, learning_rate == "paper")
    params = dict(bonus=bonus, delta=delta, iota=iota, c=c, c1=c1, c2=c2, tie_break=tie_break,
                  learning_rate=learning_rate, reward=reward, H=H, K=K)
    return finish("q-ucb-" + bonus[0], model, seed, log, K, ties, K, params)


def run_q_ucb_hoeffding(P: Any, R: Any, mu: Any, H: int, K: int, seed: int, **constants: Any) -> LearnerRun:
    """Q-learning with UCB-Hoeffding (Alg. 1)."""
    return run_q_learning_ucb(P, R, mu, H, K, seed, bonus="hoeffding", **constants)


def run_q_ucb_bernstein(P: Any, R: Any, mu: Any, H: int, K: int, seed: int, **constants: Any) -> LearnerRun:
    """Q-learning with UCB-Bernstein (Alg. 2)."""
    return run_q_learning_ucb(P, R, mu, H, K, seed, bonus="bernstein", **constants)
