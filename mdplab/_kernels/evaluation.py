"""Policy-evaluation sweep for a stochastic policy ``pi[s, a]`` (rows sum to 1):
``v_out[s] = sum_a pi[s, a] (R[s, a] + gamma P[s, a] . v)``.  Actions with zero probability
are skipped, so a one-hot ``pi`` costs the same as :mod:`.policy`."""
from numba import njit, prange

from . import FASTMATH
from ._rows import dot_csr, dot_dense


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def evaluation_sweep_dense(P, R, gamma, pi, v, v_out):
    S, A = R.shape
    for s in prange(S):
        acc = 0.0
        for a in range(A):
            w = pi[s, a]
            if w != 0.0:
                acc += w * (R[s, a] + gamma * dot_dense(P, s, a, v))
        v_out[s] = acc


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def evaluation_sweep_csr(indptr, indices, data, R, gamma, pi, v, v_out):
    S, A = R.shape
    for s in prange(S):
        acc = 0.0
        for a in range(A):
            w = pi[s, a]
            if w != 0.0:
                acc += w * (R[s, a] + gamma * dot_csr(indptr, indices, data, s * A + a, v))
        v_out[s] = acc
