"""Numerical diagnostic: does an objective meet the conditions under which stock-augmented
distributional DP is exact?

Avila Pires et al. (2025), JMLR, arXiv:2501.13028v2 (``avilapires2025``).  The conditions are the
our (``distributional_dp.md`` Sec. 1.4): (M) mixture consistency -- if ``nu_i >= nu'_i`` for every i
then ``sum p_i nu_i >= sum p_i nu'_i`` (the paper's name "indifference to mixtures" is [R]; the monotone
version, which the proofs need, is tested, [D]); (S_gamma) scale consistency at gamma -- ``law(X) >=
law(Y)`` implies ``law(gamma X) >= law(gamma Y)`` ("indifference to gamma", [R]).  The paper's
characterisation (T6, [R] wording) says DP is exact for objectives with both properties; T6(a)/(b)
([D, X]) give counterexamples when either fails: -Variance violates (M); exponential utility
violates (S_gamma) when gamma < 1.

The test is a randomised search for violations on random finite laws (seeded); finding none is
evidence, not proof.  Deviations: the search itself is ours, not the paper's.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .objectives import ExpectedUtility
from .representations import FiniteDistribution


class ObjectiveWarning(UserWarning):
    """The objective fails a condition of exactness: DP may return a suboptimal value."""


@dataclass(frozen=True)
class ObjectiveDiagnosis:
    """Counts of violations found; ``example_*`` hold a witness ``(nu1, nu1', nu2, nu2', p)`` or ``(X, Y)``."""

    mixture_violations: int
    scale_violations: int
    trials: int
    gamma: float
    example_mixture: tuple | None
    example_scale: tuple | None

    @property
    def exact(self) -> bool:
        return self.mixture_violations == 0 and self.scale_violations == 0


def _random_law(rng: np.random.Generator, n_atoms: int, spread: float) -> FiniteDistribution:
    k = int(rng.integers(1, n_atoms + 1))
    atoms = np.round(rng.uniform(-spread, spread, k), 3)
    probs = rng.dirichlet(np.ones(k))
    return FiniteDistribution.from_pairs(zip(atoms.tolist(), probs.tolist()))


def diagnose_objective(K: "Callable[[FiniteDistribution], float] | ExpectedUtility", gamma: float, trials: int = 2000, seed: int = 0,
                       n_atoms: int = 3, spread: float = 3.0, tol: float = 1e-9, warn: bool = True) -> ObjectiveDiagnosis:
    """Search for violations of (M) and (S_gamma) of ``K`` (a functional of the law of ``c + G``).

    ``K`` is a functional of a :class:`FiniteDistribution` or an :class:`~.objectives.ExpectedUtility`
    (then ``K(nu) = E_nu f``).  Warns with :class:`ObjectiveWarning` when a violation is found (``warn=True``).
    """
    if isinstance(K, ExpectedUtility):
        u = K
        K = lambda law: float(law.expect(lambda x: float(u(float(x)))))  # noqa: E731
    rng = np.random.default_rng(seed)
    mix_bad = scale_bad = 0
    ex_mix = ex_scale = None
    for _ in range(trials):
        n1, n1p, n2, n2p = (_random_law(rng, n_atoms, spread) for _ in range(4))
        if K(n1) < K(n1p):
            n1, n1p = n1p, n1
        if K(n2) < K(n2p):
            n2, n2p = n2p, n2
        p = float(rng.uniform(0.05, 0.95))
        lhs = K(FiniteDistribution.mixture([n1, n2], [p, 1 - p]))
        rhs = K(FiniteDistribution.mixture([n1p, n2p], [p, 1 - p]))
        if lhs < rhs - tol * (1 + abs(rhs)):  # (M) violated
            mix_bad += 1
            ex_mix = ex_mix or (n1, n1p, n2, n2p, p)
        X, Y = n1, n1p  # K(X) >= K(Y)
        if K(X) > K(Y) + tol and K(X.pushforward(0.0, gamma)) < K(Y.pushforward(0.0, gamma)) - tol * (1 + abs(K(Y))):
            scale_bad += 1
            ex_scale = ex_scale or (X, Y)
    diag = ObjectiveDiagnosis(mix_bad, scale_bad, trials, float(gamma), ex_mix, ex_scale)
    if warn and not diag.exact:
        which = []
        if mix_bad:
            which.append(f"mixture consistency (M) fails in {mix_bad}/{trials} random trials")
        if scale_bad:
            which.append(f"scale consistency at gamma={gamma:g} (S_gamma) fails in {scale_bad}/{trials} random trials")
        warnings.warn("objective is outside the class where stock-augmented distributional DP is exact: "
                      + "; ".join(which) + " (Avila Pires et al. 2025)", ObjectiveWarning, stacklevel=2)
    return diag
