"""Indefinite-horizon undiscounted POMDPs with goal states (mdplab.pomdp_goal).

Oracles: closed forms (a goal version of the tiger problem solved by the gambler's-ruin formulas; a two-step
plan), exact finite-horizon value iteration at ``gamma = 1`` (incremental pruning, mdplab.pomdp_planning, a
second algorithm) bracketing ``V*`` from both sides, and hand-built models without a proper policy.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import mdplab.pomdp_goal as pomdp_goal
from mdplab.errors import ModelError, NotApplicableError
from mdplab.pomdp import POMDP
from mdplab.pomdp_goal import blind_policy_values, goal_pomdp_bounds, pomdp_goal_states
from mdplab.pomdp_planning import AlphaSet, exact_backup, zero_alpha_set


def goal_tiger(acc=0.85, listen=-1.0, win=10.0, lose=-100.0):
    """Tiger (Kaelbling, Littman & Cassandra 1998: listening costs 1 and is right w.p. 0.85, the tiger's door
    costs 100, the other door pays 10), except that opening a door ends the run in the goal state 2."""
    P = np.zeros((3, 3, 3))
    O = np.zeros((3, 3, 3))
    R = np.zeros((3, 3))
    P[0, 0, 0] = P[1, 0, 1] = 1.0                 # listen: stay
    P[:2, 1:, 2] = 1.0                            # open-left / open-right: to the goal
    P[2, :, 2] = 1.0
    O[0, 0] = [acc, 1 - acc, 0]
    O[0, 1] = [1 - acc, acc, 0]
    O[0, 2] = [0, 0, 1]
    O[1:, :, 2] = 1.0
    R[:2, 0] = listen
    R[0, 1], R[0, 2] = lose, win                  # tiger left: open-left loses, open-right wins
    R[1, 1], R[1, 2] = win, lose
    return POMDP(P, O, R, b0=[0.5, 0.5, 0.0], discount=0.95)   # the discount is ignored by the goal solver


def threshold_value(k, acc=0.85, listen=-1.0, win=10.0, lose=-100.0):
    """Value of "listen until one door's count leads by k, then open the other": the lead is a random walk
    from 0 absorbed at +-k, stepping towards the truth w.p. acc (gambler's ruin, Feller 1968, Vol. I, XIV.2-3:
    start i = k on 0..N = 2k; P(win) = (1 - r^i) / (1 - r^N), E[T] = i / (q - p) - N / (q - p) * P(win),
    r = q / p)."""
    if k == 0:
        return 0.5 * win + 0.5 * lose
    p, q = acc, 1 - acc
    r, N, i = q / p, 2 * k, k
    p_win = (1 - r ** i) / (1 - r ** N)
    expected_steps = i / (q - p) - (N / (q - p)) * p_win
    return listen * expected_steps + p_win * win + (1 - p_win) * lose


def test_goal_tiger_closed_form():
    best = max(threshold_value(k) for k in range(12))     # k = 3: 5.159919...
    assert best == pytest.approx(threshold_value(3))
    sol = goal_pomdp_bounds(goal_tiger(), tol=1e-6, max_trials=2000, seed=0)
    assert sol.converged and sol.upper - sol.lower <= 1e-6
    assert sol.upper >= best                      # always: V* >= any policy's value
    assert sol.lower <= best + 1e-12              # the threshold policies are optimal by symmetry
    h = sol.history
    assert (np.diff(h[:, 1]) >= 0).all() and (np.diff(h[:, 2]) <= 0).all()


def test_broken_upper_bound_start_fails():
    """The checker bites: starting the fast-informed-bound sweeps from 0 instead of the MDP's total reward (a
    fixed-point habit from the discounted case) gives an 'upper bound' below the closed-form value."""
    from types import SimpleNamespace

    import mdplab.solvers.total as total

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(total, "total_reward_policy_iteration", lambda m: SimpleNamespace(values=np.zeros(m.n_states)))
        sol = goal_pomdp_bounds(goal_tiger(), tol=1e-6, max_trials=200, seed=0)
    assert sol.upper < threshold_value(3)


def two_step_model():
    """No blind policy terminates from state 0; the plan "a0 then a1" does: V*(s0) = -1 + -4."""
    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = P[1, 0, 1] = 1.0
    P[0, 1, 0] = 1.0
    P[1, 1, 2] = 1.0
    P[2, :, 2] = 1.0
    R = np.array([[-1.0, -2.0], [-3.0, -4.0], [0.0, 0.0]])
    return POMDP(P, np.ones((2, 3, 1)), R, b0=[1.0, 0.0, 0.0], discount=0.9)


def test_lower_bound_from_minus_infinity():
    m = two_step_model()
    blind = blind_policy_values(m, pomdp_goal_states(m))
    assert np.isneginf(blind[0, :2]).all() and np.isneginf(blind[1, 0]) and blind[1, 1] == -4.0
    sol = goal_pomdp_bounds(m, tol=1e-9)
    assert np.isneginf(sol.history[0, 1])         # no terminating plan at the start
    assert sol.lower == pytest.approx(-5.0, abs=1e-12) and sol.upper == pytest.approx(-5.0, abs=1e-12)


def test_broken_dot_product_fails():
    """The checker bites: without the ``0 * (-inf) = 0`` rule the lower bound is NaN, not -5."""
    m = two_step_model()
    naive = lambda B, alpha: B @ alpha.T                     # noqa: E731
    with np.errstate(invalid="ignore"), pytest.MonkeyPatch.context() as mp:
        mp.setattr(pomdp_goal, "_values", naive)
        sol = goal_pomdp_bounds(m, tol=1e-9, max_trials=5)
    assert not sol.lower == pytest.approx(-5.0, abs=1e-6)


def random_goal_pomdp(seed, S=4, A=2, n_obs=2, stop=0.3):
    rng = np.random.default_rng(seed)
    P = np.concatenate([rng.dirichlet(np.ones(S - 1), size=(S, A)) * (1 - stop), np.full((S, A, 1), stop)], axis=2)
    P[S - 1] = 0.0
    P[S - 1, :, S - 1] = 1.0
    O = rng.dirichlet(np.ones(n_obs), size=(A, S))
    R = -rng.uniform(0.5, 2.0, size=(S, A))
    R[S - 1] = 0.0
    return POMDP(P, O, R, b0=np.r_[rng.dirichlet(np.ones(S - 1)), 0.0], discount=0.9)


@pytest.mark.parametrize("seed", [1, 3, 5, pytest.param(0, marks=pytest.mark.slow)])
def test_random_goal_pomdp_against_exact_value_iteration(seed):
    """Exact VI at gamma = 1 brackets V*(b0): from V_0 = {0} (rewards <= 0, so truncation only raises the value)
    from above, from the blind policies' vectors (values of plans) from below."""
    m = random_goal_pomdp(seed)
    goal = pomdp_goal_states(m)
    np.testing.assert_array_equal(goal, [False, False, False, True])
    up = zero_alpha_set(m)
    blind = blind_policy_values(m, goal)
    assert np.isfinite(blind).all()                # stop > 0: every blind policy terminates
    low = AlphaSet(alpha=blind, action=np.arange(2), next=np.full((2, 2), -1))
    for _ in range(40):
        up, low = exact_backup(m, up, gamma=1.0, atol=0.0), exact_backup(m, low, gamma=1.0, atol=0.0)
    v_up, v_low = up.value(m.b0), low.value(m.b0)
    assert v_low <= v_up and v_up - v_low < 1e-4
    sol = goal_pomdp_bounds(m, tol=1e-4, max_trials=200, seed=seed)
    assert sol.lower <= v_up + 1e-9 and sol.upper >= v_low - 1e-9     # both brackets hold V*
    assert sol.upper - sol.lower < 0.05                                  # and the search made progress


def test_refuses_without_proper_policy():
    # states 0 and 1 look alike; a: 0 -> goal, 1 -> trap; b: 1 -> goal, 0 -> trap (the trap never ends)
    P = np.zeros((4, 2, 4))
    P[0, 0, 3] = P[1, 0, 2] = P[0, 1, 2] = P[1, 1, 3] = 1.0
    P[2, :, 2] = P[3, :, 3] = 1.0
    R = np.array([[-1.0, -1.0], [-1.0, -1.0], [-1.0, -1.0], [0.0, 0.0]])
    m = POMDP(P, np.ones((2, 4, 1)), R, b0=[0.5, 0.5, 0, 0], discount=0.9)
    with pytest.raises(NotApplicableError, match="no proper policy"):
        goal_pomdp_bounds(m)
    # the same model from a known start state terminates: -1
    sol = goal_pomdp_bounds(POMDP(P, np.ones((2, 4, 1)), R, b0=[1.0, 0, 0, 0], discount=0.9), tol=1e-9)
    assert sol.lower == pytest.approx(-1.0) and sol.upper == pytest.approx(-1.0)


def test_unobserved_arrival_is_not_refused():
    """Arrival at the goal is never observed in random_goal_pomdp, yet every policy terminates."""
    m = random_goal_pomdp(0)
    assert pomdp_goal.almost_sure_goal_from_b0(m, pomdp_goal_states(m))


def test_refuses_positive_cycle_and_bad_goals():
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = 1.0
    P[1, :, 1] = 1.0
    m = POMDP(P, np.ones((2, 2, 1)), np.array([[1.0, -1.0], [0.0, 0.0]]), b0=[1.0, 0.0], discount=0.9)
    with pytest.raises(NotApplicableError, match="unbounded"):
        goal_pomdp_bounds(m)
    with pytest.raises(ModelError, match=r"goal state\(s\) \[0\]"):
        goal_pomdp_bounds(m, goal=[0])
    no_goal = POMDP(np.full((2, 1, 2), 0.5), np.ones((1, 2, 1)), -np.ones((2, 1)), discount=0.9)
    with pytest.raises(NotApplicableError, match="no goal state"):
        goal_pomdp_bounds(no_goal)
    with pytest.raises(ModelError, match="max_trials"):
        goal_pomdp_bounds(m, max_trials=-1)
    with pytest.raises(ModelError, match="max_seconds"):
        goal_pomdp_bounds(m, max_seconds=float("nan"))
    with pytest.raises(ModelError, match="POMDP"):
        goal_pomdp_bounds(np.zeros((2, 2)))


ZMDP_TESTS = os.environ.get("MDPLAB_ZMDP_TESTS")    # a checkout's src/tests (trey0/zmdp @ d07d4f92)


@pytest.mark.skipif(not ZMDP_TESTS or not os.path.exists(os.path.join(ZMDP_TESTS or "", "test05.pomdp")),
                    reason="set MDPLAB_ZMDP_TESTS to ZMDP's src/tests directory (test05.pomdp is not shipped)")
def test_zmdp_test05_bracket(monkeypatch):
    """ZMDP's src/tests/test05 (the Perl driver, lines 10-13): expectedLB 7.76627, expectedUB 7.76711 at b0 for
    the undiscounted goal model test05.pomdp.  ZMDP reads the file's 0.333333 rows as written (they sum to
    0.999999); mdplab renormalises rows, which moves V*(b0) by about 2e-5."""
    import mdplab.models as models
    from mdplab.cassandra import read_cassandra

    path = os.path.join(ZMDP_TESTS, "test05.pomdp")
    m = read_cassandra(path, discount=0.95)              # discount 1.0 in the file; the goal solver ignores it
    sol = goal_pomdp_bounds(m, tol=1e-7, seed=0)
    assert sol.converged and 7.7662603 <= sol.lower <= sol.upper <= 7.7662605   # renormalised rows
    monkeypatch.setattr(models, "_renormaliser", lambda sums: np.ones_like(sums))
    monkeypatch.setattr(models, "_check_rows", lambda *args, **kwargs: None)
    raw = goal_pomdp_bounds(read_cassandra(path, discount=0.95), tol=1e-7, seed=0)
    assert raw.converged and 7.76627 <= raw.lower <= raw.upper <= 7.76711             # inside ZMDP's bracket
