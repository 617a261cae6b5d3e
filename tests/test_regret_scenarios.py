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
@pytest.mark.parametrize("name", ["ucbvi_bf_rate", "q_ucb_rate", "ucbvi_ch_rate"])
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


@pytest.mark.parametrize("name", ["mvp_horizon_free", "mvp_rate"])
def test_mvp_checks_pass_and_broken_variants_fail(name, tmp_path):
    assert verdicts(name, tmp_path) == [("regret", "PASS", "PASS"), ("regret_broken", "FAIL", "FAIL")]


@pytest.mark.parametrize("H", [3, 8])
def test_horizon_bandit_regret_counts_the_wrong_steps(H):
    """Independent evaluator: on horizon_bandit each step of action 1 costs exactly gap / H, whatever the
    state law (one state), so an episode's regret is gap / H times the number of stages whose action is 1."""
    from algorithms.mvp import run_mvp
    from scenarios.instances.learning import horizon_bandit

    inst = horizon_bandit(H, gap=0.5)
    assert inst.v_star == pytest.approx(1.0)
    K = 3000
    run = run_mvp(inst.P, inst.R, inst.mu, H, K, seed=1, bonus="hoeffding", c1=1.0, c3=0.0)
    starts = list(run.policy_start) + [K]
    expected = sum((starts[i + 1] - starts[i]) * 0.5 / H * int((pol[:, 0] == 1).sum())
                   for i, pol in enumerate(run.policies))
    assert run.regret[-1] == pytest.approx(expected, rel=1e-12)
    assert run.regret[-1] > 0
