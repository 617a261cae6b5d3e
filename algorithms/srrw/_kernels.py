"""Walk kernels: self-repellent random walk (SRRW), non-backtracking walk, i.i.d. draws, and the
token stochastic-approximation loop driven by them (SA-SRRW).

SRRW move (Doshi, Hu & Eun 2023; -B2.2), computed in log space:
``log w_j = log P_ij - alpha (log x_j - log mu_j)`` over ``j`` in the support of row ``i`` (self-loop
included), subtract the max, exponentiate, draw ``X_{n+1}`` proportional to ``w``. Then
``x_{n+1} = x_n + gamma_{n+1} (delta_{X_{n+1}} - x_n)`` with ``gamma_n = (n+1)^{-a}``.

The empirical measure is stored scaled, ``x_n = s_n y_n`` with ``s_{n+1} = (1 - gamma_{n+1}) s_n``,
so one step touches one coordinate (``y_X += gamma / s``) instead of all N: the kernel is scale
invariant in ``x`` so ``y`` alone drives the walk, and ``x_n = y / sum(y)``. ``y`` is rescaled by
``s`` whenever the increment exceeds 1e150 (coordinates floored at 1e-300, never 0).

Speed: the repellence factors are cached linearly, ``rep[j] = exp(-alpha (log y_j - log mu_j) - ref)``,
and only the visited node's factor changes per step (one ``exp`` per step instead of one per
neighbour); a row whose weight sum leaves [1e-250, 1e250] is redone in log space, and all factors are
recomputed (re-anchoring ``ref``) after a rescale of ``y`` or when the visited one leaves [e^-230, e^230].
Per step the SRRW kernel pays one uniform (two MT19937 words), one ``log``, one ``exp`` and two passes
over the row of ``X_n``.

Runs are independent and each draws from its own stream: the one numpy's legacy
``np.random.seed(seeds[r])`` + ``np.random.random()`` gives (MT19937, Matsumoto & Nishimura 1998,
seeded by ``init_genrand``; doubles from two 32-bit words, ``((a >> 5) 2^26 + (b >> 6)) / 2^53``).
SRRW runs (kind 0) are interleaved: one thread advances a group of up to :data:`GROUP` runs in
lockstep (step ``n`` of run 1, of run 2, ..., then step ``n + 1``), so the out-of-order CPU overlaps
their latency chains (one step is a chain: row of ``X_n`` -> weight sum -> draw -> ``X_{n+1}`` -> log
and exp of its weight); that needs per-run generator state, so MT19937 is implemented here on
explicit state arrays (:func:`mt_seed`, :func:`mt_random`, same numbers as numpy, tested bit for
bit). The categorical draw counts running sums instead of exiting a loop early (:func:`_pick`, no
data-dependent branch). Groups go to numba threads; a run's numbers depend neither on its group
nor on the thread count. Walk kinds 1 and 2 keep one run per call with numba's own ``np.random``
(the same stream). Walk kinds: 0 = SRRW on the support of ``P`` (``alpha = 0`` is the base chain),
1 = non-backtracking walk on the graph, 2 = i.i.d. from mu.
"""
import numba
import numpy as np
from numba import njit, prange

WALK_SRRW = 0
WALK_NBRW = 1
WALK_IID = 2

PROBLEM_LINEAR = 0
PROBLEM_LOGISTIC = 1

_RESCALE_AT = 1e150
_FLOOR = 1e-300


@njit(cache=True, inline="always")
def _pick(indices, start, end, cum, u):
    """Inverse CDF without branches: ``indices[start + k]`` for the first ``k`` with ``u < cum[k]``.

    ``cum`` holds running sums of nonnegative weights, so it is nondecreasing and the ``k`` with
    ``cum[k] <= u`` form a prefix: the first ``k`` with ``u < cum[k]`` is their count, and counting
    over the first ``d - 1`` entries caps it at the last index (``u`` past the end falls there, as
    before). A count replaces the early-exit loop, whose data-dependent exit mispredicted often."""
    c = 0
    for k in range(end - start - 1):
        c += cum[k] <= u
    return indices[start + c]


@njit(cache=True, inline="always")
def _categorical(indices, start, end, cum, total):
    """Draw ``indices[start + k]`` with probability ``(cum[k] - cum[k-1]) / total``, where ``cum`` holds the
    running sums of the weights (one uniform from numba's generator, inverse CDF)."""
    return _pick(indices, start, end, cum, np.random.random() * total)


@njit(cache=True)
def _log_space_cum(i, indptr, indices, logP, log_mu, alpha, y, wbuf):
    """Running sums of the row-``i`` weights computed in log space (max subtracted) into ``wbuf``;
    returns their total (in [1, support size]). Takes ``y`` and logs it here (rare path): every
    stored ``logy`` equals ``np.log(y)``, so the numbers are the same."""
    start = indptr[i]
    end = indptr[i + 1]
    top = -np.inf
    for k in range(start, end):
        j = indices[k]
        lw = logP[k] - alpha * (np.log(y[j]) - log_mu[j])
        wbuf[k - start] = lw
        if lw > top:
            top = lw
    total = 0.0
    for k in range(end - start):
        total += np.exp(wbuf[k] - top)
        wbuf[k] = total
    return total


@njit(cache=True)
def _srrw_next(i, indptr, indices, logP, log_mu, alpha, y, wbuf):
    total = _log_space_cum(i, indptr, indices, logP, log_mu, alpha, y, wbuf)
    return _categorical(indices, indptr[i], indptr[i + 1], wbuf, total)


@njit(cache=True, inline="always")
def _srrw_next_cached(i, indptr, indices, Plin, rep, logP, log_mu, alpha, y, wbuf):
    """Same draw as :func:`_srrw_next`, from cached linear weights ``rep[j] = exp(-alpha (log y_j -
    log mu_j) - ref)``; falls back to the log-space computation when the row sum leaves [1e-250, 1e250]
    (extreme alpha or very uneven x). Exactly one uniform is consumed on either path."""
    start = indptr[i]
    end = indptr[i + 1]
    total = 0.0
    for k in range(start, end):
        total += Plin[k] * rep[indices[k]]
        wbuf[k - start] = total  # running sums: the draw then only compares
    if not (total > 1e-250 and total < 1e250):
        return _srrw_next(i, indptr, indices, logP, log_mu, alpha, y, wbuf)
    return _categorical(indices, start, end, wbuf, total)


@njit(cache=True, inline="always")
def _refresh_weights(X, alpha, logy, log_mu, rep, ref, rescaled):
    """Update the cached weight of the node just visited; re-anchor ``ref`` on it and recompute all
    weights (O(N), rare) after a rescale of ``y`` or when its weight leaves [e^-230, e^230]."""
    v = -alpha * (logy[X] - log_mu[X])
    if rescaled or v - ref < -230.0 or v - ref > 230.0:
        ref = v
        for j in range(rep.shape[0]):
            rep[j] = np.exp(-alpha * (logy[j] - log_mu[j]) - ref)
    else:
        rep[X] = np.exp(v - ref)
    return ref


@njit(cache=True, inline="always")
def _nbrw_next(i, prev, adj_indptr, adj_indices):
    start = adj_indptr[i]
    d = adj_indptr[i + 1] - start
    if d == 1:
        return adj_indices[start]
    if prev < 0:
        k = min(int(np.random.random() * d), d - 1)
        return adj_indices[start + k]
    p = 0
    for k in range(d):
        if adj_indices[start + k] == prev:
            p = k
    k = min(int(np.random.random() * (d - 1)), d - 2)
    if k >= p:
        k += 1
    return adj_indices[start + k]


@njit(cache=True)
def _other_next(kind, i, prev, adj_indptr, adj_indices, cum_mu):
    """Baseline walks: 1 = non-backtracking walk on the graph, 2 = i.i.d. draw from mu."""
    if kind == 1:
        return _nbrw_next(i, prev, adj_indptr, adj_indices)
    j = np.searchsorted(cum_mu, np.random.random() * cum_mu[-1], side="right")
    return min(j, cum_mu.shape[0] - 1)


@njit(cache=True)
def _record_x(r, t, count, checkpoints, y, sum_y, x_out):
    """Write ``x = y / sum(y)`` to every checkpoint slot equal to ``count``; return the next slot."""
    while t < checkpoints.shape[0] and checkpoints[t] == count:
        for j in range(y.shape[0]):
            x_out[r, t, j] = y[j] / sum_y
        t += 1
    return t


@njit(cache=True)
def _init_measure(x0, y, logy):
    total = 0.0
    for j in range(x0.shape[0]):
        y[j] = x0[j]
        logy[j] = np.log(x0[j])
        total += x0[j]
    return total


@njit(cache=True, inline="always")
def _measure_step(X, gamma, y, logy, inv_s, sum_y):
    """One empirical-measure update in scaled form; returns the new ``(1/s, sum_y)``."""
    inv_s /= 1.0 - gamma
    inc = gamma * inv_s
    y[X] += inc
    logy[X] = np.log(y[X])
    sum_y += inc
    if inc > _RESCALE_AT:
        sum_y = _rescale_y(1.0 / inv_s, y)
        for j in range(y.shape[0]):
            logy[j] = np.log(y[j])
        inv_s = 1.0
    return inv_s, sum_y


@njit(cache=True)
def _rescale_y(s, y):
    """``y <- max(s y, 1e-300)``; returns the new ``sum(y)``."""
    sum_y = 0.0
    for j in range(y.shape[0]):
        v = y[j] * s
        if v < _FLOOR:
            v = _FLOOR
        y[j] = v
        sum_y += v
    return sum_y


@njit(cache=True, inline="always")
def _step_size(n, a):
    """``(n + 2)^{-a}``: the step ``gamma_{n+1}`` used after the (n+1)-th move."""
    if a == 1.0:
        return 1.0 / (n + 2.0)
    return np.exp(-a * np.log(n + 2.0))


# ---------------------------------------------------------------- MT19937 on explicit state
# Matsumoto & Nishimura (1998), "Mersenne Twister: a 623-dimensionally equidistributed uniform
# pseudorandom number generator", ACM TOMACS 8(1); constants (n = 624, m = 397, matrix a = 0x9908b0df,
# tempering masks, seeding multiplier 1812433253) from their mt19937ar.c, which numpy's legacy
# ``RandomState`` (randomkit ``mt19937_seed`` / ``mt19937_gen``) and numba's ``np.random`` both follow.
_MT_N = 624
_MT_M = 397


@njit(cache=True)
def mt_seed(seed, mt, pos, j):
    """Seed generator ``j`` (``mt[j]``: 624 words, ``pos[j]``) exactly as numpy's legacy
    ``np.random.seed(seed)`` does for an integer seed in [0, 2^32) (init_genrand; ``pos = 624``, so the
    first draw regenerates the block)."""
    v = np.int64(seed) & 0xFFFFFFFF
    for p in range(_MT_N):
        mt[j, p] = v
        v = (1812433253 * (v ^ (v >> 30)) + p + 1) & 0xFFFFFFFF
    pos[j] = _MT_N


@njit(cache=True)
def _mt_regenerate(mt, j):
    """Next block of 624 words of generator ``j`` in place (mt19937ar.c ``genrand_int32`` refill)."""
    for i in range(_MT_N - _MT_M):
        v = (np.int64(mt[j, i]) & 0x80000000) | (np.int64(mt[j, i + 1]) & 0x7FFFFFFF)
        mt[j, i] = np.int64(mt[j, i + _MT_M]) ^ (v >> 1) ^ ((v & 1) * 0x9908B0DF)
    for i in range(_MT_N - _MT_M, _MT_N - 1):
        v = (np.int64(mt[j, i]) & 0x80000000) | (np.int64(mt[j, i + 1]) & 0x7FFFFFFF)
        mt[j, i] = np.int64(mt[j, i + _MT_M - _MT_N]) ^ (v >> 1) ^ ((v & 1) * 0x9908B0DF)
    v = (np.int64(mt[j, _MT_N - 1]) & 0x80000000) | (np.int64(mt[j, 0]) & 0x7FFFFFFF)
    mt[j, _MT_N - 1] = np.int64(mt[j, _MT_M - 1]) ^ (v >> 1) ^ ((v & 1) * 0x9908B0DF)


@njit(cache=True, inline="always")
def _mt_temper(v):
    v ^= v >> 11
    v ^= (v << 7) & 0x9D2C5680
    v ^= (v << 15) & 0xEFC60000
    return v ^ (v >> 18)


@njit(cache=True, inline="always")
def mt_random(mt, pos, j):
    """One double in [0, 1) from generator ``j``, as numpy's legacy ``random_sample``: 53 bits from two
    words, ``((w1 >> 5) 2^26 + (w2 >> 6)) / 2^53``. Only doubles are drawn from these states and a
    block holds an even number of words, so ``pos`` stays even and one check per double suffices."""
    p = pos[j]
    if p >= _MT_N:
        _mt_regenerate(mt, j)
        p = 0
    hi = _mt_temper(np.int64(mt[j, p])) >> 5
    lo = _mt_temper(np.int64(mt[j, p + 1])) >> 6
    pos[j] = p + 2
    return (hi * 67108864.0 + lo) / 9007199254740992.0


@njit(cache=True)
def mt_random_fill(seed, out):
    """``out[:] = np.random.RandomState(seed).random_sample(out.size)`` (used by the tests)."""
    mt = np.empty((1, _MT_N), dtype=np.uint32)
    pos = np.empty(1, dtype=np.int64)
    mt_seed(seed, mt, pos, 0)
    for k in range(out.shape[0]):
        out[k] = mt_random(mt, pos, 0)


# ---------------------------------------------------------------- SRRW, runs interleaved
#: runs advanced in lockstep by one thread. Measured (ns per step, 1 thread, 16 runs, group 1 / 2 / 4 /
#: 8): karate 51 / 42 / 42 / 42, random 6-regular (N = 10^4) 60 / 59 / 59 / 63 (8 runs' state no longer
#: fits in L2), 50-regular 82 / 80 / 82 / 88.
GROUP = 4


@njit(cache=True)
def _reanchor(alpha, y, log_mu, rep, v):
    """All cached weights ``rep[j] = exp(-alpha (log y_j - log mu_j) - v)`` for the new anchor ``ref = v``
    (the O(N) branch of :func:`_refresh_weights`, from ``y``)."""
    for j in range(rep.shape[0]):
        rep[j] = np.exp(-alpha * (np.log(y[j]) - log_mu[j]) - v)
    return v


@njit(cache=True)
def _srrw_group(r0, G, indptr, indices, Plin, logP, log_mu, alpha, a, X0, x0, n_steps, checkpoints,
                seeds, maxdeg, x_out, X_out):
    """Runs ``r0 .. r0 + G - 1`` of :func:`walk_runs` (kind 0), interleaved: at each step ``n`` one
    SRRW move of each run in turn. The runs share nothing but the step sizes, so the CPU overlaps
    their dependency chains (row -> weight sum -> draw -> next node -> log, exp of its weight). Run
    ``r`` draws from its own MT19937 state seeded with ``seeds[r]``: the same stream as
    ``np.random.seed(seeds[r])``, consumed in the same order (one double per move), and the same
    arithmetic as :func:`_srrw_next_cached`, :func:`_measure_step` and :func:`_refresh_weights`, so
    every run's numbers are those of a one-run loop whatever the grouping or thread count.

    Layout for speed (same values): per run and node, the cached weight and ``y`` sit side by side,
    ``state[j, i] = (rep_i, y_i)`` (one cache line per visited node); ``log y`` is not stored but
    recomputed where needed (``logy == log(y)`` always); the hot loop indexes with unsigned integers
    (``indptr``, ``indices`` arrive as uint64), which spares numba's negative-index checks."""
    N = x0.shape[0]
    T = checkpoints.shape[0]
    mt = np.empty((G, _MT_N), dtype=np.uint32)
    pos = np.empty(G, dtype=np.int64)
    state = np.empty((G, N, 2))
    flat = state.reshape(G * N * 2)
    wbuf = np.empty((G, maxdeg))
    wflat = wbuf.reshape(G * maxdeg)
    sum_y = np.empty(G)
    ref = np.empty(G)
    X = np.empty(G, dtype=np.uint64)
    one = np.uint64(1)
    two = np.uint64(2)
    for j in range(G):
        mt_seed(seeds[r0 + j], mt, pos, j)
        sum_y[j] = 0.0
        for i in range(N):          # _init_measure
            state[j, i, 1] = x0[i]
            sum_y[j] += x0[i]
        ref[j] = _reanchor(alpha, state[j, :, 1], log_mu, state[j, :, 0],
                           -alpha * (np.log(x0[0]) - log_mu[0]))
        X[j] = X0[r0 + j]
    inv_s = 1.0   # 1/s_n: the same for every run (it depends on n only), so computed once per step
    t = 0
    if T > 0 and checkpoints[0] == 0:
        for j in range(G):
            t_next = _record_x(r0 + j, 0, 0, checkpoints, state[j, :, 1], sum_y[j], x_out)
        t = t_next
    for n in range(n_steps):
        gamma = _step_size(n, a)  # gamma_{n+1}
        inv_s /= 1.0 - gamma
        inc = gamma * inv_s
        rescale = inc > _RESCALE_AT
        for j in range(G):
            u01 = mt_random(mt, pos, j)   # independent of the walk: drawn while the row is read
            base = np.uint64(j) * np.uint64(2 * N)
            wb = np.uint64(j) * np.uint64(maxdeg)
            i = X[j]
            start = indptr[i]
            end = indptr[i + one]
            total = 0.0                   # _srrw_next_cached
            for k in range(start, end):
                total += Plin[k] * flat[base + two * indices[k]]
                wflat[wb + k - start] = total
            if not (total > 1e-250 and total < 1e250):
                total = _log_space_cum(np.int64(i), indptr, indices, logP, log_mu, alpha, state[j, :, 1],
                                       wbuf[j])
            u = u01 * total
            c = np.uint64(0)
            for k in range(end - start - one):     # _pick
                c += np.uint64(wflat[wb + k] <= u)
            Xn = indices[start + c]
            X[j] = Xn
            p = base + two * Xn           # _measure_step with the shared 1/s
            y_X = flat[p + one] + inc
            flat[p + one] = y_X
            sum_y[j] += inc
            if rescale:
                sum_y[j] = _rescale_y(1.0 / inv_s, state[j, :, 1])
                y_X = flat[p + one]
            v = -alpha * (np.log(y_X) - log_mu[Xn])   # _refresh_weights
            if rescale or v - ref[j] < -230.0 or v - ref[j] > 230.0:
                ref[j] = _reanchor(alpha, state[j, :, 1], log_mu, state[j, :, 0], v)
            else:
                flat[p] = np.exp(v - ref[j])
        if rescale:
            inv_s = 1.0
        if t < T and checkpoints[t] == n + 1:
            for j in range(G):
                t_next = _record_x(r0 + j, t, n + 1, checkpoints, state[j, :, 1], sum_y[j], x_out)
            t = t_next
    for j in range(G):
        X_out[r0 + j] = X[j]


@njit(cache=True)
def _walk_one(r, kind, adj_indptr, adj_indices, cum_mu, a, X0, x0, n_steps, checkpoints, seed, x_out, X_out):
    """Run ``r`` of :func:`walk_runs` for the baseline walks (kinds 1, 2), one run per call with
    numba's generator reseeded by ``seed`` (a plain function: compiles better than a parfor body)."""
    N = x0.shape[0]
    T = checkpoints.shape[0]
    np.random.seed(seed)
    y = np.empty(N)
    logy = np.empty(N)
    sum_y = _init_measure(x0, y, logy)
    inv_s = 1.0
    X = X0[r]
    prev = -1
    t = 0
    if T > 0 and checkpoints[0] == 0:
        t = _record_x(r, t, 0, checkpoints, y, sum_y, x_out)
    for n in range(n_steps):
        nxt = _other_next(kind, X, prev, adj_indptr, adj_indices, cum_mu)
        prev = X
        X = nxt
        inv_s, sum_y = _measure_step(X, _step_size(n, a), y, logy, inv_s, sum_y)
        if t < T and checkpoints[t] == n + 1:
            t = _record_x(r, t, n + 1, checkpoints, y, sum_y, x_out)
    X_out[r] = X


def group_size(n_runs, threads, group=GROUP):
    """Runs interleaved per group: ``group`` (at least 1), or fewer so that every thread gets a group."""
    return max(1, min(int(group), -(-int(n_runs) // max(1, int(threads)))))


def walk_runs(kind, indptr, indices, logP, log_mu, alpha, adj_indptr, adj_indices, cum_mu,
              a, X0, x0, n_steps, checkpoints, seeds, x_out, X_out, group=GROUP):
    """R independent walks of ``n_steps``; writes ``x_n`` at each step count in ``checkpoints``
    (sorted, 0 allowed) to ``x_out[r, t, :]`` and the final node to ``X_out[r]``.

    SRRW runs go in groups of at most ``group`` consecutive runs, one group per parallel iteration,
    with smaller groups when there are fewer than ``group`` runs per numba thread (so every thread
    gets work); each run's numbers do not depend on the grouping. A Python function so that the
    thread count is read here, outside the cached kernel."""
    G = group_size(X0.shape[0], numba.get_num_threads(), group)
    _walk_runs(kind, indptr, indices, logP, log_mu, alpha, adj_indptr, adj_indices, cum_mu,
               a, X0, x0, n_steps, checkpoints, seeds, G, x_out, X_out)


@njit(parallel=True, cache=True)
def _walk_runs(kind, indptr, indices, logP, log_mu, alpha, adj_indptr, adj_indices, cum_mu,
               a, X0, x0, n_steps, checkpoints, seeds, G, x_out, X_out):
    """:func:`walk_runs` with the SRRW group size ``G`` given."""
    R = X0.shape[0]
    N = x0.shape[0]
    if kind != WALK_SRRW:
        for r in prange(R):
            _walk_one(r, kind, adj_indptr, adj_indices, cum_mu, a, X0, x0, n_steps, checkpoints,
                      seeds[r], x_out, X_out)
        return
    maxdeg = 1
    for i in range(N):
        maxdeg = max(maxdeg, indptr[i + 1] - indptr[i])
    Plin = np.exp(logP)
    indptr_u = indptr.astype(np.uint64)
    indices_u = indices.astype(np.uint64)
    n_groups = (R + G - 1) // G
    for q in prange(n_groups):
        r0 = q * G
        _srrw_group(r0, min(G, R - r0), indptr_u, indices_u, Plin, logP, log_mu, alpha, a, X0, x0, n_steps,
                    checkpoints, seeds, maxdeg, x_out, X_out)


@njit(cache=True)
def _token_update(problem, theta, X, beta, g, M, feats, labels, kappa, weights, hbuf, radius):
    """``theta += beta * H(theta, X)`` (H evaluated at the old theta), then project on the ball."""
    d = theta.shape[0]
    if problem == 0:
        # H(theta, i) = g_i - M_i theta
        for k in range(d):
            acc = g[X, k]
            for l in range(d):
                acc -= M[X, k, l] * theta[l]
            hbuf[k] = acc
    else:
        # H(theta, i) = -w_i [sum_rows (sigmoid(s^T theta) - y) s + kappa theta]
        for k in range(d):
            hbuf[k] = -kappa * theta[k]
        for row in range(feats.shape[1]):
            z = 0.0
            for k in range(d):
                z += feats[X, row, k] * theta[k]
            if z >= 0:
                sig = 1.0 / (1.0 + np.exp(-z))
            else:
                ez = np.exp(z)
                sig = ez / (1.0 + ez)
            c = sig - labels[X, row]
            for k in range(d):
                hbuf[k] -= c * feats[X, row, k]
        for k in range(d):
            hbuf[k] *= weights[X]
    norm2 = 0.0
    for k in range(d):
        theta[k] += beta * hbuf[k]
        norm2 += theta[k] * theta[k]
    if norm2 > radius * radius:
        scale = radius / np.sqrt(norm2)
        for k in range(d):
            theta[k] *= scale


@njit(cache=True)
def _sa_one(r, kind, indptr, indices, Plin, logP, log_mu, alpha, adj_indptr, adj_indices, cum_mu,
            a, b, X0, x0, theta0, n_steps, checkpoints, seed, maxdeg,
            problem, g, M, feats, labels, kappa, weights, radius, theta_out, x_out):
    """Run ``r`` of :func:`sa_walk_runs`."""
    N = x0.shape[0]
    d = theta0.shape[0]
    T = checkpoints.shape[0]
    np.random.seed(seed)
    y = np.empty(N)
    logy = np.empty(N)
    wbuf = np.empty(maxdeg)
    hbuf = np.empty(d)
    theta = theta0.copy()
    sum_y = _init_measure(x0, y, logy)
    inv_s = 1.0
    rep = np.empty(N)
    ref = _refresh_weights(0, alpha, logy, log_mu, rep, 0.0, True)
    X = X0[r]
    prev = -1
    t = 0
    while t < T and checkpoints[t] == 0:
        for k in range(d):
            theta_out[r, t, k] = theta[k]
        t += 1
    for n in range(n_steps):
        if kind == 0:
            X = _srrw_next_cached(X, indptr, indices, Plin, rep, logP, log_mu, alpha, y, wbuf)
        else:
            nxt = _other_next(kind, X, prev, adj_indptr, adj_indices, cum_mu)
            prev = X
            X = nxt
        gamma = _step_size(n, a)  # gamma_{n+1}
        beta = _step_size(n, b)   # beta_{n+1}
        inv_s, sum_y = _measure_step(X, gamma, y, logy, inv_s, sum_y)
        if kind == 0:
            ref = _refresh_weights(X, alpha, logy, log_mu, rep, ref, inv_s == 1.0)
        _token_update(problem, theta, X, beta, g, M, feats, labels, kappa, weights, hbuf, radius)
        while t < T and checkpoints[t] == n + 1:
            for k in range(d):
                theta_out[r, t, k] = theta[k]
            t += 1
    for j in range(N):
        x_out[r, j] = y[j] / sum_y


@njit(parallel=True, cache=True)
def sa_walk_runs(kind, indptr, indices, logP, log_mu, alpha, adj_indptr, adj_indices, cum_mu,
                 a, b, X0, x0, theta0, n_steps, checkpoints, seeds,
                 problem, g, M, feats, labels, kappa, weights, radius, theta_out, x_out):
    """R independent SA-SRRW runs: move the token, update ``x`` with ``gamma_{n+1}``,
    update ``theta`` with ``beta_{n+1} H(theta_n, X_{n+1})``. Writes ``theta`` at each step count in
    ``checkpoints`` to ``theta_out[r, t, :]`` and the final ``x`` to ``x_out[r, :]``."""
    R = X0.shape[0]
    N = x0.shape[0]
    maxdeg = 1
    for i in range(N):
        maxdeg = max(maxdeg, indptr[i + 1] - indptr[i])
    Plin = np.exp(logP)
    for r in prange(R):
        _sa_one(r, kind, indptr, indices, Plin, logP, log_mu, alpha, adj_indptr, adj_indices, cum_mu,
                a, b, X0, x0, theta0, n_steps, checkpoints, seeds[r], maxdeg,
                problem, g, M, feats, labels, kappa, weights, radius, theta_out, x_out)
