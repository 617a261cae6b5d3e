"""KL-UCRL: UCRL2 with Kullback-Leibler confidence sets on the transition rows.

Filippi, Cappe, Garivier (2010), "Optimism in Reinforcement Learning and Kullback-Leibler Divergence",
Allerton 2010, arXiv:1004.5229 (bibkey ``filippi2010``).  Implements the KL-optimistic extended value
iteration (the linear maximisation under a KL constraint, :func:`algorithms.evi.kl_inner_max`) inside
UCRL2's episode structure (Jaksch et al. 2010, bibkey ``jaksch2010``: doubling episodes, EVI stopped at
``sp(u_{i+1} - u_i) < 1/sqrt(t_k)``).

Confidence sets at episode start ``t_k`` with counts ``N = N_k(s, a)``:

    KL(p_hat(.|s, a) || p) <= C_P / N,          |r - r_hat(s, a)| <= sqrt(C_R / N),
    C_P = S (B + log(B + 1/log t_k) (1 + 1/(B + 1/log t_k))),   B = log(2 e S^2 A log(t_k) / delta),
    C_R = log(4 S A log(t_k) / delta) / 1.99.

Provenance of these constants: RECONSTRUCTED (recalled from the paper's Sec. 4; we could not re-read them
through our search tools); they are parameters (``c_p``, ``c_r`` override them).  ``log t_k`` is evaluated
at ``max(t_k, 3)`` so it is positive and ``log log`` finite (our choice; the paper starts at larger ``t``).
Unvisited pairs (``N = 0``) get the whole simplex and reward ``r_hat + 1`` (``r`` lies in ``[0, 1]``).

Deliberately broken variants: ``radius_scale`` multiplies ``C_P`` and ``C_R``; ``tie_break="first"``.
Deviations: the episode rule is UCRL2's (``episode_rule="jaksch"``), which KL-UCRL inherits.
"""
from __future__ import annotations

import numpy as np

from mdplab.errors import ModelError
from mdplab.regret import LearnerRun

from ._average_runner import Statistics, check_delta, check_run_arguments, run_episodes
from .evi import extended_value_iteration

BIBKEYS = ("filippi2010", "jaksch2010")


def kl_constants(S: int, A: int, t_k: int, delta: float) -> tuple[float, float]:
    """``(C_P, C_R)`` of the module docstring (reconstructed), with ``log t`` at ``max(t_k, 3)``."""
    lt = np.log(max(t_k, 3))
    B = np.log(2.0 * np.e * S * S * A * lt / delta)
    c_p = S * (B + np.log(B + 1.0 / lt) * (1.0 + 1.0 / (B + 1.0 / lt)))
    c_r = np.log(4.0 * S * A * lt / delta) / 1.99
    return float(c_p), float(c_r)


def kl_ucrl_plan(stats: Statistics, rng: np.random.Generator, *, delta: float, radius_scale: float,
                 c_p: float | None, c_r: float | None, stop_scale: float, tie_break: str, tau: float,
                 max_iter: int) -> tuple[np.ndarray, int]:
    S, A = stats.N.shape
    cp0, cr0 = kl_constants(S, A, stats.t, delta)
    cp = radius_scale * (cp0 if c_p is None else c_p)
    cr = radius_scale * (cr0 if c_r is None else c_r)
    with np.errstate(divide="ignore"):
        eps_p = np.where(stats.N > 0, cp / np.maximum(1, stats.N), np.inf)
    d_r = np.where(stats.N > 0, np.sqrt(cr / np.maximum(1, stats.N)), 1.0)
    res = extended_value_iteration(stats.p_hat(), stats.r_hat() + d_r, kind="kl", radius=eps_p,
                                   eps=stop_scale / np.sqrt(stats.t), rng=rng, tie_break=tie_break, tau=tau,
                                   max_iter=max_iter)
    return res.policy, res.n_ties


def run_kl_ucrl(P: np.ndarray, R: np.ndarray, s0: int, T: int, seed: int, delta: float = 0.05, *,
                radius_scale: float = 1.0, c_p: float | None = None, c_r: float | None = None,
                stop_scale: float = 1.0, tie_break: str = "random", episode_rule: str = "jaksch", tau: float = 1.0,
                max_iter: int = 1_000_000, reward: str = "mean") -> LearnerRun:
    """Run KL-UCRL for ``T`` steps from ``s0``; exact pseudo-regret and gain regret (see
    :mod:`algorithms._average_runner`)."""
    model = check_run_arguments(P, R, s0, T, seed, episode_rule)
    delta = check_delta(delta)
    if not (radius_scale >= 0 and np.isfinite(radius_scale)):
        raise ModelError(f"radius_scale must be a finite number >= 0; got {radius_scale!r}")
    params = dict(delta=delta, radius_scale=radius_scale, c_p=c_p, c_r=c_r, stop_scale=stop_scale,
                  tie_break=tie_break, episode_rule=episode_rule, tau=tau, max_iter=max_iter, reward=reward)

    def plan(stats, rng):
        return kl_ucrl_plan(stats, rng, delta=delta, radius_scale=radius_scale, c_p=c_p, c_r=c_r,
                            stop_scale=stop_scale, tie_break=tie_break, tau=tau, max_iter=max_iter)

    return run_episodes("kl-ucrl", model, s0, T, seed, plan, episode_rule, params, reward)


__all__ = ["run_kl_ucrl", "kl_constants", "kl_ucrl_plan"]
