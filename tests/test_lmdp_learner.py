"""The horizon-free LMDP learner (issue 17 §2): exact regret recomputed independently from the logged plans,
the protocol (no context before the episode ends; a leaking policy is caught), the two simulation paths, bonus
monotonicity, the model-optimistic inner maximisation against an LP, M = 1 against the MDP machinery, and
the re-plan / alpha-range / optimism invariants."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy.optimize import linprog

from algorithms.lmdp_hf import (ContextLeakError, LatentEpisodes, check_monotone, exact_planner, play_episode,
                                run_lmdp_hf)
from algorithms.lmdp_hf._kernels import HOEFFDING, VALUE_OPT, box_max, optimistic_backup
from mdplab.errors import ModelError
from mdplab.lmdp import LatentMDP, lmdp_value_iteration
from mdplab.regret import episodic_regret
from scenarios.instances.latent import hidden_tree_bandit

from test_lmdp_files import history_search, random_lmdp

SMALL = dict(c1=0.3, c2=0.09)        # small constants (c2 = c1^2): learning happens within a few hundred episodes


def dfs_plan_value(L: LatentMDP, plan) -> float:
    """Independent evaluator: depth-first enumeration of every (context, trajectory) with its probability,
    following the plan through its public interface (start / action / next)."""
    total = 0.0

    def walk(m: int, node, s: int, h: int, prob: float) -> float:
        if h == L.horizon:
            return 0.0
        a = plan.action(node)
        r = float(L.R[m, s, a])
        v = prob * r
        for y in range(L.n_states):
            p = L.P[m, s, a, y]
            if p > 0 and h + 1 < L.horizon:
                v += walk(m, plan.next(node, r, y), y, h + 1, prob * p)
        return v

    for m in range(L.n_contexts):
        for s in range(L.n_states):
            if L.nu[m, s] > 0:
                total += L.weights[m] * walk(m, plan.start(s), s, 0, L.nu[m, s])
    return total


@pytest.mark.parametrize("kw", [dict(), dict(bonus="hoeffding"), dict(policy_class="markov"),
                                dict(solver="model_opt", bonus_scale=0.1), dict(known_init=False)])
def test_reported_regret_equals_independent_recomputation(kw):
    L = random_lmdp(2, H=3)
    run = run_lmdp_hf(L, 300, 1, **SMALL, **kw)
    v_star = history_search(L)
    values = np.array([dfs_plan_value(L, p) for p in run.policies])
    idx = np.searchsorted(run.policy_start, np.arange(300), side="right") - 1
    np.testing.assert_allclose(run.regret, np.cumsum(v_star - values[idx]), rtol=0, atol=1e-9)
    assert run.regret[-1] < 300 * 0.5                   # and it is a regret, not a constant: gaps vary
    assert np.ptp(run.gaps) > 0


@pytest.mark.parametrize("kw", [dict(), dict(bonus="hoeffding"), dict(policy_class="markov"),
                                dict(solver="model_opt", bonus_scale=0.1), dict(known_init=False)])
def test_protocol_and_compiled_paths_give_identical_runs(kw):
    L = hidden_tree_bandit(2, 1, 2, 0.5, 0.2, tail=2, seed=3).lmdp
    a = run_lmdp_hf(L, 400, 5, simulate="protocol", **SMALL, **kw)
    b = run_lmdp_hf(L, 400, 5, simulate="compiled", **SMALL, **kw)
    np.testing.assert_array_equal(a.policy_start, b.policy_start)
    np.testing.assert_allclose(a.regret, b.regret, rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_pareto_planner_is_a_second_exact_oracle(seed):
    L = random_lmdp(20 + seed)
    plan = exact_planner(L).plan()
    assert plan.optimistic_value == pytest.approx(lmdp_value_iteration(L).value, abs=1e-9)
    assert dfs_plan_value(L, plan) == pytest.approx(plan.optimistic_value, abs=1e-9)


# ---------------------------------------------------------------------------------------------- protocol
class LeakingPlan:
    """Wraps a plan and peeks at the context through the protocol object during the episode."""

    def __init__(self, plan, episodes):
        self.plan, self.episodes = plan, episodes

    def start(self, s):
        return self.plan.start(s)

    def action(self, node):
        _ = self.episodes.context                        # the leak
        return self.plan.action(node)

    def next(self, node, r, s1):
        return self.plan.next(node, r, s1)


def test_a_policy_reading_the_context_during_the_episode_is_caught():
    L = random_lmdp(3, H=3)
    episodes = LatentEpisodes(L, np.random.default_rng(0))
    plan = exact_planner(L).plan()
    states, actions, rewards = play_episode(episodes, plan)          # the honest plan runs
    assert 0 <= episodes.reveal() < L.n_contexts                     # and the context is revealed afterwards
    with pytest.raises(ContextLeakError, match="revealed only after the episode"):
        play_episode(episodes, LeakingPlan(plan, episodes))
    episodes.reset()
    with pytest.raises(ContextLeakError):
        episodes.reveal()


def test_plans_receive_observations_only():
    """The plan interface has no context argument: ``next(node, r, s')``; same observation, same node."""
    L = random_lmdp(4, H=3)
    plan = exact_planner(L).plan()
    node = plan.start(int(np.flatnonzero(L.nu[0])[0]))
    assert plan.next(node, 0.0, 1) == plan.next(node, 0.0, 1)


# ---------------------------------------------------------------------------------------------- bonus
@given(st.integers(0, 10_000), st.integers(1, 200), st.floats(0.01, 10), st.floats(0.001, 1.0),
       st.floats(1.0, 3.0), st.integers(2, 6))
def test_bernstein_backup_is_monotone_when_c2_at_least_scale_c1_squared(seed, n, c1, scale, slack, S):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(S))
    v = rng.random(S)
    v2 = np.minimum(1.0, v + rng.random(S) * rng.integers(0, 2, S))
    c2 = scale * c1 * c1 * slack
    f = [optimistic_backup(VALUE_OPT, n, p, 0.0, x, 3.0, 2.0, c1, c2, 0.0, scale) for x in (v, v2)]
    g = [p @ x + scale * max(c1 * math.sqrt(2.0 * max(p @ x**2 - (p @ x) ** 2, 0) * 3.0 / n), c2 * 2.0 * 3.0 / n)
         for x in (v, v2)]                                      # untruncated, from the formula
    assert g[0] <= g[1] + 1e-12 and f[0] <= f[1] + 1e-12


def test_monotonicity_fails_below_the_condition_and_is_refused():
    p = np.array([0.5, 0.5])
    c1, scale, n, iota, gamma = 1.0, 1.0, 1, 4.0, 1.0
    c2 = 0.01 * scale * c1 ** 2                                  # far below the condition
    raw = lambda v: p @ v + scale * max(c1 * math.sqrt(gamma * (p @ v**2 - (p @ v) ** 2) * iota / n),  # noqa: E731
                                        c2 * gamma * iota / n)
    assert raw(np.array([0.0, 1.0])) > raw(np.array([0.5, 1.0]))    # raising v lowers the backup
    with pytest.raises(ModelError, match="monotone"):
        check_monotone(c1, c2, scale)
    L = random_lmdp(0)
    with pytest.raises(ModelError, match="monotone"):
        run_lmdp_hf(L, 10, 0, c1=1.0, c2=0.5)


def test_hoeffding_bonus_ignores_the_variance():
    p = np.array([0.5, 0.5])
    a = optimistic_backup(HOEFFDING, 50, p, 0.0, np.array([0.2, 0.2]), 2.0, 1.0, 0.1, 0.01, 0.0, 1.0)
    b = optimistic_backup(HOEFFDING, 50, p, 0.0, np.array([0.0, 0.4]), 2.0, 1.0, 0.1, 0.01, 0.0, 1.0)
    assert a == pytest.approx(b)
    assert a == pytest.approx(0.2 + 0.1 * math.sqrt(0.25 * 2.0 / 50))


@pytest.mark.parametrize("seed", range(6))
def test_model_optimistic_inner_max_equals_lp(seed):
    rng = np.random.default_rng(seed)
    S = 5
    p = rng.dirichlet(np.ones(S))
    p[rng.integers(S)] = 0.0
    p /= p.sum()
    v = rng.random(S)
    n, iota, c3, scale = int(rng.integers(1, 50)), 2.0, 0.5, 0.3
    rad = scale * (np.sqrt(2 * p * (1 - p) * iota / n) + c3 * iota / n)
    bounds = [(max(0, p[y] - rad[y]), min(1, p[y] + rad[y])) if p[y] > 0 else (0, 0) for y in range(S)]
    bounds.append((0, min(1, scale * c3 * iota / n)))           # the unseen slot, valued 1
    lp = linprog(-np.append(v, 1.0), A_eq=np.ones((1, S + 1)), b_eq=[1.0], bounds=bounds, method="highs")
    assert box_max(p, v.copy(), n, iota, c3, scale) == pytest.approx(-lp.fun, abs=1e-9)
    assert box_max(p, v.copy(), 10 ** 12, iota, c3, scale) == pytest.approx(p @ v, abs=1e-5)   # n -> inf: Phat


# ---------------------------------------------------------------------------------------------- M = 1
def test_single_context_is_the_mdp_learner_with_markov_plans():
    """M = 1: every plan is the Markov policy of the optimistic backward induction; its regret equals the MDP
    machinery's exact episodic regret (mdplab.regret.episodic_regret) of the same policies, and the optimistic
    values equal a slow numpy backward induction with the same bonus."""
    rng = np.random.default_rng(0)
    S, A, H = 3, 2, 4
    P = rng.dirichlet(np.ones(S), size=(1, S, A))
    R = rng.integers(0, 3, size=(1, S, A)) / (2 * H)
    L = LatentMDP(P, R, [1.0], np.eye(S)[[0]], horizon=H)
    run = run_lmdp_hf(L, 400, 2, **SMALL, gamma=2.0, iota=3.0)
    pis = np.stack([p.planner.pi1[0] for p in run.policies])
    gaps = episodic_regret(P[0], R[0], np.eye(S)[0], pis, run.policy_start, 400)
    np.testing.assert_allclose(run.regret, np.cumsum(gaps), rtol=0, atol=1e-10)
    last = run.policies[-1].planner
    v = np.zeros(S)
    for h in range(H - 1, -1, -1):
        q = np.ones((S, A))
        for s in range(S):
            for a in range(A):
                n = last.n_f[0, s, a]
                if n:
                    ph = last.P_f[0, s, a]
                    var = ph @ v**2 - (ph @ v) ** 2
                    b = max(0.3 * math.sqrt(2.0 * var * 3.0 / n), 0.09 * 2.0 * 3.0 / n)
                    q[s, a] = min(1.0, last.R_f[0, s, a] + ph @ v + b)
        v = q.max(axis=1)
    assert run.extras["optimistic_values"][-1] == pytest.approx(v[0], abs=1e-12)


# ---------------------------------------------------------------------------------------------- invariants
def test_invariants_at_every_replan():
    inst = hidden_tree_bandit(2, 1, 2, 0.5, 0.2, tail=3, seed=1)
    L = inst.lmdp
    K = 600
    run = run_lmdp_hf(L, K, 0, gamma=2.0)                        # default (paper-scale) constants
    M, S, A, H = L.n_contexts, L.n_states, L.n_actions, L.horizon
    assert run.n_plans <= M * S * A * math.ceil(math.log2(K * H)) + 1
    assert run.extras["alpha_min"].min() >= 0.0 and run.extras["alpha_max"].max() <= 1.0
    assert np.all(run.extras["optimistic_values"] >= inst.v_star - 1e-12)
    assert run.extras["v_star"] == pytest.approx(inst.v_star)


def test_bad_arguments_are_named():
    L = random_lmdp(0)
    for kw, match in ((dict(solver="x"), "solver"), (dict(bonus="x"), "bonus"), (dict(bonus_scale=-1), "bonus_scale"),
                      (dict(delta=2), "delta"), (dict(solver="model_opt", bonus="hoeffding"), "value-optimistic")):
        with pytest.raises(ModelError, match=match):
            run_lmdp_hf(L, 5, 0, **kw)
    big = LatentMDP(L.P, np.asarray(L.R) * 4, L.weights, L.nu, horizon=L.horizon)
    with pytest.raises(ModelError, match="total reward"):
        run_lmdp_hf(big, 5, 0)


@pytest.mark.parametrize("solver", ["value_opt", "model_opt"])
def test_both_solvers_are_optimistic_and_learn_on_rand_lmdp(solver):
    """RandLMDP tiny (M = 2, S = 4, A = 2, Gamma = 2, H = 4): with the default (paper-scale) constants every
    plan's optimistic value is >= V* (exact planner) and alpha stays in [0, 1]; with small constants the
    average gap of the second half of the run is below the first half's."""
    from scenarios.instances.latent import rand_lmdp

    inst = rand_lmdp(2, 4, 2, 2, 4, seed=1)
    run = run_lmdp_hf(inst.lmdp, 300, 0, solver=solver, gamma=2.0)
    assert np.all(run.extras["optimistic_values"] >= inst.v_star - 1e-12)
    assert run.extras["alpha_min"].min() >= 0 and run.extras["alpha_max"].max() <= 1
    kw = SMALL if solver == "value_opt" else dict(bonus_scale=0.1)
    small = run_lmdp_hf(inst.lmdp, 1000, 0, solver=solver, gamma=2.0, **kw)
    assert small.gaps[500:].mean() < small.gaps[:500].mean()


def test_planner_budget_names_its_parameter():
    from mdplab.errors import BudgetExceededError

    L = random_lmdp(0, M=2, S=3, A=2, H=4)
    with pytest.raises(BudgetExceededError, match="max_vectors"):
        exact_planner(L, max_vectors=1).plan()
