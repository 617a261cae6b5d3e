"""Hard families, exact divergences and N* for the revealing-POMDP lower bounds (issue 20).

Oracles: closed forms derived in docs/theory/chen2023revealing.md (value gap alpha eps / 2, Paninski's pair
divergences, Bernoulli products), a second planner (mdplab.pomdp_planning's incremental pruning on the
time-expanded POMDP), and the spec's [C] tables of N* (loop_and_pomdp.md B3.1-B3.2, computed by its authors with
numpy/scipy; the recipe is Ingster's sum, which we evaluate by a different route in the pairwise test)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binom

from algorithms.revealing import alpha_l1, alpha_l2, emission_action_matrix, revealing_constants
from algorithms.revealing_lower.divergences import (aligned, chi_square, hellinger_sq, kl_divergence,
                                                    mixture_chi_square, n_lb_total, n_star, observation_law,
                                                    paninski_mixture_chi_square, paninski_mixture_chi_square_bound,
                                                    paninski_pair_divergences, product_divergences, total_variation)
from algorithms.revealing_lower.families import (costly_reveal, leaky, optimal_value, policy_value, reveal_test,
                                                 sign_vectors, to_pomdp)
from algorithms.revealing_lower.learners import commit_policy, visit_policy
from mdplab.errors import BudgetExceededError, ModelError

TOL = 1e-12          # exact enumeration: float rounding only


# ---------------------------------------------------------------------------------------- hard families
@pytest.mark.parametrize("A, Dtree, n", [(2, 0, 2), (2, 1, 3), (3, 0, 2), (3, 1, 2)])
@pytest.mark.parametrize("alpha, eps", [(1.0, 0.4), (0.5, 0.2), (0.3, 0.9)])
def test_value_gap_is_alpha_eps_over_two(A, Dtree, n, alpha, eps):
    K = A ** (Dtree + 1)
    z = tuple((-1) ** i for i in range(n))
    v_alt = optimal_value(reveal_test(A, Dtree, n, alpha, eps, K - 1, z))
    v_null = optimal_value(reveal_test(A, Dtree, n, alpha, eps))
    assert v_null == pytest.approx(0.5, abs=TOL)                    # every policy in M_0 is worth 1/2
    assert v_alt - v_null == pytest.approx(alpha * eps / 2, abs=TOL)


@pytest.mark.parametrize("A, Dtree, n", [(2, 0, 2), (3, 0, 2), (2, 1, 2)])
def test_value_agrees_with_incremental_pruning_on_the_time_expanded_pomdp(A, Dtree, n):
    from mdplab import pomdp_planning as pp

    m = reveal_test(A, Dtree, n, 0.5, 0.4, 1, (1, -1)[:n])
    pm = to_pomdp(m)
    assert pp.finite_horizon_value_iteration(pm).value == pytest.approx(optimal_value(m), abs=1e-9)
    c = costly_reveal(0.5, 0.3, -1)
    assert pp.finite_horizon_value_iteration(to_pomdp(c)).value == pytest.approx(optimal_value(c), abs=1e-9)


@pytest.mark.parametrize("A", [2, 3])
@pytest.mark.parametrize("alpha", [1.0, 0.5, 0.3, 0.1])
def test_test_layer_is_two_step_but_not_one_step_revealing(A, alpha):
    m = reveal_test(A, 1, 3, alpha, 0.4, 0, (1, 1, -1))
    h = m.meta["test_step"]
    E = m.E[h]
    assert np.linalg.matrix_rank(E) == 3 < E.shape[1] == 6           # rank(O) = n < 2n
    assert alpha_l1(E) == 0.0 and alpha_l2(E) == 0.0
    M2 = emission_action_matrix(m.T, m.E, h, 2)
    assert np.linalg.matrix_rank(M2) == 6
    # spec B3.2 [C]: alpha_2 = A alpha with stacked blocks (the left inverse averages over the A action blocks)
    assert alpha_l1(M2) == pytest.approx(A * alpha, rel=1e-7)
    assert alpha_l1(emission_action_matrix(m.T, m.E, h, 2, normalise="average")) == pytest.approx(alpha, rel=1e-7)
    a_min, per_h = revealing_constants(m.T, m.E, 2)
    assert per_h.shape == (m.H - 1,)                                  # the outcome layer h = H - 1 is exempt
    assert a_min == pytest.approx(A * alpha, rel=1e-7)


@pytest.mark.parametrize("alpha", [1.0, 0.5, 0.25])
def test_control_is_one_step_revealing_with_alpha(alpha):
    m = reveal_test(2, 1, 3, alpha, 0.4, 0, (1, 1, -1), control=True)
    a_min, per_h = revealing_constants(m.T, m.E, 1)
    assert per_h[:-1] == pytest.approx(np.ones(m.H - 1))               # tree and test layers reveal exactly
    assert a_min == pytest.approx(alpha, rel=1e-7)                     # the outcome layer's 2x2 blocks


def test_costly_reveal_values_and_leak_keeps_values():
    for control in (False, True):
        m = costly_reveal(0.5, 0.3, 1, control=control)
        assert optimal_value(m) == pytest.approx(0.65, abs=TOL)       # (1 + eps)/2 by betting z
        assert policy_value(m, lambda hist, h, o: 2) == pytest.approx(0.0, abs=TOL)   # the probe pays 0
    m = reveal_test(2, 1, 2, 0.5, 0.4, 2, (1, -1))
    assert optimal_value(leaky(m)) == pytest.approx(optimal_value(m), abs=TOL)


def test_commit_policy_value_closed_form():
    n, alpha, eps = 4, 0.5, 0.4
    z = (1, -1, 1, 1)
    m = reveal_test(2, 1, n, alpha, eps, 3, z)
    for z_hat in [(1, -1, 1, 1), (1, 1, 1, 1), (-1, 1, -1, -1)]:
        agree = np.mean(np.array(z) * np.array(z_hat))
        assert policy_value(m, commit_policy(m, 3, z_hat)) == pytest.approx(0.5 + alpha * eps * agree / 2, abs=TOL)
    assert policy_value(m, commit_policy(m, 2, z)) == pytest.approx(0.5, abs=TOL)


@pytest.mark.parametrize("bad", [dict(A=1), dict(n=0), dict(alpha=0.0), dict(eps=1.5), dict(A=2.5),
                                 dict(alpha=float("nan")), dict(n=True)])
def test_hostile_parameters_raise_model_error(bad):
    kw = dict(A=2, Dtree=0, n=2, alpha=0.5, eps=0.4) | bad
    with pytest.raises(ModelError):
        reveal_test(**kw)


def test_models_are_immutable():
    m = reveal_test(2, 0, 2, 0.5, 0.4)
    with pytest.raises(ValueError):
        m.T[0][0, 0, 0] = 0.5


def test_enumeration_budget_is_checked(monkeypatch):
    import algorithms.revealing_lower.families as fam

    monkeypatch.setattr(fam, "MAX_NODES", 5)
    with pytest.raises(BudgetExceededError, match="MAX_NODES"):
        optimal_value(reveal_test(2, 1, 3, 0.5, 0.4))


# ---------------------------------------------------------------------------------------- divergences
@pytest.mark.parametrize("alpha, eps", [(1.0, 0.4), (0.5, 0.2), (0.25, 0.8)])
def test_pair_divergences_match_paninski_closed_forms_with_alpha_eps(alpha, eps):
    n, c = 3, 1
    z = (1, -1, -1)
    alt, null = reveal_test(2, 0, n, alpha, eps, c, z), reveal_test(2, 0, n, alpha, eps)
    pol = lambda m, cc: commit_policy(m, cc, (1,) * n)              # noqa: E731  (bet + everywhere)
    p, q = aligned(observation_law(alt, pol(alt, c)), observation_law(null, pol(null, c)))
    ref = paninski_pair_divergences(n, alpha * eps)
    assert total_variation(p, q) == pytest.approx(ref["tv"], abs=TOL)
    assert chi_square(p, q) == pytest.approx(ref["chi2"], abs=TOL)
    assert kl_divergence(p, q) == pytest.approx(ref["kl"], abs=TOL)
    assert hellinger_sq(p, q) == pytest.approx(ref["hellinger2"], abs=TOL)
    # another candidate's visit carries no information
    p0, q0 = aligned(observation_law(alt, pol(alt, 0)), observation_law(null, pol(null, 0)))
    assert total_variation(p0, q0) == 0.0 and kl_divergence(p0, q0) == 0.0


@pytest.mark.parametrize("p, q, N", [(0.3, 0.5, 1), (0.3, 0.5, 7), (0.55, 0.45, 20), (0.9, 0.2, 3)])
def test_products_of_bernoullis(p, q, N):
    got = product_divergences([p, 1 - p], [q, 1 - q], N)
    k = np.arange(N + 1)
    tv = 0.5 * np.abs(binom.pmf(k, N, p) - binom.pmf(k, N, q)).sum()
    kl = N * (p * math.log(p / q) + (1 - p) * math.log((1 - p) / (1 - q)))
    chi2 = (p * p / q + (1 - p) ** 2 / (1 - q)) ** N - 1
    bc = (math.sqrt(p * q) + math.sqrt((1 - p) * (1 - q))) ** N
    assert got["tv"] == pytest.approx(tv, abs=1e-12)
    assert got["kl"] == pytest.approx(kl, rel=1e-12)
    assert got["chi2"] == pytest.approx(chi2, rel=1e-12)
    assert got["hellinger2"] == pytest.approx(1 - bc, abs=1e-12)


@pytest.mark.parametrize("N", [1, 5, 20, 60])
def test_mixture_chi_square_pairwise_enumeration_equals_ingster_sum(N):
    n, alpha, eps, c = 3, 0.5, 0.8, 0
    laws = []
    for z in sign_vectors(n):
        m = reveal_test(2, 0, n, alpha, eps, c, z)
        laws.append(observation_law(m, commit_policy(m, c, (1,) * n)))
    null = reveal_test(2, 0, n, alpha, eps)
    laws.append(observation_law(null, commit_policy(null, c, (1,) * n)))
    arr = aligned(*laws)
    mix = mixture_chi_square(arr[:-1], arr[-1], N)
    assert mix == pytest.approx(paninski_mixture_chi_square(n, alpha * eps, N), rel=1e-10)
    assert mix <= paninski_mixture_chi_square_bound(n, alpha * eps, N) + 1e-12
    # one alternative is much easier to detect than the mixture
    assert (1 + chi_square(arr[0], arr[-1])) ** N - 1 >= mix - 1e-12


# spec B3.1 [C]: N* = min{N : chi^2 >= 1} at eps = 0.2 for support sizes 2n
@pytest.mark.parametrize("support, expected", list(zip([8, 16, 32, 64, 128, 256, 512, 1024, 2048],
                                                       [62, 86, 120, 169, 238, 335, 473, 668, 944])))
def test_n_star_table_support_sweep(support, expected):
    assert n_star(support // 2, 0.2) == expected


@pytest.mark.parametrize("eps, expected", [(0.05, 3776), (0.1, 945), (0.2, 238), (0.4, 61)])
def test_n_star_table_eps_sweep(eps, expected):
    assert n_star(64, eps) == expected


# spec B3.2 [C]: N*(n, alpha eps) at eps = 0.4
@pytest.mark.parametrize("alpha, expected", [(1.0, (17, 31, 61)), (0.5, (62, 120, 238)), (0.25, (244, 476, 945))])
def test_n_star_table_alpha(alpha, expected):
    assert tuple(n_star(n, alpha * 0.4) for n in (4, 16, 64)) == expected


def test_n_star_is_the_first_crossing_and_n_lb_total():
    n, e = 16, 0.3
    N = n_star(n, e)
    assert paninski_mixture_chi_square(n, e, N - 1) < 1.0 <= paninski_mixture_chi_square(n, e, N)
    assert n_lb_total(8, n, 0.5, 0.6) == 8 * N / 2
    # the S^1.5 mechanism: with K = n candidates, N_LB grows like n^1.5 (sqrt(n) per candidate)
    ns = np.array([2 ** k for k in range(6, 11)])
    slope = np.polyfit(np.log(ns), np.log([n_lb_total(int(k), int(k), 1.0, 0.2) for k in ns]), 1)[0]
    assert 1.45 <= slope <= 1.55


def test_visit_policy_reaches_its_candidate():
    A, D = 3, 1
    for c in range(A ** (D + 1)):
        m = reveal_test(A, D, 2, 1.0, 1.0, c, (1, 1))
        act = visit_policy(m, c)
        pol = lambda hist, h, o, act=act: int(act[h][o])            # noqa: E731
        # alpha = eps = 1: betting + at c* wins surely; elsewhere 1/2
        assert policy_value(m, pol) == pytest.approx(1.0, abs=TOL)


def _brute_force_emission_action(T, E, h, m):
    """M_{h,m} by summing over latent paths (an independent oracle for layered models of varying sizes)."""
    import itertools

    A = T[h].shape[1]
    S = E[h].shape[1]
    rows = []
    for acts in itertools.product(range(A), repeat=m - 1):
        for obs in itertools.product(*[range(E[h + k].shape[0]) for k in range(m)]):
            row = np.zeros(S)
            for s in range(S):
                total = 0.0
                for path in itertools.product(*[range(E[h + k].shape[1]) for k in range(1, m)]):
                    p, prev = E[h][obs[0], s], s
                    for k, nxt in enumerate(path, start=1):
                        p *= T[h + k - 1][prev, acts[k - 1], nxt] * E[h + k][obs[k], nxt]
                        prev = nxt
                    total += p
                row[s] = total
            rows.append(row)
    return np.array(rows)


@pytest.mark.parametrize("h, m", [(0, 3), (0, 2), (1, 3), (0, 4)])
def test_emission_action_matrix_on_layers_of_different_sizes(h, m):
    # layers of sizes 1, 6, 4, 4 (n = 3): regression for the reshape of intermediate steps
    mdl = reveal_test(2, 0, 3, 0.5, 0.4, 1, (1, -1, 1), delay=1)
    got = emission_action_matrix(mdl.T, mdl.E, h, m)
    ref = _brute_force_emission_action(mdl.T, mdl.E, h, m)
    assert got.shape == ref.shape
    assert np.allclose(np.sort(got, axis=0), np.sort(ref, axis=0), atol=1e-14)   # same rows (order may differ)
    assert np.allclose(got.sum(axis=0), 2 ** (m - 1))


@pytest.mark.parametrize("A", [2, 3])
@pytest.mark.parametrize("delay", [1, 2])
def test_delayed_outcome_is_m_step_but_not_m_minus_one_step_revealing(A, delay):
    alpha = 0.5
    mdl = reveal_test(A, 0, 2, alpha, 0.4, 0, (1, -1), delay=delay)
    m, h = mdl.meta["m"], mdl.meta["test_step"]
    assert m == delay + 2
    assert alpha_l1(emission_action_matrix(mdl.T, mdl.E, h, m - 1)) == 0.0
    assert alpha_l1(emission_action_matrix(mdl.T, mdl.E, h, m)) == pytest.approx(A ** (m - 1) * alpha, rel=1e-7)
    assert alpha_l1(emission_action_matrix(mdl.T, mdl.E, h, m, normalise="average")) == pytest.approx(alpha, rel=1e-7)
    assert optimal_value(mdl) - optimal_value(reveal_test(A, 0, 2, alpha, 0.4, delay=delay)) == \
        pytest.approx(alpha * 0.4 / 2, abs=TOL)


@pytest.mark.parametrize("delay", [0, 1])
def test_instance_library_reports_exact_quantities(delay):
    from scenarios.instances.revealing import reveal_test_family

    inst = reveal_test_family(A=2, Dtree=1, n=3, alpha=0.5, eps=0.4, seed=7, delay=delay)
    assert inst.m == delay + 2 and inst.alpha_below == 0.0
    assert inst.gap == pytest.approx(0.1, abs=TOL)
    assert inst.value == pytest.approx(0.6, abs=TOL)
    # the l1 constant, averaged over the A^(m-1) blocks, is alpha (the test layer is the binding step)
    assert inst.alpha_m / 2 ** (inst.m - 1) == pytest.approx(0.5, rel=1e-7)
    assert inst.alpha_m_l2 > 0
    null = reveal_test_family(A=2, Dtree=1, n=3, alpha=0.5, eps=0.4, seed=None, delay=delay)
    assert null.gap == 0.0 and null.value == pytest.approx(0.5, abs=TOL)


@pytest.mark.parametrize("N", [1, 4, 12])
def test_mixture_against_null_by_count_enumeration(N):
    from algorithms.revealing_lower.divergences import mixture_product_divergences

    n, alpha, eps, c = 2, 1.0, 0.6, 1
    laws = []
    for z in sign_vectors(n):
        m = reveal_test(2, 0, n, alpha, eps, c, z)
        laws.append(observation_law(m, commit_policy(m, c, (1,) * n)))
    null = reveal_test(2, 0, n, alpha, eps)
    laws.append(observation_law(null, commit_policy(null, c, (1,) * n)))
    arr = aligned(*laws)
    got = mixture_product_divergences(arr[:-1], arr[-1], N)
    assert got["chi2"] == pytest.approx(paninski_mixture_chi_square(n, alpha * eps, N), rel=1e-9, abs=1e-12)
    assert got["tv"] <= math.sqrt(got["chi2"]) / 2 + 1e-12            # TV <= sqrt(chi^2)/2
    assert got["kl"] <= math.log1p(got["chi2"]) + 1e-12                # KL <= log(1 + chi^2)
    if N == 1:                                                          # one episode: the mixture IS the null
        assert got["tv"] == pytest.approx(0.0, abs=1e-15)
