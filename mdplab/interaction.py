"""Interaction protocols for online learners: episodic finite horizon and continuing (average reward).

* Episodic: ``K`` episodes of ``H`` steps; episode ``k`` starts at ``s_0 ~ mu`` and follows a
  deterministic Markov policy ``pi_k (H, S)``; transitions ``P (S, A, S)`` (time-homogeneous) or
  ``(H, S, A, S)`` (time-varying), mean rewards ``R (S, A)`` or ``(H, S, A)``.
* Continuing: one trajectory from ``s0`` under stationary policies ``pi (S,)`` changed between
  segments; a segment ends after ``max_steps`` steps or, given the counts at the segment's start, when
  the doubling trigger fires (Jaksch, Ortner, Auer 2010, Alg. 1: the within-segment count ``v(s, a)``
  of the pair just visited reaches ``max(1, N(s, a))``).

Observed rewards are the mean rewards ``R[s, a]`` (``reward="mean"``, the default) or Bernoulli draws
with those means (``reward="bernoulli"``, needs ``R`` in ``[0, 1]``).  The mean reward ``rbar`` of
every step is returned too, for exact pseudo-regret.

Randomness: every simulation kernel reads uniforms drawn beforehand from the run's
``numpy.random.Generator`` in a fixed layout (``mdplab._kernels.interaction``): an episode consumes
``1 + 2H`` uniforms, a continuing step 2, whatever the reward mode, so one seed gives the same numbers on
any backend and thread count, and numba's own generator is never used.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ._kernels.interaction import draw_categorical, rollout_continuing_kernel, rollout_episode_kernel
from .arrays import readonly
from .errors import ModelError, shown
from .models import MDP

REWARD_MODES = ("mean", "bernoulli")


# ---------------------------------------------------------------------------------------- validation
def initial_distribution(mu: Any, n_states: int, name: str = "mu") -> np.ndarray:
    """``mu`` as a read-only probability vector: a vector of length ``S`` summing to 1 (within 1e-9,
    renormalised), or a state index (a point mass); ``None`` means state 0."""
    if mu is None:
        mu = 0
    arr = np.asarray(mu, dtype=np.float64) if not isinstance(mu, (int, np.integer)) else None
    if arr is None or arr.ndim == 0:
        s = int(mu)
        if not 0 <= s < n_states:
            raise ModelError(f"{name}: initial state {s} outside 0..{n_states - 1}")
        out = np.zeros(n_states)
        out[s] = 1.0
        return readonly(out)
    if arr.shape != (n_states,):
        raise ModelError(f"{name} must have shape ({n_states},) or be a state index; got shape {arr.shape}")
    if not np.isfinite(arr).all() or (arr < 0).any():
        bad = int(np.flatnonzero(~np.isfinite(arr) | (arr < 0))[0])
        raise ModelError(f"{name}[{bad}] = {float(arr[bad])!r} is not a probability")
    if abs(arr.sum() - 1.0) > 1e-9:
        raise ModelError(f"{name} sums to {float(arr.sum())!r}, not 1")
    return readonly(arr / arr.sum())


def _check_reward_mode(reward: str) -> bool:
    if reward not in REWARD_MODES:
        raise ModelError(f"reward must be one of {REWARD_MODES}; got {reward!r}")
    return reward == "bernoulli"


@dataclass(frozen=True)
class EpisodicModel:
    """Validated episodic problem: ``P (HP, S, A, S)`` and ``R (HR, S, A)`` with a stage axis
    (``HP``, ``HR`` are 1 for time-homogeneous parts, else ``H``), ``mu (S,)``, horizon ``H``.  Build
    with :func:`episodic_model`."""

    P: np.ndarray
    R: np.ndarray
    mu: np.ndarray
    H: int

    @property
    def n_states(self) -> int:
        return int(self.P.shape[1])

    @property
    def n_actions(self) -> int:
        return int(self.P.shape[2])

    def as_mdp(self) -> MDP:
        """The finite-horizon :class:`mdplab.MDP` (for the core's exact solvers)."""
        P = self.P[0] if self.P.shape[0] == 1 and self.R.shape[0] == 1 else np.broadcast_to(self.P, (self.H,) + self.P.shape[1:])
        R = self.R[0] if self.R.shape[0] == 1 and P.ndim == 3 else np.broadcast_to(self.R, (self.H,) + self.R.shape[1:])
        return MDP(P, R, horizon=self.H)


def episodic_model(P: Any, R: Any, mu: Any, H: int, reward_range: tuple[float, float] | None = (0.0, 1.0)) -> EpisodicModel:
    """Validate ``P (S, A, S) | (H, S, A, S)``, ``R (S, A) | (H, S, A)``, ``mu`` (vector or state index)
    and ``H`` through :class:`mdplab.MDP`; ``reward_range`` (default ``[0, 1]``, ``None`` to skip) bounds
    every mean reward (the learners' assumption), and a violation names its ``(h, s, a)``."""
    if isinstance(H, bool) or not isinstance(H, (int, np.integer)) or H < 1:
        raise ModelError(f"horizon H must be an integer >= 1; got {shown(H)}")
    H = int(H)
    P_arr = np.asarray(P, dtype=np.float64) if not isinstance(P, MDP) else P.dense_transitions()
    model = MDP(P_arr, R, horizon=H)
    P4 = model.P if model.P.ndim == 4 else model.P[None]
    R3 = model.R if model.R.ndim == 3 else model.R[None]
    if P4.shape[0] == H and np.all(P4 == P4[:1]):
        P4 = P4[:1]
    if R3.shape[0] == H and np.all(R3 == R3[:1]):
        R3 = R3[:1]
    if reward_range is not None:
        lo, hi = reward_range
        bad = (R3 < lo) | (R3 > hi)
        if bad.any():
            h, s, a = (int(i) for i in np.argwhere(bad)[0])
            raise ModelError(f"mean reward R[h={h}, s={s}, a={a}] = {float(R3[h, s, a])!r} is outside [{lo}, {hi}] "
                             "(the learners assume rewards in this range)")
    mu_v = initial_distribution(mu, P4.shape[1])
    return EpisodicModel(readonly(P4), readonly(R3), mu_v, H)


def _policy_array(pi: Any, H: int, S: int, A: int, name: str = "pi") -> np.ndarray:
    arr = np.asarray(pi)
    if arr.shape != (H, S) or not np.issubdtype(arr.dtype, np.integer):
        raise ModelError(f"{name} must be an integer array of shape (H, S) = ({H}, {S}); got {arr.dtype} {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= A):
        h, s = (int(i) for i in np.argwhere((arr < 0) | (arr >= A))[0])
        raise ModelError(f"{name}[h={h}, s={s}] = {int(arr[h, s])} is not an action in 0..{A - 1}")
    return np.ascontiguousarray(arr, dtype=np.int64)


# ---------------------------------------------------------------------------------------- episodic
class Episode(NamedTuple):
    """One episode: ``states (H+1,)``, ``actions (H,)``, observed ``rewards (H,)``, mean rewards ``rbar (H,)``
    (a named tuple: learners build one per episode)."""

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    rbar: np.ndarray


def episode_uniforms(rng: np.random.Generator, H: int, n_episodes: int | None = None) -> np.ndarray:
    """The uniforms one episode consumes, ``(1 + 2H,)`` (or ``(n_episodes, 1 + 2H)``), from ``rng``."""
    return rng.random(1 + 2 * H) if n_episodes is None else rng.random((n_episodes, 1 + 2 * H))


def run_episode(model: EpisodicModel, pi: np.ndarray, u: np.ndarray, bernoulli: bool = False) -> Episode:
    """Fast path for learners: ``pi`` already an int64 ``(H, S)`` array, ``u`` from :func:`episode_uniforms`."""
    H = model.H
    states = np.empty(H + 1, dtype=np.int64)
    actions = np.empty(H, dtype=np.int64)
    rewards = np.empty(H)
    rbar = np.empty(H)
    rollout_episode_kernel(model.P, model.R, model.mu, pi, u, bernoulli, states, actions, rewards, rbar)
    return Episode(states, actions, rewards, rbar)


def rollout_episode(P: Any, R: Any, mu: Any, pi: Any, rng: np.random.Generator, reward: str = "mean") -> Episode:
    """Simulate one episode of the deterministic Markov policy ``pi (H, S)`` (``H`` is ``pi.shape[0]``),
    drawing ``1 + 2H`` uniforms from ``rng``."""
    bern = _check_reward_mode(reward)
    if np.ndim(pi) != 2 or np.shape(pi)[0] < 1:
        raise ModelError(f"pi must be an integer array of shape (H, S) with H >= 1; got shape {np.shape(pi)}")
    H = int(np.shape(pi)[0])
    model = P if isinstance(P, EpisodicModel) else episodic_model(P, R, mu, H, (0.0, 1.0) if bern else None)
    pi_arr = _policy_array(pi, model.H, model.n_states, model.n_actions)
    return run_episode(model, pi_arr, episode_uniforms(rng, model.H), bern)


# ---------------------------------------------------------------------------------------- continuing
@dataclass(frozen=True)
class Segment:
    """A stretch of a continuing trajectory under one stationary policy.

    ``states, actions (steps,)``: visited pairs; ``rewards (steps,)`` observed, ``rbar (steps,)`` mean;
    ``next_counts (S, A, S)``, ``visits (S, A)``, ``reward_sums (S, A)`` accumulated over the segment;
    ``final_state``; ``steps``; ``triggered`` (the doubling rule ended it)."""

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    rbar: np.ndarray
    next_counts: np.ndarray
    visits: np.ndarray
    reward_sums: np.ndarray
    final_state: int
    steps: int
    triggered: bool


@dataclass(frozen=True)
class ContinuingModel:
    """Validated continuing problem: ``P (S, A, S)``, ``R (S, A)``.  Build with :func:`continuing_model`."""

    P: np.ndarray
    R: np.ndarray

    @property
    def n_states(self) -> int:
        return int(self.P.shape[0])

    @property
    def n_actions(self) -> int:
        return int(self.P.shape[1])

    def as_mdp(self) -> MDP:
        return MDP(self.P, self.R, average_reward=True)


def continuing_model(P: Any, R: Any, reward_range: tuple[float, float] | None = (0.0, 1.0)) -> ContinuingModel:
    """Validate ``P (S, A, S)`` and ``R (S, A)`` (rewards in ``reward_range``, default ``[0, 1]``)."""
    P_arr = P.dense_transitions() if isinstance(P, MDP) else P
    model = MDP(P_arr, R, average_reward=True)
    if reward_range is not None:
        lo, hi = reward_range
        bad = (model.R < lo) | (model.R > hi)
        if bad.any():
            s, a = (int(i) for i in np.argwhere(bad)[0])
            raise ModelError(f"mean reward R[s={s}, a={a}] = {float(model.R[s, a])!r} is outside [{lo}, {hi}]")
    return ContinuingModel(model.P, model.R)


def continuing_uniforms(rng: np.random.Generator, n_steps: int) -> np.ndarray:
    """The uniforms ``n_steps`` continuing steps consume, shape ``(n_steps, 2)``."""
    return rng.random((int(n_steps), 2))


def rollout_continuing(P: Any, R: Any, s0: int, pi: Any, rng: np.random.Generator | np.ndarray, max_steps: int,
                       counts: np.ndarray | None = None, reward: str = "mean") -> Segment:
    """Run the stationary deterministic policy ``pi (S,)`` from ``s0`` for at most ``max_steps`` steps,
    stopping early (``counts (S, A)`` given) when the doubling trigger fires.

    ``rng``: a ``Generator`` (then ``max_steps`` step-uniforms are drawn, used or not) or an array of
    pre-drawn uniforms of shape ``(n >= max_steps, 2)`` from :func:`continuing_uniforms`, of which the
    first ``steps`` rows are consumed (learners draw the whole run's uniforms once and pass slices, so
    the t-th step of the run always reads row t)."""
    bern = _check_reward_mode(reward)
    model = P if isinstance(P, ContinuingModel) else continuing_model(P, R, (0.0, 1.0) if bern else None)
    S, A = model.n_states, model.n_actions
    if isinstance(max_steps, bool) or int(max_steps) != max_steps or max_steps < 1:
        raise ModelError(f"max_steps must be an integer >= 1; got {max_steps!r}")
    max_steps = int(max_steps)
    if not (0 <= int(s0) < S):
        raise ModelError(f"s0 = {s0} outside 0..{S - 1}")
    pi_arr = np.asarray(pi)
    if pi_arr.shape != (S,) or not np.issubdtype(pi_arr.dtype, np.integer) or pi_arr.min() < 0 or pi_arr.max() >= A:
        raise ModelError(f"pi must be an integer array of shape ({S},) with actions in 0..{A - 1}; got {shown(pi_arr)}")
    if isinstance(rng, np.random.Generator):
        u = continuing_uniforms(rng, max_steps)
    else:
        u = np.asarray(rng, dtype=np.float64)
        if u.ndim != 2 or u.shape[1] != 2 or u.shape[0] < max_steps:
            raise ModelError(f"pre-drawn uniforms must have shape (>= {max_steps}, 2); got {u.shape}")
    use_trigger = counts is not None
    cnt = np.zeros((S, A), dtype=np.int64) if counts is None else np.asarray(counts)
    if cnt.shape != (S, A):
        raise ModelError(f"counts must have shape ({S}, {A}); got {cnt.shape}")
    cnt = np.ascontiguousarray(cnt, dtype=np.int64)
    return run_segment(model, int(s0), np.ascontiguousarray(pi_arr, dtype=np.int64), u, max_steps, cnt, use_trigger, bern)


#: Doubling-trigger rules of :func:`run_segment` (kernel codes): stop right after the step that saturates
#: the visited pair, or before a step whose pair is already saturated (Jaksch et al. 2010, Fig. 1).
TRIGGER_RULES = {"after": 1, "before": 2}


def run_segment(model: ContinuingModel, s0: int, pi: np.ndarray, u: np.ndarray, max_steps: int,
                counts: np.ndarray, use_trigger: bool, bernoulli: bool = False, trigger_rule: str = "after") -> Segment:
    """Fast path for learners (arguments already validated; ``u`` C-contiguous float64 ``(>= max_steps, 2)``).
    ``trigger_rule``: ``"after"`` or ``"before"`` (see :data:`TRIGGER_RULES`); ignored without ``use_trigger``."""
    if trigger_rule not in TRIGGER_RULES:
        raise ValueError(f"trigger_rule must be one of {sorted(TRIGGER_RULES)}; got {trigger_rule!r}")
    trigger = TRIGGER_RULES[trigger_rule] if use_trigger else 0
    S, A = model.n_states, model.n_actions
    states = np.empty(max_steps, dtype=np.int64)
    actions = np.empty(max_steps, dtype=np.int64)
    rewards = np.empty(max_steps)
    rbar = np.empty(max_steps)
    next_counts = np.zeros((S, A, S), dtype=np.int64)
    visits = np.zeros((S, A), dtype=np.int64)
    reward_sums = np.zeros((S, A))
    steps, final = rollout_continuing_kernel(model.P, model.R, s0, pi, u, max_steps, bernoulli, counts, trigger,
                                             states, actions, rewards, rbar, next_counts, visits, reward_sums)
    steps = int(steps)
    if trigger == 2:
        triggered = steps < max_steps
    else:
        triggered = bool(trigger == 1 and steps > 0 and visits[states[steps - 1], actions[steps - 1]]
                         >= max(1, counts[states[steps - 1], actions[steps - 1]]))
    return Segment(states[:steps], actions[:steps], rewards[:steps], rbar[:steps], next_counts, visits, reward_sums,
                   int(final), steps, triggered)


__all__ = ["EpisodicModel", "episodic_model", "Episode", "episode_uniforms", "run_episode", "rollout_episode",
           "ContinuingModel", "continuing_model", "Segment", "continuing_uniforms", "rollout_continuing", "run_segment",
           "TRIGGER_RULES",
           "initial_distribution", "draw_categorical", "REWARD_MODES"]
