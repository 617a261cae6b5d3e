"""Alpha-vector backups for POMDP value iteration.

* ``project_alpha``: ``g[a, o, k, s] = gamma * sum_s' P[s, a, s'] O[a, s', o] alpha[k, s']``, the
  back-projections of every alpha vector (Cassandra, Littman & Zhang 1997, the sets ``S(a, o)`` of
  incremental pruning before the reward share is added).
* ``point_backup``: the point-based backup of Pineau, Gordon & Thrun 2003 (PBVI): for each
  belief ``b``, ``alpha_b = argmax_a b . (R[:, a] + sum_o argmax_{g[a,o,k]} b . g[a, o, k])``; writes the new
  vector, its action and the chosen continuation index per observation.
* ``sawtooth_values``: the sawtooth interpolation of an upper bound (Hauskrecht 2000).

All kernels are serial: they are called many times on small arrays, where numba's thread start-up costs more
than the work (measured on the shared 2-core machine).
"""
import numpy as np
from numba import njit


@njit(cache=True)
def project_alpha(P, O, alpha, gamma, g):
    # serial: called once per exact backup on small arrays, where thread start-up would dominate
    S, A, _ = P.shape
    nO = O.shape[2]
    K = alpha.shape[0]
    for a in range(A):
        for o in range(nO):
            for k in range(K):
                for s in range(S):
                    acc = 0.0
                    for s1 in range(S):
                        acc += P[s, a, s1] * O[a, s1, o] * alpha[k, s1]
                    g[a, o, k, s] = gamma * acc


@njit(cache=True)
def point_backup(R, g, beliefs, out_alpha, out_action, out_next):
    A, nO, K, S = g.shape
    N = beliefs.shape[0]
    for i in range(N):
        best_val = -np.inf
        for a in range(A):
            val = 0.0
            for s in range(S):
                val += beliefs[i, s] * R[s, a]
            for o in range(nO):
                kb = 0
                vb = -np.inf
                for k in range(K):
                    v = 0.0
                    for s in range(S):
                        v += beliefs[i, s] * g[a, o, k, s]
                    if v > vb:
                        vb = v
                        kb = k
                val += vb
            if val > best_val:
                best_val = val
                out_action[i] = a
        a = out_action[i]
        for s in range(S):
            out_alpha[i, s] = R[s, a]
        for o in range(nO):
            kb = 0
            vb = -np.inf
            for k in range(K):
                v = 0.0
                for s in range(S):
                    v += beliefs[i, s] * g[a, o, k, s]
                if v > vb:
                    vb = v
                    kb = k
            out_next[i, o] = kb
            for s in range(S):
                out_alpha[i, s] += g[a, o, kb, s]


@njit(cache=True)
def sawtooth_values(points, gaps, corners, B, out):
    """Sawtooth upper-bound interpolation (Hauskrecht 2000): ``out[j] = c . b_j + min(0, min_i phi_i(b_j)
    gaps[i])`` with ``phi_i(b) = min_{s: points[i, s] > 0} b(s) / points[i, s]`` and ``gaps[i] = v_i - c . points[i]``."""
    N, S = points.shape
    for j in range(B.shape[0]):
        cb = 0.0
        for s in range(S):
            cb += corners[s] * B[j, s]
        best = 0.0
        for i in range(N):
            g = gaps[i]
            if g >= 0.0:
                continue
            phi = np.inf
            for s in range(S):
                p = points[i, s]
                if p > 0.0:
                    r = B[j, s] / p
                    if r < phi:
                        phi = r
            v = phi * g
            if v < best:
                best = v
        out[j] = cb + best


@njit(cache=True)
def pointwise_undominated(alpha, tol, keep):
    """``keep[i] = False`` when some ``j != i`` has ``alpha[j] >= alpha[i] - tol`` everywhere and either exceeds it
    by more than ``tol`` somewhere or is an earlier near-copy (``j < i``): the pointwise-dominance filter that
    runs before the LP stage of pruning."""
    K, S = alpha.shape
    for i in range(K):
        keep[i] = True
        for j in range(K):
            if j == i:
                continue
            ge = True
            gt = False
            for s in range(S):
                d = alpha[j, s] - alpha[i, s]
                if d < -tol:
                    ge = False
                    break
                if d > tol:
                    gt = True
            if ge and (gt or j < i):
                keep[i] = False
                break


@njit(cache=True)
def dominated_by_pair(phi, W, tol):
    """LP-free sufficient dominance test: ``phi <= lam W[i] + (1 - lam) W[j] + tol`` pointwise for some pair
    ``i < j`` and ``lam in [0, 1]`` (or ``phi <= W[i] + tol`` for a single row)."""
    k, S = W.shape
    for i in range(k):
        ok = True
        for s in range(S):
            if W[i, s] < phi[s] - tol:
                ok = False
                break
        if ok:
            return True
    for i in range(k):
        for j in range(i + 1, k):
            lo = 0.0
            hi = 1.0
            ok = True
            for s in range(S):
                d = W[i, s] - W[j, s]
                e = phi[s] - W[j, s] - tol
                if d > 0.0:
                    r = e / d
                    if r > lo:
                        lo = r
                elif d < 0.0:
                    r = e / d
                    if r < hi:
                        hi = r
                elif e > 0.0:
                    ok = False
                    break
                if lo > hi:
                    ok = False
                    break
            if ok:
                return True
    return False
