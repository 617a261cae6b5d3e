"""A plan compiled against the true model's observations, for fast simulation and exact evaluation.

A :class:`~algorithms.lmdp_hf.planner.HistoryPlan` is a function of the observed history.  The environment
side of the run tabulates it: starting from ``plan.start(s)`` it asks ``plan.next(node, r, s')`` for every
observation the true model can produce (``r = R_m(s, a)``, ``P_m(s'|s, a) > 0``) and numbers the nodes whose
consistent set holds two or more contexts ("multi" nodes, the early steps before the belief collapses).
Once a single context ``c`` remains, the plan is the Markov policy ``pis[c] (H, S)`` of that context's
optimistic sweep (for the Markov variant, ``pis[0]`` from the start), encoded as the code ``-1 - c``.
The table is indexed by the true context only to select the observation ``(R_m(s, a), s')`` the plan was
asked about: the plan itself never receives ``m``.

* :func:`simulate_until_trigger` (numba): plays episodes with this table until a frozen statistic refreshes;
  same uniforms, same counts as the protocol path :func:`~algorithms.lmdp_hf.learner.play_episode` (a test
  checks equality).
* :func:`compiled_value`: exact ``V^pi`` by backward induction over the table (Markov parts per pair
  ``(c, m)``, multi nodes in reverse breadth-first order).

Part of the ``zhou2023lmdp`` learner (reconstruction; see :mod:`algorithms.lmdp_hf.learner` for the source and
the Deviations line).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from mdplab.lmdp import LatentMDP


@dataclass(frozen=True)
class CompiledPlan:
    start_code: np.ndarray      # (S,)  multi node id (>= 0) or -1 - c
    stage: np.ndarray           # (J,)
    state: np.ndarray           # (J,)
    act: np.ndarray             # (J,)
    nxt: np.ndarray             # (J, M, S) code after observation (R_m(s, a), s')
    pis: np.ndarray             # (Mc, H, S)


def compile_plan(plan, lmdp: LatentMDP) -> CompiledPlan:
    pl = plan.planner
    M, S, H = lmdp.n_contexts, lmdp.n_states, lmdp.horizon
    pis = pl.pi_markov[None] if pl.markov else pl.pi1
    ids: dict = {}
    order: list = []

    def code(node) -> int:
        C = node[2]
        if pl.markov:
            return -1
        if len(C) == 1:
            return -1 - C[0]
        j = ids.get(node)
        if j is None:
            j = ids[node] = len(order)
            order.append(node)
        return j

    start_code = np.array([code(plan.start(s)) if lmdp.nu[:, s].any() else -(1 << 40) for s in range(S)],
                          dtype=np.int64)
    rows = []
    j = 0
    while j < len(order):
        node = order[j]
        h, s = node[0], node[1]
        a = plan.action(node)
        row = np.full((M, S), -(1 << 40), dtype=np.int64)
        if h + 1 < H:
            for m in range(M):
                r = float(lmdp.R[m, s, a])
                for y in np.flatnonzero(lmdp.P[m, s, a] > 0):
                    row[m, y] = code(plan.next(node, r, int(y)))
        rows.append((h, s, a, row))
        j += 1
    J = len(rows)
    return CompiledPlan(start_code,
                        np.array([x[0] for x in rows], dtype=np.int64).reshape(J),
                        np.array([x[1] for x in rows], dtype=np.int64).reshape(J),
                        np.array([x[2] for x in rows], dtype=np.int64).reshape(J),
                        np.stack([x[3] for x in rows]) if J else np.zeros((0, M, S), dtype=np.int64),
                        np.ascontiguousarray(pis, dtype=np.int64))


@njit(cache=True)
def _draw(cdf, u):
    """``searchsorted(cdf, u * cdf[-1], 'right')`` capped at ``len - 1`` (the protocol path's draw)."""
    x = u * cdf[-1]
    n = cdf.shape[0]
    i = 0
    while i < n and cdf[i] <= x:
        i += 1
    return min(i, n - 1)


@njit(cache=True)
def _markov_values(P, R, pis, out):
    Mc, H, S = pis.shape
    M = P.shape[0]
    for c in range(Mc):
        for m in range(M):
            for s in range(S):
                out[c, m, H, s] = 0.0
            for h in range(H - 1, -1, -1):
                for s in range(S):
                    a = pis[c, h, s]
                    v = R[m, s, a]
                    for y in range(S):
                        p = P[m, s, a, y]
                        if p > 0.0:
                            v += p * out[c, m, h + 1, y]
                    out[c, m, h, s] = v


@njit(cache=True)
def _multi_values(P, R, H, stage, state, act, nxt, Vs, out):
    J = stage.shape[0]
    M, S = P.shape[0], P.shape[1]
    for j in range(J - 1, -1, -1):
        h, s, a = stage[j], state[j], act[j]
        for m in range(M):
            v = R[m, s, a]
            if h + 1 < H:
                for y in range(S):
                    p = P[m, s, a, y]
                    if p > 0.0:
                        c = nxt[j, m, y]
                        v += p * (out[c, m] if c >= 0 else Vs[-1 - c, m, h + 1, y])
            out[j, m] = v


def compiled_context_values(cp: CompiledPlan, lmdp: LatentMDP) -> np.ndarray:
    """``(M, S)``: ``V^pi_m(s_1 = s)`` on the true model (exact backward induction over the table)."""
    P, R = np.ascontiguousarray(lmdp.P), np.ascontiguousarray(lmdp.R)
    M, S, H = lmdp.n_contexts, lmdp.n_states, lmdp.horizon
    Vs = np.empty((cp.pis.shape[0], M, H + 1, S))
    _markov_values(P, R, cp.pis, Vs)
    Vm = np.empty((cp.stage.shape[0], M))
    _multi_values(P, R, H, cp.stage, cp.state, cp.act, cp.nxt, Vs, Vm)
    out = np.empty((M, S))
    for s in range(S):
        c = cp.start_code[s]
        if c > -(1 << 40):                      # first states outside every nu_m's support are never played
            out[:, s] = Vm[c] if c >= 0 else Vs[-1 - c, :, 0, s]
        else:
            out[:, s] = 0.0
    return out


def compiled_value(cp: CompiledPlan, lmdp: LatentMDP) -> float:
    return float(np.sum(lmdp.weights[:, None] * lmdp.nu * compiled_context_values(cp, lmdp)))


@njit(cache=True)
def simulate_until_trigger(U, u0, cw, cnu, cP, R, start_code, act, nxt, pis, track_contexts,
                           N, N_next, n_f, P_f, R_f, ctx_count, N0, states, actions, rewards, every):
    """Play episodes with uniforms ``U[u0:]`` (``H + 2`` per episode: context, first state, one per step) until a
    frozen statistic refreshes (or, with ``track_contexts``, a context count reaches a power of two); returns
    ``(episodes played, refreezes in the last one, whether the last one doubled a context count)``."""
    B = U.shape[0]
    H = actions.shape[0]
    S = cP.shape[3]
    played = 0
    for i in range(u0, B):
        u = U[i]
        m = _draw(cw, u[0])
        s = _draw(cnu[m], u[1])
        c = start_code[s]
        states[0] = s
        for h in range(H):
            a = act[c] if c >= 0 else pis[-1 - c, h, s]
            r = R[m, s, a]
            y = _draw(cP[m, s, a], u[2 + h])
            actions[h] = a
            rewards[h] = r
            states[h + 1] = y
            if h + 1 < H and c >= 0:
                c = nxt[c, m, y]
            s = y
        played += 1
        # context revealed: counts of context m only, with doubling refreshes
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
                R_f[m, s, a] = rewards[h]
                refrozen += 1
        ctx_count[m] += 1
        N0[m, states[0]] += 1
        cc = ctx_count[m]
        doubled = track_contexts and (cc & (cc - 1) == 0)
        if refrozen > 0 or doubled:
            return played, refrozen, doubled
    return played, 0, False
