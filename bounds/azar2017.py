"""UCBVI regret bounds as data.

M. G. Azar, I. Osband, R. Munos, "Minimax Regret Bounds for Reinforcement Learning", ICML 2017,
arXiv:1703.05449 (v2), bibkey ``azar2017``.  Learners: ``algorithms/ucbvi.py``.  Note:
``docs/theory/azar2017.md``.

* ``azar2017.ucbvi_ch_regret``: UCBVI-CH, ``Regret(K) <= C1 H L sqrt(S A T) + C2 H^2 S^2 A L^2`` with
  ``T = K H``, ``L = ln(5 S A T / delta)``, with probability at least ``1 - delta`` (Thm 1);
* ``azar2017.ucbvi_bf_regret``: UCBVI-BF, ``Regret(K) <= C1 L sqrt(H S A T) + C2 H^2 S^2 A L^2 + C3 H sqrt(T L)``
  (Thm 2; the abstract's ``O~(sqrt(HSAT) + H^2 S^2 A + H sqrt(T))``).

For rate checks only the exponent in ``K`` matters (``1/2`` for large ``K``, up to the log in ``L``);
``C1, C2, C3`` are unknown constants (never fitted).

Provenance: the ``O~`` form of Thm 2 is from the paper's abstract (verified); the explicit shapes with
``L`` and the theorem numbers are reconstructed: the constants remembered (Thm 1: 20 and 250; Thm 2: 30, 2500
and 4, with ``L = ln(5 H S A T / delta)``) agree with a public line-by-line transcription of arXiv v2 (checked
for issue 16, ``docs/theory/azar2017.md``), but the paper's own text was not read, so they stay
"reconstructed" and are not asserted.  Deviations: none.
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

H = sp.Symbol("H", integer=True, positive=True)
S = sp.Symbol("S", integer=True, positive=True)
A = sp.Symbol("A", integer=True, positive=True)
K = sp.Symbol("K", integer=True, positive=True)
delta = sp.Symbol("delta", positive=True)
C1, C2, C3 = (sp.Symbol(n, positive=True) for n in ("C1", "C2", "C3"))
T = K * H
L = sp.log(5 * S * A * T / delta)

_SRC = dict(bibkey="azar2017", arxiv="1703.05449", version="v2")

UCBVI_CH_REGRET = register_bound(Bound(
    name="azar2017.ucbvi_ch_regret",
    quantity="exact cumulative regret sum_k mu^T (V*_0 - V^{pi_k}_0) of UCBVI-CH after K episodes",
    measured_by="algorithms.ucbvi.run_ucbvi_ch",
    expr=C1 * H * L * sp.sqrt(S * A * T) + C2 * H ** 2 * S ** 2 * A * L ** 2,
    relation="<=",
    symbols=(H, S, A, K, delta),
    constants=(C1, C2),
    conditions=(delta < 1,),
    hides=(L,),
    source=Source(**_SRC, theorem="Thm 1", provenance="reconstructed",
                  theory="docs/theory/azar2017.md#ucbvi_ch_regret"),
))

UCBVI_BF_REGRET = register_bound(Bound(
    name="azar2017.ucbvi_bf_regret",
    quantity="exact cumulative regret of UCBVI-BF after K episodes",
    measured_by="algorithms.ucbvi.run_ucbvi_bf",
    expr=C1 * L * sp.sqrt(H * S * A * T) + C2 * H ** 2 * S ** 2 * A * L ** 2 + C3 * H * sp.sqrt(T * L),
    relation="<=",
    symbols=(H, S, A, K, delta),
    constants=(C1, C2, C3),
    conditions=(delta < 1,),
    hides=(L,),
    source=Source(**_SRC, theorem="Thm 2 (abstract: O~(sqrt(HSAT) + H^2 S^2 A + H sqrt(T)))",
                  provenance="reconstructed", theory="docs/theory/azar2017.md#ucbvi_bf_regret"),
))
