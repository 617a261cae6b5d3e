"""Reversible-chain layer (mdplab.chains) and graph instances (scenarios.instances.graphs): oracles are
closed forms, brute-force series and the spec's [D] numbers (../shared/papers/martingale_and_srrw.md, B4.2)."""
from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mdplab import chains
from mdplab.errors import ModelError
from scenarios.instances import graphs as instances

TOL = 1e-10  # rounding of dense eigen-decompositions at N <= 40


def _random_connected(n: int, seed: int) -> nx.Graph:
    rng = np.random.default_rng(seed)
    g = nx.random_labeled_tree(n, seed=int(rng.integers(2**31))) if hasattr(nx, "random_labeled_tree") \
        else nx.random_tree(n, seed=int(rng.integers(2**31)))
    for _ in range(n):
        i, j = rng.integers(0, n, size=2)
        if i != j:
            g.add_edge(int(i), int(j))
    return g


def test_g8_spectrum_matches_spec():
    # spec B4.2 [D]: G8 MHRW uniform spectrum
    P = chains.metropolis_hastings_chain(instances.toy_graph_g8())
    lam = chains.spectral_decomposition(P, np.full(8, 1 / 8)).lambdas
    np.testing.assert_allclose(lam, [1, 0.8978, 0.4432, 0, -0.1099, -0.3333, -0.5645, -0.6667], atol=5e-5)


def test_karate_spectrum_matches_spec():
    # spec B4.2 [D]: karate MHRW uniform, lambda_2 = 0.96650, lambda_min = -0.27428, tr U_b = tr V(0) = 8.335436
    g = instances.named_graph("karate")
    assert (g.number_of_nodes(), g.number_of_edges()) == (34, 78)
    P = chains.metropolis_hastings_chain(g)
    mu = np.full(34, 1 / 34)
    lam = chains.spectral_decomposition(P, mu).lambdas
    assert lam[1] == pytest.approx(0.96650, abs=5e-6) and lam[-1] == pytest.approx(-0.27428, abs=5e-6)
    assert np.trace(chains.chain_asymptotic_covariance(P, mu)) == pytest.approx(8.335436, abs=5e-7)
    assert np.trace(chains.iid_covariance(mu)) == pytest.approx(0.970588, abs=5e-7)


@given(n=st.integers(3, 12), seed=st.integers(0, 10_000), uniform=st.booleans())
def test_mhrw_reversible_stationary_and_mu_orthonormal(n, seed, uniform):
    g = _random_connected(n, seed)
    mu = np.full(n, 1 / n) if uniform else np.random.default_rng(seed).dirichlet(np.ones(n)) * 0.9 + 0.1 / n
    P = chains.metropolis_hastings_chain(g, mu)
    assert chains.is_reversible(P, mu)
    np.testing.assert_allclose(chains.stationary_distribution(P), mu, atol=TOL)
    adj = chains.adjacency_matrix(g)
    assert np.all(P[(adj == 0) & ~np.eye(n, dtype=bool)] == 0)      # support: edges and self-loops
    P = chains.lazy_chain(P, 0.1)   # MHRW on a regular bipartite graph (e.g. a 4-cycle) is periodic
    spec = chains.spectral_decomposition(P, mu)
    np.testing.assert_allclose(spec.left.T @ spec.right, np.eye(n), atol=TOL)
    np.testing.assert_allclose(spec.right.T @ np.diag(mu) @ spec.right, np.eye(n), atol=TOL)
    np.testing.assert_allclose(spec.left[:, 0], mu, atol=TOL)
    np.testing.assert_allclose(spec.left.T @ P, spec.lambdas[:, None] * spec.left.T, atol=TOL)
    np.testing.assert_allclose(spec.left @ spec.right.T, np.eye(n), atol=TOL)


@pytest.mark.parametrize("name", ["g8", "karate", "florentine", "petersen"])
def test_chain_covariance_equals_autocovariance_series(name):
    # U_b = Gamma_0 + sum_{k>=1} (Gamma_k + Gamma_k^T), Gamma_k = D_mu P^k - mu mu^T (brute-force series).
    g = instances.named_graph(name)
    P = chains.lazy_chain(chains.metropolis_hastings_chain(g), 0.5)  # lazy: fast geometric decay
    n = P.shape[0]
    mu = np.full(n, 1 / n)
    D, mm = np.diag(mu), np.outer(mu, mu)
    total, Pk = D - mm, np.eye(n)
    for _ in range(4000):
        Pk = Pk @ P
        G = D @ Pk - mm
        total += G + G.T
    np.testing.assert_allclose(chains.chain_asymptotic_covariance(P, mu), total, atol=1e-9)


def test_mhrw_on_four_cycle_is_periodic():
    P = chains.metropolis_hastings_chain(nx.cycle_graph(4))
    with pytest.raises(ModelError, match="periodic"):
        chains.spectral_decomposition(P, np.full(4, 0.25))


def test_simple_random_walk_degree_law_and_periodic_grid():
    P, mu = chains.simple_random_walk(instances.named_graph("karate"))
    assert chains.is_reversible(P, mu)
    np.testing.assert_allclose(mu, chains.stationary_distribution(P), atol=TOL)
    Pg, mug = chains.simple_random_walk(instances.grid_graph(3, 4))
    with pytest.raises(ModelError, match="periodic"):
        chains.spectral_decomposition(Pg, mug)
    lam = chains.spectral_decomposition(chains.lazy_chain(Pg), mug).lambdas
    assert lam[-1] > -1 + 1e-6


def test_lyapunov_solution_matches_integral():
    rng = np.random.default_rng(0)
    A = -np.eye(3) * 2 + 0.3 * rng.standard_normal((3, 3))
    Q = np.eye(3)
    V = chains.lyapunov_solution(A, Q)
    np.testing.assert_allclose(A @ V + V @ A.T + Q, 0, atol=1e-12)
    with pytest.raises(ModelError, match="Hurwitz"):
        chains.lyapunov_solution(np.eye(2), np.eye(2))


def test_errors_name_the_problem():
    with pytest.raises(ModelError, match="not bundled"):
        instances.named_graph("wiki-Vote")
    with pytest.raises(ModelError, match="unknown graph"):
        instances.named_graph("nope")
    g = nx.Graph([(0, 1), (2, 3)])
    with pytest.raises(ModelError, match="not connected"):
        chains.metropolis_hastings_chain(g)
    P = chains.metropolis_hastings_chain(instances.toy_graph_g8())
    with pytest.raises(ModelError, match="not reversible"):
        chains.spectral_decomposition(P, np.r_[0.3, np.full(7, 0.1)])
    with pytest.raises(ModelError, match="strictly positive"):
        chains.metropolis_hastings_chain(instances.toy_graph_g8(), np.r_[0.0, np.full(7, 1 / 7)])
    with pytest.raises(ModelError, match="row-stochastic"):
        chains.check_transition_matrix(np.array([[0.5, 0.6], [0.5, 0.5]]))
    with pytest.raises(ModelError, match="grid"):
        instances.grid_graph(1, 1)


def test_grid_and_csr_layout():
    g = instances.grid_graph(3, 3)
    assert g.number_of_nodes() == 9 and g.number_of_edges() == 12
    P = chains.metropolis_hastings_chain(g)
    indptr, indices, logP = chains.transition_csr(P)
    dense = np.zeros_like(P)
    for i in range(9):
        dense[i, indices[indptr[i]:indptr[i + 1]]] = np.exp(logP[indptr[i]:indptr[i + 1]])
    np.testing.assert_allclose(dense, P, atol=1e-15)
    np.testing.assert_allclose(chains.total_variation(np.eye(9)[0], np.full(9, 1 / 9)), 8 / 9)


def test_deprecated_graphs_module_reexports_the_chain_tools_only(monkeypatch):
    """``mdplab.graphs`` (before issue 14) warns and re-exports :mod:`mdplab.chains`; the named graphs moved to
    ``scenarios.instances.graphs`` (the core never imports scenarios), see CHANGELOG.md."""
    import importlib
    import sys

    monkeypatch.delitem(sys.modules, "mdplab.graphs", raising=False)
    with pytest.warns(DeprecationWarning, match="mdplab.chains"):
        old = importlib.import_module("mdplab.graphs")
    assert set(old.__all__) == set(chains.__all__)
    assert all(getattr(old, name) is getattr(chains, name) for name in chains.__all__)
    assert not hasattr(old, "named_graph")
