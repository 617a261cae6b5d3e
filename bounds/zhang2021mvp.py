"""MVP's horizon-free regret bound as data.

Z. Zhang, X. Ji, S. S. Du, "Is Reinforcement Learning More Difficult Than Bandits? A Near-optimal
Algorithm Escaping the Curse of Horizon", COLT 2021, arXiv:2009.13503 (v2), bibkey ``zhang2021mvp``
(``zhang2023rfe`` is another paper).  Learner: ``algorithms/mvp.py``.  Note: ``docs/theory/zhang2021mvp.md``.

* ``zhang2021mvp.mvp_regret``: with total reward at most 1 per episode,
  ``Regret(K) <= C1 sqrt(S A K) iota^p1 + C2 S^2 A iota^p2`` with ``iota = ln(S A H K / delta)``; the abstract
  states ``O((sqrt(SAK) + S^2 A) polylog(SAHK))``.  The bound depends on ``H`` only through the log:
  its exponent in ``H`` tends to 0 (horizon-free), which is what a rate-in-``H`` check tests.

Provenance: the form is verified (abstract); the log powers ``p1 = 1``, ``p2 = 2`` chosen here are a
reconstruction (the abstract says only "polylog"), and the theorem number is not asserted.
Deviations: none.
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

H = sp.Symbol("H", integer=True, positive=True)
S = sp.Symbol("S", integer=True, positive=True)
A = sp.Symbol("A", integer=True, positive=True)
K = sp.Symbol("K", integer=True, positive=True)
delta = sp.Symbol("delta", positive=True)
C1, C2 = sp.Symbol("C1", positive=True), sp.Symbol("C2", positive=True)
iota = sp.log(S * A * H * K / delta)

MVP_REGRET = register_bound(Bound(
    name="zhang2021mvp.mvp_regret",
    quantity="exact cumulative regret of MVP after K episodes (total reward <= 1 per episode)",
    measured_by="algorithms.mvp.run_mvp",
    expr=C1 * sp.sqrt(S * A * K) * iota + C2 * S ** 2 * A * iota ** 2,
    relation="<=",
    symbols=(H, S, A, K, delta),
    constants=(C1, C2),
    conditions=(delta < 1,),
    hides=(iota,),
    source=Source(bibkey="zhang2021mvp", arxiv="2009.13503", version="v2",
                  theorem="main regret theorem (abstract: O((sqrt(SAK) + S^2 A) polylog(SAHK)))",
                  provenance="reconstructed", theory="docs/theory/zhang2021mvp.md#mvp_regret"),
))
