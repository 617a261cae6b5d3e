"""POMDP pruning does not depend on what ran before it in the process (issue 15, section 1).

Was: after any ``mdplab.solve(method="lp")`` (cvxpy starts HiGHS's process-wide scheduler), the pruning LPs,
which asked HiGHS for one thread, got kError on every run and fell back silently to scipy's linprog.
"""
from __future__ import annotations

import numpy as np
import pytest

import mdplab
import mdplab.pomdp_planning as pp

highspy = pytest.importorskip("highspy")


def _envelope(alpha: np.ndarray, B: np.ndarray) -> np.ndarray:
    return (alpha @ B.T).max(axis=0)


@pytest.mark.parametrize("offset, spread", [(0.0, 1.0), (1e6, 1e4), (-3e7, 1e-2)])
def test_prune_after_an_lp_solve_uses_highs_and_keeps_the_envelope(monkeypatch, offset, spread):
    mdplab.solve(mdplab.MDP(np.full((3, 2, 3), 1 / 3), np.arange(6.0).reshape(3, 2), discount=0.9), method="lp")
    fallbacks = []
    monkeypatch.setattr(pp, "linprog", lambda *a, **k: fallbacks.append(1) or pytest.fail("fell back to linprog"))
    rng = np.random.default_rng(0)
    alpha = offset + spread * rng.normal(size=(60, 4))
    keep = pp.prune(alpha, atol=1e-9 * spread)
    # oracle: the envelope on 20000 random beliefs and the corners (brute force over all vectors)
    B = np.vstack([np.eye(4), rng.dirichlet(np.ones(4), size=20_000)])
    # tolerance: the prune's own atol plus the rounding of the dot products at this offset (a few ulps)
    slack = 1e-8 * spread + 8 * np.finfo(float).eps * abs(offset)
    np.testing.assert_allclose(_envelope(alpha[keep], B), _envelope(alpha, B), rtol=0, atol=slack)
    # and it is parsimonious: every kept vector is the unique maximiser somewhere (its witness LP is positive)
    for i in keep:
        others = alpha[[j for j in keep if j != i]]
        assert pp._witness_lp(alpha[i], others)[0] > 0
    assert not fallbacks


def test_dominance_lp_scaling_is_exact_on_a_known_instance():
    """phi = (1, 0), W = {(0, 1)}: max_b phi.b - w.b = 1 at b = (1, 0); shifting and scaling all vectors by
    (c, s) must give s * 1 (the LP value is shift-invariant and scales linearly)."""
    for c, s in [(0.0, 1.0), (1e8, 1e3), (-5.0, 1e-6)]:
        t, b = pp._witness_lp(c + s * np.array([1.0, 0.0]), np.array([c + s * np.array([0.0, 1.0])]))
        assert t == pytest.approx(s, rel=1e-9)
        np.testing.assert_allclose(b, [1.0, 0.0], atol=1e-9)
