"""Trajectory sampling by inverse CDF on uniforms drawn outside (so a numpy ``Generator`` seed fixes every
number, on every backend).  ``pi[h, s, a]`` is a per-stage stochastic policy; ``u_a``/``u_s`` hold
uniforms of shape ``(E, H)``; rewards are the model's expected ``R[s, a]``."""
from numba import njit, prange

from .interaction import draw_categorical


@njit(inline="always", cache=True)
def _draw_dense(P, s, a, u):
    """Successor of ``(s, a)`` by the inverse CDF of row ``P[s, a]`` (the one categorical draw of the core)."""
    return draw_categorical(P[s, a], u)


@njit(inline="always", cache=True)
def _draw_csr(indptr, indices, data, i, u):
    acc = 0.0
    for k in range(indptr[i], indptr[i + 1]):
        acc += data[k]
        if u < acc:
            return indices[k]
    for k in range(indptr[i + 1] - 1, indptr[i] - 1, -1):
        if data[k] > 0.0:
            return indices[k]
    return indices[indptr[i + 1] - 1]


@njit(inline="always", cache=True)
def _draw_action(pi, h, s, u):
    acc = 0.0
    A = pi.shape[2]
    for a in range(A):
        acc += pi[h, s, a]
        if u < acc:
            return a
    for a in range(A - 1, -1, -1):
        if pi[h, s, a] > 0.0:
            return a
    return A - 1


@njit(parallel=True, cache=True)
def sample_episodes_dense(P, R, pi, s0, u_a, u_s, states, actions, rewards):
    E, H = u_a.shape
    for e in prange(E):
        s = s0[e]
        for h in range(H):
            states[e, h] = s
            a = _draw_action(pi, h, s, u_a[e, h])
            actions[e, h] = a
            rewards[e, h] = R[s, a]
            s = _draw_dense(P, s, a, u_s[e, h])
        states[e, H] = s


@njit(parallel=True, cache=True)
def sample_episodes_csr(indptr, indices, data, R, pi, s0, u_a, u_s, states, actions, rewards):
    E, H = u_a.shape
    A = R.shape[1]
    for e in prange(E):
        s = s0[e]
        for h in range(H):
            states[e, h] = s
            a = _draw_action(pi, h, s, u_a[e, h])
            actions[e, h] = a
            rewards[e, h] = R[s, a]
            s = _draw_csr(indptr, indices, data, s * A + a, u_s[e, h])
        states[e, H] = s


@njit(cache=True)
def sample_next_states_dense(P, s, a, u, out):
    for i in range(s.shape[0]):
        out[i] = _draw_dense(P, s[i], a[i], u[i])


@njit(cache=True)
def sample_next_states_csr(indptr, indices, data, n_actions, s, a, u, out):
    for i in range(s.shape[0]):
        out[i] = _draw_csr(indptr, indices, data, s[i] * n_actions + a[i], u[i])
