"""The checkers on synthetic data with known answers, and the core theorems' checks on tight instances
and on deliberately broken algorithms."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bounds.checkers import FAIL, INCONCLUSIVE, PASS, check_bound, check_lower, check_rate
from bounds.core import ConditionViolation, get_bound
from mdplab import MDP
from mdplab.operators import bellman_backup, q_values
from mdplab.solvers import evaluate_policy, policy_iteration, value_iteration
from scenarios.classic import random_dense
from scenarios.core_theorems import SOLVE_TOL, optimal_values
from scenarios.registry import Check, Scenario, Tolerance
from scenarios.runner import run_check


def power_law(slope: float, n_seeds: int, noise: float, xs=(10, 20, 40, 80, 160, 320), seed: int = 0):
    """y[x, j] = 3 x^slope exp(noise * z): a known log-log slope with multiplicative noise."""
    rng = np.random.default_rng(seed)
    x = np.asarray(xs, dtype=float)
    return x, 3.0 * x[:, None] ** slope * np.exp(noise * rng.standard_normal((x.size, n_seeds)))


# ------------------------------------------------------------------------------------------ rate
# The data are fixed by their seeds, so these verdicts are deterministic; the 95% bootstrap CI would
# cover the true slope in about 95% of fresh draws (the claimed-right cases are not knife-edge: the
# CI half-width, ~0.02 here, is far from the 0.5 error of the wrong claims).
def test_right_exponent_passes():
    x, y = power_law(-0.5, n_seeds=20, noise=0.1)
    v = check_rate(x, y, -0.5)
    assert v.status == PASS, v.reason
    assert v.details["ci"][0] <= -0.5 <= v.details["ci"][1]


@pytest.mark.parametrize("claimed", [-1.0, 0.0, -0.4])
def test_wrong_claimed_exponent_fails(claimed):
    x, y = power_law(-0.5, n_seeds=20, noise=0.1)
    v = check_rate(x, y, claimed)
    assert v.status == FAIL, v.reason
    assert "excludes" in v.reason


def test_too_few_seeds_is_inconclusive_never_pass():
    x, y = power_law(-0.5, n_seeds=2, noise=0.1)
    v = check_rate(x, y, -0.5)
    assert v.status == INCONCLUSIVE and "seed" in v.reason


def test_too_few_points_is_inconclusive():
    x, y = power_law(-0.5, n_seeds=20, noise=0.1, xs=(10, 20))
    assert check_rate(x, y, -0.5).status == INCONCLUSIVE


def test_wide_ci_is_inconclusive_even_when_it_contains_the_claim():
    x, y = power_law(-0.5, n_seeds=4, noise=3.0)
    v = check_rate(x, y, -0.5, max_ci_width=0.5)
    assert v.status == INCONCLUSIVE and "wider" in v.reason


def test_nonpositive_values_are_inconclusive():
    x, y = power_law(-0.5, n_seeds=5, noise=0.1)
    y[0, 0] = 0.0
    assert check_rate(x, y, -0.5).status == INCONCLUSIVE


def test_semilog_rate_of_a_geometric_sequence():
    k = np.arange(0, 60, 10, dtype=float)
    y = 0.9 ** k[:, None] * np.exp(0.01 * np.random.default_rng(1).standard_normal((k.size, 8)))
    assert check_rate(k, y, math.log(0.9), scale="semilog").status == PASS
    assert check_rate(k, y, math.log(0.95), scale="semilog").status == FAIL


@pytest.mark.parametrize("true_slope, status", [(-1.0, PASS), (-0.5, PASS), (-0.3, FAIL)])
def test_one_sided_rate(true_slope, status):
    # the bound promises decay at least as fast as x^-0.5: faster is fine, slower fails
    x, y = power_law(true_slope, n_seeds=20, noise=0.05)
    assert check_rate(x, y, -0.5, alternative="less").status == status


def test_bootstrap_is_reproducible():
    x, y = power_law(-0.5, n_seeds=10, noise=0.2)
    assert check_rate(x, y, -0.5).details == check_rate(x, y, -0.5).details


# ------------------------------------------------------------------------------------------ bound / lower
def test_tight_cell_has_slack_zero_and_passes_with_zero_tolerance():
    v = check_bound([0.5, 1.0], [1.0, 1.0])
    assert v.status == PASS and v.details["min_slack"] == 0.0


def test_one_ulp_over_fails_with_zero_tolerance():
    assert check_bound([0.5, np.nextafter(1.0, 2.0)], [1.0, 1.0]).status == FAIL


def test_tolerance_rule_is_exactly_rtol_bound_plus_atol_scale():
    b = np.array([2.0, 2.0])
    allowed = 0.1 * 2.0 + 0.01 * 5.0
    assert check_bound(b + allowed, b, rtol=0.1, atol=0.01, scale=[5.0, 5.0]).status == PASS
    assert check_bound(b + allowed * (1 + 1e-9), b, rtol=0.1, atol=0.01, scale=[5.0, 5.0]).status == FAIL


def test_lower_check():
    assert check_lower([0.0, 1.0], [0.0, 0.5]).status == PASS
    v = check_lower([-1e-3, 1.0], [0.0, 0.5])
    assert v.status == FAIL and v.measured == -1e-3


@given(st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)), min_size=2, max_size=20))
def test_zero_tolerance_bound_check_passes_iff_every_cell_holds(pairs):
    m, b = np.array(pairs).T
    assert (check_bound(m, b).status == PASS) == bool((m <= b).all())
    assert (check_lower(m, b).status == PASS) == bool((m >= b).all())


@pytest.mark.parametrize("measured, bound", [([1.0], [2.0]), ([float("nan"), 1.0], [2.0, 2.0])])
def test_weak_evidence_is_inconclusive(measured, bound):
    assert check_bound(measured, bound).status == INCONCLUSIVE


# ------------------------------------------------------------------------------------------ core theorems
def vi_errors(model: MDP, ks, gamma_used: float | None = None) -> np.ndarray:
    """||V_k - V*|| for k in ks, with V_{k+1} = T V_k computed at ``gamma_used`` (a broken VI if it differs)."""
    v_star = optimal_values(model)
    v, out = np.zeros(model.n_states), []
    for k in range(max(ks) + 1):
        if k in ks:
            out.append(float(np.abs(v - v_star).max()))
        v, _ = bellman_backup(model, v, gamma=gamma_used)
    return np.array(out)


def test_vi_error_bound_is_tight_on_a_single_state_chain():
    # one state, one action, reward 1: V* = 1/(1-gamma), V_k = (1-gamma^k)/(1-gamma), so
    # ||V_k - V*|| = gamma^k ||V_0 - V*|| exactly: the instance on which the contraction bound is attained.
    gamma, ks = 0.9, [0, 5, 10, 20, 40]
    model = MDP(np.ones((1, 1, 1)), np.ones((1, 1)), discount=gamma)
    bound = get_bound("puterman1994.vi_error")
    e0 = 1 / (1 - gamma)
    b = np.array([bound.evaluate({"gamma": gamma, "k": k, "e0": e0}) for k in ks])
    m = vi_errors(model, ks)
    np.testing.assert_allclose(m, b, rtol=1e-12)
    v = check_bound(m, b, atol=SOLVE_TOL.atol, scale=e0 / (1 - gamma))
    assert v.status == PASS and abs(v.details["min_slack"]) < 1e-12 * e0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_broken_value_iteration_fails_the_bound_and_the_rate(seed):
    gamma, ks = 0.9, [10, 20, 30, 40]
    bound = get_bound("puterman1994.vi_error")
    m, b = [], []
    for s in range(4):
        model = random_dense(8, 3, 100 * seed + s, discount=gamma)
        m.append(vi_errors(model, ks, gamma_used=0.97))    # backs up with the wrong discount
        e0 = float(np.abs(optimal_values(model)).max())
        b.append([bound.evaluate({"gamma": gamma, "k": k, "e0": e0}) for k in ks])
    m, b = np.array(m).T, np.array(b).T
    assert check_bound(m.ravel(), b.ravel(), atol=1e-10, scale=1.0).status == FAIL
    claimed = bound.slope("k", "semilog", {"gamma": gamma})
    assert check_rate(ks, m, claimed, scale="semilog", slope_atol=0.002).status == FAIL


def test_stopping_rule_too_loose_fails_the_eps_over_2_bound():
    # a solver stopped at 100 eps while claiming eps: its value error exceeds eps/2
    bound = get_bound("puterman1994.vi_stopping_values")
    m, b = [], []
    for s in range(3):
        model = random_dense(10, 3, s, discount=0.99)
        eps = 1e-4
        sol = value_iteration(model, tol=100 * eps)
        m.append(float(np.abs(sol.values - optimal_values(model)).max()))
        b.append(bound.evaluate({"gamma": 0.99, "eps": eps}))
    assert check_bound(m, b).status == FAIL


def broken_policy_iteration(model: MDP, pi0: np.ndarray) -> list[np.ndarray]:
    """PI whose second improvement step switches every state to its worst action."""
    pi, history = pi0.copy(), []
    for it in range(20):
        v = evaluate_policy(model, pi, method="direct")
        history.append(v)
        q = q_values(model, v)
        new = q.argmin(axis=1) if it == 1 else q.argmax(axis=1)
        if np.array_equal(new, pi):
            break
        pi = new
    return history


def test_broken_policy_iteration_fails_the_monotonicity_check():
    least = []
    for s in range(3):
        model = random_dense(10, 3, s, discount=0.9)
        hist = np.array(broken_policy_iteration(model, np.zeros(10, dtype=np.int64)))
        least.append(min(0.0, float(np.diff(hist, axis=0).min())))
    assert check_lower(least, [0.0] * 3, atol=1e-10).status == FAIL
    # while the real one passes on the same instances
    real = []
    for s in range(3):
        hist = np.array(policy_iteration(random_dense(10, 3, s, discount=0.9)).info["values_history"])
        real.append(min(0.0, float(np.diff(hist, axis=0).min())) if len(hist) > 1 else 0.0)
    assert check_lower(real, [0.0] * 3, atol=1e-10).status == PASS


@pytest.mark.parametrize("seed", [0, 1])
def test_gain_oracle_matches_exact_unichain_evaluation(seed):
    # the vectorised enumeration behind rvi_gain against mdplab's evaluate_average_policy, policy by policy
    import itertools

    from mdplab.solvers import evaluate_average_policy
    from scenarios.core_theorems import optimal_gain_by_enumeration

    model = random_dense(4, 3, seed, average_reward=True)
    best = max(evaluate_average_policy(model, np.array(p))[0] for p in itertools.product(range(3), repeat=4))
    assert optimal_gain_by_enumeration(model) == pytest.approx(best, abs=1e-12)


def _unused_cell(params: dict, seed: int) -> float:
    return 0.0


def test_using_a_bound_outside_its_conditions_raises_in_a_check():
    # the runner evaluates the bound at the cell's params when the cell does not return it
    sc = Scenario(name="test_outside", description="d", family="f", algorithm="a", cell=_unused_cell,
                  grid={"quick": [{"gamma": 1.0, "eps": 0.1}], "full": [{"gamma": 1.0, "eps": 0.1}]},
                  seeds={"quick": 1, "full": 1},
                  checks=(Check("puterman1994.vi_stopping_policy", "bound", tolerance=Tolerance()),))
    records = [{"params": {"gamma": 1.0, "eps": 0.1}, "seed_index": j, "values": {"measured": 0.0}} for j in range(2)]
    with pytest.raises(ConditionViolation, match="gamma < 1"):
        run_check(sc, sc.checks[0], records)
