"""Certificates near gamma = 1 hold in floating point (issue 15, section 1).

Oracle: the exact optimum of the stored float64 model (every entry read as the exact rational it is), by
enumerating the deterministic policies of a 3-state, 2-action model and solving ``(I - gamma P_pi) v = R_pi``
in rational arithmetic (``fractions``); ``v* = max_pi v^pi`` componentwise (Puterman 1994, Thm 6.2.7).
Before the rounding term, value iteration at gamma = 1 - 1e-9 reported converged with error_bound 0.0 while
its values were 12.5 off (2.5e7 times tol / 2).
"""
from __future__ import annotations

import itertools
import warnings
from fractions import Fraction

import numpy as np
import pytest

import mdplab
from algorithms.anchored_vi import anchored_value_iteration
from mdplab.errors import CertificateWarning

P3 = np.array([[[0.1, 0.9, 0.0], [0.5, 0.0, 0.5]],
               [[0.0, 0.3, 0.7], [1.0, 0.0, 0.0]],
               [[0.6, 0.0, 0.4], [0.2, 0.2, 0.6]]])
R3 = np.array([[1.0, 0.3], [0.0, 0.7], [0.5, 0.2]])
# rows that are exactly stochastic in binary (dyadic probabilities), and a reward with mixed signs
P3_DYADIC = np.array([[[0.25, 0.75, 0.0], [0.5, 0.0, 0.5]],
                      [[0.0, 0.125, 0.875], [1.0, 0.0, 0.0]],
                      [[0.5, 0.0, 0.5], [0.25, 0.25, 0.5]]])
R3_SIGNED = np.array([[1.0, -0.3], [-2.0, 0.7], [0.5, -0.2]])


def _solve_exact(M: list[list[Fraction]], b: list[Fraction]) -> list[Fraction]:
    n = len(b)
    A = [row[:] + [bi] for row, bi in zip(M, b)]
    for i in range(n):
        p = next(r for r in range(i, n) if A[r][i] != 0)
        A[i], A[p] = A[p], A[i]
        for r in range(n):
            if r != i and A[r][i] != 0:
                f = A[r][i] / A[i][i]
                A[r] = [x - f * y for x, y in zip(A[r], A[i])]
    return [A[i][n] / A[i][i] for i in range(n)]


def exact_v_star(P: np.ndarray, R: np.ndarray, gamma: float) -> list[Fraction]:
    S, A = R.shape
    g = Fraction(gamma)
    best = None
    for pol in itertools.product(range(A), repeat=S):
        M = [[Fraction(int(i == j)) - g * Fraction(float(P[i, pol[i], j])) for j in range(S)] for i in range(S)]
        v = _solve_exact(M, [Fraction(float(R[i, pol[i]])) for i in range(S)])
        best = v if best is None else [max(x, y) for x, y in zip(best, v)]
    return best


def true_error(values: np.ndarray, v_star: list[Fraction]) -> float:
    return float(max(abs(Fraction(float(x)) - y) for x, y in zip(values, v_star)))


CAP = 2_000   # iterations: the property is about what a solver claims, not how long it may try
SOLVERS = {
    "vi": lambda m, tol: mdplab.solve(m, method="vi", tol=tol, max_iter=CAP),
    "gs": lambda m, tol: mdplab.solve(m, method="gs", tol=tol, max_iter=CAP),
    "pi": lambda m, tol: mdplab.solve(m, method="pi", tol=tol),
    "mpi": lambda m, tol: mdplab.solve(m, method="mpi", tol=tol, max_iter=CAP),
    "auto": lambda m, tol: mdplab.solve(m, tol=tol, max_iter=CAP),
    "lp": lambda m, tol: mdplab.solve(m, method="lp", tol=tol),
    "anchored_vi": lambda m, tol: anchored_value_iteration(m, tol=tol, max_iter=3000),
}
_EXACT: dict = {}


@pytest.mark.parametrize("instance", ["decimal rows", "dyadic rows, signed R"])
@pytest.mark.parametrize("gamma", [1 - 1e-6, 1 - 1e-7, 1 - 1e-9])
@pytest.mark.parametrize("tol", [1e-6, 1e-2, 1e3])
@pytest.mark.parametrize("method", sorted(SOLVERS))
def test_certificate_holds_near_gamma_one(method, tol, gamma, instance):
    """Whenever ``converged`` the values are within tol / 2 of the exact v*; the reported error_bound is a true
    bound in every case (converged or not)."""
    P, R = (P3, R3) if instance == "decimal rows" else (P3_DYADIC, R3_SIGNED)
    key = (instance, gamma)
    if key not in _EXACT:
        _EXACT[key] = exact_v_star(P, R, gamma)
    v_star = _EXACT[key]
    m = mdplab.MDP(P, R, discount=gamma)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sol = SOLVERS[method](m, tol)
    err = true_error(sol.values, v_star)
    assert err <= sol.error_bound, (method, err, sol.error_bound)
    if sol.converged:
        assert err <= tol / 2, (method, err, tol)
    elif method != "anchored_vi":
        assert any(issubclass(w.category, CertificateWarning) for w in caught), "an unconverged solve must warn"


def test_value_iteration_at_1e9_no_longer_claims_a_zero_bound():
    """The defect as reported: converged with error_bound 0.0 (true error 12.5 on this instance)."""
    m = mdplab.MDP(P3, R3, discount=1 - 1e-9)
    with pytest.warns(CertificateWarning, match="cannot be certified at gamma"):
        sol = mdplab.solve(m, method="vi", tol=1e-6)
    assert not sol.converged and sol.error_bound >= true_error(sol.values, exact_v_star(P3, R3, 1 - 1e-9))


@pytest.mark.parametrize("gamma, tol", [(0.9, 1e-11), (0.999, 1e-7)])
def test_certificate_converges_where_rounding_allows(gamma, tol):
    """The rounding term must not cost accuracy that float64 has: tol a few times above the floor
    ``2 (n + 3) eps |v*| / (1 - gamma)**2`` (n = 3, |v*| <= 1 / (1 - gamma)) is certified by every method."""
    m = mdplab.MDP(P3, R3, discount=gamma)
    v_star = exact_v_star(P3, R3, gamma)
    for method in ("vi", "gs", "pi", "mpi", "auto"):
        sol = mdplab.solve(m, method=method, tol=tol)
        assert sol.converged, method
        assert true_error(sol.values, v_star) <= tol / 2


def test_rounding_term_is_what_makes_the_bound_hold(monkeypatch):
    """Checker check: with the rounding terms switched off, the defect comes back (this test's assertion
    would catch it)."""
    from mdplab.solvers import _common

    monkeypatch.setattr(_common.RoundingProfile, "backup_error", lambda self, *a, **k: 0.0)
    monkeypatch.setattr(_common, "_shift_factors", lambda g, rho: (g / (1 - g), 0.0))
    monkeypatch.setattr(_common, "EPS", 0.0)
    m = mdplab.MDP(P3, R3, discount=1 - 1e-9)
    sol = mdplab.solve(m, method="vi", tol=1e-6)
    assert sol.converged and true_error(sol.values, exact_v_star(P3, R3, 1 - 1e-9)) > sol.error_bound


def test_relative_value_iteration_gain_bound_holds():
    """Average reward: the certified gain bracket contains the exact optimal gain (oracle: exact gain of each
    deterministic policy, unichain instance, rational arithmetic)."""
    m = mdplab.MDP(P3_DYADIC, R3_SIGNED, average_reward=True)
    S, A = R3_SIGNED.shape
    gains = []
    for pol in itertools.product(range(A), repeat=S):
        # stationary law mu (mu P = mu, sum mu = 1), gain = mu . R_pi
        M = [[Fraction(float(P3_DYADIC[j, pol[j], i])) - Fraction(int(i == j)) for j in range(S)] for i in range(S - 1)]
        M.append([Fraction(1)] * S)
        mu = _solve_exact(M, [Fraction(0)] * (S - 1) + [Fraction(1)])
        gains.append(sum(mu[s] * Fraction(float(R3_SIGNED[s, pol[s]])) for s in range(S)))
    g_star = max(gains)
    for tol in (1e-3, 1e-9, 1e-14):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CertificateWarning)
            sol = mdplab.solve(m, method="rvi", tol=tol)
        err = abs(Fraction(sol.gain) - g_star)
        assert err <= Fraction(sol.error_bound)
        if sol.converged:
            assert err <= Fraction(tol) / 2
