"""Gauss-Seidel sweeps (Puterman 1994, Sec. 6.3.3 and 6.5): states are updated in place, in order, so
each backup reads the values already updated in this sweep.  Sequential by nature.

* ``gauss_seidel_*``: optimality sweep in state order ``0..S-1``; writes the greedy action to
  ``pi_out`` and returns ``max_s |v_new[s] - v_old[s]|``.
* ``policy_gauss_seidel_*``: one sweep of the policy operator ``T_pi`` (Puterman Eq. (6.1.6)) in state
  order ``0..S-1`` (``reverse=False``) or ``S-1..0`` (``reverse=True``); alternating the two gives the
  symmetric Gauss-Seidel sweeps of :func:`mdplab.solvers.modified_policy_iteration`.  Returns
  ``(min, max)`` of the increments ``v_new[s] - v_old[s]``.
"""
import numpy as np
from numba import njit

from . import FASTMATH
from ._rows import dot_csr, dot_dense, dot_ell, greedy_csr, greedy_dense


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


@njit(inline="always", cache=True)
def _state(k, S, reverse):
    return S - 1 - k if reverse else k


@njit(fastmath=FASTMATH, cache=True)
def policy_gauss_seidel_dense(P, R, gamma, pi, v, reverse):
    S = R.shape[0]
    lo, hi = np.inf, -np.inf
    for k in range(S):
        s = _state(k, S, reverse)
        new = R[s, pi[s]] + gamma * dot_dense(P, s, pi[s], v)
        d = new - v[s]
        lo, hi = min(lo, d), max(hi, d)
        v[s] = new
    return lo, hi


@njit(fastmath=FASTMATH, cache=True)
def policy_gauss_seidel_csr(indptr, indices, data, R, gamma, pi, v, reverse):
    S, A = R.shape
    lo, hi = np.inf, -np.inf
    for k in range(S):
        s = _state(k, S, reverse)
        new = R[s, pi[s]] + gamma * dot_csr(indptr, indices, data, s * A + pi[s], v)
        d = new - v[s]
        lo, hi = min(lo, d), max(hi, d)
        v[s] = new
    return lo, hi


@njit(fastmath=FASTMATH, cache=True)
def policy_gauss_seidel_ell(indices, data, R, gamma, pi, v, reverse):
    S, A = R.shape
    lo, hi = np.inf, -np.inf
    for k in range(S):
        s = _state(k, S, reverse)
        new = R[s, pi[s]] + gamma * dot_ell(indices, data, s * A + pi[s], v)
        d = new - v[s]
        lo, hi = min(lo, d), max(hi, d)
        v[s] = new
    return lo, hi
