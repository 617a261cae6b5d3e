"""Each kernel against its ``.py_func`` (the same code, interpreted) and a slow numpy reference."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from mdplab._kernels.backward_induction import backward_induction_step_csr, backward_induction_step_dense
from mdplab._kernels.bellman import (bellman_optimality_csr, bellman_optimality_dense, bellman_optimality_ell, q_values_csr,
                                    q_values_dense)
from mdplab._kernels.evaluation import evaluation_sweep_csr, evaluation_sweep_dense
from mdplab._kernels.gauss_seidel import (gauss_seidel_csr, gauss_seidel_dense, policy_gauss_seidel_csr, policy_gauss_seidel_dense,
                                         policy_gauss_seidel_ell)
from mdplab._kernels.policy import gather_policy_rows_ell, policy_backup_csr, policy_backup_dense, policy_backup_ell
from mdplab.models import validate_sparse_transitions
from mdplab._kernels.relative_vi import relative_vi_step_csr, relative_vi_step_dense

from _reference import bellman_ref, gauss_seidel_ref, policy_gauss_seidel_ref, policy_ref, q_ref

RTOL = 1e-12  # fastmath re-association of the inner products


@st.composite
def models(draw):
    S = draw(st.integers(1, 7))
    A = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.full(S, 0.5), size=(S, A))
    P[rng.random((S, A, S)) < 0.4] = 0.0  # sparsity
    P[..., 0] += (P.sum(axis=2) == 0)
    P /= P.sum(axis=2, keepdims=True)
    R = rng.normal(size=(S, A))
    v = rng.normal(size=S) * 3
    gamma = draw(st.sampled_from([0.0, 0.5, 0.99, 1.0]))
    csr = sp.csr_matrix(P.reshape(S * A, S))
    return P, R, gamma, v, (csr.indptr.astype(np.int64), csr.indices.astype(np.int32), csr.data), rng


def _three_ways(kernel_dense, kernel_csr, P, csr, rest_in, make_out):
    outs = []
    for fn, args in ((kernel_dense, (P,)), (kernel_dense.py_func, (P,)), (kernel_csr, csr), (kernel_csr.py_func, csr)):
        out = make_out()
        ret = fn(*args, *rest_in, *out)
        outs.append((out, ret))
    return outs


@given(models())
def test_bellman_optimality(m):
    P, R, gamma, v, csr, _ = m
    S = len(v)
    ref_v, _ = bellman_ref(P, R, gamma, v)
    for (vo, pio), _ in _three_ways(bellman_optimality_dense, bellman_optimality_csr, P, csr, (R, gamma, v),
                                    lambda: (np.empty(S), np.empty(S, dtype=np.int64))):
        np.testing.assert_allclose(vo, ref_v, rtol=RTOL, atol=1e-12)
        q = q_ref(P, R, gamma, v)
        np.testing.assert_allclose(q[np.arange(S), pio], ref_v, rtol=RTOL, atol=1e-12)  # greedy attains max


@given(models())
def test_q_values(m):
    P, R, gamma, v, csr, _ = m
    for (q,), _ in _three_ways(q_values_dense, q_values_csr, P, csr, (R, gamma, v), lambda: (np.empty(R.shape),)):
        np.testing.assert_allclose(q, q_ref(P, R, gamma, v), rtol=RTOL, atol=1e-12)


@given(models())
def test_policy_backup_and_evaluation_sweep(m):
    P, R, gamma, v, csr, rng = m
    S, A = R.shape
    pi = rng.integers(0, A, S).astype(np.int64)
    for (vo,), _ in _three_ways(policy_backup_dense, policy_backup_csr, P, csr, (R, gamma, pi, v), lambda: (np.empty(S),)):
        np.testing.assert_allclose(vo, policy_ref(P, R, gamma, pi, v), rtol=RTOL, atol=1e-12)
    mat = rng.dirichlet(np.ones(A), size=S)
    for (vo,), _ in _three_ways(evaluation_sweep_dense, evaluation_sweep_csr, P, csr, (R, gamma, mat, v), lambda: (np.empty(S),)):
        np.testing.assert_allclose(vo, policy_ref(P, R, gamma, mat, v), rtol=RTOL, atol=1e-12)


@given(models())
def test_gauss_seidel(m):
    P, R, gamma, v, csr, _ = m
    S = len(v)
    ref_v, _ = gauss_seidel_ref(P, R, gamma, v)
    for fn, args in ((gauss_seidel_dense, (P,)), (gauss_seidel_dense.py_func, (P,)), (gauss_seidel_csr, csr),
                     (gauss_seidel_csr.py_func, csr)):
        w = v.copy()
        change = fn(*args, R, gamma, w, np.empty(S, dtype=np.int64))
        np.testing.assert_allclose(w, ref_v, rtol=RTOL, atol=1e-12)
        assert change == pytest.approx(np.abs(ref_v - v).max(), rel=1e-12, abs=1e-12)


@given(models())
def test_backward_induction_step(m):
    P, R, gamma, v, csr, _ = m
    S, A = R.shape
    for (q, vo, pio), _ in _three_ways(backward_induction_step_dense, backward_induction_step_csr, P, csr, (R, gamma, v),
                                       lambda: (np.empty((S, A)), np.empty(S), np.empty(S, dtype=np.int64))):
        np.testing.assert_allclose(q, q_ref(P, R, gamma, v), rtol=RTOL, atol=1e-12)
        np.testing.assert_allclose(vo, q_ref(P, R, gamma, v).max(axis=1), rtol=RTOL, atol=1e-12)
        np.testing.assert_array_equal(q[np.arange(S), pio], vo)


@given(models(), st.floats(0.05, 0.95))
def test_relative_vi_step(m, tau):
    P, R, _, v, csr, _ = m
    S = len(v)
    ref_w = (R + tau * v[:, None] + (1 - tau) * np.einsum("sat,t->sa", P, v)).max(axis=1)
    for (vo, _pi), (lo, hi) in _three_ways(relative_vi_step_dense, relative_vi_step_csr, P, csr, (R, tau, v, 0),
                                           lambda: (np.empty(S), np.empty(S, dtype=np.int64))):
        np.testing.assert_allclose(vo, ref_w - ref_w[0], rtol=RTOL, atol=1e-11)
        assert lo == pytest.approx((ref_w - v).min(), abs=1e-11)
        assert hi == pytest.approx((ref_w - v).max(), abs=1e-11)


def test_threaded_kernels_are_bitwise_reproducible():
    rng = np.random.default_rng(5)
    S, A = 300, 4
    P = rng.dirichlet(np.ones(S), size=(S, A))
    R = rng.random((S, A))
    v = rng.random(S)
    outs = []
    for _ in range(3):
        vo, pio = np.empty(S), np.empty(S, dtype=np.int64)
        bellman_optimality_dense(P, R, 0.99, v, vo, pio)
        outs.append((vo, pio))
    for vo, pio in outs[1:]:
        assert np.array_equal(vo, outs[0][0]) and np.array_equal(pio, outs[0][1])


def _ell(P):
    S, A = P.shape[:2]
    t = validate_sparse_transitions(sp.csr_matrix(P.reshape(S * A, S)), A)
    K = int(np.diff(t.indptr).max())
    # force the padded layout whatever the padding heuristic decided
    from mdplab.models import _pad_rows

    idx, data, _ = _pad_rows(t.indptr, t.indices, t.data, K)
    return idx.reshape(S * A, K), data.reshape(S * A, K)


@given(models())
def test_ell_kernels(m):
    P, R, gamma, v, _, rng = m
    S, A = R.shape
    idx, data = _ell(P)
    ref_v, _ = bellman_ref(P, R, gamma, v)
    pi = rng.integers(0, A, S).astype(np.int64)
    for bell, pol in ((bellman_optimality_ell, policy_backup_ell), (bellman_optimality_ell.py_func, policy_backup_ell.py_func)):
        vo, pio = np.empty(S), np.empty(S, dtype=np.int64)
        bell(idx.reshape(S, -1), data.reshape(S, -1), R, gamma, v, vo, pio)
        np.testing.assert_allclose(vo, ref_v, rtol=RTOL, atol=1e-12)
        np.testing.assert_allclose(q_ref(P, R, gamma, v)[np.arange(S), pio], ref_v, rtol=RTOL, atol=1e-12)
        pol(idx, data, R, gamma, pi, v, vo)
        np.testing.assert_allclose(vo, policy_ref(P, R, gamma, pi, v), rtol=RTOL, atol=1e-12)


def test_padded_layout_round_trips():
    rng = np.random.default_rng(1)
    P = rng.dirichlet(np.ones(6), size=(6, 2))
    P[rng.random(P.shape) < 0.5] = 0
    P[..., 0] += P.sum(axis=2) == 0
    P /= P.sum(axis=2, keepdims=True)
    t = validate_sparse_transitions(sp.csr_matrix(P.reshape(12, 6)), 2)
    from mdplab.models import _pad_rows

    idx, data, indptr = _pad_rows(t.indptr, t.indices, t.data, int(np.diff(t.indptr).max()))
    back = sp.csr_matrix((data, idx, indptr), shape=(12, 6)).toarray().reshape(6, 2, 6)
    np.testing.assert_allclose(back, P, rtol=1e-15)


@given(models(), st.booleans())
def test_policy_gauss_seidel(m, reverse):
    P, R, gamma, v, csr, rng = m
    S, A = R.shape
    pi = rng.integers(0, A, S).astype(np.int64)
    ref_v, ref_inc = policy_gauss_seidel_ref(P, R, gamma, pi, v, reverse)
    idx, data = _ell(P)
    for fn, layout in ((policy_gauss_seidel_dense, (P,)), (policy_gauss_seidel_csr, csr), (policy_gauss_seidel_ell, (idx, data))):
        for f in (fn, fn.py_func):
            w = v.copy()
            lo, hi = f(*layout, R, gamma, pi, w, reverse)
            np.testing.assert_allclose(w, ref_v, rtol=RTOL, atol=1e-12)
            assert lo == pytest.approx(ref_inc.min(), rel=1e-9, abs=1e-11)
            assert hi == pytest.approx(ref_inc.max(), rel=1e-9, abs=1e-11)


@given(models())
def test_gathered_policy_rows_are_the_policy_chain(m):
    P, R, gamma, v, _, rng = m
    S, A = R.shape
    pi = rng.integers(0, A, S).astype(np.int64)
    idx, data = _ell(P)
    K = idx.shape[1]
    for gather in (gather_policy_rows_ell, gather_policy_rows_ell.py_func):
        ri, rd, rr = np.empty((S, K), dtype=idx.dtype), np.empty((S, K)), np.empty((S, 1))
        held = np.full(S, -1, dtype=np.int64)
        gather(idx, data, R, pi, held, ri, rd, rr)
        np.testing.assert_array_equal(held, pi)
        dense = np.zeros((S, S))
        np.add.at(dense, (np.repeat(np.arange(S), K), ri.ravel()), rd.ravel())
        np.testing.assert_allclose(dense, P[np.arange(S), pi], rtol=1e-15, atol=0)
        np.testing.assert_array_equal(rr[:, 0], R[np.arange(S), pi])
        vo = np.empty(S)
        lo, hi = policy_backup_ell(ri, rd, rr, gamma, np.zeros(S, dtype=np.int64), v, vo)
        ref = policy_ref(P, R, gamma, pi, v)
        np.testing.assert_allclose(vo, ref, rtol=RTOL, atol=1e-12)
        assert lo == pytest.approx((ref - v).min(), rel=1e-9, abs=1e-11)  # the increments' range
        assert hi == pytest.approx((ref - v).max(), rel=1e-9, abs=1e-11)


@given(st.integers(1, 300), st.integers(0, 2**31))
def test_difference_range_is_min_max_and_sup_of_the_difference(n, seed):
    from mdplab._kernels.span import difference_range, difference_range_serial

    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=n) * 10.0 ** rng.integers(-3, 4), rng.normal(size=n)
    d = x - y
    for fn in (difference_range, difference_range.py_func, difference_range_serial, difference_range_serial.py_func):
        assert fn(x, y) == (d.min(), d.max(), np.abs(d).max())
