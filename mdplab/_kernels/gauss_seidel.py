"""Gauss-Seidel optimality sweep (Puterman 1994, Sec. 6.3.3): states in order ``0..S-1``, each
backup reads the values already updated in this sweep.  Updates ``v`` in place, writes the greedy
action to ``pi_out`` and returns ``max_s |v_new[s] - v_old[s]|``.  Sequential by nature."""
import numpy as np
from numba import njit

from . import FASTMATH
from ._rows import dot_csr, dot_dense


@njit(fastmath=FASTMATH, cache=True)
def gauss_seidel_dense(P, R, gamma, v, pi_out):
    S, A = R.shape
    change = 0.0
    for s in range(S):
        best = -np.inf
        arg = 0
        for a in range(A):
            qa = R[s, a] + gamma * dot_dense(P, s, a, v)
            if qa > best:
                best = qa
                arg = a
        d = abs(best - v[s])
        if d > change:
            change = d
        v[s] = best
        pi_out[s] = arg
    return change


@njit(fastmath=FASTMATH, cache=True)
def gauss_seidel_csr(indptr, indices, data, R, gamma, v, pi_out):
    S, A = R.shape
    change = 0.0
    for s in range(S):
        best = -np.inf
        arg = 0
        for a in range(A):
            qa = R[s, a] + gamma * dot_csr(indptr, indices, data, s * A + a, v)
            if qa > best:
                best = qa
                arg = a
        d = abs(best - v[s])
        if d > change:
            change = d
        v[s] = best
        pi_out[s] = arg
    return change
