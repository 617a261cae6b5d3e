"""Instances of the Halpern / anchored-iteration scenarios (plain builders; nothing is registered here: the
scenarios are in :mod:`scenarios.theorems.halpern`, whose docstring describes each family and its source).

* :func:`hard_chain`: the deterministic chain on which anchored VI meets its span lower bound.
* :func:`fixed_point_mdp`: a gamma = 1 model with a known fixed point ``V*``.
* :func:`periodic_cycle`: the deterministic ``S``-cycle (gain ``1/S``).
"""
from __future__ import annotations

import numpy as np

from mdplab import MDP
from scenarios.instances.classic import random_dense


def hard_chain(n: int, gamma: float) -> MDP:
    """The hard chain of ``docs/theory/lee2023anchoring.md#span_lower_bound`` [D]: s_1 -> ... -> s_n (absorbing), reward 1 at s_{n-1}; ||U*||_inf = 1.  Sparse."""
    import scipy.sparse as sps

    nxt = np.minimum(np.arange(n) + 1, n - 1)
    P = sps.csr_matrix((np.ones(n), (np.arange(n), nxt)), shape=(n, n))  # row s*A + a with A = 1
    R = np.zeros((n, 1))
    R[n - 2, 0] = 1.0
    return MDP(P, R, discount=gamma)


def fixed_point_mdp(S: int, A: int, seed: int) -> tuple[MDP, np.ndarray]:
    """gamma = 1 model with a fixed point V*."""
    P = random_dense(S, A, seed).dense_transitions()
    rng = np.random.default_rng([seed, 2])
    V = rng.normal(size=S) * 3
    delta = rng.random((S, A))
    delta[np.arange(S), rng.integers(0, A, size=S)] = 0.0
    return MDP(P, V[:, None] - P @ V - delta, average_reward=True), V


def periodic_cycle(S: int) -> MDP:
    """Deterministic ``S``-cycle, one action, reward 1 at state 0: gain ``1/S``, period ``S``; value iteration
    never converges on it (its Bellman error stays ``1 - 1/S``)."""
    P = np.zeros((S, 1, S))
    P[np.arange(S), 0, (np.arange(S) + 1) % S] = 1.0
    R = np.zeros((S, 1))
    R[0, 0] = 1.0
    return MDP(P, R, average_reward=True)
