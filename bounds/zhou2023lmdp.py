"""Horizon-free, variance-dependent regret in latent MDPs with context in hindsight, as data.

R. Zhou, R. Wang, S. S. Du, *Horizon-Free and Variance-Dependent Reinforcement Learning for Latent Markov
Decision Processes*, ICML 2023, arXiv:2210.11604 (version not recorded), bibkey ``zhou2023lmdp``.
Learner: ``algorithms/lmdp_hf/``.  Note: ``docs/theory/zhou2023lmdp.md`` (provenance table first).

* ``zhou2023lmdp.lmdp_regret``: ``Regret(K) <= C1 sqrt(VarStar M Gamma S A K) iota + C2 M Gamma S A iota^2``,
  ``iota = 2 ln(2 M S A H K / delta)``: leading term read (abstract); lower-order form and log powers
  reconstructed; constants unknown.  Its exponent in ``H`` tends to 0 (horizon-free) and in ``K`` to 1/2.
* ``zhou2023lmdp.det_regret``: the same bound at ``VarStar = 0`` (DetLMDP), written in ``logK = ln K``:
  ``C2 M Gamma S A (2 ln(2 M S A H / delta) + 2 logK)^2``.  Its log-log slope in ``logK`` is
  ``2 logK / (ln(2 M S A H / delta) + logK) < 2`` and tends to 2: regret polylogarithmic in K of degree 2
  (the degree follows our reconstructed ``iota^2``; the abstract says only "polylog" for deterministic LMDPs).
* ``zhou2023lmdp.lmdp_lower_bound``: ``>= c sqrt(VarStar M S A K)`` for ``Gamma = 2`` (abstract; construction
  not read).
* ``zhou2023lmdp.replan_count``: plans ``<= M S A ceil(log2(K H)) + 1`` (derived, our doubling schedule).
* ``zhou2023lmdp.alpha_upper`` / ``alpha_lower``: optimistic alpha components in ``[0, 1]`` (derived:
  truncation at 1 in every backup).
* ``zhou2023lmdp.optimism_violation``: the rate of re-plans whose optimistic value is below ``V*`` is at most
  ``delta`` (reconstructed optimism lemma); measured as the lower end of a 95% Wilson interval.

Deviations: none beyond the reconstruction; every unknown constant is a symbol (never fitted).
"""
from __future__ import annotations

import math

import sympy as sp

from .core import Bound, Source, register_bound

M = sp.Symbol("M", integer=True, positive=True)
S = sp.Symbol("S", integer=True, positive=True)
A = sp.Symbol("A", integer=True, positive=True)
H = sp.Symbol("H", integer=True, positive=True)
K = sp.Symbol("K", integer=True, positive=True)
Gamma = sp.Symbol("Gamma", integer=True, positive=True)
VarStar = sp.Symbol("VarStar", positive=True)
delta = sp.Symbol("delta", positive=True)
C1, C2, c = sp.Symbol("C1", positive=True), sp.Symbol("C2", positive=True), sp.Symbol("c", positive=True)
iota = 2 * sp.log(2 * M * S * A * H * K / delta)
NOTE = "docs/theory/zhou2023lmdp.md"


def _source(theorem: str, provenance: str, anchor: str) -> Source:
    return Source(bibkey="zhou2023lmdp", arxiv="2210.11604", version=None, theorem=theorem, provenance=provenance,
                  theory=f"{NOTE}#{anchor}")


LMDP_REGRET = register_bound(Bound(
    name="zhou2023lmdp.lmdp_regret",
    quantity="exact pseudo-regret of the horizon-free LMDP learner after K episodes (total reward <= 1)",
    measured_by="algorithms.lmdp_hf.run_lmdp_hf",
    expr=C1 * sp.sqrt(VarStar * M * Gamma * S * A * K) * iota + C2 * M * Gamma * S * A * iota ** 2,
    relation="<=",
    symbols=(M, S, A, H, K, Gamma, VarStar, delta),
    constants=(C1, C2),
    conditions=(delta < 1,),
    hides=(iota,),
    source=_source("main upper bound (abstract: O~(sqrt(Var* M Gamma S A K)))", "reconstructed", "lmdp_regret"),
))

logK = sp.Symbol("logK", positive=True)

DET_REGRET = register_bound(Bound(
    name="zhou2023lmdp.det_regret",
    quantity="exact pseudo-regret of the horizon-free LMDP learner after K = exp(logK) episodes on an LMDP with "
             "deterministic transitions (Var* = 0)",
    measured_by="algorithms.lmdp_hf.run_lmdp_hf",
    expr=C2 * M * Gamma * S * A * (2 * sp.log(2 * M * S * A * H / delta) + 2 * logK) ** 2,
    relation="<=",
    symbols=(M, S, A, H, logK, Gamma, delta),
    constants=(C2,),
    conditions=(delta < 1,),
    source=_source("main upper bound at Var* = 0 (polylog regret for deterministic LMDPs)", "reconstructed",
                   "det_regret"),
))

LMDP_LOWER = register_bound(Bound(
    name="zhou2023lmdp.lmdp_lower_bound",
    quantity="regret of any algorithm on the worst variance-bounded LMDP with Gamma = 2 (construction not read: no check)",
    measured_by="algorithms.lmdp_hf.run_lmdp_hf",
    expr=c * sp.sqrt(VarStar * M * S * A * K),
    relation=">=",
    symbols=(M, S, A, K, VarStar),
    constants=(c,),
    source=_source("lower bound (abstract: Omega(sqrt(Var* M S A K)))", "reconstructed", "lmdp_lower_bound"),
))

REPLAN_COUNT = register_bound(Bound(
    name="zhou2023lmdp.replan_count",
    quantity="number of plans of the learner (doubling triggers, known w and nu)",
    measured_by="algorithms.lmdp_hf.run_lmdp_hf",
    expr=M * S * A * sp.ceiling(sp.log(K * H, 2)) + 1,
    relation="<=",
    symbols=(M, S, A, H, K),
    source=_source(None, "derived", "replan_count"),
))

ALPHA_UPPER = register_bound(Bound(
    name="zhou2023lmdp.alpha_upper",
    quantity="largest optimistic alpha component over all plans",
    measured_by="algorithms.lmdp_hf.run_lmdp_hf",
    expr=sp.Integer(1),
    relation="<=",
    symbols=(),
    source=_source(None, "derived", "alpha_upper"),
))

ALPHA_LOWER = register_bound(Bound(
    name="zhou2023lmdp.alpha_lower",
    quantity="smallest optimistic alpha component over all plans",
    measured_by="algorithms.lmdp_hf.run_lmdp_hf",
    expr=sp.Integer(0),
    relation=">=",
    symbols=(),
    source=_source(None, "derived", "alpha_lower"),
))

OPTIMISM_VIOLATION = register_bound(Bound(
    name="zhou2023lmdp.optimism_violation",
    quantity="lower end of the 95% Wilson interval of the rate of plans with optimistic value < V*",
    measured_by="algorithms.lmdp_hf.run_lmdp_hf",
    expr=delta,
    relation="<=",
    symbols=(delta,),
    conditions=(delta < 1,),
    source=_source("optimism on the good event (reconstructed)", "reconstructed", "optimism_violation"),
))


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (Wilson 1927, JASA 22:209; ``z`` = the 97.5% normal
    quantile for a 95% interval)."""
    if n <= 0:
        raise ValueError("wilson_interval needs n >= 1")
    p = successes / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)
