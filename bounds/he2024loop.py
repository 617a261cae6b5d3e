"""LOOP's regret and low-switching guarantees, and the invariants of our instantiations, as data.

J. He, H. Zhong, Z. Yang, "Sample-efficient Learning of Infinite-horizon Average-reward MDPs with General
Function Approximation", ICLR 2024, arXiv:2404.12648, bibkey ``he2024loop``.  Learners:
``algorithms/loop/``.  Note: ``docs/theory/he2024loop.md``.

* ``he2024loop.regret``: with probability ``1 - delta``, ``Reg(T) <= C sp d^(3/2) sqrt(T log(T/delta))``
  (the main theorem specialised to a ``d``-dimensional class; the abstract states
  ``O~(poly(d, sp(V*)) sqrt(T beta))``).  ``C`` is an unknown constant: only the exponent in ``T`` (1/2,
  as ``T`` grows) is ever checked, never the constant.
* ``he2024loop.switches_doubling``: count-doubling updates: at most ``S A (1 + log2 T)`` updates in ``T``
  steps (derived, deterministic: each pair triggers at counts ``0 -> 1``, then each doubling).
* ``he2024loop.switches_det``: determinant-doubling updates with ``Lambda_0 = lam I``, ``||x|| <= L``: at
  most ``d log2(1 + T L^2 / (lam d))`` updates (derived, deterministic: ``det`` at least doubles at each
  update and ``det(Lambda_T) <= (lam + T L^2 / d)^d``).
* ``he2024loop.optimism``: the probability that some update's optimistic gain falls below ``J*`` is at
  most ``delta`` (on the event that the truth lies in every confidence set; derived).
* ``he2024loop.coverage``: the probability that the true model lies outside the confidence set at some
  update is at most ``delta`` (tabular sets: UCRL2's concentration argument; derived).
* ``he2024loop.span``: every planned value has ``sp(V_f) <= B`` (the hypothesis class's constraint).

Provenance: the regret bound's form is RECONSTRUCTED (abstract verified, explicit form and numbering not
read); the switch bounds, optimism and span statements are DERIVED for our instantiations (note).
Deviations: our tabular and linear-mixture instantiations use rectangular/relaxed confidence sets (see
``algorithms/loop``); the guarantee that applies to them is UCRL2/SCAL-type in its constants, with the
same exponent in ``T``.
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

T = sp.Symbol("T", positive=True)
S = sp.Symbol("S", integer=True, positive=True)
A = sp.Symbol("A", integer=True, positive=True)
d = sp.Symbol("d", integer=True, positive=True)
sp_v = sp.Symbol("sp", positive=True)
delta = sp.Symbol("delta", positive=True)
lam = sp.Symbol("lam", positive=True)
L = sp.Symbol("L", positive=True)
B = sp.Symbol("B", nonnegative=True)
C = sp.Symbol("C", positive=True)

_SRC = dict(bibkey="he2024loop", arxiv="2404.12648", version=None)

REGRET = register_bound(Bound(
    name="he2024loop.regret",
    quantity="gain regret sum_t (J* - J^{pi_t}(s_t)) of LOOP after T steps, w.p. >= 1 - delta",
    measured_by="algorithms.loop.run_loop",
    expr=C * sp_v * d ** sp.Rational(3, 2) * sp.sqrt(T * sp.log(T / delta)),
    relation="<=",
    symbols=(sp_v, d, T, delta),
    constants=(C,),
    conditions=(T > 1, delta < 1),
    source=Source(**_SRC, theorem=None, provenance="reconstructed",
                  theory="docs/theory/he2024loop.md#regret"),
    notes="the main theorem (its number not read); only the exponent in T is checked (unknown constant C; the "
          "poly(d, sp) factor is not verified)",
))

SWITCHES_DOUBLING = register_bound(Bound(
    name="he2024loop.switches_doubling",
    quantity="number of updates (re-plans after the first) of LOOP with count doubling in T steps",
    measured_by="algorithms.loop.run_loop",
    expr=S * A * (1 + sp.log(T) / sp.log(2)),
    relation="<=",
    symbols=(S, A, T),
    conditions=(T >= 1,),
    source=Source(**_SRC, theorem=None, provenance="derived", theory="docs/theory/he2024loop.md#switches_doubling"),
    notes="deterministic; a + b log T with b = S A / log 2",
))

SWITCHES_DET = register_bound(Bound(
    name="he2024loop.switches_det",
    quantity="number of updates of linear-mixture LOOP with determinant doubling in T steps",
    measured_by="algorithms.loop.run_loop_lm",
    expr=d * sp.log(1 + T * L ** 2 / (lam * d)) / sp.log(2),
    relation="<=",
    symbols=(d, T, L, lam),
    conditions=(T >= 1,),
    source=Source(**_SRC, theorem=None, provenance="derived", theory="docs/theory/he2024loop.md#switches_det"),
    notes="deterministic; b = d / log 2",
))

OPTIMISM = register_bound(Bound(
    name="he2024loop.optimism",
    quantity="indicator that some update of a run has optimistic gain (upper end of its bracket) below J*",
    measured_by="algorithms.loop.run_loop",
    expr=delta,
    relation="<=",
    symbols=(delta,),
    conditions=(delta < 1,),
    source=Source(**_SRC, theorem=None, provenance="derived", theory="docs/theory/he2024loop.md#optimism"),
    notes="a probability bound: the expected indicator is <= delta; checked per run (stricter)",
))

COVERAGE = register_bound(Bound(
    name="he2024loop.coverage",
    quantity="indicator that the true model lies outside the confidence set at some update of a run",
    measured_by="algorithms.loop.run_loop",
    expr=delta,
    relation="<=",
    symbols=(delta,),
    conditions=(delta < 1,),
    source=Source(**_SRC, theorem=None, provenance="derived", theory="docs/theory/he2024loop.md#coverage"),
    notes="a probability bound (UCRL2's concentration for the tabular sets); checked per run (stricter)",
))

SPAN = register_bound(Bound(
    name="he2024loop.span",
    quantity="largest span sp(V_f) of a planned value over the updates of a run",
    measured_by="algorithms.loop.run_loop",
    expr=B,
    relation="<=",
    symbols=(B,),
    source=Source(**_SRC, theorem=None, provenance="derived", theory="docs/theory/he2024loop.md#span"),
    notes="holds by construction of the clipped planner (convex combinations of vectors of span <= B)",
))
