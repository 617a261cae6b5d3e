"""Backward-induction step for stage ``h`` of a finite-horizon problem (Puterman 1994, Sec. 4.5):
``q_out[s, a] = R_h[s, a] + gamma P_h[s, a] . v_next``, ``v_out[s] = max_a q_out[s, a]`` and the
first maximiser in ``pi_out[s]``.  Unlike :mod:`.bellman` it stores the stage's whole q-table,
which the finite-horizon Solution reports."""
import numpy as np
from numba import njit, prange

from . import FASTMATH
from ._rows import dot_csr, dot_dense


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def backward_induction_step_dense(P_h, R_h, gamma, v_next, q_out, v_out, pi_out):
    S, A = R_h.shape
    for s in prange(S):
        best = -np.inf
        arg = 0
        for a in range(A):
            qa = R_h[s, a] + gamma * dot_dense(P_h, s, a, v_next)
            q_out[s, a] = qa
            if qa > best:
                best = qa
                arg = a
        v_out[s] = best
        pi_out[s] = arg


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def backward_induction_step_csr(indptr, indices, data, R_h, gamma, v_next, q_out, v_out, pi_out):
    S, A = R_h.shape
    for s in prange(S):
        best = -np.inf
        arg = 0
        for a in range(A):
            qa = R_h[s, a] + gamma * dot_csr(indptr, indices, data, s * A + a, v_next)
            q_out[s, a] = qa
            if qa > best:
                best = qa
                arg = a
        v_out[s] = best
        pi_out[s] = arg
