"""Slow, obviously-correct numpy references for the kernels (tests only)."""
from __future__ import annotations

import numpy as np


def q_ref(P, R, gamma, v):
    return R + gamma * np.einsum("sat,t->sa", P, v)


def bellman_ref(P, R, gamma, v):
    q = q_ref(P, R, gamma, v)
    return q.max(axis=1), q.argmax(axis=1)


def policy_ref(P, R, gamma, pi, v):
    q = q_ref(P, R, gamma, v)
    if pi.ndim == 1:
        return q[np.arange(len(pi)), pi]
    return (pi * q).sum(axis=1)


def gauss_seidel_ref(P, R, gamma, v):
    v = v.copy()
    pi = np.zeros(len(v), dtype=int)
    for s in range(len(v)):
        q = R[s] + gamma * P[s] @ v
        v[s], pi[s] = q.max(), q.argmax()
    return v, pi


def policy_gauss_seidel_ref(P, R, gamma, pi, v, reverse=False):
    """In-place-order evaluation sweep of a deterministic policy, one state at a time."""
    v = v.copy()
    increments = np.zeros(len(v))
    for s in (reversed(range(len(v))) if reverse else range(len(v))):
        new = R[s, pi[s]] + gamma * P[s, pi[s]] @ v
        increments[s], v[s] = new - v[s], new
    return v, increments


def exact_v_star(P, R, gamma):
    """Brute force over all deterministic policies (tiny models only)."""
    import itertools

    S, A = R.shape
    best = None
    for pi in itertools.product(range(A), repeat=S):
        pi = np.array(pi)
        v = np.linalg.solve(np.eye(S) - gamma * P[np.arange(S), pi], R[np.arange(S), pi])
        best = v if best is None else np.maximum(best, v)
    return best
