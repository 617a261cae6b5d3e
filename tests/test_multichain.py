"""Multichain average reward (mdplab.solvers.multichain: Puterman 1994, Alg. 9.2.1).

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
from mdplab.solvers.multichain import multichain_policy_iteration

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
