"""Core exact-DP guarantees from Puterman, *Markov Decision Processes: Discrete Stochastic Dynamic
Programming*, Wiley, 1994 (bibkey ``puterman1994``; a book, no arXiv id).

Implements, as :class:`bounds.core.Bound` data:

* ``puterman1994.vi_error``: value iteration contracts, ``||V_k - V*||_inf <= gamma^k ||V_0 - V*||_inf``
  (``T`` is a ``gamma``-contraction in sup norm, Prop. 6.2.4, iterated; Thm 6.3.3 states the linear
  rate ``gamma``).
* ``puterman1994.vi_stopping_policy`` and ``puterman1994.vi_stopping_values``: when value iteration
  stops at accuracy ``eps`` its greedy policy is ``eps``-optimal and its values are within ``eps/2`` of
  ``V*`` (Thm 6.3.1 for the sup-norm rule ``||v_{n+1} - v_n|| < eps (1 - gamma) / (2 gamma)``; mdplab's
  ``value_iteration`` stops on the MacQueen-Porteus span rule, Sec. 6.6.3, and promises the same
  two inequalities).
* ``puterman1994.pi_monotone``: policy iteration improves monotonically,
  ``V^{pi_{k+1}} >= V^{pi_k}`` componentwise (Prop. 6.4.1), stated as ``min_{k,s}(V^{pi_{k+1}} -
  V^{pi_k})(s) >= 0``.
* ``puterman1994.rvi_gain``: relative value iteration on a unichain aperiodic model, gain error
  ``|g_k - g*| <= alpha^k sp(T v_0 - v_0) / 2`` where ``g_k`` is the midpoint of
  ``[min(T v_k - v_k), max(T v_k - v_k)]`` (which contains ``g*``, Thm 8.5.5) and ``alpha`` is the
  delta (span-contraction) coefficient ``1 - min_{(s,a),(s',a')} sum_j min(p(j|s,a), p(j|s',a'))`` of
  the (aperiodicity-transformed) model, so that ``sp(T u - T v) <= alpha sp(u - v)`` (Sec. 6.6.1,
  Eq. (6.6.4), with ``lambda = 1``; Sec. 8.5.2).

Provenance (``docs/theory/puterman1994.md``): the theorem and section numbers above
are from memory: every Source is tagged ``"reconstructed"`` except the RVI rate, whose combination
(span contraction iterated, then the gain bracket) is derived here (``"derived"``; the two-line proof is
in the ``notes`` of that bound).  The inequalities themselves are textbook facts with one-line proofs.

Deviations: the VI stopping bound is stated for mdplab's span stopping rule (the solver's contract),
not the book's sup-norm rule; the RVI bound is stated with the explicit delta coefficient rather than
the book's asymptotic statement of convergence.
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

gamma = sp.Symbol("gamma", positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
e0 = sp.Symbol("e0", nonnegative=True)          # ||V_0 - V*||_inf
eps = sp.Symbol("eps", positive=True)
alpha = sp.Symbol("alpha", nonnegative=True)    # delta coefficient of the (transformed) model
sp0 = sp.Symbol("sp0", nonnegative=True)        # sp(T v_0 - v_0)

_BOOK = dict(bibkey="puterman1994", arxiv=None, version=None)

VI_ERROR = register_bound(Bound(
    name="puterman1994.vi_error",
    quantity="sup-norm error ||V_k - V*||_inf of value iteration after k sweeps from V_0",
    measured_by="mdplab.operators.bellman_backup",
    expr=gamma**k * e0,
    relation="<=",
    symbols=(gamma, k, e0),
    conditions=(gamma < 1,),
    source=Source(**_BOOK, theorem="Prop. 6.2.4, Thm. 6.3.3", provenance="reconstructed",
                  theory="docs/theory/puterman1994.md#vi_error"),
))

VI_STOPPING_POLICY = register_bound(Bound(
    name="puterman1994.vi_stopping_policy",
    quantity="suboptimality ||V* - V^pi||_inf of the greedy policy value_iteration(model, tol=eps) returns",
    measured_by="mdplab.solvers.evaluate_policy",
    expr=eps,
    relation="<=",
    symbols=(gamma, eps),
    conditions=(gamma < 1,),
    source=Source(**_BOOK, theorem="Thm. 6.3.1(c)", provenance="reconstructed",
                  theory="docs/theory/puterman1994.md#vi_stopping_policy"),
))

VI_STOPPING_VALUES = register_bound(Bound(
    name="puterman1994.vi_stopping_values",
    quantity="sup-norm error ||values - V*||_inf of the values value_iteration(model, tol=eps) returns",
    measured_by="mdplab.solvers.value_iteration",
    expr=eps / 2,
    relation="<=",
    symbols=(gamma, eps),
    conditions=(gamma < 1,),
    source=Source(**_BOOK, theorem="Thm. 6.3.1(d)", provenance="reconstructed",
                  theory="docs/theory/puterman1994.md#vi_stopping_values"),
))

PI_MONOTONE = register_bound(Bound(
    name="puterman1994.pi_monotone",
    quantity="least improvement min_{k,s} (V^{pi_{k+1}} - V^{pi_k})(s) over policy iteration's iterates",
    measured_by="mdplab.solvers.policy_iteration",
    expr=sp.Integer(0),
    relation=">=",
    symbols=(gamma,),
    conditions=(gamma < 1,),
    source=Source(**_BOOK, theorem="Prop. 6.4.1", provenance="reconstructed",
                  theory="docs/theory/puterman1994.md#pi_monotone"),
))

RVI_GAIN = register_bound(Bound(
    name="puterman1994.rvi_gain",
    quantity="gain error |g_k - g*| of relative value iteration's midpoint estimate after k + 1 sweeps",
    measured_by="mdplab.solvers.relative_value_iteration",
    expr=alpha**k * sp0 / 2,
    relation="<=",
    symbols=(alpha, k, sp0),
    conditions=(alpha <= 1,),
    source=Source(**_BOOK, theorem="Thm. 8.5.5, Eq. (6.6.4)", provenance="derived",
                  theory="docs/theory/puterman1994.md#rvi_gain"),
    notes=("Proof: Delta_k = T v_k - v_k satisfies Delta_{k+1} = T(T v_k) - T v_k (RVI subtracts constants, "
           "which T commutes with), so sp(Delta_{k+1}) <= alpha sp(Delta_k) by the span contraction; g* lies "
           "in [min Delta_k, max Delta_k], so the midpoint is within sp(Delta_k)/2 <= alpha^k sp(Delta_0)/2."),
))
