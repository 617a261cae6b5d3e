"""Undiscounted total reward: stochastic shortest path (SSP) problems.

Maximise ``E[sum_{t>=0} R(s_t, a_t)]`` (no discount; Puterman 1994, ch. 7; Bertsekas & Tsitsiklis 1991,
"An analysis of stochastic shortest path problems", Math. Oper. Res. 16(3)).  Termination is modelled, as in
Bertsekas & Tsitsiklis, by *goal states*: states with a feasible action that stays put with probability 1 and
earns 0 (:func:`goal_states`).  A stationary policy is *proper* when it reaches the goal states with
probability 1 from every state (:func:`mdplab.evaluation.total_reward_values` accepts, more generally, any
policy whose recurrent classes earn 0).

Assumptions of the theory (Bertsekas & Tsitsiklis 1991, Assumptions 1-2, in reward form): (a) a proper policy
exists; (b) every improper policy earns ``-inf`` from some state (every cycle that avoids the goal loses
reward).  Under (a)-(b) the optimal values are the unique solution of ``v = max_a R + P v`` with ``v = 0`` on
the goal, and policy iteration started from a proper policy visits proper policies only and stops at an
optimal one (their Prop. 2).  Here:

* (a) is decided exactly, by the almost-sure reachability fixpoint (:func:`almost_sure_goal_states`: states
  from which some policy reaches the goal with probability 1; the standard graph algorithm, e.g. Baier &
  Katoen 2008, *Principles of Model Checking*, Alg. 45); where it fails, :class:`NotApplicableError` names
  the states from which no policy terminates;
* (b) is not checked up front (it is a property of all improper policies); if policy iteration meets an
  improper policy (a zero- or positive-reward cycle beats terminating), it stops with
  :class:`NotApplicableError` saying the total reward may be unbounded and the SSP assumption fails.

Deviations: none in the algorithm (Howard's policy iteration with exact linear solves on the transient states,
keeping the current action on ties, Puterman Alg. 6.4.1's rule); the initial proper policy is built from the
reachability layers (an action with a successor one layer closer to the goal).
"""
from __future__ import annotations

import numpy as np

from ..errors import ModelError, NotApplicableError
from ..models import MDP
from ..operators import q_values
from ..solution import Solution
from ._common import check_max_iter, check_tol


def _support(model: MDP) -> list[list[np.ndarray]]:
    csr = model.transitions_csr()
    S, A = model.shape
    out = []
    for s in range(S):
        row = []
        for a in range(A):
            lo, hi = csr.indptr[s * A + a], csr.indptr[s * A + a + 1]
            row.append(csr.indices[lo:hi][csr.data[lo:hi] > 0])
        out.append(row)
    return out


def goal_states(model: MDP) -> np.ndarray:
    """Boolean ``(S,)``: states with a feasible action that stays put with probability 1 and earns 0."""
    if model.time_varying:
        raise ModelError("total reward needs a stationary model")
    S, A = model.shape
    P = model.transitions_csr()
    stay = np.asarray(P[np.arange(S * A), np.repeat(np.arange(S), A)]).reshape(S, A)
    R = np.asarray(model.R)
    return ((stay == 1.0) & (R == 0.0)).any(axis=1)


def _goal_actions(model: MDP, goal: np.ndarray) -> np.ndarray:
    S, A = model.shape
    P = model.transitions_csr()
    stay = np.asarray(P[np.arange(S * A), np.repeat(np.arange(S), A)]).reshape(S, A)
    return np.argmax((stay == 1.0) & (np.asarray(model.R) == 0.0), axis=1)


def almost_sure_goal_states(model: MDP, goal: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(W, layer)``: ``W[s]`` is True when some policy reaches ``goal`` from ``s`` with probability 1;
    ``layer[s]`` is the number of steps of the backward search that reached ``s`` (``-1`` outside ``W``).

    Greatest fixpoint: keep the actions whose successors all lie in the current set ``W``, keep the states of
    ``W`` that reach the goal by such actions (backward search), repeat until ``W`` stops shrinking."""
    S, A = model.shape
    goal = goal_states(model) if goal is None else np.asarray(goal, dtype=bool)
    support = _support(model)
    feasible = np.isfinite(np.asarray(model.R))
    W = np.ones(S, dtype=bool)
    while True:
        allowed = [[a for a in range(A) if feasible[s, a] and W[support[s][a]].all()] for s in range(S)]
        layer = np.full(S, -1, dtype=np.int64)
        layer[goal & W] = 0
        k = 0
        frontier = True
        while frontier:
            frontier = False
            k += 1
            reached = layer >= 0
            for s in np.flatnonzero(W & ~reached):
                if any(reached[support[s][a]].any() for a in allowed[s]):
                    layer[s] = k
                    frontier = True
        W_new = layer >= 0
        if np.array_equal(W_new, W):
            return W, layer
        W = W_new


def proper_policy(model: MDP) -> np.ndarray:
    """A proper policy (reaches the goal states with probability 1 from every state), or
    :class:`NotApplicableError` naming the states from which no policy terminates."""
    S, A = model.shape
    goal = goal_states(model)
    if not goal.any():
        raise NotApplicableError("no proper policy: the model has no goal state (a state with an action that stays "
                                 "put with probability 1 and earns 0), so no policy terminates")
    W, layer = almost_sure_goal_states(model, goal)
    if not W.all():
        bad = np.flatnonzero(~W)
        raise NotApplicableError(f"no proper policy: from state(s) {bad[:10].tolist()}{' ...' if bad.size > 10 else ''} "
                                 f"({bad.size} in all) no policy reaches a goal state with probability 1; the total "
                                 "reward is not defined there (use discount= or average_reward=True)")
    support = _support(model)
    feasible = np.isfinite(np.asarray(model.R))
    pi = _goal_actions(model, goal)
    for s in np.flatnonzero(~goal):
        for a in range(A):
            if feasible[s, a] and W[support[s][a]].all() and (layer[support[s][a]] == layer[s] - 1).any():
                pi[s] = a
                break
    return pi.astype(np.int64)


def total_reward_policy_iteration(model: MDP, tol: float = 1e-6, max_iter: int = 10_000,
                                  pi0: np.ndarray | None = None) -> Solution:
    """Optimal total reward by policy iteration from a proper policy (module docstring).

    The model's own criterion is ignored: its ``P`` and ``R`` are read undiscounted.  Returns ``values`` (0 on
    the goal states), ``policy``, ``q = R + P v``, ``error_bound`` = ``||T v - v||_inf`` at the end (rounding
    only: evaluation is exact), ``info["goal_states"]``.  ``tol`` is accepted for the common signature (the
    method is exact) and validated."""
    from ..evaluation import total_reward_values

    check_tol(tol)
    max_iter = check_max_iter(max_iter)
    if model.time_varying:
        raise NotApplicableError("total_reward_policy_iteration needs a stationary model")
    S = model.n_states
    goal = goal_states(model)
    pi = proper_policy(model) if pi0 is None else np.asarray(pi0, dtype=np.int64).copy()
    residuals: list[float] = []
    for k in range(1, max_iter + 1):
        try:
            v = total_reward_values(model, pi)
        except NotApplicableError as exc:
            if k == 1 and pi0 is not None:
                raise NotApplicableError(f"pi0 is not proper: {exc}") from None
            raise NotApplicableError(
                "total_reward_policy_iteration reached an improper policy: a cycle that avoids the goal states earns "
                "reward >= 0, so the total reward may be unbounded and the stochastic-shortest-path assumption "
                f"(every improper policy earns -inf from some state) fails. Details: {exc}") from None
        q = q_values(model, v, gamma=1.0)
        best = q.argmax(axis=1)
        rows = np.arange(S)
        residuals.append(float(np.abs(q[rows, best] - v).max()))
        atol = 1e-11 * max(1.0, float(np.abs(v).max()))
        new_pi = np.where(q[rows, pi] >= q[rows, best] - atol, pi, best)
        if np.array_equal(new_pi, pi):
            return Solution(values=v, q=q, policy=pi, iterations=k, residuals=np.asarray(residuals), converged=True,
                            method="total_pi", error_bound=residuals[-1], info={"goal_states": goal.copy()})
        pi = new_pi
    return Solution(values=v, q=q, policy=pi, iterations=max_iter, residuals=np.asarray(residuals), converged=False,
                    method="total_pi", error_bound=residuals[-1], info={"goal_states": goal.copy()})


__all__ = ["goal_states", "almost_sure_goal_states", "proper_policy", "total_reward_policy_iteration"]
