"""Immutable solver results."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .arrays import readonly


def _freeze(x: Any) -> Any:
    return readonly(x) if isinstance(x, np.ndarray) else x


@dataclass(frozen=True)
class Solution:
    """What every mdplab solver returns.

    Fields
    ------
    values : ``(S,)`` value estimate (finite horizon: ``(H+1, S)``, stage ``h`` values, ``values[H] = 0``;
        average reward: the bias ``h`` normalised so that ``h[ref_state] = 0``).
    q : ``(S, A)`` action values ``R + gamma P values`` (finite horizon: ``(H, S, A)``).  A solver may pass
        a zero-argument function instead of the array: it runs on the first read of ``q`` (one more sweep
        over ``P``, which callers who only need values and policy never pay) and its result is kept (the
        function holds the model until then; pickling computes ``q`` first).
    policy : ``(S,)`` greedy deterministic policy (finite horizon: ``(H, S)``).
    iterations : number of outer iterations (sweeps for VI, improvements for PI).
    residuals : per-iteration residual the method's stopping rule reads (documented per method).
    converged : whether the stopping rule certified the requested tolerance.
    method : solver name.  ``error_bound``: certified sup-norm bound on ``|values - v*|`` (discounted)
        or on ``|gain - g*|`` (average reward), ``nan`` if none.
    gain, bias : average reward only (``gain`` scalar for weakly communicating models).
    info : extra method-specific read-only data (e.g. LP dual occupancy measure).
    """

    values: np.ndarray
    q: np.ndarray
    policy: np.ndarray
    iterations: int
    residuals: np.ndarray
    converged: bool
    method: str
    error_bound: float = float("nan")
    gain: float | None = None
    bias: np.ndarray | None = None
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("values", "policy", "residuals", "bias"):
            object.__setattr__(self, name, _freeze(getattr(self, name)))
        object.__setattr__(self, "info", {k: _freeze(v) for k, v in self.info.items()})

    def __getstate__(self) -> dict:
        self.q  # noqa: B018 -- a pending function cannot be pickled: compute q first
        return dict(self.__dict__)


class _ComputedOnFirstRead:
    """Data descriptor for ``Solution.q``: stores an array (frozen) or a zero-argument function whose
    frozen result replaces it on the first read."""

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        value = obj.__dict__["_q"]
        if callable(value):
            value = _freeze(np.asarray(value()))
            obj.__dict__["_q"] = value
        return value

    def __set__(self, obj, value) -> None:
        obj.__dict__["_q"] = value if callable(value) else _freeze(value)


# Installed after the dataclass is built, so the generated __init__ / __eq__ / __repr__ keep q as a field.
Solution.q = _ComputedOnFirstRead()
