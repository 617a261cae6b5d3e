"""Exact evaluation of a given policy under every criterion (Puterman 1994, Sec. 4.2, 6.1, 7.1, 8.2).

``evaluate_policy(model, pi)`` reads the criterion from the model (or ``total_reward=True``):

* **discounted**: ``v^pi = (I - gamma P_pi)^{-1} R_pi`` (Eq. (6.1.10)); ``pi`` stationary, deterministic ``(S,)``
  or stochastic ``(S, A)`` (:func:`mdplab.solvers.evaluate_policy`, direct or iterative solve).
* **finite horizon**: ``V_H = terminal`` (default 0), ``V_h = R_{pi_h} + gamma P_{pi_h} V_{h+1}`` (the
  policy-evaluation recursion, Sec. 4.2); ``pi`` time-varying ``(H, S)`` / ``(H, S, A)`` or stationary
  ``(S,)`` / ``(S, A)``; when ``(H, S) == (S, A)`` an integer array is read as ``(H, S)`` actions and a float
  array as ``(S, A)`` weights.  Returns ``values (H+1, S)``.
* **total reward** (undiscounted, Puterman ch. 7; the stochastic-shortest-path setting of Bertsekas &
  Tsitsiklis 1991): ``v^pi = sum_t P_pi^t R_pi`` is finite from every state exactly when every recurrent class
  of ``P_pi`` earns reward 0 on each of its states (after absorption nothing more is earned); such a policy is
  called *proper* here.  Then ``v = 0`` on recurrent states and ``(I - Q) v_T = R_T`` on the transient ones
  (``Q`` = ``P_pi`` restricted to them, ``I - Q`` invertible).  An improper policy is refused naming a recurrent
  class and its reward (its total reward diverges or oscillates).
* **average reward**: gain ``g^pi (S,)`` (constant for unichain policies, per start state otherwise) and bias
  ``h^pi`` normalised by ``P*_pi h = 0`` (Thm 8.2.3; :func:`mdplab.regret.policy_gain`, Cesaro limit by exact
  linear solves); ``values`` is the bias.

Infeasible actions (``R = -inf``) may carry probability 0 only; a policy that takes one is refused, naming
the state.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .arrays import readonly
from .errors import ModelError, NotApplicableError
from .models import MDP
from .operators import policy_matrix, stochastic_policy_matrix


@dataclass(frozen=True)
class PolicyValue:
    """What :func:`evaluate_policy` returns: ``criterion`` (``"discounted" | "finite" | "total" | "average"``),
    ``values`` (``(S,)``; ``(H+1, S)`` for finite horizon; the bias for average reward), ``gain`` and ``bias``
    (``(S,)`` arrays, average reward only)."""

    criterion: str
    values: np.ndarray
    gain: np.ndarray | None = None
    bias: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("values", "gain", "bias"):
            x = getattr(self, name)
            if x is not None:
                object.__setattr__(self, name, readonly(np.asarray(x, dtype=np.float64)))


def _finite_R(R: np.ndarray) -> np.ndarray:
    """``R`` with infeasible entries (``-inf``) set to 0: only ever multiplied by a policy weight 0 after
    :func:`policy_matrix` / :func:`_stage_weights` have checked the policy avoids them."""
    return np.where(np.isfinite(R), R, 0.0)


def _stage_weights(model: MDP, pi: np.ndarray) -> np.ndarray:
    """``pi`` as stage weights ``(H, S, A)`` (validated; stationary policies repeated over the stages)."""
    H, S, A = model.horizon, model.n_states, model.n_actions
    pi = np.asarray(pi)
    integer = np.issubdtype(pi.dtype, np.integer)
    if pi.shape == (S,) or (pi.shape == (S, A) and not (integer and pi.shape == (H, S))):
        w = stochastic_policy_matrix(model, pi)          # (S,) integers or (S, A) weights; stationary
        w = np.broadcast_to(w, (H, S, A))
    elif pi.shape == (H, S):
        if not np.issubdtype(pi.dtype, np.integer) or pi.min() < 0 or pi.max() >= A:
            raise ModelError(f"a deterministic time-varying policy must hold integers in 0..{A - 1}; got {pi.dtype}")
        w = np.zeros((H, S, A))
        w[np.arange(H)[:, None], np.arange(S)[None, :], pi] = 1.0
    elif pi.shape == (H, S, A):
        w = np.asarray(pi, dtype=np.float64)
        if not np.all(np.isfinite(w)) or (w < 0).any() or np.abs(w.sum(axis=2) - 1.0).max() > 1e-9:
            raise ModelError(f"a stochastic time-varying policy must have rows on the simplex, shape ({H}, {S}, {A})")
    else:
        raise ModelError(f"policy must have shape ({S},), ({S}, {A}), ({H}, {S}) or ({H}, {S}, {A}); got {pi.shape}")
    R3 = model.R if model.R.ndim == 3 else np.broadcast_to(model.R, (H, S, A))
    bad = (w > 0) & np.isneginf(R3)
    if bad.any():
        h, s, _ = (int(i) for i in np.argwhere(bad)[0])
        raise ModelError(f"the policy takes an infeasible action (R = -inf) at state {s}, stage {h}")
    return w


def finite_horizon_values(model: MDP, pi: np.ndarray, terminal_values: np.ndarray | None = None) -> np.ndarray:
    """``V (H+1, S)`` of a (time-varying) policy on a finite-horizon model, dense or sparse, any ``gamma``
    (the recursion of the module docstring; for ``gamma = 1`` and dense ``P`` it is
    :func:`mdplab.regret.finite_horizon_policy_value`, which the tests compare it with)."""
    if model.criterion != "finite":
        raise NotApplicableError(f"finite_horizon_values needs a finite-horizon model; this one is {model.criterion!r}")
    H, S, A = model.horizon, model.n_states, model.n_actions
    w = _stage_weights(model, pi)
    V = np.zeros((H + 1, S))
    if terminal_values is not None:
        tv = np.asarray(terminal_values, dtype=np.float64)
        if tv.shape != (S,) or not np.all(np.isfinite(tv)):
            raise ModelError(f"terminal_values must be finite with shape ({S},)")
        V[H] = tv
    R = _finite_R(np.asarray(model.R))
    csr = model.transitions_csr() if model.sparse is not None else None
    for h in range(H - 1, -1, -1):
        Rh = R[h] if R.ndim == 3 else R
        if csr is not None:
            PV = (csr @ V[h + 1]).reshape(S, A)
        else:
            Ph = model.P[h] if model.P.ndim == 4 else model.P
            PV = Ph @ V[h + 1]
        V[h] = np.einsum("sa,sa->s", w[h], Rh + model.gamma * PV)     # Sec. 4.2, policy-evaluation recursion
    return V


def _chain(model: MDP, pi: np.ndarray):
    P_pi, R_pi = policy_matrix(model, pi)          # refuses infeasible actions
    if np.asarray(pi).ndim == 2:                   # stochastic: R_pi already masks 0 * (-inf)
        return P_pi, R_pi
    return P_pi, np.asarray(R_pi, dtype=np.float64)


def total_reward_values(model: MDP, pi: np.ndarray, atol: float = 0.0) -> np.ndarray:
    """Total expected reward ``v^pi`` of a stationary policy (module docstring), exact by one linear solve on
    the transient states.  Raises :class:`NotApplicableError` for an improper policy (a recurrent class whose
    reward is not 0; ``atol`` tolerates rounding in ``R``)."""
    from .solvers.average import recurrent_classes

    if model.time_varying:
        raise NotApplicableError("total reward needs a stationary model")
    P_pi, R_pi = _chain(model, pi)
    P_csr = sp.csr_matrix(P_pi)
    S = model.n_states
    recurrent = np.zeros(S, dtype=bool)
    for C in recurrent_classes(P_csr):
        idx = np.fromiter(C, dtype=np.int64)
        bad = np.abs(R_pi[idx]) > atol
        if bad.any():
            s = int(idx[np.flatnonzero(bad)[0]])
            raise NotApplicableError(
                f"the policy is improper for the total-reward criterion: state {s} lies in a recurrent class of "
                f"{idx.size} state(s) {sorted(int(i) for i in idx)[:8]} that earns R = {float(R_pi[s])!r} at each "
                "visit, so the total reward diverges; a proper policy ends in states that earn 0")
        recurrent[idx] = True
    v = np.zeros(S)
    T = np.flatnonzero(~recurrent)
    if T.size:
        Q = P_csr[T][:, T]
        M = (sp.identity(T.size, format="csc") - Q.tocsc())
        v[T] = spla.spsolve(M, R_pi[T]) if T.size > 500 else np.linalg.solve(M.toarray(), R_pi[T])
    return v


def average_reward_values(model: MDP, pi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(gain (S,), bias (S,))`` of a stationary policy (any chain structure): :func:`mdplab.regret.policy_gain`."""
    from .regret import policy_gain

    if model.time_varying:
        raise NotApplicableError("average reward needs a stationary model")
    policy_matrix(model, pi)                       # validates pi and refuses infeasible actions
    return policy_gain(model.dense_transitions(), _finite_R(np.asarray(model.R)), np.asarray(pi))


def evaluate_policy(model: MDP, pi: np.ndarray, *, total_reward: bool = False,
                    terminal_values: np.ndarray | None = None) -> PolicyValue:
    """Evaluate ``pi`` exactly under the model's criterion (``total_reward=True``: the undiscounted total
    reward of a stationary model's ``P`` and ``R``, whatever its own criterion).  See the module docstring."""
    if not isinstance(model, MDP):
        raise ModelError(f"evaluate_policy takes an mdplab.MDP; got {type(model).__name__}")
    if total_reward:
        return PolicyValue("total", total_reward_values(model, pi))
    if model.criterion == "discounted":
        from .solvers.discounted import evaluate_policy as discounted_values

        return PolicyValue("discounted", discounted_values(model, np.asarray(pi)))
    if model.criterion == "finite":
        return PolicyValue("finite", finite_horizon_values(model, pi, terminal_values))
    gain, bias = average_reward_values(model, pi)
    return PolicyValue("average", bias, gain=gain, bias=bias)


__all__ = ["PolicyValue", "evaluate_policy", "finite_horizon_values", "total_reward_values", "average_reward_values"]
