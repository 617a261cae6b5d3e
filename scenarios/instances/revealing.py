"""Hard families for the revealing-POMDP lower bounds of Chen, Wang, Xiong, Mei, Bai (ICML 2023,
arXiv:2302.01333), as plain functions; they register nothing.  The paper's own instance was not retrieved: every
family here is mdplab's reconstruction of the mechanism its abstract names (distribution testing hidden behind
m-step revealing emissions); see docs/theory/chen2023revealing.md ("Hard families").  Builders live in
:mod:`algorithms.revealing_lower.families`; these functions fix the parameterisations the scenarios, tests and
figures use and report each instance's exact quantities.

* :func:`reveal_test_family`: RevealTest(A, Dtree, n, alpha, eps) with special candidate ``c*`` and sign vector
  ``z`` drawn with a seed (or the null), with its exact value, gap ``alpha eps / 2`` and revealing constants.
* :func:`reveal_test_sized`: the size ladder used for episodes-to-eps against S (``A = 2``, ``n = K``).
* :func:`costly_information`: the costly-information bandit-POMDP (probe costs, bets uninformative) and its
  1-step revealing control (bets informative).
* :func:`write_pomdp_file`: the time-expanded model as a Cassandra ``.POMDP`` file, for ``mdplab solve``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from algorithms.revealing import revealing_constants
from algorithms.revealing_lower.families import EpisodicPOMDP, costly_reveal, optimal_value, reveal_test
from mdplab.errors import check_seed


@dataclass(frozen=True)
class RevealingInstance:
    """A hard-family member with its exact quantities: ``value`` (V* by enumeration), ``gap`` (V* minus the
    null's V*), ``alpha_m`` / ``alpha_m_l2`` (the m-step l1 (LP) and l2 (SVD) revealing constants, stacked blocks,
    minimum over the non-exempt steps), ``alpha_below`` (the (m-1)-step l1 constant: 0, the instance is not
    revealing in fewer steps), ``m``, ``S`` (latent states)."""

    model: EpisodicPOMDP
    value: float
    gap: float
    alpha_m: float
    alpha_m_l2: float
    alpha_below: float
    m: int
    S: int


def reveal_test_family(A: int = 2, Dtree: int = 1, n: int = 4, alpha: float = 0.5, eps: float = 0.4,
                       seed: int | None = 0, *, control: bool = False, delay: int = 0) -> RevealingInstance:
    """RevealTest with ``(c*, z)`` uniform given ``seed`` (``seed=None``: the null ``M_0``); ``delay = d`` makes
    it ``m = d + 2``-step revealing (``control=True``: 1-step when ``delay = 0``)."""
    if seed is None:
        c_star, z = None, None
    else:
        rng = np.random.default_rng(check_seed(seed))
        c_star = int(rng.integers(A ** (Dtree + 1)))
        z = tuple(int(v) for v in rng.choice((1, -1), size=n))
    model = reveal_test(A, Dtree, n, alpha, eps, c_star, z, control=control, delay=delay)
    null = reveal_test(A, Dtree, n, alpha, eps, control=control, delay=delay)
    m = model.meta["m"]
    v = optimal_value(model)
    below = revealing_constants(model.T, model.E, m - 1)[0] if m > 1 else float("nan")
    return RevealingInstance(model, v, v - optimal_value(null), revealing_constants(model.T, model.E, m)[0],
                             revealing_constants(model.T, model.E, m, norm="l2")[0], below, m, model.n_states)


#: the size ladder for episodes-to-eps against S: A = 2, n = K = 2^(Dtree+1)
SIZES = {0: dict(A=2, Dtree=0, n=2), 1: dict(A=2, Dtree=1, n=4), 2: dict(A=2, Dtree=2, n=8),
         3: dict(A=2, Dtree=3, n=16)}


def reveal_test_sized(level: int, alpha: float = 1.0, eps: float = 0.4) -> dict:
    """Parameters and latent-state count ``S`` of rung ``level`` of :data:`SIZES`."""
    p = dict(SIZES[level], alpha=alpha, eps=eps)
    K = p["A"] ** (p["Dtree"] + 1)
    S = sum(p["A"] ** d for d in range(p["Dtree"] + 1)) + 2 * p["n"] + 4
    return dict(p, K=K, S=S)


def costly_information(alpha: float = 1.0, eps: float = 0.1, z: int = 1, *, control: bool = False) -> EpisodicPOMDP:
    """The costly-information bandit-POMDP (``control=False``) or its 1-step revealing control."""
    return costly_reveal(alpha, eps, z, control=control)


def write_pomdp_file(model: EpisodicPOMDP, path) -> int:
    """Write the time-expanded model (:func:`algorithms.revealing_lower.families.to_pomdp`) in Cassandra's format
    and return the horizon to solve it with: ``mdplab solve PATH --horizon H`` prints the exact ``V*``."""
    from algorithms.revealing_lower.families import to_pomdp
    from mdplab.cassandra import write_cassandra

    pm = to_pomdp(model)
    write_cassandra(pm, path)
    return int(pm.horizon)
