"""The horizon-free LMDP learner (zhou2023lmdp; ``algorithms/lmdp_hf``, a reconstruction) against the
paper's rates and our invariants, each with a deliberately broken variant declared ``expected="FAIL"``.
Regret is the exact pseudo-regret (plans evaluated on the true LMDP by policy-graph evaluation).  Instances:
:func:`scenarios.instances.latent.hidden_tree_bandit` (ours; not the paper's construction), secrets drawn
with the cell seed.  The learner's constants are parameters: the rate scenarios use ``c1 = 0.3``,
``c2 = c1^2 = 0.09`` (monotone), ``Gamma = 2`` (the family's degree), because at the MVP-style defaults
(``c1 = 20/3``) the learner is still in its burn-in at these K (regret linear in K, measured) and a
saturated learner is flat in H too.  Checks test slopes and invariants, never the paper's constants.

* ``lmdp_hf_horizon_free``: slope of log Regret(K = 3000) against log H over ``H = 7, 13, 37, 133``
  (``tail = 2, 8, 32, 128`` sink steps; S fixed), HiddenTreeBandit(M = 2, D = 1, A = 2, q = 0.5, eps = 0.2).
  Claimed slope: the limit of the bound's exponent in H, 0 (H enters only through iota), with
  ``slope_atol = 0.2`` (the issue's allowance for iota's polylog(H)).  Harness rule ("less"): FAIL when the
  whole bootstrap CI lies above 0.2.  Measured (4 seeds): slope about -0.08 for the learner; the Hoeffding
  variant (variance in the bonus replaced by 1/4, same constants) about 0.42: an expected FAIL.  The issue
  asks for the stricter "CI inside (-inf, 0.2]"; :func:`flat_in_h` applies it to the same records.
* ``lmdp_hf_k_rate``: slope of log Regret(K) against log K over ``K = 2^9 .. 2^13`` on HiddenTreeBandit(M = 2,
  D = 1, A = 2, q = 0.5, eps = 0.2, tail = 0) must not exceed 1/2 (the bound's exponent in K as K -> inf).
  Measured 0.25.  Broken: the MVP-style default constants (``c1 = 20/3``, ``c2 = c1^2``, Gamma = S), still in
  burn-in: slope 1.0, an expected FAIL (as for MVP, the guard against "flat because not learning").
* ``lmdp_hf_invariants``: at every re-plan, with the default constants, on HiddenTreeBandit(M = 2, D = 1, A = 2,
  q = 0.5, eps = 0.2, tail = 3), K = 1000: plans <= M S A ceil(log2(K H)) + 1 (broken: ``trigger="every"``,
  a plan per episode); alpha components <= 1 (broken: ``truncate=False``, up to about 3e4) and >= 0; the
  Wilson 95% lower limit of the rate of plans whose optimistic value is below V* <= delta = 0.05 (broken:
  ``bonus_scale=0``, certainty equivalence: 20 to 90 % of plans under V*).
* ``lmdp_hf_det_polylog``: DetLMDP(M = 2, S = 4, A = 2, H = 6) (Var* = 0), one run of ``K = 2^16`` episodes
  per seed read at ``K = 2^10 .. 2^16``; the slope of log Regret against ``log ln K`` must not exceed 2, the
  limit of the log-log slope in ``ln K`` of ``zhou2023lmdp.det_regret`` (``C2 M Gamma S A iota^2``: below 2 at
  every K, so no slack).  Constants ``c1 = 0.3``, ``c2 = 0.09`` (as above) and ``gamma = 1``, the family's
  transition degree (deterministic rows).  ``max_ci_width = 1.5`` (default 0.5): ``log ln K`` spans only
  0.47 here.  Measured (quick, 8 seeds): 0.43, CI [0.33, 0.54]; Hoeffding variant 3.33, CI [2.72, 3.91]
  (a sqrt(K) regret has slope ``ln(K) / 2``, 3.5 to 5.5 here): an expected FAIL.
* ``lmdp_hf_var_star`` (an experiment, ``VAR_STAR_EXPERIMENT``, **not registered**: see below): HiddenTreeBandit(M = 2, D = 1, A = 2, q = p - 0.03, eps = 0.03, distinct secrets) with
  ``p = 0.5, 0.3, 0.15, 0.05`` (``Var* = p (1 - p)`` from 0.25 to 0.0475; eps, K = 8192, M, S, A, H fixed;
  ``p <= 1/2`` so that the truncation at 1 plays no part), constants as ``SMALL``.  Two-sided check:
  slope of log Regret against log Var* = 1/2 (the limit of the bound's exponent in Var*) within
  ``slope_atol = 1/4``.  Two-sided on purpose: the broken Hoeffding variant's defect is a regret that does
  not shrink with Var* (slope about 0), which a one-sided "<= 1/2" check cannot see.  The band is a stated
  modelling allowance, not derived: the bound only says the slope is in ``(0, 1/2]`` when its leading term
  matters, and on one fixed-gap instance a Bernstein learner's gap-dependent regret can reach slope 1 (we
  measured 0.39 at K = 4096 and 0.73 at K = 16384 with eps = 0.03 .. 0.05; see docs/lmdp_learning.md).
  Measured (quick, 5 seeds): 0.47, CI [0.33, 0.66]; Hoeffding 0.01, CI [-0.06, 0.09] (FAIL, expected).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from algorithms.lmdp_hf import run_lmdp_hf
from bounds.checkers import check_rate
from bounds.zhou2023lmdp import wilson_interval
from scenarios.harness.registry import Check, Scenario, register_scenario
from scenarios.instances.latent import det_lmdp, hidden_tree_bandit, hidden_tree_bandit_sizes

DELTA = 0.05
#: the rate scenarios' constants (module docstring)
SMALL = dict(c1=0.3, c2=0.09, gamma=2.0)
M_, D_, A_, Q_, EPS_ = 2, 1, 2, 0.5, 0.2
TAILS = (2, 8, 32, 128)
T_, S_, H0 = hidden_tree_bandit_sizes(M_, D_, 0)     # H0: the horizon without a tail
H_OF_TAIL = {t: hidden_tree_bandit_sizes(M_, D_, t)[2] for t in TAILS}


@lru_cache(maxsize=32)
def htb_curve(tail: int, K: int, seed: int, variant: str) -> np.ndarray:
    """Exact cumulative regret ``(K,)`` on HiddenTreeBandit(M_, D_, A_, Q_, EPS_, tail) drawn with ``seed``."""
    inst = hidden_tree_bandit(M_, D_, A_, Q_, EPS_, tail, seed=seed)
    kw = {"hf": dict(SMALL), "hoeffding": dict(SMALL, bonus="hoeffding"), "default": {}}[variant]
    return np.asarray(run_lmdp_hf(inst.lmdp, K, seed, delta=DELTA, v_star=inst.v_star, **kw).regret)


def horizon_cell(params: dict, seed: int) -> dict:
    tail = int(params["H"]) - H0
    K = int(params["K"])
    return {"regret": float(htb_curve(tail, K, seed, "hf")[-1]),
            "regret_hoeffding": float(htb_curve(tail, K, seed, "hoeffding")[-1])}


def k_rate_cell(params: dict, seed: int) -> dict:
    K, K_max = int(params["K"]), int(params["K_max"])
    return {"regret": float(htb_curve(0, K_max, seed, "hf")[K - 1]),
            "regret_default": float(htb_curve(0, K_max, seed, "default")[K - 1])}


def invariants_cell(params: dict, seed: int) -> dict:
    inst = hidden_tree_bandit(M_, D_, A_, Q_, EPS_, int(params["tail"]), seed=seed)
    K = int(params["K"])
    out = {}
    for label, kw in (("", {}), ("_every", dict(trigger="every")), ("_untruncated", dict(truncate=False)),
                      ("_no_bonus", dict(bonus_scale=0.0))):
        run = run_lmdp_hf(inst.lmdp, K, seed, delta=DELTA, gamma=2.0, v_star=inst.v_star, **kw)
        viol = int(np.sum(run.extras["optimistic_values"] < inst.v_star - 1e-12))
        out["plans" + label] = float(run.n_plans)
        out["alpha_max" + label] = float(run.extras["alpha_max"].max())
        out["alpha_min" + label] = float(run.extras["alpha_min"].min())
        out["violation_lcl" + label] = float(wilson_interval(viol, run.n_plans)[0])
    return out


def flat_in_h(records: list[dict], key: str = "regret", max_slope: float = 0.2):
    """The issue's stricter flatness rule on ``lmdp_hf_horizon_free`` records: PASS when the whole 95%
    bootstrap CI of the slope of log regret against log H lies in ``(-inf, max_slope]`` (returns the
    :class:`bounds.checkers.Verdict` of :func:`check_rate` and whether the rule holds)."""
    xs = sorted({float(r["params"]["H"]) for r in records})
    seeds = sorted({int(r["seed_index"]) for r in records})
    table = {(float(r["params"]["H"]), int(r["seed_index"])): r["values"][key] for r in records}
    y = np.array([[table[(x, j)] for j in seeds] for x in xs])
    v = check_rate(xs, y, 0.0, alternative="less", slope_atol=max_slope)
    return v, bool(v.details.get("ci") and v.details["ci"][1] <= max_slope)


_STATIC = {"M": M_, "S": S_, "A": A_, "Gamma": 2, "VarStar": (Q_ + EPS_) * (1 - Q_ - EPS_), "delta": DELTA}

register_scenario(Scenario(
    name="lmdp_hf_horizon_free",
    description="LMDP-HF: slope of log Regret vs log H <= 0 (+0.2); broken: Hoeffding bonus (expected FAIL)",
    family=f"HiddenTreeBandit(M={M_}, D={D_}, A={A_}, q={Q_}, eps={EPS_}, tail = H - {H0}), secrets by seed",
    algorithm="algorithms.lmdp_hf.run_lmdp_hf (c1=0.3, c2=0.09, Gamma=2; broken: bonus='hoeffding')",
    cell=horizon_cell,
    grid={"quick": [dict(_STATIC, H=H_OF_TAIL[t], K=3000) for t in TAILS],
          "full": [dict(_STATIC, H=H_OF_TAIL[t], K=3000) for t in TAILS]},      # full: more seeds
    seeds={"quick": 4, "full": 20},
    checks=(Check("zhou2023lmdp.lmdp_regret", "rate", measured_key="regret", rate_parameter="H", alternative="less",
                  asymptotic=True, slope_atol=0.2),
            Check("zhou2023lmdp.lmdp_regret", "rate", measured_key="regret_hoeffding", rate_parameter="H",
                  alternative="less", asymptotic=True, slope_atol=0.2, expected="FAIL")),
    notes="slope_atol 0.2 = the issue's allowance for iota = 2 ln(2MSAHK/delta); see flat_in_h for the CI rule",
))

register_scenario(Scenario(
    name="lmdp_hf_k_rate",
    description="LMDP-HF: slope of log Regret(K) vs log K <= 1/2 over K = 2^9..2^13; broken: default constants (burn-in)",
    family=f"HiddenTreeBandit(M={M_}, D={D_}, A={A_}, q={Q_}, eps={EPS_}, tail=0), secrets by seed",
    algorithm="algorithms.lmdp_hf.run_lmdp_hf (c1=0.3, c2=0.09, Gamma=2; broken: paper-scale defaults)",
    cell=k_rate_cell,
    grid={"quick": [dict(_STATIC, H=H0, K=2 ** 13 // 2 ** j, K_max=2 ** 13) for j in range(4, -1, -1)],
          "full": [dict(_STATIC, H=H0, K=2 ** 13 // 2 ** j, K_max=2 ** 13) for j in range(4, -1, -1)]},
    seeds={"quick": 4, "full": 20},
    checks=(Check("zhou2023lmdp.lmdp_regret", "rate", measured_key="regret", rate_parameter="K", alternative="less",
                  asymptotic=True),
            Check("zhou2023lmdp.lmdp_regret", "rate", measured_key="regret_default", rate_parameter="K",
                  alternative="less", asymptotic=True, expected="FAIL")),
))

_INV = {"M": M_, "S": S_, "A": A_, "H": hidden_tree_bandit_sizes(M_, D_, 3)[2], "K": 1000, "tail": 3, "delta": DELTA}

register_scenario(Scenario(
    name="lmdp_hf_invariants",
    description="LMDP-HF at every re-plan: plans <= MSA ceil(log2 KH) + 1, alpha in [0, 1], optimism violations "
                "<= delta (Wilson); broken: trigger every visit, no truncation, no bonus",
    family=f"HiddenTreeBandit(M={M_}, D={D_}, A={A_}, q={Q_}, eps={EPS_}, tail=3), secrets by seed",
    algorithm="algorithms.lmdp_hf.run_lmdp_hf (default constants, Gamma=2)",
    cell=invariants_cell,
    grid={"quick": [_INV], "full": [_INV]},
    seeds={"quick": 3, "full": 20},
    checks=(Check("zhou2023lmdp.replan_count", "bound", measured_key="plans"),
            Check("zhou2023lmdp.replan_count", "bound", measured_key="plans_every", expected="FAIL"),
            Check("zhou2023lmdp.alpha_upper", "bound", measured_key="alpha_max"),
            Check("zhou2023lmdp.alpha_upper", "bound", measured_key="alpha_max_untruncated", expected="FAIL"),
            Check("zhou2023lmdp.alpha_lower", "lower", measured_key="alpha_min"),
            Check("zhou2023lmdp.optimism_violation", "bound", measured_key="violation_lcl"),
            Check("zhou2023lmdp.optimism_violation", "bound", measured_key="violation_lcl_no_bonus", expected="FAIL")),
    notes="alpha_lower has no broken variant here (every backup term is >= 0 by construction)",
))


# ----------------------------------------------------------------------------------- DetLMDP: polylog regret
DET = dict(M=2, S=4, A=2, H=6)
#: DetLMDP constants: c1, c2 as SMALL; gamma = 1, the family's transition degree (deterministic rows)
DET_CONSTANTS = dict(c1=0.3, c2=0.09, gamma=1.0)
DET_LOGK = tuple(float(j * np.log(2.0)) for j in range(10, 17))       # K = 2^10 .. 2^16
#: widest CI that decides: log ln K spans only ln(16/10) = 0.47 here (log K spans 4.2), so slopes and their CIs
#: in log ln K are about ln K ~ 9 times those in log K; 1.5 (about 0.17 in log K) still separates the claim 2
#: from sqrt(K)'s slope ln(K)/2 (3.5 to 5.5)
DET_CI_WIDTH = 1.5


@lru_cache(maxsize=64)
def det_curve(K: int, seed: int, variant: str) -> np.ndarray:
    """Exact cumulative regret ``(K,)`` on DetLMDP(**DET) drawn with ``seed``."""
    inst = det_lmdp(DET["M"], DET["S"], DET["A"], DET["H"], seed=seed)
    kw = dict(DET_CONSTANTS, bonus="hoeffding") if variant == "hoeffding" else dict(DET_CONSTANTS)
    return np.asarray(run_lmdp_hf(inst.lmdp, K, seed, delta=DELTA, v_star=inst.v_star, **kw).regret)


def det_cell(params: dict, seed: int) -> dict:
    K, K_max = int(round(np.exp(params["logK"]))), int(params["K_max"])
    return {"regret": float(det_curve(K_max, seed, "hf")[K - 1]),
            "regret_hoeffding": float(det_curve(K_max, seed, "hoeffding")[K - 1])}


_DET = dict(DET, Gamma=1, VarStar=0.0, delta=DELTA, K_max=2 ** 16)

register_scenario(Scenario(
    name="lmdp_hf_det_polylog",
    description="LMDP-HF on DetLMDP (Var* = 0): slope of log Regret vs log ln K <= 2 (polylog degree), "
                "K = 2^10..2^16; broken: Hoeffding bonus (expected FAIL)",
    family="DetLMDP(M=2, S=4, A=2, H=6), drawn with the cell seed",
    algorithm="algorithms.lmdp_hf.run_lmdp_hf (c1=0.3, c2=0.09, Gamma=1; broken: bonus='hoeffding')",
    cell=det_cell,
    grid={"quick": [dict(_DET, logK=x) for x in DET_LOGK], "full": [dict(_DET, logK=x) for x in DET_LOGK]},
    seeds={"quick": 8, "full": 20},
    checks=(Check("zhou2023lmdp.det_regret", "rate", measured_key="regret", rate_parameter="logK",
                  alternative="less", asymptotic=True, max_ci_width=DET_CI_WIDTH),
            Check("zhou2023lmdp.det_regret", "rate", measured_key="regret_hoeffding", rate_parameter="logK",
                  alternative="less", asymptotic=True, max_ci_width=DET_CI_WIDTH, expected="FAIL")),
    notes="claimed slope 2 = the limit of the bound's log-log slope in ln K (exact slope < 2 at every K); "
          "a sqrt(K) regret has slope ln(K)/2, about 3.9 here",
))


# ------------------------------------------------------------------------------ Var*: regret shrinks with Var*
VAR_P = (0.5, 0.3, 0.15, 0.05)                       # p = q + eps, the best arm's success probability
VAR_EPS, VAR_K = 0.03, 8192
VAR_ATOL = 0.25


def p_of_var_star(var_star: float) -> float:
    """The root ``p <= 1/2`` of ``p (1 - p) = Var*`` (HiddenTreeBandit's ``Var^{pi*}``, module docstring)."""
    return float((1.0 - np.sqrt(max(0.0, 1.0 - 4.0 * var_star))) / 2.0)


@lru_cache(maxsize=64)
def var_run(var_star: float, seed: int, variant: str) -> float:
    p = p_of_var_star(var_star)
    inst = hidden_tree_bandit(M_, D_, A_, p - VAR_EPS, VAR_EPS, 0, seed=seed, distinct=True)
    kw = dict(SMALL, bonus="hoeffding") if variant == "hoeffding" else dict(SMALL)
    return float(run_lmdp_hf(inst.lmdp, VAR_K, seed, delta=DELTA, v_star=inst.v_star, **kw).regret[-1])


def var_cell(params: dict, seed: int) -> dict:
    v = float(params["VarStar"])
    return {"regret": var_run(v, seed, "hf"), "regret_hoeffding": var_run(v, seed, "hoeffding")}


_VAR = {"M": M_, "S": S_, "A": A_, "H": H0, "Gamma": 2, "K": VAR_K, "delta": DELTA}

#: Measured, NOT registered (coordinator's review): the theorem is an upper bound, so it implies no lower limit on
#: the slope in Var*, and the band 1/2 +- 1/4 that separated the learner (0.47) from the Hoeffding variant (0.01)
#: at K = 8192 was chosen, not derived (the learner's slope is 0.73 at K = 16384).  The experiment is kept for the
#: figure: ``evaluate_scenario(VAR_STAR_EXPERIMENT, run_cells([VAR_STAR_EXPERIMENT], ...)[...])``.
VAR_STAR_EXPERIMENT = Scenario(
    name="lmdp_hf_var_star",
    description="LMDP-HF: slope of log Regret vs log Var* = 1/2 +- 1/4 at fixed eps and K (Var* = 0.25..0.056); "
                "broken: Hoeffding bonus, whose regret does not shrink with Var* (expected FAIL)",
    family=f"HiddenTreeBandit(M={M_}, D={D_}, A={A_}, q = p - {VAR_EPS}, eps={VAR_EPS}, tail=0, distinct secrets), "
           "p(1 - p) = Var*, p <= 1/2",
    algorithm="algorithms.lmdp_hf.run_lmdp_hf (c1=0.3, c2=0.09, Gamma=2; broken: bonus='hoeffding')",
    cell=var_cell,
    grid={"quick": [dict(_VAR, VarStar=p * (1 - p)) for p in VAR_P],
          "full": [dict(_VAR, VarStar=p * (1 - p)) for p in VAR_P]},
    seeds={"quick": 5, "full": 20},
    checks=(Check("zhou2023lmdp.lmdp_regret", "rate", measured_key="regret", rate_parameter="VarStar",
                  alternative="equal", asymptotic=True, slope_atol=VAR_ATOL),
            Check("zhou2023lmdp.lmdp_regret", "rate", measured_key="regret_hoeffding", rate_parameter="VarStar",
                  alternative="equal", asymptotic=True, slope_atol=VAR_ATOL, expected="FAIL")),
    notes="two-sided on purpose: the broken variant's defect is a flat regret (slope ~0), which a one-sided "
          "'<= 1/2' check cannot see; the band 1/2 +- 1/4 is a stated modelling allowance, not a derived one "
          "(module docstring)",
)
