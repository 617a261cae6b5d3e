"""Bellman optimality backup with greedy argmax, and the action-value backup.

Layouts: dense, CSR, and ``*_ell`` for padded fixed-width sparse rows (``indices``/``data`` viewed as
``(S, A*K)``: row ``s`` holds the ``A`` rows of state ``s`` side by side, see
:class:`mdplab.models.SparseTransitions`).

``v_out[s] = max_a R[s, a] + gamma * sum_s' P[s, a, s'] v[s']`` and ``pi_out[s]`` = the first
maximising action (Puterman 1994, Eq. (6.2.2)).  ``q_values_*`` writes the full ``(S, A)`` table.
"""
import numpy as np
from numba import njit, prange

from . import FASTMATH
from ._rows import dot_csr, greedy_csr, greedy_ell


@njit(fastmath=FASTMATH, cache=True)
def bellman_optimality_dense(P, R, gamma, v, v_out, pi_out):
    # The dense product P v is one BLAS gemv on the (S*A, S) view: it reaches the memory-bandwidth bound
    # (benchmarks/solvers.py), which a hand-written loop did not (1.4-1.6x slower).
    S, A = R.shape
    Pv = np.dot(P.reshape(S * A, S), v)
    for s in range(S):
        best = -np.inf
        arg = 0
        for a in range(A):
            qa = R[s, a] + gamma * Pv[s * A + a]
            if qa > best:
                best = qa
                arg = a
        v_out[s] = best
        pi_out[s] = arg


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def bellman_optimality_csr(indptr, indices, data, R, gamma, v, v_out, pi_out):
    for s in prange(R.shape[0]):
        v_out[s], pi_out[s] = greedy_csr(indptr, indices, data, R, gamma, v, s)


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def bellman_optimality_ell(indices, data, R, gamma, v, v_out, pi_out):
    for s in prange(R.shape[0]):
        v_out[s], pi_out[s] = greedy_ell(indices, data, R, gamma, v, s)


@njit(cache=True)
def bellman_optimality_zero(R, v_out, pi_out):
    """The backup of ``v = 0``: ``max_a R[s, a]`` and its first argmax, without reading ``P`` (numpy's
    row-wise argmax took 2-3 ms on the (100000, 4) benchmark rewards, this loop ~0.2 ms)."""
    for s in range(R.shape[0]):
        best = -np.inf
        arg = 0
        for a in range(R.shape[1]):
            if R[s, a] > best:
                best = R[s, a]
                arg = a
        v_out[s] = best
        pi_out[s] = arg


@njit(fastmath=FASTMATH, cache=True)
def q_values_dense(P, R, gamma, v, q_out):
    S, A = R.shape
    Pv = np.dot(P.reshape(S * A, S), v)  # one BLAS gemv, as in bellman_optimality_dense
    for s in range(S):
        for a in range(A):
            q_out[s, a] = R[s, a] + gamma * Pv[s * A + a]


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def q_values_csr(indptr, indices, data, R, gamma, v, q_out):
    S, A = R.shape
    for s in prange(S):
        for a in range(A):
            q_out[s, a] = R[s, a] + gamma * dot_csr(indptr, indices, data, s * A + a, v)
