"""Tests of stock-augmented distributional DP (Avila Pires et al. 2025, arXiv:2501.13028v2).

Checklist: the V1-V15 table of ``../shared/papers/distributional_dp.md`` Sec. 6.  Oracles: published
projection cases and analytic return laws in ``tests/data/`` (sources in ``tests/data/README.md``),
brute-force enumeration of history-dependent policies and history trees on tiny instances (exact
Fraction arithmetic), the core's VI / backward induction, and the spec's [X] reference numbers
(written here as constants with their source).
"""
from __future__ import annotations

import json
import math
import warnings
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mdplab
from algorithms.distributional import (CategoricalSupport, FiniteDistribution, StockGrid, categorical_policy_evaluation,
                                       categorical_projection,
                                       cvar_inner_utility, cvar_outer_search, distributional_policy_iteration,
                                       distributional_value_iteration, evaluate_stock_policy, joint_kernel_from_mdp,
                                       joint_kernel_from_outcomes, mean_cvar_utility, mean_utility, neg_abs_utility,
                                       policy_return_law, quantile_projection, sample_episodes,
                                       scalar_shadow_backward_induction, stage_value, step_utility,
                                       stock_backward_induction, var_by_bisection, wasserstein1)
from algorithms.distributional import exact as ex
from algorithms.distributional.diagnostics import ObjectiveWarning, diagnose_objective
from algorithms.distributional import _kernels as K
from mdplab.errors import ModelError
from scenarios import distributional as inst

# One table of tolerances (jax-md style).
TOL = {"mass": 1e-12, "float": 1e-10, "core": 1e-9, "reference": 1e-3,
       "shadow": 1e-9}  # shadow: two float summation orders over H = 20 stages, values up to 70


#: Published cases shipped with the tests (sources and licenses: tests/data/README.md).
TEST_DATA = Path(__file__).resolve().parent / "data"


def _data(name):
    return json.loads((TEST_DATA / name).read_text())


# ============================================================================ projections (data files)
def test_categorical_projection_published_cases():
    cases = _data("categorical_projection_cases.json")["cases"]
    assert len(cases) == 7
    for case in cases:
        supports = case.get("target_support_per_row") or [case["target_support"]] * len(case["supports"])
        for atoms, w, target, expected in zip(case["supports"], case["weights"], supports, case["expected"]):
            np.testing.assert_allclose(categorical_projection(atoms, w, target), expected, atol=1e-12, err_msg=case["name"])


def test_categorical_projection_rejects_invalid_supports():
    bad = _data("categorical_projection_cases.json")["invalid_inputs_that_must_be_rejected"]
    for case in bad:
        with pytest.raises(ValueError, match="categorical support"):
            categorical_projection(case["supports"][0], case["weights"][0], case["target_support"])


def _single_state_fixed_point(values, probs, gamma, support, n_iter=700):
    """Categorical fixed point of Pi_C T on one state with i.i.d. rewards (CSR kernel)."""
    kern = joint_kernel_from_outcomes([[[(p, r, 0) for r, p in zip(values, probs)]]])
    sup = CategoricalSupport(float(support[0]), float(support[1] - support[0]), len(support))
    eta = np.zeros((1, sup.m))
    eta[0, 0] = 1.0
    out, work = np.empty_like(eta), np.empty_like(eta)
    pi = np.zeros(1, dtype=np.int64)
    for _ in range(n_iter):
        K.categorical_evaluation_csr(kern.indptr, kern.indices, kern.data, kern.reward, 1, gamma, pi, sup.z0, sup.dz, eta, work, out)
        eta, out = out, eta
    return eta[0]


def test_bernoulli_gamma_09_categorical_fixed_point_is_binomial():
    ex_ = {e["name"]: e for e in _data("analytic_return_distributions.json")["examples"]}["bernoulli_half_gamma_0.9"]
    fp = ex_["computed_here_categorical_DP_fixed_point"]
    eta11 = _single_state_fixed_point([0, 1], [0.5, 0.5], 0.9, fp["support_K11"])
    np.testing.assert_allclose(eta11, [math.comb(10, i) / 1024 for i in range(11)], atol=1e-12)
    eta5 = _single_state_fixed_point([0, 1], [0.5, 0.5], 0.9, fp["support_K5"])
    np.testing.assert_allclose(eta5, np.array([1, 4, 6, 4, 1]) / 16, atol=1e-12)
    kern = joint_kernel_from_outcomes([[[(0.5, 0.0, 0), (0.5, 1.0, 0)]]])
    api = categorical_policy_evaluation(kern, np.zeros(1, dtype=np.int64), 0.9, CategoricalSupport(0.0, 1.0, 11), 700)
    np.testing.assert_allclose(api[0], eta11, atol=1e-14)
    z = np.array(fp["support_K11"], dtype=float)
    assert eta11 @ z == pytest.approx(ex_["true_return"]["mean"], abs=1e-12)       # mean preserved
    assert eta11 @ (z - 5) ** 2 == pytest.approx(fp["variance_K11"], abs=1e-10)    # variance inflated


@pytest.mark.parametrize("name,values,key", [("bernoulli_half_gamma_half", [0, 1], "K5"),
                                             ("bernoulli_half_gamma_half", [0, 1], "K9"),
                                             ("cantor_gamma_third", [0, 2], "K4"),
                                             ("cantor_gamma_third", [0, 2], "K5")])
def test_categorical_fixed_points_from_data(name, values, key):
    e = {x["name"]: x for x in _data("analytic_return_distributions.json")["examples"]}[name]
    fp = e["computed_here_categorical_DP_fixed_point"]
    probs = fp.get(f"probs_{key}") or [float(F(p)) for p in fp[f"probs_{key}_exact"]]
    eta = _single_state_fixed_point(values, [0.5, 0.5], e["gamma"], fp[f"support_{key}"])
    np.testing.assert_allclose(eta, probs, atol=1e-12)


def test_analytic_projections_and_quantiles():
    ex_ = {e["name"]: e for e in _data("analytic_return_distributions.json")["examples"]}
    d = ex_["deterministic_self_loop"]
    np.testing.assert_allclose(categorical_projection([10.0], [1.0], d["categorical_projection_on_support"]["support"]),
                               d["categorical_projection_on_support"]["probs"], atol=1e-12)
    np.testing.assert_allclose(categorical_projection([10.0], [1.0], [0, 4, 8, 12]), [0, 0, 0.5, 0.5], atol=1e-12)
    tb = ex_["two_step_branch"]
    proj = tb["categorical_projection_from_A_on_support"]
    np.testing.assert_allclose(categorical_projection(tb["return_from_A"]["values"], tb["return_from_A"]["probs"], proj["support"]),
                               proj["probs"], atol=1e-12)
    # Uniform[0, 2] (bernoulli, gamma = 1/2) as its 2^12-atom dyadic approximation: quantile atoms within 2^-11
    n = 2 ** 12
    uni = FiniteDistribution(tuple(2 * (i + 0.5) / n for i in range(n)), tuple([1.0 / n] * n))
    q = ex_["bernoulli_half_gamma_half"]["W1_optimal_quantile_projection"]
    np.testing.assert_allclose(quantile_projection(uni, 4), q["m4"], atol=2.0 / n)
    np.testing.assert_allclose(quantile_projection(uni, 5), q["m5"], atol=2.0 / n)
    geo = ex_["geometric_termination"]
    law = FiniteDistribution.from_pairs(zip(geo["atoms_first6"], geo["probs_first6"]))
    assert float(law.mass) == pytest.approx(sum(geo["probs_first6"]))


# ============================================================================ kernels
def _slow_categorical_evaluation(P, R, gamma, pi, z, eta):
    """Reference Pi_C T^pi in plain numpy (kept in tests)."""
    S, m = eta.shape
    out = np.zeros_like(eta)
    dz = z[1] - z[0]
    for s in range(S):
        for sn in range(S):
            for i in range(m):
                w = P[s, pi[s], sn] * eta[sn, i]
                x = np.clip(R[s, pi[s]] + gamma * z[i], z[0], z[-1])
                pos = (x - z[0]) / dz
                k = min(int(np.floor(pos)), m - 2)
                frac = pos - k
                out[s, k] += w * (1 - frac)
                out[s, k + 1] += w * frac
    return out


@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(1, 3), st.floats(0.1, 0.99))
def test_categorical_evaluation_dense_csr_reference_and_mass(seed, S, A, gamma):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(S, A)) * (rng.random((S, A, S)) < 0.7)
    P[..., 0] += 1e-3
    P /= P.sum(axis=2, keepdims=True)
    model = mdplab.MDP(P, rng.normal(size=(S, A)), discount=gamma)
    kern = joint_kernel_from_mdp(model)
    sup = CategoricalSupport.spanning(-3.0, 3.0, 13)
    eta = rng.dirichlet(np.ones(sup.m), size=S)
    pi = rng.integers(0, A, size=S)
    out_d, out_c, work = np.empty_like(eta), np.empty_like(eta), np.empty_like(eta)
    K.categorical_evaluation_dense(model.P, model.R, gamma, pi, sup.z0, sup.dz, eta, work, out_d)
    K.categorical_evaluation_csr(kern.indptr, kern.indices, kern.data, kern.reward, A, gamma, pi, sup.z0, sup.dz, eta, work, out_c)
    ref = _slow_categorical_evaluation(model.P, model.R, gamma, pi, sup.atoms, eta)
    np.testing.assert_allclose(out_d, ref, atol=1e-12)
    np.testing.assert_allclose(out_c, ref, atol=1e-12)
    np.testing.assert_allclose(out_c.sum(axis=1), 1.0, atol=TOL["mass"])
    py = np.empty_like(eta)
    K.categorical_evaluation_csr.py_func(kern.indptr, kern.indices, kern.data, kern.reward, A, gamma, pi, sup.z0, sup.dz, eta, work, py)
    np.testing.assert_allclose(py, out_c, atol=1e-14)


@given(st.integers(0, 10_000), st.integers(1, 5), st.integers(1, 3), st.floats(0.0, 0.99))
def test_categorical_evaluation_csr_with_random_rewards_matches_per_outcome_projection(seed, S, A, gamma):
    """Rows with several reward groups (outcomes sharing a reward are mixed before the projection), some of
    them repeated, against projecting every outcome's atoms one by one; rewards reach past both ends of the
    support, so the clipping is exercised too."""
    rng = np.random.default_rng(seed)
    rewards = np.array([-4.0, -0.5, 0.0, 0.7, 5.0])
    outcomes = []
    for s in range(S):
        outcomes.append([])
        for a in range(A):
            n = int(rng.integers(1, 7))
            p = rng.dirichlet(np.ones(n))
            r = rng.choice(rewards, n)
            outcomes[s].append([(float(p[k]), float(r[k]), int(rng.integers(0, S))) for k in range(n)])
    kern = joint_kernel_from_outcomes(outcomes)
    sup = CategoricalSupport.spanning(-3.0, 3.0, 13)
    eta = rng.dirichlet(np.ones(sup.m), size=S)
    pi = rng.integers(0, A, size=S)
    out, work = np.empty_like(eta), np.empty_like(eta)
    K.categorical_evaluation_csr(kern.indptr, kern.indices, kern.data, kern.reward, A, gamma, pi, sup.z0, sup.dz, eta, work, out)
    ref = np.zeros_like(eta)
    for s in range(S):
        for p, r, sn in outcomes[s][pi[s]]:
            pos = np.clip((r + gamma * sup.atoms - sup.z0) / sup.dz, 0, sup.m - 1)
            lo = np.minimum(np.floor(pos).astype(int), sup.m - 2)
            frac = pos - lo
            # the documented snapping rule (K.SNAP): positions within SNAP of a grid point sit on it, so
            # round-off never splits an atom's mass (hypothesis found gamma = 1e-11, where it matters)
            frac = np.where(frac < K.SNAP, 0.0, np.where(frac > 1 - K.SNAP, 1.0, frac))
            np.add.at(ref[s], lo, p * eta[sn] * (1 - frac))
            np.add.at(ref[s], lo + 1, p * eta[sn] * frac)
    np.testing.assert_allclose(out, ref, atol=1e-12)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=TOL["mass"])


def test_sparse_core_model_matches_dense():
    import scipy.sparse as sp
    model = mdplab.MDP(np.random.default_rng(1).dirichlet(np.ones(6), size=(6, 2)), np.arange(12.0).reshape(6, 2) % 3,
                       horizon=4)
    sparse = mdplab.MDP(sp.csr_matrix(model.P.reshape(12, 6)), model.R, horizon=4)
    grid = StockGrid.integers(-10, 2)
    a = stock_backward_induction(joint_kernel_from_mdp(model), 4, cvar_inner_utility(), grid)
    b = stock_backward_induction(joint_kernel_from_mdp(sparse), 4, cvar_inner_utility(), grid)
    np.testing.assert_allclose(a.value, b.value, atol=1e-12)


def _cliff_cvar_solution():
    return stock_backward_induction(inst.slippery_cliff(), inst.CLIFF_HORIZON, cvar_inner_utility(), StockGrid.integers(-60, 60))


@pytest.fixture(scope="module")
def cliff_cvar():
    return _cliff_cvar_solution()


def test_stock_kernel_conserves_mass(cliff_cvar):
    np.testing.assert_allclose(cliff_cvar.eta0.sum(axis=2), 1.0, atol=TOL["mass"])
    np.testing.assert_allclose(cliff_cvar.tail_law.sum(axis=-1), 1.0, atol=TOL["mass"])
    assert cliff_cvar.exact


# ============================================================================ V1 stock identity (T0)
@pytest.mark.parametrize("gamma", [F(1, 2), F(9, 10)])
def test_v1_stock_identity_exact(gamma):
    rng = np.random.default_rng(7)
    for _ in range(1000):
        c0 = F(int(rng.integers(-5, 6)), int(rng.integers(1, 4)))
        rewards = [F(int(x), 4) for x in rng.integers(-8, 9, size=20)]
        c, acc, disc = c0, c0, F(1)
        for t in range(20):
            c = (c + rewards[t]) / gamma                                   # c' = (c + r)/gamma
            acc, disc = acc + disc * rewards[t], disc * gamma              # c_0 + sum_{k<=t} gamma^k r_k
            assert disc * c == acc


# ============================================================================ V2 T2 exactness vs history trees
UTILITIES_EXACT = {"x": lambda x: x, "min(x,0)": lambda x: min(x, 0 * x), "1{x>=0}": lambda x: F(int(x >= 0)),
                   "-|x|": lambda x: -abs(x), "-x^2": lambda x: -x * x}


@pytest.mark.parametrize("gamma", [F(1, 2), F(1)])
@pytest.mark.parametrize("name", list(UTILITIES_EXACT))
@pytest.mark.parametrize("seed", range(6))
def test_v2_stock_dp_equals_history_tree(seed, name, gamma):
    outs = inst.random_joint_kernel(3, 2, seed, exact=True)
    f = UTILITIES_EXACT[name]
    for c0 in (F(-3), F(-1), F(0), F(1, 2)):
        dp, _, _ = ex.exact_backward_induction(outs, 4, gamma, ex.expected_utility_functional(f), 0, c0)
        assert dp == ex.history_tree_optimum(outs, 4, gamma, f, 0, c0)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6, 30))
def test_v2_full_family(seed):
    for name in UTILITIES_EXACT:
        test_v2_stock_dp_equals_history_tree(seed, name, F(1, 2))


# ============================================================================ V3 CVaR / threshold / homeostasis vs brute force
@pytest.mark.parametrize("seed", range(15))
def test_v3_cvar_outer_search_equals_policy_enumeration(seed):
    outs = inst.random_joint_kernel(2, 2, seed, exact=True)
    tau, gamma = F(1, 4), F(1)
    value, c_star = ex.exact_cvar(outs, 3, gamma, 0, tau)
    best, law = ex.brute_force_optimum(outs, 3, gamma, lambda L: L.cvar(tau), 0, F(0))
    assert value == best
    # c_0 = -VaR_tau(optimal law) attains the outer maximum (Sec. 4.1)
    dp = ex.ExactStockDP(outs, 3, gamma, ex.expected_utility_functional(lambda x: min(x, 0 * x)))
    c = -law.quantile(tau)
    assert -c + dp.node(0, 0, c)[0] / tau == best
    assert ex.policy_law(dp, 0, c_star).cvar(tau) == value        # the executed read-off policy attains it


@pytest.mark.parametrize("seed", range(8))
def test_threshold_and_homeostasis_equal_policy_enumeration(seed):
    outs = inst.random_joint_kernel(2, 2, seed, exact=True, n_outcomes=2)
    laws = ex.achievable_return_laws(outs, 3, F(1), 0)
    for theta in (F(-1), F(0), F(1), F(2), F(3)):
        assert ex.exact_threshold(outs, 3, F(1), 0, theta) == max(L.prob_at_least(theta) for L in laws)
        assert ex.exact_homeostasis(outs, 3, F(1), 0, theta) == max(L.expect(lambda x: -abs(x - theta)) for L in laws)
        assert ex.exact_homeostasis(outs, 3, F(1), 0, theta, square=True) == max(L.expect(lambda x: -(x - theta) ** 2) for L in laws)
    for tau in (F(1, 4), F(1, 2), F(3, 4)):
        assert ex.exact_var(outs, 3, F(1), 0, tau) == max(L.quantile(tau) for L in laws)


@pytest.mark.parametrize("seed", range(4))
def test_grid_engine_equals_exact_engine(seed):
    outs = inst.random_joint_kernel(3, 2, seed, rewards=(-2, -1, 0, 1, 3))
    kern = joint_kernel_from_outcomes(outs)
    grid = StockGrid.integers(-14, 10)
    cv = stock_backward_induction(kern, 4, cvar_inner_utility(), grid)
    res = cvar_outer_search(cv.value[0, 0], grid.values, 0.3)
    v_exact, _ = ex.exact_cvar(kern.outcome_lists(exact=True), 4, F(1), 0, F(3, 10))
    assert res.value == pytest.approx(float(v_exact), abs=TOL["float"])
    st_ = stock_backward_induction(kern, 4, step_utility(), grid)
    ha = stock_backward_induction(kern, 4, neg_abs_utility(), grid)
    for theta in (-2, 0, 1, 4):
        assert stage_value(st_, 0, 0, -theta) == pytest.approx(float(ex.exact_threshold(kern.outcome_lists(exact=True), 4, F(1), 0, F(theta))), abs=TOL["float"])
        assert stage_value(ha, 0, 0, -theta) == pytest.approx(float(ex.exact_homeostasis(kern.outcome_lists(exact=True), 4, F(1), 0, F(theta))), abs=TOL["float"])
    vb = var_by_bisection(lambda th: stage_value(st_, 0, 0, -th), np.arange(-8, 13), 0.3)
    assert vb == float(ex.exact_var(kern.outcome_lists(exact=True), 4, F(1), 0, F(3, 10)))


# ============================================================================ Sec. 4.1 worked example, T6(d)
def test_cvar_worked_example():
    outs = inst.cvar_worked_example()
    value, c_star = ex.exact_cvar(outs, 2, F(1), 0, F(1, 2))
    assert (value, c_star) == (F(-1, 2), F(-2))
    dp = ex.ExactStockDP(outs, 2, F(1), ex.expected_utility_functional(lambda x: min(x, 0 * x)))
    dp.node(0, 0, c_star)
    assert dp.action(1, 1, F(-4)) == 1 and dp.action(1, 1, F(0)) == 0   # risk after the loss, safe after the gain
    law = ex.policy_law(dp, 0, c_star)
    assert dict(zip(law.atoms, law.probs)) == {F(-8): F(1, 8), F(2): F(7, 8)}
    # the best stock-free (Markov) policy reaches only -2 (T6(d))
    markov = []
    for a1 in (0, 1):
        L = FiniteDistribution.mixture([FiniteDistribution.from_pairs((r0 + r1, q) for q, r1, _ in outs[1][a1])
                                        for _, r0, _ in outs[0][0]], [p for p, _, _ in outs[0][0]])
        markov.append(L.cvar(F(1, 2)))
    assert max(markov) == F(-2)


# ============================================================================ V4, V5 counterexamples; diagnostics
def test_v4_variance_counterexample_shows_gap():
    outs = inst.variance_counterexample()
    K_var = lambda L: -L.variance()  # noqa: E731
    dp, _, _ = ex.exact_backward_induction(outs, 2, F(1), K_var, 0, F(0))
    best, _ = ex.brute_force_optimum(outs, 2, F(1), K_var, 0, F(0))
    assert (dp, best) == (F(-1), F(-1, 2))
    with pytest.warns(ObjectiveWarning, match="mixture"):
        diag = diagnose_objective(lambda L: -float(L.variance()), 1.0, trials=300)
    assert diag.mixture_violations > 0


def test_v5_exponential_counterexample_and_gamma_one_control():
    outs = inst.exponential_counterexample()
    Kexp = ex.expected_utility_functional(lambda x: -math.exp(-float(x)))
    dp, _, _ = ex.exact_backward_induction(outs, 2, F(1, 2), Kexp, 0, F(0))
    best, _ = ex.brute_force_optimum(outs, 2, F(1, 2), Kexp, 0, F(0))
    assert dp == pytest.approx(-math.exp(0.55), abs=1e-12) and dp == pytest.approx(-1.73325, abs=1e-5)
    assert best == pytest.approx(-math.cosh(1.0), abs=1e-12) and best == pytest.approx(-1.54308, abs=1e-5)
    with pytest.warns(ObjectiveWarning, match="scale consistency"):
        diagnose_objective(lambda L: L.expect(lambda x: -math.exp(-x)), 0.5, trials=300)
    f2 = lambda x: -math.exp(-2 * float(x))  # noqa: E731
    for seed in range(30):                      # gamma = 1: exact on every random MDP [X: 30 of 30]
        o = inst.random_joint_kernel(3, 2, seed, exact=True)
        dp1, _, _ = ex.exact_backward_induction(o, 4, F(1), ex.expected_utility_functional(f2), 0, F(0))
        assert dp1 == pytest.approx(ex.history_tree_optimum(o, 4, F(1), f2, 0, F(0)), rel=1e-12)


@pytest.mark.parametrize("name,K,gamma", [
    ("min(x,0)", lambda L: L.expect(lambda x: min(x, 0.0)), 0.5), ("1{x>=0}", lambda L: L.prob_at_least(0.0), 0.9),
    ("-|x|", lambda L: L.expect(lambda x: -abs(x)), 0.9), ("-exp gamma=1", lambda L: L.expect(lambda x: -math.exp(-x)), 1.0)])
def test_diagnostic_accepts_objectives_in_the_class(name, K, gamma):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ObjectiveWarning)
        assert diagnose_objective(K, gamma, trials=300).exact


def test_diagnostic_flags_cvar_used_directly():
    with pytest.warns(ObjectiveWarning):
        assert diagnose_objective(lambda L: L.cvar(0.25), 0.9, trials=600).mixture_violations > 0


# ============================================================================ V6 mean = classic DP
@pytest.fixture(scope="module")
def random_discounted():
    rng = np.random.default_rng(3)
    P = rng.dirichlet(np.ones(20), size=(20, 3)) * (rng.random((20, 3, 20)) < 0.3)
    P[..., 0] += 1e-2
    P /= P.sum(axis=2, keepdims=True)
    return mdplab.MDP(P, rng.integers(-2, 3, size=(20, 3)).astype(float), discount=0.9)


def test_v6_mean_objective_reproduces_core_vi(random_discounted):
    model = random_discounted
    v_star = mdplab.solvers.value_iteration(model, tol=1e-12).values
    grid = StockGrid(-1.0, 1.0, 3)
    sol = distributional_value_iteration(joint_kernel_from_mdp(model), 0.9, mean_utility(), grid, n_iter=300)
    np.testing.assert_allclose(sol.value - grid.values[None, :], np.repeat(v_star[:, None], 3, axis=1), atol=TOL["core"])
    assert np.all(sol.policy == sol.policy[:, :1])     # greedy action independent of the stock


def test_v6_mean_finite_horizon_reproduces_backward_induction():
    rng = np.random.default_rng(5)
    model = mdplab.MDP(rng.dirichlet(np.ones(8), size=(8, 3)), rng.random((8, 3)), horizon=7)
    v = mdplab.solvers.backward_induction(model).values[0]
    kern = joint_kernel_from_mdp(model)
    sup = CategoricalSupport.spanning(0.0, 7.0, 29)
    sol = stock_backward_induction(kern, 7, mean_utility(), StockGrid(0.0, 1.0, 2), 1.0, sup)
    np.testing.assert_allclose(sol.value[0, :, 0], v, atol=TOL["core"])


# ============================================================================ V7 scalar shadow
def test_v7_distributional_equals_scalar_shadow(cliff_cvar):
    kern = inst.slippery_cliff()
    U = scalar_shadow_backward_induction(kern, inst.CLIFF_HORIZON, cvar_inner_utility(), cliff_cvar.grid)
    np.testing.assert_allclose(cliff_cvar.value, U, atol=TOL["shadow"])
    kf = inst.forage()
    grid = StockGrid.integers(-22, 4)
    sol = stock_backward_induction(kf, 20, neg_abs_utility(), grid)
    np.testing.assert_allclose(sol.value, scalar_shadow_backward_induction(kf, 20, neg_abs_utility(), grid), atol=TOL["shadow"])


def test_v7_scalar_shadow_gamma_half():
    kern = joint_kernel_from_outcomes(inst.random_joint_kernel(3, 2, 11))
    grid = StockGrid.integers(-8, 6)
    sup = CategoricalSupport(-2.0, 0.25, 25)
    for util in (cvar_inner_utility(), neg_abs_utility(), mean_cvar_utility(0.3, 0.25)):
        sol = stock_backward_induction(kern, 5, util, grid, 0.5, sup)
        np.testing.assert_allclose(sol.value, scalar_shadow_backward_induction(kern, 5, util, grid, 0.5), atol=TOL["shadow"])


# ============================================================================ V8 contraction and Monte Carlo
def test_v8_policy_evaluation_contracts_in_w1():
    rng = np.random.default_rng(0)
    outs = inst.random_joint_kernel(10, 1, 4, n_outcomes=3)
    gamma = 0.8

    def T(eta):
        return [FiniteDistribution.mixture([eta[sn].pushforward(r, gamma) for _, r, sn in outs[s][0]],
                                           [p for p, _, _ in outs[s][0]]) for s in range(10)]

    for _ in range(20):
        e1 = [FiniteDistribution.from_pairs(zip(rng.normal(size=3).tolist(), rng.dirichlet(np.ones(3)).tolist())) for _ in range(10)]
        e2 = [FiniteDistribution.from_pairs(zip(rng.normal(size=3).tolist(), rng.dirichlet(np.ones(3)).tolist())) for _ in range(10)]
        before = max(wasserstein1(a, b) for a, b in zip(e1, e2))
        after = max(wasserstein1(a, b) for a, b in zip(T(e1), T(e2)))
        assert after <= gamma * before + 1e-12


def test_v8_monte_carlo_matches_exact_law(cliff_cvar):
    """KS distance of 10^5 executed episodes to the exact law of the read-off policy <= 1.36/sqrt(n)
    (95% confidence for continuous laws, conservative for discrete ones; fixed seed)."""
    n = 100_000
    res = cvar_outer_search(cliff_cvar.value[0, inst.CLIFF_START], cliff_cvar.grid.values, 0.25)
    law = policy_return_law(cliff_cvar, inst.CLIFF_START, res.initial_stock).law
    eps = sample_episodes(cliff_cvar, inst.CLIFF_START, res.initial_stock, n, seed=11)
    np.testing.assert_allclose(eps.stocks[:, -1], res.initial_stock + eps.returns)   # T0 at gamma = 1
    atoms = np.array(law.atoms, dtype=float)
    emp = np.searchsorted(np.sort(eps.returns), atoms, side="right") / n
    assert np.max(np.abs(emp - np.cumsum(law.probs))) <= 1.36 / math.sqrt(n)
    a = sample_episodes(cliff_cvar, inst.CLIFF_START, res.initial_stock, 200, seed=5)
    b = sample_episodes(cliff_cvar, inst.CLIFF_START, res.initial_stock, 200, seed=5)
    np.testing.assert_array_equal(a.states, b.states)                      # same seed, same episodes
    np.testing.assert_array_equal(a.rewards, b.rewards)


# ============================================================================ V9-V11 infinite horizon (exact at gamma = 1/2)
def _rate_setup(seed=2):
    kern = joint_kernel_from_outcomes(inst.random_joint_kernel(3, 2, seed))
    return kern, StockGrid.integers(-6, 4), CategoricalSupport(-2.0, 0.25, 25)


@pytest.mark.parametrize("util", [cvar_inner_utility(), neg_abs_utility()], ids=["min(x,0)", "-|x|"])
def test_v9_v10_dvi_rate_and_greedy_suboptimality(util):
    kern, grid, sup = _rate_setup()
    gamma, L, W0 = 0.5, 1.0, 2.0 / (1 - 0.5)                      # W0 <= R_max/(1 - gamma)
    sol = distributional_value_iteration(kern, gamma, util, grid, sup, n_iter=60)
    F_star = sol.values[-1]
    err = np.abs(sol.values - F_star).max(axis=(1, 2))
    ks = np.arange(len(err))
    assert np.all(err[:40] <= gamma ** ks[:40] * L * W0 + TOL["float"])                  # T3(ii)
    for k in (0, 1, 3, 6, 10):
        _, Fpi = evaluate_stock_policy(kern, gamma, util, grid, sup, sol.policies[k], sol.tail_law)
        gap = (F_star - Fpi).max()
        assert -TOL["float"] <= gap <= 2 * gamma ** (k + 1) * L * W0 / (1 - gamma) + TOL["float"]  # T3(iii)


def test_v11_dpi_monotone_terminates_optimal():
    kern, grid, sup = _rate_setup()
    util = cvar_inner_utility()
    dpi = distributional_policy_iteration(kern, 0.5, util, grid, sup)
    dvi = distributional_value_iteration(kern, 0.5, util, grid, sup, n_iter=60)
    steps = np.diff(dpi.values, axis=0)
    assert dpi.iterations < 100 and (steps.size == 0 or steps.min() >= -TOL["float"])
    np.testing.assert_allclose(dpi.value, dvi.values[-1], atol=1e-9)


# ============================================================================ V13 invariances
@pytest.mark.parametrize("seed", range(5))
def test_v13_scaling_and_monotone_lipschitz_in_stock(seed):
    outs = inst.random_joint_kernel(3, 2, seed, exact=True)
    alpha = F(3)
    scaled = [[[(p, alpha * r, t) for p, r, t in o] for o in row] for row in outs]
    f = lambda x: min(x, 0 * x)  # noqa: E731
    Kf = ex.expected_utility_functional(f)
    for c0 in (F(-2), F(1, 2)):
        v, _, dp = ex.exact_backward_induction(outs, 3, F(1, 2), Kf, 0, c0)
        va, _, dpa = ex.exact_backward_induction(scaled, 3, F(1, 2), Kf, 0, alpha * c0)
        assert va == alpha * v and dp.action(0, 0, c0) == dpa.action(0, 0, alpha * c0)
    cs = [F(k, 2) for k in range(-12, 6)]
    vals = [ex.exact_backward_induction(outs, 3, F(1, 2), Kf, 0, c)[0] for c in cs]
    assert all(b >= a for a, b in zip(vals, vals[1:]))
    assert all(b - a <= c1 - c0 for a, b, c0, c1 in zip(vals, vals[1:], cs, cs[1:]))


# ============================================================================ V14 worked examples (E1, E2)
@pytest.mark.parametrize("tau", sorted(inst.CLIFF_REFERENCE))
def test_v14_e1_cliff_cvar_reference(cliff_cvar, tau):
    c_ref, cvar_ref, mean_ref = inst.CLIFF_REFERENCE[tau]
    res = cvar_outer_search(cliff_cvar.value[0, inst.CLIFF_START], cliff_cvar.grid.values, tau)
    assert res.initial_stock == c_ref and res.value == pytest.approx(cvar_ref, abs=TOL["reference"])
    law = policy_return_law(cliff_cvar, inst.CLIFF_START, res.initial_stock).law
    assert float(law.cvar(tau)) == pytest.approx(res.value, abs=TOL["float"])   # executed policy attains it
    assert float(law.mean()) == pytest.approx(mean_ref, abs=TOL["reference"])    # lowest-index tie-break


def test_v14_e1_risk_neutral_reference():
    kern = inst.slippery_cliff()
    sol = stock_backward_induction(kern, inst.CLIFF_HORIZON, mean_utility(), StockGrid(0.0, 1.0, 1))
    assert sol.value[0, inst.CLIFF_START, 0] == pytest.approx(inst.CLIFF_MEAN, abs=TOL["reference"])
    law = policy_return_law(sol, inst.CLIFF_START, 0.0).law
    for tau, ref in inst.CLIFF_RISK_NEUTRAL_CVAR.items():
        assert float(law.cvar(tau)) == pytest.approx(ref, abs=TOL["reference"])
    assert float(law.cdf(-20)) == pytest.approx(0.140, abs=TOL["reference"])


@pytest.mark.parametrize("h", sorted(inst.FORAGE_REFERENCE))
def test_v14_e2_forage_reference(h):
    sol = _forage_solution()
    v_ref, mean_ref, p_ref = inst.FORAGE_REFERENCE[h]
    assert stage_value(sol, 0, inst.FORAGE_START, -h) == pytest.approx(v_ref, abs=TOL["reference"])
    law = policy_return_law(sol, inst.FORAGE_START, -h).law
    assert float(law.mean()) == pytest.approx(mean_ref, abs=TOL["reference"])
    assert float(sum(p for x, p in zip(law.atoms, law.probs) if x == h)) == pytest.approx(p_ref, abs=TOL["reference"])
    assert float(law.expect(lambda x: -abs(x - h))) == pytest.approx(stage_value(sol, 0, inst.FORAGE_START, -h), abs=TOL["float"])


_FORAGE = {}


def _forage_solution():
    if "sol" not in _FORAGE:
        _FORAGE["sol"] = stock_backward_induction(inst.forage(), inst.FORAGE_HORIZON, neg_abs_utility(), StockGrid.integers(-25, 5))
    return _FORAGE["sol"]


@pytest.mark.parametrize("theta,expected", [(0, 1), (5, 1), (5.5, 0.5), (10, 0.5), (10.5, 0)])
def test_e3_plain_threshold_step_function(theta, expected):
    kern = joint_kernel_from_outcomes(inst.threshold_route(second_decision=False))
    grid = StockGrid(-theta - 12, 0.5, 60)
    sol = stock_backward_induction(kern, 2, step_utility(), grid)
    assert stage_value(sol, 0, 0, -theta) == pytest.approx(expected, abs=TOL["float"])


@pytest.mark.parametrize("theta", [F(x) for x in (0, 3, 5, 6, 8, 10, 12, 14, 15)])
def test_e3_second_decision_matches_brute_force(theta):
    outs = inst.threshold_route(True, exact=True)
    bf, _ = ex.brute_force_optimum(outs, 2, F(1), lambda L: L.prob_at_least(theta), 0, F(0))
    assert ex.exact_threshold(outs, 2, F(1), 0, theta) == bf


# ============================================================================ V15 grid boundary
def test_v15_naive_clipping_is_wrong_affine_tails_are_right(cliff_cvar):
    kern = inst.slippery_cliff()
    grid = cliff_cvar.grid
    clip = scalar_shadow_backward_induction(kern, inst.CLIFF_HORIZON, cvar_inner_utility(), grid, edge="clip")
    wrong = cvar_outer_search(clip[0, inst.CLIFF_START], grid.values, 1.0)
    assert wrong.value == pytest.approx(0.0, abs=TOL["float"])                       # the pitfall
    right = cvar_outer_search(cliff_cvar.value[0, inst.CLIFF_START], grid.values, 1.0)
    assert right.value == pytest.approx(inst.CLIFF_MEAN, abs=TOL["reference"])


# ============================================================================ input validation
def test_bad_inputs_raise_model_errors():
    with pytest.raises(ModelError, match="step > 0"):
        StockGrid(0.0, 0.0, 3)
    with pytest.raises(ModelError, match="sum to"):
        joint_kernel_from_outcomes([[[(0.5, 0.0, 0)]]])
    with pytest.raises(ModelError, match="outside"):
        joint_kernel_from_outcomes([[[(1.0, 0.0, 3)]]])
    with pytest.raises(ModelError, match="tau"):
        cvar_outer_search(np.zeros(3), np.zeros(3), 0.0)
    with pytest.raises(ModelError, match="lattice"):
        stock_backward_induction(joint_kernel_from_outcomes([[[(1.0, math.pi, 0)]]]), 2, mean_utility(), StockGrid(0, 1, 2))
    with pytest.raises(ModelError, match="nodes"):
        ex.MAX_NODES, old = 10, ex.MAX_NODES
        try:
            ex.exact_backward_induction(inst.random_joint_kernel(3, 2, 0), 6, 0.9, lambda L: L.mean(), 0, 0.0)
        finally:
            ex.MAX_NODES = old


# ============================================================================ V12 projection sweep (T5)
_V12 = {}


def _v12_error(m, cliff):
    if m not in _V12:
        sup = CategoricalSupport.spanning(-39.0, 0.0, m)
        sol = stock_backward_induction(inst.slippery_cliff(), inst.CLIFF_HORIZON, cvar_inner_utility(), cliff.grid, 1.0, sup)
        _V12[m] = (float(np.abs(sol.value[0] - cliff.value[0]).max()), sup.dz)
    return _V12[m]


@pytest.mark.parametrize("m", [5, 11, 21, 51, 101])
def test_v12_categorical_projection_error_within_bound(cliff_cvar, m):
    """E1 on coarse categorical supports vs the exact lattice solution: ``sup |U^m_0 - U_0| <= H L dz/2``
    ([D]: each stage's projection moves the stored law by ``w_1 <= dz/2``; errors add over H stages at
    gamma = 1, the finite-horizon form of T5's ``eps/(1 - gamma)``)."""
    err, dz = _v12_error(m, cliff_cvar)
    assert err <= inst.CLIFF_HORIZON * 1.0 * dz / 2


def test_v12_error_decreases_with_atoms(cliff_cvar):
    errs = [_v12_error(m, cliff_cvar)[0] for m in (5, 21, 101)]
    assert errs[0] > errs[1] > errs[2]


# ============================================================================ mean-CVaR as an OCE (Sec. 4.2)
@pytest.mark.parametrize("seed", range(4))
def test_mean_cvar_oce_equals_policy_enumeration(seed):
    """max_pi [lam E G + (1 - lam) CVaR_tau(G)] = max_c [-c + max_pi E u(c + G)] with the OCE utility
    u(y) = lam y+ - (lam + (1 - lam)/tau) y-, on the grid engine vs enumeration of history policies."""
    from algorithms.distributional import oce_outer_search
    lam, tau = 0.3, 0.25
    outs = inst.random_joint_kernel(2, 2, seed, rewards=(-2, -1, 0, 1, 3))
    kern = joint_kernel_from_outcomes(outs)
    grid = StockGrid.integers(-12, 9)
    sol = stock_backward_induction(kern, 3, mean_cvar_utility(lam, tau), grid)
    res = oce_outer_search(sol.value[0, 0], grid.values)
    laws = ex.achievable_return_laws(kern.outcome_lists(exact=True), 3, F(1), 0)
    best = max(F(3, 10) * L.mean() + F(7, 10) * L.cvar(F(1, 4)) for L in laws)
    assert res.value == pytest.approx(float(best), abs=TOL["float"])


# ============================================================================ quantile representation
@pytest.mark.parametrize("m", [4, 5])
def test_quantile_dp_fixed_point_uniform(m):
    """Bernoulli(1/2) rewards at gamma = 1/2: G ~ Uniform[0, 2]; the Pi_Q T fixed point equals the
    published W1-optimal quantile projection of the true law (data file)."""
    from algorithms.distributional import quantile_policy_evaluation
    e = {x["name"]: x for x in _data("analytic_return_distributions.json")["examples"]}["bernoulli_half_gamma_half"]
    kern = joint_kernel_from_outcomes([[[(0.5, 0.0, 0), (0.5, 1.0, 0)]]])
    theta = quantile_policy_evaluation(kern, np.zeros(1, dtype=np.int64), 0.5, m, 200)
    np.testing.assert_allclose(theta[0], e["W1_optimal_quantile_projection"][f"m{m}"], atol=1e-12)


def test_quantile_dp_approaches_true_variance():
    """gamma = 0.9 (true variance 25/19, data file): the quantile fixed point is mean-symmetric (mean 5)
    and its variance error shrinks as m grows (V12, quantile part)."""
    from algorithms.distributional import quantile_policy_evaluation
    e = {x["name"]: x for x in _data("analytic_return_distributions.json")["examples"]}["bernoulli_half_gamma_0.9"]
    kern = joint_kernel_from_outcomes([[[(0.5, 0.0, 0), (0.5, 1.0, 0)]]])
    errs = []
    for m in (5, 11, 51):
        th = quantile_policy_evaluation(kern, np.zeros(1, dtype=np.int64), 0.9, m, 400)[0]
        assert th.mean() == pytest.approx(e["true_return"]["mean"], abs=1e-9)
        errs.append(abs(th.var() - e["true_return"]["variance"]))
    assert errs[0] > errs[1] > errs[2]


def test_parallel_and_serial_stock_kernels_agree():
    """The prange kernel (used for tables >= PARALLEL_MIN_CELLS) equals the one-thread kernel bit for bit."""
    kern = inst.forage()
    grid, sup = StockGrid.integers(-8, 2), CategoricalSupport(0.0, 1.0, 9)
    rng = np.random.default_rng(0)
    S = kern.n_states
    eta = rng.dirichlet(np.ones(sup.m), size=(S, grid.n))
    tails = rng.dirichlet(np.ones(sup.m), size=(2, S))
    pi_in = rng.integers(0, kern.n_actions, size=(S, grid.n))
    util = neg_abs_utility()
    for mode in (K.MODE_GREEDY, K.MODE_EVALUATE, K.MODE_IMPROVE):
        outs = []
        for fn in (K.stock_backup_csr, K.stock_backup_csr_serial):
            e, v, p = np.empty_like(eta), np.empty((S, grid.n)), np.empty((S, grid.n), dtype=np.int64)
            fn(kern.indptr, kern.indices, kern.data, kern.reward, kern.n_actions, 1.0, grid.lo, grid.step, sup.z0, sup.dz,
               eta, tails[0], tails[1], util.code, util.params_array, pi_in, mode, 1e-10, e, v, p)
            outs.append((e, v, p))
        for a, b in zip(*outs):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(outs[0][0].sum(axis=2), 1.0, atol=TOL["mass"])


def test_solvers_warn_for_exponential_utility_below_gamma_one():
    from algorithms.distributional import exponential_utility
    kern = joint_kernel_from_outcomes(inst.random_joint_kernel(2, 2, 0))
    with pytest.warns(ObjectiveWarning, match="scale-consistent"):
        stock_backward_induction(kern, 2, exponential_utility(1.0), StockGrid.integers(-4, 4), 0.5,
                                 CategoricalSupport(-2.0, 0.5, 9))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ObjectiveWarning)   # gamma = 1: inside the class, no warning
        stock_backward_induction(kern, 2, exponential_utility(1.0), StockGrid.integers(-4, 4))


def test_sampled_returns_are_discounted_sums():
    kern = joint_kernel_from_outcomes(inst.random_joint_kernel(3, 2, 1))
    sol = stock_backward_induction(kern, 4, cvar_inner_utility(), StockGrid.integers(-8, 8), 0.5, CategoricalSupport(-2.0, 0.25, 25))
    eps = sample_episodes(sol, 0, -1.0, 500, seed=2)
    np.testing.assert_allclose(0.5 ** 4 * eps.stocks[:, -1], -1.0 + eps.returns, atol=1e-12)   # T0


@pytest.mark.parametrize("gamma,expect_exact", [(0.5, False), (1.0, True)])
def test_diagnostic_accepts_expected_utility_objects(gamma, expect_exact):
    from algorithms.distributional import exponential_utility
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ObjectiveWarning)
        assert diagnose_objective(exponential_utility(1.0), gamma, trials=300).exact == expect_exact
        assert diagnose_objective(mean_cvar_utility(0.3, 0.25), gamma, trials=300).exact
