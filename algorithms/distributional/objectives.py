"""Objectives of the stock-augmented return ``c + G``: expected utilities and the outer searches.

Avila Pires et al. (2025), JMLR, arXiv:2501.13028v2 (``avilapires2025``).  The problem
``max_pi K(df(c_0 + G^pi))`` ([S]) with ``K = E f``; which ``f`` are optimisable by
stock-augmented distributional DP (mixture consistency (M) and scale consistency (S_gamma)) is the
our Sec. 1.4 table ([D]; the paper's exact wording of the characterisation is [R]).

Implemented (all [D] derivations, standard reductions):

* expectation ``f(x) = x`` (Sec. 4.0);
* CVaR, lower tail, by Rockafellar-Uryasev / Bauerle-Ott: ``max_pi CVaR_tau(G) = max_c [-c +
  F*(c)/tau]`` with inner ``f(x) = min(x, 0)`` (Sec. 4.1);
* mean-CVaR as the OCE with ``u(y) = lam y+ - (lam + (1 - lam)/tau) y-`` (Sec. 4.2);
* threshold probability ``P(G >= theta)``: ``c_0 = -theta``, ``f = 1{x >= 0}``; VaR by bisection over
  candidate thresholds (Sec. 4.3);
* homeostatic regulation ``-|x|`` and ``-x^2`` with ``c_0 = -target`` (Sec. 4.4; the paper's exact
  utility was not retrieved [R]);
* further expected utilities: exponential ``-exp(-lam x)`` (optimisable only at gamma = 1, Sec. 1.4).

Deviations: the indicator is evaluated as ``1{x >= -STEP_TOL}`` in float arithmetic so that round-off
in stocks never moves an atom lying exactly on the threshold (exact Fraction code uses ``x >= 0``).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Sequence

import numpy as np

from mdplab.errors import ModelError

from . import _kernels as _k

#: Float tolerance of the threshold indicator (see Deviations).
STEP_TOL = 1e-9


@dataclass(frozen=True)
class ExpectedUtility:
    """``K(nu) = E_nu f(X)`` for a utility of ``c + G`` that the numba kernels know by ``code``.

    ``slope_below`` / ``slope_above``: the sign of ``f``'s slope far below / above 0, which picks the
    risk-neutral policy used in the affine stock tails; ``tails_exact`` says
    whether ``f`` is affine on each side of 0 (then the tails are exact when the grid covers the
    return range).  ``degree``: ``f(gamma x) = gamma^degree f(x)`` (``None``: not homogeneous).
    """

    name: str
    code: int
    params: tuple[float, ...]
    slope_below: float
    slope_above: float
    tails_exact: bool
    degree: float | None
    lipschitz: float | None

    @property
    def params_array(self) -> np.ndarray:
        p = np.zeros(2)
        p[: len(self.params)] = self.params
        return p

    def __call__(self, x):
        """``f(x)`` for a float array, a float or a Fraction (exact for Fractions where ``f`` is rational)."""
        c = self.code
        if isinstance(x, Fraction):
            if c == _k.UTILITY_LINEAR:
                return x
            if c == _k.UTILITY_PIECEWISE_LINEAR:
                a, b = (Fraction(p) for p in self.params)
                return a * x if x >= 0 else b * x
            if c == _k.UTILITY_STEP:
                return Fraction(1) if x >= 0 else Fraction(0)
            if c == _k.UTILITY_NEG_ABS:
                return -abs(x)
            if c == _k.UTILITY_NEG_SQUARE:
                return -x * x
            return -np.exp(-self.params[0] * float(x))
        xa = np.asarray(x, dtype=np.float64)
        if c == _k.UTILITY_LINEAR:
            out = xa
        elif c == _k.UTILITY_PIECEWISE_LINEAR:
            out = np.where(xa >= 0, self.params[0] * xa, self.params[1] * xa)
        elif c == _k.UTILITY_STEP:
            out = (xa >= -STEP_TOL).astype(np.float64)
        elif c == _k.UTILITY_NEG_ABS:
            out = -np.abs(xa)
        elif c == _k.UTILITY_NEG_SQUARE:
            out = -xa * xa
        else:
            out = -np.exp(-self.params[0] * xa)
        return out if out.ndim else float(out)


def mean_utility() -> ExpectedUtility:
    """``f(x) = x``: ordinary expected return (Sec. 4.0)."""
    return ExpectedUtility("mean", _k.UTILITY_LINEAR, (), 1.0, 1.0, True, 1.0, 1.0)


def piecewise_linear_utility(alpha: float, beta: float) -> ExpectedUtility:
    """``f(x) = alpha x+ - beta x-`` (kink at 0; Sec. 1.4)."""
    if not (np.isfinite(alpha) and np.isfinite(beta)):
        raise ModelError(f"alpha and beta must be finite; got {alpha!r}, {beta!r}")
    return ExpectedUtility(f"pl({alpha:g},{beta:g})", _k.UTILITY_PIECEWISE_LINEAR, (float(alpha), float(beta)),
                           float(np.sign(beta)), float(np.sign(alpha)), True, 1.0, max(abs(alpha), abs(beta)))


def cvar_inner_utility() -> ExpectedUtility:
    """``f(x) = min(x, 0)``: the inner problem of CVaR (Sec. 4.1), L = 1."""
    u = piecewise_linear_utility(0.0, 1.0)
    return ExpectedUtility("min(x,0)", u.code, u.params, 1.0, 0.0, True, 1.0, 1.0)


def mean_cvar_utility(lam: float, tau: float) -> ExpectedUtility:
    """OCE utility of ``lam E X + (1 - lam) CVaR_tau(X)``: ``u(y) = lam y+ - (lam + (1 - lam)/tau) y-`` (Sec. 4.2)."""
    _check_tau(tau)
    if not 0.0 <= lam <= 1.0:
        raise ModelError(f"mean-CVaR weight lam must be in [0, 1]; got {lam!r}")
    return piecewise_linear_utility(lam, lam + (1.0 - lam) / tau)


def step_utility() -> ExpectedUtility:
    """``f(x) = 1{x >= 0}``: threshold probability (Sec. 4.3); degree 0, not Lipschitz."""
    return ExpectedUtility("1{x>=0}", _k.UTILITY_STEP, (STEP_TOL,), 0.0, 0.0, True, 0.0, None)


def neg_abs_utility() -> ExpectedUtility:
    """``f(x) = -|x|``: homeostatic regulation (Sec. 4.4), L = 1."""
    return ExpectedUtility("-|x|", _k.UTILITY_NEG_ABS, (), 1.0, -1.0, True, 1.0, 1.0)


def neg_square_utility() -> ExpectedUtility:
    """``f(x) = -x^2``: homeostatic regulation, degree 2 (Lipschitz only on bounded sets)."""
    return ExpectedUtility("-x^2", _k.UTILITY_NEG_SQUARE, (), 1.0, -1.0, False, 2.0, None)


def exponential_utility(lam: float) -> ExpectedUtility:
    """``f(x) = -exp(-lam x)``: NOT scale-consistent for gamma < 1 (Sec. 1.4, T6(b))."""
    if not (np.isfinite(lam) and lam > 0):
        raise ModelError(f"exponential utility needs lam > 0; got {lam!r}")
    return ExpectedUtility(f"-exp(-{lam:g}x)", _k.UTILITY_NEG_EXP, (float(lam),), 1.0, 1.0, False, None, None)


def _check_tau(tau: float) -> None:
    if not (0.0 < float(tau) <= 1.0):
        raise ModelError(f"CVaR level tau must be in (0, 1]; got {tau!r}")


# ----------------------------------------------------------------------------- outer searches
@dataclass(frozen=True)
class OuterResult:
    """The outer optimum over the initial stock: ``value`` at ``initial_stock``."""

    value: float
    initial_stock: float
    values: np.ndarray  # outer objective at every candidate
    candidates: np.ndarray


def cvar_outer_search(inner_value: Callable[[float], float] | np.ndarray, candidates: Sequence[float], tau: float) -> OuterResult:
    """``max_c [-c + F*(s_0, c)/tau]`` over candidate stocks (Sec. 4.1, Eq. of Rockafellar-Uryasev).

    ``inner_value`` is ``c -> F*(s_0, c)`` for ``f = min(x, 0)`` or the array of those values at the
    candidates.  Ties go to the smallest candidate stock.
    """
    _check_tau(tau)
    cands = np.asarray(candidates, dtype=np.float64)
    F = np.asarray(inner_value, dtype=np.float64) if not callable(inner_value) else np.array([inner_value(c) for c in cands])
    outer = -cands + F / tau  # Sec. 4.1: max_c [ -c + tau^{-1} max_pi E min(c + G, 0) ]
    best = int(np.flatnonzero(outer >= outer.max() - 1e-10 * (1 + abs(outer.max())))[0])
    return OuterResult(float(outer[best]), float(cands[best]), outer, cands)


def oce_outer_search(inner_value: Callable[[float], float] | np.ndarray, candidates: Sequence[float]) -> OuterResult:
    """Optimized certainty equivalent ``OCE_u(G) = sup_b {b + E u(G - b)} = max_c [-c + F*_u(s_0, c)]``
    with stock ``c = -b`` (Sec. 4.2); ``inner_value`` is ``c -> max_pi E u(c + G)`` (or its values at the
    candidates), e.g. for :func:`mean_cvar_utility`.  Ties go to the smallest candidate stock."""
    cands = np.asarray(candidates, dtype=np.float64)
    F = np.asarray(inner_value, dtype=np.float64) if not callable(inner_value) else np.array([inner_value(c) for c in cands])
    outer = -cands + F  # Sec. 4.2: OCE with c = -b
    best = int(np.flatnonzero(outer >= outer.max() - 1e-10 * (1 + abs(outer.max())))[0])
    return OuterResult(float(outer[best]), float(cands[best]), outer, cands)


def var_by_bisection(max_prob_at_least: Callable[[float], float], candidates: Sequence[float], tau: float,
                     tol: float = 1e-12) -> float:
    """``max_pi VaR_tau(G^pi)`` (lower quantile) by bisection over sorted candidate thresholds (Sec. 4.3).

    For finite-support returns ``VaR_tau(X) >= theta`` iff ``P(X < theta) < tau`` iff
    ``P(X >= theta) > 1 - tau``; the optimum is the largest candidate ``theta`` with
    ``max_pi P(G >= theta) > 1 - tau + tol`` (candidates must contain every achievable return atom).
    """
    _check_tau(tau)
    th = np.unique(np.asarray(candidates, dtype=np.float64))
    ok = lambda i: max_prob_at_least(float(th[i])) > 1.0 - tau + tol  # noqa: E731
    if not ok(0):
        raise ModelError("no candidate threshold is reached with probability > 1 - tau; candidates must include the smallest return")
    lo, hi = 0, len(th) - 1
    while lo < hi:  # invariant: ok(lo); the predicate is monotone non-increasing in theta
        mid = (lo + hi + 1) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid - 1
    return float(th[lo])
