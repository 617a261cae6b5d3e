"""SA-SRRW (token stochastic approximation on a self-repellent walk) guarantees, as data.

Hu, J., Doshi, V. & Eun, D. Y. (2024). "Accelerating Distributed Stochastic Optimization via
Self-Repellent Random Walks." ICLR 2024 (oral), arXiv 2401.09665v1 (bibkey ``hu2024``). Statements,
conditions, provenance and our derivations: ``docs/theory/hu2024.md``.

The limiting covariances ``V_theta^{(k)}(alpha)`` of ``beta_n^{-1/2}(theta_n - theta*)`` in the three
step-size regimes are computed by ``algorithms.sa_srrw`` (explicit Lyapunov forms: [R]/[D], derived by
us (``docs/theory/hu2024.md``) and validated by simulation; the papers' claim is [V]: O(1/alpha^2) in regime (i),
O(1/alpha) in regime (ii)). Scalar statements registered here:

* ``hu2024.clt_variance`` -- Monte Carlo agreement with the theory in any regime:
  ``|E_R ||theta_n - theta*||^2 / (beta_n tr V_theta) - 1| <= z sqrt(2/R) + delta`` (scalar theta; the
  CLT is [V] in form, the acceptance rule is ours, as in ``doshi2023.clt_variance``).
* ``hu2024.regime1_alpha_envelope`` -- regime (i) (``beta_n = o(gamma_n)``):
  ``tr V^{(1)}(alpha) <= c1 / alpha^2`` with ``c1 = tr L(A, sum_{i>=2} H^T u_i u_i^T H / (1 -
  lambda_i^2))`` (derived here: ``kappa_i^{-2} (1+l)/(1-l) <= 1/(alpha^2 (1 - l^2))`` and the Lyapunov
  map ``L(A, .)`` is monotone); log-log slope -2 ([V] O(1/alpha^2)).
* ``hu2024.regime2_alpha_rate`` -- regime (ii) (``beta_n = gamma_n``): ``tr V^{(2)}(alpha) <= C2 /
  alpha`` ([V] O(1/alpha); ``C2`` unknown, only the slope -1 is checked).
* ``hu2024.regime3_alpha_free`` -- regime (iii) (``gamma_n = o(beta_n)``): ``tr V^{(3)}(alpha) <=
  c3 = tr V^{(3)}(0)``, slope 0 in alpha. **Flagged conflict:** one ICLR'24 reviewer
  summarised regimes (ii) and (iii) as "only O(1/alpha)"; our derivation (theta fast, sees the
  frozen kernel ``K[mu] = P``) and its simulations support alpha-independence. Tagged ``derived``;
  do not quote it as the paper's statement before reading the PDF.
* ``hu2024.regime_ordering`` -- ``V^{(1)}(alpha) <= V^{(2)}(alpha) <= V^{(3)}(alpha)`` (Loewner, same
  ``b``; [R], mode-wise proof ours [D]), stated as
  ``max(lambda_max(V1 - V2), lambda_max(V2 - V3)) <= 0``.

Deviations: theorem numbers not quoted (full text not retrieved); the paper's wiki-Vote / ijcnn1
experiment is replaced by our toy and random instances (``scenarios/``).
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

alpha = sp.Symbol("alpha", positive=True)
R = sp.Symbol("R", integer=True, positive=True)
z = sp.Symbol("z", positive=True)
delta = sp.Symbol("delta", nonnegative=True)
c1 = sp.Symbol("c1", positive=True)
c3 = sp.Symbol("c3", positive=True)
C2 = sp.Symbol("C2", positive=True)

_ARXIV = dict(bibkey="hu2024", arxiv="2401.09665", version="v1")

CLT_VARIANCE = register_bound(Bound(
    name="hu2024.clt_variance",
    quantity="relative deviation |E_R (theta_n - theta*)^2 / (beta_n V_theta) - 1| of the SA-SRRW mean "
             "squared error over R runs from the regime's CLT variance",
    measured_by="algorithms.sa_srrw.sa_srrw",
    expr=z * sp.sqrt(2 / R) + delta,
    relation="<=",
    symbols=(R, z, delta),
    source=Source(**_ARXIV, theorem=None, provenance="derived",
                  theory="docs/theory/hu2024.md#clt_variance"),
))

REGIME1_ALPHA_ENVELOPE = register_bound(Bound(
    name="hu2024.regime1_alpha_envelope",
    quantity="tr V_theta^(1)(alpha), regime (i) beta_n = o(gamma_n)",
    measured_by="algorithms.sa_srrw.covariance_regime1",
    expr=c1 / alpha ** 2,
    relation="<=",
    symbols=(alpha, c1),
    source=Source(**_ARXIV, theorem=None, provenance="derived",
                  theory="docs/theory/hu2024.md#regime1_alpha_envelope"),
))

REGIME2_ALPHA_RATE = register_bound(Bound(
    name="hu2024.regime2_alpha_rate",
    quantity="tr V_theta^(2)(alpha), regime (ii) beta_n = gamma_n",
    measured_by="algorithms.sa_srrw.covariance_regime2",
    expr=C2 / alpha,
    relation="<=",
    symbols=(alpha,),
    constants=(C2,),
    source=Source(**_ARXIV, theorem=None, provenance="reconstructed",
                  theory="docs/theory/hu2024.md#regime2_alpha_rate"),
))

REGIME3_ALPHA_FREE = register_bound(Bound(
    name="hu2024.regime3_alpha_free",
    quantity="tr V_theta^(3)(alpha), regime (iii) gamma_n = o(beta_n)",
    measured_by="algorithms.sa_srrw.covariance_regime3",
    expr=c3,
    relation="<=",
    symbols=(alpha, c3),
    source=Source(**_ARXIV, theorem=None, provenance="derived",
                  theory="docs/theory/hu2024.md#regime3_alpha_free"),
    notes="c3 = tr V_theta^(3)(0). Flagged conflict: see the module docstring.",
))

REGIME_ORDERING = register_bound(Bound(
    name="hu2024.regime_ordering",
    quantity="max(lambda_max(V1 - V2), lambda_max(V2 - V3)) for the three regimes at the same alpha and b",
    measured_by="algorithms.sa_srrw.sa_covariance",
    expr=sp.Integer(0),
    relation="<=",
    symbols=(alpha,),
    source=Source(**_ARXIV, theorem=None, provenance="reconstructed",
                  theory="docs/theory/hu2024.md#regime_ordering"),
))
