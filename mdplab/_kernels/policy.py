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


@njit(inline="always", fastmath=FASTMATH, cache=True)
def _policy_row_ell(indices, data, R, gamma, pi, v, v_out, s, A):
    """``v_out[s] = R[s, pi[s]] + gamma P[s, pi[s]] . v``; returns the increment ``v_out[s] - v[s]``."""
    a = pi[s]
    x = R[s, a] + gamma * dot_ell(indices, data, s * A + a, v)
    v_out[s] = x
    return x - v[s]


@njit(parallel=True, fastmath=FASTMATH, cache=True)
def policy_backup_ell(indices, data, R, gamma, pi, v, v_out):
    """Also returns ``(min, max)`` of the increments ``v_out - v``: the evaluation loops of the solvers
    stop on their span, and reading it here saves a pass over both vectors per sweep."""
    S, A = R.shape
    lo = np.inf
    hi = -np.inf
    for s in prange(S):
        d = _policy_row_ell(indices, data, R, gamma, pi, v, v_out, s, A)
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


@njit(fastmath=FASTMATH, cache=True)
def _policy_backup_ell_serial(indices, data, R, gamma, pi, v, v_out):
    """Serial :func:`policy_backup_ell` (same sums, same order per state: bit-identical values)."""
    S, A = R.shape
    lo = np.inf
    hi = -np.inf
    for s in range(S):
        d = _policy_row_ell(indices, data, R, gamma, pi, v, v_out, s, A)
        lo = min(lo, d)
        hi = max(hi, d)
    return lo, hi


@njit(cache=True)
def jacobi_evaluation_ell(indices, data, R, gamma, pi, x, w, sweep, m_max, previous_span, target, enough,
                          switch_ratio, fast_ratio, direct_needed, fast):
    """Jacobi sweeps of ``T_pi`` (fixed-width rows, serial) for adaptive modified policy iteration's
    evaluation (:func:`mdplab.solvers.adaptive._adaptive_evaluation` holds the rules), from sweep number
    ``sweep`` until an event the caller must handle.  Returns ``(event, sweeps, span, previous_span, target,
    fast, swapped)``: event 0 done (span at most ``target``, the fast rule's early stop, or ``m_max``), 1 the
    sweep contracted by less than ``switch_ratio`` (``<= 0``: never), 2 the sweeps predicted to reach
    ``enough`` at the last contraction are at least ``direct_needed`` (``inf``: never), 3 non-finite values;
    ``swapped`` says the values are in ``w`` (the caller swaps its names).  For events 1 and 2 the caller
    finishes the rules of that sweep (everything after the two tests)."""
    a = x
    b = w
    swapped = False
    span = previous_span
    while sweep < m_max:
        lo, hi = _policy_backup_ell_serial(indices, data, R, gamma, pi, a, b)
        a, b = b, a
        swapped = not swapped
        sweep += 1
        span = hi - lo
        if not np.isfinite(span):
            return 3, sweep, span, previous_span, target, fast, swapped
        if switch_ratio > 0 and span > switch_ratio * previous_span:
            return 1, sweep, span, previous_span, target, fast, swapped
        if sweep >= 2 and 0 < span < previous_span and span > target and \
                np.log(enough / span) / np.log(span / previous_span) >= direct_needed:
            return 2, sweep, span, previous_span, target, fast, swapped
        if sweep == 1 and span <= fast_ratio * previous_span:
            target = enough
            fast = True
        if fast and span * span <= enough * previous_span:
            return 0, sweep, span, previous_span, target, fast, swapped
        previous_span = span
        if span <= target:
            return 0, sweep, span, previous_span, target, fast, swapped
    return 0, sweep, span, previous_span, target, fast, swapped


@njit(cache=True)
def natural_bandwidth_ell(indices, data, A):
    """``max |s' - s|`` over the positive entries of the fixed-width rows ``s * A + a`` (row ``i`` is state
    ``i // A``)."""
    out = 0
    for i in range(indices.shape[0]):
        s = i // A
        for k in range(indices.shape[1]):
            if data[i, k] > 0:
                out = max(out, abs(indices[i, k] - s))
    return out


@njit(cache=True)
def natural_bandwidth_csr(indptr, indices, data, A):
    """:func:`natural_bandwidth_ell` for ragged (CSR) rows."""
    out = 0
    for i in range(indptr.shape[0] - 1):
        s = i // A
        for k in range(indptr[i], indptr[i + 1]):
            if data[k] > 0:
                out = max(out, abs(indices[k] - s))
    return out
