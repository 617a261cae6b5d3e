"""Revealing constants (loop_and_pomdp.md §B1.3-B1.4, §B6): LP l1 form, SVD l2 form, m-step matrices.

Reference values are the spec's [C] numbers (computed by its authors with numpy/scipy, recipe given there)."""
from __future__ import annotations

import numpy as np
import pytest

from algorithms.revealing import (alpha_l1, alpha_l2, alpha_pinv, emission_action_matrix, revealing_constants)


@pytest.mark.parametrize("a", [1.0, 0.5, 0.3, 0.1])
def test_two_by_two_block(a):
    M = np.array([[(1 + a) / 2, (1 - a) / 2], [(1 - a) / 2, (1 + a) / 2]])
    assert alpha_l1(M) == pytest.approx(a, rel=1e-9)
    assert alpha_pinv(M) == pytest.approx(a, rel=1e-9)      # spec: the pseudo-inverse also gives a here


@pytest.mark.parametrize("a", [1.0, 0.5, 0.1])
def test_reveal_with_probability_a(a):
    M = np.vstack([a * np.eye(4), (1 - a) * np.ones((1, 4))])
    assert alpha_l1(M) == pytest.approx(a, rel=1e-9)


def test_random_dirichlet_reference_and_pinv_warning():
    # spec §B1.4 [C]: random 6x4 Dirichlet emission, seed 0: LP 0.1939, pinv 0.1773, sigma_S / sqrt(S) 0.0986
    M = np.random.default_rng(0).dirichlet(np.ones(6), size=4).T
    assert alpha_l1(M) == pytest.approx(0.1939, abs=5e-5)
    assert alpha_pinv(M) == pytest.approx(0.1773, abs=5e-5)
    assert alpha_l2(M) / 2 == pytest.approx(0.0986, abs=5e-5)
    # §B6: the pseudo-inverse is one left inverse, so it can only under-estimate the l1 constant
    assert alpha_pinv(M) < alpha_l1(M)


@pytest.mark.parametrize("seed", range(6))
def test_relations_between_forms(seed):
    rng = np.random.default_rng(seed)
    n, S = 5 + seed % 3, 3
    M = rng.dirichlet(np.ones(n), size=S).T
    a1, a2, ap = alpha_l1(M), alpha_l2(M), alpha_pinv(M)
    assert ap <= a1 + 1e-9                                   # pinv is a feasible left inverse
    assert a1 >= a2 / np.sqrt(S) - 1e-9                      # §B1.3: alpha_1 >= sigma_S / sqrt(S)
    assert a2 >= a1 / np.sqrt(n) - 1e-9                      # §B1.3: sigma_S >= alpha_1 / sqrt(rows)
    # invariance under permuting observations (rows) and states (columns)
    Mp = M[rng.permutation(n)][:, rng.permutation(S)]
    assert alpha_l1(Mp) == pytest.approx(a1, rel=1e-7) and alpha_l2(Mp) == pytest.approx(a2, rel=1e-10)


def test_rank_deficient_returns_zero():
    M = np.array([[0.5, 0.5, 0.2], [0.5, 0.5, 0.8]])        # fewer rows than states
    assert alpha_l1(M) == alpha_l2(M) == alpha_pinv(M) == 0.0
    M = np.array([[0.5, 0.5], [0.5, 0.5], [0.0, 0.0]])      # identical columns
    assert alpha_l1(M) == alpha_l2(M) == 0.0


def _hidden_then_revealed(A=2):
    """Step 0 emits nothing useful (one observation); step 1 emits the state exactly.  States are kept by
    every action.  Single-step revealing fails at h = 0; the 2-step matrix reveals."""
    S = 3
    T = [np.stack([np.eye(S)] * A, axis=1)] * 2            # T[h][s, a, s']
    E = [np.ones((1, S)), np.eye(S)]                         # E[h][o, s]
    return T, E, A


def test_m_step_matrix_columns_and_revealing():
    T, E, A = _hidden_then_revealed()
    M1 = emission_action_matrix(T, E, 0, 1)
    assert alpha_l1(M1) == 0.0
    M2 = emission_action_matrix(T, E, 0, 2)
    assert M2.shape == (1 * 3 * A, 3)
    np.testing.assert_allclose(M2.sum(axis=0), A)            # stacked blocks: columns sum to A^(m-1)
    # stacked: the left inverse averages the A blocks, alpha = A (spec §B3.2 "alpha_2 = A*alpha"); averaged: 1
    assert alpha_l1(M2) == pytest.approx(A, rel=1e-9)
    assert alpha_l1(emission_action_matrix(T, E, 0, 2, normalise="average")) == pytest.approx(1.0, rel=1e-9)
    worst, per_h = revealing_constants(T, E, 2)
    assert per_h.shape == (1,) and worst == pytest.approx(A, rel=1e-9)


def test_m_step_matrix_matches_enumeration():
    rng = np.random.default_rng(0)
    S, A, nO, H = 3, 2, 2, 3
    T = [rng.dirichlet(np.ones(S), size=(S, A)) for _ in range(H)]
    E = [rng.dirichlet(np.ones(nO), size=S).T for _ in range(H)]
    M = emission_action_matrix(T, E, 0, 3)
    row = 0
    for a0 in range(A):
        for a1 in range(A):
            for o0 in range(nO):
                for o1 in range(nO):
                    for o2 in range(nO):
                        for s in range(S):
                            p = sum(E[0][o0, s] * T[0][s, a0, s1] * E[1][o1, s1] * T[1][s1, a1, s2] * E[2][o2, s2]
                                    for s1 in range(S) for s2 in range(S))
                            assert M[row, s] == pytest.approx(p, abs=1e-14)
                        row += 1
    np.testing.assert_allclose(M.sum(axis=0), A ** 2)
