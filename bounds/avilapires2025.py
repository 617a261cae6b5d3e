"""Guarantees of stock-augmented distributional DP: Avila Pires, Rowland, Borsa, Guo, Khetarpal,
Barreto, Abel, Munos & Dabney (2025), "Optimizing Return Distributions with Distributional Dynamic
Programming", JMLR, arXiv:2501.13028v2 (bibkey ``avilapires2025``).

The paper's body (theorem statements and constants) was NOT read: the paper states geometric rates of this form for its class
under (M), (S_gamma) and a Lipschitz assumption in a supremum-Wasserstein-type metric [R].  The bounds below are our
expected-utility versions, derived in ``docs/theory/avilapires2025.md`` [D] and checked numerically, so every
Source is ``provenance="derived"``:

* ``avilapires2025.dvi_error``: ``sup_{s,c} |F_K(eta_k) - F*| <= gamma^k L W_0`` with
  ``W_0 = wbar_1(eta_0, eta*)`` (``<= R_max/(1 - gamma)`` from ``eta_0 = delta_0``).
* ``avilapires2025.dvi_greedy_suboptimality``: ``0 <= F* - F_K(eta^{pi_k}) <= 2 gamma^(k+1) L W_0/(1 - gamma)``.
* ``avilapires2025.dpi_monotone``: ``min_{k, s, c} (F_K(eta^{pi_{k+1}}) - F_K(eta^{pi_k})) >= 0``.
* ``avilapires2025.dp_exact``: the DP optimum equals the value attained by executing its
  read-off stock policy and the brute-force optimum over history-dependent policies: gap ``<= 0``.

Deviations: the paper's own constants may differ ([R]); these are our [D] forms.
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

gamma = sp.Symbol("gamma", positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
L = sp.Symbol("L", nonnegative=True)            # Lipschitz constant of f (w_1)
W0 = sp.Symbol("W0", nonnegative=True)          # wbar_1(eta_0, eta*)

_SRC = dict(bibkey="avilapires2025", arxiv="2501.13028", version="v2", provenance="derived")

DVI_ERROR = register_bound(Bound(
    name="avilapires2025.dvi_error",
    quantity="sup over (s, c) of |F_K(eta_k) - F*| after k steps of stock-augmented distributional VI from eta_0",
    measured_by="algorithms.distributional.distributional_value_iteration",
    expr=gamma**k * L * W0,
    relation="<=",
    symbols=(gamma, k, L, W0),
    conditions=(gamma < 1,),
    source=Source(**_SRC, theorem=None,
                  theory="docs/theory/avilapires2025.md#dvi_error"),
    notes="Proof (docs/theory/avilapires2025.md): U_k = F_K(eta_k) follows the scalar recursion B, a gamma-contraction for "
          "degree-1 homogeneous f; |U_0 - F*| <= L W_0.",
))

DVI_GREEDY = register_bound(Bound(
    name="avilapires2025.dvi_greedy_suboptimality",
    quantity="sup over (s, c) of F* - F_K(eta^{pi_k}) for the greedy policy pi_k = G_K(eta_k)",
    measured_by="algorithms.distributional.evaluate_stock_policy",
    expr=2 * gamma**(k + 1) * L * W0 / (1 - gamma),
    relation="<=",
    symbols=(gamma, k, L, W0),
    conditions=(gamma < 1,),
    source=Source(**_SRC, theorem=None,
                  theory="docs/theory/avilapires2025.md#dvi_greedy_suboptimality"),
))

DPI_MONOTONE = register_bound(Bound(
    name="avilapires2025.dpi_monotone",
    quantity="least improvement min over k, s, c of F_K(eta^{pi_{k+1}}) - F_K(eta^{pi_k}) in distributional PI",
    measured_by="algorithms.distributional.distributional_policy_iteration",
    expr=sp.Integer(0),
    relation=">=",
    symbols=(gamma,),
    conditions=(gamma < 1,),
    source=Source(**_SRC, theorem=None,
                  theory="docs/theory/avilapires2025.md#dpi_monotone"),
))

DP_EXACT = register_bound(Bound(
    name="avilapires2025.dp_exact",
    quantity="|DP optimum - value of the oracle| (executed read-off stock policy, or brute force over "
             "history-dependent policies) for an objective in the class (M) + (S_gamma)",
    measured_by="algorithms.distributional.stock_backward_induction",
    expr=sp.Integer(0),
    relation="<=",
    symbols=(gamma,),
    conditions=(gamma <= 1,),
    source=Source(**_SRC, theorem=None,
                  theory="docs/theory/avilapires2025.md#dp_exact"),
))
