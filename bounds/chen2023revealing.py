"""Lower bounds for learning in revealing POMDPs (Chen, Wang, Xiong, Mei, Bai 2023), and the upper bounds they
are compared with, as data.

F. Chen, H. Wang, C. Xiong, S. Mei, Y. Bai, "Lower Bounds for Learning in Revealing POMDPs", ICML 2023
(PMLR 202:5104-5161), arXiv:2302.01333 (version not recorded), bibkey ``chen2023revealing``.  Upper bounds:
F. Chen, Y. Bai, S. Mei, "Partially Observable RL with B-Stability: Unified Structural Condition and Sharp
Sample-Efficient Algorithms", ICLR 2023, arXiv:2209.14990, bibkey ``chen2022bstability``.
Note: ``docs/theory/chen2023revealing.md``.  Code: ``algorithms/revealing_lower/``.

* ``chen2023revealing.pac_lower_mstep`` (Thm. 3.2): episodes needed by any eps-optimal learner on m-step
  (m >= 2) revealing POMDPs ``>= c S^{3/2} / eps^2`` (the abstract's Omega(S^{1.5}) [verified], and the
  eps^{-2} [reconstructed]); the A, H and alpha factors were not retrieved and are left out; ``c`` unknown.
* ``chen2023revealing.regret_lower_mstep`` (Thm. 4.1): ``Reg(T) >= c T^{2/3}`` for polynomial sublinear regret
  bounds on m-step revealing POMDPs (abstract [verified] for the exponent; ``c`` unknown).
* ``chen2023revealing.regret_lower_1step`` (Cor. 6.1, [reconstructed]): ``Reg(T) >= c sqrt(T)``.
* ``chen2023revealing.revealtest_episodes`` [derived, our reconstruction]: on RevealTest(A, Dtree, n, alpha,
  eps) with ``K`` candidates, a non-adaptive learner that finds the special candidate with probability 3/4
  needs ``N >= K sqrt(2 n log 2) / (2 (alpha eps)^2)`` episodes: Ingster's chi-square of the per-candidate
  mixture is at most ``exp(N^2 (alpha eps)^4 / (2n)) - 1 < 1`` below ``sqrt(2 n log 2)/(alpha eps)^2`` visits,
  and half of the ``K`` candidates must be visited that often.  It is the "Omega(S^{1.5}/eps^2)-type" curve
  the learners are held to (``K`` proportional to ``n``, ``S`` about ``n``).
* ``chen2023revealing.etc_regret`` [derived]: explore-then-commit with a PAC sample complexity ``C/eps^2``
  has ``Reg(T) <= C/eps^2 + T eps``, which at ``eps = (2C/T)^{1/3}`` is ``(3/2) (2C)^{1/3} T^{2/3}``.
* ``chen2022bstability.pac_upper_revealing`` (B-stability paper, Thm. on m-step alpha-revealing tabular
  POMDPs, [reconstructed]): OMLE / explorative E2D / MOPS need ``O~(S^2 A^m H^2 log N / (alpha^2 eps^2))``
  episodes with ``log N = H (S^2 A + S O)``; ``c`` unknown.
* ``chen2022bstability.regret_upper_bstable`` ([reconstructed]): an ``O~(sqrt(T))`` regret upper bound stated
  for strongly B-stable PSRs (which include single-step revealing POMDPs), ``c sqrt(T)`` with ``c`` unknown;
  it is not stated for a generic OMLE-type learner.

Provenance: see each bound; the paper's full theorem statements were not retrieved (only its abstract, its
table skeleton and the B-stability paper).  Deviations: the A, H, alpha factors of Thm. 3.2 are omitted
(PAPER_UNVERIFIED); only the exponents in S, eps and T are used by checks.
"""
from __future__ import annotations

import sympy as sp

from .core import Bound, Source, register_bound

S = sp.Symbol("S", positive=True)
A = sp.Symbol("A", integer=True, positive=True)
H = sp.Symbol("H", integer=True, positive=True)
O = sp.Symbol("O", integer=True, positive=True)
m = sp.Symbol("m", integer=True, positive=True)
K = sp.Symbol("K", integer=True, positive=True)
n = sp.Symbol("n", integer=True, positive=True)
T = sp.Symbol("T", positive=True)
eps = sp.Symbol("eps", positive=True)
alpha = sp.Symbol("alpha", positive=True)
C = sp.Symbol("C", positive=True)
c = sp.Symbol("c", positive=True)

#: the paper's Theorem 3.2 factors other than S and eps were not retrieved: checks use exponents only
PAPER_UNVERIFIED = True

_SRC = dict(bibkey="chen2023revealing", arxiv="2302.01333", version=None)
_BSRC = dict(bibkey="chen2022bstability", arxiv="2209.14990", version=None)
_NOTE = "docs/theory/chen2023revealing.md"

PAC_LOWER_MSTEP = register_bound(Bound(
    name="chen2023revealing.pac_lower_mstep",
    quantity="episodes an eps-optimal learner needs on the worst m-step revealing POMDP with S latent states",
    measured_by="algorithms.revealing_lower.learners.episodes_to_eps",
    expr=c * S ** sp.Rational(3, 2) / eps ** 2, relation=">=", symbols=(S, eps), constants=(c,),
    conditions=(eps < 1,),
    source=Source(**_SRC, theorem="Thm. 3.2", provenance="reconstructed", theory=f"{_NOTE}#pac_lower_mstep"),
    notes="S^1.5 verified (abstract); eps^-2 and the omitted A^(m-1), H, alpha factors PAPER_UNVERIFIED",
))

REGRET_LOWER_MSTEP = register_bound(Bound(
    name="chen2023revealing.regret_lower_mstep",
    quantity="regret over T episodes of any learner on the worst m-step revealing POMDP",
    measured_by="algorithms.revealing_lower.learners.etc_regret_curve",
    expr=c * T ** sp.Rational(2, 3), relation=">=", symbols=(T,), constants=(c,),
    conditions=(T >= 1,),
    source=Source(**_SRC, theorem="Thm. 4.1", provenance="reconstructed", theory=f"{_NOTE}#regret_lower_mstep"),
    notes="the T^(2/3) exponent is verified (abstract); c depends on (S, A, H, alpha) and is unknown",
))

REGRET_LOWER_1STEP = register_bound(Bound(
    name="chen2023revealing.regret_lower_1step",
    quantity="regret over T episodes of any learner on the worst 1-step revealing POMDP",
    measured_by="algorithms.revealing_lower.learners.greedy_regret_curve",
    expr=c * sp.sqrt(T), relation=">=", symbols=(T,), constants=(c,),
    conditions=(T >= 1,),
    source=Source(**_SRC, theorem="Cor. 6.1", provenance="reconstructed", theory=f"{_NOTE}#regret_lower_1step"),
))

REVEALTEST_EPISODES = register_bound(Bound(
    name="chen2023revealing.revealtest_episodes",
    quantity="episodes a non-adaptive learner needs to find the special candidate of RevealTest w.p. 3/4",
    measured_by="algorithms.revealing_lower.learners.episodes_to_eps",
    expr=K * sp.sqrt(2 * n * sp.log(2)) / (2 * (alpha * eps) ** 2), relation=">=",
    symbols=(K, n, alpha, eps),
    conditions=(alpha <= 1, eps <= 1),
    source=Source(**_SRC, theorem=None, provenance="derived", theory=f"{_NOTE}#revealtest_episodes"),
    notes="our reconstruction's family; exact for non-adaptive visit allocations, checked empirically otherwise",
))

ETC_REGRET = register_bound(Bound(
    name="chen2023revealing.etc_regret",
    quantity="regret of explore-then-commit over T episodes when eps-optimality costs C / eps^2 episodes",
    measured_by="algorithms.revealing_lower.learners.etc_regret_curve",
    expr=sp.Rational(3, 2) * (2 * C) ** sp.Rational(1, 3) * T ** sp.Rational(2, 3), relation="<=",
    symbols=(C, T), conditions=(T >= 1,),
    source=Source(**_SRC, theorem=None, provenance="derived", theory=f"{_NOTE}#etc_regret"),
))

PAC_UPPER_REVEALING = register_bound(Bound(
    name="chen2022bstability.pac_upper_revealing",
    quantity="episodes OMLE / explorative E2D / MOPS need for eps-optimality on m-step alpha-revealing tabular POMDPs",
    measured_by="algorithms.revealing_lower.learners.episodes_to_eps",
    expr=c * S ** 2 * A ** m * H ** 2 * (H * (S ** 2 * A + S * O)) / (alpha ** 2 * eps ** 2), relation="<=",
    symbols=(S, A, m, H, O, alpha, eps), constants=(c,),
    conditions=(eps < 1, alpha <= 1),
    source=Source(**_BSRC, theorem=None, provenance="reconstructed", theory=f"{_NOTE}#upper_bounds"),
    notes="log N_Theta <= H (S^2 A + S O) substituted; tilde-O log factors not written",
))

REGRET_UPPER_BSTABLE = register_bound(Bound(
    name="chen2022bstability.regret_upper_bstable",
    quantity="regret over T episodes of the B-stability paper's algorithm on a strongly B-stable PSR",
    measured_by="algorithms.revealing_lower.learners.greedy_regret_curve",
    expr=c * sp.sqrt(T), relation="<=", symbols=(T,), constants=(c,),
    conditions=(T >= 1,),
    source=Source(**_BSRC, theorem=None, provenance="reconstructed", theory=f"{_NOTE}#upper_bounds"),
    notes="stated for strongly B-stable PSRs (single-step revealing POMDPs are among them), not for a generic "
          "OMLE-type learner",
))
