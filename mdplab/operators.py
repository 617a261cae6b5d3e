"""Bellman operators on validated models: the public, allocation-friendly face of the kernels.

Every function takes an :class:`mdplab.MDP` (already validated) and dispatches to the kernel of the
model's layout (dense, CSR, or padded fixed-width rows).  Optional ``out`` arguments let outer loops reuse buffers.  Notation as in Puterman (1994):
``T v = max_a (R + gamma P v)`` (Eq. 6.2.2), ``T_pi v = R_pi + gamma P_pi v`` (Eq. 6.1.6).

For stationary finite-horizon models, ``gamma`` is the model's discount; average-reward models have
no discount, so these operators take an explicit ``gamma`` argument that defaults to the model's
(pass ``gamma=1.0`` for the undiscounted operator).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._kernels.bellman import (bellman_optimality_csr, bellman_optimality_dense, bellman_optimality_ell, q_values_csr,
                               q_values_dense)
from ._kernels.evaluation import evaluation_sweep_csr, evaluation_sweep_dense
from ._kernels.gauss_seidel import (gauss_seidel_csr, gauss_seidel_dense, policy_gauss_seidel_csr, policy_gauss_seidel_dense,
                                    policy_gauss_seidel_ell)
from ._kernels.policy import gather_policy_rows_ell, policy_backup_csr, policy_backup_dense, policy_backup_ell
from ._kernels.relative_vi import relative_vi_step_csr, relative_vi_step_dense
from ._kernels.span import difference_range as _difference_range, difference_range_serial
from .errors import ModelError
from .models import MDP
from .threads import numba_threads

#: Models with fewer stored transition entries than this run the threaded kernels on one thread: below
#: it, starting the thread pool costs more than the sweep (measured: a 10-state backup took ~20 us on one
#: thread and milliseconds on two under load).  Results are identical either way.
SERIAL_BELOW_ENTRIES = 50_000


def difference_range(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """``(min, max, max |.|)`` of ``x - y`` for contiguous float64 vectors of one length (not checked:
    solvers' inner loop); threaded from ``SERIAL_BELOW_ENTRIES`` entries, serial below."""
    kernel = _difference_range if x.shape[0] >= SERIAL_BELOW_ENTRIES else difference_range_serial
    lo, hi, sup = kernel(x, y)
    return float(lo), float(hi), float(sup)


def _entries(model: MDP) -> int:
    return model.sparse.nnz if model.sparse is not None else model.n_states * model.n_actions * model.n_states


def _size_threads(fn):
    """Run ``fn`` on one numba thread for small models (see ``SERIAL_BELOW_ENTRIES``)."""

    @functools.wraps(fn)
    def wrapper(model, *args, **kwargs):
        if _entries(model) >= SERIAL_BELOW_ENTRIES:
            return fn(model, *args, **kwargs)
        with numba_threads(1):
            return fn(model, *args, **kwargs)

    return wrapper


def _gamma(model: MDP, gamma: float | None) -> float:
    if gamma is not None:
        g = float(gamma)
        if not (0.0 <= g <= 1.0):
            raise ModelError(f"gamma {g!r} is outside [0, 1]")
        return g
    if model.gamma is None:
        raise ModelError("average-reward model: pass gamma explicitly (1.0 for the undiscounted operator)")
    return model.gamma


def _stationary(model: MDP) -> None:
    if model.time_varying:
        raise ModelError("this operator needs stationary P and R; the model is time-varying (use backward_induction)")


def _vector(model: MDP, v: np.ndarray, name: str = "v") -> np.ndarray:
    v = np.ascontiguousarray(v, dtype=np.float64)
    if v.shape != (model.n_states,):
        raise ModelError(f"{name} must have shape ({model.n_states},); got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ModelError(f"{name} contains NaN or inf")
    return v


def _deterministic_policy(model: MDP, pi: np.ndarray) -> np.ndarray:
    pi = np.asarray(pi)
    if pi.shape != (model.n_states,) or not np.issubdtype(pi.dtype, np.integer):
        raise ModelError(f"a deterministic policy must be an integer array of shape ({model.n_states},); got {pi.dtype} {pi.shape}")
    if pi.size and (pi.min() < 0 or pi.max() >= model.n_actions):
        s = int(np.flatnonzero((pi < 0) | (pi >= model.n_actions))[0])
        raise ModelError(f"policy picks action {int(pi[s])} at state {s}; actions are 0..{model.n_actions - 1}")
    return np.ascontiguousarray(pi, dtype=np.int64)


def stochastic_policy_matrix(model: MDP, pi: np.ndarray) -> np.ndarray:
    """Validate ``pi`` of shape ``(S, A)`` (rows on the simplex) or ``(S,)`` (deterministic, turned one-hot)."""
    pi = np.asarray(pi)
    if pi.ndim == 1:
        det = _deterministic_policy(model, pi)
        out = np.zeros((model.n_states, model.n_actions))
        out[np.arange(model.n_states), det] = 1.0
        return out
    pi = np.ascontiguousarray(pi, dtype=np.float64)
    if pi.shape != model.shape:
        raise ModelError(f"a stochastic policy must have shape {model.shape}; got {pi.shape}")
    if not np.all(np.isfinite(pi)) or (pi < 0).any():
        raise ModelError("a stochastic policy must have finite, non-negative entries")
    sums = pi.sum(axis=1)
    if np.any(np.abs(sums - 1) > 1e-9):
        s = int(np.flatnonzero(np.abs(sums - 1) > 1e-9)[0])
        raise ModelError(f"policy row pi[{s}, :] sums to {sums[s]!r}, not 1")
    return pi


@_size_threads
def bellman_backup(model: MDP, v: np.ndarray, *, gamma: float | None = None,
                   out: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(T v, greedy policy)``: one Bellman optimality backup, Puterman Eq. (6.2.2)."""
    _stationary(model)
    v = _vector(model, v)
    g = _gamma(model, gamma)
    v_out, pi_out = out if out is not None else (np.empty(model.n_states), np.empty(model.n_states, dtype=np.int64))
    t = model.sparse
    if t is not None and t.width:
        S, A = model.shape
        bellman_optimality_ell(t.indices.reshape(S, A * t.width), t.data.reshape(S, A * t.width), model.R, g, v, v_out, pi_out)
    elif t is not None:
        bellman_optimality_csr(t.indptr, t.indices, t.data, model.R, g, v, v_out, pi_out)
    else:
        bellman_optimality_dense(model.P, model.R, g, v, v_out, pi_out)
    return v_out, pi_out


@_size_threads
def q_values(model: MDP, v: np.ndarray, *, gamma: float | None = None) -> np.ndarray:
    """``q[s, a] = R[s, a] + gamma P[s, a] . v``."""
    _stationary(model)
    v = _vector(model, v)
    g = _gamma(model, gamma)
    q = np.empty(model.shape)
    if model.sparse is not None:
        t = model.sparse
        q_values_csr(t.indptr, t.indices, t.data, model.R, g, v, q)
    else:
        q_values_dense(model.P, model.R, g, v, q)
    return q


@_size_threads
def policy_backup(model: MDP, pi: np.ndarray, v: np.ndarray, *, gamma: float | None = None,
                  out: np.ndarray | None = None) -> np.ndarray:
    """``T_pi v`` for a deterministic ``pi (S,)`` or a stochastic ``pi (S, A)``, Puterman Eq. (6.1.6)."""
    _stationary(model)
    v = _vector(model, v)
    g = _gamma(model, gamma)
    v_out = out if out is not None else np.empty(model.n_states)
    pi_arr = np.asarray(pi)
    t = model.sparse
    if pi_arr.ndim == 1:
        policy_backup_unchecked(model, _deterministic_policy(model, pi_arr), v, g, v_out)
    else:
        mat = stochastic_policy_matrix(model, pi_arr)
        if t is not None:
            evaluation_sweep_csr(t.indptr, t.indices, t.data, model.R, g, mat, v, v_out)
        else:
            evaluation_sweep_dense(model.P, model.R, g, mat, v, v_out)
    return v_out


def policy_backup_unchecked(model: MDP, det: np.ndarray, v: np.ndarray, g: float, v_out: np.ndarray) -> np.ndarray:
    """:func:`policy_backup` of a deterministic policy without its checks, for solvers' inner loops: ``det``
    int64 ``(S,)`` with valid actions, ``v`` and ``v_out`` contiguous float64 ``(S,)``, the model stationary
    (the caller validated them once).  Runs on the current numba thread count."""
    t = model.sparse
    if t is not None and t.width:
        rows = model.n_states * model.n_actions
        policy_backup_ell(t.indices.reshape(rows, t.width), t.data.reshape(rows, t.width), model.R, g, det, v, v_out)
    elif t is not None:
        policy_backup_csr(t.indptr, t.indices, t.data, model.R, g, det, v, v_out)
    else:
        policy_backup_dense(model.P, model.R, g, det, v, v_out)
    return v_out


def policy_backup_range(model: MDP, det: np.ndarray, v: np.ndarray, g: float, v_out: np.ndarray) -> tuple[float, float]:
    """:func:`policy_backup_unchecked` that returns ``(min, max)`` of the increments ``v_out - v`` (the
    fixed-width kernel reads them in its own pass; the others take one more pass over both vectors)."""
    t = model.sparse
    if t is not None and t.width:
        rows = model.n_states * model.n_actions
        lo, hi = policy_backup_ell(t.indices.reshape(rows, t.width), t.data.reshape(rows, t.width), model.R, g,
                                   det, v, v_out)
        return float(lo), float(hi)
    policy_backup_unchecked(model, det, v, g, v_out)
    lo, hi, _ = difference_range(v_out, v)
    return lo, hi


def gauss_seidel_sweep(model: MDP, v: np.ndarray, pi_out: np.ndarray, *, gamma: float | None = None) -> float:
    """One in-place Gauss-Seidel sweep on ``v`` (must be a writable float64 array); returns the
    sup-norm change.  Puterman Sec. 6.3.3."""
    _stationary(model)
    g = _gamma(model, gamma)
    t = model.sparse
    if t is not None:
        return float(gauss_seidel_csr(t.indptr, t.indices, t.data, model.R, g, v, pi_out))
    return float(gauss_seidel_dense(model.P, model.R, g, v, pi_out))


def policy_gauss_seidel_sweep(model: MDP, pi: np.ndarray, v: np.ndarray, *, reverse: bool = False,
                              gamma: float | None = None) -> tuple[float, float]:
    """One in-place Gauss-Seidel sweep of ``T_pi`` on ``v`` (a writable float64 array) for a deterministic
    ``pi``, in state order (``reverse=True``: from the last state down).  Returns ``(min, max)`` of the
    increments.  Puterman Sec. 6.3.3 applied to policy evaluation."""
    _stationary(model)
    g = _gamma(model, gamma)
    det = _deterministic_policy(model, pi)
    if not (isinstance(v, np.ndarray) and v.dtype == np.float64 and v.shape == (model.n_states,) and v.flags.writeable
            and v.flags.c_contiguous):
        raise ModelError(f"v must be a writable contiguous float64 array of shape ({model.n_states},)")
    t = model.sparse
    if t is not None and t.width:
        rows = model.n_states * model.n_actions
        lo, hi = policy_gauss_seidel_ell(t.indices.reshape(rows, t.width), t.data.reshape(rows, t.width), model.R, g, det,
                                         v, bool(reverse))
    elif t is not None:
        lo, hi = policy_gauss_seidel_csr(t.indptr, t.indices, t.data, model.R, g, det, v, bool(reverse))
    else:
        lo, hi = policy_gauss_seidel_dense(model.P, model.R, g, det, v, bool(reverse))
    return float(lo), float(hi)


@_size_threads
def relative_vi_step(model: MDP, v: np.ndarray, ref: int, tau: float, v_out: np.ndarray,
                     pi_out: np.ndarray) -> tuple[float, float]:
    """One relative VI step on the aperiodicity-transformed model; returns ``(min, max)`` of ``T v - v``."""
    _stationary(model)
    t = model.sparse
    if t is not None:
        lo, hi = relative_vi_step_csr(t.indptr, t.indices, t.data, model.R, tau, v, ref, v_out, pi_out)
    else:
        lo, hi = relative_vi_step_dense(model.P, model.R, tau, v, ref, v_out, pi_out)
    return float(lo), float(hi)


@dataclass(frozen=True)
class PolicyRows:
    """The transition rows ``P[s, pi[s], :]`` and rewards ``R[s, pi[s]]`` of one deterministic policy,
    gathered into contiguous fixed-width arrays (``indices``/``data`` of shape ``(S, K)``, ``R`` of shape
    ``(S, 1)``): the chain of ``pi`` as a one-action model.  Repeated sweeps of ``T_pi`` on it read ``S``
    consecutive rows instead of ``S`` rows scattered among ``S*A`` (about 2x faster on the random sparse
    benchmark instance; gathering costs about one such sweep).  Built by :func:`policy_rows`."""

    indices: np.ndarray
    data: np.ndarray
    R: np.ndarray
    gamma: float
    first_action: np.ndarray  # zeros (S,): the one action of the one-action model
    policy: np.ndarray        # (S,) int64: the action whose row is held at each state (-1 before any)


def policy_rows(model: MDP, pi: np.ndarray, *, gamma: float | None = None) -> PolicyRows | None:
    """Gather the rows of ``pi`` (see :class:`PolicyRows`) for a sparse model stored in fixed-width rows;
    ``None`` for dense and ragged CSR models, where sweeping the model directly is as fast, and for models
    below ``SERIAL_BELOW_ENTRIES`` stored entries (nothing to gain)."""
    _stationary(model)
    t = model.sparse
    if t is None or not t.width or _entries(model) < SERIAL_BELOW_ENTRIES:
        return None
    S = model.n_states
    rows = PolicyRows(np.empty((S, t.width), dtype=t.indices.dtype), np.empty((S, t.width)), np.empty((S, 1)),
                      _gamma(model, gamma), np.zeros(S, dtype=np.int64), np.full(S, -1, dtype=np.int64))
    return update_policy_rows(rows, model, pi)


def update_policy_rows(rows: PolicyRows, model: MDP, pi: np.ndarray) -> PolicyRows:
    """Make ``rows`` hold the rows of ``pi``, copying only the states whose action changed (one kernel
    pass).  Modifies and returns ``rows``."""
    det = _deterministic_policy(model, pi)
    t = model.sparse
    S, A = model.shape
    gather_policy_rows_ell(t.indices.reshape(S * A, t.width), t.data.reshape(S * A, t.width), model.R, det,
                           rows.policy, rows.indices, rows.data, rows.R)
    return rows


def policy_rows_backup(rows: PolicyRows, v: np.ndarray, out: np.ndarray) -> tuple[float, float]:
    """``out = T_pi v`` on gathered rows (same result as :func:`policy_backup`); returns ``(min, max)`` of
    ``out - v``.  ``v`` and ``out`` are distinct contiguous float64 ``(S,)`` arrays (not checked: this is
    the inner loop of the solvers)."""
    lo, hi = policy_backup_ell(rows.indices, rows.data, rows.R, rows.gamma, rows.first_action, v, out)
    return float(lo), float(hi)


def policy_rows_gauss_seidel(rows: PolicyRows, v: np.ndarray, *, reverse: bool = False) -> tuple[float, float]:
    """In-place Gauss-Seidel sweep of ``T_pi`` on gathered rows (same as :func:`policy_gauss_seidel_sweep`)."""
    lo, hi = policy_gauss_seidel_ell(rows.indices, rows.data, rows.R, rows.gamma, rows.first_action, v, bool(reverse))
    return float(lo), float(hi)


def _check_feasible_policy(R_pi: np.ndarray) -> None:
    if np.isneginf(R_pi).any():
        s = int(np.flatnonzero(np.isneginf(R_pi))[0])
        raise ModelError(f"the policy takes an infeasible action (R = -inf) at state {s}")


def policy_matrix(model: MDP, pi: np.ndarray):
    """``(P_pi, R_pi)``: the Markov chain and reward vector of policy ``pi`` (deterministic or stochastic).
    ``P_pi`` is a dense ``(S, S)`` array for dense models and a scipy CSR matrix for sparse ones."""
    _stationary(model)
    S, A = model.shape
    pi_arr = np.asarray(pi)
    if pi_arr.ndim == 1:
        det = _deterministic_policy(model, pi_arr)
        R_pi = model.R[np.arange(S), det]
        _check_feasible_policy(R_pi)
        if model.sparse is None:
            return model.P[np.arange(S), det], R_pi
        rows = np.arange(S) * A + det
        return model.sparse.to_scipy()[rows], R_pi
    mat = stochastic_policy_matrix(model, pi_arr)
    R_pi = (mat * np.where(mat > 0, model.R, 0.0)).sum(axis=1)   # no 0 * (-inf) for infeasible actions never taken
    _check_feasible_policy(R_pi)
    if model.sparse is None:
        return np.einsum("sa,sat->st", mat, model.P), R_pi
    # row s of P_pi = sum_a pi[s, a] P[s, a, :]
    W = sp.csr_matrix((mat.ravel(), (np.repeat(np.arange(S), A), np.arange(S * A))), shape=(S, S * A))
    return (W @ model.sparse.to_scipy()).tocsr(), R_pi
