"""Validation of mdplab.MDP: every bad input of issue 2 item 2 raises a ValueError naming the defect."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import mdplab
from mdplab.errors import ModelError


def _good(S=3, A=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.ones(S), size=(S, A)), rng.random((S, A))


def test_valid_model_is_read_only_and_immutable():
    P, R = _good()
    m = mdplab.MDP(P, R, discount=0.9)
    assert m.criterion == "discounted" and m.shape == (3, 2)
    with pytest.raises(ValueError):
        m.P[0, 0, 0] = 1.0
    with pytest.raises(AttributeError):
        m.gamma = 0.5
    P[0, 0, 0] = 123.0  # the model keeps its own copy
    assert m.P[0, 0, 0] != 123.0


@pytest.mark.parametrize("mutate, fragment", [
    (lambda P, R: (P[:, :, :2], R), "shape"),
    (lambda P, R: (P[0], R), "shape"),
    (lambda P, R: (np.where(np.arange(3)[None, None, :] == 1, np.nan, P), R), "non-finite"),
    (lambda P, R: (P, np.full_like(R, np.inf)), "non-finite"),
    (lambda P, R: (P - np.array([0.5, -0.25, -0.25])[None, None, :] * (np.arange(3)[:, None, None] == 2), R), "negative probability"),
    (lambda P, R: (P * np.where(np.arange(2)[None, :, None] == 1, 1.5, 1.0), R), "s=0, a=1"),
    (lambda P, R: (P, R[:, :1]), "R must have shape"),
    (lambda P, R: ("not an array", R), "cannot be read"),
])
def test_bad_arrays_name_the_defect(mutate, fragment):
    P, R = _good()
    P2, R2 = mutate(P.copy(), R.copy())
    with pytest.raises(ModelError, match=fragment):
        mdplab.MDP(P2, R2, discount=0.9)


def test_row_sum_message_names_state_action_and_sum():
    P, R = _good()
    P[2, 1] *= 0.5
    with pytest.raises(ModelError) as info:
        mdplab.MDP(P, R, discount=0.9)
    msg = str(info.value)
    assert "s=2, a=1" in msg and "0.5" in msg


@pytest.mark.parametrize("gamma", [-0.1, 1.0, 1.5, float("nan"), float("inf")])
def test_discount_outside_range(gamma):
    P, R = _good()
    with pytest.raises(ModelError, match="discount"):
        mdplab.MDP(P, R, discount=gamma)


@pytest.mark.parametrize("H", [0, -3, 2.5])
def test_bad_horizon(H):
    P, R = _good()
    with pytest.raises(ModelError, match="horizon"):
        mdplab.MDP(P, R, horizon=H)


def test_criterion_must_be_given_and_unique():
    P, R = _good()
    with pytest.raises(ModelError):
        mdplab.MDP(P, R)
    with pytest.raises(ModelError):
        mdplab.MDP(P, R, discount=0.9, average_reward=True)
    assert mdplab.MDP(P, R, horizon=3, discount=1.0).gamma == 1.0


def test_csr_index_out_of_range_is_named():
    P, R = _good()
    csr = sp.csr_matrix(P.reshape(6, 3))
    bad = sp.csr_matrix((csr.data, csr.indices.copy(), csr.indptr), shape=(6, 3))
    bad.indices[4] = 7
    with pytest.raises(ModelError, match="out of range"):
        mdplab.MDP(bad, R, discount=0.9)


def test_csr_bad_shape_and_negative():
    P, R = _good()
    with pytest.raises(ModelError, match="S\\*A"):
        mdplab.MDP(sp.csr_matrix(np.ones((5, 3)) / 3), R, discount=0.9)
    flat = P.reshape(6, 3).copy()
    flat[3] = [1.5, -0.5, 0.0]
    with pytest.raises(ModelError, match="negative"):
        mdplab.MDP(sp.csr_matrix(flat), R, discount=0.9)


def test_sparse_equals_dense_and_reward_reduction():
    P, _ = _good(4, 3, seed=1)
    R3 = np.random.default_rng(2).random((4, 3, 4))
    dense = mdplab.MDP(P, R3, discount=0.8)
    sparse = mdplab.MDP(sp.csr_matrix(P.reshape(12, 4)), R3, discount=0.8)
    np.testing.assert_allclose(dense.R, (P * R3).sum(axis=2), rtol=1e-14)
    np.testing.assert_allclose(sparse.R, dense.R, rtol=1e-14)
    np.testing.assert_allclose(sparse.dense_transitions(), dense.P, rtol=1e-15)


def test_rounded_rows_are_renormalised():
    P = np.array([[[0.333333, 0.333333, 0.333334]], [[0.5, 0.5000004, 0.0]], [[0, 0, 1.0]]])
    m = mdplab.MDP(P, np.zeros((3, 1)), discount=0.5)
    np.testing.assert_allclose(m.P.sum(axis=2), 1.0, rtol=0, atol=1e-15)


def test_time_varying_finite_horizon():
    P, R = _good()
    Ph = np.stack([P, P[::-1]])
    m = mdplab.MDP(Ph, np.stack([R, 2 * R]), horizon=2)
    assert m.time_varying and m.R.shape == (2, 3, 2)
    with pytest.raises(ModelError, match="stages"):
        mdplab.MDP(Ph, R, horizon=3)
    with pytest.raises(ModelError, match="time-varying"):
        mdplab.MDP(Ph, R, discount=0.9)
