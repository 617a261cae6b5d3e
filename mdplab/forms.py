"""Other model layouts, converted to :class:`mdplab.MDP`: the peers' forms as a new user brings them.

mdplab's own layout is ``P[s, a, s']`` ``(S, A, S)`` (or scipy ``(S*A, S)``, row ``s*A + a``) and ``R[s, a]``
``(S, A)``; ``R[s, a] = -inf`` marks action ``a`` infeasible at ``s`` (:class:`mdplab.MDP`).  This module reads
the other layouts (``docs/breadth.md`` has the table of which peer uses which):

* **state-action pairs** (QuantEcon's ``DiscreteDP(R, Q, beta, s_indices, a_indices)``): ``L`` feasible pairs
  ``(s_indices[k], a_indices[k])``, their rewards ``R (L,)`` and transition rows ``P (L, S)`` (dense or
  scipy.sparse): :func:`sa_pair_mdp`; back with :func:`to_sa_pairs`.  Pairs not listed are infeasible
  (``R = -inf``); their stored row is a self-loop that no solver reads.
* **per-state reward** ``R (S,)`` (pymdptoolbox, the reward of being in ``s`` whatever the action):
  :func:`state_rewards` gives ``R (S, A)``.
* **per-action matrices** (pymdptoolbox / MATLAB MDPtoolbox): ``P[a]`` of shape ``(S, S)`` (an ``(A, S, S)``
  array or a sequence of ``A`` dense or sparse matrices), ``R`` of shape ``(S,)``, ``(S, A)``, ``(A, S, S)`` or a
  sequence of ``A`` (sparse) ``(S, S)`` matrices ``R[a][s, s']`` (reward of the transition, reduced to
  ``R[s, a] = sum_s' P[a][s, s'] R[a][s, s']``): :func:`from_pymdptoolbox`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .errors import ModelError
from .models import MDP, ROW_TOL


def _criterion(discount: float | None, horizon: int | None, average_reward: bool) -> dict:
    return {"discount": discount, "horizon": horizon, "average_reward": average_reward}


def _int_vector(name: str, x: Any) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ModelError(f"{name} must be a 1-D sequence of integers; got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        as_float = np.asarray(arr, dtype=np.float64) if np.issubdtype(arr.dtype, np.number) else None
        if as_float is None or not np.all(np.isfinite(as_float)) or not np.all(as_float == np.round(as_float)):
            raise ModelError(f"{name} must hold integers; got dtype {arr.dtype}")
    return arr.astype(np.int64)


def sa_pair_mdp(s_indices: Any, a_indices: Any, R: Any, P: Any, *, n_states: int | None = None,
                n_actions: int | None = None, discount: float | None = None, horizon: int | None = None,
                average_reward: bool = False, row_tol: float = ROW_TOL) -> MDP:
    """The model of the state-action-pair formulation: pair ``k`` is ``(s_indices[k], a_indices[k])`` with
    reward ``R[k]`` and transition row ``P[k, :]`` (``P`` dense ``(L, S)`` or scipy.sparse; the result is sparse
    when ``P`` is).  ``S`` = ``P.shape[1]`` (``n_states`` must agree if given); ``A`` = ``n_actions`` or
    ``max(a_indices) + 1``.  Pairs may come in any order; unlisted pairs are infeasible (``R = -inf``).

    Refused, naming the pair: lengths that disagree, an index out of range, a duplicated pair, a state
    with no feasible pair, a reward that is NaN or infinite (a listed pair is feasible)."""
    s_idx, a_idx = _int_vector("s_indices", s_indices), _int_vector("a_indices", a_indices)
    R_sa = np.asarray(R, dtype=np.float64) if not np.iscomplexobj(R) else None
    if R_sa is None or R_sa.ndim != 1:
        raise ModelError(f"R must be a real vector (L,) with one reward per state-action pair; got {np.shape(R)}")
    if not sp.issparse(P):
        P_arr = np.asarray(P, dtype=np.float64)
        if P_arr.ndim != 2:
            raise ModelError(f"P must have shape (L, S), one transition row per pair; got shape {P_arr.shape}")
        shape = P_arr.shape
    else:
        shape = P.shape
    L, S = shape
    if not (s_idx.shape[0] == a_idx.shape[0] == R_sa.shape[0] == L):
        raise ModelError(f"s_indices ({s_idx.shape[0]}), a_indices ({a_idx.shape[0]}), R ({R_sa.shape[0]}) and the rows "
                         f"of P ({L}) must have one entry per state-action pair")
    if L == 0:
        raise ModelError("no state-action pairs given")
    if n_states is not None and int(n_states) != S:
        raise ModelError(f"n_states={n_states} but P has {S} columns (one per next state)")
    if (s_idx < 0).any() or (s_idx >= S).any():
        k = int(np.flatnonzero((s_idx < 0) | (s_idx >= S))[0])
        raise ModelError(f"s_indices[{k}] = {int(s_idx[k])} is outside 0..{S - 1}")
    A = int(a_idx.max()) + 1 if n_actions is None else int(n_actions)
    if (a_idx < 0).any() or (a_idx >= A).any():
        k = int(np.flatnonzero((a_idx < 0) | (a_idx >= A))[0])
        raise ModelError(f"a_indices[{k}] = {int(a_idx[k])} is outside 0..{A - 1}")
    flat = s_idx * A + a_idx
    uniq, first, counts = np.unique(flat, return_index=True, return_counts=True)
    if (counts > 1).any():
        dup = int(uniq[np.flatnonzero(counts > 1)[0]])
        raise ModelError(f"state-action pair (s={dup // A}, a={dup % A}) is listed more than once")
    missing = np.setdiff1d(np.arange(S), s_idx)
    if missing.size:
        raise ModelError(f"state {int(missing[0])} has no feasible action (no pair lists it); "
                         f"{missing.size} state(s) without one")
    bad = ~np.isfinite(R_sa)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ModelError(f"R[{k}] (pair s={int(s_idx[k])}, a={int(a_idx[k])}) is {R_sa[k]!r}: a listed pair is "
                         "feasible and needs a finite reward (leave infeasible pairs out)")
    R_full = np.full(S * A, -np.inf)
    R_full[flat] = R_sa
    infeasible = np.setdiff1d(np.arange(S * A), flat)
    crit = _criterion(discount, horizon, average_reward)
    if sp.issparse(P):
        rows = sp.csr_matrix(P, dtype=np.float64)
        order = np.empty(S * A, dtype=np.int64)          # output row i <- input row order[i] (or a self-loop)
        n_in = L
        order[flat] = np.arange(L)
        order[infeasible] = n_in + np.arange(infeasible.size)
        loops = sp.csr_matrix((np.ones(infeasible.size), (np.arange(infeasible.size), infeasible // A)),
                              shape=(infeasible.size, S))
        stacked = sp.vstack([rows, loops]).tocsr()[order]
        return MDP(stacked, R_full.reshape(S, A), row_tol=row_tol, **crit)
    P_full = np.zeros((S * A, S))
    P_full[flat] = P_arr
    P_full[infeasible, infeasible // A] = 1.0            # never read: no policy takes an infeasible action
    return MDP(P_full.reshape(S, A, S), R_full.reshape(S, A), row_tol=row_tol, **crit)


def to_sa_pairs(model: MDP) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | sp.csr_matrix]:
    """``(s_indices, a_indices, R (L,), P (L, S))`` of the feasible pairs of a stationary ``model``, sorted by
    state then action (QuantEcon's order); ``P`` is CSR when the model is sparse."""
    if model.time_varying:
        raise ModelError("to_sa_pairs needs a stationary model; this one is time-varying")
    S, A = model.shape
    flat = np.flatnonzero(np.isfinite(np.asarray(model.R).ravel()))
    s_idx, a_idx = flat // A, flat % A
    R_sa = np.asarray(model.R).ravel()[flat].copy()
    if model.sparse is not None:
        return s_idx, a_idx, R_sa, model.transitions_csr()[flat]
    return s_idx, a_idx, R_sa, np.asarray(model.P).reshape(S * A, S)[flat].copy()


def state_rewards(R: Any, n_actions: int) -> np.ndarray:
    """A per-state reward ``R (S,)`` (the reward of being in ``s``, whatever the action) as ``R (S, A)``."""
    arr = np.asarray(R, dtype=np.float64) if not np.iscomplexobj(R) else None
    if arr is None or arr.ndim != 1 or arr.size == 0:
        raise ModelError(f"a per-state reward must be a real vector (S,); got shape {np.shape(R)}")
    if isinstance(n_actions, bool) or int(n_actions) != n_actions or int(n_actions) < 1:
        raise ModelError(f"n_actions must be an integer >= 1; got {n_actions!r}")
    return np.repeat(arr[:, None], int(n_actions), axis=1)


def _per_action(P: Any) -> list:
    """``P`` as a list of ``A`` matrices ``(S, S)`` (dense arrays or scipy.sparse)."""
    if sp.issparse(P):
        raise ModelError("pymdptoolbox's P is a sequence of A matrices (S, S), not one sparse matrix; pass [P0, P1, ...]")
    if isinstance(P, np.ndarray) and P.dtype != object:
        if P.ndim != 3 or P.shape[1] != P.shape[2]:
            raise ModelError(f"pymdptoolbox's P must have shape (A, S, S); got {P.shape}")
        return list(P)
    try:
        mats = list(P)
    except TypeError:
        raise ModelError(f"P must be an (A, S, S) array or a sequence of A (S, S) matrices; got {type(P).__name__}") from None
    if not mats:
        raise ModelError("P holds no action")
    return mats


def from_pymdptoolbox(P: Any, R: Any, *, discount: float | None = None, horizon: int | None = None,
                      average_reward: bool = False, row_tol: float = ROW_TOL) -> MDP:
    """An :class:`MDP` from pymdptoolbox's layout: ``P[a]`` ``(S, S)`` per action (an ``(A, S, S)`` array or a
    sequence of dense / scipy.sparse matrices: the model is sparse when any ``P[a]`` is), ``R`` of shape
    ``(S,)`` (per state), ``(S, A)``, ``(A, S, S)`` or a sequence of ``A`` (sparse) ``(S, S)`` matrices
    (``R[a][s, s']`` per transition, reduced to its expectation under ``P[a]`` as pymdptoolbox does).

    pymdptoolbox's own discount convention: its ``discount`` argument is ``gamma``; pass it here the same way
    (``discount=0.9``).  Its finite-horizon solver takes ``N`` (here ``horizon=N``)."""
    mats = _per_action(P)
    A = len(mats)
    shapes = {tuple(np.shape(m)) for m in mats}
    if len(shapes) != 1 or len(next(iter(shapes))) != 2 or next(iter(shapes))[0] != next(iter(shapes))[1]:
        raise ModelError(f"every P[a] must be one square (S, S) matrix; got shapes {sorted(shapes)}")
    S = next(iter(shapes))[0]
    any_sparse = any(sp.issparse(m) for m in mats)
    # ---- expected rewards R[s, a]
    if not any(sp.issparse(r) for r in (R if isinstance(R, (list, tuple)) else [R])) and not (
            isinstance(R, np.ndarray) and R.dtype == object):
        R_arr = np.asarray(R, dtype=np.float64)
    else:
        R_arr = None
    if R_arr is not None and R_arr.shape == (S,):
        R_sa = state_rewards(R_arr, A)
    elif R_arr is not None and R_arr.shape == (S, A) and not (R_arr.ndim == 3):
        R_sa = R_arr
    else:
        r_mats = list(R) if R_arr is None or R_arr.ndim == 3 else None
        if r_mats is None or len(r_mats) != A or any(tuple(np.shape(r)) != (S, S) for r in r_mats):
            raise ModelError(f"R must have shape ({S},), ({S}, {A}), ({A}, {S}, {S}) or be {A} matrices ({S}, {S}); "
                             f"got {np.shape(R) if R_arr is not None else [np.shape(r) for r in r_mats or []]}")
        cols = []
        for a, (Pa, Ra) in enumerate(zip(mats, r_mats)):
            if sp.issparse(Ra):
                cols.append(np.asarray(sp.csr_matrix(Ra).multiply(Pa).sum(axis=1)).ravel())
            elif sp.issparse(Pa):
                cols.append(np.asarray(sp.csr_matrix(Pa).multiply(np.asarray(Ra, dtype=np.float64)).sum(axis=1)).ravel())
            else:
                cols.append((np.asarray(Pa, dtype=np.float64) * np.asarray(Ra, dtype=np.float64)).sum(axis=1))
        R_sa = np.stack(cols, axis=1)
    crit = _criterion(discount, horizon, average_reward)
    if any_sparse:
        blocks = [sp.csr_matrix(m, dtype=np.float64) for m in mats]
        # row s*A + a of the (S*A, S) layout is P[a][s, :]: interleave the A blocks state by state
        stacked = sp.vstack(blocks).tocsr()
        order = (np.arange(A)[None, :] * S + np.arange(S)[:, None]).ravel()
        return MDP(stacked[order], R_sa, row_tol=row_tol, **crit)
    P_dense = np.stack([np.asarray(m, dtype=np.float64) for m in mats], axis=1)   # (S, A, S)
    return MDP(P_dense, R_sa, row_tol=row_tol, **crit)


def to_pymdptoolbox(model: MDP) -> tuple[np.ndarray, np.ndarray]:
    """``(P (A, S, S), R (S, A))`` in pymdptoolbox's layout (dense) for a stationary model."""
    if model.time_varying:
        raise ModelError("to_pymdptoolbox needs a stationary model; this one is time-varying")
    return np.ascontiguousarray(np.transpose(model.dense_transitions(), (1, 0, 2))), np.array(model.R)


def from_pomdps_jl_tabular(T: Any, R: Any, *, discount: float | None = None, horizon: int | None = None,
                           average_reward: bool = False, row_tol: float = ROW_TOL) -> MDP:
    """An :class:`MDP` from POMDPModels.jl's ``TabularMDP(T, R, discount)`` layout: ``T[s', a, s]`` of shape
    ``(S, A, S)`` (next state first; 0-based here) and ``R[s, a]``."""
    T_arr = np.asarray(T, dtype=np.float64)
    if T_arr.ndim != 3 or T_arr.shape[0] != T_arr.shape[2]:
        raise ModelError(f"TabularMDP's T must have shape (S, A, S) indexed T[s', a, s]; got {T_arr.shape}")
    return MDP(np.ascontiguousarray(np.transpose(T_arr, (2, 1, 0))), R, row_tol=row_tol,
               **_criterion(discount, horizon, average_reward))


# ------------------------------------------------------------------------------------------------ files
#: ``.npz`` layouts read by :func:`mdplab.io.load` besides mdplab's own (docs/breadth.md):
#: state-action pairs (QuantEcon) and per-action matrices (pymdptoolbox).
SA_NPZ_KEYS = ("s_indices", "a_indices", "R", "P", "n_actions", "discount", "horizon")
TOOLBOX_NPZ_KEYS = ("P_actions", "R", "discount", "horizon")


def npz_form(headers: dict) -> str | None:
    """``"sa_pairs"`` when an ``.npz``'s arrays include ``s_indices``, ``"pymdptoolbox"`` when they include
    ``P_actions``, else ``None`` (mdplab's own layout)."""
    if "s_indices" in headers:
        return "sa_pairs"
    if "P_actions" in headers:
        return "pymdptoolbox"
    return None


def load_form_npz(path, headers: dict, *, discount: float | None = None, horizon: int | None = None,
                  average_reward: bool | None = None) -> MDP:
    """Read an ``.npz`` in one of the layouts of :func:`npz_form`; the criterion overrides follow
    :func:`mdplab.io.criterion`.  Keys, dtypes and sizes are checked before the data are loaded."""
    from pathlib import Path

    from .errors import FileFormatError
    from .io import _file_scalar, criterion, memory_budget

    path = Path(path)
    form = npz_form(headers)
    keys = SA_NPZ_KEYS if form == "sa_pairs" else TOOLBOX_NPZ_KEYS
    unknown = sorted(set(headers) - set(keys))
    if unknown:
        raise FileFormatError(f"{path}: unknown array(s) {unknown} for the {form} layout, which has {', '.join(keys)}")
    need = ("s_indices", "a_indices", "R", "P") if form == "sa_pairs" else ("P_actions", "R")
    missing = [k for k in need if k not in headers]
    if missing:
        raise FileFormatError(f"{path}: the {form} layout lacks array(s) {missing}")
    total = 0
    for key, (shape, dtype) in headers.items():
        if dtype.kind not in "biuf":
            raise FileFormatError(f"{path}: array {key!r} has dtype {dtype}; model arrays must be real numbers")
        if key in ("discount", "horizon", "n_actions") and shape != ():
            raise FileFormatError(f"{path}: {key!r} must be a single number (a 0-d array); got shape {shape}")
        total += 2 * int(np.prod(shape, dtype=object)) * 8
    if form == "pymdptoolbox":   # the (S, A, S) copy of the model
        total += 8 * int(np.prod(headers["P_actions"][0], dtype=object))
    if total > memory_budget():
        raise FileFormatError(f"{path}: its arrays need about {total / 2**30:.3g} GiB to load, above the memory budget "
                              f"of {memory_budget() / 2**30:.3g} GiB (set MDPLAB_MAX_BYTES to raise it)")
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    file_gamma = _file_scalar(path, "discount", arrays["discount"], False) if "discount" in arrays else None
    file_h = _file_scalar(path, "horizon", arrays["horizon"], True) if "horizon" in arrays else None
    crit = criterion(file_gamma, file_h, discount=discount, horizon=horizon, average_reward=average_reward)
    try:
        if form == "sa_pairs":
            n_actions = _file_scalar(path, "n_actions", arrays["n_actions"], True) if "n_actions" in arrays else None
            return sa_pair_mdp(arrays["s_indices"], arrays["a_indices"], arrays["R"], arrays["P"],
                               n_actions=n_actions, **crit)
        return from_pymdptoolbox(arrays["P_actions"], arrays["R"], **crit)
    except FileFormatError:
        raise
    except ModelError as exc:
        raise FileFormatError(f"{path}: {exc}") from None


__all__ = ["npz_form", "load_form_npz", "from_pomdps_jl_tabular", "sa_pair_mdp", "to_sa_pairs", "state_rewards", "from_pymdptoolbox", "to_pymdptoolbox"]
