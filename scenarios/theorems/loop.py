"""LOOP (He, Zhong, Yang 2024, bibkey ``he2024loop``; our tabular instantiation, ``algorithms.loop``): regret
exponent in ``T``, number of updates, optimism at every update, span of every planned value; each with a
deliberately broken variant declared ``expected="FAIL"``.  Regret is the exact gain regret
``sum_t (J* - J^{pi_t}(s_t))`` on the true model.  Instance: the 6-state RiverSwim with the published
parameters of Osband, Russo, Van Roy 2013 (``sp(h*) = 6.3103``, ``J* = 0.428622``), start state 0.

* ``loop_regret_rate``: slope of log gain-regret against log T over the last octaves ``T = 2^14 .. 2^17``
  (quick; full: ``2^15 .. 2^18``, more seeds) must not exceed 1/2 (the limit of the bound's exponent), read
  from one run of ``T_max`` steps per seed (every learner constant is independent of ``T``).  LOOP runs with
  ``B = sp(V*)`` (exact) and ``c_r = 0.5`` (the radii of UCRL2 times ``sqrt(0.5/14)``: with the theory
  constant 14 the regret on RiverSwim is still near-linear at these ``T``, measured; a swept constant, as
  for every UCRL-type learner on this instance).  Broken variants (must FAIL): no optimism bonus
  (``radius_scale = 0``: the learner settles on the left bank, linear regret) and ``B = 0.01`` below
  ``sp(V*)`` (the truncated value of swimming right never beats the 0.005 at the left bank: linear regret).
* ``loop_switches``: updates in ``T`` steps <= ``S A (1 + log2 T)`` (deterministic) for ``T = 2^8 .. 2^12``,
  from one run per seed; broken variant: re-planning at every step (``T - 1`` updates).
* ``loop_optimism``: per run, the indicator that some update's optimistic gain (upper end of EVI's bracket)
  is below ``J*`` must be <= delta = 0.05 (i.e. 0 in every run: stricter than the probability statement);
  UCRL2's constants (``c_r = 14``).  Broken variant: ``B = 0.1 < sp(V*)``.  Same scenario, coverage: per
  run, the true model lies in the confidence set at every update (<= delta); broken: radii for
  ``c_r = 0.01``.
* ``loop_span``: the largest span of a planned value over the updates of a run is <= ``B``, for ``B`` from
  0.01 to ``2 sp(V*)`` (the span ablation: the cells also record the gain regret and the optimism gap);
  broken variant: the same planner without the truncation (its optimistic bias has a span of about 1 to 4
  on this instance, measured: it exceeds the small ``B`` of the grid).
* The regret cells also record UCRL2 and SCAL (the foundation's learners, same radii) for the figure.
* ``loop_lm_switches`` (linear mixture, the two-state hard family with ``d = 3``): updates with determinant
  doubling <= ``d log2(1 + T L^2 / (lam d))`` (deterministic; ``L`` from the class, see the cell); broken:
  re-planning at every step.  Planner: the bonus relaxation (cheap; the rule does not depend on it).
* ``loop_lm_optimism``: the exact (grid) planner with the theory width (``c_beta = 1``): per run, no update
  with optimistic gain below ``J* = 7/12``; broken: the bonus planner without its bonus (certainty
  equivalence on the ridge estimate).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from algorithms.loop import run_loop, run_loop_lm
from algorithms.scal import run_scal
from algorithms.ucrl2 import run_ucrl2
from bounds.core import get_bound
from scenarios.harness.registry import Check, Scenario, Tolerance, register_scenario
from scenarios.instances.average_reward import linear_mixture_hard
from scenarios.instances.learning import riverswim

DELTA = 0.05


@lru_cache(maxsize=1)
def _riverswim6():
    return riverswim(6, "osband2013")


#: variant name -> constants (B = None means B = sp(V*) of the instance)
VARIANTS = {
    "good": dict(B=None, c_r=0.5),
    "no_bonus": dict(B=None, c_r=0.5, radius_scale=0.0),
    "b_small": dict(B=0.01, c_r=0.5),
}


@lru_cache(maxsize=16)
def loop_curve(variant: str, T_max: int, seed: int) -> np.ndarray:
    """Exact cumulative gain regret ``(T_max,)`` of one LOOP run on RiverSwim-6 (cached per process);
    ``variant`` ``"ucrl2"`` / ``"scal"``: the foundation's learners with the same radii (``c_r = 0.5``, i.e.
    ``radius_scale = sqrt(0.5 / 14)``; SCAL with ``c = sp(V*)``), for the comparison figure."""
    inst = _riverswim6()
    if variant == "ucrl2":
        return np.asarray(run_ucrl2(inst.P, inst.R, 0, T_max, seed, delta=DELTA, radius_scale=math.sqrt(0.5 / 14)).gain_regret)
    if variant == "scal":
        return np.asarray(run_scal(inst.P, inst.R, 0, T_max, seed, c=inst.span, delta=DELTA,
                                   radius_scale=math.sqrt(0.5 / 14)).gain_regret)
    kw = dict(VARIANTS[variant])
    if kw["B"] is None:
        kw["B"] = inst.span
    run = run_loop(inst.P, inst.R, 0, T_max, seed, delta=DELTA, **kw)
    return np.asarray(run.gain_regret)


def regret_rate_cell(params: dict, seed: int) -> dict:
    T, T_max = int(params["T"]), int(params["T_max"])
    inst = _riverswim6()
    return {"regret": float(loop_curve("good", T_max, seed)[T - 1]),
            "regret_no_bonus": float(loop_curve("no_bonus", T_max, seed)[T - 1]),
            "regret_b_small": float(loop_curve("b_small", T_max, seed)[T - 1]),
            "regret_ucrl2": float(loop_curve("ucrl2", T_max, seed)[T - 1]),
            "regret_scal": float(loop_curve("scal", T_max, seed)[T - 1]),
            "sp_star": inst.span}


def _rate_grid(T_max: int) -> list[dict]:
    return [{"T": T_max // 2 ** j, "T_max": T_max, "sp": 6.3103, "d": 12, "delta": DELTA} for j in range(3, -1, -1)]


register_scenario(Scenario(
    name="loop_regret_rate",
    description="LOOP gain regret: slope in T <= 1/2 on the last octaves; broken: no bonus, B < sp(V*)",
    family="RiverSwim-6 (osband2013), B = sp(V*), c_r = 0.5",
    algorithm="algorithms.loop.run_loop (broken: radius_scale=0; B=0.01)",
    cell=regret_rate_cell,
    grid={"quick": _rate_grid(2 ** 17), "full": _rate_grid(2 ** 18)},
    seeds={"quick": 3, "full": 8},
    checks=(Check("he2024loop.regret", "rate", measured_key="regret", rate_parameter="T", alternative="less",
                  asymptotic=True),
            Check("he2024loop.regret", "rate", measured_key="regret_no_bonus", rate_parameter="T",
                  alternative="less", asymptotic=True, expected="FAIL"),
            Check("he2024loop.regret", "rate", measured_key="regret_b_small", rate_parameter="T",
                  alternative="less", asymptotic=True, expected="FAIL")),
    notes="one run of T_max steps per seed gives every point; c_r = 0.5 is a swept constant (docs/loop.md)",
))


@lru_cache(maxsize=8)
def update_times(update_rule: str, T_max: int, seed: int) -> np.ndarray:
    """Times (0-based) of the updates after the first plan of one LOOP run (cached per process)."""
    inst = _riverswim6()
    run = run_loop(inst.P, inst.R, 0, T_max, seed, B=inst.span, delta=DELTA, update_rule=update_rule)
    return np.asarray(run.extras["update_times"][1:])


def switches_cell(params: dict, seed: int) -> dict:
    T, T_max = int(params["T"]), int(params["T_max"])
    return {"switches": float(np.sum(update_times("doubling", T_max, seed) < T)),
            "switches_every_step": float(np.sum(update_times("every_step", T_max, seed) < T))}


register_scenario(Scenario(
    name="loop_switches",
    description="LOOP updates <= S A (1 + log2 T) with count doubling; broken: re-plan every step",
    family="RiverSwim-6 (osband2013), S = 6, A = 2, B = sp(V*)",
    algorithm="algorithms.loop.run_loop (update_rule='doubling'; broken: 'every_step')",
    cell=switches_cell,
    grid={"quick": [{"S": 6, "A": 2, "T": 2 ** k, "T_max": 2 ** 12} for k in (8, 10, 12)],
          "full": [{"S": 6, "A": 2, "T": 2 ** k, "T_max": 2 ** 14} for k in (8, 10, 12, 14)]},
    seeds={"quick": 3, "full": 8},
    checks=(Check("he2024loop.switches_doubling", "bound", measured_key="switches"),
            Check("he2024loop.switches_doubling", "bound", measured_key="switches_every_step", expected="FAIL")),
))


def optimism_cell(params: dict, seed: int) -> dict:
    inst = _riverswim6()
    T = int(params["T"])
    out = {}
    for key, B in (("violation", inst.span), ("violation_b_small", 0.1)):
        run = run_loop(inst.P, inst.R, 0, T, seed, B=B, delta=params["delta"])
        out[key] = float(np.any(run.extras["J_opt_hi"] < inst.gain))
        if key == "violation":
            out["miss"] = float(not np.all(run.extras["coverage"]))
    narrow = run_loop(inst.P, inst.R, 0, T, seed, B=inst.span, delta=params["delta"], c_r=0.01)
    out["miss_narrow"] = float(not np.all(narrow.extras["coverage"]))
    return out


register_scenario(Scenario(
    name="loop_optimism",
    description="LOOP: no update with optimistic gain below J* (per run, <= delta); broken: B = 0.1 < sp(V*)",
    family="RiverSwim-6 (osband2013), c_r = 14 (UCRL2's radii), delta = 0.05",
    algorithm="algorithms.loop.run_loop (broken: B=0.1)",
    cell=optimism_cell,
    grid={"quick": [{"T": 2 ** 14, "delta": DELTA}], "full": [{"T": T, "delta": DELTA} for T in (2 ** 14, 2 ** 16)]},
    seeds={"quick": 3, "full": 8},
    checks=(Check("he2024loop.optimism", "bound", measured_key="violation"),
            Check("he2024loop.optimism", "bound", measured_key="violation_b_small", expected="FAIL"),
            Check("he2024loop.coverage", "bound", measured_key="miss"),
            Check("he2024loop.coverage", "bound", measured_key="miss_narrow", expected="FAIL")),
))


def span_cell(params: dict, seed: int) -> dict:
    inst = _riverswim6()
    T, B = int(params["T"]), float(params["B"])
    good = run_loop(inst.P, inst.R, 0, T, seed, B=B, delta=DELTA, c_r=0.5)
    bad = run_loop(inst.P, inst.R, 0, T, seed, B=B, delta=DELTA, c_r=0.5, span_clip=False)
    return {"span": float(np.max(good.extras["planned_span"])), "span_unclipped": float(np.max(bad.extras["planned_span"])),
            "regret": float(good.gain_regret[-1]), "optimism_gap": float(np.min(good.extras["J_opt_hi"]) - inst.gain),
            "sp_star": inst.span}


#: the span ablation: B from far below sp(V*) = 6.3103 to twice it
ABLATION_B = (0.01, 0.05, 0.1, 0.3, 1.0, 3.0, 6.3103, 12.6206)

register_scenario(Scenario(
    name="loop_span",
    description="LOOP: every planned value has sp(V_f) <= B (span ablation over B); broken: no span truncation",
    family="RiverSwim-6 (osband2013), c_r = 0.5, B from 0.01 to 2 sp(V*)",
    algorithm="algorithms.loop.run_loop (broken: span_clip=False)",
    cell=span_cell,
    grid={"quick": [{"T": 2 ** 14, "B": B} for B in ABLATION_B],
          "full": [{"T": 2 ** 16, "B": B} for B in ABLATION_B]},
    seeds={"quick": 2, "full": 5},
    checks=(Check("he2024loop.span", "bound", measured_key="span",
                  tolerance=Tolerance(rtol=1e-9, reason="float rounding of min(v, min v + B) and of the shift to min 0")),
            Check("he2024loop.span", "bound", measured_key="span_unclipped", expected="FAIL")),
    notes="also records the gain regret and the optimism gap per B (the span-ablation figure, paper_figs/loop_regret.py)",
))


# ---------------------------------------------------------------------------------------- linear mixture
@lru_cache(maxsize=1)
def _lm_hard():
    return linear_mixture_hard(3, 0.1, 0.02)


def _lm_feature_bound(inst, B: float) -> float:
    """``L = B max_{s,a} ||sum_s' |Phi[s, a, s', :]| ||_2``: bounds ``||phi_V(s, a)||`` for ``0 <= V <= B``."""
    return float(np.sqrt((np.abs(inst.Phi).sum(axis=2) ** 2).sum(axis=2)).max()) * B


@lru_cache(maxsize=8)
def lm_update_times(update_rule: str, T_max: int, seed: int) -> np.ndarray:
    inst = _lm_hard()
    run = run_loop_lm(inst.Phi, inst.theta, inst.R, 0, T_max, seed, B=1.5 * inst.span, delta=DELTA, planner="bonus",
                      update_rule=update_rule)
    return np.asarray(run.extras["update_times"][1:])


def lm_switches_cell(params: dict, seed: int) -> dict:
    inst = _lm_hard()
    T, T_max = int(params["T"]), int(params["T_max"])
    L = _lm_feature_bound(inst, 1.5 * inst.span)
    bound = get_bound("he2024loop.switches_det").evaluate({"d": 3, "T": T, "L": L, "lam": 1.0})
    return {"switches": float(np.sum(lm_update_times("det", T_max, seed) < T)),
            "switches_every_step": float(np.sum(lm_update_times("every_step", T_max, seed) < T)),
            "bound": bound, "L": L}


register_scenario(Scenario(
    name="loop_lm_switches",
    description="linear-mixture LOOP: updates <= d log2(1 + T L^2/(lam d)) with det doubling; broken: every step",
    family="two-state linear-mixture hard family, d = 3, delta = 0.1, Delta = 0.02 (J* = 7/12), B = 1.5 sp(V*)",
    algorithm="algorithms.loop.run_loop_lm (planner='bonus', update_rule='det'; broken: 'every_step')",
    cell=lm_switches_cell,
    grid={"quick": [{"T": 2 ** k, "T_max": 2 ** 8} for k in (6, 7, 8)],
          "full": [{"T": 2 ** k, "T_max": 2 ** 12} for k in (6, 8, 10, 12)]},
    seeds={"quick": 3, "full": 5},
    checks=(Check("he2024loop.switches_det", "bound", measured_key="switches"),
            Check("he2024loop.switches_det", "bound", measured_key="switches_every_step", expected="FAIL")),
    notes="L = B max ||sum_s' |Phi|||: every regression feature phi_V with 0 <= V <= B has norm <= L",
))


def lm_optimism_cell(params: dict, seed: int) -> dict:
    inst = _lm_hard()
    T = int(params["T"])
    good = run_loop_lm(inst.Phi, inst.theta, inst.R, 0, T, seed, B=1.5 * inst.span, delta=params["delta"])
    bad = run_loop_lm(inst.Phi, inst.theta, inst.R, 0, T, seed, B=1.5 * inst.span, delta=params["delta"],
                      planner="bonus", bonus_scale=0.0)
    return {"violation": float(np.any(good.extras["J_opt_hi"] < inst.gain)),
            "violation_no_bonus": float(np.any(bad.extras["J_opt_hi"] < inst.gain))}


register_scenario(Scenario(
    name="loop_lm_optimism",
    description="linear-mixture LOOP (exact grid planner): no update below J* (per run, <= delta); broken: no bonus",
    family="two-state linear-mixture hard family, d = 3 (J* = 7/12), B = 1.5 sp(V*), c_beta = 1",
    algorithm="algorithms.loop.run_loop_lm (planner='exact'; broken: planner='bonus', bonus_scale=0)",
    cell=lm_optimism_cell,
    grid={"quick": [{"T": 2 ** 11, "delta": DELTA}], "full": [{"T": T, "delta": DELTA} for T in (2 ** 11, 2 ** 13)]},
    seeds={"quick": 3, "full": 8},
    checks=(Check("he2024loop.optimism", "bound", measured_key="violation"),
            Check("he2024loop.optimism", "bound", measured_key="violation_no_bonus", expected="FAIL")),
    notes="the exact planner is exact up to its grid; the truth lies in the ellipsoid, the grid may miss it",
))
