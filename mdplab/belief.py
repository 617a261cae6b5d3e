"""Public POMDP belief filter and a seeded policy simulator.

Belief update (the "state estimator" of Kaelbling, Littman & Cassandra 1998, Eq. (1) in their notation):
``b'(s') = O[a, s', o] sum_s P[s, a, s'] b(s) / Pr(o | b, a)`` with
``Pr(o | b, a) = sum_s' O[a, s', o] sum_s P[s, a, s'] b(s)`` (kernel :mod:`mdplab._kernels.belief`).

Simulator: a hidden state drawn from ``b0``, then at each step the policy's action, the reward ``R[s, a]``, the
next state from ``P[s, a]``, the observation from ``O[a, s', .]`` and the belief update.  Policies:

* alpha vectors (an ``AlphaSet`` of :mod:`mdplab.pomdp_planning`, or ``(alpha (K, S), action (K,))``): the
  action of a maximising vector at the current belief (ties broken uniformly at random with the run's
  generator);
* a policy graph (``PolicyGraph`` of :mod:`mdplab.pomdp_planning` or of a ``.pg`` file): the current node's
  action, then the node ``next[node, o]``.

Every random draw comes from ``numpy.random.default_rng(seed)``: a seed reproduces the run exactly.
Simulated returns are samples (for exact values use :func:`mdplab.pomdp_files.policy_graph_value`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._kernels.belief import belief_update as _belief_update_kernel
from .arrays import readonly
from .errors import ModelError, check_seed, shown
from .pomdp import POMDP, validate_belief


def belief_update(model: POMDP, b: Any, a: int, o: int) -> tuple[np.ndarray, float]:
    """``(b', Pr(o | b, a))`` (module docstring).  Raises :class:`ModelError` when ``o`` has probability 0
    after ``a`` from ``b`` (the posterior is undefined), or when ``b``, ``a`` or ``o`` is invalid."""
    if not isinstance(model, POMDP):
        raise ModelError(f"belief_update takes an mdplab POMDP; got {type(model).__name__}")
    bv = np.ascontiguousarray(validate_belief(b, model.n_states, name="b", row_tol=1e-6), dtype=np.float64)
    a, o = _index(a, model.n_actions, "action a"), _index(o, model.n_observations, "observation o")
    out = np.empty(model.n_states)
    prob = float(_belief_update_kernel(model.P, model.O, bv, a, o, out))
    if prob <= 0.0:
        raise ModelError(f"observation o={o} has probability 0 after action a={a} from this belief: no posterior")
    return out, prob


def _index(x: Any, n: int, name: str) -> int:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)) or not (0 <= int(x) < n):
        raise ModelError(f"{name} must be an integer in 0..{n - 1}; got {shown(x)}")
    return int(x)


@dataclass(frozen=True)
class Trajectory:
    """One simulated run: ``states (T+1,)``, ``actions (T,)``, ``observations (T,)``, ``rewards (T,)``,
    ``beliefs (T+1, S)``, ``nodes (T+1,)`` (policy-graph node, ``-1`` for alpha-vector policies) and
    ``discounted_return`` = ``sum_t gamma^t rewards[t]``."""

    states: np.ndarray
    actions: np.ndarray
    observations: np.ndarray
    rewards: np.ndarray
    beliefs: np.ndarray
    nodes: np.ndarray
    discounted_return: float


def _policy(model: POMDP, policy: Any):
    """``("alpha", alpha, action)`` or ``("graph", action, next, start)``, validated against ``model``."""
    from .pomdp_planning import AlphaSet, PolicyGraph

    S, A, nO = model.n_states, model.n_actions, model.n_observations
    if isinstance(policy, PolicyGraph):
        act, nxt = np.asarray(policy.action, dtype=np.int64), np.asarray(policy.next, dtype=np.int64)
        if nxt.ndim != 2 or nxt.shape != (act.shape[0], nO):
            raise ModelError(f"policy graph: next must have shape (nodes, O) = ({act.shape[0]}, {nO}); got {nxt.shape}")
        if act.size and (act.min() < 0 or act.max() >= A):
            raise ModelError(f"policy graph: actions must be in 0..{A - 1}")
        if nxt.size and (nxt.min() < -1 or nxt.max() >= act.shape[0]):
            raise ModelError(f"policy graph: successor nodes must be in 0..{act.shape[0] - 1} (or -1: none)")
        if not (0 <= int(policy.start) < act.shape[0]):
            raise ModelError(f"policy graph: start node {policy.start} outside 0..{act.shape[0] - 1}")
        return ("graph", act, nxt, int(policy.start))
    if isinstance(policy, AlphaSet):
        alpha, action = np.asarray(policy.alpha, dtype=np.float64), np.asarray(policy.action, dtype=np.int64)
    elif isinstance(policy, tuple) and len(policy) == 2:
        alpha, action = np.asarray(policy[0], dtype=np.float64), np.asarray(policy[1])
    else:
        raise ModelError("policy must be an AlphaSet, a pair (alpha (K, S), action (K,)) or a PolicyGraph; "
                         f"got {type(policy).__name__}")
    if alpha.ndim != 2 or alpha.shape[1] != S or alpha.shape[0] == 0 or action.shape != (alpha.shape[0],):
        raise ModelError(f"alpha vectors must have shape (K, {S}) with K >= 1 and one action each; got "
                         f"{alpha.shape} and {action.shape}")
    if not np.all(np.isfinite(alpha)):
        raise ModelError("alpha vectors contain NaN or inf")
    if not np.issubdtype(action.dtype, np.integer) or action.min() < 0 or action.max() >= A:
        raise ModelError(f"alpha-vector actions must be integers in 0..{A - 1}")
    return ("alpha", alpha, action.astype(np.int64))


def _draw(rng: np.random.Generator, p: np.ndarray) -> int:
    """Inverse-CDF draw from ``p`` (last index on round-off)."""
    return int(min(np.searchsorted(np.cumsum(p), rng.random(), side="right"), p.shape[0] - 1))


def simulate(model: POMDP, policy: Any, n_steps: int, seed: int, b0: Any = None) -> Trajectory:
    """Simulate ``policy`` on ``model`` for ``n_steps`` steps (module docstring), from ``b0`` (default the
    model's).  A policy-graph node without a successor for the observation met (``-1``) ends the run early."""
    seed = check_seed(seed)
    if isinstance(n_steps, (bool, np.bool_)) or not isinstance(n_steps, (int, np.integer)) or n_steps < 0:
        raise ModelError(f"n_steps must be an integer >= 0; got {n_steps!r}")
    pol = _policy(model, policy)
    rng = np.random.default_rng(seed)
    b = np.ascontiguousarray(model.b0 if b0 is None else validate_belief(b0, model.n_states), dtype=np.float64)
    s = _draw(rng, b)
    node = pol[3] if pol[0] == "graph" else -1
    states, actions, obs, rewards, beliefs, nodes = [s], [], [], [], [b.copy()], [node]
    gamma = model.gamma
    ret, disc = 0.0, 1.0
    nxt_b = np.empty(model.n_states)
    for _ in range(int(n_steps)):
        if pol[0] == "graph":
            a = int(pol[1][node])
        else:
            scores = pol[1] @ b
            top = np.flatnonzero(scores >= scores.max() - 1e-12 * max(1.0, abs(float(scores.max()))))
            a = int(pol[2][top[rng.integers(top.size)] if top.size > 1 else top[0]])
        r = float(model.R[s, a])
        s1 = _draw(rng, model.P[s, a])
        o = _draw(rng, model.O[a, s1])
        _belief_update_kernel(model.P, model.O, b, a, o, nxt_b)
        b = nxt_b.copy()
        ret += disc * r
        disc *= gamma
        s = s1
        states.append(s)
        actions.append(a)
        obs.append(o)
        rewards.append(r)
        beliefs.append(b.copy())
        if pol[0] == "graph":
            node = int(pol[2][node, o])
            nodes.append(node)
            if node < 0:
                break
        else:
            nodes.append(-1)
    return Trajectory(states=readonly(np.array(states)), actions=readonly(np.array(actions, dtype=np.int64)),
                      observations=readonly(np.array(obs, dtype=np.int64)), rewards=readonly(np.array(rewards)),
                      beliefs=readonly(np.array(beliefs)), nodes=readonly(np.array(nodes, dtype=np.int64)),
                      discounted_return=float(ret))


__all__ = ["belief_update", "simulate", "Trajectory"]
