"""SA-SRRW: token stochastic approximation driven by a self-repellent random walk.

Hu, J., Doshi, V. & Eun, D. Y. (2024). "Accelerating Distributed Stochastic Optimization via
Self-Repellent Random Walks." ICLR 2024 (oral), arXiv 2401.09665v1 [bibkey ``hu2024``]; the walk is
that of Doshi, Hu & Eun (2023), ICML 2023, arXiv 2305.05097v1 [``doshi2023``]. Statements and derivations:
``docs/theory/hu2024.md``.

Implements:
* the three-line loop ([V] through a third-party review): ``X_{n+1} ~ K_{X_n,.}[x_n]``;
  ``x_{n+1} = x_n + gamma_{n+1}(delta_{X_{n+1}} - x_n)``; ``theta_{n+1} = theta_n + beta_{n+1}
  H(theta_n, X_{n+1})`` with ``gamma_n = (n+1)^{-a}``, ``beta_n = (n+1)^{-b}``, ``a, b in (1/2, 1]``;
  regimes (i) ``b > a``, (ii) ``a = b``, (iii) ``a > b`` ([V] via the ICLR'24 reviews);
  optional projection of ``theta`` on a ball (the papers assume stability; [V] practice);
* problems: distributed least squares ``F_i(theta) = 1/2 ||S_i theta - y_i||^2 +
  kappa/2 ||theta||^2`` and L2-regularised logistic regression over the agents, with
  ``H(theta, i) = -w_i grad F_i(theta)``; ``w_i = 1/(N mu_i)`` (importance reweighting, [V] via the
  NeurIPS'24 follow-up) when the plain average is the target but ``mu`` is not uniform;
* baselines: ``alpha = 0`` (base chain), non-backtracking walk, i.i.d. token from ``mu``;
* the limiting covariances of ``beta_n^{-1/2}(theta_n - theta*)`` (the O(1/alpha^2)
  vs O(1/alpha) statement is [V], the explicit forms are [R]/[D]: derived by us and
  checked by simulation): with ``A = grad h(theta*) + 1/2 1{b=1} I``, ``kappa_i = alpha(1+lambda_i)+1``
  and ``L(A, Q)`` the solution of ``A V + V A^T + Q = 0``:
  (i) ``L(A, sum_{i>=2} kappa_i^{-2} (1+lambda_i)/(1-lambda_i) H^T u_i u_i^T H)``;
  (ii) theta-block of ``L(Q, B U_b B^T)``, ``Q = [[J(alpha), 0], [H^T (J(alpha) + I), grad h]] +
  1/2 1{a=b=1} I``, ``B = [I_N; H^T]``;
  (iii) ``L(A, H^T U_b H)``, independent of ``alpha``. **Regime (iii) conflict (flagged in
  ``docs/theory/hu2024.md``, not resolved here):** one ICLR'24 reviewer summarised regimes (ii) and (iii) as "O(1/alpha)";
  our derivation (theta is fast, so it sees the frozen kernel ``K[mu] = P``) and its
  simulations support alpha-independence, which is what we implement and check. Do not quote
  either as the paper's statement until someone reads the PDF.
  i.i.d. token: ``L(A, H^T (D_mu - mu mu^T) H)``.

Deviations: theorem numbers are not quoted (full text not retrieved); the ICLR'24 experiment
(ijcnn1 data on wiki-Vote) is replaced by our small-scale scenarios (B4.2, [S]);
``theta`` projection is off by default.
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from mdplab.errors import ModelError
from mdplab.chains import (
    adjacency_csr,
    chain_asymptotic_covariance,
    check_reversible_chain,
    iid_covariance,
    lyapunov_solution,
    spectral_decomposition,
    transition_csr,
)

from . import _kernels as _k
from .walk import _check_alpha, _check_exponent, _check_interior, run_seeds, srrw_jacobian

BIBKEYS = ("doshi2023", "hu2024")

__all__ = [
    "LinearProblem", "LogisticProblem", "scalar_mean_problem", "least_squares_problem",
    "logistic_problem", "regime", "covariance_regime1", "covariance_regime2", "covariance_regime3",
    "covariance_iid", "sa_covariance", "SARuns", "sa_srrw",
]


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class LinearProblem:
    """``H(theta, i) = g[i] - M[i] @ theta`` (``g`` (N, d), ``M`` (N, d, d)); ``theta* `` solves
    ``sum_i mu_i (g_i - M_i theta) = 0``. Weights are already folded into ``g`` and ``M``."""
    g: np.ndarray
    M: np.ndarray
    name: str = "linear"

    def H(self, theta: np.ndarray) -> np.ndarray:
        """``H(theta, i)`` for every agent, shape (N, d)."""
        return self.g - self.M @ np.asarray(theta, dtype=float)

    def jacobian(self, theta: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """``grad h(theta) = -sum_i mu_i M_i``."""
        return -np.einsum("i,ikl->kl", mu, self.M)

    def root(self, mu: np.ndarray) -> np.ndarray:
        """``theta*`` (exact linear solve)."""
        return np.linalg.solve(np.einsum("i,ikl->kl", mu, self.M), mu @ self.g)


@dataclass(frozen=True)
class LogisticProblem:
    """Agent ``i`` holds rows ``features[i]`` (m, d) and labels ``labels[i]`` (m,) in {0, 1}:
    ``F_i(theta) = sum_rows [log(1 + e^{s^T theta}) - y s^T theta] + kappa/2 ||theta||^2`` and
    ``H(theta, i) = -weights[i] grad F_i(theta)``."""
    features: np.ndarray
    labels: np.ndarray
    kappa: float
    weights: np.ndarray
    name: str = "logistic"

    def H(self, theta: np.ndarray) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        z = self.features @ theta                         # (N, m)
        c = 1.0 / (1.0 + np.exp(-z)) - self.labels       # sigmoid - y
        grad = np.einsum("im,imk->ik", c, self.features) + self.kappa * theta
        return -self.weights[:, None] * grad

    def jacobian(self, theta: np.ndarray, mu: np.ndarray) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        z = self.features @ theta
        s = 1.0 / (1.0 + np.exp(-z))
        curv = s * (1.0 - s)                              # (N, m)
        hess_i = np.einsum("im,imk,iml->ikl", curv, self.features, self.features)
        hess_i += self.kappa * np.eye(theta.size)[None]
        return -np.einsum("i,ikl->kl", mu * self.weights, hess_i)

    def root(self, mu: np.ndarray, tol: float = 1e-13, max_iter: int = 100) -> np.ndarray:
        """``theta*`` by Newton's method on ``h(theta) = sum_i mu_i H(theta, i)`` (strongly concave)."""
        theta = np.zeros(self.features.shape[2])
        for _ in range(max_iter):
            h = mu @ self.H(theta)
            if np.linalg.norm(h) < tol:
                return theta
            theta = theta - np.linalg.solve(self.jacobian(theta, mu), h)
        raise ModelError("LogisticProblem.root: Newton did not converge (is kappa > 0?)")


def _weights(mu: np.ndarray, reweight: bool) -> np.ndarray:
    return 1.0 / (mu.size * mu) if reweight else np.ones_like(mu)


def scalar_mean_problem(c: np.ndarray) -> LinearProblem:
    """our toy (B4.2): ``H(theta, i) = c_i - theta`` (scalar), ``theta* = mu^T c``."""
    c = np.asarray(c, dtype=float).ravel()
    return LinearProblem(g=c[:, None], M=np.ones((c.size, 1, 1)), name="scalar_mean")


def least_squares_problem(features: np.ndarray, targets: np.ndarray, mu: np.ndarray,
                          kappa: float = 0.0, reweight: bool = True) -> LinearProblem:
    """Distributed least squares: agent ``i`` holds ``S_i = features[i]`` (m, d), ``y_i = targets[i]``;
    ``H(theta, i) = -w_i (S_i^T (S_i theta - y_i) + kappa theta)`` with ``w_i = 1/(N mu_i)`` when
    ``reweight`` (then ``theta*`` minimises the plain average of the ``F_i`` whatever ``mu``)."""
    S = np.asarray(features, dtype=float)
    y = np.asarray(targets, dtype=float)
    if S.ndim != 3 or y.shape != S.shape[:2]:
        raise ModelError(f"features must be (N, m, d) and targets (N, m); got {S.shape}, {y.shape}")
    mu = np.asarray(mu, dtype=float)
    if mu.shape != (S.shape[0],):
        raise ModelError(f"mu must have shape ({S.shape[0]},), got {mu.shape}")
    w = _weights(mu, reweight)
    M = np.einsum("imk,iml->ikl", S, S) + kappa * np.eye(S.shape[2])[None]
    g = np.einsum("imk,im->ik", S, y)
    return LinearProblem(g=w[:, None] * g, M=w[:, None, None] * M, name="least_squares")


def logistic_problem(features: np.ndarray, labels: np.ndarray, mu: np.ndarray, kappa: float = 1.0,
                     reweight: bool = True) -> LogisticProblem:
    """L2-regularised logistic regression over the agents (``kappa = 1`` there)."""
    S = np.asarray(features, dtype=float)
    y = np.asarray(labels, dtype=float)
    if S.ndim == 2:
        S, y = S[:, None, :], y.reshape(-1, 1)
    if S.ndim != 3 or y.shape != S.shape[:2]:
        raise ModelError(f"features must be (N, m, d) or (N, d), labels (N, m) or (N,); got {S.shape}, {y.shape}")
    if np.any((y != 0) & (y != 1)):
        raise ModelError("labels must be 0 or 1")
    if not kappa > 0:
        raise ModelError(f"kappa must be > 0 (strong convexity), got {kappa}")
    mu = np.asarray(mu, dtype=float)
    if mu.shape != (S.shape[0],):
        raise ModelError(f"mu must have shape ({S.shape[0]},), got {mu.shape}")
    return LogisticProblem(features=np.ascontiguousarray(S), labels=np.ascontiguousarray(y),
                           kappa=float(kappa), weights=_weights(mu, reweight))


# --------------------------------------------------------------------------- theory (docs/theory/hu2024.md)


def regime(a: float, b: float) -> int:
    """1 if ``beta_n = o(gamma_n)`` (b > a), 2 if ``a == b``, 3 if ``gamma_n = o(beta_n)`` (a > b)."""
    a, b = _check_exponent(a, "a"), _check_exponent(b, "b")
    return 1 if b > a else (2 if a == b else 3)


def _theory_inputs(P, mu, H, grad_h):
    P, mu = check_reversible_chain(P, mu)
    H = np.asarray(H, dtype=float)
    if H.ndim == 1:
        H = H[:, None]
    grad_h = np.atleast_2d(np.asarray(grad_h, dtype=float))
    if H.shape[0] != P.shape[0] or grad_h.shape != (H.shape[1], H.shape[1]):
        raise ModelError(f"H must be (N, d) = ({P.shape[0]}, d) and grad_h (d, d); got {H.shape}, {grad_h.shape}")
    return P, mu, H, grad_h


def _theta_drift(grad_h: np.ndarray, b: float) -> np.ndarray:
    return grad_h + (0.5 * np.eye(grad_h.shape[0]) if b == 1.0 else 0.0)  # A = grad h + 1/2 1{b=1} I


def covariance_regime1(P, mu, alpha: float, H, grad_h, b: float) -> np.ndarray:
    """Regime (i), ``beta_n = o(gamma_n)``: ``L(A, sum_{i>=2} kappa_i^{-2} (1+l_i)/(1-l_i) H^T u_i u_i^T H)``
    ([D]); O(1/alpha^2)."""
    P, mu, H, grad_h = _theory_inputs(P, mu, H, grad_h)
    alpha, b = _check_alpha(alpha), _check_exponent(b, "b")
    spec = spectral_decomposition(P, mu)
    lam, U = spec.lambdas[1:], spec.left[:, 1:]
    kappa = alpha * (1.0 + lam) + 1.0
    HU = H.T @ U                                                   # (d, N-1)
    Q = (HU * ((1.0 + lam) / (1.0 - lam) / kappa ** 2)) @ HU.T
    return lyapunov_solution(_theta_drift(grad_h, b), Q)


def covariance_regime2(P, mu, alpha: float, H, grad_h, a: float) -> np.ndarray:
    """Regime (ii), ``beta_n = gamma_n``: theta-block of ``L(Q, B U_b B^T)`` for the joint iterate
    ``(x, theta)`` ([D]); O(1/alpha)."""
    P, mu, H, grad_h = _theory_inputs(P, mu, H, grad_h)
    alpha, a = _check_alpha(alpha), _check_exponent(a)
    N, d = H.shape
    J = srrw_jacobian(P, mu, alpha)
    Q = np.zeros((N + d, N + d))
    Q[:N, :N] = J
    Q[N:, :N] = H.T @ (J + np.eye(N))
    Q[N:, N:] = grad_h
    if a == 1.0:
        Q += 0.5 * np.eye(N + d)
    B = np.vstack([np.eye(N), H.T])
    Gamma = B @ chain_asymptotic_covariance(P, mu) @ B.T
    return lyapunov_solution(Q, Gamma)[N:, N:]


def covariance_regime3(P, mu, alpha: float, H, grad_h, b: float) -> np.ndarray:
    """Regime (iii), ``gamma_n = o(beta_n)``: ``L(A, H^T U_b H)`` ([D]) -- independent of
    ``alpha`` in our derivation (see the module docstring for the flagged conflict)."""
    P, mu, H, grad_h = _theory_inputs(P, mu, H, grad_h)
    _check_alpha(alpha)
    b = _check_exponent(b, "b")
    return lyapunov_solution(_theta_drift(grad_h, b), H.T @ chain_asymptotic_covariance(P, mu) @ H)


def covariance_iid(mu, H, grad_h, b: float) -> np.ndarray:
    """i.i.d. token from ``mu``: ``L(A, H^T (D_mu - mu mu^T) H)`` ([D])."""
    H = np.asarray(H, dtype=float)
    H = H[:, None] if H.ndim == 1 else H
    grad_h = np.atleast_2d(np.asarray(grad_h, dtype=float))
    return lyapunov_solution(_theta_drift(grad_h, _check_exponent(b, "b")), H.T @ iid_covariance(mu) @ H)


def sa_covariance(P, mu, alpha: float, H, grad_h, a: float, b: float) -> np.ndarray:
    """``V_theta(alpha)`` of ``beta_n^{-1/2}(theta_n - theta*)`` in the regime fixed by ``(a, b)``."""
    k = regime(a, b)
    if k == 1:
        return covariance_regime1(P, mu, alpha, H, grad_h, b)
    if k == 2:
        return covariance_regime2(P, mu, alpha, H, grad_h, a)
    return covariance_regime3(P, mu, alpha, H, grad_h, b)


# --------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class SARuns:
    """``theta[r, t, :]`` is ``theta_n`` of run ``r`` at step count ``checkpoints[t]``; ``x`` (R, N) the
    final empirical measures."""
    theta: np.ndarray
    checkpoints: np.ndarray
    x: np.ndarray
    walk: str
    alpha: float
    a: float
    b: float


_WALKS = {"srrw": _k.WALK_SRRW, "nbrw": _k.WALK_NBRW, "iid": _k.WALK_IID}


def sa_srrw(problem: LinearProblem | LogisticProblem, P: np.ndarray, mu: np.ndarray, alpha: float,
            a: float, b: float, n_steps: int, n_runs: int, seed: int, checkpoints=None,
            theta0=None, x0=None, X0=None, walk: str = "srrw", graph: nx.Graph | None = None,
            radius: float = np.inf) -> SARuns:
    """``n_runs`` independent SA-SRRW runs. ``walk`` picks the token's motion:
    ``"srrw"`` (``alpha = 0`` is the base chain ``P``), ``"nbrw"`` (needs ``graph``; reweight the
    problem for its degree law) or ``"iid"`` (draws from ``mu``). ``theta`` is projected on the ball
    of ``radius`` after each step (off by default)."""
    P, mu = check_reversible_chain(P, mu)
    alpha, a, b = _check_alpha(alpha), _check_exponent(a, "a"), _check_exponent(b, "b")
    if walk not in _WALKS:
        raise ModelError(f"walk must be one of {sorted(_WALKS)}, got {walk!r}")
    N = P.shape[0]
    if int(n_steps) < 1 or int(n_runs) < 1:
        raise ModelError(f"n_steps and n_runs must be >= 1, got {n_steps}, {n_runs}")
    n_steps, n_runs = int(n_steps), int(n_runs)
    cps = np.array([n_steps] if checkpoints is None else checkpoints, dtype=np.int64).ravel()
    if cps.size == 0 or np.any(np.diff(cps) <= 0) or cps[0] < 0 or cps[-1] > n_steps:
        raise ModelError(f"checkpoints must be strictly increasing step counts in [0, {n_steps}]")
    x0 = np.full(N, 1.0 / N) if x0 is None else _check_interior(x0, N, "x0")
    x0 = np.ascontiguousarray(x0 / x0.sum())
    seeds = run_seeds(seed, n_runs)
    if X0 is None:
        X0 = np.random.default_rng(seeds[0] + 1).integers(0, N, size=n_runs)
    X0 = np.broadcast_to(np.asarray(X0, dtype=np.int64), (n_runs,)).copy()
    if np.any((X0 < 0) | (X0 >= N)):
        raise ModelError(f"X0 must hold node indices in [0, {N})")
    if isinstance(problem, LinearProblem):
        g, M = np.ascontiguousarray(problem.g, dtype=float), np.ascontiguousarray(problem.M, dtype=float)
        d = g.shape[1]
        if g.shape[0] != N or M.shape != (N, d, d):
            raise ModelError(f"problem arrays must cover the N = {N} agents: g {g.shape}, M {M.shape}")
        kind, feats, labels, kappa, weights = _k.PROBLEM_LINEAR, np.zeros((1, 1, 1)), np.zeros((1, 1)), 0.0, np.ones(1)
    elif isinstance(problem, LogisticProblem):
        feats, labels = problem.features, problem.labels
        d = feats.shape[2]
        if feats.shape[0] != N:
            raise ModelError(f"problem has {feats.shape[0]} agents, the chain has {N} nodes")
        kind, g, M, kappa, weights = _k.PROBLEM_LOGISTIC, np.zeros((1, 1)), np.zeros((1, 1, 1)), problem.kappa, problem.weights
    else:
        raise ModelError(f"problem must be a LinearProblem or LogisticProblem, got {type(problem).__name__}")
    theta0 = np.zeros(d) if theta0 is None else np.asarray(theta0, dtype=float).ravel()
    if theta0.shape != (d,) or not np.all(np.isfinite(theta0)):
        raise ModelError(f"theta0 must be a finite vector of length {d}")
    if not radius > 0:
        raise ModelError(f"radius must be > 0, got {radius}")
    indptr, indices, logP = transition_csr(P)
    if walk == "nbrw":
        if graph is None:
            raise ModelError("walk='nbrw' needs the graph")
        adj_indptr, adj_indices = adjacency_csr(graph)
        if adj_indptr.size != N + 1:
            raise ModelError(f"graph has {adj_indptr.size - 1} nodes, the chain has {N}")
    else:
        adj_indptr, adj_indices = np.zeros(N + 1, dtype=np.int64), np.zeros(1, dtype=np.int64)
    theta_out = np.empty((n_runs, cps.size, d))
    x_out = np.empty((n_runs, N))
    _k.sa_walk_runs(_WALKS[walk], indptr, indices, logP, np.log(mu), alpha, adj_indptr, adj_indices,
                    np.cumsum(mu), a, b, X0, x0, theta0, n_steps, cps, seeds, kind, g, M, feats,
                    labels, float(kappa), weights, float(radius), theta_out, x_out)
    return SARuns(theta=theta_out, checkpoints=cps, x=x_out, walk=walk, alpha=alpha, a=a, b=b)
