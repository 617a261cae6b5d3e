"""Variance-reduced Halpern iteration: oracle complexity of Algorithm 1 (cocoercive finite sums).

Cai, Alacaoglu & Diakonikolas, "Variance Reduced Halpern Iteration for Finite-Sum Monotone Inclusions",
ICLR 2024, arXiv:2310.02987v2 (bibkey ``cai2024``).  Only the abstract, reviews and official scripts were
readable: the structure is reliable, the constants are not ([R]). Statements, conditions and provenance:
``docs/theory/cai2024.md``.

Implements, as :class:`bounds.core.Bound` data:

* ``cai2024.alg1_epochs``: expected epochs (oracle calls / n) of Algorithm 1 to reach
  ``E||F(u)|| <= eps``: ``<= C (log n + L D / (sqrt(n) eps))`` (abstract: ``O~(n + sqrt(n) L D / eps)``
  calls [V]; the ``log n`` is the warm-up of the full-pass schedule [D]).  ``C`` is an
  unknown constant: only the exponent ``-1/2`` in ``n`` in the regime ``sqrt(n) << L D / eps`` is
  checked (the advantage over deterministic Halpern, whose epochs ``~ L_F D / eps`` do not depend on n).
* ``cai2024.alg1_epochs_dominant``: the same bound without the warm-up term, ``C L D / (sqrt(n) eps)``
  (a pure power of ``n``, for rate checks; ``hides`` records the dropped ``log n``).

* ``cai2024.vr_advantage``: ratio of deterministic Halpern's epochs-to-eps to Algorithm 1's,
  ``>= c sqrt(n) L_F / L`` in the regime where both bounds are attained (the reviews [V]: "the gain is the
  factor sqrt(n) L_F / L"); ``c`` unknown; exponent ``+1/2`` in ``n`` at fixed ``L_F / L``.

Provenance: reconstructed (constants unknown).  Deviations: none.
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

n = sp.Symbol("n", integer=True, positive=True)
L = sp.Symbol("L", positive=True)
D = sp.Symbol("D", nonnegative=True)
eps = sp.Symbol("eps", positive=True)
C = sp.Symbol("C", positive=True)

_SRC = dict(bibkey="cai2024", arxiv="2310.02987", version="v2")

ALG1_EPOCHS = register_bound(Bound(
    name="cai2024.alg1_epochs",
    quantity="expected epochs (calls/n) of Algorithm 1 until ||F(u_i)|| <= eps (exact F, monitored)",
    measured_by="algorithms.vr_halpern.vr_halpern",
    expr=C * (sp.log(n) + L * D / (sp.sqrt(n) * eps)), relation="<=", symbols=(n, L, D, eps), constants=(C,),
    source=Source(**_SRC, theorem=None, provenance="reconstructed",
                  theory="docs/theory/cai2024.md#alg1_epochs"),
))

ALG1_EPOCHS_DOMINANT = register_bound(Bound(
    name="cai2024.alg1_epochs_dominant",
    quantity="expected epochs of Algorithm 1 until ||F(u_i)|| <= eps, regime sqrt(n) << L D / eps",
    measured_by="algorithms.vr_halpern.vr_halpern",
    expr=C * L * D / (sp.sqrt(n) * eps), relation="<=", symbols=(n, L, D, eps), constants=(C,),
    hides=(sp.log(n),),
    source=Source(**_SRC, theorem=None, provenance="reconstructed",
                  theory="docs/theory/cai2024.md#alg1_epochs_dominant"),
))

L_F = sp.Symbol("L_F", positive=True)
c = sp.Symbol("c", positive=True)

VR_ADVANTAGE = register_bound(Bound(
    name="cai2024.vr_advantage",
    quantity="epochs-to-eps of deterministic Halpern (eta = 1/L_F) divided by those of Algorithm 1 (eta = 1/L)",
    measured_by="algorithms.vr_halpern.vr_halpern",
    expr=c * sp.sqrt(n) * L_F / L, relation=">=", symbols=(n, L_F, L), constants=(c,),
    source=Source(**_SRC, theorem=None, provenance="reconstructed",
                  theory="docs/theory/cai2024.md#vr_advantage"),
))
