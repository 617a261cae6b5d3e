"""Self-repellent random walk (SRRW): kernel, sampler, estimator and its asymptotic covariance.

Doshi, V., Hu, J. & Eun, D. Y. (2023). "Self-Repellent Random Walks on General Graphs -- Achieving
Minimal Sampling Variance via Nonlinear Markov Chains." ICML 2023 (PMLR 202), arXiv 2305.05097v1
[bibkey ``doshi2023``]; the generalised step ``gamma_n = (n+1)^{-a}`` is from Hu, Doshi & Eun (2024),
ICLR 2024, arXiv 2401.09665v1 [``hu2024``]. ``docs/theory/doshi2023.md``.

Implements:
* the SRRW kernel ``K_ij[x] = P_ij (x_j/mu_j)^{-alpha} / sum_k P_ik (x_k/mu_k)^{-alpha}`` ([V]) in log space, and its stationary law ``pi_i[x] ∝ mu_i (x_i/mu_i)^{-alpha} sum_j P_ij
  (x_j/mu_j)^{-alpha}`` ([V]);
* the Jacobian ``J(alpha) = grad_x (pi[x] - x)|_{x=mu} = 2 alpha mu 1^T - alpha P^T - (alpha+1) I``
  ([D]: derived by us, checked here by finite differences in the tests);
* the sampler ([V]) with ``x_{n+1} = x_n + gamma_{n+1}(delta_{X_{n+1}} - x_n)``,
  ``gamma_n = (n+1)^{-a}``, run on numba over many independent seeded runs
  (``algorithms/srrw/_kernels.py``), plus the baselines: ``alpha = 0`` (base chain), the
  non-backtracking walk (NBRW) and i.i.d. draws from ``mu``;
* the estimator ``psi_n = f^T x_n`` of ``mu^T f`` (importance-reweighted for NBRW, whose stationary
  law is the degree distribution);
* the CLT covariance ``V(alpha) = sum_{i>=2} (1+lambda_i)/((1-lambda_i)(2 alpha (1+lambda_i) + 2 -
  1{a=1})) u_i u_i^T`` of ``gamma_n^{-1/2}(x_n - mu)`` (: the ``a = 1`` form is [V] through
  the authors' ICML 2025 follow-up; the ``a < 1`` form is [D]/[R]: stated in ICLR'24 with an
  indicator, constant reconstructed by us);
* ``alpha_crit``: the smallest ``alpha`` with ``V(alpha) <= D_mu - mu mu^T`` (Loewner), i.e. SRRW beats
  i.i.d. sampling: ``max_{i>=2, lambda_i>0} c lambda_i / (1 - lambda_i^2)`` with ``c = 2 - 1{a=1}``
  ( gives ``c = 1``, ``a = 1``, [D]; the ``a < 1`` comparison, against the i.i.d. covariance
  ``(D_mu - mu mu^T)/2`` under the same step, is our mode-wise derivation).

Deviations: the papers' theorem numbers are not quoted (their full text could not be retrieved,
 [R]); the optional increasing-alpha schedule of ICML'23 is not implemented; x is stored
in scaled form in the kernel (one coordinate per step), which is exact up to rounding.
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from mdplab.errors import ModelError
from mdplab.chains import (
    adjacency_csr,
    check_reversible_chain,
    spectral_decomposition,
    transition_csr,
)

from . import _kernels as _k

BIBKEYS = ("doshi2023", "hu2024")

__all__ = [
    "srrw_kernel", "srrw_stationary", "srrw_jacobian", "asymptotic_covariance", "alpha_crit",
    "WalkRuns", "sample_srrw", "sample_nbrw", "sample_iid", "estimate_mean", "nbrw_stationary",
    "log_checkpoints", "run_seeds",
]


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not np.isfinite(alpha) or alpha < 0:
        raise ModelError(f"alpha must be a finite number >= 0, got {alpha}")
    return alpha


def _check_exponent(a: float, name: str = "a") -> float:
    a = float(a)
    if not 0.5 < a <= 1.0:
        raise ModelError(f"step exponent {name} must lie in (1/2, 1] (gamma_n = (n+1)^-{name}), got {a}")
    return a


def _check_interior(x: np.ndarray, n: int, name: str = "x") -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.shape != (n,):
        raise ModelError(f"{name} must have shape ({n},), got {x.shape}")
    if not np.all(np.isfinite(x)) or np.any(x <= 0):
        raise ModelError(f"{name} must be strictly positive (interior of the simplex; may be "
                         f"unnormalised counts), min is {x.min()!r}")
    return x


def srrw_kernel(P: np.ndarray, mu: np.ndarray, x: np.ndarray, alpha: float) -> np.ndarray:
    """``K[x]`` (N x N): rows re-weighted by ``(x_j/mu_j)^{-alpha}`` on the support of ``P``.

    Computed in log space (no overflow for large ``alpha`` or tiny ``x_j``); ``x`` may be
    unnormalised (the kernel is scale invariant). The self-loop is repelled too.
    """
    P, mu = check_reversible_chain(P, mu)
    x = _check_interior(x, P.shape[0])
    alpha = _check_alpha(alpha)
    with np.errstate(divide="ignore"):
        logw = np.log(P) - alpha * (np.log(x) - np.log(mu))[None, :]
    logw -= logw.max(axis=1, keepdims=True)
    w = np.exp(logw)
    return w / w.sum(axis=1, keepdims=True)


def srrw_stationary(P: np.ndarray, mu: np.ndarray, x: np.ndarray, alpha: float) -> np.ndarray:
    """``pi[x]``, ``pi_i ∝ mu_i (x_i/mu_i)^{-alpha} sum_j P_ij (x_j/mu_j)^{-alpha}``, in log space."""
    P, mu = check_reversible_chain(P, mu)
    x = _check_interior(x, P.shape[0])
    alpha = _check_alpha(alpha)
    r = -alpha * (np.log(x) - np.log(mu))
    shift = r.max()
    row = P @ np.exp(r - shift)
    logpi = np.log(mu) + r + np.log(row)
    logpi -= logpi.max()
    pi = np.exp(logpi)
    return pi / pi.sum()


def srrw_jacobian(P: np.ndarray, mu: np.ndarray, alpha: float) -> np.ndarray:
    """``J(alpha) = 2 alpha mu 1^T - alpha P^T - (alpha + 1) I`` ([D]), the Jacobian of
    ``pi[x] - x`` at ``x = mu`` along the simplex."""
    P, mu = check_reversible_chain(P, mu)
    alpha = _check_alpha(alpha)
    n = P.shape[0]
    return 2.0 * alpha * np.outer(mu, np.ones(n)) - alpha * P.T - (alpha + 1.0) * np.eye(n)


def asymptotic_covariance(P: np.ndarray, mu: np.ndarray, alpha: float, a: float = 1.0) -> np.ndarray:
    """``V(alpha)`` (N x N): CLT covariance of ``gamma_n^{-1/2} (x_n - mu)`` for SRRW with step
    ``gamma_n = (n+1)^{-a}`` (``sqrt(n)`` scaling when ``a = 1``), from the eigen-decomposition of ``P``:

    ``V(alpha) = sum_{i>=2} 1/(2 alpha (1 + lambda_i) + 2 - 1{a=1}) (1+lambda_i)/(1-lambda_i) u_i u_i^T``
    (``a = 1`` [V], ``a < 1`` [D]). ``P`` must be reversible w.r.t. ``mu``, aperiodic,
    irreducible. The estimator ``f^T x_n`` then has asymptotic variance ``f^T V(alpha) f``.
    """
    alpha = _check_alpha(alpha)
    a = _check_exponent(a)
    spec = spectral_decomposition(P, mu)
    lam, U = spec.lambdas[1:], spec.left[:, 1:]
    shift = 1.0 if a == 1.0 else 2.0
    weight = (1.0 + lam) / (1.0 - lam) / (2.0 * alpha * (1.0 + lam) + shift)  # Eq. (B3.2)
    V = (U * weight) @ U.T
    return 0.5 * (V + V.T)


def alpha_crit(P: np.ndarray, mu: np.ndarray, a: float = 1.0) -> float:
    """Smallest ``alpha`` with ``V(alpha) <= iid covariance`` in the Loewner order (0 if always).

    ``a = 1``: ``max_{i>=2, lambda_i > 0} lambda_i / (1 - lambda_i^2)`` against ``D_mu - mu mu^T``
    ([D]); ``a < 1``: twice that, against ``(D_mu - mu mu^T)/2`` (our derivation, mode-wise).
    """
    a = _check_exponent(a)
    lam = spectral_decomposition(P, mu).lambdas[1:]
    c = 1.0 if a == 1.0 else 2.0
    pos = lam[lam > 0]
    return float(np.max(c * pos / (1.0 - pos ** 2))) if pos.size else 0.0


# --------------------------------------------------------------------------- sampling


def run_seeds(seed: int, n_runs: int) -> np.ndarray:
    """Per-run seeds for the numba kernels (uint32 range), derived from one master seed."""
    return np.random.default_rng(seed).integers(0, 2 ** 32 - 1, size=int(n_runs), dtype=np.int64)


def log_checkpoints(n_steps: int, count: int = 30) -> np.ndarray:
    """About ``count`` log-spaced step counts in ``[1, n_steps]``, unique, sorted, ending at ``n_steps``."""
    pts = np.unique(np.round(np.logspace(0, np.log10(max(int(n_steps), 1)), int(count))).astype(np.int64))
    return pts[(pts >= 1) & (pts <= n_steps)]


@dataclass(frozen=True)
class WalkRuns:
    """Result of many independent walks: ``x[r, t, :]`` is the empirical measure ``x_n`` of run ``r``
    at step count ``checkpoints[t]``; ``final_node[r]`` is ``X_n`` at the end."""
    x: np.ndarray
    checkpoints: np.ndarray
    final_node: np.ndarray
    walk: str
    alpha: float
    a: float


def _check_runs(n_steps: int, n_runs: int, checkpoints, x0, X0, N: int, seed):
    if int(n_steps) < 1 or int(n_runs) < 1:
        raise ModelError(f"n_steps and n_runs must be >= 1, got {n_steps}, {n_runs}")
    cps = np.array([n_steps] if checkpoints is None else checkpoints, dtype=np.int64).ravel()
    if cps.size == 0 or np.any(np.diff(cps) <= 0) or cps[0] < 0 or cps[-1] > n_steps:
        raise ModelError(f"checkpoints must be strictly increasing step counts in [0, {n_steps}]")
    x0 = np.full(N, 1.0 / N) if x0 is None else _check_interior(x0, N, "x0")
    x0 = x0 / x0.sum()
    seeds = run_seeds(seed, n_runs)
    if X0 is None:
        X0 = np.random.default_rng(seeds[0] + 1).integers(0, N, size=int(n_runs))
    X0 = np.broadcast_to(np.asarray(X0, dtype=np.int64), (int(n_runs),)).copy()
    if np.any((X0 < 0) | (X0 >= N)):
        raise ModelError(f"X0 must hold node indices in [0, {N})")
    return int(n_steps), int(n_runs), cps, np.ascontiguousarray(x0), X0, seeds


def _empty_graph_arrays():
    return np.zeros(2, dtype=np.int64), np.zeros(1, dtype=np.int64)


def sample_srrw(P: np.ndarray, mu: np.ndarray, alpha: float, n_steps: int, n_runs: int, seed: int,
                a: float = 1.0, checkpoints=None, x0=None, X0=None) -> WalkRuns:
    """``n_runs`` independent SRRWs of ``n_steps`` steps on base chain ``P``.

    ``x0`` (default uniform, "every node visited once") and ``X0`` (default uniform random nodes)
    initialise the runs; ``alpha = 0`` is the base chain. Same ``seed``, same numbers.
    """
    P, mu = check_reversible_chain(P, mu)
    alpha, a = _check_alpha(alpha), _check_exponent(a)
    N = P.shape[0]
    n_steps, n_runs, cps, x0, X0, seeds = _check_runs(n_steps, n_runs, checkpoints, x0, X0, N, seed)
    indptr, indices, logP = transition_csr(P)
    adj_indptr, adj_indices = _empty_graph_arrays()
    x_out = np.empty((n_runs, cps.size, N))
    X_out = np.empty(n_runs, dtype=np.int64)
    _k.walk_runs(_k.WALK_SRRW, indptr, indices, logP, np.log(mu), alpha, adj_indptr, adj_indices,
                 np.cumsum(mu), a, X0, x0, n_steps, cps, seeds, x_out, X_out)
    return WalkRuns(x=x_out, checkpoints=cps, final_node=X_out, walk="srrw", alpha=alpha, a=a)


def nbrw_stationary(graph: nx.Graph) -> np.ndarray:
    """Stationary node law of the non-backtracking walk: ``d_i / 2|E|`` (degree-proportional)."""
    indptr, _ = adjacency_csr(graph)
    deg = np.diff(indptr).astype(float)
    return deg / deg.sum()


def sample_nbrw(graph: nx.Graph, n_steps: int, n_runs: int, seed: int, a: float = 1.0,
                checkpoints=None, x0=None, X0=None) -> WalkRuns:
    """Non-backtracking walk baseline (never returns along the edge it came by unless at a leaf).

    Not reversible, so it cannot be an SRRW base; its empirical measure tends to the degree law
    :func:`nbrw_stationary`, so reweight with :func:`estimate_mean` (``pi=nbrw_stationary(graph)``).
    """
    a = _check_exponent(a)
    adj_indptr, adj_indices = adjacency_csr(graph)
    N = adj_indptr.size - 1
    n_steps, n_runs, cps, x0, X0, seeds = _check_runs(n_steps, n_runs, checkpoints, x0, X0, N, seed)
    dummy_ptr, dummy_idx = np.zeros(N + 1, dtype=np.int64), np.zeros(1, dtype=np.int64)
    x_out = np.empty((n_runs, cps.size, N))
    X_out = np.empty(n_runs, dtype=np.int64)
    _k.walk_runs(_k.WALK_NBRW, dummy_ptr, dummy_idx, np.zeros(1), np.zeros(N), 0.0, adj_indptr,
                 adj_indices, np.ones(N), a, X0, x0, n_steps, cps, seeds, x_out, X_out)
    return WalkRuns(x=x_out, checkpoints=cps, final_node=X_out, walk="nbrw", alpha=0.0, a=a)


def sample_iid(mu: np.ndarray, n_steps: int, n_runs: int, seed: int, a: float = 1.0,
               checkpoints=None, x0=None) -> WalkRuns:
    """i.i.d. draws from ``mu`` ("random jumper"), with the same empirical-measure recursion."""
    a = _check_exponent(a)
    mu = np.asarray(mu, dtype=float)
    N = mu.shape[0] if mu.ndim == 1 else 0
    mu = _check_interior(mu, N, "mu")
    if abs(mu.sum() - 1) > 1e-9:
        raise ModelError(f"mu must sum to 1, sums to {mu.sum()!r}")
    n_steps, n_runs, cps, x0, X0, seeds = _check_runs(n_steps, n_runs, checkpoints, x0, None, N, seed)
    dummy_ptr, dummy_idx = np.zeros(N + 1, dtype=np.int64), np.zeros(1, dtype=np.int64)
    x_out = np.empty((n_runs, cps.size, N))
    X_out = np.empty(n_runs, dtype=np.int64)
    _k.walk_runs(_k.WALK_IID, dummy_ptr, dummy_idx, np.zeros(1), np.zeros(N), 0.0, dummy_ptr,
                 dummy_idx, np.cumsum(mu), a, X0, x0, n_steps, cps, seeds, x_out, X_out)
    return WalkRuns(x=x_out, checkpoints=cps, final_node=X_out, walk="iid", alpha=0.0, a=a)


def estimate_mean(x: np.ndarray, f: np.ndarray, mu: np.ndarray | None = None,
                  pi: np.ndarray | None = None) -> np.ndarray:
    """The estimator ``psi_n = f^T x_n`` of ``mu^T f`` along the last axis of ``x``.

    When the walk's stationary law ``pi`` differs from the target ``mu`` (NBRW), the self-normalised
    importance-weighted ratio ``sum_i x_i (mu_i/pi_i) f_i / sum_i x_i (mu_i/pi_i)`` is returned.
    """
    x = np.asarray(x, dtype=float)
    f = np.asarray(f, dtype=float)
    if f.shape != x.shape[-1:]:
        raise ModelError(f"f must have shape {x.shape[-1:]}, got {f.shape}")
    if pi is None:
        return x @ f
    if mu is None:
        raise ModelError("estimate_mean: pass mu together with pi for the reweighted estimator")
    w = np.asarray(mu, dtype=float) / np.asarray(pi, dtype=float)
    return (x @ (w * f)) / (x @ w)
