"""PSRL (posterior sampling for reinforcement learning), episodic.

I. Osband, D. Russo, B. Van Roy, "(More) Efficient Reinforcement Learning via Posterior Sampling",
NeurIPS 2013, arXiv:1306.0940.  Bibkey ``osband2013``.  Notes: ``docs/theory/osband2013.md``.

Algorithm 1 (PSRL): at the start of each episode sample an MDP from the posterior, solve it exactly
(backward induction over ``H`` stages), and follow its optimal policy for the episode.

Posterior (conjugate, independent per ``(s, a)``):

* transitions ``P(.|s, a) ~ Dirichlet(alpha0 + N(s, a, .))`` with ``alpha0 = dirichlet_prior`` (default 1, a
  uniform prior);
* mean rewards ``R(s, a) ~ Beta(a0 + sum r, b0 + N(s, a) - sum r)`` with ``(a0, b0) = beta_prior``
  (default ``(1, 1)``).  For Bernoulli rewards this is the exact conjugate posterior; for rewards in
  ``[0, 1]`` observed as their means (``reward="mean"``) the sums are fractional pseudo-counts.

Samples are drawn with the run's learner generator (``Generator.gamma`` for the Dirichlet rows and
``Generator.beta``), so a seed fixes every posterior sample.

Provenance: Algorithm 1 and its ``O~(H S sqrt(A T))`` Bayesian regret (Thm 1) are from the paper's
abstract and its well-known statement ("reconstructed": not re-read here); the prior is the user's
choice (the paper's experiments used Dirichlet/Beta priors; their exact parameters are not asserted).

Deviations: transitions and rewards are pooled over stages (time-homogeneous model); ties in the
sampled MDP's greedy step are broken uniformly at random.

Broken variant: ``tie_break="first"``; ``posterior_scale`` (divides the posterior counts, > 1 makes the
posterior too wide; ``inf``-like values approach uniform random exploration).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from mdplab.errors import ModelError
from mdplab.interaction import run_episode
from mdplab.regret import LearnerRun, PolicyLog
from mdplab.tiebreak import TIE_BREAKS, argmax_random_tie

from ._episodic import (EpisodeUniforms, add_episode_counts, check_choice, check_positive, check_positive_int,
                        check_seed, finish, log_dtype, stationary_model, streams)

BIBKEY = "osband2013"


@njit(cache=True)
def _sampled_mdp_policy(P_s, R_s, H, u, V, pi):
    """Backward induction on a sampled MDP; greedy ties by ``u (H, S)``; returns the number of tied rows."""
    S, A = R_s.shape
    n_ties = 0
    q = np.empty(A)
    for s in range(S):
        V[H, s] = 0.0
    for h in range(H - 1, -1, -1):
        for s in range(S):
            for a in range(A):
                acc = R_s[s, a]
                for y in range(S):
                    acc += P_s[s, a, y] * V[h + 1, y]
                q[a] = acc
            a_star, m = argmax_random_tie(q, u[h, s], 0.0)
            pi[h, s] = a_star
            V[h, s] = q[a_star]
            if m > 1:
                n_ties += 1
    return n_ties


def sample_posterior(rng: np.random.Generator, N: np.ndarray, N_next: np.ndarray, R_sum: np.ndarray,
                     dirichlet_prior: float, beta_prior: tuple[float, float], scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """One draw ``(P (S, A, S), R (S, A))`` from the Dirichlet/Beta posterior (counts divided by ``scale``)."""
    g = rng.gamma(dirichlet_prior + N_next / scale)
    sums = g.sum(axis=2, keepdims=True)
    P_s = np.where(sums > 0, g / np.where(sums > 0, sums, 1.0), 1.0 / N_next.shape[2])
    a0, b0 = beta_prior
    R_s = rng.beta(a0 + R_sum / scale, b0 + np.maximum(N - R_sum, 0.0) / scale)
    return np.ascontiguousarray(P_s), np.ascontiguousarray(R_s)


def run_psrl(P: Any, R: Any, mu: Any, H: int, K: int, seed: int, *, dirichlet_prior: float = 1.0,
             beta_prior: tuple[float, float] = (1.0, 1.0), tie_break: str = "random", posterior_scale: float = 1.0,
             reward: str = "mean") -> LearnerRun:
    """Run episodic PSRL for ``K`` episodes of horizon ``H``; returns the exact regret."""
    check_choice("tie_break", tie_break, TIE_BREAKS)
    check_choice("reward", reward, ("mean", "bernoulli"))
    model = stationary_model(P, R, mu, H, "PSRL")
    K, seed = check_positive_int("K (episodes)", K), check_seed(seed)
    alpha0 = check_positive("dirichlet_prior", dirichlet_prior)
    try:
        a0, b0 = (check_positive("beta_prior", x) for x in beta_prior)
    except TypeError:
        raise ModelError(f"beta_prior must be a pair (a0, b0) of positive numbers; got {beta_prior!r}") from None
    scale = check_positive("posterior_scale", posterior_scale)
    S, A = model.n_states, model.n_actions
    env_rng, learner_rng = streams(seed)
    uniforms = EpisodeUniforms(env_rng, H, K)
    N = np.zeros((S, A), dtype=np.int64)
    N_next = np.zeros((S, A, S), dtype=np.int64)
    R_sum, R_sq = np.zeros((S, A)), np.zeros((S, A))
    N_stage = np.zeros((H + 1, S), dtype=np.int64)
    V = np.empty((H + 1, S))
    pi = np.empty((H, S), dtype=np.int64)
    log = PolicyLog(log_dtype(A))
    ties = 0
    bern = reward == "bernoulli"
    for k in range(K):
        P_s, R_s = sample_posterior(learner_rng, N, N_next, R_sum, alpha0, (a0, b0), scale)
        u = learner_rng.random((H, S))
        if tie_break == "first":
            u[:] = -1.0
        ties += _sampled_mdp_policy(P_s, R_s, H, u, V, pi)
        log.record(k, pi)
        ep = run_episode(model, pi, uniforms[k], bern)
        add_episode_counts(ep.states, ep.actions, ep.rewards, N, N_next, R_sum, R_sq, N_stage)
    params = dict(dirichlet_prior=alpha0, beta_prior=(a0, b0), tie_break=tie_break, posterior_scale=scale,
                  reward=reward, H=H, K=K)
    return finish("psrl", model, seed, log, K, ties, K, params)
