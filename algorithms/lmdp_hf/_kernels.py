"""Numba kernels of the horizon-free LMDP learner (private to :mod:`algorithms.lmdp_hf`).

One optimistic backup of one context at one ``(s, a)`` (:func:`optimistic_backup`), and two sweeps built on it:
the per-context backward induction used wherever the belief has collapsed to one context
(:func:`context_backups`) and the shared-action sweep of the Markov-policy variant (:func:`markov_backups`).
Solver codes: see :data:`algorithms.lmdp_hf.planner.SOLVER_CODES`.

Part of the ``zhou2023lmdp`` learner (reconstruction; see :mod:`algorithms.lmdp_hf.learner` for the source and
the Deviations line).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from mdplab.tiebreak import argmax_random_tie

VALUE_OPT = 0      # Bernstein bonus, monotone (docs/theory/zhou2023lmdp.md, reconstructed)
HOEFFDING = 1      # same form with the variance replaced by its worst case 1/4 (broken variant)
MODEL_OPT = 2      # extended-VI relaxation over an empirical-Bernstein box (§A2.3 template)
EXACT = 3          # no bonus, no truncation beyond [0, 1]: planning on a known model


@njit(cache=True)
def bonus(solver, n, var, iota, gamma, c1, c2, scale):
    """``scale * max(c1 sqrt(Gamma var iota / n), c2 Gamma iota / n)`` (Bernstein; ``var`` = V(Phat, v)) or the
    same with ``var = 1/4`` (Hoeffding)."""
    if solver == HOEFFDING:
        var = 0.25
    return scale * max(c1 * math.sqrt(gamma * var * iota / n), c2 * gamma * iota / n)


@njit(cache=True)
def box_max(p, v, n, iota, c3, scale):
    """``max p'.v + u`` over ``p'`` on the observed support with ``|p'(y) - p(y)| <= rad(y)``,
    ``rad(y) = scale (sqrt(2 p(y)(1 - p(y)) iota / n) + c3 iota / n)``, plus, when some state was never observed
    after this pair, one **unseen slot** of mass ``u <= scale c3 iota / n`` valued at 1 (the largest value a
    continuation can have: its true value is unknown), total mass 1.  Greedy: start from the lower ends and
    pour the remaining mass on the largest values first (the solution of this box-constrained LP)."""
    S = p.shape[0]
    room = np.zeros(S + 1)
    val = np.zeros(S + 1)
    mass = 1.0
    total = 0.0
    unseen = False
    for y in range(S):
        if p[y] > 0.0:
            rad = scale * (math.sqrt(2.0 * p[y] * (1.0 - p[y]) * iota / n) + c3 * iota / n)
            low = max(0.0, p[y] - rad)
            room[y] = min(1.0, p[y] + rad) - low
            val[y] = v[y]
            mass -= low
            total += low * v[y]
        else:
            unseen = True
    if unseen:
        room[S] = min(1.0, scale * c3 * iota / n)
        val[S] = 1.0
    while mass > 0.0:
        best = -1
        for y in range(S + 1):
            if room[y] > 0.0 and (best < 0 or val[y] > val[best]):
                best = y
        if best < 0:
            break
        add = min(room[best], mass)
        total += add * val[best]
        mass -= add
        room[best] = 0.0
    return total


@njit(cache=True)
def optimistic_backup(solver, n, p, r, v, iota, gamma, c1, c2, c3, scale, cap=1.0):
    """``min(1, r + Phat.v + b(n, v))`` for a context with frozen count ``n`` (``1`` when ``n = 0``: the
    unvisited pair is fully optimistic), ``Phat = p``, deterministic reward ``r``, continuation ``v (S,)``;
    ``cap = 1`` is the truncation of every backup (``inf``: the broken variant without it)."""
    if n == 0:
        return 1.0
    pv = 0.0
    pv2 = 0.0
    for y in range(p.shape[0]):
        if p[y] > 0.0:
            pv += p[y] * v[y]
            pv2 += p[y] * v[y] * v[y]
    if solver == EXACT:
        return min(cap, r + pv)
    if solver == MODEL_OPT:
        return min(cap, r + box_max(p, v, n, iota, c3, scale))
    var = max(pv2 - pv * pv, 0.0)
    return min(cap, r + pv + bonus(solver, n, var, iota, gamma, c1, c2, scale))   # truncation at 1


@njit(cache=True)
def context_backups(solver, n_f, P_f, R_f, iota, gamma, c1, c2, c3, scale, cap, u, alpha, pi):
    """Per context ``m``: ``alpha[m, H] = 0``, ``alpha[m, h, s] = max_a optimistic_backup(..., alpha[m, h + 1])``
    with the maximiser in ``pi[m, h, s]`` (uniform ties by ``u[m, h, s]``); returns the number of ties."""
    M, S, A = n_f.shape
    H = pi.shape[1]
    q = alpha[0, 0, :A].copy()
    ties = 0
    for m in range(M):
        for s in range(S):
            alpha[m, H, s] = 0.0
        for h in range(H - 1, -1, -1):
            for s in range(S):
                for a in range(A):
                    q[a] = optimistic_backup(solver, n_f[m, s, a], P_f[m, s, a], R_f[m, s, a], alpha[m, h + 1],
                                             iota, gamma, c1, c2, c3, scale, cap)
                k, cnt = argmax_random_tie(q, u[m, h, s], 0.0)
                pi[m, h, s] = k
                alpha[m, h, s] = q[k]
                if cnt > 1:
                    ties += 1
    return ties


@njit(cache=True)
def markov_backups(solver, n_f, P_f, R_f, iota, gamma, c1, c2, c3, scale, cap, weight, u, alpha, pi):
    """Markov-policy variant: one action per ``(h, s)`` for every context, the maximiser of
    ``sum_m weight[m] Qbar_m(h, s, a)``; ``alpha[m, h, s]`` is context ``m``'s optimistic value of that action."""
    M, S, A = n_f.shape
    H = pi.shape[0]
    q = alpha[:, 0, :A].copy()
    score = alpha[0, 0, :A].copy()
    ties = 0
    for m in range(M):
        for s in range(S):
            alpha[m, H, s] = 0.0
    for h in range(H - 1, -1, -1):
        for s in range(S):
            for a in range(A):
                score[a] = 0.0
                for m in range(M):
                    q[m, a] = optimistic_backup(solver, n_f[m, s, a], P_f[m, s, a], R_f[m, s, a], alpha[m, h + 1],
                                                iota, gamma, c1, c2, c3, scale, cap)
                    score[a] += weight[m] * q[m, a]
            k, cnt = argmax_random_tie(score, u[h, s], 0.0)
            pi[h, s] = k
            for m in range(M):
                alpha[m, h, s] = q[m, k]
            if cnt > 1:
                ties += 1
    return ties


@njit(cache=True)
def add_episode(m, states, actions, rewards, N, N_next, n_f, P_f, R_f, every=False):
    """Add the revealed context ``m``'s episode to its counts; a pair's frozen statistics (``n_f``, ``P_f``,
    ``R_f``) are refreshed when its count reaches a power of two (the trigger set {1, 2, 4, ...}); returns the
    number of refreezes.  ``every=True`` (broken variant) refreshes at every visit."""
    H = actions.shape[0]
    S = N_next.shape[3]
    refrozen = 0
    for h in range(H):
        s = states[h]
        a = actions[h]
        N[m, s, a] += 1
        N_next[m, s, a, states[h + 1]] += 1
        n = N[m, s, a]
        if every or n & (n - 1) == 0:
            n_f[m, s, a] = n
            for y in range(S):
                P_f[m, s, a, y] = N_next[m, s, a, y] / n
            R_f[m, s, a] = rewards[h]            # deterministic rewards: one observation is the reward
            refrozen += 1
    return refrozen
