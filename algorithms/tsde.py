"""TSDE: Thompson sampling with dynamic episodes (average-reward posterior sampling).

Ouyang, Gagrani, Nayyar, Jain (2017), "Learning Unknown Markov Decision Processes: A Thompson Sampling
Approach", NeurIPS 2017, arXiv:1709.04570 (bibkey ``ouyang2017``), Algorithm 1 (TSDE).

At the start of episode ``k`` (time ``t_k``) sample ``theta_k`` from the posterior (independent Dirichlet
rows ``Dir(alpha0 + N_next(s, a, .))``, a Dirichlet(``alpha0``) prior), compute the optimal stationary policy
of the sampled MDP (rewards known, as the paper assumes), and play it until

    t > t_k + T_{k-1}   (the episode is longer than the previous one)   or
    N_t(s, a) > 2 N_{t_k}(s, a) for some (s, a)                         (a count more than doubles),

checked after every step (``episode_rule="tsde"``).  The sampled MDP is solved by value iteration on it
(:func:`algorithms.evi.extended_value_iteration` with radius 0, i.e. ordinary relative VI) to
``sp(u_{i+1} - u_i) < plan_tol``; Dirichlet samples have full support, so the sampled model is
aperiodic and unichain and VI converges.

Constants: ``alpha0 = 1`` (uniform Dirichlet prior; the paper allows any prior with its conditions),
``T_0 = 1`` (the length attributed to the episode before the first; RECONSTRUCTED, the paper's
initialisation could not be re-read), ``plan_tol = 1e-8`` (ours).

Deliberately broken variant: ``tie_break="first"``; ``length_rule=False`` drops the first stopping
criterion (episodes end only on doubling).
Deviations: rewards are known exactly (the paper's assumption); the optimal policy of the sample is
computed to ``plan_tol``, not exactly.
"""
from __future__ import annotations

import numpy as np

from mdplab.errors import ModelError
from mdplab.regret import LearnerRun

from ._average_runner import Statistics, check_run_arguments, run_episodes
from .evi import extended_value_iteration

BIBKEY = "ouyang2017"


def sample_posterior(N_next: np.ndarray, alpha0: float, rng: np.random.Generator) -> np.ndarray:
    """One sample of the transition kernel from independent Dirichlet posteriors, ``(S, A, S)``; drawn as
    normalised Gamma variates in row-major order (one ``rng.gamma`` call, reproducible)."""
    g = rng.gamma(alpha0 + N_next.astype(np.float64))
    return g / g.sum(axis=2, keepdims=True)


def tsde_plan(stats: Statistics, rng: np.random.Generator, *, R: np.ndarray, alpha0: float, plan_tol: float,
              tie_break: str, max_iter: int) -> tuple[np.ndarray, int]:
    theta = sample_posterior(stats.N_next, alpha0, rng)
    res = extended_value_iteration(theta, R, kind="l1", radius=np.zeros(R.shape), eps=plan_tol, rng=rng,
                                   tie_break=tie_break, max_iter=max_iter)
    return res.policy, res.n_ties


def run_tsde(P: np.ndarray, R: np.ndarray, s0: int, T: int, seed: int, *, alpha0: float = 1.0,
             plan_tol: float = 1e-8, tie_break: str = "random", length_rule: bool = True,
             max_iter: int = 1_000_000, reward: str = "mean") -> LearnerRun:
    """Run TSDE for ``T`` steps from ``s0`` (rewards ``R`` known to the learner)."""
    rule = "tsde" if length_rule else "tsde_doubling_only"
    model = check_run_arguments(P, R, s0, T, seed, rule)
    if not (alpha0 > 0 and np.isfinite(alpha0)):
        raise ModelError(f"alpha0 (Dirichlet prior) must be positive and finite; got {alpha0!r}")
    if not (plan_tol > 0):
        raise ModelError(f"plan_tol must be positive; got {plan_tol!r}")
    params = dict(alpha0=alpha0, plan_tol=plan_tol, tie_break=tie_break, length_rule=length_rule,
                  max_iter=max_iter, reward=reward, T0=1)

    def plan(stats, rng):
        return tsde_plan(stats, rng, R=model.R, alpha0=alpha0, plan_tol=plan_tol, tie_break=tie_break,
                         max_iter=max_iter)

    return run_episodes("tsde", model, s0, T, seed, plan, rule, params, reward)


__all__ = ["run_tsde", "sample_posterior", "tsde_plan"]
