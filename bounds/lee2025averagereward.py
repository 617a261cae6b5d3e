"""Average-reward anchored value iteration: O(1/k) Bellman error.

Lee & Ryu, "Optimal Non-Asymptotic Rates of Value Iteration for Average-Reward Markov Decision
Processes", ICLR 2025 (bibkey ``lee2025averagereward``), restated in
``docs/theory/lee2025averagereward.md`` ([V]: the full text was read).

Implements, as :class:`bounds.core.Bound` data (``h0 = min_c ||V^0 - h* - c 1||_inf``):

* ``lee2025averagereward.anc_vi_bellman``: Anc-VI with ``lambda_k = 2/(k+2)`` on a model with
  ``P_pi g* = g*`` for every ``pi`` (includes weakly communicating): ``||T V^k - V^k - g*||_inf <=
  8 h0 / (k+1)`` for ``k >= 1``.
* ``lee2025averagereward.anc_vi_bellman_rate``: the weaker ``8 h0 / k`` (implied, since ``k+1 > k``), a pure
  power of ``k`` whose exponent -1 rate checks compare with (derived).
* ``lee2025averagereward.lower_bound``: ``>= h0/(k+1)`` for every span-condition method on some
  unichain instance with ``n >= k+2`` states (Theorem 3).  Registered for reference; it is an existence
  statement, so no scenario checks it as a per-instance lower bound.

Provenance: verified [V]; the paper states ``||V^0 - h*||`` and our tests use the
smaller ``min_c`` version, which is legitimate since the iteration commutes with adding ``c 1`` to ``V^0``
up to adding a multiple of ``1`` to every iterate, leaving ``T V - V`` unchanged (derived).
Deviations: none.
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

k = sp.Symbol("k", integer=True, positive=True)
h0 = sp.Symbol("h0", nonnegative=True)

_SRC = dict(bibkey="lee2025averagereward", arxiv=None, version=None)

ANC_VI_BELLMAN = register_bound(Bound(
    name="lee2025averagereward.anc_vi_bellman",
    quantity="average-reward Bellman error ||T V^k - V^k - g*||_inf of Anc-VI (lambda_k = 2/(k+2))",
    measured_by="algorithms.anchored_vi.anchored_value_iteration",
    expr=8 * h0 / (k + 1), relation="<=", symbols=(k, h0),
    source=Source(**_SRC, theorem=None, provenance="verified",
                  theory="docs/theory/lee2025averagereward.md#anc_vi_bellman"),
))

ANC_VI_BELLMAN_RATE = register_bound(Bound(
    name="lee2025averagereward.anc_vi_bellman_rate",
    quantity="average-reward Bellman error ||T V^k - V^k - g*||_inf of Anc-VI (lambda_k = 2/(k+2))",
    measured_by="algorithms.anchored_vi.anchored_value_iteration",
    expr=8 * h0 / k, relation="<=", symbols=(k, h0),
    source=Source(**_SRC, theorem=None, provenance="derived",
                  theory="docs/theory/lee2025averagereward.md#anc_vi_bellman_rate"),
))

LOWER_BOUND = register_bound(Bound(
    name="lee2025averagereward.lower_bound",
    quantity="worst-case Bellman error ||T V^k - V^k - g*||_inf of span-condition methods (some instance)",
    measured_by="algorithms.anchored_vi.anchored_value_iteration",
    expr=h0 / (k + 1), relation=">=", symbols=(k, h0),
    source=Source(**_SRC, theorem="Thm. 3", provenance="verified",
                  theory="docs/theory/lee2025averagereward.md#lower_bound"),
))
