"""Immutable, validated Markov decision process models.

Notation (Puterman 1994, *Markov Decision Processes*, ch. 2-8; used everywhere in mdplab):

* ``P[s, a, s']`` transition probabilities, ``R[s, a]`` expected one-step reward,
* ``gamma`` discount factor, ``H`` horizon, ``S`` states, ``A`` actions.

Three optimality criteria, chosen by keyword, exactly one at a time:

* **discounted**: ``MDP(P, R, discount=gamma)`` with ``0 <= gamma < 1``; maximise
  ``E[sum_t gamma^t r_t]``.
* **finite horizon**: ``MDP(P, R, horizon=H)`` with integer ``H >= 1`` and optional
  ``discount`` in ``[0, 1]`` (default 1); maximise ``E[sum_{t<H} gamma^t r_t]``.  ``P`` and ``R``
  may be time-varying: ``P`` of shape ``(H, S, A, S)`` and/or ``R`` of shape ``(H, S, A)``.
* **average reward**: ``MDP(P, R, average_reward=True)``; maximise the gain
  ``liminf_T E[sum_{t<T} r_t] / T``.  This is the only spelling of the criterion.

Transitions are accepted dense, shape ``(S, A, S)``, or as a ``scipy.sparse`` matrix of shape
``(S*A, S)`` whose row ``s*A + a`` is ``P[s, a, :]``.  Rewards ``R[s, a, s']`` are reduced to
the expected reward ``R[s, a] = sum_s' P[s, a, s'] R[s, a, s']`` at construction.

Validation happens once, in the constructor; the arrays kept afterwards are read-only, C-contiguous
float64 (int32 indices for sparse), so kernels can trust them.  Rows whose sums are within
``row_tol`` of 1 are renormalised to sum to 1 exactly (model files often carry 6-decimal rounding).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .arrays import readonly
from .errors import ModelError

#: Default tolerance on ``|sum_s' P[s, a, s'] - 1|``.
ROW_TOL = 1e-6
#: Rows off by at most this much are left as they are (floating-point round-off of a stochastic row).
RENORMALISE_ABOVE = 1e-13


@dataclass(frozen=True)
class SparseTransitions:
    """Row-compressed transitions: row ``i = s*A + a`` holds ``P[s, a, :]``.

    ``indptr`` (int64, ``S*A + 1``), ``indices`` (int32), ``data`` (float64), all read-only.

    ``width > 0`` means every row holds exactly ``width`` stored entries (rows were padded with explicit
    zeros at validation when that costs little), so ``indices`` and ``data`` reshape to ``(S*A, width)``
    (the padded fixed-width "ELL" layout, about twice as fast as CSR in the sweep kernels,
    PERFORMANCE.md).  Padding entries repeat the row's last column with probability 0.
    """

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    n_states: int
    n_actions: int
    width: int = 0

    def to_scipy(self) -> sp.csr_matrix:
        return sp.csr_matrix(
            (self.data, self.indices, self.indptr),
            shape=(self.n_states * self.n_actions, self.n_states),
        )

    def to_dense(self) -> np.ndarray:
        return self.to_scipy().toarray().reshape(self.n_states, self.n_actions, self.n_states)

    @property
    def nnz(self) -> int:
        return int(self.data.shape[0])


def _check_finite(name: str, x: np.ndarray) -> None:
    bad = ~np.isfinite(x)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ModelError(f"{name} contains a non-finite value ({float(x[where])!r}) at index {where}")


def _check_rewards_feasible(R: np.ndarray) -> None:
    """``R`` may hold ``-inf`` (the action is infeasible at that state, QuantEcon's DiscreteDP convention), but
    no NaN, no ``+inf``, and every state (at every stage) needs at least one action with a finite reward."""
    bad = np.isnan(R) | (R == np.inf)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ModelError(f"R contains a non-finite value ({float(R[where])!r}) at index {where} "
                         "(only -inf, marking an infeasible action, is allowed)")
    if R.ndim >= 2 and R.shape[-1] > 0 and np.isneginf(R).any():
        none = np.isneginf(R).all(axis=-1)
        if none.any():
            where = tuple(int(i) for i in np.argwhere(none)[0])
            state = f"s={where[-1]}" + (f" at stage h={where[0]}" if len(where) == 2 else "")
            raise ModelError(f"R is -inf (infeasible) for every action at {state}: each state needs a feasible action "
                             "(a finite reward); R contains a non-finite value there")


def feasible_actions(R: np.ndarray) -> np.ndarray:
    """Boolean mask of the feasible ``(s, a)`` pairs (finite reward; ``-inf`` marks an infeasible action)."""
    return np.isfinite(np.asarray(R))


def _as_float_array(name: str, x: Any) -> np.ndarray:
    if np.iscomplexobj(x):  # float64 conversion would drop the imaginary part with only a warning
        raise ModelError(f"{name} is complex; model arrays must be real numbers")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{name} cannot be read as an array of floats: {exc}") from None
    return arr


def _check_row_tol(row_tol: Any) -> float:
    """``row_tol`` as a float in ``[0, 1)``: NaN would make every row pass (``|sum - 1| > nan`` is False)."""
    try:
        tol = float(row_tol)
    except (TypeError, ValueError):
        raise ModelError(f"row_tol must be a number; got {type(row_tol).__name__}") from None
    if not (0.0 <= tol < 1.0):  # False for NaN
        raise ModelError(f"row_tol must be in [0, 1); got {tol}")
    return tol


def _check_rows(name: str, sums: np.ndarray, n_actions: int, row_tol: float, prefix: str = "") -> None:
    """Raise naming the first (s, a) whose row sum is off by more than ``row_tol``."""
    row_tol = _check_row_tol(row_tol)
    off = np.abs(sums - 1.0) > row_tol
    if off.any():
        i = int(np.flatnonzero(off)[0])
        s, a = divmod(i, n_actions)
        raise ModelError(
            f"{name}[{prefix}s={s}, a={a}, :] sums to {float(sums[i])!r}, not 1 "
            f"(tolerance {row_tol:g}); {int(off.sum())} row(s) are off"
        )


def _renormaliser(sums: np.ndarray) -> np.ndarray:
    """Divide rows by their sums only where they are off by more than round-off, so that a model read
    back from its own file is bit-identical."""
    return np.where(np.abs(sums - 1.0) > RENORMALISE_ABOVE, sums, 1.0)


def validate_dense_transitions(P: Any, name: str = "P", row_tol: float = ROW_TOL, stage_axis: bool = False) -> np.ndarray:
    """Validate dense transitions ``(S, A, S)`` (or ``(H, S, A, S)`` with ``stage_axis``); return a
    renormalised read-only float64 copy."""
    arr = _as_float_array(name, P)
    ndim = 4 if stage_axis else 3
    if arr.ndim != ndim or arr.shape[-1] != arr.shape[-3] or arr.shape[-1] == 0 or arr.shape[-2] == 0:
        want = "(H, S, A, S)" if stage_axis else "(S, A, S)"
        raise ModelError(f"{name} must have shape {want} with S, A >= 1; got shape {arr.shape}")
    _check_finite(name, arr)
    if (arr < 0).any():
        where = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        raise ModelError(f"{name} has a negative probability {float(arr[where])!r} at index {where}")
    S, A = arr.shape[-3], arr.shape[-2]
    stages = arr if stage_axis else arr[None]
    out = np.empty_like(stages)
    for h, Ph in enumerate(stages):
        sums = Ph.reshape(S * A, S).sum(axis=1)
        _check_rows(name, sums, A, row_tol, prefix=f"h={h}, " if stage_axis else "")
        out[h] = Ph / _renormaliser(sums).reshape(S, A, 1)
    return readonly(out if stage_axis else out[0])


def validate_sparse_transitions(P: Any, n_actions: int | None, name: str = "P", row_tol: float = ROW_TOL) -> SparseTransitions:
    """Validate a ``scipy.sparse`` matrix of shape ``(S*A, S)`` (row ``s*A + a``)."""
    shape = P.shape
    if len(shape) != 2 or shape[1] == 0 or shape[0] % shape[1] != 0 or shape[0] == 0:
        raise ModelError(f"sparse {name} must have shape (S*A, S); got {shape}")
    S = shape[1]
    A = shape[0] // S
    if n_actions is not None and n_actions != A:
        raise ModelError(f"sparse {name} has {shape[0]} rows, which is not S*A = {S}*{n_actions}")
    # Check raw CSR arrays *before* scipy touches them: out-of-range indices would otherwise
    # surface as an obscure scipy error or, inside a kernel, as memory corruption.
    if sp.isspmatrix_csr(P) or isinstance(P, sp.csr_array):
        indptr = np.asarray(P.indptr)
        indices = np.asarray(P.indices)
        data = _as_float_array(name + ".data", P.data)
        if indptr.shape != (shape[0] + 1,) or indptr[0] != 0 or np.any(np.diff(indptr) < 0) or indptr[-1] != indices.shape[0]:
            raise ModelError(f"sparse {name}: indptr is malformed (length {indptr.shape}, must be non-decreasing from 0 to nnz)")
        if data.shape != indices.shape:
            raise ModelError(f"sparse {name}: data has {data.shape[0]} entries but indices has {indices.shape[0]}")
        if indices.size and (indices.min() < 0 or indices.max() >= S):
            k = int(np.flatnonzero((indices < 0) | (indices >= S))[0])
            row = int(np.searchsorted(indptr, k, side="right") - 1)
            s, a = divmod(row, A)
            raise ModelError(
                f"sparse {name}: column index {int(indices[k])} out of range [0, {S}) in row {row} (s={s}, a={a})"
            )
        csr = sp.csr_matrix((data, indices.astype(np.int64), indptr.astype(np.int64)), shape=shape)
    else:
        csr = sp.csr_matrix(P, dtype=np.float64)
    csr.sum_duplicates()
    csr.sort_indices()
    data = csr.data.astype(np.float64)
    _check_finite(name + ".data", data)
    if (data < 0).any():
        k = int(np.flatnonzero(data < 0)[0])
        row = int(np.searchsorted(csr.indptr, k, side="right") - 1)
        s, a = divmod(row, A)
        raise ModelError(f"{name}[s={s}, a={a}, s'={int(csr.indices[k])}] is a negative probability {float(data[k])!r}")
    sums = np.asarray(csr.sum(axis=1)).ravel()
    _check_rows(name, sums, A, row_tol)
    row_of = np.repeat(np.arange(shape[0]), np.diff(csr.indptr))
    data = data / _renormaliser(sums)[row_of]
    indptr, indices, width = csr.indptr.astype(np.int64), csr.indices.astype(np.int32), 0
    counts = np.diff(indptr)
    K = int(counts.max()) if counts.size else 0
    if 0 < K <= ELL_MAX_WIDTH and K * shape[0] <= ELL_MAX_PADDING * max(int(indptr[-1]), 1) and counts.min() > 0:
        indices, data, indptr = _pad_rows(indptr, indices, data, K)
        width = K
    return SparseTransitions(
        indptr=readonly(indptr),
        indices=readonly(indices),
        data=readonly(data),
        n_states=S,
        n_actions=A,
        width=width,
    )


#: Rows are padded to a common width when the widest row has at most this many entries ...
ELL_MAX_WIDTH = 64
#: ... and padding grows storage by at most this factor.
ELL_MAX_PADDING = 1.5


def _pad_rows(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, K: int):
    """Pad every CSR row to ``K`` entries with zeros at the row's last column (see SparseTransitions)."""
    rows = indptr.shape[0] - 1
    counts = np.diff(indptr)
    slot = np.arange(K)[None, :]
    src = np.minimum(indptr[:-1, None] + slot, indptr[1:, None] - 1)  # last real entry repeats
    real = slot < counts[:, None]
    new_indices = indices[src].astype(np.int32)
    new_data = np.where(real, data[src], 0.0)
    return new_indices.ravel(), new_data.ravel(), np.arange(rows + 1, dtype=np.int64) * K


def validate_horizon(horizon: Any, name: str = "horizon") -> int:
    """``horizon`` as an ``int >= 1``; anything else (None, a string, a bool, 2.5, NaN, inf) raises
    :class:`ModelError` naming it (never rounded: a rounded horizon is another problem)."""
    if isinstance(horizon, (bool, np.bool_)) or not isinstance(horizon, (int, float, np.integer, np.floating)):
        raise ModelError(f"{name} must be an integer >= 1; got {type(horizon).__name__} {horizon!r}"
                         if not isinstance(horizon, (bool, np.bool_)) else f"{name} must be an integer >= 1; got a bool")
    h = float(horizon)
    if not (np.isfinite(h) and h.is_integer() and h >= 1):
        raise ModelError(f"{name} must be an integer >= 1; got {h:g}")
    return int(horizon)


def _validate_discount(discount: Any, allow_one: bool) -> float:
    try:
        gamma = float(discount)
    except (TypeError, ValueError):
        raise ModelError(f"discount must be a number; got {discount!r}") from None
    hi_ok = gamma <= 1.0 if allow_one else gamma < 1.0
    if not (np.isfinite(gamma) and gamma >= 0.0 and hi_ok):
        rng = "[0, 1]" if allow_one else "[0, 1) (use horizon=H for gamma = 1, or average_reward=True)"
        raise ModelError(f"discount {gamma!r} is outside {rng}")
    return gamma


class MDP:
    """A finite Markov decision process, validated once and immutable afterwards.

    Parameters
    ----------
    P : array ``(S, A, S)``, ``(H, S, A, S)`` (finite horizon, time-varying) or scipy.sparse ``(S*A, S)``.
    R : array ``(S, A)``, ``(S, A, S)`` (reduced to its expectation under ``P``) or ``(H, S, A)``.  In the
        ``(S, A)`` and ``(H, S, A)`` layouts ``R[s, a] = -inf`` marks action ``a`` infeasible at ``s`` (every state
        keeps at least one feasible action; the row ``P[s, a]`` must still be a distribution and is never used).
    discount : ``gamma``; in ``[0, 1)`` for the discounted criterion, ``[0, 1]`` with a horizon.
    horizon : ``H >= 1`` selects the finite-horizon criterion.
    average_reward : ``True`` selects the average-reward (gain) criterion.
    row_tol : accepted ``|row sum - 1|`` before renormalisation.

    Attributes
    ----------
    ``n_states``, ``n_actions``, ``criterion`` (``"discounted" | "finite" | "average"``), ``gamma``
    (``None`` for average reward), ``horizon``, ``R`` (``(S, A)`` or ``(H, S, A)``), ``P`` (dense
    array or ``None``), ``sparse`` (:class:`SparseTransitions` or ``None``), ``time_varying``.
    """

    # __weakref__: solvers cache per-model facts (e.g. the rounding profile of mdplab.solvers._common) weakly.
    __slots__ = ("n_states", "n_actions", "criterion", "gamma", "horizon", "R", "P", "sparse", "time_varying", "_frozen",
                 "__weakref__")

    def __init__(
        self,
        P: Any,
        R: Any,
        *,
        discount: float | None = None,
        horizon: int | None = None,
        average_reward: bool = False,
        row_tol: float = ROW_TOL,
    ) -> None:
        row_tol = _check_row_tol(row_tol)
        # ---- criterion -------------------------------------------------------------------
        if average_reward and (discount is not None or horizon is not None):
            raise ModelError("average_reward=True excludes discount= and horizon=")
        if horizon is not None:
            horizon = validate_horizon(horizon)
            criterion = "finite"
            gamma: float | None = 1.0 if discount is None else _validate_discount(discount, allow_one=True)
        elif average_reward:
            criterion, gamma = "average", None
        else:
            if discount is None:
                raise ModelError("give discount=gamma in [0, 1), horizon=H, or average_reward=True")
            criterion, gamma = "discounted", _validate_discount(discount, allow_one=False)

        # ---- transitions -----------------------------------------------------------------
        sparse_P: SparseTransitions | None = None
        dense_P: np.ndarray | None = None
        if sp.issparse(P):
            sparse_P = validate_sparse_transitions(P, None, row_tol=row_tol)
            S, A = sparse_P.n_states, sparse_P.n_actions
            time_varying = False
        else:
            arr = _as_float_array("P", P)
            time_varying = arr.ndim == 4
            if time_varying and criterion != "finite":
                raise ModelError(f"P of shape {arr.shape} is time-varying, which needs horizon=H")
            dense_P = validate_dense_transitions(arr, row_tol=row_tol, stage_axis=time_varying)
            S, A = dense_P.shape[-3], dense_P.shape[-2]
            if time_varying and dense_P.shape[0] != horizon:
                raise ModelError(f"P has {dense_P.shape[0]} stages but horizon={horizon}")

        # ---- rewards ---------------------------------------------------------------------
        Rarr = _as_float_array("R", R)
        if Rarr.shape == (S, A, S):
            _check_finite("R", Rarr)   # -inf (infeasible) only in the expected-reward layouts (S, A) / (H, S, A)
        else:
            _check_rewards_feasible(Rarr)
        if Rarr.shape == (S, A, S):
            if sparse_P is not None:
                rows = sparse_P.to_scipy()
                Rflat = Rarr.reshape(S * A, S)
                Rexp = np.asarray(rows.multiply(Rflat).sum(axis=1)).reshape(S, A)
            else:
                Pm = dense_P[0] if time_varying else dense_P
                Rexp = np.einsum("sat,sat->sa", Pm, Rarr) if not time_varying else np.einsum("hsat,sat->hsa", dense_P, Rarr)
            Rarr = Rexp
        elif Rarr.shape == (S, A):
            if time_varying:
                Rarr = np.broadcast_to(Rarr, (horizon, S, A)).copy()
        elif criterion == "finite" and Rarr.shape == (horizon, S, A):
            time_varying = True
            if dense_P is None:
                raise ModelError("time-varying R of shape (H, S, A) needs dense P")
            if dense_P.ndim == 3:
                dense_P = readonly(np.broadcast_to(dense_P, (horizon, S, A, S)).copy())
        else:
            want = f"({S}, {A}) or ({S}, {A}, {S})" + (f" or ({horizon}, {S}, {A})" if criterion == "finite" else "")
            raise ModelError(f"R must have shape {want} (P has S={S}, A={A}); got shape {Rarr.shape}")

        self.n_states, self.n_actions = int(S), int(A)
        self.criterion, self.gamma, self.horizon = criterion, gamma, horizon
        self.R = readonly(Rarr.astype(np.float64))
        self.P, self.sparse, self.time_varying = dense_P, sparse_P, bool(time_varying)
        self._frozen = True

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_frozen", False):
            raise AttributeError(f"MDP is immutable; cannot set {name!r} (build a new model instead)")
        object.__setattr__(self, name, value)

    # ------------------------------------------------------------------ conveniences
    @property
    def is_sparse(self) -> bool:
        return self.sparse is not None

    @property
    def feasible(self) -> np.ndarray:
        """Boolean ``(S, A)`` (or ``(H, S, A)``) mask of the feasible pairs: ``R`` finite (``-inf`` = infeasible)."""
        return np.isfinite(self.R)

    @property
    def has_infeasible(self) -> bool:
        return bool(np.isneginf(self.R).any())

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n_states, self.n_actions)

    def dense_transitions(self) -> np.ndarray:
        """``P`` as a dense ``(S, A, S)`` (or ``(H, S, A, S)``) array (a copy if stored sparse)."""
        return self.P if self.P is not None else self.sparse.to_dense()

    def transitions_csr(self) -> sp.csr_matrix:
        """``P`` as a scipy CSR matrix of shape ``(S*A, S)`` (stationary models only)."""
        if self.time_varying:
            raise ModelError("transitions_csr() needs stationary transitions; this model is time-varying")
        if self.sparse is not None:
            return self.sparse.to_scipy()
        return sp.csr_matrix(self.P.reshape(self.n_states * self.n_actions, self.n_states))

    def with_criterion(self, *, discount: float | None = None, horizon: int | None = None, average_reward: bool = False) -> "MDP":
        """Same ``P`` and ``R`` under another criterion (validated again, cheaply)."""
        P = self.sparse.to_scipy() if self.sparse is not None else self.P
        return MDP(P, self.R, discount=discount, horizon=horizon, average_reward=average_reward)

    def __repr__(self) -> str:
        layout = f"sparse nnz={self.sparse.nnz}" if self.sparse is not None else "dense"
        crit = {"discounted": f"gamma={self.gamma}", "finite": f"H={self.horizon}, gamma={self.gamma}", "average": "average reward"}[self.criterion]
        return f"MDP(S={self.n_states}, A={self.n_actions}, {crit}, {layout}{', time-varying' if self.time_varying else ''})"
