"""UCRL2's regret upper bound and the minimax lower bound of Jaksch, Ortner & Auer (2010), as data.

T. Jaksch, R. Ortner, P. Auer, "Near-optimal Regret Bounds for Reinforcement Learning", JMLR 11 (2010)
1563-1600, bibkey ``jaksch2010`` (no arXiv version).  Learner: ``algorithms/ucrl2.py``.  Note:
``docs/theory/jaksch2010.md``.

* ``jaksch2010.ucrl2_regret``: for any communicating MDP with ``S`` states, ``A`` actions and diameter ``D``,
  any initial state and any ``T > 1``, with probability at least ``1 - delta`` the regret of UCRL2 (run with
  confidence ``delta``) after ``T`` steps is at most ``34 D S sqrt(A T log(T / delta))`` (Theorem 2).  The
  regret there is ``T rho* - sum_t r_t`` with realised rewards; mdplab measures the pseudo-regret
  ``T J* - sum_t rbar(s_t, a_t)`` (equal in expectation; with rewards observed as their means, equal).
* ``jaksch2010.lower_bound``: for any algorithm and any ``S, A >= 10``, ``D >= 20 log_A S`` and ``T >= D S A``
  there is an MDP with ``S`` states, ``A`` actions and diameter ``D`` on which the expected regret after
  ``T`` steps is at least ``0.015 sqrt(D S A T)`` (Theorem 5).  An existence statement: a scenario can only
  check it on the paper's hard family, for the learner it runs.

Provenance: the upper bound's form and constant are RECONSTRUCTED (our reading of Theorem 2, matching the
widely quoted statement; the paper's text was not retrievable by our search tools).  The lower bound's
statement (conditions and constant) is taken from a third-party formalisation that quotes Theorem 5
(RECONSTRUCTED: not read in the paper itself); that source also reports that the proof in Sec. 6 only
supports a constant of about 0.0039 (``D' k A' <= D S A / 16``), see the note.  Deviations: none.
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

D = sp.Symbol("D", positive=True)
S = sp.Symbol("S", integer=True, positive=True)
A = sp.Symbol("A", integer=True, positive=True)
T = sp.Symbol("T", positive=True)
delta = sp.Symbol("delta", positive=True)

_SRC = dict(bibkey="jaksch2010", arxiv=None, version=None)

UCRL2_REGRET = register_bound(Bound(
    name="jaksch2010.ucrl2_regret",
    quantity="pseudo-regret T J* - sum_t rbar(s_t, a_t) of UCRL2 (confidence delta) after T steps, w.p. >= 1 - delta",
    measured_by="algorithms.ucrl2.run_ucrl2",
    expr=34 * D * S * sp.sqrt(A * T * sp.log(T / delta)),
    relation="<=",
    symbols=(D, S, A, T, delta),
    conditions=(T > 1, delta < 1),
    source=Source(**_SRC, theorem="Thm. 2", provenance="reconstructed",
                  theory="docs/theory/jaksch2010.md#ucrl2_regret"),
    notes="holds with probability >= 1 - delta; the log is natural",
))

LOWER_BOUND = register_bound(Bound(
    name="jaksch2010.lower_bound",
    quantity="expected regret of any learner after T steps on some MDP with S states, A actions, diameter D",
    measured_by="algorithms.ucrl2.run_ucrl2",
    expr=sp.Rational(15, 1000) * sp.sqrt(D * S * A * T),
    relation=">=",
    symbols=(D, S, A, T),
    conditions=(S >= 10, A >= 10, D >= 20 * sp.log(S) / sp.log(A), T >= D * S * A),
    source=Source(**_SRC, theorem="Thm. 5", provenance="reconstructed",
                  theory="docs/theory/jaksch2010.md#lower_bound"),
    notes="existence statement over MDPs; the proof supports a smaller constant (see the note)",
))
