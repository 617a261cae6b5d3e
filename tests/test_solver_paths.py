"""The solver paths added for issue 15, each against an independent oracle (dense LU, a banded closed
structure, brute force over policies, the LP): sparse direct policy evaluation, its fill estimate, Gauss-Seidel
VI with midpoint restarts, the default (adaptive MPI) on a slow-mixing queue."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import mdplab
from mdplab.operators import policy_matrix
from mdplab.solvers import evaluate_policy, linear_programming
from mdplab.solvers.discounted import rcm_profile, sparse_direct_is_cheap, sparse_direct_solve
from scenarios.instances.classic import gridworld, random_dense, random_sparse

from _reference import exact_v_star

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from solvers import birth_death_queue, grid_without_goal  # noqa: E402


@pytest.mark.parametrize("gamma", [0.9, 0.999])
@pytest.mark.parametrize("builder", [lambda g: gridworld(25, 0.2, discount=g),
                                     lambda g: random_sparse(700, 3, 4, seed=5, discount=g)])
def test_sparse_direct_solve_matches_dense_lu(builder, gamma):
    model = builder(gamma)
    pi = np.random.default_rng(0).integers(0, model.n_actions, model.n_states)
    P_pi, R_pi = policy_matrix(model, pi)
    oracle = np.linalg.solve(np.eye(model.n_states) - gamma * P_pi.toarray(), R_pi)
    got = sparse_direct_solve(P_pi, R_pi, gamma)
    assert np.abs(got - oracle).max() <= 1e-9 * max(1.0, np.abs(oracle).max())
    assert np.abs(evaluate_policy(model, pi, method="direct") - oracle).max() <= 1e-9 * max(1.0, np.abs(oracle).max())


def test_rcm_profile_of_a_chain_is_its_length():
    # a birth-death chain is tridiagonal in its own order: RCM keeps a bandwidth of 1, profile S - 1
    model = birth_death_queue(300, 0.99)
    P_pi, _ = policy_matrix(model, np.zeros(300, dtype=np.int64))
    assert rcm_profile(P_pi) == 299
    assert sparse_direct_is_cheap(P_pi)


def test_random_graph_is_not_cheap_for_direct_solve():
    model = random_sparse(6000, 2, 5, seed=1, discount=0.9)
    P_pi, _ = policy_matrix(model, np.zeros(6000, dtype=np.int64))
    assert not sparse_direct_is_cheap(P_pi)


def test_large_local_model_gets_the_direct_solve_and_it_solves_the_system():
    # above DIRECT_SOLVE_MAX_STATES: the banded queue takes the direct path; check the linear system itself
    # (error <= residual / (1 - gamma) for I - gamma P_pi)
    model = birth_death_queue(8000, 0.999)
    pi = np.random.default_rng(2).integers(0, model.n_actions, 8000)
    P_pi, R_pi = policy_matrix(model, pi)
    assert sparse_direct_is_cheap(P_pi)
    v = evaluate_policy(model, pi)
    residual = np.abs(v - 0.999 * (P_pi @ v) - R_pi).max()
    assert residual / (1 - 0.999) <= 1e-8 * np.abs(v).max()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("gamma", [0.5, 0.95, 0.99])
def test_gauss_seidel_with_restarts_meets_its_certificate(seed, gamma):
    model = random_dense(5, 3, seed=seed, discount=gamma)
    v_star = exact_v_star(np.asarray(model.P), np.asarray(model.R), gamma)
    tol = 1e-6
    sol = mdplab.solve(model, method="gs", tol=tol)
    assert sol.converged
    assert np.abs(sol.values - v_star).max() <= tol / 2
    v_pi = evaluate_policy(model, sol.policy, method="direct")
    assert (v_star - v_pi).max() <= tol


def test_gauss_seidel_on_a_gridworld_without_goal_against_the_lp():
    model = grid_without_goal(12, 0.1, 0.99)
    tol = 1e-6
    sol = mdplab.solve(model, method="gs", tol=tol)
    lp = linear_programming(model, tol=1e-9)
    assert sol.converged
    assert np.abs(sol.values - lp.values).max() <= tol / 2 + 1e-7


@pytest.mark.parametrize("gamma", [0.99, 0.999])
def test_default_on_a_slow_mixing_queue_is_certified(gamma):
    model = birth_death_queue(200, gamma)
    tol = 1e-6
    sol = mdplab.solve(model, tol=tol)
    assert sol.method == "mpi-adaptive" and sol.converged
    P = sp.csr_matrix(model.transitions_csr()).toarray().reshape(200, model.n_actions, 200)
    # oracle: policy iteration with dense LU on the dense copy, then its exact values
    dense = mdplab.MDP(P, np.asarray(model.R), discount=gamma)
    ref = mdplab.solve(dense, method="pi", tol=1e-9)
    v_star = evaluate_policy(dense, ref.policy, method="direct")
    assert np.abs(sol.values - v_star).max() <= tol / 2 + 1e-9
    assert (v_star - evaluate_policy(dense, sol.policy, method="direct")).max() <= tol + 1e-9
