"""Seeded sampling from an :class:`mdplab.MDP`, for learners and Monte Carlo checks.

* :func:`sample_next_states`: one transition for each of many ``(s, a)`` pairs.
* :func:`sample_episodes`: whole episodes of length ``H`` under a (per-stage) stochastic policy.
* :class:`MDPEnv`: a small environment with the gymnasium-style ``reset(seed=...)`` / ``step(a)``.

Randomness: uniforms come from ``numpy.random.default_rng(seed)`` and are turned into samples by
inverse CDF inside numba kernels, so a seed fixes every number regardless of thread count or backend.
Rewards are the model's expected rewards ``R[s, a]`` (the model keeps nothing else).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._kernels.sampling import (sample_episodes_csr, sample_episodes_dense, sample_next_states_csr,
                                sample_next_states_dense)
from .errors import ModelError, check_seed
from .models import MDP
from .operators import stochastic_policy_matrix


def _distribution(model: MDP, mu: Any, name: str) -> np.ndarray:
    mu = np.full(model.n_states, 1.0 / model.n_states) if mu is None else np.asarray(mu, dtype=np.float64)
    if mu.ndim == 0:
        s = int(mu)
        if not 0 <= s < model.n_states:
            raise ModelError(f"{name}: state {s} outside 0..{model.n_states - 1}")
        out = np.zeros(model.n_states)
        out[s] = 1.0
        return out
    if mu.shape != (model.n_states,) or (mu < 0).any() or abs(mu.sum() - 1.0) > 1e-9 or not np.isfinite(mu).all():
        raise ModelError(f"{name} must be a probability vector of length {model.n_states} or a state index")
    return mu / mu.sum()


def _stationary_P(model: MDP) -> None:
    if model.time_varying:
        raise ModelError("sampling supports stationary transitions only")


def sample_next_states(model: MDP, s: np.ndarray, a: np.ndarray, seed: int) -> np.ndarray:
    """``s'_i ~ P[s_i, a_i, :]`` for each ``i``."""
    _stationary_P(model)
    s = np.ascontiguousarray(s, dtype=np.int64)
    a = np.ascontiguousarray(a, dtype=np.int64)
    if s.shape != a.shape or s.ndim != 1:
        raise ModelError("s and a must be 1-d arrays of equal length")
    if s.size and (s.min() < 0 or s.max() >= model.n_states or a.min() < 0 or a.max() >= model.n_actions):
        raise ModelError("state or action index out of range")
    u = np.random.default_rng(check_seed(seed)).random(s.shape[0])
    out = np.empty(s.shape[0], dtype=np.int64)
    if model.sparse is not None:
        t = model.sparse
        sample_next_states_csr(t.indptr, t.indices, t.data, model.n_actions, s, a, u, out)
    else:
        sample_next_states_dense(model.P, s, a, u, out)
    return out


@dataclass(frozen=True)
class Episodes:
    """``states (E, H+1)``, ``actions (E, H)``, ``rewards (E, H)`` (expected rewards ``R[s, a]``)."""

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray

    def returns(self, gamma: float = 1.0) -> np.ndarray:
        H = self.rewards.shape[1]
        return self.rewards @ (gamma ** np.arange(H))


def sample_episodes(model: MDP, policy: np.ndarray, n_episodes: int, horizon: int, seed: int,
                    initial_distribution: Any = None) -> Episodes:
    """Sample ``n_episodes`` episodes of length ``horizon``.  ``policy``: deterministic ``(S,)``,
    stochastic ``(S, A)``, or per-stage ``(horizon, S, A)`` / ``(horizon, S)``.  ``initial_distribution``:
    a probability vector or a state index (default uniform)."""
    _stationary_P(model)
    if int(n_episodes) < 1 or int(horizon) < 1:
        raise ModelError("n_episodes and horizon must be >= 1")
    E, H = int(n_episodes), int(horizon)
    pol = np.asarray(policy)
    if pol.ndim == 3 or (pol.ndim == 2 and pol.shape == (H, model.n_states) and np.issubdtype(pol.dtype, np.integer)):
        pi = np.stack([stochastic_policy_matrix(model, pol[h]) for h in range(H)])
        if pi.shape[0] != H:
            raise ModelError(f"per-stage policy has {pi.shape[0]} stages, horizon is {H}")
    else:
        pi = np.ascontiguousarray(np.broadcast_to(stochastic_policy_matrix(model, pol), (H, model.n_states, model.n_actions)))
    mu = _distribution(model, initial_distribution, "initial_distribution")
    rng = np.random.default_rng(check_seed(seed))
    s0 = np.minimum(np.searchsorted(np.cumsum(mu), rng.random(E), side="right"), model.n_states - 1).astype(np.int64)
    u_a, u_s = rng.random((E, H)), rng.random((E, H))
    states = np.empty((E, H + 1), dtype=np.int64)
    actions = np.empty((E, H), dtype=np.int64)
    rewards = np.empty((E, H))
    if model.sparse is not None:
        t = model.sparse
        sample_episodes_csr(t.indptr, t.indices, t.data, model.R, pi, s0, u_a, u_s, states, actions, rewards)
    else:
        sample_episodes_dense(model.P, model.R, pi, s0, u_a, u_s, states, actions, rewards)
    return Episodes(states, actions, rewards)


class MDPEnv:
    """Gymnasium-style environment over an :class:`mdplab.MDP` (no gymnasium dependency).

    ``reset(seed=None) -> (state, info)``; ``step(action) -> (state, reward, terminated, truncated, info)``.
    ``truncated`` turns true after ``horizon`` steps (the model's horizon by default; ``None``: never).
    ``terminal_states`` (optional boolean mask) end an episode with ``terminated=True`` on entry.
    """

    def __init__(self, model: MDP, initial_distribution: Any = None, horizon: int | None = None,
                 terminal_states: np.ndarray | None = None) -> None:
        _stationary_P(model)
        self.model = model
        self.initial_distribution = _distribution(model, initial_distribution, "initial_distribution")
        self.horizon = horizon if horizon is not None else model.horizon
        self.terminal_states = None if terminal_states is None else np.asarray(terminal_states, dtype=bool)
        self._rng = np.random.default_rng()
        self._state: int | None = None
        self._t = 0

    @property
    def n_states(self) -> int:
        return self.model.n_states

    @property
    def n_actions(self) -> int:
        return self.model.n_actions

    def reset(self, seed: int | None = None) -> tuple[int, dict]:
        if seed is not None:
            self._rng = np.random.default_rng(check_seed(seed))
        cdf = np.cumsum(self.initial_distribution)
        self._state = int(min(np.searchsorted(cdf, self._rng.random(), side="right"), self.n_states - 1))
        self._t = 0
        return self._state, {}

    def step(self, action: int) -> tuple[int, float, bool, bool, dict]:
        if self._state is None:
            raise RuntimeError("call reset() before step()")
        a = int(action)
        if not 0 <= a < self.n_actions:
            raise ModelError(f"action {action} outside 0..{self.n_actions - 1}")
        s = self._state
        reward = float(self.model.R[s, a])
        nxt = sample_next_states(self.model, np.array([s]), np.array([a]), int(self._rng.integers(2**63 - 1)))[0]
        self._state = int(nxt)
        self._t += 1
        terminated = bool(self.terminal_states is not None and self.terminal_states[self._state])
        truncated = self.horizon is not None and self._t >= self.horizon
        return self._state, reward, terminated, truncated, {}
