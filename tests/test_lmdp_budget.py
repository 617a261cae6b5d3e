"""lmdp_value_iteration is bounded by budgets it checks as it goes (issue 15, section 3).

Was: M = 3, S = 3, A = 2, H = 10 ran past 95 s (the LP pruning of huge cross-sums exploded before the vector
cap, checked only after pruning, was reached)."""
from __future__ import annotations

import time

import numpy as np
import pytest

from mdplab.errors import BudgetExceededError
from mdplab.lmdp import LatentMDP, lmdp_value_iteration


def _random_lmdp(M=3, S=3, A=2, H=10, seed=0) -> LatentMDP:
    # rewards not observed: the context is learnt only from transitions, so the plans multiply (hard case)
    rng = np.random.default_rng(seed)
    return LatentMDP(rng.dirichlet(np.ones(S), size=(M, S, A)), rng.uniform(size=(M, S, A)), np.full(M, 1 / M),
                     np.full((M, S), 1 / S), horizon=H, rewards_observed=False)


def test_time_budget_stops_the_reported_instance_and_names_it():
    t0 = time.perf_counter()
    with pytest.raises(BudgetExceededError, match="max_seconds=1 exhausted.*pass max_seconds="):
        lmdp_value_iteration(_random_lmdp(), max_seconds=1.0)
    assert time.perf_counter() - t0 < 10.0


def test_vector_budget_is_checked_before_the_cross_sum():
    t0 = time.perf_counter()
    with pytest.raises(BudgetExceededError, match="exceeds the vector budget max_vectors=50"):
        lmdp_value_iteration(_random_lmdp(), max_vectors=50)
    assert time.perf_counter() - t0 < 10.0


def test_small_instances_are_unaffected():
    """H = 2 finishes well inside the default budgets; its value matches the unpruned enumeration."""
    lm = _random_lmdp(H=2)
    a = lmdp_value_iteration(lm)
    b = lmdp_value_iteration(lm, prune_vectors=False)
    assert a.value == pytest.approx(b.value, abs=1e-9)


@pytest.mark.parametrize("bad", [{"max_vectors": 0}, {"max_vectors": 2.5}, {"max_seconds": 0}, {"max_seconds": "x"}])
def test_budgets_are_validated(bad):
    with pytest.raises(ValueError):
        lmdp_value_iteration(_random_lmdp(H=1), **bad)
