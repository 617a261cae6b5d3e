"""Walk kernels: self-repellent random walk (SRRW), non-backtracking walk, i.i.d. draws, and the
token stochastic-approximation loop driven by them (SA-SRRW).

SRRW move (Doshi, Hu & Eun 2023; spec B2.1-B2.2), computed in log space:
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

Runs are independent: run ``r`` reseeds numba's generator with ``seeds[r]`` and runs entirely in
one thread, so results do not depend on the thread count. Walk kinds: 0 = SRRW on the support of
``P`` (``alpha = 0`` is the base chain), 1 = non-backtracking walk on the graph, 2 = i.i.d. from mu.
"""
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
def _categorical(indices, start, end, cum, total):
    """Draw ``indices[start + k]`` with probability ``(cum[k] - cum[k-1]) / total``, where ``cum`` holds the
    running sums of the weights (one uniform, inverse CDF: the first ``k`` with ``u < cum[k]``)."""
    u = np.random.random() * total
    for k in range(end - start):
        if u < cum[k]:
            return indices[start + k]
    return indices[end - 1]


@njit(cache=True)
def _srrw_next(i, indptr, indices, logP, log_mu, alpha, logy, wbuf):
    start = indptr[i]
    end = indptr[i + 1]
    top = -np.inf
    for k in range(start, end):
        j = indices[k]
        lw = logP[k] - alpha * (logy[j] - log_mu[j])
        wbuf[k - start] = lw
        if lw > top:
            top = lw
    total = 0.0
    for k in range(end - start):
        total += np.exp(wbuf[k] - top)
        wbuf[k] = total
    return _categorical(indices, start, end, wbuf, total)


@njit(cache=True, inline="always")
def _srrw_next_cached(i, indptr, indices, Plin, rep, logP, log_mu, alpha, logy, wbuf):
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
        return _srrw_next(i, indptr, indices, logP, log_mu, alpha, logy, wbuf)
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
        s = 1.0 / inv_s
        sum_y = 0.0
        for j in range(y.shape[0]):
            v = y[j] * s
            if v < _FLOOR:
                v = _FLOOR
            y[j] = v
            logy[j] = np.log(v)
            sum_y += v
        inv_s = 1.0
    return inv_s, sum_y


@njit(cache=True, inline="always")
def _step_size(n, a):
    """``(n + 2)^{-a}``: the step ``gamma_{n+1}`` used after the (n+1)-th move."""
    if a == 1.0:
        return 1.0 / (n + 2.0)
    return np.exp(-a * np.log(n + 2.0))


@njit(cache=True)
def _walk_one(r, kind, indptr, indices, Plin, logP, log_mu, alpha, adj_indptr, adj_indices, cum_mu,
              a, X0, x0, n_steps, checkpoints, seed, maxdeg, x_out, X_out):
    """Run ``r`` of :func:`walk_runs` (a plain function: compiles better than a parfor body)."""
    N = x0.shape[0]
    T = checkpoints.shape[0]
    np.random.seed(seed)
    y = np.empty(N)
    logy = np.empty(N)
    wbuf = np.empty(maxdeg)
    sum_y = _init_measure(x0, y, logy)
    inv_s = 1.0
    rep = np.empty(N)
    ref = _refresh_weights(0, alpha, logy, log_mu, rep, 0.0, True)
    X = X0[r]
    prev = -1
    t = 0
    if T > 0 and checkpoints[0] == 0:
        t = _record_x(r, t, 0, checkpoints, y, sum_y, x_out)
    # The walk kind is branched on outside the step loop (one loop per kind): a per-step dispatch
    # halved the speed of the SRRW loop.
    if kind == 0:
        for n in range(n_steps):
            X = _srrw_next_cached(X, indptr, indices, Plin, rep, logP, log_mu, alpha, logy, wbuf)
            inv_s, sum_y = _measure_step(X, _step_size(n, a), y, logy, inv_s, sum_y)  # gamma_{n+1}
            ref = _refresh_weights(X, alpha, logy, log_mu, rep, ref, inv_s == 1.0)
            if t < T and checkpoints[t] == n + 1:
                t = _record_x(r, t, n + 1, checkpoints, y, sum_y, x_out)
    else:
        for n in range(n_steps):
            nxt = _other_next(kind, X, prev, adj_indptr, adj_indices, cum_mu)
            prev = X
            X = nxt
            inv_s, sum_y = _measure_step(X, _step_size(n, a), y, logy, inv_s, sum_y)
            if t < T and checkpoints[t] == n + 1:
                t = _record_x(r, t, n + 1, checkpoints, y, sum_y, x_out)
    X_out[r] = X


@njit(parallel=True, cache=True)
def walk_runs(kind, indptr, indices, logP, log_mu, alpha, adj_indptr, adj_indices, cum_mu,
              a, X0, x0, n_steps, checkpoints, seeds, x_out, X_out):
    """R independent walks of ``n_steps``; writes ``x_n`` at each step count in ``checkpoints``
    (sorted, 0 allowed) to ``x_out[r, t, :]`` and the final node to ``X_out[r]``."""
    R = X0.shape[0]
    N = x0.shape[0]
    maxdeg = 1
    for i in range(N):
        maxdeg = max(maxdeg, indptr[i + 1] - indptr[i])
    Plin = np.exp(logP)
    for r in prange(R):
        _walk_one(r, kind, indptr, indices, Plin, logP, log_mu, alpha, adj_indptr, adj_indices, cum_mu,
                  a, X0, x0, n_steps, checkpoints, seeds[r], maxdeg, x_out, X_out)


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
            X = _srrw_next_cached(X, indptr, indices, Plin, rep, logP, log_mu, alpha, logy, wbuf)
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
    """R independent SA-SRRW runs (spec B2.3): move the token, update ``x`` with ``gamma_{n+1}``,
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
