"""Explorer-style runners of the revealing-POMDP learners, for ``mdplab explore`` (``algorithms.explorers``).

Source of the bounds the learners are held to: F. Chen, H. Wang, C. Xiong, S. Mei, Y. Bai, *Lower Bounds for
Learning in Revealing POMDPs*, ICML 2023, arXiv:2302.01333 (version not recorded), bibkey ``chen2023revealing``.
The learners are mdplab's designs (:mod:`.learners`); this module only gives them the explorer protocol
``runner(model, K, seed, **constants) -> RevealingRun``: ``K`` is the total episode budget, the run reports the
exact gap ``V* - V(pi_out)`` (both by enumeration, :func:`families.optimal_value`, :func:`families.policy_value`,
on the environment the learner interacts with) of the output policy at doubling checkpoints and at ``K``.

* :func:`run_collision_tester`: :func:`learners.collision_tester` with ``N`` visits per candidate on the grid
  ``1, 2, 4, ...`` plus the largest ``N`` the budget allows; a checkpoint's episode count is
  ``N * (#candidates) + N_2 + 1`` (``N_2`` = :func:`learners.commit_budget`, ``+1`` the first episode).
* :func:`run_omle_lite`: :func:`learners.omle_lite` with budgets ``1, 2, 4, ..., K - 1`` (``+1`` episode).

Generators: the learner's generator is ``default_rng(SeedSequence(seed).spawn(1)[0])``, independent of
``default_rng(seed)``, which the named instances (``scenarios.instances.revealing.reveal_test_family``) use to
draw ``(c*, z)``: the hidden index and the learner's samples never share a stream.

Deviations: none beyond :mod:`.learners` (the checkpoint grids are ours).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from mdplab.errors import BudgetExceededError, ModelError, check_seed

from .families import EpisodicPOMDP, optimal_value, policy_value
from .learners import collision_tester, commit_budget, commit_policy, omle_lite

BIBKEY = "chen2023revealing"
#: OMLE-lite samples every candidate's stream up front: at most this many (candidate, episode) draws
MAX_DRAWS = 20_000_000


@dataclass(frozen=True)
class RevealingRun:
    """Exact gaps of a learner's output policies: ``checkpoints`` (episodes used, increasing), ``gap`` (same
    length), ``c_hat`` (chosen candidate per checkpoint), ``v_star``, ``seconds``."""

    checkpoints: np.ndarray
    gap: np.ndarray
    c_hat: np.ndarray
    v_star: float
    seconds: float

    def episodes_to_epsilon(self, eps: float) -> int:
        """The first checkpoint from which the gap stays at most ``eps`` (at it and every later checkpoint);
        ``-1`` if the last checkpoint's gap exceeds ``eps``."""
        if not eps >= 0:
            raise ModelError(f"epsilon must be >= 0; got {eps!r}")
        bad = np.flatnonzero(self.gap > eps)
        if bad.size == 0:
            return int(self.checkpoints[0])
        if bad[-1] == self.gap.size - 1:
            return -1
        return int(self.checkpoints[bad[-1] + 1])


def learner_rng(seed: int) -> np.random.Generator:
    """The learner's generator for run seed ``seed`` (independent of ``default_rng(seed)``)."""
    return np.random.default_rng(np.random.SeedSequence(check_seed(seed)).spawn(1)[0])


def _check_model(model: EpisodicPOMDP, who: str) -> None:
    if not isinstance(model, EpisodicPOMDP) or model.meta.get("family") != "reveal_test":
        family = model.meta.get("family") if isinstance(model, EpisodicPOMDP) else ""
        raise ModelError(f"{who} runs on RevealTest instances (reveal_test, its control, leaky); got "
                         f"{type(model).__name__} {family}")
    if model.meta.get("c_star") is None:
        raise ModelError(f"{who}: the null instance has no special candidate (every policy is optimal)")


def doubling(hi: int, lo: int = 1) -> list[int]:
    """``lo, 2 lo, 4 lo, ...`` up to ``hi``, with ``hi`` itself appended."""
    out, x = [], lo
    while x < hi:
        out.append(x)
        x *= 2
    return out + [hi]


def _gaps(model: EpisodicPOMDP, outs: list) -> tuple[np.ndarray, float]:
    v_star = optimal_value(model)
    cache: dict = {}
    gaps = []
    for o in outs:
        key = (o.c_hat, o.z_hat)
        if key not in cache:                                             # exact value of the output policy
            cache[key] = policy_value(model, commit_policy(model, o.c_hat, o.z_hat))
        gaps.append(max(0.0, v_star - cache[key]))
    return np.array(gaps), v_star


def n_candidates(model: EpisodicPOMDP) -> int:
    """Candidates the tester searches: all ``K``, or the one a leaky root names."""
    return 1 if model.meta.get("leak") else int(model.meta["K"])


def min_episodes_collision(model: EpisodicPOMDP, c_commit: float = 1.0) -> int:
    """The smallest budget of :func:`run_collision_tester`: one visit per candidate, the commit phase, one."""
    return n_candidates(model) + commit_budget(model.meta["n"], model.meta["alpha"] * model.meta["eps"], c_commit) + 1


def run_collision_tester(model: EpisodicPOMDP, K: int, seed: int, c_commit: float = 1.0) -> RevealingRun:
    """The collision tester within ``K`` episodes (see the module docstring); ``c_commit`` scales phase 2."""
    _check_model(model, "collision-tester")
    if not (math.isfinite(c_commit) and c_commit > 0):
        raise ModelError(f"--param c_commit must be > 0; got {c_commit}")
    if model.meta["eps"] <= 0:
        raise ModelError("collision-tester needs eps > 0 (at eps = 0 every candidate is the null)")
    t0 = time.perf_counter()
    Kc = n_candidates(model)
    N2 = commit_budget(model.meta["n"], model.meta["alpha"] * model.meta["eps"], c_commit)
    lo = min_episodes_collision(model, c_commit)
    if int(K) < lo:
        raise ModelError(f"collision-tester needs at least {lo} episodes on this instance ({Kc} candidate visit(s) "
                         f"+ {N2} commit episodes + 1); raise --episodes / --max-episodes")
    grid = doubling((int(K) - N2 - 1) // Kc)
    outs = collision_tester(model, grid, learner_rng(seed), c_commit)
    gap, v_star = _gaps(model, outs)
    return RevealingRun(np.array([o.episodes for o in outs]), gap, np.array([o.c_hat for o in outs]), v_star,
                        time.perf_counter() - t0)


def run_omle_lite(model: EpisodicPOMDP, K: int, seed: int, delta: float = 0.1, beta: float | None = None
                  ) -> RevealingRun:
    """OMLE-lite within ``K`` episodes; confidence radius ``beta`` (default ``log(1/delta)``)."""
    _check_model(model, "omle-lite")
    if not 0 < delta < 1:
        raise ModelError(f"--delta must be in (0, 1); got {delta}")
    beta = math.log(1.0 / delta) if beta is None else float(beta)
    if not (math.isfinite(beta) and beta >= 0):
        raise ModelError(f"--param beta must be >= 0; got {beta}")
    if int(K) < 2:
        raise ModelError(f"omle-lite needs at least 2 episodes; got {K}")
    if n_candidates(model) * (int(K) - 1) > MAX_DRAWS:
        raise BudgetExceededError(f"omle-lite would pre-sample {n_candidates(model)} candidates x {int(K) - 1} "
                                  f"episodes > {MAX_DRAWS:,} draws; lower --episodes / --max-episodes")
    t0 = time.perf_counter()
    outs = omle_lite(model, doubling(int(K) - 1), learner_rng(seed), beta)
    gap, v_star = _gaps(model, outs)
    return RevealingRun(np.array([o.episodes for o in outs]), gap, np.array([o.c_hat for o in outs]), v_star,
                        time.perf_counter() - t0)


__all__ = ["RevealingRun", "run_collision_tester", "run_omle_lite", "learner_rng", "doubling",
           "min_episodes_collision", "n_candidates"]
