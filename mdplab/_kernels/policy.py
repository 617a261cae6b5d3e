"""Policy backup for a deterministic policy: ``v_out[s] = R[s, pi[s]] + gamma P[s, pi[s]] . v``
(the operator T_pi of Puterman 1994, Eq. (6.1.6)).

The dense variant is serial on purpose: the dense Bellman backup is one BLAS gemv, whose worker threads
keep spinning for a while after it returns, and a threaded policy sweep right after it ran 4-10x
slower than this serial one (measured in modified policy iteration on the S=2000 benchmark instance).
A serial dense sweep reads S rows of S entries: cheap next to the S*A rows of a Bellman backup."""
import numpy as np
from numba import njit, prange

from . import FASTMATH
from ._rows import dot_csr, dot_dense, dot_ell


@njit(fastmath=FASTMATH, cache=True)
def policy_backup_dense(P, R, gamma, pi, v, v_out):
    S = R.shape[0]
    for s in range(S):
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
    """Also returns ``(min, max)`` of the increments ``v_out - v``: the evaluation loops of the solvers
    stop on their span, and reading it here saves a pass over both vectors per sweep."""
    S, A = R.shape
    lo = np.inf
    hi = -np.inf
    for s in prange(S):
        a = pi[s]
        x = R[s, a] + gamma * dot_ell(indices, data, s * A + a, v)
        v_out[s] = x
        d = x - v[s]
        lo = min(lo, d)
        hi = max(hi, d)
    return lo, hi


@njit(parallel=True, cache=True)
def gather_policy_rows_ell(indices, data, R, pi, held, rows_indices, rows_data, rows_R):
    """Copy the fixed-width rows ``s*A + pi[s]`` and rewards ``R[s, pi[s]]`` of one policy into contiguous
    ``(S, K)`` / ``(S, 1)`` arrays: the policy's chain as a one-action model in the same layout, so the
    ``*_ell`` kernels above sweep it reading ``S`` consecutive rows instead of ``S`` scattered ones.
    ``held[s]`` is the action whose row the outputs hold at ``s`` (``-1``: none); only states with
    ``pi[s] != held[s]`` are copied, and ``held`` is updated to ``pi``."""
    S, A = R.shape
    for s in prange(S):
        a = pi[s]
        if held[s] != a:
            i = s * A + a
            for k in range(indices.shape[1]):
                rows_indices[s, k] = indices[i, k]
                rows_data[s, k] = data[i, k]
            rows_R[s, 0] = R[s, a]
            held[s] = a
