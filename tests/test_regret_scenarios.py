"""The regret scenarios (scenarios/theorems/regret.py): every learner check PASSes and every broken variant
FAILs, as declared; the broken variants' numbers against independent closed forms."""
from __future__ import annotations

import numpy as np
import pytest

from scenarios.registry import get_scenario
from scenarios.runner import evaluate_scenario, run_cells


def verdicts(name: str, tmp_path) -> list[tuple[str, str, str]]:
    sc = get_scenario(name)
    rows = evaluate_scenario(sc, run_cells([sc], out_dir=tmp_path)[name])
    assert all(r["matches"] for r in rows), rows
    return [(r["quantity"], r["verdict"], r["expected"]) for r in rows]


@pytest.mark.parametrize("name, broken", [("ucrl2_regret_bound", "regret_broken"), ("jaksch_lower_bound", "regret_oracle")])
def test_average_reward_checks_pass_and_broken_variants_fail(name, broken, tmp_path):
    assert verdicts(name, tmp_path) == [("regret", "PASS", "PASS"), (broken, "FAIL", "FAIL")]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ucbvi_bf_rate", "q_ucb_rate"])
def test_rate_checks_pass_and_broken_variants_fail(name, tmp_path):
    assert verdicts(name, tmp_path) == [("regret", "PASS", "PASS"), ("regret_broken", "FAIL", "FAIL")]


def test_trap_closed_forms_and_greedy_regret_is_half_of_t():
    from mdplab.regret import diameter, optimal_gain
    from scenarios.theorems.regret import run_greedy, trap_instance

    inst = trap_instance()
    assert diameter(inst.P) == 1.0 and optimal_gain(inst.P, inst.R).gain == pytest.approx(1.0)
    run = run_greedy(inst.P, inst.R, 0, 5000, seed=3)
    assert run.pseudo_regret[-1] == pytest.approx(2500.0)   # never leaves the reward-1/2 self-loop


def test_oracle_regret_equals_a_direct_matrix_power_sum():
    from mdplab.regret import optimal_gain
    from scenarios.instances.learning import two_state
    from scenarios.theorems.regret import oracle_regret

    inst = two_state(0.3, 0.2)
    og = optimal_gain(inst.P, inst.R)
    P_pi = inst.P[np.arange(2), og.policy]
    r_pi = inst.R[np.arange(2), og.policy]
    T = 50
    direct = T * og.gain - sum(np.linalg.matrix_power(P_pi, t)[0] @ r_pi for t in range(T))
    assert oracle_regret(inst.P, inst.R, 0, T) == pytest.approx(direct, rel=1e-12)
