"""Shared episode loop of the average-reward learners (UCRL2, KL-UCRL, UCRL3, SCAL, TSDE).

One trajectory of ``T`` steps from ``s0``.  Episode ``k`` starts at time ``t_k`` (1-based, as in Jaksch
et al. 2010): the learner plans once from its statistics (counts ``N (S, A)``, next-state counts
``N (S, A, S)``, reward sums), then the policy runs until the episode rule fires; planning never runs
inside an episode.  Every step's uniforms are drawn once at the start of the run (step ``t`` always reads
row ``t``), planning draws its tie-breaking uniforms from the same generator afterwards, so a seed fixes
every number.

Exact evaluation on the true model (never Monte Carlo): ``pseudo_regret[t] = (t+1) J* - sum rbar`` and
``gain_regret[t] = sum_{t' <= t} (J* - J^{pi_t'}(s_t'))`` with the exact gain of the policy in force
(:func:`mdplab.regret.policy_gain`, per state for multichain policies), ``J*`` from
:func:`mdplab.regret.optimal_gain`.

Episode rules (``episode_rule``):

* ``"jaksch"``: UCRL2's rule as printed (Jaksch et al. 2010, Fig. 1 step 5): stop *before* playing a pair
  whose episode count reached ``max(1, N_k)`` (the core's rollout, :func:`mdplab.interaction.run_segment`,
  with ``trigger_rule="before"``);
* ``"immediate"``: stop right *after* the step at which the visited pair reaches ``max(1, N_k)``
  (``trigger_rule="after"``);
* ``"tsde"``: Ouyang et al. 2017: stop when the episode is longer than the previous one
  (``t > t_k + T_{k-1}``) or some count more than doubles (``N_t > 2 N_{t_k}``), checked after each step
  (the core's rollout with limits ``N_k + 1`` and at most ``T_{k-1} + 1`` steps);
* ``"tsde_doubling_only"``: TSDE's count criterion alone (a broken variant).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from mdplab.errors import ModelError, check_seed
from mdplab.interaction import ContinuingModel, continuing_model, continuing_uniforms, run_segment
from mdplab.regret import LearnerRun, PolicyLog, gain_regret, optimal_gain, policy_gain, pseudo_regret


EPISODE_RULES = ("jaksch", "immediate", "tsde", "tsde_doubling_only")


@dataclass
class Statistics:
    """The learner's data at an episode start: ``N (S, A)`` visits, ``N_next (S, A, S)`` transition
    counts, ``reward_sums (S, A)``, ``t`` the 1-based time of the episode start (``t_k``), ``k`` the 1-based
    episode index."""

    N: np.ndarray
    N_next: np.ndarray
    reward_sums: np.ndarray
    t: int
    k: int = 1

    def p_hat(self) -> np.ndarray:
        """Empirical transition rows (all zero for unvisited pairs)."""
        return self.N_next / np.maximum(1, self.N)[:, :, None]

    def r_hat(self) -> np.ndarray:
        """Empirical mean rewards (0 for unvisited pairs)."""
        return self.reward_sums / np.maximum(1, self.N)


Planner = Callable[[Statistics, np.random.Generator], tuple[np.ndarray, int]]


def check_run_arguments(P, R, s0, T, seed, episode_rule: str) -> ContinuingModel:
    model = continuing_model(P, R)  # rewards in [0, 1] (every UCRL-type confidence set assumes it)
    if isinstance(T, bool) or int(T) != T or T < 1:
        raise ModelError(f"T (number of steps) must be an integer >= 1; got {T!r}")
    if isinstance(s0, bool) or int(s0) != s0 or not (0 <= int(s0) < model.n_states):
        raise ModelError(f"s0 = {s0!r} is not a state in 0..{model.n_states - 1}")
    check_seed(seed)
    if episode_rule not in EPISODE_RULES:
        raise ModelError(f"episode_rule must be one of {EPISODE_RULES}; got {episode_rule!r}")
    return model


def check_delta(delta: float) -> float:
    if not (0.0 < float(delta) < 1.0):
        raise ModelError(f"delta (confidence) must be in (0, 1); got {delta!r}")
    return float(delta)


def run_episodes(name: str, model: ContinuingModel, s0: int, T: int, seed: int, plan: Planner,
                 episode_rule: str, params: dict, reward: str = "mean") -> LearnerRun:
    """The episode loop (see the module docstring).  ``plan(stats, rng) -> (pi (S,) int64, n_ties)``."""
    S, A = model.n_states, model.n_actions
    T, s = int(T), int(s0)
    bernoulli = reward == "bernoulli"
    rng = np.random.default_rng(int(seed))
    u_all = continuing_uniforms(rng, T)
    J_star = optimal_gain(model.P, model.R).gain
    stats = Statistics(np.zeros((S, A), dtype=np.int64), np.zeros((S, A, S), dtype=np.int64), np.zeros((S, A)), 1)
    rbar = np.empty(T)
    gains = np.empty(T)
    log = PolicyLog()
    gain_cache: dict[bytes, np.ndarray] = {}
    tie_count = n_plans = 0
    episode_starts: list[int] = []
    t, prev_len = 0, 1          # TSDE: T_0 = 1 (our reading; see algorithms.tsde)
    while t < T:
        stats.t = t + 1
        stats.k = n_plans + 1
        pi, ties = plan(stats, rng)
        pi = np.ascontiguousarray(pi, dtype=np.int64)
        n_plans += 1
        tie_count += int(ties)
        log.record(t, pi)
        episode_starts.append(t)
        u = u_all[t:]
        rule = "after"
        if episode_rule == "jaksch":
            limits, max_steps, rule = stats.N, T - t, "before"
        elif episode_rule == "immediate":
            limits, max_steps = stats.N, T - t
        elif episode_rule == "tsde":
            limits, max_steps = stats.N + 1, min(T - t, prev_len + 1)
        else:
            limits, max_steps = stats.N + 1, T - t
        seg = run_segment(model, s, pi, u, max_steps, np.ascontiguousarray(limits), True, bernoulli, trigger_rule=rule)
        steps, final = seg.steps, seg.final_state
        states, rb, nxt, vis, rs = seg.states, seg.rbar, seg.next_counts, seg.visits, seg.reward_sums
        key = pi.tobytes()
        g = gain_cache.get(key)
        if g is None:
            g = gain_cache[key] = policy_gain(model.P, model.R, pi)[0]
        rbar[t:t + steps] = rb[:steps]
        gains[t:t + steps] = g[states[:steps]]
        stats.N += vis
        stats.N_next += nxt
        stats.reward_sums += rs
        t += steps
        s = int(final)
        prev_len = steps
    policies, starts = log.arrays()
    greg = gain_regret(J_star, gains)
    return LearnerRun(learner=name, setting="average", seed=int(seed), regret=greg, policies=policies,
                      policy_start=starts, tie_count=tie_count, n_plans=n_plans, params=dict(params),
                      gain_regret=greg, pseudo_regret=pseudo_regret(J_star, rbar),
                      extras={"J_star": J_star, "episode_starts": np.asarray(episode_starts, dtype=np.int64),
                              "final_counts": stats.N.copy()})


