"""HF-UCRL-RFE++'s sample complexity, its lower bound and its certificate, as data.

J. Zhang, W. Zhang, Q. Gu, "Optimal Horizon-Free Reward-Free Exploration for Linear Mixture MDPs", ICML 2023,
arXiv:2303.10165 (v1), bibkey ``zhang2023rfe``.  Numbering: W. Zhang's 2024 UCLA thesis, ch. 2 (bibkey
``zhang2024thesis``), which contains the paper.  Explorer: ``algorithms/hf_ucrl_rfe``.  Notes:
``docs/theory/zhang2023rfe.md``.

* ``zhang2023rfe.sample_complexity`` [thesis Cor. 2.6.4]: with total reward at most 1 per episode, ``K(eps,
  delta) <= C1 d^2 eps^{-2} iota^2 + C2 d eps^{-1} iota^2`` episodes suffice for every reward at once
  (tilde-O(d^2 eps^{-2})); ``iota`` collects the logs of ``d, H, K, 1/delta``.  The constants are NOT the
  thesis's (its Cor. 2.6.4 and Eq. (2.8.60) disagree: 2752 vs 896 and missing terms), so they are symbols;
  only the exponents are checked (``d``: 2, ``eps``: -2, ``H``: 0 up to logs).
* ``zhang2023rfe.lower_bound`` [thesis Thm 2.6.8]: ``K(eps) >= c d^2 eps^{-2}`` on the hard instance (``B > 1``).
* ``zhang2023rfe.gap_upper`` [thesis Thm 2.6.3]: ``gap(K) <= C1 d^2 / K + C2 d / sqrt(K)`` (logs hidden).
* ``zhang2023rfe.horizon_window`` [Cor. 2.6.4's H-exponent 0, with logs]: not a bound of the paper but the
  acceptance window ``[-0.1, 0.2]`` for the log-log slope of episodes-to-eps in ``H`` (0 from the theorem,
  up to about 0.2 from ``iota^2``'s local slope ``2/iota`` at the budgets run), written as a power law with
  exponent 0.05 so that ``bounds.checkers.check_rate`` can use it: with ``slope_atol = a`` and
  ``max_ci_width = w``, a PASS implies the CI lies in ``[0.05 - a - w, 0.05 + a + w]``, which is inside the
  window when ``a + w <= 0.15``; a FAIL with ``a = 0.15`` implies the CI misses the window.
* ``zhang2023rfe.certificate`` [thesis Lemma 2.8.7]: on the good event every reward's gap is at most
  ``4 Vhat_{K,1}(s_1; theta^K, pi^K, r^K)``; registered with the certificate as its expression value
  (measured ``gap`` vs ``bound`` = the run's certificate).

Provenance: exponents as stated in the thesis (Cor. 2.6.4, Thm 2.6.8); constants reconstructed as symbols.
Deviations: the logs' exact form (``iota``) is a reconstruction: a rate check uses the asymptotic exponent.
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

d = sp.Symbol("d", integer=True, positive=True)
H = sp.Symbol("H", integer=True, positive=True)
K = sp.Symbol("K", integer=True, positive=True)
eps = sp.Symbol("eps", positive=True)
delta = sp.Symbol("delta", positive=True)
C1, C2, c = sp.Symbol("C1", positive=True), sp.Symbol("C2", positive=True), sp.Symbol("c", positive=True)
cert = sp.Symbol("certificate", nonnegative=True)
iota = sp.log(d * H / (eps * delta))

SAMPLE_COMPLEXITY = register_bound(Bound(
    name="zhang2023rfe.sample_complexity",
    quantity="exploration episodes after which the planned policies are eps-optimal for every reward (total <= 1)",
    measured_by="algorithms.hf_ucrl_rfe.exploration.run_hf_ucrl_rfe",
    expr=C1 * d ** 2 * eps ** -2 * iota ** 2 + C2 * d * eps ** -1 * iota ** 2,
    relation="<=",
    symbols=(d, H, eps, delta),
    constants=(C1, C2),
    conditions=(delta < 1, eps < 1),
    hides=(iota,),
    source=Source(bibkey="zhang2023rfe", arxiv="2303.10165", version="v1",
                  theorem="Cor. 2.6.4 [thesis numbering]", provenance="reconstructed",
                  theory="docs/theory/zhang2023rfe.md#sample_complexity"),
))

LOWER_BOUND = register_bound(Bound(
    name="zhang2023rfe.lower_bound",
    quantity="episodes any reward-free algorithm needs for eps-optimal policies on the hard instance",
    measured_by="scenarios.instances.linear_mixture.hard_instance_for_epsilon",
    expr=c * d ** 2 * eps ** -2,
    relation=">=",
    symbols=(d, eps),
    constants=(c,),
    conditions=(eps < 1,),
    hides=(),
    source=Source(bibkey="zhang2023rfe", arxiv="2303.10165", version="v1",
                  theorem="Thm 2.6.8 [thesis numbering]", provenance="reconstructed",
                  theory="docs/theory/zhang2023rfe.md#lower_bound"),
))

GAP_UPPER = register_bound(Bound(
    name="zhang2023rfe.gap_upper",
    quantity="worst-case gap over rewards of the policies planned after K exploration episodes",
    measured_by="algorithms.hf_ucrl_rfe.exploration.run_hf_ucrl_rfe",
    expr=C1 * d ** 2 / K + C2 * d / sp.sqrt(K),
    relation="<=",
    symbols=(d, K),
    constants=(C1, C2),
    conditions=(),
    hides=(),
    source=Source(bibkey="zhang2023rfe", arxiv="2303.10165", version="v1",
                  theorem="Thm 2.6.3 [thesis numbering]", provenance="reconstructed",
                  theory="docs/theory/zhang2023rfe.md#gap_upper"),
))

CERTIFICATE = register_bound(Bound(
    name="zhang2023rfe.certificate",
    quantity="exact worst-case gap vs the run's certificate 4 Vhat_{K,1}(s_1) (on the good event)",
    measured_by="algorithms.hf_ucrl_rfe.exploration.run_hf_ucrl_rfe",
    expr=cert,
    relation="<=",
    symbols=(cert,),
    constants=(),
    conditions=(),
    hides=(),
    source=Source(bibkey="zhang2023rfe", arxiv="2303.10165", version="v1",
                  theorem="Lemma 2.8.7 [thesis numbering]", provenance="verified",
                  theory="docs/theory/zhang2023rfe.md#certificate"),
))

C_H = sp.Symbol("C_H", positive=True)
#: centre of the acceptance window [-0.1, 0.2] for the H-slope of episodes-to-eps (module docstring)
HORIZON_WINDOW_CENTRE = sp.Rational(1, 20)
#: half-width of that window: [centre - half, centre + half] = [-0.1, 0.2]
HORIZON_WINDOW_HALF_WIDTH = 0.15

HORIZON_WINDOW = register_bound(Bound(
    name="zhang2023rfe.horizon_window",
    quantity="exploration episodes to eps vs H: exponent 0 (Cor. 2.6.4) plus the log factor's finite-H slope, "
             "as the acceptance window [-0.1, 0.2] written centre 0.05 +- 0.15",
    measured_by="algorithms.hf_ucrl_rfe.exploration.run_hf_ucrl_rfe",
    expr=C_H * H ** HORIZON_WINDOW_CENTRE,
    relation="<=",
    symbols=(H,),
    constants=(C_H,),
    conditions=(),
    hides=(),
    source=Source(bibkey="zhang2023rfe", arxiv="2303.10165", version="v1",
                  theorem="Cor. 2.6.4 [thesis numbering] (H-exponent 0 up to logs)", provenance="derived",
                  theory="docs/theory/zhang2023rfe.md#horizon_window"),
))

M_levels = sp.Symbol("M", integer=True, positive=True)

GOOD_EVENT = register_bound(Bound(
    name="zhang2023rfe.good_event",
    quantity="indicator that theta* lies in every stored confidence ellipsoid of the run (2.6.5)-(2.6.6)",
    measured_by="algorithms.hf_ucrl_rfe.exploration.run_hf_ucrl_rfe",
    expr=1 - 4 * M_levels * delta,
    relation=">=",
    symbols=(M_levels, delta),
    constants=(),
    conditions=(delta < 1,),
    hides=(),
    source=Source(bibkey="zhang2023rfe", arxiv="2303.10165", version="v1",
                  theorem="Lemmas 2.8.6-2.8.9 / Thm 2.6.3 (probability 1 - 4 M delta) [thesis numbering]",
                  provenance="reconstructed", theory="docs/theory/zhang2023rfe.md#good_event"),
))
