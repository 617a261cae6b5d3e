"""Numba kernels of HF-UCRL-RFE++ and UCRL-RFE (private; plain arrays in, preallocated outputs).

Notation as in ``exploration.py``: ``Phi[s, a, s', i]``, ``P_theta = Phi @ theta`` (signed), stacks indexed
``t`` (0 = hat, built on the uncertainty value; 1 = tilde, built on the pseudo value) and levels ``m``.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _quad(x, A_inv):
    d = x.shape[0]
    acc = 0.0
    for i in range(d):
        row = 0.0
        for j in range(d):
            row += A_inv[i, j] * x[j]
        acc += x[i] * row
    return np.sqrt(acc) if acc > 0.0 else 0.0


@njit(cache=True)
def _feature(Phi, s, a, w, out):
    """``out = phi_w(s, a) = sum_s' Phi[s, a, s', :] w[s']``."""
    S = Phi.shape[2]
    d = Phi.shape[3]
    for i in range(d):
        out[i] = 0.0
    for s2 in range(S):
        ws = w[s2]
        if ws != 0.0:
            for i in range(d):
                out[i] += Phi[s, a, s2, i] * ws


@njit(cache=True)
def _uncertainty_backup(Phi, P_theta, theta, Sdot_inv_hat0, Sdot_inv_tilde0, beta, s, a, Vt_next, Vh_next, x):
    """(2.6.1)-(2.6.2) at ``(s, a)``: ``min(1, u + 2 beta ||phi_{Vhat'}||_{Sdot_hat0^-1} + <phi_{Vhat'}, theta>)``
    clipped at 0, with ``u = min(1, beta ||phi_{Vtilde'}||_{Sdot_tilde0^-1})`` (``'``: stage ``h+1``)."""
    S = Phi.shape[2]
    _feature(Phi, s, a, Vt_next, x)
    u = min(1.0, beta * _quad(x, Sdot_inv_tilde0))
    _feature(Phi, s, a, Vh_next, x)
    lin = 0.0
    for s2 in range(S):
        lin += P_theta[s, a, s2] * Vh_next[s2]       # <phi_{Vhat'}(s, a), theta> = P_theta Vhat'
    v = u + 2.0 * beta * _quad(x, Sdot_inv_hat0) + lin
    return min(max(v, 0.0), 1.0)


@njit(cache=True)
def _pick(Q, best, u):
    """The action among ``Q >= best - 1e-12`` chosen by the uniform ``u`` (uniform over the tied ones)."""
    A = Q.shape[0]
    count = 0
    for a in range(A):
        if Q[a] >= best - 1e-12:
            count += 1
    pick = min(int(u * count), count - 1)
    for a in range(A):
        if Q[a] >= best - 1e-12:
            if pick == 0:
                return a
            pick -= 1
    return 0


@njit(cache=True)
def oracle_candidates_kernel(P_theta, Phi, theta, Sdot_inv_hat0, Sdot_inv_tilde0, beta, rewards, tie_u,
                             pis, V_tilde, V_hat):
    """Two candidate policies per reward ``rewards[j] (S, A)`` (outputs indexed ``2 j + mode``): mode 0 the
    greedy policy of the pseudo value under ``theta`` (clipped DP), mode 1 the stage-wise greedy policy of
    the uncertainty value (2.6.2) (the pseudo value following the same actions).  Ties by ``tie_u (2n, H,
    S)``.  Writes ``pis (2n, H, S)``, pseudo values ``V_tilde (2n, H+1, S)``, uncertainty values ``V_hat``."""
    n, S, A = rewards.shape
    H = pis.shape[1]
    d = Phi.shape[3]
    x = np.empty(d)
    Q = np.empty(A)
    Qv = np.empty(A)
    for c in range(2 * n):
        j = c // 2
        mode = c % 2
        for s in range(S):
            V_tilde[c, H, s] = 0.0
            V_hat[c, H, s] = 0.0
        for h in range(H - 1, -1, -1):
            for s in range(S):
                best = -1.0
                for a in range(A):
                    q = rewards[j, s, a]
                    for s2 in range(S):
                        q += P_theta[s, a, s2] * V_tilde[c, h + 1, s2]
                    Q[a] = min(max(q, 0.0), 1.0)         # value under theta [thesis, Lemma 2.8.22]
                    if mode == 1:
                        Qv[a] = _uncertainty_backup(Phi, P_theta, theta, Sdot_inv_hat0, Sdot_inv_tilde0, beta, s, a,
                                                    V_tilde[c, h + 1], V_hat[c, h + 1], x)
                        if Qv[a] > best:
                            best = Qv[a]
                    elif Q[a] > best:
                        best = Q[a]
                act = _pick(Qv if mode == 1 else Q, best, tie_u[c, h, s])
                pis[c, h, s] = act
                V_tilde[c, h, s] = Q[act]
                if mode == 1:
                    V_hat[c, h, s] = Qv[act]
                else:
                    V_hat[c, h, s] = _uncertainty_backup(Phi, P_theta, theta, Sdot_inv_hat0, Sdot_inv_tilde0, beta,
                                                         s, act, V_tilde[c, h + 1], V_hat[c, h + 1], x)


@njit(cache=True)
def home_kernel(x, theta, Sigma_inv, Sdot_inv, beta, alpha, gamma, square, sigma):
    """HOME [thesis Alg. 5] for one stack: ``x (M, d)``, ``theta (M, d)``, ``Sigma_inv (M, d, d)`` (in
    episode), ``Sdot_inv (M, d, d)`` (frozen) -> ``sigma (M,)``."""
    M = x.shape[0]
    d = x.shape[1]
    for m in range(M - 1):
        first = 0.0
        second = 0.0
        for i in range(d):
            first += x[m, i] * theta[m, i]
            second += x[m + 1, i] * theta[m + 1, i]
        first = min(max(first, 0.0), 1.0)
        second = min(max(second, 0.0), 1.0)
        var = second - (first * first if square else first)
        E = min(1.0, 2.0 * beta * _quad(x[m], Sdot_inv[m])) + min(1.0, beta * _quad(x[m + 1], Sdot_inv[m + 1]))
        s2 = max(gamma * gamma * _quad(x[m], Sigma_inv[m]), var + E, alpha * alpha)
        sigma[m] = np.sqrt(s2)
    s2 = max(gamma * gamma * _quad(x[M - 1], Sigma_inv[M - 1]), 1.0, alpha * alpha)
    sigma[M - 1] = np.sqrt(s2)


@njit(cache=True)
def _rank_one(Sigma, Sigma_inv, b, z, y):
    """``Sigma += z z^T``, ``Sigma_inv`` by Sherman-Morrison, ``b += z y``."""
    d = z.shape[0]
    w = np.empty(d)
    for i in range(d):
        acc = 0.0
        for j in range(d):
            acc += Sigma_inv[i, j] * z[j]
        w[i] = acc
    denom = 1.0
    for i in range(d):
        denom += z[i] * w[i]
    for i in range(d):
        b[i] += z[i] * y
        for j in range(d):
            Sigma[i, j] += z[i] * z[j]
            Sigma_inv[i, j] -= w[i] * w[j] / denom


@njit(cache=True)
def weighted_vtr_episode_kernel(Phi, states, actions, V_hat, V_tilde, theta, Sigma, Sigma_inv, b, Sdot_inv,
                                betas, alpha, gamma, square, weighted, sigma_log):
    """One episode of the two weighted value-targeted regressions (2.6.3)-(2.6.4): for each step ``h`` and
    stack ``t``, features ``phi_{W^{2^m}}(s_h, a_h)``, targets ``W_{h+1}(s_{h+1})^{2^m}``, HOME weights (or 1
    when ``weighted`` is False), rank-one updates of ``Sigma``, ``Sigma_inv``, ``b`` (all ``(2, M, ...)``).
    ``betas[0]`` is ``beta_k``.  ``sigma_log (H, 2, M)`` receives the weights."""
    H = actions.shape[0]
    M = theta.shape[1]
    d = theta.shape[2]
    S = Phi.shape[2]
    x = np.empty((M, d))
    y = np.empty(M)
    sig = np.empty(M)
    w = np.empty(S)
    z = np.empty(d)
    for h in range(H):
        s = states[h]
        a = actions[h]
        s_next = states[h + 1]
        for t in range(2):
            W = V_hat[h + 1] if t == 0 else V_tilde[h + 1]
            for s2 in range(S):
                w[s2] = W[s2]
            for m in range(M):
                _feature(Phi, s, a, w, x[m])
                y[m] = w[s_next]
                for s2 in range(S):
                    w[s2] = w[s2] * w[s2]          # W^{2^{m+1}}
            if weighted:
                home_kernel(x, theta[t], Sigma_inv[t], Sdot_inv[t], betas[0], alpha, gamma, square, sig)
            else:
                for m in range(M):
                    sig[m] = 1.0
            for m in range(M):
                sigma_log[h, t, m] = sig[m]
                for i in range(d):
                    z[i] = x[m, i] / sig[m]
                _rank_one(Sigma[t, m], Sigma_inv[t, m], b[t, m], z, y[m] / sig[m])


@njit(cache=True)
def ucrl_rfe_plan_kernel(P_theta, Phi, Sigma_inv, beta, rewards, cap, tie_u, pi, V):
    """PLAN of UCRL-RFE: ``Q_h = clip_[0,cap](r_h + P_theta V_{h+1} + beta ||phi_{V_{h+1}}(s, a)||_{Sigma^-1})``,
    greedy with ties by ``tie_u (H, S)``; ``rewards (H, S, A)``; writes ``pi (H, S)``, ``V (H+1, S)``."""
    H, S, A = rewards.shape
    d = Phi.shape[3]
    x = np.empty(d)
    Q = np.empty(A)
    for s in range(S):
        V[H, s] = 0.0
    for h in range(H - 1, -1, -1):
        for s in range(S):
            best = -1.0
            for a in range(A):
                q = rewards[h, s, a]
                for s2 in range(S):
                    q += P_theta[s, a, s2] * V[h + 1, s2]
                if beta > 0.0:
                    _feature(Phi, s, a, V[h + 1], x)
                    q += beta * _quad(x, Sigma_inv)
                q = min(max(q, 0.0), cap)
                Q[a] = q
                if q > best:
                    best = q
            act = _pick(Q, best, tie_u[h, s])
            pi[h, s] = act
            V[h, s] = Q[act]


@njit(cache=True)
def max_vertex_norm_kernel(vertex_features, Sigma_inv, norms, argmax):
    """``norms[s, a] = max_v ||vertex_features[v, s, a]||_{Sigma^-1}`` and the maximising vertex."""
    n, S, A, d = vertex_features.shape
    for s in range(S):
        for a in range(A):
            best = -1.0
            arg = 0
            for v in range(n):
                q = _quad(vertex_features[v, s, a], Sigma_inv)
                if q > best:
                    best = q
                    arg = v
            norms[s, a] = best
            argmax[s, a] = arg


@njit(cache=True)
def ridge_episode_kernel(Phi, states, actions, targets, Sigma, Sigma_inv, b):
    """Unweighted ridge updates of UCRL-RFE: at step ``h``, feature ``phi_{f_h}(s_h, a_h)`` of the target
    function ``targets[h] (S,)`` and response ``f_h(s_{h+1})``."""
    H = actions.shape[0]
    d = Phi.shape[3]
    x = np.empty(d)
    for h in range(H):
        _feature(Phi, states[h], actions[h], targets[h], x)
        _rank_one(Sigma, Sigma_inv, b, x, targets[h, states[h + 1]])
