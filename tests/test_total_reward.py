"""Undiscounted total reward / stochastic shortest path (mdplab.solvers.total, mdplab.evaluation).

Published values: AIMA's 4x3 world (Russell & Norvig, *Artificial Intelligence: A Modern Approach*, 3rd ed.
2010, Fig. 17.3: utilities with gamma = 1 and R(s) = -0.04) and Sutton & Barto's gridworld (*Reinforcement
Learning: An Introduction*, 2nd ed. 2018, Example 4.1 and Figure 4.1, the k = infinity column).
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdplab
from mdplab.errors import NotApplicableError
from mdplab.evaluation import evaluate_policy, total_reward_values
from mdplab.solvers.total import almost_sure_goal_states, goal_states, proper_policy, total_reward_policy_iteration

# ------------------------------------------------------------------------------------------------- AIMA 4x3
MOVES = {0: (0, 1), 1: (1, 0), 2: (0, -1), 3: (-1, 0)}   # up, right, down, left in (x, y)
PERP = {0: (3, 1), 1: (0, 2), 2: (1, 3), 3: (2, 0)}


def aima_4x3(step_reward: float = -0.04):
    """AIMA Sec. 17.1: 4x3 grid, wall at (2, 2), terminals (4, 3) = +1 and (4, 2) = -1; the intended move
    with probability 0.8, each perpendicular one 0.1; bumping stays.  Terminal states have one exit action
    to an absorbing zero-reward sink (the goal state), paying their reward; other states earn R(s)."""
    cells = [(x, y) for y in (1, 2, 3) for x in (1, 2, 3, 4) if (x, y) != (2, 2)]
    index = {c: i for i, c in enumerate(cells)}
    S, A = len(cells) + 1, 4
    sink = S - 1
    P = np.zeros((S, A, S))
    R = np.full((S, A), step_reward)
    terminal = {(4, 3): 1.0, (4, 2): -1.0}

    def go(c, d):
        n = (c[0] + MOVES[d][0], c[1] + MOVES[d][1])
        return index[n] if n in index else index[c]

    for c, s in index.items():
        if c in terminal:
            P[s, :, sink] = 1.0
            R[s, :] = terminal[c]
            continue
        for a in range(A):
            P[s, a, go(c, a)] += 0.8
            for d in PERP[a]:
                P[s, a, go(c, d)] += 0.1
    P[sink, :, sink] = 1.0
    R[sink, :] = 0.0
    return mdplab.MDP(P, R, average_reward=True), index


# Fig. 17.3 (3rd ed.), three decimals as printed
AIMA_U = {(1, 3): 0.812, (2, 3): 0.868, (3, 3): 0.918, (4, 3): 1.0,
          (1, 2): 0.762, (3, 2): 0.660, (4, 2): -1.0,
          (1, 1): 0.705, (2, 1): 0.655, (3, 1): 0.611, (4, 1): 0.388}


def test_aima_4x3_published_utilities():
    m, index = aima_4x3()
    sol = total_reward_policy_iteration(m)
    assert sol.converged and sol.method == "total_pi"
    for c, u in AIMA_U.items():
        assert sol.values[index[c]] == pytest.approx(u, abs=5e-4), c   # printed to 3 decimals
    # Fig. 17.2(a): the optimal policy at (3, 1) goes left (the long way round), at (3, 2) up
    assert sol.policy[index[(3, 1)]] == 3 and sol.policy[index[(3, 2)]] == 0
    assert sol.values[-1] == 0.0


def test_aima_4x3_via_solve_dispatch():
    m, index = aima_4x3()
    sol = mdplab.solve(m, method="total")
    assert sol.values[index[(1, 1)]] == pytest.approx(0.705, abs=5e-4)


# ------------------------------------------------------------------------------------ Sutton & Barto Ex. 4.1
def sutton_barto_grid():
    """4x4 grid, terminal corners 0 and 15 (one merged absorbing goal is equivalent; kept as two here),
    actions up/right/down/left deterministic, off-grid moves stay, reward -1 per step."""
    S, A = 16, 4
    P = np.zeros((S, A, S))
    R = np.full((S, A), -1.0)
    for s in range(S):
        if s in (0, 15):
            P[s, :, s] = 1.0
            R[s] = 0.0
            continue
        r, c = divmod(s, 4)
        for a, (dr, dc) in enumerate([(-1, 0), (0, 1), (1, 0), (0, -1)]):
            nr, nc = r + dr, c + dc
            P[s, a, nr * 4 + nc if 0 <= nr < 4 and 0 <= nc < 4 else s] = 1.0
    return mdplab.MDP(P, R, average_reward=True)


# Figure 4.1, k = infinity, v_pi of the equiprobable random policy
SB_RANDOM = [0, -14, -20, -22, -14, -18, -20, -20, -20, -20, -18, -14, -22, -20, -14, 0]


def test_sutton_barto_random_policy_k_infinity():
    m = sutton_barto_grid()
    val = evaluate_policy(m, np.full((16, 4), 0.25), total_reward=True)
    assert val.criterion == "total"
    np.testing.assert_allclose(val.values, SB_RANDOM, atol=1e-9)


def test_sutton_barto_optimal_is_minus_distance():
    sol = total_reward_policy_iteration(sutton_barto_grid())
    dist = [min(r + c, (3 - r) + (3 - c)) for r in range(4) for c in range(4)]   # Fig. 4.1, greedy column
    np.testing.assert_allclose(sol.values, -np.array(dist, float), atol=1e-12)


# ------------------------------------------------------------------------------------------------ refusals
def test_no_proper_policy_is_a_clear_error():
    # state 1 can only loop on itself at a cost: nothing terminates from it
    P = np.zeros((3, 2, 3))
    P[0, 0, 2] = 1.0
    P[0, 1, 1] = 1.0
    P[1, :, 1] = 1.0
    P[2, :, 2] = 1.0
    R = np.array([[-1.0, -1.0], [-1.0, -1.0], [0.0, 0.0]])
    m = mdplab.MDP(P, R, average_reward=True)
    with pytest.raises(NotApplicableError, match=r"no proper policy: from state\(s\) \[1\]"):
        total_reward_policy_iteration(m)
    with pytest.raises(NotApplicableError, match="improper"):
        total_reward_values(m, np.array([1, 0, 0]))


def test_no_goal_state():
    m = mdplab.MDP(np.full((2, 1, 2), 0.5), [[-1.0], [-2.0]], average_reward=True)
    with pytest.raises(NotApplicableError, match="no goal state"):
        total_reward_policy_iteration(m)


def test_positive_cycle_is_reported_unbounded():
    # state 0 may loop forever earning +1 (improper, total reward +inf) or stop
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = 1.0
    P[0, 1, 1] = 1.0
    P[1, :, 1] = 1.0
    m = mdplab.MDP(P, [[1.0, 0.0], [0.0, 0.0]], average_reward=True)
    with pytest.raises(NotApplicableError, match="may be unbounded"):
        total_reward_policy_iteration(m)


def test_improper_policy_with_zero_reward_class_is_evaluated():
    # a zero-reward 2-cycle is a recurrent class earning 0: finite total reward
    P = np.zeros((3, 1, 3))
    P[0, 0, 1] = 1.0
    P[1, 0, 2] = 1.0
    P[2, 0, 1] = 1.0
    m = mdplab.MDP(P, [[5.0], [0.0], [0.0]], average_reward=True)
    np.testing.assert_allclose(total_reward_values(m, np.zeros(3, dtype=int)), [5.0, 0.0, 0.0])


# ------------------------------------------------------------------------------------ properties (hypothesis)
def _random_ssp(S, A, seed):
    """Last state is the goal; the others lose reward each step (so every improper policy earns -inf)."""
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(S, A))
    P[:, :, -1] += rng.uniform(0.05, 0.5, size=(S, A))
    P /= P.sum(axis=2, keepdims=True)
    P[-1] = 0.0
    P[-1, :, -1] = 1.0
    R = -rng.uniform(0.1, 2.0, size=(S, A))
    R[-1] = 0.0
    return P, R


@settings(max_examples=20, deadline=None, derandomize=True)
@given(S=st.integers(2, 4), A=st.integers(1, 3), seed=st.integers(0, 2**31 - 1))
def test_total_pi_is_best_proper_policy_by_enumeration(S, A, seed):
    P, R = _random_ssp(S, A, seed)
    m = mdplab.MDP(P, R, average_reward=True)
    sol = total_reward_policy_iteration(m)
    best = np.full(S, -np.inf)
    for pi in itertools.product(range(A), repeat=S):   # every policy is proper here (goal reached w.p. > 0 each step)
        best = np.maximum(best, total_reward_values(m, np.array(pi)))
    np.testing.assert_allclose(sol.values, best, atol=1e-9)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(S=st.integers(2, 4), A=st.integers(1, 3), seed=st.integers(0, 2**31 - 1), k=st.integers(0, 10**6))
def test_total_equals_limit_of_discounted(S, A, seed, k):
    """For a proper policy, v_total - v_gamma = sum_t (1 - gamma^t) Q^t r, and 1 - gamma^t <= t (1 - gamma), so
    |v_total - v_gamma| <= (1 - gamma) Q (I - Q)^{-2} |r| (Q: the policy's transient block): the discounted
    values converge to the total ones at rate (1 - gamma); the bound is computed independently of both."""
    P, R = _random_ssp(S, A, seed)
    m = mdplab.MDP(P, R, average_reward=True)
    pi = np.array([(k >> s) % A for s in range(S)])
    v_tot = total_reward_values(m, pi)
    T = np.arange(S - 1)
    Q = P[T, pi[T]][:, T]
    N = np.linalg.inv(np.eye(S - 1) - Q)
    bound = Q @ N @ N @ np.abs(R[T, pi[T]])
    for eps in (1e-2, 1e-4, 1e-6):
        v_g = evaluate_policy(m.with_criterion(discount=1 - eps), pi).values
        assert np.all(np.abs(v_tot[T] - v_g[T]) <= eps * bound + 1e-9 * (1 + np.abs(v_tot[T])))
    # and the optimal values: total PI's values are the limit of the discounted optima
    # With R <= 0, v_gamma^pi >= v_total^pi for every pi, so v*_gamma >= v*_total; and v*_gamma = v_gamma^{pi_g} <=
    # v_total^{pi_g} + (1 - gamma) bound(pi_g) <= v*_total + (1 - gamma) bound(pi_g), pi_g the discounted optimum.
    eps = 1e-6
    sol = total_reward_policy_iteration(m)
    disc = mdplab.solve(m.with_criterion(discount=1 - eps), method="pi", tol=1e-5)
    assert disc.converged
    pg = disc.policy
    Qg = P[T, pg[T]][:, T]
    Ng = np.linalg.inv(np.eye(S - 1) - Qg)
    slack = disc.error_bound + 1e-9 * (1 + np.abs(sol.values[T]))   # the discounted values' certified error
    assert np.all(disc.values[T] >= sol.values[T] - slack)
    assert np.all(disc.values[T] <= sol.values[T] + eps * (Qg @ Ng @ Ng @ np.abs(R[T, pg[T]])) + slack)


def test_goal_and_reachability_helpers():
    m, index = aima_4x3()
    goal = goal_states(m)
    assert goal.tolist() == [False] * 11 + [True]
    W, layer = almost_sure_goal_states(m)
    assert W.all() and layer[-1] == 0 and layer[index[(4, 3)]] == 1
    pi = proper_policy(m)
    total_reward_values(m, pi)          # proper: no error


# ------------------------------------------------------------------------------------------------ CLI
def test_cli_solve_total_reward(tmp_path, capsys):
    import json

    from mdplab.cli import main
    from mdplab.io import save_npz

    m, index = aima_4x3()
    path = tmp_path / "aima.npz"
    save_npz(m, path)
    assert main(["solve", str(path), "--total-reward", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "total_pi" and out["converged"]
    assert out["values"][index[(1, 1)]] == pytest.approx(0.705, abs=5e-4)       # AIMA Fig. 17.3
    assert main(["solve", str(path), "--total-reward", "--discount", "0.9"]) == 2
    assert "cannot be combined with --discount" in capsys.readouterr().err


def test_cli_solve_total_reward_without_proper_policy(tmp_path, capsys):
    from mdplab.cli import main

    path = tmp_path / "loop.npz"
    np.savez(path, P=np.full((2, 1, 2), 0.5), R=np.array([[-1.0], [-2.0]]))
    assert main(["solve", str(path), "--total-reward"]) == 2
    err = capsys.readouterr().err
    assert "no proper policy" in err and "Traceback" not in err
