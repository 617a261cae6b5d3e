"""UCRL-RFE: reward-free exploration in linear mixture MDPs with an unweighted (Hoeffding) regression.

W. Zhang, D. Zhou, Q. Gu, "Reward-Free Model-Based Reinforcement Learning with Linear Function
Approximation", NeurIPS 2021, arXiv:2110.06394 (v1).  Bibkey ``zhang2021rfe``.  Restated in W. Zhang's 2024
thesis, Sec. 2.4 (the numbering used here); notes ``docs/theory/zhang2023rfe.md`` (baselines section).

Per-step rewards in ``[0, 1]``, values in ``[0, H]``:

* ``PLAN(theta, Sigma, r, beta)``: ``Q_h = clip_[0,H](r_h + <phi_{V_{h+1}}, theta> + beta ||phi_{V_{h+1}}||_{Sigma^{-1}})``,
  greedy policy;
* exploration reward ``r^k_h(s, a) = min(1, (2 beta / H) max_{f : S -> [0, H-h]} ||phi_f(s, a)||_{Sigma^{-1}})``;
  the maximum of the convex map ``f -> ||phi_f||`` over the box is attained at a vertex (``2^S`` of them,
  enumerated exactly); the regression target ``u^k_h`` is the maximising ``f``;
* ridge update ``Sigma += phi_u phi_u^T``, ``b += phi_u u(s_{h+1})``, ``theta_hat = Sigma^{-1} b`` (episode end);
* ``beta = H sqrt(d log(3 (1 + K H^3 B^2) / delta)) + 1``, ``lambda = B^{-2}``.

Planning phase for a reward ``r`` with total at most 1 (this library's normalisation): ``PLAN(theta_hat_K,
Sigma_K, H r, beta)`` (per-step rewards ``H r in [0, 1]``), and the exact gap is measured under ``r``.

Provenance: reconstructed from the thesis's summary (Sec. 2.4); the paper's text was not checked line by
line (whether the exploration phase plans with the bonus is our reading).  Deviations: ``beta_scale``
multiplies ``beta``; exact vertex enumeration of the maximum (the paper assumes an oracle); no certificate.
"""
from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from mdplab.arrays import readonly
from mdplab.errors import BudgetExceededError, check_seed
from mdplab.interaction import run_episode
from mdplab.linear_mixture import LinearMixtureMDP, box_vertices, value_features

from .._episodic import EpisodeUniforms, check_delta, check_positive, check_positive_int, stationary_model, streams
from ._kernels import max_vertex_norm_kernel, ridge_episode_kernel, ucrl_rfe_plan_kernel
from .exploration import ExplorationRun, _check_checkpoints, _check_model, _horizon, evaluation_rewards
from .planning import _stage_rewards, gaps_of_policies, start_state

BIBKEY = "zhang2021rfe"
#: largest ``S`` whose ``2^S`` box vertices the exploration reward enumerates
MAX_VERTEX_STATES = 12


def ucrl_rfe_beta(d: int, H: int, K: int, B: float, delta: float) -> float:
    """``beta = H sqrt(d log(3 (1 + K H^3 B^2) / delta)) + 1`` [thesis Sec. 2.4]."""
    return H * math.sqrt(d * math.log(3.0 * (1.0 + K * H ** 3 * B ** 2) / delta)) + 1.0


def plan_ucrl_rfe(Phi: np.ndarray, theta: np.ndarray, Sigma_inv: np.ndarray, beta: float, rewards: np.ndarray,
                  H: int, tie_u: np.ndarray) -> np.ndarray:
    """Policies ``(n, H, S)`` of ``PLAN(theta, Sigma, rewards_j, beta)`` for per-step rewards ``(n, H, S, A)``."""
    P_theta = np.ascontiguousarray(Phi @ theta)
    n, _, S, _ = rewards.shape
    pis = np.empty((n, H, S), dtype=np.int64)
    V = np.empty((H + 1, S))
    for j in range(n):
        ucrl_rfe_plan_kernel(P_theta, Phi, Sigma_inv, beta, np.ascontiguousarray(rewards[j]), float(H), tie_u[j],
                             pis[j], V)
    return pis


def run_ucrl_rfe(model: LinearMixtureMDP, K: int, seed: int, *, H: int | None = None, delta: float = 0.05,
                 beta_scale: float = 1.0, B: float | None = None, eval_rewards: Any = None, checkpoints: Any = None,
                 max_states: int = MAX_VERTEX_STATES) -> ExplorationRun:
    """Run UCRL-RFE for ``K`` exploration episodes; plan and measure the exact worst-case gap at checkpoints."""
    t0 = time.perf_counter()
    model = _check_model(model)
    H = _horizon(model, H)
    K = check_positive_int("K (episodes)", K)
    seed = check_seed(seed)
    delta = check_delta(delta)
    beta_scale = check_positive("beta_scale", beta_scale, allow_zero=True)
    S, A, d = model.n_states, model.n_actions, model.d
    if S > max_states:
        raise BudgetExceededError(f"UCRL-RFE's exploration reward enumerates 2^S box vertices; S = {S} is above "
                                  f"max_states = {max_states} (raise max_states)")
    B = float(B) if B is not None else max(1.0, float(np.linalg.norm(model.theta)))
    s1 = start_state(model)
    beta = beta_scale * ucrl_rfe_beta(d, H, K, B, delta)
    lam = 1.0 / B ** 2
    Phi = np.ascontiguousarray(model.Phi)
    verts = box_vertices(S)
    vertex_features = np.ascontiguousarray(value_features(Phi, verts))   # (2^S, S, A, d)
    R_eval = evaluation_rewards(model, H, eval_rewards)
    R_eval_steps = np.ascontiguousarray(_stage_rewards(R_eval, H, S, A) * H)    # per-step rewards in [0, 1]
    ck = _check_checkpoints(checkpoints, K)
    env_rng, rng = streams(seed)
    true_model = stationary_model(model.P, np.zeros((S, A)), np.eye(S)[s1], H, "ucrl-rfe")
    uniforms = EpisodeUniforms(env_rng, H, K)
    Sigma = lam * np.eye(d)
    Sigma_inv = np.eye(d) / lam
    b = np.zeros(d)
    theta_hat = np.zeros(d)
    norms = np.empty((S, A))
    argmax = np.empty((S, A), dtype=np.int64)
    pi = np.empty((H, S), dtype=np.int64)
    V = np.empty((H + 1, S))
    scale = (H - 1 - np.arange(H)).astype(np.float64)   # f in [0, H - h] for 1-based h, i.e. H - 1 - h here
    gaps, thetas = [], []
    next_ck = 0
    for k in range(1, K + 1):
        max_vertex_norm_kernel(vertex_features, Sigma_inv, norms, argmax)
        r_explore = np.minimum(1.0, (2.0 * beta / H) * scale[:, None, None] * norms[None])   # (H, S, A)
        ucrl_rfe_plan_kernel(np.ascontiguousarray(Phi @ theta_hat), Phi, Sigma_inv, beta, r_explore, float(H),
                             rng.random((H, S)), pi, V)
        ep = run_episode(true_model, pi, uniforms[k - 1])
        targets = np.ascontiguousarray(scale[:, None] * verts[argmax[ep.states[:-1], ep.actions]])   # u^k_h
        ridge_episode_kernel(Phi, ep.states, ep.actions, targets, Sigma, Sigma_inv, b)
        Sigma_inv = np.linalg.inv(Sigma)
        theta_hat = Sigma_inv @ b
        if next_ck < ck.size and ck[next_ck] == k:
            pis = plan_ucrl_rfe(Phi, theta_hat, Sigma_inv, beta, R_eval_steps, H, rng.random((R_eval.shape[0], H, S)))
            gaps.append(float(gaps_of_policies(model, R_eval, pis, H).max()))
            thetas.append(theta_hat.copy())
            next_ck += 1
    info = dict(delta=delta, beta_scale=beta_scale, B=B, beta=beta, lam=lam, H=H, n_eval_rewards=int(R_eval.shape[0]))
    n = len(gaps)
    return ExplorationRun(learner="ucrl-rfe", seed=seed, K=K, checkpoints=readonly(ck), gap=readonly(np.asarray(gaps)),
                          certificate=readonly(np.full(n, np.nan)), theta_plan=readonly(np.asarray(thetas).reshape(n, d)),
                          v_hat=readonly(np.full(K, np.nan)), covered=readonly(np.zeros(K, dtype=bool)), params=info,
                          seconds=time.perf_counter() - t0)


__all__ = ["run_ucrl_rfe", "ucrl_rfe_beta", "plan_ucrl_rfe", "BIBKEY"]
