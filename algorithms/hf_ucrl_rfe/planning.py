"""Planning under a parameter, reward families and the exact reward-free gap (HF-UCRL-RFE++'s planning phase).

J. Zhang, W. Zhang, Q. Gu, "Optimal Horizon-Free Reward-Free Exploration for Linear Mixture MDPs", ICML 2023,
arXiv:2303.10165 (v1).  Bibkey ``zhang2023rfe``; notes ``docs/theory/zhang2023rfe.md`` (numbering: W. Zhang's
2024 UCLA thesis, ch. 2, which contains the paper).

Implements:

* the value under a parameter ``theta`` (any vector, not necessarily a valid model) [thesis, used in Lemma
  2.8.22]: ``V_h(s) = clip_[0,1](r_h(s, pi_h(s)) + <phi_{V_{h+1}}(s, pi_h(s)), theta>)``; for tabular features
  ``<phi_V(s, a), theta> = sum_s' (Phi[s, a] @ theta)[s'] V[s']`` = ``P_theta V`` with the signed
  ``P_theta = Phi @ theta``;
* the planning phase [thesis Alg. 4, Line 23]: ``pi_r = argmax_pi V_1(s_1; theta_K, pi, r)`` by the clipped
  backward DP ``Q_h = clip_[0,1](r_h + P_theta V_{h+1})``, ``V_h = max_a Q_h`` (no bonus);
* the reward-free gap of a planned policy, exactly: ``V*_1(s_1; r) - V^{pi_r}_1(s_1; r)`` by exact DP under
  the true ``theta*`` (never sampled returns), and its maximum over a reward family.

Reward families: the *state reward box* ``{r(s, a) = c(s) / H : c in [0, 1]^S}`` (every trajectory's total
reward is at most 1, the paper's Assumption 2.6.1) is represented by its ``2^S`` vertices
(:func:`reward_box_vertices`, exact enumeration for ``S <= 16``).  The worst case reported is the exact
maximum over that finite family (each gap by exact DP); the gap is not a convex function of ``r`` (the
planned policy changes with ``r``), so this is the maximum over the vertex family, a lower bound of the
supremum over the whole box.

Deviations: the clip at 0 (the thesis writes ``min{1, .}``; a parameter outside the valid models can give
negative values); a fixed start state ``s_1`` (the paper's setting); ties broken uniformly at random.
"""
from __future__ import annotations

import numpy as np

from mdplab.errors import BudgetExceededError, ModelError
from mdplab.linear_mixture import LinearMixtureMDP, box_vertices

#: largest ``S`` whose ``2^S`` reward-box vertices are enumerated
MAX_BOX_STATES = 16
#: two actions whose clipped Q-values differ by at most this much are tied (broken at random)
TIE_TOL = 1e-12


def reward_box_vertices(n_states: int, n_actions: int, horizon: int, max_states: int = MAX_BOX_STATES) -> np.ndarray:
    """The ``2^S`` vertices of the state reward box, ``r[j, s, a] = c_j(s) / H`` with ``c_j in {0, 1}^S``,
    shape ``(2^S, S, A)``; every trajectory's total reward is at most ``H * (1/H) = 1``."""
    if n_states > max_states:
        raise BudgetExceededError(f"the reward box of S = {n_states} states has 2^{n_states} vertices, above the "
                                  f"enumeration budget S <= {max_states} (raise max_states, or pass a reward "
                                  f"family explicitly)")
    c = box_vertices(n_states)
    return np.ascontiguousarray(np.broadcast_to(c[:, :, None], (c.shape[0], n_states, n_actions)) / horizon)


def start_state(model: LinearMixtureMDP) -> int:
    """The fixed start state ``s_1``: state 0 when ``mu`` is unset, the support of ``mu`` when it is a point
    mass; other ``mu`` are refused (the paper assumes a fixed start state)."""
    if model.mu is None:
        return 0
    support = np.flatnonzero(np.asarray(model.mu) > 0)
    if support.size != 1:
        raise ModelError(f"reward-free exploration assumes a fixed start state; mu has {support.size} states in "
                         f"its support (give a point mass)")
    return int(support[0])


def _stage_rewards(rewards: np.ndarray, H: int, S: int, A: int) -> np.ndarray:
    """Rewards as ``(n, H, S, A)`` from ``(S, A)``, ``(n, S, A)`` or ``(n, H, S, A)``."""
    r = np.asarray(rewards, dtype=np.float64)
    if r.ndim == 2:
        r = r[None]
    if r.ndim == 3:
        r = np.broadcast_to(r[:, None], (r.shape[0], H, S, A))
    if r.ndim != 4 or r.shape[1:] != (H, S, A):
        raise ModelError(f"rewards must have shape (S, A), (n, S, A) or (n, H, S, A) with S = {S}, A = {A}, "
                         f"H = {H}; got {np.shape(rewards)}")
    if not np.isfinite(r).all():
        raise ModelError("rewards contain a non-finite value")
    return r


def _greedy(Q: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """``argmax_a Q[..., a]``; ties within :data:`TIE_TOL` broken uniformly at random with ``rng`` (first
    maximiser when ``rng`` is None)."""
    if rng is None:
        return np.argmax(Q, axis=-1)
    tied = Q >= Q.max(axis=-1, keepdims=True) - TIE_TOL
    return np.argmax(np.where(tied, rng.random(Q.shape), -1.0), axis=-1)


def plan_under_theta(Phi: np.ndarray, theta: np.ndarray, rewards: np.ndarray, H: int,
                     rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The planning phase for each reward: ``(pi (n, H, S), V (n, H+1, S))`` of the clipped DP
    ``Q_h = clip_[0,1](r_h + P_theta V_{h+1})`` under ``P_theta = Phi @ theta`` [thesis Alg. 4, Line 23]."""
    P_theta = np.asarray(Phi, dtype=np.float64) @ np.asarray(theta, dtype=np.float64)
    S, A = P_theta.shape[:2]
    r = _stage_rewards(rewards, H, S, A)
    n = r.shape[0]
    V = np.zeros((n, H + 1, S))
    pi = np.zeros((n, H, S), dtype=np.int64)
    for h in range(H - 1, -1, -1):
        Q = np.clip(r[:, h] + np.einsum("xay,ny->nxa", P_theta, V[:, h + 1]), 0.0, 1.0)  # value under theta
        pi[:, h] = _greedy(Q, rng)
        V[:, h] = np.take_along_axis(Q, pi[:, h, :, None], axis=2)[..., 0]
    return pi, V


def policy_values_true(P: np.ndarray, rewards: np.ndarray, pi: np.ndarray, H: int) -> np.ndarray:
    """``V^{pi_j}_h(s; r_j)`` under the true ``P (S, A, S)`` for each reward/policy pair, ``(n, H+1, S)``
    (backward induction, no clipping: ``P`` is a valid model)."""
    S, A = P.shape[:2]
    r = _stage_rewards(rewards, H, S, A)
    n = r.shape[0]
    V = np.zeros((n, H + 1, S))
    rows = np.arange(S)
    for h in range(H - 1, -1, -1):
        a = pi[:, h]                                      # (n, S)
        Pa = P[rows[None, :], a]                          # (n, S, S)
        ra = np.take_along_axis(r[:, h], a[..., None], axis=2)[..., 0]
        V[:, h] = ra + np.einsum("nxy,ny->nx", Pa, V[:, h + 1])
    return V


def optimal_values_true(P: np.ndarray, rewards: np.ndarray, H: int) -> np.ndarray:
    """``V*_h(s; r_j)`` under the true ``P``, ``(n, H+1, S)`` (exact backward induction)."""
    S, A = P.shape[:2]
    r = _stage_rewards(rewards, H, S, A)
    V = np.zeros((r.shape[0], H + 1, S))
    for h in range(H - 1, -1, -1):
        V[:, h] = (r[:, h] + np.einsum("xay,ny->nxa", P, V[:, h + 1])).max(axis=2)
    return V


def gaps_of_policies(model: LinearMixtureMDP, rewards: np.ndarray, pis: np.ndarray, H: int) -> np.ndarray:
    """``V*_1(s_1; r_j) - V^{pi_j}_1(s_1; r_j)`` ``(n,)`` for given policies ``pis (n, H, S)``, exact DP under
    the true ``theta*``."""
    s1 = start_state(model)
    P = model.P
    v_star = optimal_values_true(P, rewards, H)[:, 0, s1]
    v_pi = policy_values_true(P, rewards, np.asarray(pis, dtype=np.int64), H)[:, 0, s1]
    return v_star - v_pi


def reward_free_gaps(model: LinearMixtureMDP, theta_plan: np.ndarray, rewards: np.ndarray, H: int | None = None,
                     rng: np.random.Generator | None = None) -> np.ndarray:
    """Per-reward gaps ``V*_1(s_1; r_j) - V^{pi_j}_1(s_1; r_j)`` ``(n,)`` of the policies planned under
    ``theta_plan``, both values by exact DP under the true ``theta*`` of ``model``."""
    H = H if H is not None else model.horizon
    if H is None:
        raise ModelError("the reward-free gap needs a horizon H (the model has none: pass H)")
    pi, _ = plan_under_theta(model.Phi, theta_plan, rewards, H, rng)
    return gaps_of_policies(model, rewards, pi, H)


def worst_case_gap(model: LinearMixtureMDP, theta_plan: np.ndarray, rewards: np.ndarray | None = None,
                   H: int | None = None, rng: np.random.Generator | None = None) -> float:
    """``max_j gap(r_j)`` over a reward family (default: the vertices of the state reward box)."""
    H = H if H is not None else model.horizon
    if rewards is None:
        rewards = reward_box_vertices(model.n_states, model.n_actions, H)
    return float(reward_free_gaps(model, theta_plan, rewards, H, rng).max())


__all__ = ["reward_box_vertices", "plan_under_theta", "policy_values_true", "optimal_values_true",
           "reward_free_gaps", "gaps_of_policies", "worst_case_gap", "start_state", "MAX_BOX_STATES", "TIE_TOL"]
