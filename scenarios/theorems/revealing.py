"""Lower bounds for learning in revealing POMDPs (Chen, Wang, Xiong, Mei, Bai, ICML 2023; issue 20): learners held
to the bounds on our reconstructed hard families (:mod:`scenarios.instances.revealing`), each with a broken
variant declared ``expected="FAIL"``.  Values are exact (policies evaluated by enumeration on the true model).

* ``revealing_tester_lower``: the two-phase collision tester (explore-then-commit) on RevealTest(A = 2, Dtree,
  n = K, alpha = 1, eps = 0.4) for the size ladder ``Dtree = 0, 1, 2`` (``--full``: also 3); measured: the least
  episode count on a geometric grid (ratio 1.25) at which the output is ``Delta/2``-optimal in at least 2/3 of
  ``reps`` runs (``(c*, z)`` uniform per run); bound: ``chen2023revealing.revealtest_episodes``,
  ``K sqrt(2 n log 2) / (2 (alpha eps)^2)`` (derived; ``lower`` check on every cell).  Broken variant
  (``episodes_leak``): the same learner in :func:`~algorithms.revealing_lower.families.leaky` environments, whose
  first observation names ``c*``: it skips the search and beats the bound, so the check must FAIL.  The success
  rate is estimated from ``reps`` runs (60 quick, 200 full): a stochastic criterion, stated as such.
* ``revealing_omle_lower``: the same check for OMLE-lite (adaptive: the non-adaptive derivation does not cover
  it; the check is empirical), levels 0 and 1 (``--full``: 0, 1, 2).
* ``revealing_regret_slopes``: worst case over a grid of gaps ``eps in {2^{-k/2}, k = 1..16}`` of the mean
  regret over ``reps`` runs, on :func:`~algorithms.revealing_lower.families.costly_reveal` for explore-then-commit
  (``N(T) = ceil(T^{2/3})`` probes) and on its 1-step revealing control for follow-the-leader; fitted log-log
  slope in ``T`` (``T = 2^10 .. 2^16``, bootstrap CI over seeds) against ``2/3``
  (``chen2023revealing.regret_lower_mstep``) and ``1/2`` (``chen2023revealing.regret_lower_1step``), both
  ``alternative="equal"`` with ``slope_atol = 0.05``.  Broken pairing: the control's slope against ``2/3`` must
  FAIL.  This exhibits the exponents on our family for these learners; it does not prove Theorem 4.1.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from algorithms.revealing_lower.divergences import n_lb_total
from algorithms.revealing_lower.learners import (episodes_to_eps, etc_expected_regret, etc_regret_curve,
                                                 greedy_expected_regret, greedy_regret_curve)
from bounds.core import get_bound
from scenarios.harness.registry import Check, Scenario, register_scenario
from scenarios.instances.revealing import reveal_test_sized

#: visits per candidate (tester) / episodes (OMLE-lite): geometric grid, ratio 1.25
GRID = sorted({int(round(2 * 1.25 ** k)) for k in range(40)})
EPS_GRID = tuple(2 ** (-k / 2) for k in range(1, 17))
ALPHA, EPS = 1.0, 0.4


def _episodes(level: int, reps: int, seed: int, learner: str, leak: bool, cap: int) -> float:
    p = reveal_test_sized(level, ALPHA, EPS)
    grid = [g for g in GRID if g <= cap]
    return episodes_to_eps(p["A"], p["Dtree"], p["n"], ALPHA, EPS, grid, reps, seed, learner=learner,
                           leak=leak)["episodes"]


def tester_lower_cell(params: dict, seed: int) -> dict:
    level, reps = int(params["level"]), int(params["reps"])
    p = reveal_test_sized(level, ALPHA, EPS)
    bound = get_bound("chen2023revealing.revealtest_episodes").evaluate(dict(K=p["K"], n=p["n"], alpha=ALPHA, eps=EPS))
    ep = _episodes(level, reps, seed, "collision", False, 2000)
    leak = _episodes(level, reps, seed, "collision", True, 2000)
    return {"episodes": ep, "episodes_leak": leak, "bound": bound, "S": p["S"],
            "n_lb_exact": n_lb_total(p["K"], p["n"], ALPHA, EPS), "ratio_to_exact": ep / n_lb_total(p["K"], p["n"], ALPHA, EPS)}


def omle_lower_cell(params: dict, seed: int) -> dict:
    level, reps = int(params["level"]), int(params["reps"])
    p = reveal_test_sized(level, ALPHA, EPS)
    bound = get_bound("chen2023revealing.revealtest_episodes").evaluate(dict(K=p["K"], n=p["n"], alpha=ALPHA, eps=EPS))
    ep = _episodes(level, reps, seed, "omle-lite", False, 1500)
    leak = _episodes(level, reps, seed, "omle-lite", True, 1500)
    return {"episodes": ep, "episodes_leak": leak, "bound": bound, "S": p["S"]}


def _seeds(seed: int, j: int, reps: int) -> list[int]:
    return [int(v) for v in np.random.SeedSequence([seed, j]).generate_state(reps)]


@lru_cache(maxsize=8)
def regret_curves(T_max: int, reps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Worst case over :data:`EPS_GRID` of the mean (over ``reps`` runs) regret at ``T = 2^k <= T_max``:
    (explore-then-commit on the costly instance, follow-the-leader on the control)."""
    Ts = [2 ** k for k in range(int(math.log2(T_max)) + 1)]
    etc, ftl = [], []
    for j, e in enumerate(EPS_GRID):
        ss = _seeds(seed, j, reps)
        etc.append(np.mean([etc_regret_curve(ALPHA, e, Ts, 1.0, s) for s in ss], axis=0))
        ftl.append(np.mean([greedy_regret_curve(ALPHA, e, T_max, s)[np.array(Ts) - 1] for s in ss], axis=0))
    return np.max(etc, axis=0), np.max(ftl, axis=0)


@lru_cache(maxsize=4)
def expected_curves(T_max: int) -> tuple[np.ndarray, np.ndarray]:
    """The same worst cases on the closed-form EXPECTED regrets (no sampling)."""
    Ts = [2 ** k for k in range(int(math.log2(T_max)) + 1)]
    etc = np.max([etc_expected_regret(ALPHA, e, Ts, 1.0) for e in EPS_GRID], axis=0)
    ftl = np.max([greedy_expected_regret(ALPHA, e, T_max)[np.array(Ts) - 1] for e in EPS_GRID], axis=0)
    return etc, ftl


def regret_slope_cell(params: dict, seed: int) -> dict:
    T, T_max = int(params["T"]), int(params["T_max"])
    k = int(math.log2(T))
    etc, ftl = regret_curves(T_max, int(params["reps"]), seed)
    etc_x, ftl_x = expected_curves(T_max)
    return {"regret_etc": float(etc[k]), "regret_ftl": float(ftl[k]),
            "regret_etc_expected": float(etc_x[k]), "regret_ftl_expected": float(ftl_x[k])}


register_scenario(Scenario(
    name="revealing_tester_lower",
    description="collision tester's episodes-to-eps >= K sqrt(2 n log 2)/(2 (alpha eps)^2) on RevealTest; broken: leaky env",
    family="RevealTest(A=2, Dtree, n=K=2^(Dtree+1), alpha=1, eps=0.4), (c*, z) uniform per run",
    algorithm="algorithms.revealing_lower.learners.collision_tester; broken: same learner in families.leaky",
    cell=tester_lower_cell,
    grid={"quick": [{"level": lv, "reps": 60} for lv in (0, 1, 2)],
          "full": [{"level": lv, "reps": 200} for lv in (0, 1, 2, 3)]},
    seeds={"quick": 2, "full": 5},
    checks=(Check("chen2023revealing.revealtest_episodes", "lower", measured_key="episodes"),
            Check("chen2023revealing.revealtest_episodes", "lower", measured_key="episodes_leak", expected="FAIL")),
    notes="success rate >= 2/3 estimated from reps runs per grid point; ratio_to_exact = episodes / (K N*/2)",
))

register_scenario(Scenario(
    name="revealing_omle_lower",
    description="OMLE-lite's episodes-to-eps >= K sqrt(2 n log 2)/(2 (alpha eps)^2) on RevealTest; broken: leaky env",
    family="RevealTest(A=2, Dtree, n=K=2^(Dtree+1), alpha=1, eps=0.4), (c*, z) uniform per run",
    algorithm="algorithms.revealing_lower.learners.omle_lite; broken: same learner in families.leaky",
    cell=omle_lower_cell,
    grid={"quick": [{"level": lv, "reps": 30} for lv in (0, 1)],
          "full": [{"level": lv, "reps": 100} for lv in (0, 1, 2)]},
    seeds={"quick": 2, "full": 5},
    checks=(Check("chen2023revealing.revealtest_episodes", "lower", measured_key="episodes"),
            Check("chen2023revealing.revealtest_episodes", "lower", measured_key="episodes_leak", expected="FAIL")),
))

register_scenario(Scenario(
    name="revealing_regret_slopes",
    description="ETC on costly information: regret slope 2/3; follow-the-leader on the 1-step control: 1/2",
    family="costly_reveal(alpha=1, eps) and its control, worst case over eps in {2^(-k/2), k=1..16}",
    algorithm="algorithms.revealing_lower.learners.etc_regret_curve / greedy_regret_curve",
    cell=regret_slope_cell,
    grid={"quick": [{"T": 2 ** k, "T_max": 2 ** 16, "reps": 16} for k in range(10, 17)],
          "full": [{"T": 2 ** k, "T_max": 2 ** 18, "reps": 64} for k in range(10, 19)]},
    seeds={"quick": 3, "full": 8},
    checks=(Check("chen2023revealing.regret_lower_mstep", "rate", measured_key="regret_etc", rate_parameter="T",
                  slope_atol=0.05),
            Check("chen2023revealing.regret_lower_1step", "rate", measured_key="regret_ftl", rate_parameter="T",
                  slope_atol=0.05),
            Check("chen2023revealing.regret_lower_mstep", "rate", measured_key="regret_ftl", rate_parameter="T",
                  slope_atol=0.05, expected="FAIL")),
    notes="exhibits the exponents on our family for these learners; it does not prove Theorem 4.1",
))
