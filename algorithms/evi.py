"""Extended value iteration (EVI): optimistic average-reward planning over a set of plausible MDPs.

Jaksch, Ortner, Auer (2010), "Near-optimal Regret Bounds for Reinforcement Learning", JMLR 11,
1563-1600 (bibkey ``jaksch2010``), Sec. 3.1.2-3.1.3 and Fig. 2; the KL inner maximisation of Filippi,
Cappe, Garivier (2010), arXiv:1004.5229 (bibkey ``filippi2010``); the span truncation of SCAL's ScOpt,
Fruit, Pirotta, Lazaric, Ortner (2018), arXiv:1802.04020 (bibkey ``fruit2018scal``).

The plausible set is a product over ``(s, a)``: rewards ``r <= r_tilde(s, a)`` (the optimistic reward is
the upper end) and transition rows ``p in C(s, a)``.  EVI iterates the extended Bellman operator

    u_{i+1}(s) = max_a [ r_tilde(s, a) + max_{p in C(s, a)} sum_s' p(s') u_i(s') ]

from ``u_0 = 0`` and stops when ``sp(u_{i+1} - u_i) = max_s (u_{i+1} - u_i)(s) - min_s (u_{i+1} - u_i)(s) <
eps`` (UCRL2 uses ``eps = 1/sqrt(t_k)``).  Then the greedy policy of the last sweep is
``eps``-optimal in the extended MDP and its optimistic gain lies in ``[min, max]`` of the last increment
(Jaksch Sec. 3.1.3, after Puterman 1994 Thm. 8.5.5); we report the midpoint.  Section and
figure numbers of Jaksch et al. are our reading (reconstructed: the text was not re-read in this project).

Inner maximisations (one per confidence-set shape; each is tested against a generic convex solver):

* :func:`l1_inner_max` (Jaksch Fig. 2): ``{||p - p_hat||_1 <= d}``: sort states by ``u`` (decreasing), put
  ``min(1, p_hat(s_1) + d/2)`` on the best, remove the excess from the worst states upward.
* :func:`kl_inner_max` (Filippi et al. 2010): ``{KL(p_hat || p) <= eps}``, solved through its
  one-dimensional Lagrange dual (bisection on ``nu``; see the kernel's docstring).
* :func:`box_inner_max`: ``{lo <= p <= hi}`` component-wise intervals (used by our UCRL3 reconstruction).

Options beyond the paper (defaults reproduce it): ``span_c`` applies SCAL's truncation
``Gamma_c v = min(v, min v + c)`` after each sweep (Fruit et al. 2018, ScOpt); ``tau`` in ``(0, 1]``
runs the aperiodicity transform ``u <- (1 - tau) u + tau L u`` (Puterman 1994 Sec. 8.5.5), which keeps the
greedy policy and the bias and scales the increments (the gain) by ``tau`` (the stopping threshold is scaled to ``tau eps``).

Ties: the greedy action is uniform among exact ties, drawn from the caller's generator (one uniform per
state per call, drawn whether or not a tie occurs); ``tie_break="first"`` is the biased rule kept for
broken variants.  ``u`` is renormalised to ``min u = 0`` after each sweep (EVI is invariant under
constant shifts), which keeps the iterates bounded.

Deviations: the reported gain is the midpoint of the last increment's range (the paper only uses its
bounds); the iteration budget ``max_iter`` (not in the paper) raises :class:`mdplab.errors.ConvergenceError`
naming itself.  Periodic optimistic models can make plain EVI cycle: pass ``tau < 1``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mdplab.errors import ConvergenceError, ModelError

from . import _evi_kernels as _k

BIBKEYS = ("jaksch2010", "filippi2010", "fruit2018scal")

INNER_KINDS = {"l1": _k.L1, "kl": _k.KL, "box": _k.BOX}


@dataclass(frozen=True)
class EVIResult:
    """Output of :func:`extended_value_iteration`.

    ``policy (S,)`` greedy policy of the last sweep; ``gain`` midpoint of the last increment range
    ``[gain_lo, gain_hi]`` (divided by ``tau``); ``bias`` the final ``u`` (``min = 0``; the transform leaves the bias unchanged);
    ``transitions (S, S)`` the optimistic rows of the greedy actions; ``iterations``; ``n_ties`` states whose
    last greedy choice was tied."""

    policy: np.ndarray
    gain: float
    gain_lo: float
    gain_hi: float
    bias: np.ndarray
    transitions: np.ndarray
    iterations: int
    n_ties: int


def l1_inner_max(p_hat: np.ndarray, d: float, u: np.ndarray) -> tuple[np.ndarray, float]:
    """``argmax`` and ``max`` of ``p.u`` over the simplex intersected with ``||p - p_hat||_1 <= d``
    (Jaksch et al. 2010, Fig. 2)."""
    p_hat, u = _vec(p_hat, "p_hat"), _vec(u, "u")
    q = np.empty_like(p_hat)
    order = np.argsort(-u, kind="mergesort")
    return q, float(_k.l1_inner_max(p_hat, float(d), u, order, q))


def kl_inner_max(p_hat: np.ndarray, eps: float, u: np.ndarray) -> tuple[np.ndarray, float]:
    """``argmax`` and ``max`` of ``p.u`` over the simplex intersected with ``KL(p_hat || p) <= eps``
    (Filippi, Cappe, Garivier 2010)."""
    p_hat, u = _vec(p_hat, "p_hat"), _vec(u, "u")
    q = np.empty_like(p_hat)
    return q, float(_k.kl_inner_max(p_hat, float(eps), u, q))


def box_inner_max(lo: np.ndarray, hi: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, float]:
    """``argmax`` and ``max`` of ``p.u`` over the simplex intersected with ``lo <= p <= hi``."""
    lo, hi, u = _vec(lo, "lo"), _vec(hi, "hi"), _vec(u, "u")
    if lo.sum() > 1.0 + 1e-12 or hi.sum() < 1.0 - 1e-12 or np.any(lo > hi):
        raise ModelError(f"box_inner_max: need lo <= hi and sum(lo) <= 1 <= sum(hi); got sums {lo.sum()}, {hi.sum()}")
    q = np.empty_like(lo)
    order = np.argsort(-u, kind="mergesort")
    return q, float(_k.box_inner_max(lo, hi, u, order, q))


def _vec(x, name: str) -> np.ndarray:
    x = np.ascontiguousarray(x, dtype=np.float64)
    if x.ndim != 1 or not np.isfinite(x).all():
        raise ModelError(f"{name} must be a finite 1-d array; got shape {x.shape}")
    return x


def extended_value_iteration(p_hat: np.ndarray, r_tilde: np.ndarray, *, kind: str = "l1",
                             radius: np.ndarray | None = None, lo: np.ndarray | None = None,
                             hi: np.ndarray | None = None, eps: float, rng: np.random.Generator,
                             tie_break: str = "random", span_c: float | None = None, tau: float = 1.0,
                             max_iter: int = 1_000_000, u0: np.ndarray | None = None) -> EVIResult:
    """Extended value iteration (Jaksch et al. 2010, Sec. 3.1.2) over the set given by ``kind``:
    ``"l1"`` (``radius (S, A)``: L1 radius ``d(s, a)``), ``"kl"`` (``radius``: KL radius), ``"box"``
    (``lo``, ``hi`` of shape ``(S, A, S)``).  ``p_hat (S, A, S)``: empirical rows (all-zero rows are allowed
    for unvisited pairs); ``r_tilde (S, A)``: optimistic rewards.  Stops when ``sp(u_{i+1} - u_i) < eps``.
    ``span_c``: SCAL's span bound ``c`` (None: no truncation)."""
    p_hat = np.ascontiguousarray(p_hat, dtype=np.float64)
    r_tilde = np.ascontiguousarray(r_tilde, dtype=np.float64)
    if p_hat.ndim != 3 or r_tilde.shape != p_hat.shape[:2] or p_hat.shape[2] != p_hat.shape[0]:
        raise ModelError(f"extended_value_iteration: need p_hat (S, A, S) and r_tilde (S, A); got {p_hat.shape}, "
                         f"{r_tilde.shape}")
    S, A = r_tilde.shape
    if kind not in INNER_KINDS:
        raise ModelError(f"extended_value_iteration: kind must be one of {sorted(INNER_KINDS)}; got {kind!r}")
    if not (eps > 0 and np.isfinite(eps)):
        raise ModelError(f"extended_value_iteration: eps must be positive and finite; got {eps!r}")
    if not (0.0 < tau <= 1.0):
        raise ModelError(f"extended_value_iteration: tau (aperiodicity) must be in (0, 1]; got {tau!r}")
    if span_c is not None and not (span_c >= 0 and np.isfinite(span_c)):
        raise ModelError(f"extended_value_iteration: span_c must be a finite number >= 0; got {span_c!r}")
    if tie_break not in ("random", "first"):
        raise ModelError(f"tie_break must be 'random' or 'first'; got {tie_break!r}")
    empty = np.zeros((1, 1, 1))
    if kind in ("l1", "kl"):
        if radius is None:
            raise ModelError(f"extended_value_iteration(kind={kind!r}) needs radius (S, A)")
        radius = np.ascontiguousarray(np.broadcast_to(radius, (S, A)), dtype=np.float64)
        if np.any(np.isnan(radius)) or np.any(radius < 0):
            raise ModelError("extended_value_iteration: radius must be >= 0 (inf allowed)")
        lo = hi = empty
    else:
        if lo is None or hi is None:
            raise ModelError("extended_value_iteration(kind='box') needs lo and hi (S, A, S)")
        lo = np.ascontiguousarray(lo, dtype=np.float64)
        hi = np.ascontiguousarray(hi, dtype=np.float64)
        radius = np.zeros((S, A))
    tie_u = rng.random(S)
    if tie_break == "first":
        tie_u[:] = -1.0
    u = np.zeros(S) if u0 is None else np.array(u0, dtype=np.float64)
    pi = np.empty(S, dtype=np.int64)
    q_best = np.empty((S, S))
    it, dlo, dhi, n_ties, ok = _k.evi_kernel(INNER_KINDS[kind], p_hat, r_tilde, radius, lo, hi, float(eps),
                                             int(max_iter), -1.0 if span_c is None else float(span_c),
                                             float(tau), tie_u, u, pi, q_best)
    if not ok:
        raise ConvergenceError(f"extended value iteration did not reach sp(u_(i+1) - u_i) < {eps:g} within "
                               f"max_iter={max_iter} sweeps (last span {dhi - dlo:.3g}); raise max_iter, or pass "
                               "tau < 1 if the optimistic model may be periodic")
    return EVIResult(policy=pi, gain=0.5 * (dlo + dhi) / tau, gain_lo=dlo / tau, gain_hi=dhi / tau,
                     bias=u, transitions=q_best, iterations=int(it), n_ties=int(n_ties))


__all__ = ["EVIResult", "extended_value_iteration", "l1_inner_max", "kl_inner_max", "box_inner_max", "INNER_KINDS"]
