"""Deprecated: the chain tools moved to :mod:`mdplab.chains` (issue 14); this module re-exports them.

The named graph instances (``named_graph``, ``toy_graph_g8``, ``grid_graph``, ``G8_EDGES``) moved to the
instance library ``scenarios.instances.graphs`` and are not re-exported here: the core never imports
``scenarios``. See CHANGELOG.md.
"""
from __future__ import annotations

import warnings

from .chains import (
    ChainSpectrum,
    adjacency_csr,
    adjacency_matrix,
    chain_asymptotic_covariance,
    check_reversible_chain,
    check_transition_matrix,
    iid_covariance,
    is_reversible,
    lazy_chain,
    lyapunov_solution,
    metropolis_hastings_chain,
    simple_random_walk,
    spectral_decomposition,
    stationary_distribution,
    total_variation,
    transition_csr,
)

__all__ = [
    "adjacency_matrix", "check_transition_matrix", "metropolis_hastings_chain", "simple_random_walk",
    "lazy_chain", "stationary_distribution", "is_reversible", "ChainSpectrum", "check_reversible_chain",
    "spectral_decomposition", "chain_asymptotic_covariance", "iid_covariance", "lyapunov_solution",
    "total_variation", "transition_csr", "adjacency_csr",
]

warnings.warn("mdplab.graphs is deprecated: import the chain tools from mdplab.chains and the named graphs "
              "from scenarios.instances.graphs", DeprecationWarning, stacklevel=2)
