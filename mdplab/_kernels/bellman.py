"""Bellman optimality backup with greedy argmax, and the action-value backup.

Layouts: dense, CSR, and ``*_ell`` for padded fixed-width sparse rows (``indices``/``data`` of shape
``(S*A, K)``, see :class:`mdplab.models.SparseTransitions`).

``v_out[s] = max_a R[s, a] + gamma * sum_s' P[s, a, s'] v[s']`` and ``pi_out[s]`` = the first
maximising action (Puterman 1994, Eq. (6.2.2)).  ``q_values_*`` writes the full ``(S, A)`` table.
"""
from numba import njit, prange

from . import FASTMATH
from ._rows import dot_csr, dot_dense, greedy_csr, greedy_dense, greedy_ell


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def bellman_optimality_dense(P, R, gamma, v, v_out, pi_out):
    for s in prange(R.shape[0]):
        v_out[s], pi_out[s] = greedy_dense(P, R, gamma, v, s)


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def bellman_optimality_csr(indptr, indices, data, R, gamma, v, v_out, pi_out):
    for s in prange(R.shape[0]):
        v_out[s], pi_out[s] = greedy_csr(indptr, indices, data, R, gamma, v, s)


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def bellman_optimality_ell(indices, data, R, gamma, v, v_out, pi_out):
    for s in prange(R.shape[0]):
        v_out[s], pi_out[s] = greedy_ell(indices, data, R, gamma, v, s)


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def q_values_dense(P, R, gamma, v, q_out):
    S, A = R.shape
    for s in prange(S):
        for a in range(A):
            q_out[s, a] = R[s, a] + gamma * dot_dense(P, s, a, v)


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def q_values_csr(indptr, indices, data, R, gamma, v, q_out):
    S, A = R.shape
    for s in prange(S):
        for a in range(A):
            q_out[s, a] = R[s, a] + gamma * dot_csr(indptr, indices, data, s * A + a, v)
