"""Value-based tabular LOOP on tiny instances (algorithms.loop.value_based): the per-policy convex program
against the exact gain of the core (data pinned to the truth), the empty-data optimum, the learner's
invariants (optimism, span, switch ceiling) and the enumeration budget."""
from __future__ import annotations

import numpy as np
import pytest

from algorithms.loop.value_based import optimistic_value_program, run_loop_value, value_based_plan
from bounds.core import get_bound
from mdplab.errors import BudgetExceededError
from scenarios.instances.average_reward import random_communicating, two_state

#: the conic solver's tolerance (Clarabel defaults) on J and on the constraints
TOL_SOLVER = 1e-6


@pytest.mark.parametrize("inst", [two_state(0.1, 0.1), two_state(0.3, 0.05), random_communicating(2, 2, 3)],
                         ids=["ts_0.1_0.1", "ts_0.3_0.05", "random2"])
def test_optimistic_gain_with_data_pinned_to_the_truth(inst):
    # with N = 1e6 samples per pair at the true means, the truth (Q*, J*) is feasible (Disc = 0), so the
    # optimum is >= J*; and Disc <= beta pins J to within about sqrt(beta / N) of J*
    S, A = inst.R.shape
    N = np.full((S, A), 10 ** 6)
    pi, J, V = value_based_plan(N, inst.R, inst.P, 2 * inst.span + 1, 1.0, np.random.default_rng(0))
    assert J >= inst.gain - TOL_SOLVER
    assert J <= inst.gain + 0.01


def test_no_data_gives_the_box_optimum():
    S, A, B = 3, 2, 2.0
    out = optimistic_value_program(np.zeros((S, A)), np.zeros((S, A)), np.zeros((S, A, S)), np.zeros(S, dtype=np.int64),
                                   B, 1.0)
    J, Q, V = out
    assert J == pytest.approx(1.0, abs=TOL_SOLVER)
    assert V.max() - V.min() <= B + TOL_SOLVER


@pytest.mark.parametrize("seed", [0, 1])
def test_learner_invariants_on_two_state(seed):
    inst = two_state(0.1, 0.1)
    T = 2 ** 10
    run = run_loop_value(inst.P, inst.R, 0, T, seed, B=inst.span, c_beta=0.01)
    assert np.all(run.extras["J_opt"] >= inst.gain - TOL_SOLVER)            # optimism at every update
    assert np.all(run.extras["planned_span"] <= inst.span + TOL_SOLVER)     # sp(V_f) <= B
    assert run.extras["n_updates"] <= get_bound("he2024loop.switches_doubling").evaluate({"S": 2, "A": 2, "T": T})
    assert run.policies[-1][0] == 1


def test_enumeration_budget():
    inst = random_communicating(7, 2, 0)
    with pytest.raises(BudgetExceededError, match="max_policies"):
        run_loop_value(inst.P, inst.R, 0, 10, 0, B=5.0)
