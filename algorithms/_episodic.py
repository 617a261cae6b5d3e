"""Shared plumbing of mdplab's episodic learners (private): validation, the run's random streams, count
updates, and the exact-regret result.

Random streams: ``SeedSequence(seed).spawn(2)`` gives the environment's generator (episode uniforms,
:func:`mdplab.interaction.episode_uniforms`) and the learner's (tie-breaking, posterior samples).  Two
learners run with one seed therefore face the same environment noise (common random numbers), and a
learner's own randomness never shifts the environment's.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from numba import njit

from mdplab.errors import ModelError, check_seed
from mdplab.interaction import EpisodicModel, episode_uniforms, episodic_model
from mdplab.regret import LearnerRun, PolicyLog, episodic_regret

#: Episodes' uniforms are drawn in blocks of this many episodes (the stream does not depend on it).
UNIFORM_BLOCK = 4096


def check_positive_int(name: str, x: Any) -> int:
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)) or x < 1:
        raise ModelError(f"{name} must be an integer >= 1; got {x!r}")
    return int(x)


def check_positive(name: str, x: Any, allow_zero: bool = False) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise ModelError(f"{name} must be a number; got {x!r}") from None
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ModelError(f"{name} must be {'>= 0' if allow_zero else '> 0'} and finite; got {x!r}")
    return v


def check_delta(delta: Any) -> float:
    d = check_positive("delta", delta)
    if not d < 1:
        raise ModelError(f"delta must be in (0, 1); got {delta!r}")
    return d


def check_choice(name: str, value: Any, choices: tuple) -> Any:
    if value not in choices:
        raise ModelError(f"{name} must be one of {choices}; got {value!r}")
    return value


def stationary_model(P: Any, R: Any, mu: Any, H: Any, learner: str) -> EpisodicModel:
    """Validated model with time-homogeneous ``P (S, A, S)`` and ``R (S, A)`` in ``[0, 1]`` (the
    setting of every episodic learner here: they pool samples over stages)."""
    H = check_positive_int("H (horizon)", H)
    model = episodic_model(P, R, mu, H)
    if model.P.shape[0] != 1 or model.R.shape[0] != 1:
        raise ModelError(f"{learner} estimates a time-homogeneous model: give P (S, A, S) and R (S, A), not stage-dependent arrays")
    return model


def streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """``(environment generator, learner generator)`` of a run."""
    env_ss, learner_ss = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(env_ss), np.random.default_rng(learner_ss)


class EpisodeUniforms:
    """Episode ``k``'s uniforms from the environment generator, drawn in blocks."""

    def __init__(self, rng: np.random.Generator, H: int, K: int) -> None:
        self.rng, self.H, self.K = rng, H, K
        self.block = np.empty((0, 1 + 2 * H))
        self.first = 0

    def __getitem__(self, k: int) -> np.ndarray:
        if k - self.first >= self.block.shape[0]:
            self.first = k
            self.block = episode_uniforms(self.rng, self.H, min(UNIFORM_BLOCK, self.K - k))
        return self.block[k - self.first]


@njit(cache=True)
def add_episode_counts(states, actions, rewards, N, N_next, R_sum, R_sq, N_stage):
    """Add one episode to the pooled counts ``N (S, A)``, ``N_next (S, A, S)``, reward sums and sums of
    squares ``(S, A)``, and the stage visit counts ``N_stage (H+1, S)`` (state ``s`` seen at stage ``h``)."""
    H = actions.shape[0]
    for h in range(H):
        s = states[h]
        a = actions[h]
        N[s, a] += 1
        N_next[s, a, states[h + 1]] += 1
        R_sum[s, a] += rewards[h]
        R_sq[s, a] += rewards[h] * rewards[h]
        N_stage[h, s] += 1
    N_stage[H, states[H]] += 1


def log_dtype(A: int) -> type:
    return np.int8 if A <= 127 else (np.int16 if A <= 32767 else np.int64)


def finish(learner: str, model: EpisodicModel, seed: int, log: PolicyLog, K: int, tie_count: int, n_plans: int,
           params: Mapping[str, Any], extras: Mapping[str, Any] | None = None) -> LearnerRun:
    """Exact per-episode gaps from the policy log (:func:`mdplab.regret.episodic_regret`), cumulative regret."""
    policies, starts = log.arrays()
    gaps = episodic_regret(model, None, model.mu, policies, starts, K)
    return LearnerRun(learner=learner, setting="episodic", seed=seed, regret=np.cumsum(gaps), policies=policies,
                      policy_start=starts, tie_count=int(tie_count), n_plans=int(n_plans), params=dict(params),
                      gaps=gaps, extras=dict(extras or {}))
