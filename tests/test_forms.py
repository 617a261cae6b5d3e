"""Infeasible actions (R = -inf), the state-action-pair constructor, per-state rewards and pymdptoolbox's layout.

Peers' examples (numbers only; cited file and line, read at the commits of tests/data/README.md):
QuantEcon/QuantEcon.py @ 13b436b8, quantecon/markov/tests/test_ddp.py; sawcordwell/pymdptoolbox @ 7c96789c,
src/tests/test_MDP.py and src/tests/test_PolicyIteration.py.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import mdplab
from mdplab.errors import ModelError
from mdplab.forms import (from_pomdps_jl_tabular, from_pymdptoolbox, sa_pair_mdp, state_rewards, to_pymdptoolbox,
                          to_sa_pairs)
from mdplab.solvers import evaluate_policy

# ---------------------------------------------------------------- QuantEcon test_ddp.py:15-51 (Puterman Ex. 6.2.1)
BETA = 0.95
R_PUT = [[5, 10], [-1, -np.inf]]
Q_PUT = np.array([[[0.5, 0.5], [0, 1]], [[0, 1], [0, 1]]], dtype=float)
# test_ddp.py:49-50: v* = ((5 - 5.5 beta) / ((1 - 0.5 beta)(1 - beta)), -1 / (1 - beta)), sigma* = (0, 0), beta > 10/11
V_PUT = np.array([(5 - 5.5 * BETA) / ((1 - 0.5 * BETA) * (1 - BETA)), -1 / (1 - BETA)])


def _puterman_models():
    sa = ([0, 0, 1], [0, 1, 0], [5, 10, -1], Q_PUT.reshape(4, 2)[[0, 1, 2]])
    return {
        "dense_-inf": mdplab.MDP(Q_PUT, R_PUT, discount=BETA),
        "sa_dense": sa_pair_mdp(*sa, discount=BETA),
        "sa_sparse": sa_pair_mdp(sa[0], sa[1], sa[2], sp.lil_matrix(sa[3]), discount=BETA),
    }


@pytest.mark.parametrize("form", ["dense_-inf", "sa_dense", "sa_sparse"])
@pytest.mark.parametrize("method", ["vi", "gs", "pi", "mpi", "mpi-adaptive", "lp"])
def test_puterman_621_every_form_every_discounted_solver(form, method):
    m = _puterman_models()[form]
    sol = mdplab.solve(m, method=method, tol=1e-8)
    assert sol.converged
    np.testing.assert_allclose(sol.values, V_PUT, atol=1e-7)
    assert sol.policy.tolist() == [0, 0]
    assert not np.isnan(np.asarray(sol.q)).any()
    assert np.isneginf(sol.q[1, 1])          # the infeasible pair keeps q = -inf, never NaN


def test_sa_pair_forms_agree():
    ms = _puterman_models()
    ref = ms["dense_-inf"]
    for m in ms.values():
        np.testing.assert_array_equal(m.R, ref.R)
        assert m.feasible.tolist() == [[True, True], [True, False]]


def test_infeasible_actions_finite_horizon_and_average():
    m = _puterman_models()["sa_sparse"]
    fh = mdplab.solve(m.with_criterion(horizon=4))
    assert not np.isnan(fh.values).any() and not np.isnan(fh.q).any()
    assert (fh.policy[:, 1] == 0).all()       # the only feasible action at state 1
    # Average reward: state 1 absorbs with reward -1 under every feasible policy: g* = -1 (closed form).
    avg = m.with_criterion(average_reward=True)
    for method in ("rvi", "avg_pi"):
        sol = mdplab.solve(avg, method=method, tol=1e-9)
        assert sol.gain == pytest.approx(-1.0, abs=1e-8)
        assert not np.isnan(sol.bias).any()


def test_infeasible_pair_is_ignored_by_chain_classification():
    # A self-loop on an infeasible action would otherwise form a second end component {1}.
    P = np.array([[[0, 1], [1, 0]], [[1, 0], [0, 1]]], dtype=float)
    m = mdplab.MDP(P, [[0, 1], [2, -np.inf]], average_reward=True)
    from mdplab.solvers import classify_chain

    cs = classify_chain(m)
    assert cs.communicating and cs.unichain


def test_policy_using_infeasible_action_is_refused():
    m = _puterman_models()["dense_-inf"]
    with pytest.raises(ModelError, match="infeasible action"):
        evaluate_policy(m, np.array([0, 1]))
    with pytest.raises(ModelError, match="infeasible action"):
        evaluate_policy(m, np.array([[1.0, 0.0], [0.5, 0.5]]))
    v = evaluate_policy(m, np.array([[0.0, 1.0], [1.0, 0.0]]))   # zero weight on the infeasible pair: no NaN
    assert np.all(np.isfinite(v))


# ---------------------------------------------------------------- QuantEcon test_ddp.py:198-232 (Puterman Sec. 4.6.1)
def test_quantecon_inventory_backward_induction():
    s = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3]
    a = [0, 1, 2, 3, 0, 1, 2, 0, 1, 0]
    R = [0., -1., -2., -5., 5., 0., -3., 6., -1., 5.]
    Q = [[1, 0, 0, 0], [.75, .25, 0, 0], [.25, .5, .25, 0], [0, .25, .5, .25], [.75, .25, 0, 0],
         [.25, .5, .25, 0], [0, .25, .5, .25], [.25, .5, .25, 0], [0, .25, .5, .25], [0, .25, .5, .25]]
    m = sa_pair_mdp(s, a, R, Q, horizon=3, discount=1.0)
    sol = mdplab.solve(m)
    # test_ddp.py:221-227 (vs_expected, sigmas_expected)
    np.testing.assert_allclose(sol.values, [[67 / 16, 129 / 16, 194 / 16, 227 / 16], [2, 25 / 4, 10, 21 / 2],
                                            [0, 5, 6, 5], [0, 0, 0, 0]], atol=1e-12)
    assert sol.policy.tolist() == [[3, 0, 0, 0], [2, 0, 0, 0], [0, 0, 0, 0]]


# ---------------------------------------------------------------- QuantEcon refusals, test_ddp.py:235-318
def test_quantecon_state_without_feasible_action_dense():
    # test_ddp.py:235-255: state 2 has R = -inf for every action
    R = np.array([[0, 1], [0, -np.inf], [-np.inf, -np.inf]])
    Q = np.full((3, 2, 3), 1 / 3)
    with pytest.raises(ModelError, match="s=2"):
        mdplab.MDP(Q, R, discount=0.95)


@pytest.mark.parametrize("s_idx, a_idx, fragment", [
    ([0, 0, 2, 2], [0, 1, 0, 1], "state 1 has no feasible action"),        # test_ddp.py:258-266
])
def test_quantecon_no_feasible_action_pairs(s_idx, a_idx, fragment):
    with pytest.raises(ModelError, match=fragment):
        sa_pair_mdp(s_idx, a_idx, [1, 0, 0, 1], [(1 / 3,) * 3] * 4)


@pytest.mark.parametrize("s_idx", [[0, 0, 1, 1], [1, 0, 1, 0]])
def test_quantecon_trailing_state_without_action(s_idx):
    # test_ddp.py:269-283: the last state (2) has no pair; S is read from P's columns
    with pytest.raises(ModelError, match="state 2 has no feasible action"):
        sa_pair_mdp(s_idx, [0, 1, 0, 1] if s_idx[0] == 0 else [0, 0, 1, 1], [1, 0, 0, 1], [(1 / 3,) * 3] * 4)


@pytest.mark.parametrize("sparse", [False, True])
def test_quantecon_duplicate_pair(sparse):
    # test_ddp.py:286-298
    Q = [(0.5, 0.5), (1., 0.), (0.25, 0.75), (0.6, 0.4)]
    with pytest.raises(ModelError, match=r"\(s=1, a=0\) is listed more than once"):
        sa_pair_mdp([1, 1, 0, 0], [0, 0, 0, 1], [1., 2., 3., 4.], sp.csr_matrix(Q) if sparse else Q)


@pytest.mark.parametrize("s_idx", [[0, 2], [2, 0], [0, -1]])
@pytest.mark.parametrize("sparse", [False, True])
def test_quantecon_out_of_range(s_idx, sparse):
    # test_ddp.py:301-318 (and negative indices)
    Q = [(1.0, 0.0), (0.0, 1.0)]
    with pytest.raises(ModelError, match="outside 0..1"):
        sa_pair_mdp(s_idx, [0, 0], [1.0, 2.0], sp.csr_matrix(Q) if sparse else Q)


def test_sa_pairs_other_refusals():
    with pytest.raises(ModelError, match="one entry per state-action pair"):
        sa_pair_mdp([0, 1], [0, 0], [1.0], [[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ModelError, match="finite reward"):
        sa_pair_mdp([0, 1], [0, 0], [1.0, -np.inf], [[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ModelError, match="sums to"):
        sa_pair_mdp([0, 1], [0, 0], [1.0, 2.0], [[1.0, 0.5], [0.0, 1.0]], discount=0.9)
    with pytest.raises(ModelError, match="integers"):
        sa_pair_mdp([0, 1.5], [0, 0], [1.0, 2.0], [[1.0, 0.0], [0.0, 1.0]], discount=0.9)


def test_quantecon_sorting():
    # test_ddp.py:161-195: shuffled pairs give the same model as sorted ones
    R, Q = [0, 1, 2], [(1, 0), (1 / 2, 1 / 2), (0, 1)]
    m0 = sa_pair_mdp([0, 0, 1], [0, 1, 0], R, Q, discount=0.95)
    m1 = sa_pair_mdp([0, 1, 0], [0, 0, 1], [0, 2, 1], [(1, 0), (0, 1), (1 / 2, 1 / 2)], discount=0.95)
    m2 = sa_pair_mdp([0, 1, 0], [0, 0, 1], [0, 2, 1], sp.csr_matrix([(1, 0), (0, 1), (1 / 2, 1 / 2)]), discount=0.95)
    for m in (m1, m2):
        np.testing.assert_array_equal(m.R, m0.R)
        np.testing.assert_array_equal(m.dense_transitions()[m.feasible], m0.dense_transitions()[m0.feasible])
    s, a, Rsa, Psa = to_sa_pairs(m2)
    assert s.tolist() == [0, 0, 1] and a.tolist() == [0, 1, 0] and Rsa.tolist() == R     # test_ddp.py:187-189
    np.testing.assert_array_equal(Psa.toarray(), Q)


def test_quantecon_to_sa_pair_form():
    # test_ddp.py:442-465: R with one infeasible pair (2, 0) -> 5 pairs with R_sa = (0, 1, 1, 0, 1)
    R = np.array([[0, 1], [1, 0], [-np.inf, 1]])
    Q = np.full((3, 2, 3), 1 / 3)
    Q[0, 0, 0], Q[0, 0, 1] = 0, 2 / 3
    m = mdplab.MDP(Q, R, discount=0.95)
    s, a, Rsa, Psa = to_sa_pairs(m)
    np.testing.assert_allclose(Rsa, [0, 1, 1, 0, 1])
    expect = np.full((5, 3), 1 / 3)
    expect[0, 0], expect[0, 1] = 0, 2 / 3
    assert np.abs(Psa - expect).max() < 1e-15
    back = sa_pair_mdp(s, a, Rsa, Psa, discount=0.95)
    for method in ("pi", "vi", "mpi"):                   # test_ddp.py:488-494: same solution either way
        np.testing.assert_allclose(mdplab.solve(back, method=method, tol=1e-9).values,
                                   mdplab.solve(m, method=method, tol=1e-9).values, atol=1e-9)


def test_quantecon_beta_zero():
    # test_ddp.py:135-158: beta = 0, sigma* = (1, 0, 1), v* = (1, 1, 1)
    m = mdplab.MDP(np.full((3, 2, 3), 1 / 3), [[0, 1], [1, 0], [0, 1]], discount=0.0)
    s, a, Rsa, Psa = to_sa_pairs(m)
    for model in (m, sa_pair_mdp(s, a, Rsa, Psa, discount=0.0)):
        for method in ("vi", "pi", "mpi", "lp"):
            sol = mdplab.solve(model, method=method)
            assert sol.policy.tolist() == [1, 0, 1]
            np.testing.assert_array_equal(sol.values, [1, 1, 1])


# ---------------------------------------------------------------- pymdptoolbox layouts
TB_P = (((0.0, 0.0, 0.6, 0.4, 0.0), (0.0, 0.0, 0.0, 0.0, 1.0), (0.0, 0.0, 1.0, 0.0, 0.0), (0.0, 0.0, 0.0, 1.0, 0.0),
         (0.0, 0.0, 0.0, 0.0, 1.0)),
        ((0.0, 0.4, 0.0, 0.0, 0.6), (0.0, 1.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 0.0, 1.0), (0.0, 0.0, 0.0, 0.0, 1.0),
         (0.0, 0.0, 0.0, 0.0, 1.0)))   # test_MDP.py:36-45
TB_R = np.zeros((2, 5, 5))
TB_R[1, 0, 4] = 1.0                 # test_MDP.py:46-55
TB_COMPUTED_R = np.array([[0.0] * 5, [0.6, 0, 0, 0, 0]]).T   # test_MDP.py:56-57 (per action), here (S, A)


@pytest.mark.parametrize("layout", ["array", "sparse_lists", "object_arrays"])
def test_pymdptoolbox_transition_rewards(layout):
    # test_MDP.py:59-66 (test_a), 87-98 (test_d), 100-111 (test_e)
    if layout == "array":
        P, R = np.array(TB_P), TB_R
    elif layout == "sparse_lists":
        P, R = [sp.csr_matrix(np.array(p)) for p in TB_P], [sp.csr_matrix(r) for r in TB_R]
    else:
        P = np.empty(2, dtype=object)
        R = np.empty(2, dtype=object)
        for k in range(2):
            P[k], R[k] = np.array(TB_P[k]), TB_R[k]
    m = from_pymdptoolbox(P, R, discount=0.9)
    assert m.shape == (5, 2)
    np.testing.assert_array_equal(m.R, TB_COMPUTED_R)
    assert m.is_sparse == (layout == "sparse_lists")
    np.testing.assert_array_equal(m.dense_transitions(), np.transpose(np.array(TB_P), (1, 0, 2)))


def test_pymdptoolbox_state_and_array_rewards():
    # test_MDP.py:68-75 (test_b: R (S, A)) and 77-85 (test_c: R (S,) = (0, 1, 0, 1, 0) for every action)
    m = from_pymdptoolbox(np.array(TB_P), TB_COMPUTED_R, discount=0.9)
    np.testing.assert_array_equal(m.R, TB_COMPUTED_R)
    m = from_pymdptoolbox(np.array(TB_P), (0, 1, 0, 1, 0), discount=0.9)
    np.testing.assert_array_equal(m.R, [[0, 0], [1, 1], [0, 0], [1, 1], [0, 0]])
    np.testing.assert_array_equal(state_rewards([0, 1], 3), [[0, 0, 0], [1, 1, 1]])


def test_pymdptoolbox_small_matrix_rewards():
    # test_MDP.py:131-147 (test_MDP_P_R_2): R (A, S, S) on example.small()'s P gives R[a] = (7.5, -0.4), (2, 3.9)
    P = np.array([[[0.5, 0.5], [0.8, 0.2]], [[0, 1], [0.1, 0.9]]])
    R = np.array([[[5, 10], [-1, 2]], [[1, 2], [3, 4]]])
    m = from_pymdptoolbox(P, R, discount=0.9)
    np.testing.assert_allclose(m.R, [[7.5, 2.0], [-0.4, 3.9]], atol=1e-12)


@pytest.mark.parametrize("sparse", [False, True])
def test_pymdptoolbox_small_policy_iteration(sparse):
    # test_PolicyIteration.py:80-88 and 90-98 (P_sparse): V = (42.4418604651163, 36.0465116279070), policy (1, 0)
    P = np.array([[[0.5, 0.5], [0.8, 0.2]], [[0, 1], [0.1, 0.9]]])
    m = from_pymdptoolbox([sp.csr_matrix(p) for p in P] if sparse else P, np.array([[5, 10], [-1, 2]]), discount=0.9)
    sol = mdplab.solve(m, method="pi", tol=1e-10)
    np.testing.assert_allclose(sol.values, [42.4418604651163, 36.0465116279070], atol=1e-11)
    assert sol.policy.tolist() == [1, 0]
    P2, R2 = to_pymdptoolbox(m)
    np.testing.assert_array_equal(P2, P)


@pytest.mark.parametrize("gamma, V", [(0.9, [26.244, 29.484, 33.484]), (0.96, [74.6496, 78.1056, 82.1056])])
def test_pymdptoolbox_forest_policy_iteration(gamma, V):
    # test_PolicyIteration.py:70-78 (gamma 0.9) and 100-108 (gamma 0.96), forest(S=3); policy (0, 0, 0)
    P = np.array([[[0.1, 0.9, 0.0], [0.1, 0.0, 0.9], [0.1, 0.0, 0.9]], [[1, 0, 0], [1, 0, 0], [1, 0, 0]]])
    m = from_pymdptoolbox(P, np.array([[0, 0], [0, 1], [4, 2]]), discount=gamma)
    sol = mdplab.solve(m, method="pi", tol=1e-9)
    np.testing.assert_allclose(sol.values, V, atol=1e-9)
    assert sol.policy.tolist() == [0, 0, 0]


def test_pymdptoolbox_refusals():
    P = np.array([[[0.5, 0.5], [0.8, 0.2]], [[0, 1], [0.1, 0.9]]])
    with pytest.raises(ModelError, match="R must have shape"):
        from_pymdptoolbox(P, np.ones((3, 3)), discount=0.9)
    with pytest.raises(ModelError, match="square"):
        from_pymdptoolbox([P[0], np.ones((2, 3)) / 3], np.ones(2), discount=0.9)
    with pytest.raises(ModelError, match="sequence of A"):
        from_pymdptoolbox(sp.csr_matrix(P[0]), np.ones(2), discount=0.9)


# ---------------------------------------------------------------- hypothesis: SA pairs with every pair feasible = dense
@settings(max_examples=25, deadline=None, derandomize=True)
@given(S=st.integers(1, 4), A=st.integers(1, 3), seed=st.integers(0, 2**31 - 1), sparse=st.booleans())
def test_sa_pairs_all_feasible_equal_dense(S, A, seed, sparse):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(S, A))
    R = rng.normal(size=(S, A))
    dense = mdplab.MDP(P, R, discount=0.9)
    perm = rng.permutation(S * A)                       # pairs in a random order
    s, a = (np.arange(S * A) // A)[perm], (np.arange(S * A) % A)[perm]
    rows = P.reshape(S * A, S)[perm]
    m = sa_pair_mdp(s, a, R.ravel()[perm], sp.csr_matrix(rows) if sparse else rows, n_actions=A, discount=0.9)
    np.testing.assert_array_equal(m.R, dense.R)
    np.testing.assert_allclose(m.dense_transitions(), dense.P, atol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(mdplab.solve(m, method="pi").values, mdplab.solve(dense, method="pi").values,
                                   atol=1e-9)


# ---------------------------------------------------------------- the new .npz layouts through mdplab solve
def test_cli_solve_reads_sa_pair_and_pymdptoolbox_npz(tmp_path, capsys):
    import json

    from mdplab.cli import main

    sa = tmp_path / "sa.npz"
    np.savez(sa, s_indices=[0, 0, 1], a_indices=[0, 1, 0], R=[5.0, 10.0, -1.0], P=Q_PUT.reshape(4, 2)[[0, 1, 2]],
             discount=BETA)
    assert main(["solve", str(sa), "--method", "pi", "--json"]) == 0
    np.testing.assert_allclose(json.loads(capsys.readouterr().out)["values"], V_PUT, atol=1e-8)
    tb = tmp_path / "tb.npz"
    P = np.array([[[0.5, 0.5], [0.8, 0.2]], [[0, 1], [0.1, 0.9]]])
    np.savez(tb, P_actions=P, R=np.array([[5, 10], [-1, 2]], float), discount=0.9)
    assert main(["solve", str(tb), "--method", "pi", "--json", "--tol", "1e-10"]) == 0
    np.testing.assert_allclose(json.loads(capsys.readouterr().out)["values"], [42.4418604651163, 36.0465116279070],
                               atol=1e-9)        # test_PolicyIteration.py:80-88
    bad = tmp_path / "bad.npz"
    np.savez(bad, s_indices=[0, 0], a_indices=[0, 0], R=[1.0, 2.0], P=np.eye(2), discount=0.9)
    assert main(["solve", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "listed more than once" in err and "bad.npz" in err


def test_pomdps_jl_tabular_layout():
    # POMDPModels.jl src/Tabular.jl (TabularMDP docstring): T[sj, a, si] = Pr(sj | si, a), R[s, a]
    P = np.array([[[0.5, 0.5], [0.8, 0.2]], [[0, 1], [0.1, 0.9]]])      # pymdptoolbox's small(): P[a][s, s']
    T = np.transpose(P, (2, 0, 1))                                      # T[s', a, s]
    m = from_pomdps_jl_tabular(T, np.array([[5, 10], [-1, 2]]), discount=0.9)
    np.testing.assert_allclose(mdplab.solve(m, method="pi", tol=1e-10).values, [42.4418604651163, 36.0465116279070],
                               atol=1e-9)                               # test_PolicyIteration.py:80-88
    with pytest.raises(ModelError, match=r"T\[s', a, s\]"):
        from_pomdps_jl_tabular(np.ones((2, 2, 3)), np.zeros((3, 2)), discount=0.9)


# ---------------------------------------------------------------- hypothesis: -inf rewards through every solver
def _infeasible_model(S, A, seed, sparse, criterion):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(S, A))
    R = rng.normal(size=(S, A))
    mask = rng.random((S, A)) < 0.4
    mask[np.arange(S), rng.integers(A, size=S)] = False          # every state keeps a feasible action
    R[mask] = -np.inf
    Pm = sp.csr_matrix(P.reshape(S * A, S)) if sparse else P
    return P, R, mask, mdplab.MDP(Pm, R, **criterion)


def _feasible_policies(mask):
    S = mask.shape[0]
    import itertools

    return [np.array(p) for p in itertools.product(*(np.flatnonzero(~mask[s]).tolist() for s in range(S)))]


@settings(max_examples=15, deadline=None, derandomize=True)
@given(S=st.integers(1, 4), A=st.integers(2, 3), seed=st.integers(0, 2**31 - 1), sparse=st.booleans())
def test_infeasible_actions_every_discounted_solver_equals_enumeration(S, A, seed, sparse):
    P, R, mask, m = _infeasible_model(S, A, seed, sparse, {"discount": 0.8})
    best = np.full(S, -np.inf)
    for pi in _feasible_policies(mask):                        # brute force over feasible deterministic policies
        P_pi, R_pi = P[np.arange(S), pi], R[np.arange(S), pi]
        best = np.maximum(best, np.linalg.solve(np.eye(S) - 0.8 * P_pi, R_pi))
    for method in ("vi", "gs", "pi", "mpi", "mpi-adaptive", "lp"):
        sol = mdplab.solve(m, method=method, tol=1e-9)
        np.testing.assert_allclose(sol.values, best, atol=1e-8, err_msg=method)
        assert not mask[np.arange(S), sol.policy].any(), method
        assert not np.isnan(np.asarray(sol.q)).any(), method


@settings(max_examples=15, deadline=None, derandomize=True)
@given(S=st.integers(1, 4), A=st.integers(2, 3), seed=st.integers(0, 2**31 - 1), sparse=st.booleans())
def test_infeasible_actions_finite_and_average_equal_enumeration(S, A, seed, sparse):
    from mdplab.regret import policy_gain

    P, R, mask, m = _infeasible_model(S, A, seed, sparse, {"horizon": 3})
    pols = _feasible_policies(mask)
    fh = mdplab.solve(m)
    best_fh = np.max([mdplab.evaluate_policy(m, np.tile(pi, (3, 1))).values[0] for pi in pols], axis=0)
    assert np.all(fh.values[0] >= best_fh - 1e-12) and not np.isnan(fh.q).any()
    assert not mask[np.arange(S)[None, :], fh.policy].any()
    avg = m.with_criterion(average_reward=True)              # all entries of P positive: every policy unichain
    best_g = max(float(policy_gain(P, np.where(mask, 0.0, R), pi)[0][0]) for pi in pols)
    for method in ("rvi", "avg_pi", "multichain", "multichain-lp"):
        sol = mdplab.solve(avg, method=method, tol=1e-9)
        assert float(np.max(sol.gain)) == pytest.approx(best_g, abs=1e-7), method
        assert not mask[np.arange(S), sol.policy].any(), method


def test_kernels_with_infeasible_rewards_match_py_func():
    # the jitted kernels and their pure-Python bodies agree on -inf rewards (no NaN, -inf q on infeasible pairs)
    from mdplab._kernels.bellman import bellman_optimality_dense, q_values_dense
    from mdplab._kernels.relative_vi import relative_vi_step_dense

    P, R = Q_PUT, np.array(R_PUT, dtype=float)
    v = np.array([1.0, -2.0])
    for fn in (bellman_optimality_dense, bellman_optimality_dense.py_func):
        out, pi = np.empty(2), np.empty(2, dtype=np.int64)
        fn(P, R, 0.95, v, out, pi)
        np.testing.assert_allclose(out, [max(5 + 0.95 * -0.5, 10 + 0.95 * -2.0), -1 + 0.95 * -2.0])
        assert pi.tolist() == [1, 0]                       # 10 - 1.9 = 8.1 > 5 - 0.475
    q1, q2 = np.empty((2, 2)), np.empty((2, 2))
    q_values_dense(P, R, 0.95, v, q1)
    q_values_dense.py_func(P, R, 0.95, v, q2)
    np.testing.assert_array_equal(q1, q2)
    assert np.isneginf(q1[1, 1]) and not np.isnan(q1).any()
    w, pi = np.empty(2), np.empty(2, dtype=np.int64)
    relative_vi_step_dense(P, R, 0.5, v, 0, w, pi)
    assert np.all(np.isfinite(w)) and pi[1] == 0


def test_npz_round_trip_keeps_infeasible_actions(tmp_path):
    from mdplab.io import load, save_npz

    m = _puterman_models()["dense_-inf"]
    save_npz(m, tmp_path / "m.npz")
    back = load(tmp_path / "m.npz")
    np.testing.assert_array_equal(back.R, m.R)
    np.testing.assert_allclose(mdplab.solve(back, method="pi").values, V_PUT, atol=1e-8)


def test_existing_refusals_unchanged():
    # +inf and NaN rewards are still refused; -inf only in the expected-reward layouts
    P = np.full((2, 2, 2), 0.5)
    for bad in (np.inf, np.nan):
        with pytest.raises(ModelError, match="non-finite"):
            mdplab.MDP(P, [[0.0, bad], [0.0, 0.0]], discount=0.9)
    with pytest.raises(ModelError, match="non-finite"):
        mdplab.MDP(P, np.full((2, 2, 2), -np.inf), discount=0.9)
