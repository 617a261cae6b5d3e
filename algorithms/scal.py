"""SCAL: UCRL2 with span-constrained extended value iteration.

Fruit, Pirotta, Lazaric, Ortner (2018), "Efficient Bias-Span-Constrained Exploration-Exploitation in
Reinforcement Learning", ICML 2018, arXiv:1802.04020 (bibkey ``fruit2018scal``); confidence sets, episodes
and EVI of Jaksch et al. 2010 (bibkey ``jaksch2010``).

Planning (ScOpt): iterate ``u_{i+1} = Gamma_c(L u_i)`` where ``L`` is UCRL2's extended Bellman operator and
``Gamma_c v = min(v, min v + c)`` truncates the span to the prior bound ``c >= sp(h*)`` (exposed as ``c``;
the LOOP issue reuses this planner through :func:`scal_plan`), stopped at ``sp(u_{i+1} - u_i) < 1/sqrt(t_k)``.

Confidence sets: UCRL2's (``radius="jaksch"`` or ``"osband2013"``, see :mod:`algorithms.ucrl2`).

Deviations (this is a simplified SCAL, documented as such): (1) the policy is the greedy action of the
untruncated backup; SCAL's policy randomises at truncated states, we do not; (2) SCAL's confidence set is
augmented so that the truncated operator is well defined on every state (a perturbation of the
transitions), not done here; (3) the aperiodicity transform ``tau`` defaults to 0.5 here (truncated
iterates can cycle without it); the stopping threshold is scaled accordingly (:mod:`algorithms.evi`).
Deliberately broken variants: ``c`` below ``sp(h*)`` (optimism lost), and those of :mod:`algorithms.ucrl2`.
"""
from __future__ import annotations

import numpy as np

from mdplab.errors import ModelError
from mdplab.regret import LearnerRun

from ._average_runner import Statistics, check_delta, check_run_arguments, run_episodes
from .evi import extended_value_iteration
from .ucrl2 import RADII, confidence_radii

BIBKEYS = ("fruit2018scal", "jaksch2010")


def scal_plan(stats: Statistics, rng: np.random.Generator, *, c: float, delta: float, radius: str = "jaksch",
              radius_scale: float = 1.0, log_term: bool = True, stop_scale: float = 1.0, tie_break: str = "random",
              tau: float = 0.5, max_iter: int = 1_000_000) -> tuple[np.ndarray, int]:
    """One SCAL planning step: UCRL2's radii, span-truncated EVI with bound ``c``."""
    d_p, d_r = confidence_radii(stats.N, stats.t, delta, radius, radius_scale, log_term, stats.k)
    res = extended_value_iteration(stats.p_hat(), stats.r_hat() + d_r, kind="l1", radius=d_p,
                                   eps=stop_scale / np.sqrt(stats.t), rng=rng, tie_break=tie_break, tau=tau,
                                   span_c=c, max_iter=max_iter)
    return res.policy, res.n_ties


def run_scal(P: np.ndarray, R: np.ndarray, s0: int, T: int, seed: int, c: float | None = None, delta: float = 0.05, *,
             radius: str = "jaksch", radius_scale: float = 1.0, log_term: bool = True, stop_scale: float = 1.0,
             tie_break: str = "random", episode_rule: str = "jaksch", tau: float = 0.5, max_iter: int = 1_000_000,
             reward: str = "mean") -> LearnerRun:
    """Run SCAL with span bound ``c`` (required: no default exists, it is prior knowledge of ``sp(h*)``) for
    ``T`` steps from ``s0``."""
    model = check_run_arguments(P, R, s0, T, seed, episode_rule)
    delta = check_delta(delta)
    if c is None:
        raise ModelError("SCAL needs the span bound c >= sp(h*) (prior knowledge; e.g. --param c=10)")
    if isinstance(c, bool) or not (c >= 0 and np.isfinite(c)):
        raise ModelError(f"c (span bound) must be a finite number >= 0; got {c!r}")
    if radius not in RADII:
        raise ModelError(f"radius must be one of {RADII}; got {radius!r}")
    params = dict(c=c, delta=delta, radius=radius, radius_scale=radius_scale, log_term=log_term,
                  stop_scale=stop_scale, tie_break=tie_break, episode_rule=episode_rule, tau=tau, max_iter=max_iter,
                  reward=reward)

    def plan(stats, rng):
        return scal_plan(stats, rng, c=c, delta=delta, radius=radius, radius_scale=radius_scale, log_term=log_term,
                         stop_scale=stop_scale, tie_break=tie_break, tau=tau, max_iter=max_iter)

    return run_episodes("scal", model, s0, T, seed, plan, episode_rule, params, reward)


__all__ = ["run_scal", "scal_plan"]
