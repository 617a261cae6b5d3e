"""Ergodic gap bounds of extragradient (Euclidean Mirror-Prox) and entropic Mirror-Prox on matrix games.

Nemirovski, "Prox-Method with Rate of Convergence O(1/t) for Variational Inequalities with Lipschitz
Continuous Monotone Operators and Smooth Convex-Concave Saddle Point Problems", SIAM J. Optim. 15(1),
2004 (bibkey ``nemirovski2004``; no arXiv id).  Specialised by us to matrix games
(derivations: ``docs/theory/nemirovski2004.md``).

Implements, as :class:`bounds.core.Bound` data, for ``min_{x in simplex_n} max_{y in simplex_m} y^T A x``
and the duality gap of the averaged midpoints after ``T`` iterations:

* ``nemirovski2004.eg_gap``: Euclidean (extragradient), step ``eta <= 1/||A||_2``, uniform start:
  ``gap <= Dmax / (2 eta T)`` with ``Dmax = max_u ||z_0 - u||^2 = (1 - 1/n) + (1 - 1/m)`` [D].
* ``nemirovski2004.entropic_gap``: entropic, step ``1/max|A_ij|``: ``gap <= max|A_ij| (ln n + ln m) / T`` [D].

Provenance: derived (Nemirovski 2004, Thm. 3.2, specialised to these geometries in ``docs/theory/nemirovski2004.md``).
Deviations: none.
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

T = sp.Symbol("T", integer=True, positive=True)
eta = sp.Symbol("eta", positive=True)
Dmax = sp.Symbol("Dmax", nonnegative=True)
Amax = sp.Symbol("Amax", nonnegative=True)
n = sp.Symbol("n", integer=True, positive=True)
m = sp.Symbol("m", integer=True, positive=True)

_SRC = dict(bibkey="nemirovski2004", arxiv=None, version=None)

EG_GAP = register_bound(Bound(
    name="nemirovski2004.eg_gap",
    quantity="duality gap of the averaged extragradient midpoints on a matrix game after T iterations",
    measured_by="algorithms.extragradient.extragradient",
    expr=Dmax / (2 * eta * T), relation="<=", symbols=(T, eta, Dmax),
    source=Source(**_SRC, theorem="Thm. 3.2", provenance="derived",
                  theory="docs/theory/nemirovski2004.md#eg_gap"),
))

ENTROPIC_GAP = register_bound(Bound(
    name="nemirovski2004.entropic_gap",
    quantity="duality gap of the averaged entropic Mirror-Prox midpoints on a matrix game after T iterations",
    measured_by="algorithms.mirror_prox.entropic_mirror_prox",
    expr=Amax * (sp.log(n) + sp.log(m)) / T, relation="<=", symbols=(T, Amax, n, m),
    source=Source(**_SRC, theorem="Thm. 3.2", provenance="derived",
                  theory="docs/theory/nemirovski2004.md#entropic_gap"),
))
