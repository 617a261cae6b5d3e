"""HF-UCRL-RFE++: horizon-free reward-free exploration in linear mixture MDPs (exploration and planning phases).

J. Zhang, W. Zhang, Q. Gu, "Optimal Horizon-Free Reward-Free Exploration for Linear Mixture MDPs", ICML 2023,
arXiv:2303.10165 (v1).  Bibkey ``zhang2023rfe``.  Notes: ``docs/theory/zhang2023rfe.md``.  Numbering is that
of W. Zhang's 2024 UCLA thesis (ch. 2 contains the paper): Algorithm 4, Eqs. (2.6.1)-(2.6.6), Algorithm 5
(HOME, in ``home.py``), Theorem 2.6.3 (parameters, ``parameters.py``).

Exploration phase, episode ``k`` (stacks ``t`` = hat, built on the uncertainty value ``Vhat``, and tilde,
built on the pseudo value ``Vtilde``; levels ``m = 0..M-1``):

1. oracle (Line 5): ``(pi^k, theta^k, r^k) in argmax V_hat_{k,1}(s_1; theta, pi, r)`` with
   ``u_{k,h} = min(1, beta ||phi_{V_{h+1}}||_{Sdot_tilde_{k,0}^{-1}})`` (2.6.1) and
   ``Vhat_{k,h} = min(1, u_{k,h} + 2 beta ||phi_{Vhat_{k,h+1}}||_{Sdot_hat_{k,0}^{-1}} + <phi_{Vhat_{k,h+1}}, theta>)``
   (2.6.2), ``beta = beta_K``;
2. play ``pi^k``; at each step, for each stack and level, the feature ``phi_{W^{2^m}}(s_h, a_h)`` and target
   ``W_{h+1}(s_{h+1})^{2^m}`` enter the weighted ridge regression with HOME weights (2.6.3)-(2.6.4);
3. end of episode: freeze the Grams, ``theta_{k+1,m} = Sigma^{-1} b``; the confidence set ``U_{k+1}`` is the
   intersection of the ellipsoids ``||theta - theta_{k+1,m}||_{Sdot_{k+1,m}} <= beta_{k+1}`` (2.6.5)-(2.6.6).

Planning phase (Line 23): for any reward, ``pi_r = argmax_pi V_1(s_1; theta^K, pi, r)`` (clipped DP, no
bonus; ``planning.py``).  Certificate [thesis Lemma 2.8.7]: under the good event, every reward's gap is at
most ``4 Vhat_{K,1}(s_1; theta^K, pi^K, r^K)``.

Deviations: the oracle is a *surrogate* (the joint maximisation over ``(pi, theta in U_k, r)`` is
intractable): ``theta^k`` is the pooled weighted ridge regression over both stacks and all levels (one
ridge ``lambda I``, :func:`surrogate_theta`; it
need not lie in ``U_k``; ``centre="hat0"`` gives the plain ``theta_hat_{k,0}``, which learns
nothing while ``Vhat`` is saturated at 1), ``r`` over a finite family (default the vertices of the
state reward box, or the single-state indicators plus zero when ``S > 6``), and for each ``r`` two policies:
the greedy policy of the pseudo value and the stage-wise greedy policy of ``Vhat`` (2.6.2) (a one-sweep
stand-in for the plan's coordinate ascent); the candidate with the largest ``Vhat_{k,1}(s_1)`` is played.
The oracle's guarantee is void.  Only the latest
ellipsoid of each kind is kept (coverage is checked against those).  The gap is measured at checkpoints of
one run of ``K`` episodes whose ``M`` and ``beta = beta_K`` are fixed by the final ``K`` (the paper fixes ``K``
in advance; an anytime run would restart by doubling).  ``Sigma^{-1}`` is maintained by Sherman-Morrison
within an episode and re-inverted from ``Sigma`` at each episode's end.  ``beta_scale`` multiplies every
``beta``.  Fixed start state ``s_1`` (state 0, or ``mu``'s point mass).

Broken variants: ``weighted=False`` (unit weights: the unweighted regression), ``square=False`` (HOME's
variance without the square of the first moment).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from mdplab.arrays import readonly
from mdplab.errors import BudgetExceededError, ModelError, NotApplicableError, check_seed
from mdplab.interaction import run_episode
from mdplab.linear_mixture import LinearMixtureMDP, box_vertices, check_total_reward

from .._episodic import EpisodeUniforms, check_choice, check_delta, check_positive, check_positive_int, stationary_model, streams
from ._kernels import oracle_candidates_kernel, weighted_vtr_episode_kernel
from .parameters import theory_parameters
from .planning import MAX_BOX_STATES, plan_under_theta, reward_box_vertices, reward_free_gaps, start_state

BIBKEY = "zhang2023rfe"
#: largest ``S`` whose reward-box vertices are the oracle's default reward family
ORACLE_BOX_MAX_STATES = 6


@dataclass(frozen=True)
class ExplorationRun:
    """What every explorer returns.

    ``checkpoints (n,)``: episode counts ``K`` at which the planning phase was run; ``gap (n,)``: the exact
    worst-case gap over the evaluation reward family of the policies planned after ``K`` episodes;
    ``certificate (n,)``: the algorithm's own bound on that gap (NaN when it has none); ``v_hat (K,)``: the
    oracle's value ``Vhat_{k,1}(s_1)`` per episode (NaN when none); ``covered (K,)``: whether ``theta*`` lay in
    every stored ellipsoid after episode ``k``; ``theta_plan (n, d)``; ``params``: every constant used."""

    learner: str
    seed: int
    K: int
    checkpoints: np.ndarray
    gap: np.ndarray
    certificate: np.ndarray
    theta_plan: np.ndarray
    v_hat: np.ndarray
    covered: np.ndarray
    params: Mapping[str, Any]
    seconds: float
    extras: Mapping[str, Any] = field(default_factory=dict)

    def episodes_to_epsilon(self, eps: float) -> int:
        """The first checkpoint ``K`` from which the worst-case gap stays at most ``eps`` (at ``K`` and every
        later checkpoint); ``-1`` if the last checkpoint's gap exceeds ``eps``."""
        return episodes_to_epsilon(self.checkpoints, self.gap, eps)

    @property
    def monotonicity_violations(self) -> int:
        """Episodes with ``Vhat_{k+1,1} > Vhat_{k,1}`` (beyond 1e-9): the exact oracle never has one
        [thesis Lemma 2.8.8]; the surrogate may."""
        v = self.v_hat[np.isfinite(self.v_hat)]
        return int(np.count_nonzero(np.diff(v) > 1e-9))


def episodes_to_epsilon(checkpoints: np.ndarray, gap: np.ndarray, eps: float) -> int:
    """The first checkpoint from which ``gap <= eps`` holds at every later checkpoint; ``-1`` if none."""
    if not eps >= 0:
        raise ModelError(f"epsilon must be >= 0; got {eps!r}")
    bad = np.flatnonzero(np.asarray(gap) > eps)
    if bad.size == 0:
        return int(checkpoints[0])
    if bad[-1] == len(gap) - 1:
        return -1
    return int(checkpoints[bad[-1] + 1])


def plan_after_exploration(model: LinearMixtureMDP, run: ExplorationRun, rewards: Any, H: int | None = None,
                           rng: np.random.Generator | None = None) -> np.ndarray:
    """The planning phase for rewards given after an HF-UCRL-RFE++ run: policies ``(n, H, S)`` planned under
    the run's last ``theta^K`` (clipped DP, no bonus) [thesis Alg. 4, Line 23]."""
    if run.learner.startswith("ucrl-rfe"):
        raise ModelError("UCRL-RFE plans with its Gram matrix and bonus; use algorithms.hf_ucrl_rfe.ucrl_rfe")
    H = _horizon(model, H)
    pis, _ = plan_under_theta(model.Phi, run.theta_plan[-1], rewards, H, rng)
    return pis


def default_checkpoints(K: int) -> np.ndarray:
    """Powers of two below ``K``, and ``K``."""
    pts = [2 ** j for j in range(0, 63) if 2 ** j < K] + [K]
    return np.asarray(pts, dtype=np.int64)


def _check_checkpoints(checkpoints: Any, K: int) -> np.ndarray:
    if checkpoints is None:
        return default_checkpoints(K)
    c = np.unique(np.asarray(checkpoints, dtype=np.int64))
    if c.size == 0 or c[0] < 1 or c[-1] > K:
        raise ModelError(f"checkpoints must be episode counts in 1..K = {K}; got {checkpoints!r}")
    return c


def oracle_reward_family(model: LinearMixtureMDP, H: int) -> np.ndarray:
    """The surrogate oracle's finite reward family: the state-box vertices when ``S <= 6``, else the
    single-state indicators ``1[s = s0] / H`` and zero."""
    S, A = model.n_states, model.n_actions
    if S <= ORACLE_BOX_MAX_STATES:
        return reward_box_vertices(S, A, H)
    r = np.zeros((S + 1, S, A))
    for s in range(S):
        r[s + 1, s, :] = 1.0 / H
    return r


def evaluation_rewards(model: LinearMixtureMDP, H: int, rewards: Any = None) -> np.ndarray:
    """The evaluation family: ``rewards`` as given (``(n, S, A)`` or ``(n, H, S, A)``), else the state-box
    vertices (exact enumeration, ``S <= 16``)."""
    if rewards is None:
        return reward_box_vertices(model.n_states, model.n_actions, H, MAX_BOX_STATES)
    r = np.asarray(rewards, dtype=np.float64)
    if r.ndim not in (3, 4) or r.shape[-2:] != (model.n_states, model.n_actions):
        raise ModelError(f"eval rewards must have shape (n, S, A) or (n, H, S, A); got {r.shape}")
    if not np.isfinite(r).all() or (r < 0).any():
        raise ModelError("eval rewards must be finite and non-negative")
    for j in range(r.shape[0]):                      # Assumption 2.6.1: total reward <= 1 on every trajectory
        try:
            check_total_reward(model, r[j], H)
        except NotApplicableError as exc:
            raise ModelError(f"eval reward {j}: {exc}") from None
    return r


def _horizon(model: LinearMixtureMDP, H: Any) -> int:
    H = H if H is not None else model.horizon
    if H is None:
        raise ModelError("reward-free exploration is episodic: the model has no horizon (pass H / --horizon)")
    return check_positive_int("H (horizon)", H)


def _check_model(model: Any) -> LinearMixtureMDP:
    if not isinstance(model, LinearMixtureMDP):
        raise ModelError(f"explorers take a LinearMixtureMDP (mdplab.linear_mixture); got {type(model).__name__}")
    return model


def _ellipsoid_covered(theta_star: np.ndarray, centres: np.ndarray, Sdot: np.ndarray, beta: float) -> bool:
    """``||theta* - centre||_{Sdot} <= beta`` for every stored ellipsoid (2.6.5)-(2.6.6)."""
    diff = theta_star[None, None, :] - centres
    q = np.einsum("tmi,tmij,tmj->tm", diff, Sdot, diff)
    return bool((np.sqrt(np.maximum(q, 0.0)) <= beta).all())


def surrogate_theta(Sdot: np.ndarray, b: np.ndarray, lam: float) -> np.ndarray:
    """The pooled weighted ridge regression over both stacks and all levels, with one ridge ``lambda I``:
    ``(lambda I + sum_{t,m} (Sdot_{t,m} - lambda I))^{-1} sum_{t,m} b_{t,m}`` (every level regresses the same
    ``theta*``; summing the ``2M`` ridges would shrink the estimate ``2M`` times harder)."""
    n = Sdot.shape[0] * Sdot.shape[1]
    d = Sdot.shape[-1]
    return np.linalg.solve(Sdot.sum(axis=(0, 1)) - (n - 1) * lam * np.eye(d), b.sum(axis=(0, 1)))


def run_hf_ucrl_rfe(model: LinearMixtureMDP, K: int, seed: int, *, H: int | None = None, delta: float = 0.05,
                    beta_scale: float = 1.0, B: float | None = None, M: int | None = None,
                    oracle_rewards: Any = None, eval_rewards: Any = None, checkpoints: Any = None,
                    weighted: bool = True, square: bool = True, centre: str = "pooled",
                    max_work: float = 5e10) -> ExplorationRun:
    """Run HF-UCRL-RFE++ for ``K`` exploration episodes; plan and measure the exact worst-case gap at each
    checkpoint.  ``B`` bounds ``||theta*||`` (default ``max(1, ||theta*||)``, the paper's assumption);
    ``max_work`` bounds the oracle's arithmetic (raise it for bigger runs); ``centre`` is the surrogate
    oracle's parameter: ``"pooled"`` (:func:`surrogate_theta`) or ``"hat0"`` (``theta_hat_{k,0}``)."""
    t0 = time.perf_counter()
    model = _check_model(model)
    H = _horizon(model, H)
    K = check_positive_int("K (episodes)", K)
    seed = check_seed(seed)
    delta = check_delta(delta)
    beta_scale = check_positive("beta_scale", beta_scale, allow_zero=True)
    B = float(B) if B is not None else max(1.0, float(np.linalg.norm(model.theta)))
    if B < np.linalg.norm(model.theta) - 1e-12:
        raise ModelError(f"B = {B} is below ||theta*|| = {np.linalg.norm(model.theta):.6g} (the paper assumes "
                         f"||theta*|| <= B)")
    centre = check_choice("centre", centre, ("pooled", "hat0"))
    S, A, d = model.n_states, model.n_actions, model.d
    s1 = start_state(model)
    params = theory_parameters(d, H, K, B, delta, beta_scale, M)
    Mlev = params.M
    R_orc = np.ascontiguousarray(oracle_rewards if oracle_rewards is not None else oracle_reward_family(model, H),
                                 dtype=np.float64)
    if R_orc.ndim != 3 or R_orc.shape[1:] != (S, A):
        raise ModelError(f"oracle_rewards must have shape (n, S, A); got {R_orc.shape}")
    R_eval = evaluation_rewards(model, H, eval_rewards)
    work = float(K) * 2 * R_orc.shape[0] * H * S * A * (S + 2 * S * d + 2 * d * d)
    if work > max_work:
        raise BudgetExceededError(f"the surrogate oracle needs about {work:.3g} operations (K = {K}, {R_orc.shape[0]} "
                                  f"rewards, H = {H}, S = {S}, A = {A}, d = {d}), above max_work = {max_work:.3g}; "
                                  f"raise max_work or lower K")
    ck = _check_checkpoints(checkpoints, K)
    env_rng, rng = streams(seed)
    true_model = stationary_model(model.P, np.zeros((S, A)), np.eye(S)[s1], H, "hf-ucrl-rfe++")
    uniforms = EpisodeUniforms(env_rng, H, K)
    Phi = np.ascontiguousarray(model.Phi)
    lam = params.lam
    # stacks t in {hat, tilde} x levels m: Sigma = lambda I, b = 0, theta = 0, frozen Sdot = lambda I
    Sigma = np.broadcast_to(lam * np.eye(d), (2, Mlev, d, d)).copy()
    Sigma_inv = np.broadcast_to(np.eye(d) / lam, (2, Mlev, d, d)).copy()
    Sdot = Sigma.copy()
    Sdot_inv = Sigma_inv.copy()
    b = np.zeros((2, Mlev, d))
    theta_est = np.zeros((2, Mlev, d))
    beta_K = params.beta_k(K)                     # beta inside u and Vhat (2.6.1)-(2.6.2)
    n_r = R_orc.shape[0]
    pis = np.empty((2 * n_r, H, S), dtype=np.int64)
    V_tilde = np.empty((2 * n_r, H + 1, S))
    V_hat = np.empty((2 * n_r, H + 1, S))
    sigma_log = np.empty((H, 2, Mlev))
    v_hat = np.empty(K)
    covered = np.empty(K, dtype=bool)
    gaps, certs, thetas = [], [], []
    betas = np.empty(1)
    theta_star = np.asarray(model.theta)
    next_ck = 0
    sigma_min = np.inf
    for k in range(1, K + 1):
        theta_k = surrogate_theta(Sdot, b, lam) if centre == "pooled" else theta_est[0, 0].copy()
        P_theta = np.ascontiguousarray(Phi @ theta_k)
        oracle_candidates_kernel(P_theta, Phi, theta_k, Sdot_inv[0, 0], Sdot_inv[1, 0], beta_K, R_orc,
                                 rng.random((2 * n_r, H, S)), pis, V_tilde, V_hat)
        vals = V_hat[:, 0, s1]
        tied = np.flatnonzero(vals >= vals.max() - 1e-12)
        j = int(tied[rng.integers(tied.size)]) if tied.size > 1 else int(tied[0])
        v_hat[k - 1] = vals[j]
        ep = run_episode(true_model, pis[j], uniforms[k - 1])
        betas[0] = params.beta_k(k)
        weighted_vtr_episode_kernel(Phi, ep.states, ep.actions, V_hat[j], V_tilde[j], theta_est, Sigma, Sigma_inv,
                                    b, Sdot_inv, betas, params.alpha, params.gamma, square, weighted, sigma_log)
        sigma_min = min(sigma_min, float(sigma_log.min()))
        # end of episode: freeze, re-invert, estimate (2.6.3)-(2.6.4)
        Sigma_inv[:] = np.linalg.inv(Sigma)
        Sdot[:] = Sigma
        Sdot_inv[:] = Sigma_inv
        theta_est[:] = np.einsum("tmij,tmj->tmi", Sigma_inv, b)
        covered[k - 1] = _ellipsoid_covered(theta_star, theta_est, Sdot, params.beta_k(k + 1))  # (2.6.5)-(2.6.6)
        if next_ck < ck.size and ck[next_ck] == k:
            gaps.append(float(reward_free_gaps(model, theta_k, R_eval, H, rng).max()))
            certs.append(4.0 * float(vals[j]))                 # [thesis Lemma 2.8.7]
            thetas.append(theta_k)
            next_ck += 1
    info = dict(delta=delta, beta_scale=beta_scale, B=B, M=Mlev, alpha=params.alpha, gamma=params.gamma, lam=lam,
                beta_K=beta_K, H=H, weighted=weighted, square=square, oracle="surrogate", centre=centre,
                n_oracle_rewards=n_r, n_eval_rewards=int(R_eval.shape[0]), delta_prime=4 * Mlev * delta)
    return ExplorationRun(learner="hf-ucrl-rfe++" if weighted else "hf-ucrl-rfe++/unweighted", seed=seed, K=K,
                          checkpoints=readonly(ck), gap=readonly(np.asarray(gaps)), certificate=readonly(np.asarray(certs)),
                          theta_plan=readonly(np.asarray(thetas).reshape(len(thetas), d)), v_hat=readonly(v_hat),
                          covered=readonly(covered), params=info, seconds=time.perf_counter() - t0,
                          extras={"sigma_min": sigma_min})


__all__ = ["run_hf_ucrl_rfe", "ExplorationRun", "episodes_to_epsilon", "plan_after_exploration", "default_checkpoints", "oracle_reward_family", "evaluation_rewards",
           "BIBKEY", "box_vertices"]
