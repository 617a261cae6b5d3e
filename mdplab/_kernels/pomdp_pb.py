"""Point-based POMDP bound kernels for heuristic search (HSVI2, Smith & Simmons 2005 UAI; SARSOP, Kurniawati,
Hsu & Lee 2008 RSS).

Notation of :mod:`mdplab.pomdp`: ``P[s, a, s']``, ``O[a, s', o]``, ``R[s, a]``, ``gamma``, belief ``b (S,)``.

* ``lower_values``: ``out[j] = max_{k < K} alpha[k] . B[j]`` over the first ``K`` rows of a growing alpha array
  (only the non-zero entries of ``B[j]`` are visited: reachable beliefs are sparse); ``best_vectors``: the
  maximising index per belief (for pruning the vectors that are best nowhere on a belief set).
* ``lower_point_backup``: HSVI's lower-bound point backup at ``b`` (Smith & Simmons 2004, Sec. 3.2): for each
  ``(a, o)`` the best vector at the *unnormalised* successor ``tau(b, a, o)(s') = O[a, s', o] sum_s P[s, a, s']
  b(s)``; the backed-up vector ``R[:, a*] + gamma sum_o sum_s' P[:, a*, s'] O[a*, s', o] alpha[k_o](s')`` of the
  best action is written into ``out_vec`` (its continuation indices into ``k_best``).
* ``upper_values``: the upper bound at many beliefs, ``U(b) = min(base(b), min_i [phi_i(b) v_i + base(b - phi_i(b)
  pts[i])])`` with ``base(x) = min(c . x, max_a Qf[:, a] . x)`` (corner values ``c``, fast informed bound ``Qf``,
  Hauskrecht 2000) and ``phi_i(b) = min_{s in supp(pts[i])} b(s) / pts[i, s]``: HSVI2's sawtooth when the base is
  ``c . x`` alone.  ``supp``/``ipts``/``nnz`` hold each point's support and reciprocals, ``masks`` its support
  bits (a point whose support leaves ``supp(b)`` costs one test per 64 states), ``cpts[i] = c . pts[i]`` and
  ``qpts[i, a] = Qf[:, a] . pts[i]``.
* ``upper_q``: ``q[a] = b . R[:, a] + gamma sum_o Pr(o | b, a) U(b^{a,o})`` with every successor at once
  (Smith & Simmons 2004, the upper-bound update; IE-MAX action choice).
* ``insert_alpha`` / ``insert_point``: add one lower vector / upper point into arrays with spare capacity,
  deleting what the newcomer makes redundant (pointwise-dominated vectors; points ``i`` with
  ``phi_new(pts[i]) (v_new - c . b_new) <= v_i - c . pts[i]``, i.e. not below the new point's corner sawtooth:
  HSVI2's pruning).

Kernels are serial, take C-contiguous float64 arrays, write into preallocated outputs, allocate only scratch
outside their loops and validate nothing.  No fastmath: the callers' rounding allowance assumes IEEE arithmetic.
"""
import numpy as np
from numba import njit

from .belief import belief_successors, predict


@njit(inline="always", cache=True)
def _support(x, idx):
    """Write the indices of the non-zeros of ``x`` into ``idx``; return how many there are."""
    m = 0
    for s in range(x.shape[0]):
        if x[s] != 0.0:
            idx[m] = s
            m += 1
    return m


@njit(cache=True)
def lower_values(alpha, K, B, idx, out):
    """``out[j] = max_{k < K} alpha[k] . B[j]``; ``idx (S,)`` int64 scratch."""
    for j in range(B.shape[0]):
        _, out[j] = _best_vector(alpha, K, B[j], idx, _support(B[j], idx))


@njit(cache=True)
def best_vectors(alpha, K, B, idx, out):
    """``out[j] = argmax_{k < K} alpha[k] . B[j]`` (first maximiser); ``idx (S,)`` int64 scratch."""
    for j in range(B.shape[0]):
        out[j], _ = _best_vector(alpha, K, B[j], idx, _support(B[j], idx))


@njit(inline="always", cache=True)
def _successor(pred, O, a, o, x):
    """``x[s'] = pred[s'] O[a, s', o]`` (the unnormalised successor belief)."""
    for s1 in range(x.shape[0]):
        x[s1] = pred[s1] * O[a, s1, o]


@njit(cache=True)
def _best_vector(alpha, K, x, idx, m):
    """Index of ``max_{k < K} alpha[k] . x`` over the ``m`` non-zeros ``idx[:m]`` of ``x``, and its value."""
    kb = 0
    vb = -np.inf
    for k in range(K):
        v = 0.0
        for t in range(m):
            s = idx[t]
            v += alpha[k, s] * x[s]
        if v > vb:
            vb = v
            kb = k
    return kb, vb


@njit(cache=True)
def lower_point_backup(P, O, R, gamma, alpha, K, b, pred, x, idx, k_best, w, out_vec):
    """Point backup at ``b`` (module docstring); returns ``(value at b, action)``.  Scratch: ``pred, x, w (S,)``,
    ``idx (S,)`` int64; output ``k_best (O,)`` int64 and ``out_vec (S,)``."""
    S, A, _ = P.shape
    nO = O.shape[2]
    best_val = -np.inf
    best_a = 0
    for a in range(A):
        predict(P, b, a, pred)
        val = 0.0
        for s in range(S):
            if b[s] != 0.0:
                val += b[s] * R[s, a]
        for o in range(nO):
            _successor(pred, O, a, o, x)
            m = _support(x, idx)
            if m > 0:
                kb, vb = _best_vector(alpha, K, x, idx, m)
                val += gamma * vb
        if val > best_val:
            best_val = val
            best_a = a
    a = best_a
    predict(P, b, a, pred)
    for o in range(nO):
        _successor(pred, O, a, o, x)
        m = _support(x, idx)
        if m == 0:
            # o is impossible at b: any continuation is a valid plan; take the best under O[a, :, o] / S
            for s1 in range(S):
                x[s1] = O[a, s1, o]
            m = _support(x, idx)
        kb, vb = _best_vector(alpha, K, x, idx, m)
        k_best[o] = kb
    for s1 in range(S):
        acc = 0.0
        for o in range(nO):
            acc += O[a, s1, o] * alpha[k_best[o], s1]
        w[s1] = acc
    for s in range(S):
        acc = 0.0
        for s1 in range(S):
            acc += P[s, a, s1] * w[s1]
        out_vec[s] = R[s, a] + gamma * acc
    return best_val, best_a


@njit(cache=True)
def _upper_one(ipts, supp, nnz, masks, vals, cpts, qpts, N, corners, Qf, b, bmask, fb):
    """``U(b)`` (module docstring).  Scratch: ``bmask`` (``masks.shape[1]`` words) gets ``b``'s support bits (a
    point whose support is not inside ``b``'s has ``phi = 0`` and is skipped with one test per word); ``fb (A,)``
    gets ``b . Qf[:, a]``."""
    S, A = Qf.shape
    W = masks.shape[1]
    fib = -np.inf
    for a in range(A):
        v = 0.0
        for s in range(S):
            v += b[s] * Qf[s, a]
        fb[a] = v
        if v > fib:
            fib = v
    cb = 0.0
    for w in range(W):
        bmask[w] = 0
    for s in range(S):
        cb += corners[s] * b[s]
        if b[s] != 0.0:
            bmask[s >> 6] |= np.uint64(1) << np.uint64(s & 63)
    best = fib if fib < cb else cb
    for i in range(N):
        inside = True
        for w in range(W):
            if masks[i, w] & ~bmask[w]:
                inside = False
                break
        if not inside:
            continue
        phi = np.inf
        for t in range(nnz[i]):
            r = b[supp[i, t]] * ipts[i, t]
            if r < phi:
                phi = r
        # V*(b) <= phi v_i + base(b - phi pts[i]),  base(r) = min(c . r, max_a Qf[:, a] . r)
        base = -np.inf
        for a in range(A):
            x = fb[a] - phi * qpts[i, a]
            if x > base:
                base = x
        x = cb - phi * cpts[i]
        if x < base:
            base = x
        v = phi * vals[i] + base
        if v < best:
            best = v
    return best


@njit(cache=True)
def upper_values(ipts, supp, nnz, masks, vals, cpts, qpts, N, corners, Qf, B, out):
    """``out[j] = U(B[j])`` over the first ``N`` upper points (module docstring)."""
    bmask = np.empty(masks.shape[1], dtype=np.uint64)
    fb = np.empty(Qf.shape[1])
    for j in range(B.shape[0]):
        out[j] = _upper_one(ipts, supp, nnz, masks, vals, cpts, qpts, N, corners, Qf, B[j], bmask, fb)


@njit(cache=True)
def upper_q(P, O, R, gamma, b, ipts, supp, nnz, masks, vals, cpts, qpts, N, corners, Qf, pred, succ, prob, u_succ,
            q):
    """Upper action values at ``b``: fills ``succ (A, O, S)`` (normalised successors), ``prob (A, O)``,
    ``u_succ (A, O)`` (the upper bound at each successor; 0 where ``prob == 0``) and ``q (A,)``."""
    S, A, _ = P.shape
    nO = O.shape[2]
    bmask = np.empty(masks.shape[1], dtype=np.uint64)
    fb = np.empty(A)
    belief_successors(P, O, b, pred, succ, prob)
    for a in range(A):
        acc = 0.0
        for s in range(S):
            acc += b[s] * R[s, a]
        fut = 0.0
        for o in range(nO):
            if prob[a, o] > 0.0:
                u = _upper_one(ipts, supp, nnz, masks, vals, cpts, qpts, N, corners, Qf, succ[a, o], bmask, fb)
                u_succ[a, o] = u
                fut += prob[a, o] * u
            else:
                u_succ[a, o] = 0.0
        q[a] = acc + gamma * fut


@njit(cache=True)
def insert_alpha(alpha, action, K, vec, a):
    """Add ``vec`` (action ``a``) to ``alpha[:K]`` unless a kept vector is pointwise ``>=`` it; delete the vectors
    pointwise ``<= vec``.  Needs ``alpha.shape[0] > K``.  Returns the new count (``K`` when rejected)."""
    S = alpha.shape[1]
    for k in range(K):
        ge = True
        for s in range(S):
            if alpha[k, s] < vec[s]:
                ge = False
                break
        if ge:
            return K
    m = 0
    for k in range(K):
        le = True
        for s in range(S):
            if alpha[k, s] > vec[s]:
                le = False
                break
        if not le:
            if m != k:
                for s in range(S):
                    alpha[m, s] = alpha[k, s]
                action[m] = action[k]
            m += 1
    for s in range(S):
        alpha[m, s] = vec[s]
    action[m] = a
    return m + 1


@njit(cache=True)
def insert_point(pts, ipts, supp, nnz, masks, vals, cpts, qpts, N, b, v, corners, Qf):
    """Add the upper point ``(b, v)`` (when ``v < c . b``) and delete every point ``i`` not below the newcomer's
    corner sawtooth (``phi_new(pts[i]) (v - c . b) <= vals[i] - cpts[i]``: HSVI2's pruning; with the corner base
    the newcomer's bound is then <= the old point's everywhere).  Needs ``pts.shape[0] > N``.  Returns the new
    count."""
    S, A = Qf.shape
    cb = 0.0
    for s in range(S):
        cb += corners[s] * b[s]
    g = v - cb
    if not g < 0.0:
        return N
    m = 0
    for i in range(N):
        phi = np.inf
        for s in range(S):
            if b[s] > 0.0:
                r = pts[i, s] / b[s]
                if r < phi:
                    phi = r
        if phi * g <= vals[i] - cpts[i]:
            continue
        if m != i:
            for s in range(S):
                pts[m, s] = pts[i, s]
                supp[m, s] = supp[i, s]
                ipts[m, s] = ipts[i, s]
            for w in range(masks.shape[1]):
                masks[m, w] = masks[i, w]
            for a in range(A):
                qpts[m, a] = qpts[i, a]
            nnz[m] = nnz[i]
            vals[m] = vals[i]
            cpts[m] = cpts[i]
        m += 1
    k = 0
    for w in range(masks.shape[1]):
        masks[m, w] = 0
    for s in range(S):
        pts[m, s] = b[s]
        if b[s] > 0.0:
            supp[m, k] = s
            ipts[m, k] = 1.0 / b[s]
            masks[m, s >> 6] |= np.uint64(1) << np.uint64(s & 63)
            k += 1
    for a in range(A):
        x = 0.0
        for s in range(S):
            x += b[s] * Qf[s, a]
        qpts[m, a] = x
    nnz[m] = k
    vals[m] = v
    cpts[m] = cb
    return m + 1
