"""Gauss-Seidel optimality sweep (Puterman 1994, Sec. 6.3.3): states in order ``0..S-1``, each
backup reads the values already updated in this sweep.  Updates ``v`` in place, writes the greedy
action to ``pi_out`` and returns ``max_s |v_new[s] - v_old[s]|``.  Sequential by nature."""
from numba import njit

from . import FASTMATH
from ._rows import greedy_csr, greedy_dense


@njit(fastmath=FASTMATH, cache=True)
def gauss_seidel_dense(P, R, gamma, v, pi_out):
    change = 0.0
    for s in range(R.shape[0]):
        best, pi_out[s] = greedy_dense(P, R, gamma, v, s)
        change = max(change, abs(best - v[s]))
        v[s] = best
    return change


@njit(fastmath=FASTMATH, cache=True)
def gauss_seidel_csr(indptr, indices, data, R, gamma, v, pi_out):
    change = 0.0
    for s in range(R.shape[0]):
        best, pi_out[s] = greedy_csr(indptr, indices, data, R, gamma, v, s)
        change = max(change, abs(best - v[s]))
        v[s] = best
    return change
