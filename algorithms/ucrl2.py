"""UCRL2: optimistic average-reward learning with L1 confidence sets and doubling episodes.

Jaksch, Ortner, Auer (2010), "Near-optimal Regret Bounds for Reinforcement Learning", JMLR 11,
1563-1600 (bibkey ``jaksch2010``; no arXiv version).  Implements Fig. 1 (UCRL2) with extended value
iteration (Sec. 3.1.2, Fig. 2; :mod:`algorithms.evi`).  Figure, equation and theorem numbers are our
reading of the paper (the text could not be re-read through our tools in this project: reconstructed).

Episode ``k`` starts at time ``t_k`` with counts ``N_k(s, a)`` (visits before ``t_k``), empirical
``p_hat``, ``r_hat``; the plausible set (Fig. 1 step 3) is

    |r~(s, a) - r_hat(s, a)|        <= sqrt( 7 log(2 S A t_k / delta) / (2 max(1, N_k(s, a))) )
    ||p~(.|s, a) - p_hat(.|s, a)||_1 <= sqrt( 14 S log(2 A t_k / delta) / max(1, N_k(s, a)) )

(``radius="jaksch"``, the default).  EVI runs until ``sp(u_{i+1} - u_i) < 1/sqrt(t_k)`` (Fig. 1 step 4); the greedy policy of the last sweep is played until ``v_k(s, pi(s)) >= max(1, N_k(s, pi(s)))``
for the pair about to be played (Fig. 1 step 5; ``episode_rule="jaksch"``).

``radius="osband2013"``: the variant of the PSRL paper's experiments (Osband, Russo, Van Roy 2013,
bibkey ``osband2013``).  That paper does not print its UCRL2 constants; we RECONSTRUCT them from its first
author's public UCRL2 code (TabulaRL, finite-horizon version): transitions
``sqrt(4 S log(2 S A (k + 1) / delta) / max(1, N))``, rewards ``sqrt(4 log(2 S A (k + 1) / delta) / max(1, N))``
with ``k`` the 1-based episode index (that code passes the episode counter as its "time"), and the same EVI
stopping rule ``1/sqrt(t_k)`` as above (our choice: the code is finite-horizon and needs none).  With it,
20 seeds on the 6-state RiverSwim at ``T = 1e4`` give a mean pseudo-regret of 3.62e3 against the published
3.64e3; reading "time" as ``t_k`` instead gives 3.98e3 (tests/test_average_learners.py).  Treat it as a
reconstruction.

Constants (defaults are the paper's): ``delta`` (confidence; the paper's Theorem 2 holds w.p. ``1 - delta``),
the 14 and 7/2 of the radii (Fig. 1 step 3), ``eps = stop_scale / sqrt(t_k)`` with ``stop_scale = 1``
(Fig. 1 step 4).  Rewards are assumed in ``[0, 1]`` (checked).

Deliberately broken variants (for checkers): ``radius_scale`` multiplies both radii (``< 1``: too narrow,
optimism fails); ``log_term=False`` replaces each ``log(...)`` by 1; ``drop_s_factor=True`` drops the ``S``
inside the transition radius (as several public UCRL2 implementations do); ``tie_break="first"`` breaks greedy
ties toward action 0; ``episode_rule="immediate"`` ends an episode right after a pair's count doubles.

The ``jaksch`` radii and the ``1/sqrt(t_k)`` stopping rule agree with independent public UCRL2
implementations (third-party code, read for the facts only).

Deviations: optimistic rewards are not clipped to 1 (as in the paper); ``max_iter`` bounds each EVI call
(raises naming itself).  ``tau`` (aperiodicity transform inside EVI, default 1 = none) is not in the paper.
"""
from __future__ import annotations

import numpy as np

from mdplab.errors import ModelError
from mdplab.regret import LearnerRun

from ._average_runner import Statistics, check_delta, check_run_arguments, run_episodes
from .evi import extended_value_iteration

BIBKEYS = ("jaksch2010", "osband2013")

RADII = ("jaksch", "osband2013")


def confidence_radii(N: np.ndarray, t_k: int, delta: float, radius: str = "jaksch", radius_scale: float = 1.0,
                     log_term: bool = True, k: int = 1, drop_s_factor: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(d_p (S, A), d_r (S, A))``: the L1 radius of the transition rows and the reward half-width at
    episode start ``t_k`` (1-based) with counts ``N (S, A)``.  ``radius="jaksch"``: Jaksch et al. 2010,
    Fig. 1 step 3; ``"osband2013"``: our reconstruction of the PSRL paper's UCRL2 (module docstring)."""
    S, A = N.shape
    n = np.maximum(1, N).astype(np.float64)
    if radius == "jaksch":
        lp = np.log(2.0 * A * t_k / delta) if log_term else 1.0
        lr = np.log(2.0 * S * A * t_k / delta) if log_term else 1.0
        d_p = np.sqrt(14.0 * (1 if drop_s_factor else S) * lp / n)   # Fig. 1 step 3, transitions
        d_r = np.sqrt(7.0 * lr / (2.0 * n))                    # Fig. 1 step 3, rewards
    elif radius == "osband2013":
        lg = np.log(2.0 * S * A * (k + 1) / delta) if log_term else 1.0   # TabulaRL: "time" = episode index
        d_p = np.sqrt(4.0 * (1 if drop_s_factor else S) * lg / n)    # reconstruction (TabulaRL UCRL2)
        d_r = np.sqrt(4.0 * lg / n)
    else:
        raise ModelError(f"radius must be one of {RADII}; got {radius!r}")
    return radius_scale * d_p, radius_scale * d_r


def ucrl2_plan(stats: Statistics, rng: np.random.Generator, *, delta: float, radius: str, radius_scale: float,
               log_term: bool, stop_scale: float, tie_break: str, tau: float, max_iter: int,
               drop_s_factor: bool = False) -> tuple[np.ndarray, int]:
    """One UCRL2 planning step (Fig. 1 steps 2-4): radii, optimistic rewards, EVI to ``stop_scale/sqrt(t_k)``."""
    d_p, d_r = confidence_radii(stats.N, stats.t, delta, radius, radius_scale, log_term, stats.k, drop_s_factor)
    res = extended_value_iteration(stats.p_hat(), stats.r_hat() + d_r, kind="l1", radius=d_p,
                                   eps=stop_scale / np.sqrt(stats.t), rng=rng, tie_break=tie_break, tau=tau,
                                   max_iter=max_iter)
    return res.policy, res.n_ties


def run_ucrl2(P: np.ndarray, R: np.ndarray, s0: int, T: int, seed: int, delta: float = 0.05, *,
              radius: str = "jaksch", radius_scale: float = 1.0, log_term: bool = True, stop_scale: float = 1.0,
              tie_break: str = "random", episode_rule: str = "jaksch", tau: float = 1.0,
              max_iter: int = 1_000_000, reward: str = "mean", drop_s_factor: bool = False) -> LearnerRun:
    """Run UCRL2 for ``T`` steps from ``s0`` on ``P (S, A, S)``, ``R (S, A)`` (mean rewards in [0, 1]);
    exact pseudo-regret and gain regret on the true model.  ``reward="bernoulli"`` observes Bernoulli
    rewards with those means.  (``delta = 0.05`` is the value of the PSRL paper's experiments; the
    theorem holds for any ``delta`` in (0, 1).)"""
    model = check_run_arguments(P, R, s0, T, seed, episode_rule)
    delta = check_delta(delta)
    if radius not in RADII:
        raise ModelError(f"radius must be one of {RADII}; got {radius!r}")
    if not (radius_scale >= 0 and np.isfinite(radius_scale)):
        raise ModelError(f"radius_scale must be a finite number >= 0; got {radius_scale!r}")
    if not (stop_scale > 0 and np.isfinite(stop_scale)):
        raise ModelError(f"stop_scale must be positive and finite; got {stop_scale!r}")
    params = dict(delta=delta, radius=radius, radius_scale=radius_scale, log_term=log_term, stop_scale=stop_scale,
                  tie_break=tie_break, episode_rule=episode_rule, tau=tau, max_iter=max_iter, reward=reward,
                  drop_s_factor=drop_s_factor)

    def plan(stats, rng):
        return ucrl2_plan(stats, rng, delta=delta, radius=radius, radius_scale=radius_scale, log_term=log_term,
                          stop_scale=stop_scale, tie_break=tie_break, tau=tau, max_iter=max_iter,
                          drop_s_factor=drop_s_factor)

    return run_episodes("ucrl2", model, s0, T, seed, plan, episode_rule, params, reward)


__all__ = ["run_ucrl2", "confidence_radii", "ucrl2_plan", "RADII"]
