"""Inner row products shared by every operator kernel: ``sum_s' P[s, a, s'] v[s']``."""
import numpy as np
from numba import njit

from . import FASTMATH


@njit(inline="always", fastmath=FASTMATH, cache=True)
def dot_dense(P, s, a, v):
    row = P[s, a]
    acc = 0.0
    for t in range(row.shape[0]):
        acc += row[t] * v[t]
    return acc


@njit(inline="always", fastmath=FASTMATH, cache=True)
def dot_csr(indptr, indices, data, i, v):
    acc = 0.0
    for k in range(indptr[i], indptr[i + 1]):
        acc += data[k] * v[indices[k]]
    return acc


@njit(inline="always", fastmath=FASTMATH, cache=True)
def dot_ell(indices, data, i, v):
    """Row ``i`` of the padded fixed-width layout: ``indices``/``data`` of shape ``(S*A, K)``."""
    acc = 0.0
    for k in range(indices.shape[1]):
        acc += data[i, k] * v[indices[i, k]]
    return acc


@njit(inline="always", fastmath=FASTMATH, cache=True)
def greedy_dense(P, R, gamma, v, s):
    """``(max_a q(s, a), first argmax)`` with ``q = R + gamma P v``."""
    best = -np.inf
    arg = 0
    for a in range(R.shape[1]):
        qa = R[s, a] + gamma * dot_dense(P, s, a, v)
        if qa > best:
            best = qa
            arg = a
    return best, arg


@njit(inline="always", fastmath=FASTMATH, cache=True)
def greedy_csr(indptr, indices, data, R, gamma, v, s):
    best = -np.inf
    arg = 0
    A = R.shape[1]
    for a in range(A):
        qa = R[s, a] + gamma * dot_csr(indptr, indices, data, s * A + a, v)
        if qa > best:
            best = qa
            arg = a
    return best, arg


@njit(inline="always", fastmath=FASTMATH, cache=True)
def greedy_ell(indices, data, R, gamma, v, s):
    """Greedy backup of state ``s`` from the fixed-width layout viewed as ``(S, A*K)``: the ``A`` rows of a
    state side by side (one flat row per state was ~15% faster than ``(S*A, K)`` row arithmetic)."""
    best = -np.inf
    arg = 0
    A = R.shape[1]
    K = indices.shape[1] // A
    for a in range(A):
        acc = 0.0
        o = a * K
        for k in range(K):
            acc += data[s, o + k] * v[indices[s, o + k]]
        qa = R[s, a] + gamma * acc
        if qa > best:
            best = qa
            arg = a
    return best, arg
