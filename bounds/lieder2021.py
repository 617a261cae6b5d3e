"""Halpern iteration's exact last-iterate rate.

Lieder, "On the convergence rate of the Halpern-iteration", Optimization Letters 15 (2021), 405-418
(bibkey ``lieder2021``; no arXiv id), restated in ``docs/theory/lieder2021.md``.

Implements, as :class:`bounds.core.Bound` data:

* ``lieder2021.halpern_residual``: for ``T`` nonexpansive in a Hilbert space with a fixed point ``x*`` and
  the anchor ``beta_k = 1/(k+2)``, ``||x_k - T x_k|| <= 2 ||x_0 - x*|| / (k+1)`` for all ``k >= 0``
  (Lieder 2021, Thm. 2.1; [V]).  Tight: the 90-degree rotation of the plane attains ratio
  1.000 ([D]; exactly optimal among span methods by Park & Ryu 2022).
* ``lieder2021.halpern_cocoercive``: its corollary for ``T = I - (2/L) F`` with ``F`` (1/L)-cocoercive,
  ``||F(u_k)|| <= L ||u_0 - u*|| / (k+1)`` ([D], ``docs/theory/lieder2021.md``).

Provenance: statement verified; the cocoercive corollary is derived (one line).
Deviations: none.  Not for sup-norm (Bellman) operators, whose constants differ.
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

k = sp.Symbol("k", integer=True, nonnegative=True)
D = sp.Symbol("D", nonnegative=True)       # ||x_0 - x*||
L = sp.Symbol("L", positive=True)          # cocoercivity constant

HALPERN_RESIDUAL = register_bound(Bound(
    name="lieder2021.halpern_residual",
    quantity="fixed-point residual ||x_k - T x_k|| of Halpern's iterate (beta_k = 1/(k+2)), T nonexpansive",
    measured_by="algorithms.halpern.halpern_iteration",
    expr=2 * D / (k + 1),
    relation="<=",
    symbols=(k, D),
    source=Source("lieder2021", None, None, theorem="Thm. 2.1", provenance="verified",
                  theory="docs/theory/lieder2021.md#halpern_residual"),
    notes="tight on the planar 90-degree rotation [D]",
))

HALPERN_COCOERCIVE = register_bound(Bound(
    name="lieder2021.halpern_cocoercive",
    quantity="operator norm ||F(u_k)|| of Halpern on T = I - (2/L) F, F (1/L)-cocoercive",
    measured_by="algorithms.halpern.halpern_cocoercive",
    expr=L * D / (k + 1),
    relation="<=",
    symbols=(k, D, L),
    source=Source("lieder2021", None, None, theorem="Thm. 2.1", provenance="derived",
                  theory="docs/theory/lieder2021.md#halpern_cocoercive"),
))
