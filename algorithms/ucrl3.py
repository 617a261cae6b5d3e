"""UCRL3-style learner: component-wise Bernstein (time-uniform) confidence sets inside UCRL2.

Bourel, Maillard, Talebi (2020), "Tightening Exploration in Upper Confidence Reinforcement Learning",
ICML 2020, arXiv:2007.05456 (bibkey ``bourel2020``); episode structure and EVI of Jaksch et al. 2010
(bibkey ``jaksch2010``).

What is implemented (a RECONSTRUCTION: we could not re-read the paper's displays through our tools):

* transitions: for each next state ``s'`` the interval of ``m`` with
  ``|p_hat(s') - m| <= sqrt(2 ell m (1 - m) / N) + ell / (3 N)`` (Bernstein with the *true* variance, inverted
  numerically by bisection), where the time-uniform peeling width is
  ``ell(N, d) = eta log( log(max(e, N)) log(eta max(e, N)) / (d log(eta)^2) )``, ``eta = 1.12``,
  ``d = delta / (3 S^2 A)``; the plausible rows are the simplex intersected with this box, maximised by
  :func:`algorithms.evi.box_inner_max`;
* rewards (in [0, 1], sub-Gaussian with ``sigma^2 = 1/4``; Laplace-method time-uniform width):
  ``|r - r_hat| <= sqrt((1 + 1/N) log(3 S A sqrt(N + 1) / delta) / (2 N)) ``;
* unvisited pairs: the whole simplex and reward ``r_hat + 1``;
* UCRL2's doubling episodes and EVI stopped at ``sp(u_{i+1} - u_i) < 1/sqrt(t_k)``.

NOT implemented: UCRL3's adaptive support (discarding low-probability next states) and the
near-optimistic EVI built on it; the exact splitting of ``delta`` between rewards and transitions.

Deliberately broken variants: ``radius_scale`` multiplies ``ell`` and the reward width; ``tie_break="first"``.
Deviations: see "NOT implemented" above; all constants are reconstructions and parameters.
"""
from __future__ import annotations

import numpy as np

from mdplab.errors import ModelError
from mdplab.regret import LearnerRun

from ._average_runner import Statistics, check_delta, check_run_arguments, run_episodes
from .evi import extended_value_iteration

BIBKEYS = ("bourel2020", "jaksch2010")

ETA = 1.12   # peeling ratio (reconstructed)


def peeling_width(N: np.ndarray, d: float, eta: float = ETA) -> np.ndarray:
    """``ell(N, d) = eta log(log(max(e, N)) log(eta max(e, N)) / (d log(eta)^2))`` (reconstructed)."""
    n = np.maximum(np.e, N.astype(np.float64))
    return eta * np.log(np.log(n) * np.log(eta * n) / (d * np.log(eta) ** 2))


def bernstein_box(p_hat: np.ndarray, N: np.ndarray, ell: np.ndarray, iters: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Component-wise interval ``{m in [0, 1] : |p_hat - m| <= sqrt(2 ell m (1 - m) / N) + ell / (3 N)}``
    (its hull), by bisection on each side; ``N = 0`` gives ``[0, 1]``.  Shapes: ``p_hat (S, A, S)``,
    ``N, ell (S, A)``."""
    n = np.maximum(1, N).astype(np.float64)[:, :, None]
    L = np.broadcast_to(ell[:, :, None], p_hat.shape)

    def ok(m):
        return np.abs(p_hat - m) <= np.sqrt(2.0 * L * m * (1.0 - m) / n) + L / (3.0 * n)

    # upper end: largest m in [p_hat, 1] that is plausible (assumes the plausible set is an interval)
    a, b = p_hat.copy(), np.ones_like(p_hat)
    top_ok = ok(b)
    for _ in range(iters):
        mid = 0.5 * (a + b)
        good = ok(mid)
        a = np.where(good, mid, a)
        b = np.where(good, b, mid)
    hi = np.where(top_ok, 1.0, a)
    a, b = np.zeros_like(p_hat), p_hat.copy()
    bot_ok = ok(a)
    for _ in range(iters):
        mid = 0.5 * (a + b)
        good = ok(mid)
        b = np.where(good, mid, b)
        a = np.where(good, a, mid)
    lo = np.where(bot_ok, 0.0, b)
    unvisited = (N == 0)[:, :, None]
    return np.where(unvisited, 0.0, lo), np.where(unvisited, 1.0, hi)


def ucrl3_plan(stats: Statistics, rng: np.random.Generator, *, delta: float, radius_scale: float, stop_scale: float,
               tie_break: str, tau: float, max_iter: int) -> tuple[np.ndarray, int]:
    S, A = stats.N.shape
    ell = radius_scale * peeling_width(stats.N, delta / (3.0 * S * S * A))
    lo, hi = bernstein_box(stats.p_hat(), stats.N, ell)
    n = np.maximum(1, stats.N).astype(np.float64)
    d_r = radius_scale * np.sqrt((1.0 + 1.0 / n) * np.log(3.0 * S * A * np.sqrt(n + 1.0) / delta) / (2.0 * n))
    d_r = np.where(stats.N > 0, d_r, 1.0)
    res = extended_value_iteration(stats.p_hat(), stats.r_hat() + d_r, kind="box", lo=lo, hi=hi,
                                   eps=stop_scale / np.sqrt(stats.t), rng=rng, tie_break=tie_break, tau=tau,
                                   max_iter=max_iter)
    return res.policy, res.n_ties


def run_ucrl3(P: np.ndarray, R: np.ndarray, s0: int, T: int, seed: int, delta: float = 0.05, *,
              radius_scale: float = 1.0, stop_scale: float = 1.0, tie_break: str = "random",
              episode_rule: str = "jaksch", tau: float = 1.0, max_iter: int = 1_000_000,
              reward: str = "mean") -> LearnerRun:
    """Run the UCRL3-style learner (module docstring) for ``T`` steps from ``s0``."""
    model = check_run_arguments(P, R, s0, T, seed, episode_rule)
    delta = check_delta(delta)
    if not (radius_scale >= 0 and np.isfinite(radius_scale)):
        raise ModelError(f"radius_scale must be a finite number >= 0; got {radius_scale!r}")
    params = dict(delta=delta, radius_scale=radius_scale, stop_scale=stop_scale, tie_break=tie_break,
                  episode_rule=episode_rule, tau=tau, max_iter=max_iter, reward=reward, eta=ETA)

    def plan(stats, rng):
        return ucrl3_plan(stats, rng, delta=delta, radius_scale=radius_scale, stop_scale=stop_scale,
                          tie_break=tie_break, tau=tau, max_iter=max_iter)

    return run_episodes("ucrl3", model, s0, T, seed, plan, episode_rule, params, reward)


__all__ = ["run_ucrl3", "peeling_width", "bernstein_box", "ucrl3_plan", "ETA"]
