"""Exact divergences between observation-sequence laws, Ingster's mixture chi-square and the sample lower bound.

Source: F. Chen, H. Wang, C. Xiong, S. Mei, Y. Bai, *Lower Bounds for Learning in Revealing POMDPs*, ICML 2023,
arXiv:2302.01333 (version not recorded), bibkey ``chen2023revealing``: the paper's lower bounds adapt distribution
testing (its abstract says so); the computations here are the standard ones that adaptation rests on
(docs/theory/chen2023revealing.md, "Divergences" and "Ingster's chi-square"):

* :func:`observation_law`: the law of ``(o_0, ..., o_{H-1})`` under a deterministic history-dependent policy, by
  enumeration of observation sequences (exact, with an enumeration budget).
* :func:`total_variation`, :func:`kl_divergence`, :func:`chi_square`, :func:`hellinger_sq` between two laws on a
  common support; :func:`product_divergences` for ``N`` i.i.d. episodes (KL additive, ``1 + chi^2`` and the
  Hellinger affinity multiplicative, TV by exact enumeration of count vectors).
* :func:`mixture_chi_square`: ``chi^2(E_z P_z^{(x)N} || Q^{(x)N}) = E_{z, z'} [ (sum_x P_z P_z' / Q)^N ] - 1``
  (Ingster's identity), by enumeration over pairs of alternatives; :func:`mixture_product_divergences`: TV, KL
  and chi^2 of the same mixture against the null by enumeration of count vectors (a second route).
* :func:`paninski_mixture_chi_square`: the closed form for Paninski's family,
  ``1 + chi^2 = sum_k C(n,k) 2^{-n} (1 + eps^2 (n - 2k)/n)^N``, in log space.
* :func:`n_star`: ``N*(n, eps) = min{N : chi^2 >= 1}`` (below it, ``TV <= sqrt(chi^2)/2 < 1/2``: the mixture is
  not distinguishable from the null with probability 3/4); :func:`n_lb_total`: ``K N*(n, alpha eps) / 2``, the
  implied episode count on RevealTest (our derivation for non-adaptive visit allocations).

Provenance: Ingster's identity and Paninski's family are standard [D]; the use of ``N*`` and of ``K N*/2`` as the
sample lower bound on our reconstructed family is ours [R].  Deviations: the paper's own chi-square computation
was not retrieved.
"""
from __future__ import annotations

import itertools
import math
from typing import Sequence

import numpy as np
from scipy.special import gammaln, logsumexp

from mdplab.errors import BudgetExceededError, ModelError

from .families import MAX_NODES, EpisodicPOMDP, Policy

BIBKEY = "chen2023revealing"

#: largest number of count vectors enumerated for the exact TV of N-fold products
MAX_COUNT_VECTORS = 2_000_000


def observation_law(model: EpisodicPOMDP, policy: Policy) -> dict[tuple, float]:
    """``{(o_0, ..., o_{H-1}): probability}`` under ``policy(history, h, o_h)``, zero-probability sequences omitted."""
    out: dict[tuple, float] = {}
    count = [0]

    def rec(h: int, f: np.ndarray, hist: tuple, obs: tuple) -> None:
        E = model.E[h]
        for o in range(E.shape[0]):
            g = f * E[o]
            mass = g.sum()
            if mass <= 0.0:
                continue
            count[0] += 1
            if count[0] > MAX_NODES:
                raise BudgetExceededError(f"observation-sequence enumeration exceeded {MAX_NODES} nodes; raise "
                                          "algorithms.revealing_lower.families.MAX_NODES or shrink the horizon")
            if h == model.H - 1:
                out[obs + (o,)] = out.get(obs + (o,), 0.0) + float(mass)
                continue
            a = policy(hist, h, o)
            rec(h + 1, g @ model.T[h][:, a, :], hist + ((o, a),), obs + (o,))

    rec(0, np.asarray(model.mu, dtype=float), (), ())
    return out


def aligned(*laws: dict) -> np.ndarray:
    """Stack laws (dicts) on the union of their supports: array ``(len(laws), support)``."""
    keys = sorted(set().union(*laws))
    return np.array([[law.get(k, 0.0) for k in keys] for law in laws])


def _pq(p, q) -> tuple[np.ndarray, np.ndarray]:
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if p.shape != q.shape:
        raise ModelError(f"laws must share a support; got shapes {p.shape} and {q.shape}")
    return p, q


def total_variation(p, q) -> float:
    """``TV(p, q) = (1/2) sum |p - q|``."""
    p, q = _pq(p, q)
    return float(0.5 * np.abs(p - q).sum())


def kl_divergence(p, q) -> float:
    """``KL(p || q) = sum p log(p / q)`` (natural log; ``inf`` if p is not absolutely continuous w.r.t. q)."""
    p, q = _pq(p, q)
    m = p > 0
    if (q[m] <= 0).any():
        return math.inf
    return float((p[m] * np.log(p[m] / q[m])).sum())


def chi_square(p, q) -> float:
    """``chi^2(p || q) = sum p^2 / q - 1``."""
    p, q = _pq(p, q)
    m = p > 0
    if (q[m] <= 0).any():
        return math.inf
    return float((p[m] ** 2 / q[m]).sum() - 1.0)


def hellinger_sq(p, q) -> float:
    """``H^2(p, q) = 1 - sum sqrt(p q)`` (the convention with ``H^2 <= 1``)."""
    p, q = _pq(p, q)
    return float(1.0 - np.sqrt(p * q).sum())


def _tv_product(p: np.ndarray, q: np.ndarray, N: int) -> float:
    """Exact TV of ``p^(x)N`` and ``q^(x)N`` by summing over count vectors (multinomial coefficients)."""
    keep = (p > 0) | (q > 0)
    p, q = p[keep], q[keep]
    k = p.size
    if math.comb(N + k - 1, k - 1) > MAX_COUNT_VECTORS:
        raise BudgetExceededError(f"exact TV of {N}-fold products over {k} outcomes needs "
                                  f"{math.comb(N + k - 1, k - 1)} count vectors > MAX_COUNT_VECTORS = "
                                  f"{MAX_COUNT_VECTORS}; lower N or raise MAX_COUNT_VECTORS")
    with np.errstate(divide="ignore"):
        lp, lq = np.log(p), np.log(q)
    total = 0.0
    for bars in itertools.combinations(range(N + k - 1), k - 1):
        c = np.diff(np.concatenate([[-1], bars, [N + k - 1]])) - 1
        lcoef = gammaln(N + 1) - gammaln(c + 1).sum()
        a = lcoef + np.where(c > 0, c * lp, 0.0).sum()
        b = lcoef + np.where(c > 0, c * lq, 0.0).sum()
        total += abs(math.exp(a) - math.exp(b))
    return 0.5 * total


def product_divergences(p, q, N: int) -> dict[str, float]:
    """TV, KL, chi^2 and H^2 between ``N``-fold products (``N`` i.i.d. episodes)."""
    p, q = _pq(p, q)
    if N < 1:
        raise ModelError(f"N must be >= 1; got {N}")
    return {"tv": _tv_product(p, q, N), "kl": N * kl_divergence(p, q),
            "chi2": (1.0 + chi_square(p, q)) ** N - 1.0,                          # tensorisation
            "hellinger2": 1.0 - (1.0 - hellinger_sq(p, q)) ** N}


def mixture_chi_square(alternatives: Sequence, null, N: int, weights: Sequence[float] | None = None) -> float:
    """Ingster's identity: ``chi^2(E_z P_z^N || Q^N) = E_{z,z'} [(sum_x P_z(x) P_z'(x) / Q(x))^N] - 1``."""
    P = np.asarray(alternatives, dtype=float)
    Q = np.asarray(null, dtype=float)
    if P.ndim != 2 or P.shape[1] != Q.shape[0]:
        raise ModelError(f"alternatives must be (n_z, support) with support = {Q.shape[0]}; got {P.shape}")
    if (Q <= 0).any():
        raise ModelError("the null law must have full support for the mixture chi-square")
    w = np.full(P.shape[0], 1.0 / P.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    G = (P / Q) @ P.T                                   # G[z, z'] = sum_x P_z P_z' / Q
    lw = np.log(w)[:, None] + np.log(w)[None, :] + N * np.log(G)
    return float(np.expm1(logsumexp(lw)))


def mixture_product_divergences(alternatives: Sequence, null, N: int, weights: Sequence[float] | None = None
                                ) -> dict[str, float]:
    """TV, KL and chi^2 between the mixture ``E_z P_z^{(x)N}`` and ``Q^{(x)N}`` by exact enumeration of count
    vectors (both laws are exchangeable, so the counts are sufficient and the divergences are those of the
    count laws).  ``chi2`` must agree with :func:`mixture_chi_square` (Ingster's identity)."""
    P = np.asarray(alternatives, dtype=float)
    Q = np.asarray(null, dtype=float)
    if P.ndim != 2 or P.shape[1] != Q.shape[0]:
        raise ModelError(f"alternatives must be (n_z, support) with support = {Q.shape[0]}; got {P.shape}")
    keep = (P > 0).any(axis=0) | (Q > 0)
    P, Q = P[:, keep], Q[keep]
    k = Q.size
    if math.comb(N + k - 1, k - 1) > MAX_COUNT_VECTORS:
        raise BudgetExceededError(f"{math.comb(N + k - 1, k - 1)} count vectors > MAX_COUNT_VECTORS = "
                                  f"{MAX_COUNT_VECTORS}; lower N or raise MAX_COUNT_VECTORS")
    w = np.full(P.shape[0], 1.0 / P.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    with np.errstate(divide="ignore"):
        lP, lQ = np.log(P), np.log(Q)
    tv = kl = chi = 0.0
    for bars in itertools.combinations(range(N + k - 1), k - 1):
        c = np.diff(np.concatenate([[-1], bars, [N + k - 1]])) - 1
        lcoef = gammaln(N + 1) - gammaln(c + 1).sum()
        pz = np.exp(lcoef + np.where(c > 0, c * lP, 0.0).sum(axis=1))     # each alternative's count law
        pm = float(w @ pz)
        q = math.exp(lcoef + float(np.where(c > 0, c * lQ, 0.0).sum()))
        tv += abs(pm - q)
        if pm > 0:
            kl += pm * math.log(pm / q) if q > 0 else math.inf
            chi += pm * pm / q if q > 0 else math.inf
    return {"tv": 0.5 * tv, "kl": kl, "chi2": chi - 1.0}


def paninski_mixture_chi_square(n: int, eps: float, N: int) -> float:
    """``sum_{k=0}^n C(n,k) 2^{-n} (1 + (eps^2/n)(n - 2k))^N - 1`` in log space (the exact Ingster sum)."""
    if n < 1 or not (0 <= eps <= 1) or N < 0:
        raise ModelError(f"need n >= 1, 0 <= eps <= 1, N >= 0; got n={n}, eps={eps}, N={N}")
    k = np.arange(n + 1)
    base = 1.0 + (eps ** 2 / n) * (n - 2 * k)
    if (base <= 0).any():                              # only at eps = 1 and k = n: the term is 0^N
        pos = base > 0
        k, base = k[pos], base[pos]
    lw = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) - n * math.log(2.0) + N * np.log(base)
    return float(np.expm1(logsumexp(lw)))


def paninski_mixture_chi_square_bound(n: int, eps: float, N: int) -> float:
    """``exp(N^2 eps^4 / (2n)) - 1`` (upper bound on the sum above)."""
    return math.expm1(N * N * eps ** 4 / (2 * n))


def n_star(n: int, eps: float, threshold: float = 1.0) -> int:
    """``N*(n, eps) = min{N >= 1 : chi^2(mixture^N || U^N) >= threshold}`` (chi^2 is nondecreasing in N >= 1:
    ``E[Y^N]`` with ``Y > 0``, ``E[Y] = 1`` is log-convex in N and equals 1 at N = 0, 1)."""
    if eps <= 0:
        raise ModelError(f"eps must be > 0 for a finite N*; got {eps}")
    hi = 1
    while paninski_mixture_chi_square(n, eps, hi) < threshold:
        hi *= 2
        if hi > 1 << 40:
            raise BudgetExceededError(f"N*(n={n}, eps={eps}) exceeds 2^40")
    lo = hi // 2 if hi > 1 else 0                      # chi^2(lo) < threshold <= chi^2(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if paninski_mixture_chi_square(n, eps, mid) >= threshold:
            hi = mid
        else:
            lo = mid
    return hi


def n_lb_total(K: int, n: int, alpha: float, eps: float) -> float:
    """``N_LB = K N*(n, alpha eps) / 2``: episodes below which a learner cannot find the special candidate of
    RevealTest (half the candidates each need ``N*`` visits; non-adaptive allocations)."""
    return K * n_star(n, alpha * eps) / 2.0


def paninski_pair_divergences(n: int, eps: float) -> dict[str, float]:
    """Closed forms for one alternative against the null: ``TV = eps/2``, ``chi^2 = eps^2``,
    ``KL = ((1+eps) log(1+eps) + (1-eps) log(1-eps)) / 2``, ``H^2 = 1 - (sqrt(1+eps) + sqrt(1-eps)) / 2``."""
    kl = 0.5 * ((1 + eps) * math.log1p(eps) + ((1 - eps) * math.log1p(-eps) if eps < 1 else 0.0))
    return {"tv": eps / 2, "chi2": eps ** 2, "kl": kl,
            "hellinger2": 1.0 - (math.sqrt(1 + eps) + math.sqrt(1 - eps)) / 2}
