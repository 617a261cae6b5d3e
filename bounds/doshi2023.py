"""Self-repellent random walk sampling guarantees, as data.

Doshi, V., Hu, J. & Eun, D. Y. (2023). "Self-Repellent Random Walks on General Graphs -- Achieving
Minimal Sampling Variance via Nonlinear Markov Chains." ICML 2023 (PMLR 202:8403-8423), arXiv
2305.05097v1 (bibkey ``doshi2023``). Statements and derivations: ``docs/theory/doshi2023.md``.

The paper's object is the CLT covariance ``V(alpha) = sum_{i>=2} (1+lambda_i)/((1-lambda_i)(2 alpha
(1+lambda_i) + 1)) u_i u_i^T`` of ``sqrt(n)(x_n - mu)`` ([V] through the authors' ICML'25
follow-up), computed by ``algorithms.srrw.asymptotic_covariance``. A matrix is not a scalar
inequality, so it enters here through the scalar statements a scenario can check:

* ``doshi2023.clt_variance`` -- the CLT itself, as a Monte Carlo agreement statement: over ``R``
  independent runs, ``|gamma_n^{-1} Var(f^T x_n) / (f^T V f) - 1| <= z sqrt(2/R) + delta``
  (``sqrt(2/R)``: standard error of a normal sample variance; ``z``: the normal quantile of the stated
  confidence; ``delta``: finite-n allowance, a scenario parameter). Formula [V]; this way of checking
  it is ours.
* ``doshi2023.variance_alpha_envelope`` -- ``V(alpha) = O(1/alpha)`` ([V]) with an explicit constant:
  mode-wise ``(1+l)/((1-l)(2 alpha (1+l) + 1)) <= 1/(2 alpha (1-l))``, so
  ``tr V(alpha) <= c / (2 alpha)`` with ``c = sum_{i>=2} ||u_i||^2 / (1 - lambda_i)``, and likewise
  ``f^T V(alpha) f <= c_f / (2 alpha)`` with ``c_f = sum_{i>=2} (f^T u_i)^2 / (1 - lambda_i)`` (derived
  here; also holds for ``a < 1``). Log-log slope in alpha: -1.
* ``doshi2023.loewner_monotone`` -- ``V(alpha_2) <= V(alpha_1)`` for ``alpha_2 >= alpha_1`` ([V]),
  stated as ``lambda_max(V(alpha_2) - V(alpha_1)) <= 0``.
* ``doshi2023.beats_iid`` -- ``V(alpha) <= D_mu - mu mu^T`` iff ``alpha >= alpha_crit =
  max_{i>=2, lambda_i>0} lambda_i / (1 - lambda_i^2)`` (SRRW can beat i.i.d. sampling: [V] via the
  ICML'25 follow-up; the threshold is [D], derived by us), stated as
  ``lambda_max(V(alpha) - (D_mu - mu mu^T)) <= 0`` under the condition ``alpha >= alpha_crit``.
* ``doshi2023.tvd_rate`` -- ``x_n -> mu`` a.s. ([V]); with the sqrt(n) CLT,
  ``E TVD(x_n, mu) <= C n^{-1/2}`` for large n (rate derived from the CLT; ``C`` unknown, never fitted:
  only the slope is checked).

Deviations: the paper's theorem numbers are not quoted (full text not retrieved);
all statements are for ``gamma_n = 1/(n+1)`` (``a = 1``) unless noted.
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

alpha = sp.Symbol("alpha", positive=True)
alpha1 = sp.Symbol("alpha1", nonnegative=True)
alpha2 = sp.Symbol("alpha2", nonnegative=True)
alpha_crit = sp.Symbol("alpha_crit", nonnegative=True)
R = sp.Symbol("R", integer=True, positive=True)          # independent runs
z = sp.Symbol("z", positive=True)                          # normal quantile of the stated confidence
delta = sp.Symbol("delta", nonnegative=True)               # finite-n allowance
c = sp.Symbol("c", positive=True)                          # sum_{i>=2} ||u_i||^2 / (1 - lambda_i)
n = sp.Symbol("n", positive=True)
C = sp.Symbol("C", positive=True)                          # unknown constant of the TVD rate

_ARXIV = dict(bibkey="doshi2023", arxiv="2305.05097", version="v1")

CLT_VARIANCE = register_bound(Bound(
    name="doshi2023.clt_variance",
    quantity="relative deviation |gamma_n^{-1} Var_R(f^T x_n) / (f^T V(alpha) f) - 1| of the variance of "
             "the SRRW estimator over R runs from the CLT variance",
    measured_by="algorithms.srrw.sample_srrw",
    expr=z * sp.sqrt(2 / R) + delta,
    relation="<=",
    symbols=(R, z, delta),
    source=Source(**_ARXIV, theorem=None, provenance="verified",
                  theory="docs/theory/doshi2023.md#clt_variance"),
    notes="The CLT formula is verified; the z sqrt(2/R) + delta acceptance rule is our Monte Carlo statement.",
))

VARIANCE_ALPHA_ENVELOPE = register_bound(Bound(
    name="doshi2023.variance_alpha_envelope",
    quantity="tr V(alpha), trace of the SRRW CLT covariance (or f^T V(alpha) f, with c = c_f := "
             "sum_{i>=2} (f^T u_i)^2 / (1 - lambda_i))",
    measured_by="algorithms.srrw.asymptotic_covariance",
    expr=c / (2 * alpha),
    relation="<=",
    symbols=(alpha, c),
    source=Source(**_ARXIV, theorem=None, provenance="derived",
                  theory="docs/theory/doshi2023.md#variance_alpha_envelope"),
))

LOEWNER_MONOTONE = register_bound(Bound(
    name="doshi2023.loewner_monotone",
    quantity="lambda_max(V(alpha2) - V(alpha1)) for alpha2 >= alpha1",
    measured_by="algorithms.srrw.asymptotic_covariance",
    expr=sp.Integer(0),
    relation="<=",
    symbols=(alpha1, alpha2),
    conditions=(alpha2 >= alpha1,),
    source=Source(**_ARXIV, theorem=None, provenance="verified",
                  theory="docs/theory/doshi2023.md#loewner_monotone"),
))

BEATS_IID = register_bound(Bound(
    name="doshi2023.beats_iid",
    quantity="lambda_max(V(alpha) - (D_mu - mu mu^T)): SRRW covariance minus i.i.d. sampling covariance",
    measured_by="algorithms.srrw.asymptotic_covariance",
    expr=sp.Integer(0),
    relation="<=",
    symbols=(alpha, alpha_crit),
    conditions=(alpha >= alpha_crit,),
    source=Source(**_ARXIV, theorem=None, provenance="derived",
                  theory="docs/theory/doshi2023.md#beats_iid"),
))

TVD_RATE = register_bound(Bound(
    name="doshi2023.tvd_rate",
    quantity="E TVD(x_n, mu) = E 1/2 ||x_n - mu||_1 of the SRRW empirical measure (gamma_n = 1/(n+1))",
    measured_by="algorithms.srrw.sample_srrw",
    expr=C * n ** sp.Rational(-1, 2),
    relation="<=",
    symbols=(n,),
    constants=(C,),
    source=Source(**_ARXIV, theorem=None, provenance="derived",
                  theory="docs/theory/doshi2023.md#tvd_rate"),
))
