"""Reversible Markov chains on graphs: the generic layer under random-walk sampling.

A connected undirected graph (a ``networkx.Graph``) on nodes ``0..N-1``; a target distribution ``mu`` in the
interior of the simplex; a chain ``P`` (N x N, row-stochastic) that is irreducible, aperiodic and
*reversible* w.r.t. ``mu`` (``mu_i P_ij = mu_j P_ji``), with ``P_ij > 0`` only on edges or self-loops.
Its spectrum ``1 = lambda_1 > lambda_2 >= ... >= lambda_N > -1`` comes from the symmetric matrix
``S = D_mu^{1/2} P D_mu^{-1/2} = sum_i lambda_i w_i w_i^T``; left eigenvectors ``u_i = D_mu^{1/2} w_i``
(so ``u_1 = mu``) and right eigenvectors ``v_i = D_mu^{-1/2} w_i`` (``v_1 = 1``) satisfy
``u_i^T v_j = delta_ij`` ("mu-orthonormal": ``v_i^T D_mu v_j = delta_ij``).  Notation as in Doshi, Hu &
Eun (2023, ICML, arXiv 2305.05097), who build the self-repellent walk on these chains.

The asymptotic covariance of the empirical measure of a chain, ``sqrt(n)(x_n - mu) => N(0, U_b)``,
is ``U_b = sum_{i>=2} (1 + lambda_i)/(1 - lambda_i) u_i u_i^T``; i.i.d. sampling from ``mu`` gives
``D_mu - mu mu^T = sum_{i>=2} u_i u_i^T``.

Chains: :func:`metropolis_hastings_chain` (to any target ``mu``), :func:`simple_random_walk`,
:func:`lazy_chain`; laws and spectra: :func:`stationary_distribution`, :func:`is_reversible`,
:func:`spectral_decomposition`, :func:`chain_asymptotic_covariance`, :func:`iid_covariance`,
:func:`lyapunov_solution`, :func:`total_variation`; row-compressed supports for walk kernels:
:func:`transition_csr`, :func:`adjacency_csr`.

Everything here is generic (no paper-specific algorithm, no named graph): named graph instances are
in the instance library ``scenarios/instances/graphs.py``, the self-repellent walk built on top of
this module in ``algorithms/srrw/``.
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.linalg

from .errors import ModelError

__all__ = [
    "adjacency_matrix", "check_transition_matrix", "metropolis_hastings_chain", "simple_random_walk",
    "lazy_chain", "stationary_distribution", "is_reversible", "ChainSpectrum", "check_reversible_chain",
    "spectral_decomposition", "chain_asymptotic_covariance", "iid_covariance", "lyapunov_solution",
    "total_variation", "transition_csr", "adjacency_csr",
]


def adjacency_matrix(graph: nx.Graph) -> np.ndarray:
    """Dense 0/1 adjacency of a connected undirected graph without self-loops (node order sorted).

    Edge weights are ignored: the walks here are on the unweighted graph.
    """
    if not isinstance(graph, nx.Graph) or graph.is_directed():
        raise ModelError("graph must be an undirected networkx.Graph")
    if graph.number_of_nodes() < 2:
        raise ModelError(f"graph must have at least 2 nodes, has {graph.number_of_nodes()}")
    if not nx.is_connected(graph):
        raise ModelError("graph is not connected: take the largest connected component first "
                         "(graph.subgraph(max(nx.connected_components(graph), key=len)))")
    try:
        nodes = sorted(graph.nodes())
    except TypeError:
        kinds = sorted({type(v).__name__ for v in graph.nodes()})
        raise ModelError(f"graph node labels must be mutually comparable (they fix the state order); found labels "
                         f"of types {', '.join(kinds)}: relabel first, e.g. nx.convert_node_labels_to_integers(graph)"
                         ) from None
    adj = nx.to_numpy_array(graph, nodelist=nodes, weight=None, dtype=float)
    np.fill_diagonal(adj, 0.0)
    return (adj > 0).astype(float)


def _check_distribution(mu: np.ndarray, n: int, name: str = "mu") -> np.ndarray:
    mu = np.asarray(mu, dtype=float)
    if mu.shape != (n,):
        raise ModelError(f"{name} must have shape ({n},), got {mu.shape}")
    if not np.all(np.isfinite(mu)) or np.any(mu <= 0):
        bad = int(np.flatnonzero(~(np.isfinite(mu) & (mu > 0)))[0])
        raise ModelError(f"{name} must be strictly positive and finite (interior of the simplex); "
                         f"{name}[{bad}] = {mu[bad]}")
    if abs(mu.sum() - 1.0) > 1e-9:
        raise ModelError(f"{name} must sum to 1, sums to {mu.sum()!r}")
    return mu


def check_transition_matrix(P: np.ndarray, name: str = "P") -> np.ndarray:
    """Validate a dense row-stochastic matrix and return it as a float array."""
    P = np.asarray(P, dtype=float)
    if P.ndim != 2 or P.shape[0] != P.shape[1] or P.shape[0] < 2:
        raise ModelError(f"{name} must be a square N x N matrix with N >= 2, got shape {P.shape}")
    if not np.all(np.isfinite(P)):
        raise ModelError(f"{name} has non-finite entries")
    if np.any(P < 0):
        i, j = np.argwhere(P < 0)[0]
        raise ModelError(f"{name}[{i}, {j}] = {P[i, j]} is negative")
    rows = P.sum(axis=1)
    bad = np.flatnonzero(np.abs(rows - 1.0) > 1e-9)
    if bad.size:
        raise ModelError(f"{name} is not row-stochastic: row {bad[0]} sums to {rows[bad[0]]!r}")
    return P


def metropolis_hastings_chain(graph: nx.Graph, mu: np.ndarray | None = None) -> np.ndarray:
    """Metropolis-Hastings random walk to the target ``mu`` (uniform when None), proposal = SRW.

    ``P_ij = (1/d_i) min(1, mu_j d_i / (mu_i d_j))`` for neighbours ``j``, ``P_ii = 1 - sum_j P_ij``;
    for uniform ``mu`` this is ``min(1/d_i, 1/d_j)``. Reversible w.r.t. ``mu``.
    """
    adj = adjacency_matrix(graph)
    n = adj.shape[0]
    mu = np.full(n, 1.0 / n) if mu is None else _check_distribution(mu, n)
    deg = adj.sum(axis=1)
    ratio = (mu[None, :] * deg[:, None]) / (mu[:, None] * deg[None, :])
    P = adj / deg[:, None] * np.minimum(1.0, ratio)
    P[np.diag_indices(n)] = 0.0
    P[np.diag_indices(n)] = np.clip(1.0 - P.sum(axis=1), 0.0, None)
    return P


def simple_random_walk(graph: nx.Graph) -> tuple[np.ndarray, np.ndarray]:
    """Simple random walk ``P_ij = 1/d_i`` on edges; returns ``(P, mu)`` with ``mu_i = d_i / 2|E|``.

    Periodic on bipartite graphs (eigenvalue -1): wrap it with :func:`lazy_chain` there.
    """
    adj = adjacency_matrix(graph)
    deg = adj.sum(axis=1)
    return adj / deg[:, None], deg / deg.sum()


def lazy_chain(P: np.ndarray, laziness: float = 0.5) -> np.ndarray:
    """``laziness I + (1 - laziness) P``: same stationary law and reversibility, spectrum in (-1, 1]."""
    P = check_transition_matrix(P)
    if not 0.0 < laziness < 1.0:
        raise ModelError(f"laziness must lie in (0, 1), got {laziness}")
    return laziness * np.eye(P.shape[0]) + (1.0 - laziness) * P


def stationary_distribution(P: np.ndarray) -> np.ndarray:
    """The stationary law of an irreducible chain (left Perron vector, normalised).

    A reducible chain (more than one communicating class) has no single stationary law to return (several
    closed classes) or one with zeros (transient states): :class:`~mdplab.errors.NotApplicableError` naming
    the classes, checked on the graph of ``P > 0`` before any solve."""
    from scipy.sparse.csgraph import connected_components

    from .errors import NotApplicableError

    P = check_transition_matrix(P)
    n = P.shape[0]
    n_classes, label = connected_components(P > 0, directed=True, connection="strong")
    if n_classes > 1:
        classes = [np.flatnonzero(label == k).tolist() for k in range(n_classes)]
        shown = "; ".join(str(c if len(c) <= 8 else c[:8] + ["..."]) for c in classes[:5])
        raise NotApplicableError(f"chain is reducible: {n_classes} communicating classes ({shown}"
                                 f"{'; ...' if n_classes > 5 else ''}), so it has no unique positive stationary law; "
                                 f"restrict P to one closed class")
    # Solve mu^T (P - I) = 0, 1^T mu = 1 in the least-squares sense (exact for irreducible P).
    A = np.vstack([P.T - np.eye(n), np.ones((1, n))])
    rhs = np.zeros(n + 1)
    rhs[-1] = 1.0
    mu = np.linalg.lstsq(A, rhs, rcond=None)[0]
    if np.any(mu <= 0):
        raise ModelError("chain is not irreducible: its stationary law has a zero entry")
    return mu / mu.sum()


def is_reversible(P: np.ndarray, mu: np.ndarray, atol: float = 1e-12) -> bool:
    """Detailed balance ``mu_i P_ij == mu_j P_ji`` for all ``i, j`` (absolute tolerance ``atol``)."""
    P = check_transition_matrix(P)
    mu = _check_distribution(mu, P.shape[0])
    flow = mu[:, None] * P
    return bool(np.max(np.abs(flow - flow.T)) <= atol)


@dataclass(frozen=True)
class ChainSpectrum:
    """Spectral data of a reversible chain, eigenvalues sorted descending (``lambdas[0] == 1``).

    ``left[:, i] = u_i`` (``u_0 = mu``), ``right[:, i] = v_i`` (``v_0 = 1``), ``left.T @ right = I``.
    """
    lambdas: np.ndarray
    left: np.ndarray
    right: np.ndarray


def check_reversible_chain(P: np.ndarray, mu: np.ndarray, atol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Validate ``P`` (row-stochastic, reversible w.r.t. ``mu``); return both as float arrays."""
    P = check_transition_matrix(P)
    mu = _check_distribution(mu, P.shape[0])
    flow = mu[:, None] * P
    gap = np.abs(flow - flow.T)
    if gap.max() > atol:
        i, j = np.unravel_index(np.argmax(gap), gap.shape)
        raise ModelError(f"P is not reversible w.r.t. mu: mu[{i}] P[{i},{j}] - mu[{j}] P[{j},{i}] = "
                         f"{flow[i, j] - flow[j, i]:.3e}")
    return P, mu


def spectral_decomposition(P: np.ndarray, mu: np.ndarray) -> ChainSpectrum:
    """Eigen-decomposition of a reversible chain through ``S = D_mu^{1/2} P D_mu^{-1/2}``.

    Raises :class:`ModelError` if ``P`` is not reversible w.r.t. ``mu``, reducible (``lambda_2 = 1``)
    or periodic (``lambda_N = -1``).
    """
    P, mu = check_reversible_chain(P, mu)
    root = np.sqrt(mu)
    S = root[:, None] * P / root[None, :]
    S = 0.5 * (S + S.T)
    lambdas, W = np.linalg.eigh(S)
    order = np.argsort(lambdas)[::-1]
    lambdas, W = lambdas[order], W[:, order]
    # The Perron vector of S is sqrt(mu); fix it exactly (eigh returns it up to sign and rounding).
    W[:, 0] = root
    if lambdas[1] > 1.0 - 1e-10:
        raise ModelError(f"chain is reducible: lambda_2 = {lambdas[1]!r}")
    if lambdas[-1] < -1.0 + 1e-10:
        raise ModelError(f"chain is periodic: lambda_N = {lambdas[-1]!r}; use lazy_chain(P) or a "
                         "Metropolis-Hastings chain with self-loops")
    lambdas[0] = 1.0
    return ChainSpectrum(lambdas=lambdas, left=root[:, None] * W, right=W / root[:, None])


def chain_asymptotic_covariance(P: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """``U_b = sum_{i>=2} (1 + lambda_i)/(1 - lambda_i) u_i u_i^T``: CLT covariance of the empirical
    measure of the base chain, ``sqrt(n)(x_n - mu) => N(0, U_b)``."""
    spec = spectral_decomposition(P, mu)
    lam, U = spec.lambdas[1:], spec.left[:, 1:]
    return (U * ((1.0 + lam) / (1.0 - lam))) @ U.T


def iid_covariance(mu: np.ndarray) -> np.ndarray:
    """``D_mu - mu mu^T``: covariance of one draw of ``delta_X`` with ``X ~ mu`` (i.i.d. sampling)."""
    mu = np.asarray(mu, dtype=float)
    mu = _check_distribution(mu, mu.shape[0] if mu.ndim == 1 else -1)
    return np.diag(mu) - np.outer(mu, mu)


def lyapunov_solution(A: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """The ``V`` with ``A V + V A^T + Q = 0`` (``= int_0^inf e^{tA} Q e^{tA^T} dt`` for Hurwitz ``A``).

    Raises :class:`ModelError` when ``A`` is not Hurwitz (the integral diverges).
    """
    A = np.asarray(A, dtype=float)
    Q = np.asarray(Q, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or Q.shape != A.shape:
        raise ModelError(f"lyapunov_solution: A and Q must be square of the same shape, got {A.shape}, {Q.shape}")
    top = np.max(np.linalg.eigvals(A).real)
    if top >= 0:
        raise ModelError(f"lyapunov_solution: A is not Hurwitz (max real eigenvalue {top:.3e})")
    V = scipy.linalg.solve_continuous_lyapunov(A, -Q)
    return 0.5 * (V + V.T)


def total_variation(x: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """``TVD(x, mu) = 1/2 ||x - mu||_1`` along the last axis (``x`` may be batched)."""
    return 0.5 * np.abs(np.asarray(x, dtype=float) - np.asarray(mu, dtype=float)).sum(axis=-1)


def transition_csr(P: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-compressed support of ``P`` for the walk kernels: ``(indptr, indices, log P)`` (int64,
    int64, float64), self-loops included where ``P_ii > 0``, neighbours in increasing order."""
    P = check_transition_matrix(P)
    rows, cols = np.nonzero(P > 0)
    indptr = np.zeros(P.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=P.shape[0]), out=indptr[1:])
    return indptr, cols.astype(np.int64), np.log(P[rows, cols])


def adjacency_csr(graph: nx.Graph) -> tuple[np.ndarray, np.ndarray]:
    """Row-compressed adjacency ``(indptr, indices)`` (int64) of a connected undirected graph."""
    adj = adjacency_matrix(graph)
    rows, cols = np.nonzero(adj)
    indptr = np.zeros(adj.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=adj.shape[0]), out=indptr[1:])
    return indptr, cols.astype(np.int64)
