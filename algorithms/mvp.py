"""MVP (Monotonic Value Propagation): a horizon-free episodic learner for total reward at most 1.

Z. Zhang, X. Ji, S. S. Du, "Is Reinforcement Learning More Difficult Than Bandits? A Near-optimal
Algorithm Escaping the Curse of Horizon", COLT 2021, arXiv:2009.13503 (v2).  Bibkey ``zhang2021mvp``.
Notes: ``docs/theory/zhang2021mvp.md``.

Setting: time-homogeneous ``P``, rewards in ``[0, 1]`` whose sum over any episode is at most 1 (checked
exactly on the model before the run).  Regret ``O((sqrt(SAK) + S^2 A) polylog(SAHK))`` (abstract).

Implements the paper's Algorithm 1 (MVP):

* doubling updates: the statistics of ``(s, a)`` (``n``, ``Phat(.|s, a)``, reward mean and second moment)
  are frozen and refreshed only when the visit count ``N(s, a)`` reaches a power of two (the trigger set
  ``{1, 2, 4, ...}``); the optimistic values are recomputed only when some pair was refreshed;
* optimistic backward induction ``Q_h(s, a) = min(1, rhat + Phat V_{h+1} + b_h(s, a))`` for frozen
  ``n > 0``, ``Q_h = 1`` otherwise, ``V_h = max_a Q_h``, ``V_H = 0``;
* the Bernstein-type bonus ``b_h = c1 sqrt(Var_{Phat}(V_{h+1}) iota / n) + c2 sqrt(Varhat(r) iota / n)
  + c3 iota / n`` with ``c1 = 460/9``, ``c2 = 2 sqrt(2)``, ``c3 = 544/9`` (a large enough ``c3`` relative to
  ``c1`` is what makes ``v -> Phat v + b(v)`` monotone, the paper's key lemma), ``iota = ln(S A H K / delta)``.

Provenance (re-checked 2026-12 for issue 16): "reconstructed: not found".  The text of arXiv:2009.13503
(Algorithm 1, its bonus, its log term and trigger set) was not retrievable with this project's search
tools (only the abstract, which gives the setting and the rate).  What could be read is a later paper by
the same group, Zhang, Chen, Lee, Du, "Settling the sample complexity of online reinforcement learning"
(arXiv:2307.13586), whose Algorithm 1 is "a simple variation of" MVP and says it adopts "the monotonic
Bernstein-style bonus function for MVP originally proposed in" this paper.  Its Algorithm 1, line 1, lists
``c1 = 460/9``, ``c2 = 2 sqrt(2)``, ``c3 = 544/9`` (the same values as ours), line 2 sets
``delta' = delta / (200 S A H^2 K^2)``, and line 7 refreshes the statistics when the visit count is in
``{1, 2, ..., 2^{log2 K}}`` (our trigger set), with ``Q, V`` initialised to the value bound (``H`` there, 1
here).  That paper differs from this one (stage-dependent ``P``, rewards summing to at most ``H``, only the
second half of each doubling batch used), and its bonus formula and log term (built from ``delta'``, which
would give ``ln(200 S A H^2 K^2 / delta)`` rather than our ``ln(S A H K / delta)``) were not rendered in
the copy read; so nothing was changed here.  Another reading of the bonus (a maximum of the variance
term and a ``1/n`` term, with ``c1 = 20/3`` and ``c3 = c1^2``) is also remembered: the constants are
parameters so either can be run, and ``iota`` is a parameter too.

Deviations: none intended beyond the reconstruction; ties broken uniformly at random (learner stream).

Broken variant: ``bonus="hoeffding"`` replaces the empirical variance of ``V_{h+1}`` by its worst case
``1/4`` (a Hoeffding bonus ``c1 sqrt(iota / (4 n)) + c3 iota / n``), which loses the horizon-free
property: the per-step bonuses no longer sum through the law of total variance.  Also
``tie_break="first"``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit

from mdplab.errors import ModelError
from mdplab.interaction import EpisodicModel, run_episode
from mdplab.regret import LearnerRun, PolicyLog
from mdplab.tiebreak import TIE_BREAKS, argmax_random_tie

from ._episodic import (EpisodeUniforms, check_choice, check_delta, check_positive, check_positive_int, check_seed,
                        finish, log_dtype, stationary_model, streams)

BIBKEY = "zhang2021mvp"
#: Bonus constants (reconstructed for arXiv:2009.13503; equal to the values listed in Algorithm 1, line 1, of
#: the later MVP variant arXiv:2307.13586: see the module docstring).
C1 = 460.0 / 9.0
C2 = 2.0 * math.sqrt(2.0)
C3 = 544.0 / 9.0
BONUSES = ("bernstein", "hoeffding")
#: Slack on "total reward at most 1".
TOTAL_REWARD_TOL = 1e-12


def max_total_reward(model: EpisodicModel, bernoulli: bool = False) -> float:
    """Largest total reward any trajectory can collect in ``H`` steps from a state of ``mu``'s support
    (mean rewards; with ``bernoulli``, each positive-mean reward can be 1): a max-plus DP over the
    transition support."""
    P, R = model.P[0], model.R[0]
    r = (R > 0).astype(float) if bernoulli else R
    support = P > 0
    M = np.zeros(model.n_states)
    for _ in range(model.H):
        nxt = np.where(support, M[None, None, :], -np.inf).max(axis=2)
        M = (r + nxt).max(axis=1)
    return float(M[model.mu > 0].max())


def confidence_log(S: int, A: int, H: int, K: int, delta: float) -> float:
    """``iota = ln(S A H K / delta)`` (reconstructed: the paper's log term was not found; see the module
    docstring)."""
    return math.log(S * A * H * K / delta)


@njit(cache=True)
def _count_with_doubling(states, actions, rewards, N, N_next, R_sum, R_sq, n_f, P_f, r_f, r2_f):
    """Add an episode to the running counts, freezing ``(s, a)``'s statistics each time ``N(s, a)``
    reaches a power of two; returns the number of refreezes."""
    H = actions.shape[0]
    S = N_next.shape[2]
    refrozen = 0
    for h in range(H):
        s = states[h]
        a = actions[h]
        N[s, a] += 1
        N_next[s, a, states[h + 1]] += 1
        R_sum[s, a] += rewards[h]
        R_sq[s, a] += rewards[h] * rewards[h]
        n = N[s, a]
        if n & (n - 1) == 0:                     # trigger set {1, 2, 4, ...}
            n_f[s, a] = n
            for y in range(S):
                P_f[s, a, y] = N_next[s, a, y] / n
            r_f[s, a] = R_sum[s, a] / n
            r2_f[s, a] = R_sq[s, a] / n
            refrozen += 1
    return refrozen


@njit(cache=True)
def _mvp_values(n_f, P_f, r_f, r2_f, H, iota, c1, c2, c3, hoeffding, u, Q, V, pi):
    S, A = n_f.shape
    n_ties = 0
    for s in range(S):
        V[H, s] = 0.0
    for h in range(H - 1, -1, -1):
        for s in range(S):
            for a in range(A):
                n = n_f[s, a]
                if n == 0:
                    q = 1.0
                else:
                    pv = 0.0
                    pv2 = 0.0
                    for y in range(S):
                        p = P_f[s, a, y]
                        if p > 0.0:
                            v = V[h + 1, y]
                            pv += p * v
                            pv2 += p * v * v
                    var_v = 0.25 if hoeffding else max(pv2 - pv * pv, 0.0)
                    var_r = max(r2_f[s, a] - r_f[s, a] * r_f[s, a], 0.0)
                    b = (c1 * math.sqrt(var_v * iota / n) + c2 * math.sqrt(var_r * iota / n)
                         + c3 * iota / n)
                    q = min(1.0, r_f[s, a] + pv + b)
                Q[h, s, a] = q
            a_star, m = argmax_random_tie(Q[h, s], u[h, s], 0.0)
            pi[h, s] = a_star
            V[h, s] = Q[h, s, a_star]
            if m > 1:
                n_ties += 1
    return n_ties


def run_mvp(P: Any, R: Any, mu: Any, H: int, K: int, seed: int, *, delta: float = 0.05, c1: float = C1,
            c2: float = C2, c3: float = C3, bonus: str = "bernstein", tie_break: str = "random",
            iota: float | None = None, reward: str = "mean") -> LearnerRun:
    """Run MVP for ``K`` episodes of horizon ``H``; the model's total reward must be at most 1."""
    check_choice("bonus", bonus, BONUSES)
    check_choice("tie_break", tie_break, TIE_BREAKS)
    check_choice("reward", reward, ("mean", "bernoulli"))
    model = stationary_model(P, R, mu, H, "MVP")
    K, seed = check_positive_int("K (episodes)", K), check_seed(seed)
    delta = check_delta(delta)
    c1, c2, c3 = (check_positive(n, v, allow_zero=True) for n, v in (("c1", c1), ("c2", c2), ("c3", c3)))
    bern = reward == "bernoulli"
    total = max_total_reward(model, bern)
    if total > 1.0 + TOTAL_REWARD_TOL:
        raise ModelError(f"MVP needs total reward at most 1 per episode; this model allows {total:.6g} in H={H} steps "
                         "(scale R by 1/H, or use UCBVI)")
    S, A = model.n_states, model.n_actions
    iota = confidence_log(S, A, H, K, delta) if iota is None else check_positive("iota", iota)
    env_rng, learner_rng = streams(seed)
    uniforms = EpisodeUniforms(env_rng, H, K)
    N = np.zeros((S, A), dtype=np.int64)
    N_next = np.zeros((S, A, S), dtype=np.int64)
    R_sum, R_sq = np.zeros((S, A)), np.zeros((S, A))
    n_f = np.zeros((S, A), dtype=np.int64)
    P_f, r_f, r2_f = np.zeros((S, A, S)), np.zeros((S, A)), np.zeros((S, A))
    Q, V = np.empty((H, S, A)), np.empty((H + 1, S))
    pi = np.empty((H, S), dtype=np.int64)
    log = PolicyLog(log_dtype(A))
    ties = plans = 0
    changed = True
    for k in range(K):
        if changed:                              # plan only when some pair was refrozen
            u = learner_rng.random((H, S))
            if tie_break == "first":
                u[:] = -1.0
            ties += _mvp_values(n_f, P_f, r_f, r2_f, H, iota, c1, c2, c3, bonus == "hoeffding", u, Q, V, pi)
            plans += 1
            log.record(k, pi)
        ep = run_episode(model, pi, uniforms[k], bern)
        changed = _count_with_doubling(ep.states, ep.actions, ep.rewards, N, N_next, R_sum, R_sq, n_f, P_f, r_f, r2_f) > 0
    params = dict(delta=delta, c1=c1, c2=c2, c3=c3, bonus=bonus, tie_break=tie_break, iota=iota, reward=reward, H=H, K=K)
    return finish("mvp", model, seed, log, K, ties, plans, params)
