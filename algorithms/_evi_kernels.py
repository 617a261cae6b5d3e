"""Numba kernels of extended value iteration (EVI) and its inner maximisations.

Used by :mod:`algorithms.evi` only (the public, documented entry points); see that module for the
papers, equations and stopping rules.  Kernels validate nothing and allocate only per call.

Inner-maximisation kinds (``kind``):

* ``L1 = 0``: ``max p.u`` over ``{p in simplex : ||p - p_hat||_1 <= d}`` (Jaksch et al. 2010, Fig. 2);
* ``KL = 1``: ``max p.u`` over ``{p in simplex : KL(p_hat || p) <= d}`` (Filippi et al. 2010);
* ``BOX = 2``: ``max p.u`` over ``{p in simplex : lo <= p <= hi}`` (component-wise intervals).
"""
import numpy as np
from numba import njit

from mdplab.tiebreak import argmax_random_tie

L1 = 0
KL = 1
BOX = 2


@njit(cache=True)
def l1_inner_max(p_hat, d, u, order, q):
    """``q = argmax {p.u : p in simplex, ||p - p_hat||_1 <= d}``, ``order`` = states by decreasing ``u``.
    Returns ``q.u``.  Mass ``min(1, p_hat(s_1) + d/2)`` on the best state, then the excess is removed
    from the worst states upward."""
    S = p_hat.shape[0]
    for j in range(S):
        q[j] = p_hat[j]
    best = order[0]
    q[best] = min(1.0, p_hat[best] + 0.5 * d)
    total = 0.0
    for j in range(S):
        total += q[j]
    ell = S - 1
    while total > 1.0 and ell > 0:
        w = order[ell]
        excess = total - 1.0
        take = min(q[w], excess)
        q[w] -= take
        total -= take
        ell -= 1
    val = 0.0
    for j in range(S):
        val += q[j] * u[j]
    return val


@njit(cache=True)
def _kl_f(p_hat, u, base, x0):
    """``f(nu) = sum_i p_i log(nu - u_i) + log(sum_i p_i / (nu - u_i))`` over the support of ``p_hat``, at
    ``nu = base + x0`` (``nu - u_i`` computed as ``x0 + (base - u_i)``, exact at ``u_i = base``)."""
    a = 0.0
    b = 0.0
    for j in range(p_hat.shape[0]):
        if p_hat[j] > 0.0:
            x = x0 + (base - u[j])
            a += p_hat[j] * np.log(x)
            b += p_hat[j] / x
    return a + np.log(b)


@njit(cache=True)
def kl_inner_max(p_hat, eps, u, q):
    """``q = argmax {p.u : p in simplex, KL(p_hat || p) <= eps}`` (Filippi, Cappe, Garivier 2010,
    Sec. "maximisation under KL constraint").  Returns ``q.u``.

    Lagrange form: ``q_i proportional to p_i / (nu - u_i)`` on the support of ``p_hat``, with ``nu`` solving
    ``f(nu) = eps``; when a state outside the support attains ``max u`` and ``f(max u) < eps``, ``nu = max u``
    and the mass ``r = 1 - exp(f(nu) - eps)`` goes to those states.  An empty ``p_hat`` (no data) or an
    infinite ``eps`` gives the whole simplex (all mass on a maximiser)."""
    S = p_hat.shape[0]
    umax = -np.inf
    for j in range(S):
        if u[j] > umax:
            umax = u[j]
    mass = 0.0
    smax = -np.inf
    smin = np.inf
    for j in range(S):
        if p_hat[j] > 0.0:
            mass += p_hat[j]
            if u[j] > smax:
                smax = u[j]
            if u[j] < smin:
                smin = u[j]
    for j in range(S):
        q[j] = 0.0
    if mass <= 0.0 or not np.isfinite(eps):
        n_top = 0
        for j in range(S):
            if u[j] == umax:
                n_top += 1
        for j in range(S):
            if u[j] == umax:
                q[j] = 1.0 / n_top
        return umax
    if umax > smax:
        f_top = _kl_f(p_hat, u, umax, 0.0)
        if f_top < eps:
            r = 1.0 - np.exp(f_top - eps)
            n_top = 0
            for j in range(S):
                if u[j] == umax:
                    n_top += 1
            z = 0.0
            for j in range(S):
                if p_hat[j] > 0.0:
                    z += p_hat[j] / (umax - u[j])
            val = 0.0
            for j in range(S):
                if p_hat[j] > 0.0:
                    q[j] = (1.0 - r) * p_hat[j] / (umax - u[j]) / z
                elif u[j] == umax:
                    q[j] = r / n_top
                val += q[j] * u[j]
            return val
    if smax - smin <= 0.0 or eps <= 0.0:
        val = 0.0
        for j in range(S):
            q[j] = p_hat[j]
            val += q[j] * u[j]
        return val
    # f decreases from +inf (nu -> smax) to 0 (nu -> inf): bisection on x = nu - smax > 0
    lo = 0.0
    hi = smax - smin
    while _kl_f(p_hat, u, smax, hi) > eps:
        lo = hi
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if _kl_f(p_hat, u, smax, mid) > eps:
            lo = mid
        else:
            hi = mid
    # feasible side: f(smax + hi) <= eps
    z = 0.0
    for j in range(S):
        if p_hat[j] > 0.0:
            z += p_hat[j] / (hi + (smax - u[j]))
    val = 0.0
    for j in range(S):
        if p_hat[j] > 0.0:
            q[j] = p_hat[j] / (hi + (smax - u[j])) / z
            val += q[j] * u[j]
    return val


@njit(cache=True)
def box_inner_max(lo, hi, u, order, q):
    """``q = argmax {p.u : p in simplex, lo <= p <= hi}`` (needs ``sum lo <= 1 <= sum hi``): start at
    ``lo`` and fill the best states up to ``hi`` until the mass is 1.  Returns ``q.u``."""
    S = lo.shape[0]
    rest = 1.0
    for j in range(S):
        q[j] = lo[j]
        rest -= lo[j]
    for k in range(S):
        if rest <= 0.0:
            break
        j = order[k]
        add = min(hi[j] - lo[j], rest)
        q[j] += add
        rest -= add
    val = 0.0
    for j in range(S):
        val += q[j] * u[j]
    return val


@njit(cache=True)
def extended_backup(kind, p_hat, r_tilde, radius, lo, hi, u, tie_u, w, pi, q_best):
    """One EVI sweep: ``w(s) = max_a r_tilde(s, a) + max_{p in C(s, a)} p.u`` with the greedy action in
    ``pi`` (ties uniform by ``tie_u[s]``; ``tie_u[s] < 0`` picks the first) and the maximising transition
    rows of the greedy actions in ``q_best (S, S)``.  Returns the number of states with a tied maximum."""
    S, A = r_tilde.shape
    order = np.argsort(-u, kind="mergesort")
    vals = np.empty(A)
    qs = np.empty((A, S))
    n_ties = 0
    for s in range(S):
        for a in range(A):
            if kind == 0:
                v = l1_inner_max(p_hat[s, a], radius[s, a], u, order, qs[a])
            elif kind == 1:
                v = kl_inner_max(p_hat[s, a], radius[s, a], u, qs[a])
            else:
                v = box_inner_max(lo[s, a], hi[s, a], u, order, qs[a])
            vals[a] = r_tilde[s, a] + v
        b, m = argmax_random_tie(vals, tie_u[s], 0.0)
        if m > 1:
            n_ties += 1
        pi[s] = b
        w[s] = vals[b]
        for j in range(S):
            q_best[s, j] = qs[b, j]
    return n_ties


@njit(cache=True)
def evi_kernel(kind, p_hat, r_tilde, radius, lo, hi, eps, max_iter, span_c, tau, tie_u, u, pi, q_best):
    """Iterate ``u_{i+1} = (1 - tau) u_i + tau * Gamma_c(L u_i)`` (``L`` = extended backup, ``Gamma_c``
    = span truncation ``min(v, min v + c)`` when ``span_c >= 0``) from ``u`` until
    ``sp(u_{i+1} - u_i) < tau * eps``; ``u`` is renormalised to ``min u = 0`` after each sweep.
    Returns ``(iterations, min(u_{i+1} - u_i), max(u_{i+1} - u_i), n_ties, converged)``; ``u``, ``pi``,
    ``q_best`` hold the last sweep's values."""
    S = u.shape[0]
    w = np.empty(S)
    dlo = 0.0
    dhi = 0.0
    n_ties = 0
    for it in range(1, max_iter + 1):
        n_ties = extended_backup(kind, p_hat, r_tilde, radius, lo, hi, u, tie_u, w, pi, q_best)
        if span_c >= 0.0:
            m = w[0]
            for s in range(1, S):
                if w[s] < m:
                    m = w[s]
            for s in range(S):
                if w[s] > m + span_c:
                    w[s] = m + span_c
        dlo = np.inf
        dhi = -np.inf
        for s in range(S):
            x = tau * (w[s] - u[s])
            w[s] = u[s] + x
            if x < dlo:
                dlo = x
            if x > dhi:
                dhi = x
        m = w[0]
        for s in range(1, S):
            if w[s] < m:
                m = w[s]
        for s in range(S):
            u[s] = w[s] - m
        if dhi - dlo < tau * eps:
            return it, dlo, dhi, n_ties, True
    return max_iter, dlo, dhi, n_ties, False
