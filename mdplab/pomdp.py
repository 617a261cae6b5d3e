"""Immutable, validated partially observable MDPs.

Notation (Kaelbling, Littman & Cassandra 1998, *Planning and acting in partially observable stochastic
domains*, AIJ 101; the same maps as POMDPs.jl, compiled once into arrays):

* ``P[s, a, s']`` transition probabilities,
* ``O[a, s', o]`` probability of observing ``o`` after playing ``a`` and landing in ``s'``,
* ``R[s, a]`` expected one-step reward; rewards that depend on ``s'`` (shape ``(S, A, S)``) or on
  ``s'`` and ``o`` (shape ``(S, A, S, O)``) are folded at construction:
  ``R[s, a] = sum_s' P[s, a, s'] sum_o O[a, s', o] R[s, a, s', o]``,
* ``b0`` the initial belief (uniform when not given, the convention of pomdp-solve and SARSOP),
* ``gamma`` and/or ``H``: ``POMDP(..., discount=gamma)`` with ``0 <= gamma < 1`` maximises
  ``E[sum_t gamma^t r_t]``; ``POMDP(..., horizon=H)`` (optional ``discount`` in ``[0, 1]``, default 1)
  maximises ``E[sum_{t<H} gamma^t r_t]``.

Validation happens once, in the constructor, exactly as for :class:`mdplab.MDP` (the transition check
is :func:`mdplab.models.validate_dense_transitions`); afterwards the arrays are read-only C-contiguous
float64.  Rows within ``row_tol`` of 1 are renormalised (model files carry 6-decimal rounding).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .errors import ModelError
from .arrays import readonly
from .models import ROW_TOL, MDP, _as_float_array, _check_finite, _validate_discount, validate_dense_transitions, validate_horizon


def validate_emissions(O: Any, n_states: int, n_actions: int, row_tol: float = ROW_TOL) -> np.ndarray:
    """Validate emissions ``O[a, s', o]``; a row that does not sum to 1 is named by ``(a, s')``."""
    arr = _as_float_array("O", O)
    if arr.ndim != 3 or arr.shape[:2] != (n_actions, n_states) or arr.shape[2] == 0:
        raise ModelError(f"O must have shape (A, S, O) = ({n_actions}, {n_states}, n_obs) with n_obs >= 1; got {arr.shape}")
    _check_finite("O", arr)
    if (arr < 0).any():
        where = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        raise ModelError(f"O has a negative probability {float(arr[where])!r} at index (a, s', o) = {where}")
    sums = arr.sum(axis=2)
    off = np.abs(sums - 1.0) > row_tol
    if off.any():
        a, s1 = (int(i) for i in np.argwhere(off)[0])
        raise ModelError(f"O[a={a}, s'={s1}, :] sums to {float(sums[a, s1])!r}, not 1 (tolerance {row_tol:g}); "
                         f"{int(off.sum())} row(s) are off")
    return readonly(arr / sums[:, :, None])


def validate_belief(b: Any, n_states: int, name: str = "b0", row_tol: float = ROW_TOL) -> np.ndarray:
    """A probability vector of length ``S`` (renormalised when within ``row_tol`` of summing to 1)."""
    arr = _as_float_array(name, b)
    if arr.shape != (n_states,):
        raise ModelError(f"{name} must have shape (S,) = ({n_states},); got {arr.shape}")
    _check_finite(name, arr)
    if (arr < 0).any():
        i = int(np.flatnonzero(arr < 0)[0])
        raise ModelError(f"{name}[{i}] = {float(arr[i])!r} is negative")
    total = arr.sum()
    if abs(total - 1.0) > row_tol:
        raise ModelError(f"{name} sums to {float(total)!r}, not 1 (tolerance {row_tol:g})")
    return readonly(arr / total)


def _names(names: Sequence[str] | None, n: int, what: str) -> tuple[str, ...] | None:
    if names is None:
        return None
    names = tuple(str(x) for x in names)
    if len(names) != n:
        raise ModelError(f"{what}_names has {len(names)} entries; the model has {n} {what}s")
    return names


class POMDP:
    """A finite POMDP, validated once and immutable afterwards.

    Parameters
    ----------
    P : ``(S, A, S)`` transitions.
    O : ``(A, S, O)`` emissions ``O[a, s', o]``.
    R : ``(S, A)``, ``(S, A, S)`` or ``(S, A, S, O)`` rewards (the latter two are folded to ``(S, A)``).
    b0 : initial belief ``(S,)``; uniform if ``None``.
    discount, horizon : the criterion (see the module docstring).
    state_names, action_names, observation_names : optional labels (kept for file round trips).

    Attributes
    ----------
    ``n_states, n_actions, n_observations, criterion ("discounted" | "finite"), gamma, horizon, P, O, R, b0``
    and the three name tuples (or ``None``).
    """

    __slots__ = ("n_states", "n_actions", "n_observations", "criterion", "gamma", "horizon", "P", "O", "R", "b0",
                 "state_names", "action_names", "observation_names", "_frozen")

    def __init__(self, P: Any, O: Any, R: Any, *, b0: Any = None, discount: float | None = None,
                 horizon: int | None = None, row_tol: float = ROW_TOL, state_names: Sequence[str] | None = None,
                 action_names: Sequence[str] | None = None, observation_names: Sequence[str] | None = None) -> None:
        if horizon is not None:
            horizon = validate_horizon(horizon)
            criterion = "finite"
            gamma = 1.0 if discount is None else _validate_discount(discount, allow_one=True)
        else:
            if discount is None:
                raise ModelError("give discount=gamma in [0, 1) or horizon=H")
            criterion, gamma = "discounted", _validate_discount(discount, allow_one=False)
        Pv = validate_dense_transitions(P, row_tol=row_tol)
        S, A = Pv.shape[0], Pv.shape[1]
        Ov = validate_emissions(O, S, A, row_tol=row_tol)
        n_obs = Ov.shape[2]
        Rarr = _as_float_array("R", R)
        _check_finite("R", Rarr)
        if Rarr.shape == (S, A, S, n_obs):
            # R[s, a] = sum_s' P[s, a, s'] sum_o O[a, s', o] R[s, a, s', o]
            Rarr = np.einsum("sat,ato,sato->sa", Pv, Ov, Rarr)
        elif Rarr.shape == (S, A, S):
            Rarr = np.einsum("sat,sat->sa", Pv, Rarr)
        elif Rarr.shape != (S, A):
            raise ModelError(f"R must have shape (S, A), (S, A, S) or (S, A, S, O) with (S, A, O) = {(S, A, n_obs)}; "
                             f"got {Rarr.shape}")
        b = np.full(S, 1.0 / S) if b0 is None else b0
        self.n_states, self.n_actions, self.n_observations = int(S), int(A), int(n_obs)
        self.criterion, self.gamma, self.horizon = criterion, float(gamma), horizon
        self.P, self.O = Pv, Ov
        self.R = readonly(np.array(Rarr, dtype=np.float64))
        self.b0 = validate_belief(b, S, row_tol=max(row_tol, 1e-5))
        self.state_names = _names(state_names, S, "state")
        self.action_names = _names(action_names, A, "action")
        self.observation_names = _names(observation_names, n_obs, "observation")
        self._frozen = True

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_frozen", False):
            raise AttributeError(f"POMDP is immutable; cannot set {name!r} (build a new model instead)")
        object.__setattr__(self, name, value)

    def with_criterion(self, *, discount: float | None = None, horizon: int | None = None) -> "POMDP":
        """Same arrays under another criterion; ``discount`` defaults to the current ``gamma``."""
        g = self.gamma if discount is None else discount
        return POMDP(self.P, self.O, self.R, b0=self.b0, discount=g, horizon=horizon, state_names=self.state_names,
                     action_names=self.action_names, observation_names=self.observation_names)

    def with_b0(self, b0: Any) -> "POMDP":
        """Same model started from another belief."""
        return POMDP(self.P, self.O, self.R, b0=b0, discount=self.gamma, horizon=self.horizon,
                     state_names=self.state_names, action_names=self.action_names,
                     observation_names=self.observation_names)

    def underlying_mdp(self) -> MDP:
        """The fully observable MDP on the same ``P`` and ``R`` (QMDP and bounds use it)."""
        if self.criterion == "finite":
            return MDP(self.P, self.R, horizon=self.horizon, discount=self.gamma)
        return MDP(self.P, self.R, discount=self.gamma)

    def __repr__(self) -> str:
        crit = f"gamma={self.gamma}" if self.criterion == "discounted" else f"H={self.horizon}, gamma={self.gamma}"
        return f"POMDP(S={self.n_states}, A={self.n_actions}, O={self.n_observations}, {crit})"
