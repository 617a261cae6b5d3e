"""Policy backup for a deterministic policy: ``v_out[s] = R[s, pi[s]] + gamma P[s, pi[s]] . v``
(the operator T_pi of Puterman 1994, Eq. (6.1.6))."""
from numba import njit, prange

from . import FASTMATH
from ._rows import dot_csr, dot_dense, dot_ell


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def policy_backup_dense(P, R, gamma, pi, v, v_out):
    S = R.shape[0]
    for s in prange(S):
        a = pi[s]
        v_out[s] = R[s, a] + gamma * dot_dense(P, s, a, v)


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def policy_backup_csr(indptr, indices, data, R, gamma, pi, v, v_out):
    S, A = R.shape
    for s in prange(S):
        a = pi[s]
        v_out[s] = R[s, a] + gamma * dot_csr(indptr, indices, data, s * A + a, v)


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def policy_backup_ell(indices, data, R, gamma, pi, v, v_out):
    S, A = R.shape
    for s in prange(S):
        a = pi[s]
        v_out[s] = R[s, a] + gamma * dot_ell(indices, data, s * A + a, v)
