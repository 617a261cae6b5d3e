"""Regret of online learners against the published bounds (issue 16), each with a deliberately broken
variant declared ``expected="FAIL"`` so the report shows the checker has teeth.  Regret is exact: the
pseudo-regret ``T J* - sum_t rbar(s_t, a_t)`` computed on the true model by the learners (never sampled returns).

* ``ucrl2_regret_bound``: UCRL2 (Jaksch, Ortner, Auer 2010, Fig. 1, ``radius="jaksch"``, delta = 0.05)
  against ``34 D S sqrt(A T log(T/delta))`` (``jaksch2010.ucrl2_regret``, Thm. 2), on the 6-state RiverSwim
  (Osband et al. 2013 parameters, ``D`` about 14.7: the bound is loose there, about 1.5e6 at ``T = 1e4``) and
  on :func:`trap_instance` (``S = A = 2``, ``D = 1``, ``J* = 1``) at ``T = 1e6``, where the bound (3.9e5) is
  below ``T J* / 2``.  Broken variant (``regret_broken``): UCRL2's loop with confidence sets of width zero
  (certainty equivalence: :func:`greedy_plan`) and ties toward action 0; it stays on the trap's
  self-loop of reward 1/2 forever, regret exactly ``T / 2`` > bound: the check must FAIL on it.
* ``jaksch_lower_bound``: the lower bound ``0.015 sqrt(D S A T)`` (``jaksch2010.lower_bound``, Thm. 5) on
  its family (:func:`scenarios.instances.learning.jaksch_lower_bound`, ``S = A = 10``, ``delta = 0.05``:
  exact ``D = 34 >= 20 log_A S = 20``, ``T = 1e4 >= D S A = 3400``; the conditions are checked by the bound
  at every cell), for UCRL2.  The theorem bounds the EXPECTED regret; the check asks it of every seed
  (stricter).  Broken variant (``regret_oracle``): a "learner" given the true model, which plays the
  optimal policy from the start; its expected regret (computed exactly, :func:`oracle_regret`) is at most
  ``sp(h*)`` (about 6.7 here) and beats the lower bound only
  because of the leaked information: the check must FAIL on it.

* ``ucbvi_bf_rate`` and ``q_ucb_rate``: rate checks of UCBVI-BF (Azar et al. 2017, ``azar2017.ucbvi_bf_regret``)
  and Q-learning with the Hoeffding bonus (Jin et al. 2018, ``jin2018.q_ucb_hoeffding_regret``): the slope of
  log Regret(K) against log K, on the mean over seeds of log regret with a bootstrap CI over seeds, must not
  exceed the bound's exponent in K as K -> infinity (``1/2``: the leading term's; its log factors only add
  ``1/L`` at finite K, so 1/2 is the stricter claim), ``alternative="less"``.  One run of ``K_max`` episodes
  per seed gives every point (the learner's constants, e.g. ``L``, are those of the ``K_max`` run; the run is
  cached per process, identical on every backend).  Instances: :func:`random_communicating` with ``S = A = 2``
  drawn with the cell seed.  Burn-in rule (stated, not fitted): the first ``K_max / 16`` episodes are
  discarded; the fit uses the five doubling points ``K_max / 16, ..., K_max`` (``K_max = 2^16`` for UCBVI-BF at
  ``H = 4``, ``2^17`` for Q-learning at ``H = 2``: measured, the local slopes fall below 1/2 after about
  ``2^12`` resp. ``2^15`` episodes).  Broken variants (``regret_broken``): the same learners with every bonus
  multiplied by 10 (``bonus_scale=10``, resp. ``c=10``): over-conservative exploration whose burn-in covers the
  whole window, slope about 0.8 to 0.9 (measured).  Caveat: a slope check over a finite window cannot tell
  "not yet sqrt(K)" from "never"; the broken variant shows the checker rejects a slope near 1.  Hence
  ``--full`` keeps the same window and adds seeds (10): a later window would let the over-scaled bonus
  leave its burn-in too (its local slope is about 0.5 at ``K = 2^16`` for UCBVI-BF, measured).

* ``mvp_horizon_free`` and ``mvp_rate``: MVP (``zhang2021mvp.mvp_regret``, total reward at most 1) on
  :func:`scenarios.instances.learning.horizon_bandit` (one state, two actions paying ``1/H`` and ``0`` per step:
  ``V* = 1``, a wrong step costs ``1/H``).  Horizon-freeness: the slope of log Regret(K = 20000) against log H
  over ``H = 8, 16, 32, 64`` must not exceed the bound's exponent in ``H``, which tends to 0 (``H`` enters
  only through ``iota = ln(S A H K / delta)``); ``slope_atol = 0.13`` is the log-derivative ``2 / iota`` of
  the bound's ``iota^2`` term at the grid's smallest cell (derived).  Measured (3 seeds): MVP regret about 2300 to 2700
  over the grid, slope 0.07 to 0.08.  Broken variant: the Hoeffding bonus (``bonus="hoeffding"``: the variance of the next value
  replaced by its worst case 1/4) with ``c1 = 1``, ``c3 = 0``: regret about 340 at H = 8 to 2100 at H = 64
  (slope 0.74 to 0.87),
  the ``H`` that a bonus on the value's range pays.  Why not the paper's constants for the broken variant:
  with ``c1 = 460/9`` the Hoeffding variant has not left its burn-in at K = 20000 (regret about K/2 for
  every H, slope 0), and a saturated learner is flat in ``H`` too: a flatness check alone cannot tell
  "horizon-free" from "not learning yet".  ``mvp_rate`` is the guard: the same instance at ``H = 4``, the
  slope of log Regret(K) against log K over ``K = 2^12 .. 2^16`` must not exceed 1/2; MVP 0.26 to 0.28 (measured),
  and the paper-constant Hoeffding variant, still in its burn-in, 0.93 to 1.03: an expected FAIL.

* ``ucbvi_ch_rate``: UCBVI-CH (``azar2017.ucbvi_ch_regret``) at the paper's constants on ``horizon_bandit(1)``
  (one state, rewards 1 and 0, H = 1: a two-armed bandit), slope in K over ``K = 2^14 .. 2^18`` <= 1/2;
  measured 0.18 (0.44 over 2^13 .. 2^17: still leaving burn-in); broken: ``bonus_scale=10``, slope 1.0 (expected FAIL).  Why H = 1: the bonus
  ``7 H L / sqrt(N)`` exceeds the gap until ``N`` is about ``(7 H L)^2``; at H = 2 (and on S = A = 2, H = 2)
  the regret is still in its burn-in at K = 2^18 (slope 0.77 over 2^14..2^18, measured).

Not here yet: UCBVI-CH's rate for H > 1 (at the paper's constant its bonus ``7 H L / sqrt(N)`` stays above
the gap until ``N > (7 H L)^2``: regret still linear at K = 131072 on S = A = 2, H = 2, measured)
and MVP's rates on random MDPs (its regret is still linear in K at K = 20000 on S = A = 2 for H = 2..16 with
rewards R / H, measured: the checks above use the one-state instance, where MVP leaves its burn-in early).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from algorithms._average_runner import Statistics, run_episodes
from algorithms.evi import extended_value_iteration
from algorithms.q_learning_ucb import run_q_ucb_hoeffding
from algorithms.mvp import run_mvp
from algorithms.ucbvi import run_ucbvi_bf, run_ucbvi_ch
from algorithms.ucrl2 import run_ucrl2
from bounds.core import get_bound
from mdplab.interaction import continuing_model
from mdplab.regret import optimal_gain
from scenarios.harness.registry import Check, Scenario, register_scenario
from scenarios.instances.learning import (_instance, jaksch_lower_bound, horizon_bandit, random_communicating,
                                         riverswim)

DELTA = 0.05  # the confidence of the PSRL paper's UCRL2 runs; Thm. 2 holds for any delta in (0, 1)


def trap_instance():
    """``S = A = 2``, deterministic: in state 0 action 0 stays with reward 1/2, action 1 moves to state 1
    (reward 0); in state 1 action 0 stays with reward 1, action 1 returns (reward 0).  ``D = 1``, ``J* = 1``
    (derived: every state reaches the other in one step; the best policy loops in state 1)."""
    P = np.zeros((2, 2, 2))
    R = np.zeros((2, 2))
    P[0, 0, 0] = P[0, 1, 1] = P[1, 0, 1] = P[1, 1, 0] = 1.0
    R[0, 0], R[1, 0] = 0.5, 1.0
    return _instance("trap:2", P, R, 0, None, "derived")


def _instance_for(name: str):
    if name == "riverswim6":
        return riverswim(6, "osband2013")
    if name == "trap2":
        return trap_instance()
    raise ValueError(f"unknown instance {name!r}")


def greedy_plan(stats: Statistics, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Broken UCRL2 planner: confidence sets of width zero (the empirical model; unvisited pairs with
    uniform rows and reward 0, so the model stays communicating and EVI converges), ties toward action 0, EVI with the aperiodicity transform ``tau = 1/2``
    (a deterministic empirical model may be periodic) to UCRL2's stopping rule ``1/sqrt(t_k)``."""
    p_hat = stats.p_hat()
    S = p_hat.shape[0]
    unvisited = stats.N == 0
    p_hat[unvisited] = 1.0 / S
    res = extended_value_iteration(p_hat, stats.r_hat(), kind="l1", radius=np.zeros(stats.N.shape),
                                   eps=1.0 / np.sqrt(stats.t), rng=rng, tie_break="first", tau=0.5)
    return res.policy, res.n_ties


def run_greedy(P: np.ndarray, R: np.ndarray, s0: int, T: int, seed: int):
    """UCRL2's episode loop (doubling rule of Fig. 1) with :func:`greedy_plan`: the broken variant."""
    return run_episodes("ucrl2-greedy-first", continuing_model(P, R), s0, T, seed, greedy_plan, "jaksch",
                        dict(radius_scale=0.0, tie_break="first", tau=0.5))


def oracle_regret(P: np.ndarray, R: np.ndarray, s0: int, T: int) -> float:
    """EXPECTED regret ``T J* - sum_{t<T} e_{s0}^T P_pi^t r_pi`` of the optimal policy of the TRUE model
    played from ``s0`` (a learner with leaked information: the broken variant of the lower-bound check),
    computed exactly by propagating the state law; no sampling, so no seed."""
    model = continuing_model(P, R)
    og = optimal_gain(model.P, model.R)
    S = model.n_states
    P_pi = model.P[np.arange(S), og.policy]
    r_pi = model.R[np.arange(S), og.policy]
    law = np.zeros(S)
    law[int(s0)] = 1.0
    total = 0.0
    for _ in range(int(T)):
        total += law @ r_pi
        law = law @ P_pi
    return float(T * og.gain - total)


def ucrl2_bound_cell(params: dict, seed: int) -> dict:
    inst = _instance_for(params["instance"])
    T = int(params["T"])
    S, A = inst.R.shape
    good = run_ucrl2(inst.P, inst.R, 0, T, seed, delta=DELTA)
    broken = run_greedy(inst.P, inst.R, 0, T, seed)
    bound = get_bound("jaksch2010.ucrl2_regret").evaluate(dict(D=inst.diameter, S=S, A=A, T=T, delta=DELTA))
    return {"regret": float(good.pseudo_regret[-1]), "regret_broken": float(broken.pseudo_regret[-1]),
            "gain_regret": float(good.gain_regret[-1]), "bound": bound, "D": inst.diameter}


def jaksch_lower_cell(params: dict, seed: int) -> dict:
    S, A, T = int(params["S"]), int(params["A"]), int(params["T"])
    inst = jaksch_lower_bound(S, A, float(params["delta"]), float(params["eps"]), seed)
    bound = get_bound("jaksch2010.lower_bound").evaluate(dict(D=inst.diameter, S=S, A=A, T=T))  # checks conditions
    run = run_ucrl2(inst.P, inst.R, 0, T, seed, delta=DELTA)
    return {"regret": float(run.pseudo_regret[-1]), "regret_oracle": oracle_regret(inst.P, inst.R, 0, T),
            "bound": bound, "D": inst.diameter}


register_scenario(Scenario(
    name="ucrl2_regret_bound",
    description="UCRL2 pseudo-regret vs 34 D S sqrt(A T log(T/delta)); broken: zero-width confidence sets, ties to 0",
    family="RiverSwim-6 (osband2013) and the two-state trap (D = 1)",
    algorithm="algorithms.ucrl2.run_ucrl2; broken: scenarios.theorems.regret.run_greedy",
    cell=ucrl2_bound_cell,
    grid={"quick": [{"instance": "riverswim6", "T": T} for T in (1_000, 3_000, 10_000)]
          + [{"instance": "trap2", "T": 1_000_000}],
          "full": [{"instance": "riverswim6", "T": T} for T in (1_000, 3_000, 10_000, 30_000, 100_000)]
          + [{"instance": "trap2", "T": T} for T in (1_000_000, 4_000_000)]},
    seeds={"quick": 3, "full": 20},
    checks=(Check("jaksch2010.ucrl2_regret", "bound", measured_key="regret"),
            Check("jaksch2010.ucrl2_regret", "bound", measured_key="regret_broken", expected="FAIL")),
    notes="the broken variant's regret on the trap is exactly T/2 (it never leaves the reward-1/2 self-loop)",
))

register_scenario(Scenario(
    name="jaksch_lower_bound",
    description="UCRL2 regret >= 0.015 sqrt(D S A T) on the Jaksch et al. family; broken: a learner told the model",
    family="jaksch_lower_bound(S=10, A=10, delta=0.05, eps=0.05), best actions drawn with the cell seed",
    algorithm="algorithms.ucrl2.run_ucrl2; broken: scenarios.theorems.regret.oracle_regret",
    cell=jaksch_lower_cell,
    grid={"quick": [{"S": 10, "A": 10, "delta": 0.05, "eps": 0.05, "T": 10_000}],
          "full": [{"S": 10, "A": 10, "delta": 0.05, "eps": 0.05, "T": T} for T in (10_000, 100_000)]},
    seeds={"quick": 3, "full": 10},
    checks=(Check("jaksch2010.lower_bound", "lower", measured_key="regret"),
            Check("jaksch2010.lower_bound", "lower", measured_key="regret_oracle", expected="FAIL")),
))


# ---------------------------------------------------------------------------------------- episodic rates
#: learner name -> (runner, constants of the broken variant): every bonus multiplied by 10
EPISODIC = {"ucbvi-bf": (run_ucbvi_bf, {"bonus_scale": 10.0}), "q-ucb-h": (run_q_ucb_hoeffding, {"c": 10.0})}


@lru_cache(maxsize=8)
def episodic_curve(learner: str, S: int, A: int, H: int, K_max: int, delta: float, seed: int, broken: bool) -> np.ndarray:
    """Exact cumulative regret ``(K_max,)`` of one run on ``random_communicating(S, A, seed)`` (cached: every
    grid point of a seed reads the same run)."""
    runner, bad = EPISODIC[learner]
    inst = random_communicating(S, A, seed)
    run = runner(inst.P, inst.R, inst.mu, H, K_max, seed, delta=delta, **(bad if broken else {}))
    return np.asarray(run.regret)


def episodic_rate_cell(params: dict, seed: int) -> dict:
    args = (params["learner"], int(params["S"]), int(params["A"]), int(params["H"]), int(params["K_max"]),
            float(params["delta"]), int(seed))
    k = int(params["K"])
    return {"regret": float(episodic_curve(*args, False)[k - 1]), "regret_broken": float(episodic_curve(*args, True)[k - 1])}


def _rate_grid(learner: str, H: int, K_max: int) -> list[dict]:
    return [{"learner": learner, "S": 2, "A": 2, "H": H, "delta": 0.05, "K_max": K_max, "K": K_max // 2 ** j}
            for j in range(4, -1, -1)]


for _name, _learner, _bound, _H, _K, _algo in (
        ("ucbvi_bf_rate", "ucbvi-bf", "azar2017.ucbvi_bf_regret", 4, 2 ** 16, "algorithms.ucbvi.run_ucbvi_bf"),
        ("q_ucb_rate", "q-ucb-h", "jin2018.q_ucb_hoeffding_regret", 2, 2 ** 17, "algorithms.q_learning_ucb.run_q_ucb_hoeffding")):
    register_scenario(Scenario(
        name=_name,
        description=f"{_learner}: slope of log Regret(K) vs log K <= 1/2 after burn-in K_max/16; broken: bonuses x10",
        family=f"random_communicating(S=2, A=2) drawn with the cell seed, H = {_H}",
        algorithm=f"{_algo} (broken: bonus x10)",
        cell=episodic_rate_cell,
        grid={"quick": _rate_grid(_learner, _H, _K), "full": _rate_grid(_learner, _H, _K)},  # full: more seeds
        seeds={"quick": 3, "full": 10},
        checks=(Check(_bound, "rate", measured_key="regret", rate_parameter="K", alternative="less", asymptotic=True),
                Check(_bound, "rate", measured_key="regret_broken", rate_parameter="K", alternative="less",
                      asymptotic=True, expected="FAIL")),
    ))


# ---------------------------------------------------------------------------------------- MVP, H and K
#: MVP variants: the paper's (Bernstein) and the broken ones (module docstring)
MVP_VARIANTS = {"mvp": {}, "hoeffding-c1=1": {"bonus": "hoeffding", "c1": 1.0, "c3": 0.0},
                "hoeffding": {"bonus": "hoeffding"}}


@lru_cache(maxsize=16)
def mvp_curve(variant: str, H: int, K_max: int, delta: float, seed: int) -> np.ndarray:
    """Exact cumulative regret ``(K_max,)`` of MVP (``variant`` of :data:`MVP_VARIANTS`) on
    ``horizon_bandit(H)`` (cached per process: every grid point of a seed reads one run)."""
    inst = horizon_bandit(H)
    return np.asarray(run_mvp(inst.P, inst.R, inst.mu, H, K_max, seed, delta=delta, **MVP_VARIANTS[variant]).regret)


def mvp_cell(params: dict, seed: int) -> dict:
    H, K, K_max, delta = int(params["H"]), int(params["K"]), int(params["K_max"]), float(params["delta"])
    broken = params["broken"]
    return {"regret": float(mvp_curve("mvp", H, K_max, delta, int(seed))[K - 1]),
            "regret_broken": float(mvp_curve(broken, H, K_max, delta, int(seed))[K - 1])}


register_scenario(Scenario(
    name="mvp_horizon_free",
    description="MVP: slope of log Regret vs log H <= 0 (+2/iota); broken: Hoeffding bonus (c1 = 1, c3 = 0)",
    family="horizon_bandit(H): one state, actions paying 1/H and 0 per step (total reward <= 1)",
    algorithm="algorithms.mvp.run_mvp (broken: bonus='hoeffding', c1=1, c3=0)",
    cell=mvp_cell,
    grid={"quick": [{"H": H, "K": 20_000, "K_max": 20_000, "delta": 0.05, "broken": "hoeffding-c1=1"}
                    for H in (8, 16, 32, 64)],
          "full": [{"H": H, "K": 20_000, "K_max": 20_000, "delta": 0.05, "broken": "hoeffding-c1=1"}
                   for H in (8, 16, 32, 64)]},  # full: more seeds
    seeds={"quick": 3, "full": 10},
    checks=(Check("zhang2021mvp.mvp_regret", "rate", measured_key="regret", rate_parameter="H", alternative="less",
                  asymptotic=True, slope_atol=0.13),
            Check("zhang2021mvp.mvp_regret", "rate", measured_key="regret_broken", rate_parameter="H",
                  alternative="less", asymptotic=True, slope_atol=0.13, expected="FAIL")),
    notes="slope_atol = 2/iota at H = 8, K = 20000 (the bound's iota^2 term); a learner still in its burn-in is "
          "flat in H too: mvp_rate guards against that",
))

register_scenario(Scenario(
    name="mvp_rate",
    description="MVP: slope of log Regret(K) vs log K <= 1/2 over K_max/16..K_max; broken: Hoeffding bonus, paper constants",
    family="horizon_bandit(H = 4)",
    algorithm="algorithms.mvp.run_mvp (broken: bonus='hoeffding')",
    cell=mvp_cell,
    grid={"quick": [{"H": 4, "K": 2 ** 16 // 2 ** j, "K_max": 2 ** 16, "delta": 0.05, "broken": "hoeffding"}
                    for j in range(4, -1, -1)],
          "full": [{"H": 4, "K": 2 ** 16 // 2 ** j, "K_max": 2 ** 16, "delta": 0.05, "broken": "hoeffding"}
                   for j in range(4, -1, -1)]},
    seeds={"quick": 3, "full": 10},
    checks=(Check("zhang2021mvp.mvp_regret", "rate", measured_key="regret", rate_parameter="K", alternative="less",
                  asymptotic=True),
            Check("zhang2021mvp.mvp_regret", "rate", measured_key="regret_broken", rate_parameter="K",
                  alternative="less", asymptotic=True, expected="FAIL")),
))


@lru_cache(maxsize=8)
def ucbvi_ch_curve(H: int, K_max: int, delta: float, seed: int, bonus_scale: float) -> np.ndarray:
    """Exact cumulative regret ``(K_max,)`` of UCBVI-CH on ``horizon_bandit(H)`` with rewards scaled back to
    ``[0, 1]`` per step (``H = 1``: rewards 1 and 0)."""
    inst = horizon_bandit(H)
    return np.asarray(run_ucbvi_ch(inst.P, inst.R * H, inst.mu, H, K_max, seed, delta=delta,
                                   bonus_scale=bonus_scale).regret)


def ucbvi_ch_cell(params: dict, seed: int) -> dict:
    args = (int(params["H"]), int(params["K_max"]), float(params["delta"]), int(seed))
    k = int(params["K"])
    return {"regret": float(ucbvi_ch_curve(*args, 1.0)[k - 1]), "regret_broken": float(ucbvi_ch_curve(*args, 10.0)[k - 1])}


register_scenario(Scenario(
    name="ucbvi_ch_rate",
    description="UCBVI-CH, paper constants: slope of log Regret(K) vs log K <= 1/2 on a two-armed bandit (H = 1); broken: bonus x10",
    family="horizon_bandit(1): one state, rewards 1 and 0, H = 1",
    algorithm="algorithms.ucbvi.run_ucbvi_ch (broken: bonus_scale=10)",
    cell=ucbvi_ch_cell,
    grid={"quick": [{"H": 1, "K": 2 ** 18 // 2 ** j, "K_max": 2 ** 18, "delta": 0.05} for j in range(4, -1, -1)],
          "full": [{"H": 1, "K": 2 ** 18 // 2 ** j, "K_max": 2 ** 18, "delta": 0.05} for j in range(4, -1, -1)]},
    seeds={"quick": 3, "full": 10},
    checks=(Check("azar2017.ucbvi_ch_regret", "rate", measured_key="regret", rate_parameter="K", alternative="less",
                  asymptotic=True),
            Check("azar2017.ucbvi_ch_regret", "rate", measured_key="regret_broken", rate_parameter="K",
                  alternative="less", asymptotic=True, expected="FAIL")),
))
