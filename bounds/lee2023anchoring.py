"""Anchored value iteration (Anc-VI): accelerated Bellman-error rates and the matching lower bound.

Lee & Ryu, "Accelerating Value Iteration with Anchoring", NeurIPS 2023, arXiv:2305.16569v2 (bibkey
``lee2023anchoring``).  The theorem text was not readable; the formulas below are our closed
forms (derivations in ``docs/theory/lee2023anchoring.md``), derived for the affine operator and checked
numerically for the optimality operator ([D]).

Implements, as :class:`bounds.core.Bound` data (``e0 = ||U^0 - U*||_inf``):

* ``lee2023anchoring.bellman_error_general``: ``||T U^k - U^k||_inf <= B_gen(gamma, k) e0`` with
  ``B_gen = gamma^k (1 - gamma^2)(1 + 2 gamma - gamma^(k+1)) / (1 - gamma^(2k+2))`` (stable form of
  ``(gamma^-1 - gamma)(1 + 2 gamma - gamma^(k+1)) / (gamma^-(k+1) - gamma^(k+1))``), ``0 < gamma < 1``.
* ``lee2023anchoring.bellman_error_refined``: the same with ``1 + gamma - gamma^(k+1)`` (``B_ref``) when
  ``U^0 <= T U^0``.
* ``lee2023anchoring.span_lower_bound``: every span-condition method has, on the deterministic chain of
  ``n >= k+2`` states (reward 1 at ``s_{n-1}``, ``U^0 = 0``), ``||T U^k - U^k||_inf >=
  gamma^k (1 - gamma) / (1 - gamma^(k+1)) e0`` (``= gamma^k / sum_{i<=k} gamma^i``); ``B_ref / LB <= 4``.
* ``lee2023anchoring.gamma_one_affine``: ``gamma = 1``, consistency operator with a fixed point,
  ``beta_k = 1/(k+1)``: ``||T U^k - U^k||_inf <= 2 d0 / (k+1)``, ``d0 = min_c ||U^0 - U* - c 1||_inf``.
* ``lee2023anchoring.gamma_one_optimality``: the optimality operator at ``gamma = 1``:
  ``<= C d0 / k`` (``k >= 1``) with ``C`` an unknown constant (recalled as ``4 d0/(k+1)`` [R]; we
  observed ``3.28 d0/(k+1)`` at worst; written with ``1/k``, a pure power, so that rate checks can use
  its exponent -1).

Provenance: ``derived`` for B_gen, B_ref, the chain lower bound and the affine gamma = 1 rate (closed
forms, ``docs/theory/lee2023anchoring.md`` [D]); ``reconstructed`` for the gamma = 1 optimality constant.
Deviations: the paper's statement of the lower bound quantifies over all span-condition methods; here it
is registered on its explicit hard instance, where it is an exact lower bound for Anc-VI.
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

gamma = sp.Symbol("gamma", positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
e0 = sp.Symbol("e0", nonnegative=True)   # ||U^0 - U*||_inf
d0 = sp.Symbol("d0", nonnegative=True)   # min_c ||U^0 - U* - c 1||_inf (gamma = 1)
C = sp.Symbol("C", positive=True)        # unknown constant of the gamma = 1 optimality-operator rate

_SRC = dict(bibkey="lee2023anchoring", arxiv="2305.16569", version="v2")

B_GEN = gamma**k * (1 - gamma**2) * (1 + 2 * gamma - gamma**(k + 1)) / (1 - gamma**(2 * k + 2))
B_REF = gamma**k * (1 - gamma**2) * (1 + gamma - gamma**(k + 1)) / (1 - gamma**(2 * k + 2))

BELLMAN_ERROR_GENERAL = register_bound(Bound(
    name="lee2023anchoring.bellman_error_general",
    quantity="Bellman error ||T U^k - U^k||_inf of Anc-VI (optimality or consistency operator)",
    measured_by="algorithms.anchored_vi.anchored_value_iteration",
    expr=B_GEN * e0, relation="<=", symbols=(gamma, k, e0),
    conditions=(gamma < 1,),
    source=Source(**_SRC, theorem=None, provenance="derived",
                  theory="docs/theory/lee2023anchoring.md#bellman_error_general"),
))

BELLMAN_ERROR_REFINED = register_bound(Bound(
    name="lee2023anchoring.bellman_error_refined",
    quantity="Bellman error ||T U^k - U^k||_inf of Anc-VI started with U^0 <= T U^0",
    measured_by="algorithms.anchored_vi.anchored_value_iteration",
    expr=B_REF * e0, relation="<=", symbols=(gamma, k, e0),
    conditions=(gamma < 1,),
    source=Source(**_SRC, theorem=None, provenance="derived",
                  theory="docs/theory/lee2023anchoring.md#bellman_error_refined"),
))

SPAN_LOWER_BOUND = register_bound(Bound(
    name="lee2023anchoring.span_lower_bound",
    quantity="Bellman error ||T U^k - U^k||_inf of a span-condition method on the deterministic hard chain",
    measured_by="algorithms.anchored_vi.anchored_value_iteration",
    expr=gamma**k * (1 - gamma) / (1 - gamma**(k + 1)) * e0, relation=">=", symbols=(gamma, k, e0),
    conditions=(gamma < 1,),
    source=Source(**_SRC, theorem=None, provenance="derived",
                  theory="docs/theory/lee2023anchoring.md#span_lower_bound"),
    notes="B_ref / LB = (1+gamma)(1+gamma-gamma^(k+1))/(1+gamma^(k+1)) <= 4: optimal up to a factor 4",
))

GAMMA_ONE_AFFINE = register_bound(Bound(
    name="lee2023anchoring.gamma_one_affine",
    quantity="Bellman error ||T^pi U^k - U^k||_inf of Anc-VI at gamma = 1 (beta_k = 1/(k+1)), fixed point exists",
    measured_by="algorithms.anchored_vi.anchored_value_iteration",
    expr=2 * d0 / (k + 1), relation="<=", symbols=(k, d0),
    source=Source(**_SRC, theorem="Sec. 3 (gamma = 1)", provenance="derived",
                  theory="docs/theory/lee2023anchoring.md#gamma_one_affine"),
))

GAMMA_ONE_OPTIMALITY = register_bound(Bound(
    name="lee2023anchoring.gamma_one_optimality",
    quantity="Bellman error ||T U^k - U^k||_inf of Anc-VI at gamma = 1, optimality operator with a fixed point",
    measured_by="algorithms.anchored_vi.anchored_value_iteration",
    expr=C * d0 / k, relation="<=", symbols=(k, d0), constants=(C,),
    conditions=(k >= 1,),
    source=Source(**_SRC, theorem="Sec. 3 (gamma = 1)", provenance="reconstructed",
                  theory="docs/theory/lee2023anchoring.md#gamma_one_optimality"),
    notes="C recalled as 4 [R]; only the O(1/k) exponent is checked",
))
