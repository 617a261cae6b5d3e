"""Multichain average reward (mdplab.solvers.multichain: Puterman 1994, Alg. 9.2.1 and the LP of Sec. 9.3).

Peer case: sawcordwell/pymdptoolbox @ 7c96789c, src/tests/test_issue7.py (the 9-state model of lines 9-48, the
expected policy of line 51, run through RelativeValueIteration at lines 194-208): a multichain model that
mdplab's ``rvi`` and ``avg_pi`` refuse.  Oracles otherwise: closed forms and enumeration of every deterministic
stationary policy (a gain-optimal one exists among them, Puterman Thm 9.1.8).
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdplab
from mdplab.errors import NotApplicableError
from mdplab.forms import from_pymdptoolbox
from mdplab.regret import policy_gain
from mdplab.solvers import average_reward_policy_iteration, classify_chain, relative_value_iteration
from mdplab.solvers.multichain import multichain_linear_programming, multichain_policy_iteration

#: Tolerances of the LP comparisons.  Gains of returned policies are exact linear solves on both sides
#: (policy_gain): rounding only, so 1e-9.  The LP's own primal gain (HiGHS multipliers) carries the
#: simplex feasibility tolerance (HiGHS default 1e-7): compared at 1e-6.
EXACT_GAIN_ATOL = 1e-9
LP_GAIN_ATOL = 1e-6

ISSUE7_P0 = np.zeros((9, 9))
ISSUE7_P0[0, 3], ISSUE7_P0[0, 6] = 0.64, 0.36
ISSUE7_P0[1, 4], ISSUE7_P0[1, 7] = 0.93, 0.07
ISSUE7_P0[2, 5], ISSUE7_P0[2, 8] = 0.2, 0.8
for _s in range(3, 9):
    ISSUE7_P0[_s, _s] = 1.0
ISSUE7_P1 = np.zeros((9, 9))
ISSUE7_P1[0, 2], ISSUE7_P1[0, 4] = 0.4, 0.6
ISSUE7_P1[1, 4] = 1.0
ISSUE7_P1[2, 2] = 1.0
ISSUE7_P1[3, 4], ISSUE7_P1[3, 5] = 0.87, 0.13
ISSUE7_P1[4, 4] = ISSUE7_P1[5, 5] = 1.0
ISSUE7_P1[6, 7], ISSUE7_P1[6, 8] = 0.11, 0.89
ISSUE7_P1[7, 7] = ISSUE7_P1[8, 8] = 1.0
ISSUE7_R1 = np.zeros((9, 9))
ISSUE7_R1[0, 4] = ISSUE7_R1[1, 4] = 1.0


def issue7():
    return from_pymdptoolbox([ISSUE7_P0, ISSUE7_P1], [np.zeros((9, 9)), ISSUE7_R1], average_reward=True)


def test_pymdptoolbox_issue7_multichain():
    m = issue7()
    np.testing.assert_array_equal(m.R[:, 1], [0.6, 1.0, 0, 0, 0, 0, 0, 0, 0])      # test_issue7.py:47-48 computed_R
    assert classify_chain(m).kind == "multichain"
    with pytest.raises(NotApplicableError, match="multichain"):
        relative_value_iteration(m)
    with pytest.raises(NotApplicableError, match="multichain"):
        average_reward_policy_iteration(m)
    sol = mdplab.solve(m, method="multichain")
    assert sol.converged and sol.method == "multichain_pi"
    np.testing.assert_allclose(sol.gain, 0.0, atol=1e-12)    # rewards only on transient states: g* = 0
    assert tuple(sol.policy) == (1, 1, 0, 0, 0, 0, 0, 0, 0)   # test_issue7.py:51 (pymdptoolbox's RVI answer)


def test_two_absorbing_rewards_closed_form():
    # state 0: action 0 -> absorbing state 1 (reward 1 per step), action 1 -> absorbing state 2 (reward 3),
    # state 3: action 0 -> state 1, action 1 -> a coin between 1 and 2 -> g* = (3, 1, 3, 2)
    P = np.zeros((4, 2, 4))
    P[0, 0, 1] = P[0, 1, 2] = 1.0
    P[1, :, 1] = P[2, :, 2] = 1.0
    P[3, 0, 1] = 1.0
    P[3, 1, 1] = P[3, 1, 2] = 0.5
    R = np.array([[5.0, 0.0], [1.0, 1.0], [3.0, 3.0], [0.0, 0.0]])
    sol = multichain_policy_iteration(mdplab.MDP(P, R, average_reward=True))
    np.testing.assert_allclose(sol.gain, [3.0, 1.0, 3.0, 2.0], atol=1e-12)
    assert sol.policy[0] == 1 and sol.policy[3] == 1
    assert not sol.info["gain_constant"]


def test_infeasible_actions_multichain():
    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = P[0, 1, 2] = 1.0
    P[1, :, 1] = P[2, :, 2] = 1.0
    R = np.array([[0.0, -np.inf], [1.0, 1.0], [3.0, 3.0]])     # the better branch is infeasible
    sol = multichain_policy_iteration(mdplab.MDP(P, R, average_reward=True))
    np.testing.assert_allclose(sol.gain, [1.0, 1.0, 3.0], atol=1e-12)
    assert not np.isnan(sol.q).any()


def _random_model(S, A, seed, multichain):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S) * 0.5, size=(S, A))
    P[P < 0.15] = 0.0                       # sparse supports: multichain structure appears
    if multichain:
        P[0] = 0.0
        P[0, :, 0] = 1.0                    # state 0 absorbing under every action
    P[P.sum(axis=2) == 0, 0] = 1.0
    P /= P.sum(axis=2, keepdims=True)
    return P, rng.normal(size=(S, A))


@settings(max_examples=25, deadline=None, derandomize=True)
@given(S=st.integers(1, 4), A=st.integers(1, 3), seed=st.integers(0, 2**31 - 1), multichain=st.booleans())
def test_multichain_gain_equals_best_policy_by_enumeration(S, A, seed, multichain):
    P, R = _random_model(S, A, seed, multichain)
    sol = multichain_policy_iteration(mdplab.MDP(P, R, average_reward=True))
    best = np.full(S, -np.inf)
    for pi in itertools.product(range(A), repeat=S):
        best = np.maximum(best, policy_gain(P, R, np.array(pi))[0])
    np.testing.assert_allclose(sol.gain, best, atol=1e-9)
    np.testing.assert_allclose(policy_gain(P, R, sol.policy)[0], best, atol=1e-9)   # the returned policy attains it


@settings(max_examples=20, deadline=None, derandomize=True)
@given(S=st.integers(1, 5), A=st.integers(1, 3), seed=st.integers(0, 2**31 - 1))
def test_multichain_on_unichain_equals_avg_pi(S, A, seed):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(S, A))      # all entries positive: every policy unichain
    R = rng.normal(size=(S, A))
    m = mdplab.MDP(P, R, average_reward=True)
    mc = multichain_policy_iteration(m)
    ref = average_reward_policy_iteration(m)
    np.testing.assert_allclose(mc.gain, ref.gain, atol=1e-10)
    assert mc.info["gain_constant"]


def test_broken_variant_without_gain_step_fails_on_closed_form():
    """The checker bites: the unichain improvement (greedy on R + P h only, no gain step) is stable at the initial
    policy of this model, whose gain at state 0 is 1, while the optimum is 3 (closed form: move to the 1 <-> 2
    cycle earning 3 per step)."""
    P = np.zeros((3, 2, 3))
    P[0, 0, 0] = 1.0                    # stay at 0 earning 1 ...
    P[0, 1, 1] = 1.0                    # ... or move (earning 0 once) to the cycle 1 <-> 2 earning 3
    P[1, :, 2] = P[2, :, 1] = 1.0
    R = np.array([[1.0, 0.0], [3.0, 3.0], [3.0, 3.0]])
    sol = multichain_policy_iteration(mdplab.MDP(P, R, average_reward=True))
    np.testing.assert_allclose(sol.gain, [3.0, 3.0, 3.0], atol=1e-12)
    pi0 = np.zeros(3, dtype=int)
    g0, h0 = policy_gain(P, R, pi0)
    broken = (R + P @ h0).argmax(axis=1)           # unichain improvement step
    assert broken.tolist() == pi0.tolist() and g0[0] == pytest.approx(1.0)   # stuck at gain 1


def test_cli_solve_multichain(tmp_path, capsys):
    import json

    from mdplab.cli import main

    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = P[0, 1, 2] = 1.0
    P[1, :, 1] = P[2, :, 2] = 1.0
    path = tmp_path / "mc.npz"
    np.savez(path, P=P, R=np.array([[0.0, 0.0], [1.0, 1.0], [3.0, 3.0]]))
    assert main(["solve", str(path), "--method", "multichain", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["gain"] == [3.0, 1.0, 3.0] and out["policy"][0] == 1      # closed form: go to the better state
    assert main(["solve", str(path)]) == 2                               # rvi (the default) refuses, naming the way out
    assert "method='multichain'" in capsys.readouterr().err


def test_lp_pymdptoolbox_issue7_multichain():
    sol = mdplab.solve(issue7(), method="multichain-lp")
    assert sol.converged and sol.method == "multichain_lp"
    np.testing.assert_allclose(sol.gain, 0.0, atol=EXACT_GAIN_ATOL)    # rewards only on transient states: g* = 0
    np.testing.assert_allclose(sol.info["lp_gain"], 0.0, atol=LP_GAIN_ATOL)
    np.testing.assert_allclose(sol.gain, mdplab.solve(issue7(), method="multichain").gain, atol=EXACT_GAIN_ATOL)


def test_lp_two_absorbing_rewards_closed_form():
    P = np.zeros((4, 2, 4))
    P[0, 0, 1] = P[0, 1, 2] = 1.0
    P[1, :, 1] = P[2, :, 2] = 1.0
    P[3, 0, 1] = 1.0
    P[3, 1, 1] = P[3, 1, 2] = 0.5
    R = np.array([[5.0, 0.0], [1.0, 1.0], [3.0, 3.0], [0.0, 0.0]])
    sol = multichain_linear_programming(mdplab.MDP(P, R, average_reward=True))
    np.testing.assert_allclose(sol.gain, [3.0, 1.0, 3.0, 2.0], atol=EXACT_GAIN_ATOL)   # closed form (see above)
    np.testing.assert_allclose(sol.info["lp_gain"], [3.0, 1.0, 3.0, 2.0], atol=LP_GAIN_ATOL)
    assert sol.policy[0] == 1 and sol.policy[3] == 1 and sol.converged
    # Dual objective = alpha . g* (uniform alpha): (3 + 1 + 3 + 2) / 4
    assert sol.info["lp_objective"] == pytest.approx(9.0 / 4.0, abs=LP_GAIN_ATOL)


def test_lp_infeasible_actions():
    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = P[0, 1, 2] = 1.0
    P[1, :, 1] = P[2, :, 2] = 1.0
    R = np.array([[0.0, -np.inf], [1.0, 1.0], [3.0, 3.0]])
    sol = multichain_linear_programming(mdplab.MDP(P, R, average_reward=True))
    np.testing.assert_allclose(sol.gain, [1.0, 1.0, 3.0], atol=EXACT_GAIN_ATOL)
    assert sol.policy[0] == 0 and sol.info["x"][0, 1] == 0 and sol.info["y"][0, 1] == 0


def test_lp_refuses_bad_initial_distribution():
    m = issue7()
    with pytest.raises(mdplab.errors.ModelError, match="initial_distribution"):
        multichain_linear_programming(m, initial_distribution=np.r_[1.0, np.zeros(8)])


@settings(max_examples=40, deadline=None, derandomize=True)
@given(S=st.integers(1, 5), A=st.integers(1, 3), seed=st.integers(0, 2**31 - 1), multichain=st.booleans(),
       weights_seed=st.integers(0, 10))
def test_lp_equals_policy_iteration_on_random_multichain(S, A, seed, multichain, weights_seed):
    P, R = _random_model(S, A, seed, multichain)
    m = mdplab.MDP(P, R, average_reward=True)
    alpha = np.random.default_rng(weights_seed).dirichlet(np.ones(S))
    alpha = np.maximum(alpha, 1e-3)
    alpha /= alpha.sum()
    lp = multichain_linear_programming(m, initial_distribution=alpha)
    ref = multichain_policy_iteration(m)
    assert lp.converged
    np.testing.assert_allclose(lp.gain, ref.gain, atol=EXACT_GAIN_ATOL)         # exact gain of the LP's policy
    np.testing.assert_allclose(lp.info["lp_gain"], ref.gain, atol=LP_GAIN_ATOL)  # the LP's primal g
    np.testing.assert_allclose(policy_gain(P, R, lp.policy)[0], ref.gain, atol=EXACT_GAIN_ATOL)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(S=st.integers(2, 5), A=st.integers(2, 3), seed=st.integers(0, 2**31 - 1))
def test_lp_equals_policy_iteration_with_infeasible_actions(S, A, seed):
    P, R = _random_model(S, A, seed, True)
    rng = np.random.default_rng(seed + 1)
    off = rng.random((S, A)) < 0.4
    off[np.arange(S), rng.integers(0, A, size=S)] = False      # every state keeps a feasible action
    R = np.where(off, -np.inf, R)
    m = mdplab.MDP(P, R, average_reward=True)
    lp = multichain_linear_programming(m)
    ref = multichain_policy_iteration(m)
    assert lp.converged and not off[np.arange(S), lp.policy].any()
    np.testing.assert_allclose(lp.gain, ref.gain, atol=EXACT_GAIN_ATOL)


def test_lp_broken_policy_rule_fails_on_closed_form():
    """The checker bites: reading the policy from ``x`` alone (ignoring Thm 9.3.8's ``y`` on transient states)
    picks action 0 at the transient state 0 and earns 1 there, not the optimum 3."""
    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = P[0, 1, 2] = 1.0
    P[1, :, 1] = P[2, :, 2] = 1.0
    R = np.array([[0.0, 0.0], [1.0, 1.0], [3.0, 3.0]])
    sol = multichain_linear_programming(mdplab.MDP(P, R, average_reward=True))
    np.testing.assert_allclose(sol.gain, [3.0, 1.0, 3.0], atol=EXACT_GAIN_ATOL)
    broken = sol.info["x"].argmax(axis=1)
    assert policy_gain(P, R, broken)[0][0] == pytest.approx(1.0)


def test_cli_solve_multichain_lp(tmp_path, capsys):
    import json

    from mdplab.cli import main

    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = P[0, 1, 2] = 1.0
    P[1, :, 1] = P[2, :, 2] = 1.0
    path = tmp_path / "mc.npz"
    np.savez(path, P=P, R=np.array([[0.0, 0.0], [1.0, 1.0], [3.0, 3.0]]))
    assert main(["solve", str(path), "--method", "multichain-lp", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["gain"] == [3.0, 1.0, 3.0] and out["policy"][0] == 1      # closed form: go to the better state
