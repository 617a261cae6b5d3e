"""Latent instance families (issue 17 §3) against their closed forms, computed by the exact planner and by the
quantity functions (both Var* candidates; candidate 2 by enumeration on the tiny members)."""
from __future__ import annotations

import numpy as np
import pytest

from algorithms.horizon_free_quantities import max_total_reward, transition_degree, var_star_max, var_star_opt
from mdplab.errors import ModelError
from mdplab.lmdp import lmdp_value_iteration
from scenarios.instances.latent import (det_lmdp, hard_eps, hidden_tree_bandit, hidden_tree_bandit_sizes,
                                        lmdp_environment, rand_lmdp, two_branch)


@pytest.mark.parametrize("M, D, A, q, eps, tail", [(1, 1, 2, 0.5, 0.1, 0), (2, 1, 2, 0.3, 0.2, 2),
                                                   (3, 2, 3, 0.5, 0.1, 0), (4, 2, 2, 0.05, 0.025, 5)])
def test_hidden_tree_bandit_closed_forms(M, D, A, q, eps, tail):
    inst = hidden_tree_bandit(M, D, A, q, eps, tail, seed=7)
    L = inst.lmdp
    T, S, H = hidden_tree_bandit_sizes(M, D, tail)
    assert (L.n_contexts, L.n_states, L.n_actions, L.horizon) == (M, S, A, H)
    assert S == 1 + 2 * T + 2 ** (D + 1) - 1 + 3
    p = q + eps
    assert lmdp_value_iteration(L).value == pytest.approx(p, abs=1e-12)              # V* = q + eps
    assert var_star_opt(L) == pytest.approx(p * (1 - p), abs=1e-12)                  # Var^{pi*}
    assert transition_degree(L) == 2 and max_total_reward(L) == pytest.approx(1.0)


def test_hidden_tree_bandit_var_max_by_enumeration():
    inst = hidden_tree_bandit(1, 1, 2, 0.2, 0.4, 0, seed=0)      # p in {0.2, 0.6}: max p(1-p) = 0.24 at q+eps
    assert var_star_max(inst.lmdp) == pytest.approx(inst.var_star_max, abs=1e-12)
    assert inst.var_star_max == pytest.approx(0.24)
    inst = hidden_tree_bandit(1, 1, 2, 0.5, 0.3, 0, seed=0)      # p in {0.5, 0.8}: max at q
    assert var_star_max(inst.lmdp) == pytest.approx(0.25, abs=1e-12)


def test_hidden_tree_bandit_needs_history():
    """The optimum needs the context: a plan that ignores the gadget (best Markov policy for the mixture) is
    worse.  Markov upper bound: with M contexts and distinct secrets, one arm serves at most the contexts
    sharing it."""
    inst = hidden_tree_bandit(4, 1, 2, 0.5, 0.3, 0, seed=11)
    secrets = set(zip(inst.params["secret_leaf"], inst.params["secret_arm"]))
    assert len(secrets) > 1                                       # this seed has distinct secrets
    from scenarios.instances.latent import LatentInstance  # noqa: F401  (documented type)
    from algorithms.lmdp_hf import run_lmdp_hf
    markov = run_lmdp_hf(inst.lmdp, 2000, 0, policy_class="markov", c1=0.3, c2=0.09, gamma=2.0)
    assert markov.extras["plan_values"].max() < inst.v_star - 1e-9


def test_det_lmdp_has_zero_variance():
    inst = det_lmdp(3, 5, 2, 6, seed=2)
    assert transition_degree(inst.lmdp) == 1
    assert var_star_opt(inst.lmdp) == pytest.approx(0.0, abs=1e-12)
    assert max_total_reward(inst.lmdp) <= 1.0


def test_det_lmdp_var_max_zero_by_enumeration():
    inst = det_lmdp(2, 3, 2, 3, seed=0)
    assert var_star_max(inst.lmdp) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("Gamma", [1, 2, 4])
def test_rand_lmdp_gamma_is_the_requested_degree(Gamma):
    inst = rand_lmdp(2, 4, 2, Gamma, 4, seed=Gamma)
    assert transition_degree(inst.lmdp) == Gamma == inst.gamma
    assert max_total_reward(inst.lmdp) <= 1.0


def test_two_branch_value():
    inst = two_branch(0.4, 0.2, 7)
    assert lmdp_value_iteration(inst.lmdp).value == pytest.approx(0.6, abs=1e-12)
    assert var_star_opt(inst.lmdp) == pytest.approx(0.24, abs=1e-12)
    assert inst.lmdp.horizon == 12


def test_hard_eps_and_bad_input():
    assert hard_eps(0.5, 4, 2, 2, 10 ** 6) == pytest.approx(np.sqrt(0.5 * 4 * 2 * 4 / 1e6))
    assert hard_eps(0.5, 4, 2, 2, 1) == 0.5
    with pytest.raises(ModelError, match="q \\+ eps"):
        hidden_tree_bandit(2, 1, 2, 0.9, 0.2)
    with pytest.raises(ModelError, match="unknown latent environment"):
        lmdp_environment("nope:1")
    with pytest.raises(ModelError, match="expected 7"):
        lmdp_environment("hidden_tree:1,2")


def test_hidden_tree_bandit_padded_gadget_and_distinct_secrets():
    """``bits`` pads the gadget (S, H fixed while M varies; V*, Var* unchanged: closed forms checked by the
    exact planner and the Var enumerator); ``distinct`` draws different secret arms, so the best
    context-blind (Markov) value is q + eps / M (brute force over the L A arms: a Markov policy at the leaf
    pulls one arm for every context)."""
    q, eps = 0.4, 0.3
    for M in (1, 2, 3, 4, 8):
        inst = hidden_tree_bandit(M, 1, 4, q, eps, 0, seed=5, bits=3, distinct=True)
        assert (inst.lmdp.n_states, inst.lmdp.horizon) == hidden_tree_bandit_sizes(8, 1, 0)[1:]
        assert lmdp_value_iteration(inst.lmdp).value == pytest.approx(q + eps, abs=1e-12)
        arms = list(zip(inst.params["secret_leaf"], inst.params["secret_arm"]))
        assert len(set(arms)) == M
        if M <= 2:
            assert var_star_opt(inst.lmdp) == pytest.approx((q + eps) * (1 - q - eps), abs=1e-12)
        blind = max(q + eps * sum(1 for x in arms if x == (leaf, a)) / M for leaf in range(2) for a in range(4))
        assert blind == pytest.approx(q + eps / M)
    assert hidden_tree_bandit(2, 1, 2, q, eps, 0, seed=0).params == {
        **hidden_tree_bandit(2, 1, 2, q, eps, 0, seed=0, bits=None, distinct=False).params}
    with pytest.raises(ModelError, match="2\\^bits >= M"):
        hidden_tree_bandit(5, 1, 2, q, eps, bits=2)
    with pytest.raises(ModelError, match="distinct=True"):
        hidden_tree_bandit(5, 1, 2, q, eps, bits=3, distinct=True)
