"""Budgets, max_iter validation, overflow and the adaptive schedule's name (issue 15 sections 1 and 3)."""
from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

import mdplab
from mdplab.errors import CertificateWarning, ModelError
from mdplab.solvers import adaptive_modified_policy_iteration, modified_policy_iteration

P3 = np.array([[[0.1, 0.9, 0.0], [0.5, 0.0, 0.5]],
               [[0.0, 0.3, 0.7], [1.0, 0.0, 0.0]],
               [[0.6, 0.0, 0.4], [0.2, 0.2, 0.6]]])
R3 = np.array([[1.0, 0.3], [0.0, 0.7], [0.5, 0.2]])


@pytest.mark.parametrize("method", ["vi", "gs", "pi", "mpi", "auto", "rvi", "avg_pi"])
@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "10"])
def test_max_iter_must_be_a_positive_integer(method, bad):
    m = mdplab.MDP(P3, R3, average_reward=True) if method in ("rvi", "avg_pi") else mdplab.MDP(P3, R3, discount=0.9)
    with pytest.raises(ValueError, match="max_iter must be a positive integer"):
        mdplab.solve(m, method=method, max_iter=bad)


def test_auto_at_gamma_0_999999999_returns_fast_and_says_why():
    """Was: 10 minutes (adaptive MPI sweeping forever).  Now: converged=False within seconds, with a warning."""
    m = mdplab.MDP(P3, R3, discount=0.999999999)
    t0 = time.perf_counter()
    with pytest.warns(CertificateWarning, match="cannot be certified at gamma"):
        sol = mdplab.solve(m, tol=1e-6)
    assert time.perf_counter() - t0 < 5.0
    assert not sol.converged and sol.method == "mpi-adaptive"


@pytest.mark.parametrize("method", ["vi", "gs", "mpi"])
def test_work_budget_stops_with_a_message_naming_it(method):
    # two states that almost never switch: the span contracts by gamma (1 - 2e-6) per backup (slow)
    P = np.array([[[1 - 1e-6, 1e-6]], [[1e-6, 1 - 1e-6]]])
    m = mdplab.MDP(P, np.array([[1.0], [0.0]]), discount=0.999)
    with pytest.warns(CertificateWarning, match="work budget of 1e\\+06 .*pass budget="):
        sol = mdplab.solve(m, method=method, tol=1e-6, budget=1e6)
    assert not sol.converged


def test_work_budget_stops_the_default_with_a_message_naming_it():
    """The default evaluates the two-state chain above exactly (next test), so its budget is tested on a random
    sparse model at gamma = 0.999 with a budget below two greedy backups (each reads 200 x 3 x 4 entries)."""
    from scenarios.instances.classic import random_sparse

    m = random_sparse(200, 3, 4, seed=1, discount=0.999)
    with pytest.warns(CertificateWarning, match="work budget of 3e\\+03 .*pass budget="):
        sol = mdplab.solve(m, tol=1e-9, budget=3e3)
    assert not sol.converged


def test_auto_evaluates_a_slowly_mixing_chain_exactly_within_the_budget():
    """Sweeps contract by gamma (1 - 2e-6) here (the budget above stops vi / gs / mpi); adaptive MPI predicts
    millions of sweeps and evaluates the policy by one direct solve instead (issue 15, section 4)."""
    P = np.array([[[1 - 1e-6, 1e-6]], [[1e-6, 1 - 1e-6]]])
    m = mdplab.MDP(P, np.array([[1.0], [0.0]]), discount=0.999)
    sol = mdplab.solve(m, tol=1e-6, budget=1e6)
    assert sol.converged and sol.info["direct_evaluations"] >= 1
    exact = np.linalg.solve(np.eye(2) - 0.999 * P[:, 0, :], np.array([1.0, 0.0]))
    assert np.abs(sol.values - exact).max() <= 1e-6


def test_budget_is_validated():
    with pytest.raises(ValueError, match="budget"):
        mdplab.solve(mdplab.MDP(P3, R3, discount=0.9), method="vi", budget=-5)


@pytest.mark.parametrize("method", ["vi", "gs", "pi", "mpi", "auto", "lp"])
def test_overflowing_rewards_raise_naming_the_scale(method):
    """Was: R = 1e308 gave Infinity values with converged: true."""
    m = mdplab.MDP(P3, np.full((3, 2), 1e308), discount=0.9)
    with pytest.raises(ModelError, match="overflowed float64.*max \\|R\\| = 1e\\+308"):
        mdplab.solve(m, method=method)


def test_rvi_overflow_raises():
    m = mdplab.MDP(P3, np.full((3, 2), 1e308), average_reward=True)
    with pytest.raises(ModelError, match="overflow"):
        mdplab.solve(m, method="rvi")


def test_solution_method_names_the_schedule_that_ran():
    m = mdplab.MDP(P3, R3, discount=0.9)
    assert mdplab.solve(m).method == "mpi-adaptive"
    assert mdplab.solve(m, method="mpi-adaptive").method == "mpi-adaptive"
    assert mdplab.solve(m, method="mpi").method == "mpi"
    assert modified_policy_iteration(m, m="adaptive").method == "mpi-adaptive"   # the old spelling still works
    a = adaptive_modified_policy_iteration(m, tol=1e-9)
    b = modified_policy_iteration(m, m=5, tol=1e-9)
    np.testing.assert_allclose(a.values, b.values, atol=1e-9)
