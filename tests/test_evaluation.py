"""Policy evaluation under every criterion (mdplab.evaluation) and ``mdplab evaluate MODEL POLICY``.

Published numbers: sawcordwell/pymdptoolbox @ 7c96789c (src/tests/test_PolicyIteration.py, src/mdptoolbox/mdp.py
docstrings, src/tests/test_RelativeValueIteration.py); QuantEcon/QuantEcon.py @ 13b436b8
(quantecon/markov/tests/test_ddp.py).  Total reward: tests/test_total_reward.py (AIMA, Sutton & Barto).
"""
from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import mdplab
from mdplab.cli import main
from mdplab.errors import ModelError
from mdplab.evaluation import evaluate_policy, finite_horizon_values
from mdplab.forms import from_pymdptoolbox, sa_pair_mdp
from mdplab.regret import finite_horizon_policy_value

FOREST_P = np.array([[[0.1, 0.9, 0.0], [0.1, 0.0, 0.9], [0.1, 0.0, 0.9]], [[1, 0, 0], [1, 0, 0], [1, 0, 0]]])
FOREST_R = np.array([[0, 0], [0, 1], [4, 2]])


def forest(**criterion):
    return from_pymdptoolbox(FOREST_P, FOREST_R, **criterion)


@pytest.mark.parametrize("sparse", [False, True])
def test_discounted_pymdptoolbox_eval_policy_matrix(sparse):
    # test_PolicyIteration.py:64-68: policy (0, 1, 0) (greedy for V = 0), gamma 0.9
    P = [sp.csr_matrix(p) for p in FOREST_P] if sparse else FOREST_P
    m = from_pymdptoolbox(P, FOREST_R, discount=0.9)
    val = evaluate_policy(m, np.array([0, 1, 0]))
    assert val.criterion == "discounted"
    np.testing.assert_allclose(val.values, [4.47513812154696, 5.02762430939227, 23.17243384704857], atol=1e-11)


def test_discounted_stochastic_policy_against_linear_solve():
    rng = np.random.default_rng(3)
    P = rng.dirichlet(np.ones(4), size=(4, 3))
    R = rng.normal(size=(4, 3))
    pi = rng.dirichlet(np.ones(3), size=4)
    m = mdplab.MDP(P, R, discount=0.8)
    P_pi = np.einsum("sa,sat->st", pi, P)                 # independent oracle: the linear system, by hand
    expect = np.linalg.solve(np.eye(4) - 0.8 * P_pi, (pi * R).sum(axis=1))
    np.testing.assert_allclose(evaluate_policy(m, pi).values, expect, atol=1e-12)


def test_finite_horizon_pymdptoolbox_forest():
    # mdp.py:404-412 (FiniteHorizon docstring, forest(), gamma 0.9, N = 3): fh.V and fh.policy; column k is the
    # value (decision) with 3 - k steps to go, so stage h of mdplab is column h.
    V_cols = np.array([[2.6973, 0.81, 0.0, 0.0], [5.9373, 3.24, 1.0, 0.0], [9.9373, 7.24, 4.0, 0.0]])
    pol_cols = np.array([[0, 0, 0], [0, 0, 1], [0, 0, 0]])
    m = forest(horizon=3, discount=0.9)
    val = evaluate_policy(m, pol_cols.T.copy())
    np.testing.assert_allclose(val.values, V_cols.T, atol=1e-12)


def test_finite_horizon_quantecon_inventory_policy():
    # test_ddp.py:198-232: the optimal time-varying policy sigmas_expected has values vs_expected
    s = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3]
    a = [0, 1, 2, 3, 0, 1, 2, 0, 1, 0]
    R = [0., -1., -2., -5., 5., 0., -3., 6., -1., 5.]
    Q = [[1, 0, 0, 0], [.75, .25, 0, 0], [.25, .5, .25, 0], [0, .25, .5, .25], [.75, .25, 0, 0],
         [.25, .5, .25, 0], [0, .25, .5, .25], [.25, .5, .25, 0], [0, .25, .5, .25], [0, .25, .5, .25]]
    m = sa_pair_mdp(s, a, R, Q, horizon=3, discount=1.0, n_actions=4)
    val = evaluate_policy(m, np.array([[3, 0, 0, 0], [2, 0, 0, 0], [0, 0, 0, 0]]))
    np.testing.assert_allclose(val.values, [[67 / 16, 129 / 16, 194 / 16, 227 / 16], [2, 25 / 4, 10, 21 / 2],
                                            [0, 5, 6, 5], [0, 0, 0, 0]], atol=1e-12)
    with pytest.raises(ModelError, match="infeasible action"):      # action 3 is infeasible at state 1
        evaluate_policy(m, np.array([[3, 3, 0, 0], [2, 0, 0, 0], [0, 0, 0, 0]]))


@settings(max_examples=20, deadline=None, derandomize=True)
@given(S=st.integers(1, 4), A=st.integers(1, 3), H=st.integers(1, 5), seed=st.integers(0, 2**31 - 1))
def test_finite_horizon_matches_regret_evaluator(S, A, H, seed):
    """gamma = 1: the regret module's evaluator (a separate implementation); gamma < 1: the stage-scaling
    identity V_h = gamma^{-h} V'_h with R'_h = gamma^h R_h evaluated undiscounted."""
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(S, A))
    R = rng.normal(size=(H, S, A))
    pi = rng.dirichlet(np.ones(A), size=(H, S))
    m1 = mdplab.MDP(P, R, horizon=H)
    np.testing.assert_allclose(finite_horizon_values(m1, pi), finite_horizon_policy_value(P, R, pi), atol=1e-12)
    g = 0.7
    mg = mdplab.MDP(P, R, horizon=H, discount=g)
    scaled = finite_horizon_policy_value(P, R * g ** np.arange(H)[:, None, None], pi)
    np.testing.assert_allclose(finite_horizon_values(mg, pi), scaled / g ** np.arange(H + 1)[:, None], atol=1e-10)
    ms = mdplab.MDP(sp.csr_matrix(P.reshape(S * A, S)), R[0], horizon=H, discount=g)     # sparse, stationary pi
    md = mdplab.MDP(P, R[0], horizon=H, discount=g)
    np.testing.assert_allclose(finite_horizon_values(ms, pi[0]), finite_horizon_values(md, pi[0]), atol=1e-12)


def test_average_reward_forest_gain():
    # test_RelativeValueIteration.py:31-37: forest(), policy (0, 0, 0), average reward 3.24 (Octave MDPtoolbox)
    val = evaluate_policy(forest(average_reward=True), np.array([0, 0, 0]))
    assert val.criterion == "average"
    np.testing.assert_allclose(val.gain, 3.24, atol=1e-12)
    # bias normalised by P* h = 0: stationary law (0.1, 0.09, 0.81) (closed form of the chain)
    assert float(np.dot([0.1, 0.09, 0.81], val.bias)) == pytest.approx(0.0, abs=1e-12)


def test_average_reward_multichain_policy_gain_varies_by_state():
    # two absorbing states earning 1 and 3; state 0 goes to each with probability 1/2: gains (2, 1, 3)
    P = np.zeros((3, 1, 3))
    P[0, 0, 1] = P[0, 0, 2] = 0.5
    P[1, 0, 1] = P[2, 0, 2] = 1.0
    val = evaluate_policy(mdplab.MDP(P, [[0.0], [1.0], [3.0]], average_reward=True), np.zeros(3, dtype=int))
    np.testing.assert_allclose(val.gain, [2.0, 1.0, 3.0], atol=1e-12)


def test_evaluate_refuses_bad_policies():
    m = forest(discount=0.9)
    with pytest.raises(ModelError, match="actions are 0..1"):
        evaluate_policy(m, np.array([0, 2, 0]))
    with pytest.raises(ModelError, match="sums to"):
        evaluate_policy(m, np.full((3, 2), 0.3))
    with pytest.raises(ModelError, match="policy must have shape"):
        evaluate_policy(forest(horizon=2), np.zeros((5, 3), dtype=int))


# ------------------------------------------------------------------------------------------------ CLI
def _files(tmp_path, **criterion):
    model = tmp_path / "forest.npz"
    arrays = {"P": np.transpose(FOREST_P, (1, 0, 2)), "R": FOREST_R.astype(float)}
    arrays.update({k: np.asarray(v) for k, v in criterion.items()})
    np.savez(model, **arrays)
    return model


def test_cli_evaluate_discounted(tmp_path, capsys):
    model = _files(tmp_path, discount=0.9)
    pol = tmp_path / "pi.npz"
    np.savez(pol, pi=np.array([0, 1, 0]))
    assert main(["evaluate", str(model), str(pol), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(out["values"], [4.47513812154696, 5.02762430939227, 23.17243384704857], atol=1e-11)
    assert out["criterion"] == "discounted"


def test_cli_evaluate_average_and_total(tmp_path, capsys):
    model = _files(tmp_path)
    pol = tmp_path / "pi.npz"
    np.savez(pol, pi=np.array([0, 0, 0]))
    assert main(["evaluate", str(model), str(pol), "--average-reward", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(out["gain"], [3.24] * 3, atol=1e-12)
    # total reward of a policy whose recurrent class earns 4: refused, exit 2, one line
    assert main(["evaluate", str(model), str(pol), "--total-reward"]) == 2
    err = capsys.readouterr().err
    assert "improper" in err and "Traceback" not in err


@pytest.mark.parametrize("content, fragment", [
    ({"policy": np.array([0, 0, 0])}, "'pi'"),
    ({"pi": np.array([0, 5, 0])}, "actions are 0..1"),
    ({"pi": np.array([0.5, 0, 0])}, "integer"),
])
def test_cli_evaluate_bad_policy_files(tmp_path, capsys, content, fragment):
    model = _files(tmp_path, discount=0.9)
    pol = tmp_path / "pi.npz"
    np.savez(pol, **content)
    assert main(["evaluate", str(model), str(pol)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_cli_evaluate_finite_horizon(tmp_path, capsys):
    # mdp.py:404-412 (FiniteHorizon, forest(), gamma 0.9, N = 3), time-varying policy (H, S)
    model = _files(tmp_path, discount=0.9)
    pol = tmp_path / "pi.npz"
    np.savez(pol, pi=np.array([[0, 0, 0], [0, 0, 0], [0, 1, 0]]))
    assert main(["evaluate", str(model), str(pol), "--horizon", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(out["values"][0], [2.6973, 5.9373, 9.9373], atol=1e-12)
    assert out["criterion"] == "finite"
