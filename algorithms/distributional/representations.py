"""Return-distribution representations: exact finite-support laws, categorical, quantile.

Avila Pires et al. (2025), JMLR, arXiv:2501.13028v2 (``avilapires2025``).  The paper's theory works
with exact distributions ([P/R] in ``docs/theory/avilapires2025.md``); which representation its
experiments used was NOT recovered, so the three representations here follow our
recommendation (Sec. 2.6 (a)-(c), [D]):

* :class:`FiniteDistribution`: sorted unique atoms and probabilities; works with ``Fraction`` (exact)
  or floats (atoms merged on keys rounded to ``FLOAT_KEY_DIGITS`` decimals).
* categorical on an evenly spaced support with the projection ``Pi_C`` (Bellemare, Dabney & Munos
  2017, Eq. (7); Rowland et al. 2018): :func:`categorical_projection`.
* quantile: ``m`` atoms at levels ``(2i - 1)/(2m)``, the w_1-projection onto uniform m-atom laws
  (Dabney et al. 2018): :func:`quantile_projection`.

Also the statistical functionals used as objectives: mean, lower CVaR, lower VaR, variance, threshold
probability.  Deviations: none (these are standard definitions).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterable, Sequence

import numpy as np

from mdplab.errors import ModelError

from . import _kernels as _k

#: Float atoms are merged when equal after rounding to this many decimals (docs/theory/avilapires2025.md).
FLOAT_KEY_DIGITS = 9


def _key(x):
    return x if isinstance(x, Fraction) or isinstance(x, int) else round(float(x), FLOAT_KEY_DIGITS)


@dataclass(frozen=True)
class FiniteDistribution:
    """A law ``sum_i probs[i] delta_{atoms[i]}`` with sorted unique atoms (tuples of Fraction or float)."""

    atoms: tuple
    probs: tuple

    @staticmethod
    def from_pairs(pairs: Iterable[tuple]) -> "FiniteDistribution":
        """Merge ``(atom, prob)`` pairs (zero probabilities dropped)."""
        acc: dict = {}
        for x, p in pairs:
            if p == 0:
                continue
            k = _key(x)
            acc[k] = acc.get(k, 0) + p
        items = sorted(acc.items())
        return FiniteDistribution(tuple(x for x, _ in items), tuple(p for _, p in items))

    @staticmethod
    def dirac(x=0) -> "FiniteDistribution":
        return FiniteDistribution((x,), (1 if isinstance(x, (Fraction, int)) else 1.0,))

    @staticmethod
    def mixture(components: Sequence["FiniteDistribution"], weights: Sequence) -> "FiniteDistribution":
        return FiniteDistribution.from_pairs((x, w * p) for d, w in zip(components, weights) for x, p in zip(d.atoms, d.probs))

    def pushforward(self, r, gamma) -> "FiniteDistribution":
        """Law of ``r + gamma X`` (the map ``b_{r,gamma}``)."""
        return FiniteDistribution.from_pairs((r + gamma * x, p) for x, p in zip(self.atoms, self.probs))

    def shift(self, c) -> "FiniteDistribution":
        return self.pushforward(c, 1)

    @property
    def mass(self):
        return sum(self.probs)

    def mean(self):
        return sum(p * x for x, p in zip(self.atoms, self.probs))

    def expect(self, f: Callable):
        return sum(p * f(x) for x, p in zip(self.atoms, self.probs))

    def variance(self):
        mu = self.mean()
        return sum(p * (x - mu) ** 2 for x, p in zip(self.atoms, self.probs))

    def cdf(self, x):
        return sum(p for a, p in zip(self.atoms, self.probs) if a <= x)

    def prob_at_least(self, theta):
        """``P(X >= theta)``."""
        return sum(p for a, p in zip(self.atoms, self.probs) if a >= theta)

    def quantile(self, tau):
        """Lower quantile ``VaR_tau(X) = inf{x : P(X <= x) >= tau}``."""
        acc = 0
        for x, p in zip(self.atoms, self.probs):
            acc += p
            if acc >= tau - (0 if isinstance(acc, Fraction) else 1e-12):
                return x
        return self.atoms[-1]

    def cvar(self, tau):
        """Lower-tail ``CVaR_tau(X) = (1/tau) int_0^tau F^{-1}(u) du``, ``tau`` in (0, 1]."""
        left = tau
        acc = 0
        for x, p in zip(self.atoms, self.probs):
            take = p if p < left else left
            acc += take * x
            left -= take
            if left <= 0:
                break
        return acc / tau

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array([float(x) for x in self.atoms]), np.array([float(p) for p in self.probs])


# ----------------------------------------------------------------------------- categorical
@dataclass(frozen=True)
class CategoricalSupport:
    """Evenly spaced support ``z_i = z0 + i*dz``, ``i < m``."""

    z0: float
    dz: float
    m: int

    def __post_init__(self) -> None:
        if not (np.isfinite(self.z0) and np.isfinite(self.dz) and self.dz > 0 and int(self.m) >= 2):
            raise ModelError(f"a categorical support needs finite z0, dz > 0 and m >= 2; got {self.z0}, {self.dz}, {self.m}")
        object.__setattr__(self, "z0", float(self.z0))
        object.__setattr__(self, "dz", float(self.dz))
        object.__setattr__(self, "m", int(self.m))

    @property
    def atoms(self) -> np.ndarray:
        return self.z0 + self.dz * np.arange(self.m)

    @staticmethod
    def spanning(lo: float, hi: float, m: int) -> "CategoricalSupport":
        if not (m >= 2 and hi > lo):
            raise ModelError(f"a categorical support needs m >= 2 atoms and hi > lo; got m={m}, [{lo}, {hi}]")
        return CategoricalSupport(float(lo), (float(hi) - float(lo)) / (m - 1), int(m))


def support_from_atoms(target_support: Sequence[float], rtol: float = 1e-9) -> CategoricalSupport:
    """Validate an increasing, evenly spaced support and return it as a :class:`CategoricalSupport`."""
    z = np.asarray(target_support, dtype=np.float64)
    if z.ndim != 1 or z.size < 2 or not np.all(np.isfinite(z)):
        raise ModelError(f"a categorical support must be a finite 1-D array of >= 2 atoms; got shape {z.shape}")
    d = np.diff(z)
    if np.any(d <= 0):
        i = int(np.flatnonzero(d <= 0)[0])
        raise ModelError(f"categorical support is not increasing at index {i}: {z[i]!r} then {z[i + 1]!r}")
    if np.any(np.abs(d - d[0]) > rtol * abs(d[0])):
        i = int(np.flatnonzero(np.abs(d - d[0]) > rtol * abs(d[0]))[0])
        raise ModelError(f"categorical support is not evenly spaced: gap {d[i]!r} at index {i} vs {d[0]!r}")
    return CategoricalSupport(float(z[0]), float(d[0]), int(z.size))


def categorical_projection(atoms: Sequence[float], weights: Sequence[float], target_support: Sequence[float]) -> np.ndarray:
    """``Pi_C``: clip each atom to the support and split its weight between the two neighbours in
    proportion to proximity (Bellemare et al. 2017, Eq. (7)).  Linear in the weights (which need not
    be probabilities)."""
    sup = support_from_atoms(target_support)
    x = np.ascontiguousarray(atoms, dtype=np.float64)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    if x.shape != w.shape or x.ndim != 1:
        raise ModelError(f"atoms and weights must be 1-D of equal length; got {x.shape} and {w.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(w))):
        raise ModelError("atoms and weights must be finite")
    out = np.zeros(sup.m)
    _k.categorical_projection(x, w, sup.z0, sup.dz, out)
    return out


def quantile_projection(dist: FiniteDistribution, m: int) -> np.ndarray:
    """``Pi_Q``: the ``m`` atoms ``F^{-1}((2i - 1)/(2m))``, ``i = 1..m`` (each with mass ``1/m``)."""
    if m < 1:
        raise ModelError(f"quantile projection needs m >= 1 atoms; got {m}")
    return np.array([float(dist.quantile(Fraction(2 * i - 1, 2 * m) if isinstance(dist.probs[0], Fraction)
                                          else (2 * i - 1) / (2 * m))) for i in range(1, m + 1)])


def wasserstein1(a: FiniteDistribution, b: FiniteDistribution) -> float:
    """``w_1 = int |F_a - F_b|`` for finite laws (floats)."""
    xs = sorted(set(float(x) for x in a.atoms) | set(float(x) for x in b.atoms))
    tot = 0.0
    for x0, x1 in zip(xs[:-1], xs[1:]):
        tot += abs(float(a.cdf(x0)) - float(b.cdf(x0))) * (x1 - x0)
    return tot
