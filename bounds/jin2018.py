"""Regret bounds of Q-learning with UCB exploration, as data.

C. Jin, Z. Allen-Zhu, S. Bubeck, M. I. Jordan, "Is Q-learning Provably Efficient?", NeurIPS 2018,
arXiv:1807.03765 (v1), bibkey ``jin2018``.  Learners: ``algorithms/q_learning_ucb.py``.  Note:
``docs/theory/jin2018.md``.

* ``jin2018.q_ucb_hoeffding_regret``: ``Regret(K) <= C1 sqrt(H^4 S A T iota)``, ``T = K H``,
  ``iota = ln(S A T / delta)`` (Thm 1, Hoeffding bonus);
* ``jin2018.q_ucb_bernstein_regret``: ``Regret(K) <= C1 sqrt(H^3 S A T iota) + C2 sqrt(H^9 S^3 A^3) iota^2``
  (Thm 2; the abstract's ``O~(sqrt(H^3 S A T))``).

Provenance: the Bernstein rate ``O~(sqrt(H^3 SAT))`` is verified (abstract); the Hoeffding rate, the
lower-order term and the theorem numbers are reconstructed.  Deviations: none.
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
T = K * H
iota = sp.log(S * A * T / delta)

_SRC = dict(bibkey="jin2018", arxiv="1807.03765", version="v1")

Q_UCB_HOEFFDING_REGRET = register_bound(Bound(
    name="jin2018.q_ucb_hoeffding_regret",
    quantity="exact cumulative regret of Q-learning with UCB-Hoeffding after K episodes",
    measured_by="algorithms.q_learning_ucb.run_q_ucb_hoeffding",
    expr=C1 * sp.sqrt(H ** 4 * S * A * T * iota),
    relation="<=",
    symbols=(H, S, A, K, delta),
    constants=(C1,),
    conditions=(delta < 1,),
    hides=(iota,),
    source=Source(**_SRC, theorem="Thm 1", provenance="reconstructed",
                  theory="docs/theory/jin2018.md#q_ucb_hoeffding_regret"),
))

Q_UCB_BERNSTEIN_REGRET = register_bound(Bound(
    name="jin2018.q_ucb_bernstein_regret",
    quantity="exact cumulative regret of Q-learning with UCB-Bernstein after K episodes",
    measured_by="algorithms.q_learning_ucb.run_q_ucb_bernstein",
    expr=C1 * sp.sqrt(H ** 3 * S * A * T * iota) + C2 * sp.sqrt(H ** 9 * S ** 3 * A ** 3) * iota ** 2,
    relation="<=",
    symbols=(H, S, A, K, delta),
    constants=(C1, C2),
    conditions=(delta < 1,),
    hides=(iota,),
    source=Source(**_SRC, theorem="Thm 2 (abstract: O~(sqrt(H^3 SAT)))", provenance="reconstructed",
                  theory="docs/theory/jin2018.md#q_ucb_bernstein_regret"),
))
