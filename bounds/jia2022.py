"""Statements of Jia & Zhou (2022) as data, with our derived closed forms.

Yanwei Jia and Xun Yu Zhou (2022), "Policy Evaluation and Temporal-Difference Learning in Continuous
Time and Space: A Martingale Approach", Journal of Machine Learning Research 23(154):1-55,
arXiv:2108.06655 (v2); bibkey ``jia2022``.  Statements, conditions, provenance and derivations:
``docs/theory/jia2022.md`` (the paper body was not retrievable; the tags are carried into
``Source.provenance``: [V] verified, [R] reconstructed, [D] derived).

Symbols: ``n = 1/dt`` (grid steps per unit time; rates are stated in ``n`` so that "decays at least as
fast as" is a slope at most the claimed one), ``kappa, sigma, beta`` of the OU instance A4.1.

Registered bounds:

* ``jia2022.discretisation_rate`` ([R]): the root of the discretised estimating equation
  (mesh ``dt``) is within ``C dt^{1/2} = C n^{-1/2}`` of the continuous-time root; ``C`` is an unknown
  constant (never fitted; only the exponent is checked).  The exponent 1/2 is a
  recollection of the paper's theorem [R]: reported, not asserted in unit tests.
* ``jia2022.first_order_bias`` ([D]): for smooth coefficients and exact state sampling
  the bias is first order, ``C1 n^{-1}`` (measured slope 1.00 in A4.1); ``C1`` unknown.
* ``jia2022.lstd_closed_form_a41`` ([D]): ``|theta_1^LSTD(dt) - THETA1_A41| <= 0`` where
  :data:`THETA1_A41` ``= dt / ((1 - e^{-2 kappa dt}) + beta dt)`` is the exact LSTD_dt fixed point (Euler TD
  increment, ``xi = phi = (x^2, 1)``, stationary sampling, exact transitions).
* ``jia2022.mstde_limit`` ([D]): the MSTDE minimiser's ``x^2`` coefficient satisfies
  ``theta_1 <= (2 kappa + beta) dt / (4 kappa)`` and tends to 0 (a flat function; the truth is
  ``1/(2 kappa + beta)``).  The inequality (not only the limit) is checked numerically by our table
  at kappa = sigma = beta = 1 (ratio 0.637 ... 0.7493 < 0.75 for dt = 0.2 ... 0.001) [D], and here by
  quadrature for kappa in {0.3, 1, 3}, beta in {0.1, 1, 5}, dt in {0.5, 0.1, 0.01, 0.001} (ratio to the
  bound 0.07 ... 0.9999, always < 1); it is not proved.
* ``jia2022.td1_ml_identity`` ([D], exact algebra): one offline TD(1) pass
  (``e_k = gamma_dt e_{k-1} + g_k dt``) minus one relative-weight martingale-loss gradient step is 0.
* ``jia2022.ml_wls`` ([V] statement, [D] weighting): the minimiser of the
  martingale loss equals the weighted least-squares fit of the returns-to-go; distance 0.

Deviations: theorem numbers are not quoted (the PDF was not read); every [D] statement is our
derivation for the mdplab scenarios, not a statement of the paper.
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

n = sp.Symbol("n", positive=True)            # grid steps per unit time, n = 1/dt
dt = sp.Symbol("dt", positive=True)
kappa = sp.Symbol("kappa", positive=True)
beta = sp.Symbol("beta", positive=True)
C = sp.Symbol("C", positive=True)            # unknown constant of the [R] rate
C1 = sp.Symbol("C1", positive=True)          # unknown constant of the [D] first-order rate

_PAPER = dict(bibkey="jia2022", arxiv="2108.06655", version="v2")

#: Exact LSTD_dt fixed point of the x^2 coefficient on the OU instance A4.1 (sympy, in dt, kappa, beta) [D].
THETA1_A41 = dt / ((1 - sp.exp(-2 * kappa * dt)) + beta * dt)
#: Its continuous-time limit, the true coefficient a = 1/(2 kappa + beta).
A_A41 = 1 / (2 * kappa + beta)

DISCRETISATION_RATE = register_bound(Bound(
    name="jia2022.discretisation_rate",
    quantity="distance between the root of the discretised estimating equation (mesh dt = 1/n) and the "
             "continuous-time root",
    measured_by="algorithms.martingale_pe.lstd",
    expr=C * n ** sp.Rational(-1, 2),
    relation="<=",
    symbols=(n,),
    constants=(C,),
    source=Source(**_PAPER, theorem=None, provenance="reconstructed",
                  theory="docs/theory/jia2022.md#discretisation_rate"),
    notes="Rate believed O(sqrt(dt)) under Lipschitz / polynomial-growth assumptions [R - confirm]. "
          "Assumptions: b, sigma Lipschitz with linear growth; r, h, J^theta, dJ/dtheta polynomial growth; "
          "J^theta in C^{1,2}; non-singular Jacobian at the root; J^theta(T, .) = h; adapted test functions.",
))

FIRST_ORDER_BIAS = register_bound(Bound(
    name="jia2022.first_order_bias",
    quantity="discretisation bias of LSTD / ML (mesh dt = 1/n) on smooth instances with exact sampling",
    measured_by="algorithms.martingale_pe.lstd",
    expr=C1 / n,
    relation="<=",
    symbols=(n,),
    constants=(C1,),
    source=Source(**_PAPER, theorem=None, provenance="derived",
                  theory="docs/theory/jia2022.md#first_order_bias"),
    notes="First-order expansion on A4.1: theta_1(dt) = a (1 + 2 kappa^2 a dt) + O(dt^2).",
))

LSTD_CLOSED_FORM_A41 = register_bound(Bound(
    name="jia2022.lstd_closed_form_a41",
    quantity="|theta_1 of exact (quadrature) LSTD_dt - dt / ((1 - e^{-2 kappa dt}) + beta dt)| on the OU instance A4.1",
    measured_by="algorithms.martingale_pe.lstd",
    expr=sp.Integer(0),
    relation="<=",
    symbols=(kappa, beta, n),
    source=Source(**_PAPER, theorem=None, provenance="derived",
                  theory="docs/theory/jia2022.md#lstd_closed_form_a41"),
    notes=f"theta_1(dt) = {THETA1_A41}; theta_2(dt) = s^2 (1 - beta theta_1) / beta, s^2 = sigma^2 / (2 kappa).",
))

MSTDE_LIMIT = register_bound(Bound(
    name="jia2022.mstde_limit",
    quantity="x^2 coefficient of the exact MSTDE minimiser on the OU instance A4.1 (features x^2, 1)",
    measured_by="algorithms.martingale_pe.mean_square_td_error_fit",
    expr=(2 * kappa + beta) / (4 * kappa * n),
    relation="<=",
    symbols=(kappa, beta, n),
    source=Source(**_PAPER, theorem=None, provenance="derived",
                  theory="docs/theory/jia2022.md#mstde_limit"),
    notes="dt * MSTDE_dt(theta) -> 1/2 E int |sigma^T d_x J^theta|^2 dt (the quadratic variation of M^theta) "
          "favours flat J^theta; the constant tends to sigma^2 / (2 kappa beta).",
))

TD1_ML_IDENTITY = register_bound(Bound(
    name="jia2022.td1_ml_identity",
    quantity="sup-norm difference between one offline TD(1) pass and one martingale-loss gradient step",
    measured_by="algorithms.martingale_pe.td_lambda_offline_pass",
    expr=sp.Integer(0),
    relation="<=",
    symbols=(n,),
    source=Source(**_PAPER, theorem=None, provenance="derived",
                  theory="docs/theory/jia2022.md#td1_ml_identity"),
))

ML_WLS = register_bound(Bound(
    name="jia2022.ml_wls",
    quantity="sup-norm distance between the martingale-loss minimiser and the weighted least-squares fit",
    measured_by="algorithms.martingale_pe.martingale_loss_fit",
    expr=sp.Integer(0),
    relation="<=",
    symbols=(n,),
    source=Source(**_PAPER, theorem=None, provenance="verified",
                  theory="docs/theory/jia2022.md#ml_wls"),
    notes="Statement [V]; the e^{-2 beta t} / unit weighting and the batch least-squares form are [D].",
))
