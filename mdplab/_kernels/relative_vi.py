"""Relative value iteration step with the aperiodicity transform (Puterman 1994, Sec. 8.5.5):

``w[s] = max_a R[s, a] + tau v[s] + (1 - tau) P[s, a] . v``  (``0 <= tau < 1``; the transformed
chain ``tau I + (1 - tau) P`` has the same gain and bias ``h / (1 - tau)``), then
``v_out = w - w[ref]``.  Returns ``(min_s (w - v)[s], max_s (w - v)[s])``: for weakly
communicating models the optimal gain lies between them (Odoni bounds, Puterman Thm 8.5.5)."""
import numpy as np
from numba import njit, prange

from . import FASTMATH
from ._rows import dot_csr, dot_dense
from .span import difference_range_serial


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def relative_vi_step_dense(P, R, tau, v, ref, v_out, pi_out):
    S, A = R.shape
    for s in prange(S):
        best = -np.inf
        arg = 0
        for a in range(A):
            qa = R[s, a] + tau * v[s] + (1.0 - tau) * dot_dense(P, s, a, v)
            if qa > best:
                best = qa
                arg = a
        v_out[s] = best
        pi_out[s] = arg
    return _normalise(v, ref, v_out)


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def relative_vi_step_csr(indptr, indices, data, R, tau, v, ref, v_out, pi_out):
    S, A = R.shape
    for s in prange(S):
        best = -np.inf
        arg = 0
        for a in range(A):
            qa = R[s, a] + tau * v[s] + (1.0 - tau) * dot_csr(indptr, indices, data, s * A + a, v)
            if qa > best:
                best = qa
                arg = a
        v_out[s] = best
        pi_out[s] = arg
    return _normalise(v, ref, v_out)


@njit(cache=True)
def _normalise(v, ref, v_out):
    lo, hi, _ = difference_range_serial(v_out, v)
    shift = v_out[ref]
    for s in range(v.shape[0]):
        v_out[s] -= shift
    return lo, hi
