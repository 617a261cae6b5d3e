"""Public belief update and the seeded POMDP simulator (mdplab.belief).

Oracles: Tiger's closed-form posterior (Kaelbling, Littman & Cassandra 1998: listening is right with
probability 0.85, so one 'hear left' from the uniform belief gives (0.85, 0.15) with probability 1/2), Bayes'
rule by hand, and the exact policy-graph value (mdplab.pomdp_files) for the simulator's mean return.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdplab.belief import belief_update, simulate
from mdplab.errors import ModelError
from mdplab.pomdp import POMDP
from mdplab.pomdp_files import policy_graph_value
from mdplab.pomdp_planning import AlphaSet, PolicyGraph

from test_pomdp_files import tiger


def test_tiger_posterior_closed_form():
    m = tiger(0.95)
    b, p = belief_update(m, [0.5, 0.5], 0, 0)
    np.testing.assert_allclose(b, [0.85, 0.15], atol=1e-15)
    assert p == pytest.approx(0.5)
    b2, p2 = belief_update(m, b, 0, 0)      # twice: 0.85^2 / (0.85^2 + 0.15^2)
    assert b2[0] == pytest.approx(0.85**2 / (0.85**2 + 0.15**2))
    assert p2 == pytest.approx(0.85 * 0.85 + 0.15 * 0.15)
    b3, _ = belief_update(m, b, 1, 1)       # opening resets: uniform whatever was heard
    np.testing.assert_allclose(b3, [0.5, 0.5])


@settings(max_examples=30, deadline=None, derandomize=True)
@given(S=st.integers(1, 4), A=st.integers(1, 3), nO=st.integers(1, 3), seed=st.integers(0, 2**31 - 1))
def test_belief_update_is_bayes_rule(S, A, nO, seed):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(S, A))
    O = rng.dirichlet(np.ones(nO), size=(A, S))
    m = POMDP(P, O, rng.normal(size=(S, A)), discount=0.9)
    b = rng.dirichlet(np.ones(S))
    a, o = int(rng.integers(A)), int(rng.integers(nO))
    joint = np.array([sum(b[s] * P[s, a, t] for s in range(S)) * O[a, t, o] for t in range(S)])   # by hand
    post, p = belief_update(m, b, a, o)
    assert p == pytest.approx(joint.sum(), abs=1e-14)
    np.testing.assert_allclose(post, joint / joint.sum(), atol=1e-12)


def test_belief_update_refusals():
    m = tiger(0.95)
    P = np.zeros((2, 1, 2))
    P[:, 0] = np.eye(2)
    O = np.zeros((1, 2, 2))
    O[0] = np.eye(2)                          # perfect observation of the state
    sharp = POMDP(P, O, np.zeros((2, 1)), discount=0.9)
    with pytest.raises(ModelError, match="probability 0"):
        belief_update(sharp, [1.0, 0.0], 0, 1)
    with pytest.raises(ModelError, match="action a"):
        belief_update(m, [0.5, 0.5], 3, 0)
    with pytest.raises(ModelError, match="observation o"):
        belief_update(m, [0.5, 0.5], 0, 2)
    with pytest.raises(ModelError):
        belief_update(m, [0.7, 0.7], 0, 0)


def _listen_open_graph():
    # listen; after 'hear left' open right, after 'hear right' open left; then listen again
    return PolicyGraph(action=np.array([0, 2, 1]), next=np.array([[1, 2], [0, 0], [0, 0]]), start=0,
                       offsets=np.zeros(1, dtype=np.int64), exact=True)


def test_simulator_is_reproducible_and_consistent():
    m = tiger(0.95)
    g = _listen_open_graph()
    t1 = simulate(m, g, 50, seed=7)
    t2 = simulate(m, g, 50, seed=7)
    np.testing.assert_array_equal(t1.states, t2.states)
    np.testing.assert_array_equal(t1.observations, t2.observations)
    assert t1.discounted_return == t2.discounted_return
    assert simulate(m, g, 50, seed=8).observations.tolist() != t1.observations.tolist()
    # the recorded beliefs are the filter's output step by step, and the rewards are R[s, a]
    for k in range(50):
        b, _ = belief_update(m, t1.beliefs[k], int(t1.actions[k]), int(t1.observations[k]))
        np.testing.assert_allclose(t1.beliefs[k + 1], b, atol=1e-15)
        assert t1.rewards[k] == m.R[t1.states[k], t1.actions[k]]
        assert t1.actions[k] == g.action[t1.nodes[k]]
    assert t1.discounted_return == pytest.approx(sum(0.95**k * r for k, r in enumerate(t1.rewards)))


def test_simulated_mean_return_matches_exact_graph_value():
    """Monte Carlo check with a stated confidence: 1500 runs of 60 steps; the mean's standard error is estimated
    from the runs, and the band is 5 standard errors (a false alarm has probability below 1e-6 under the normal
    approximation) plus the truncation bound gamma^60 * max|R| / (1 - gamma)."""
    m = tiger(0.75)
    g = _listen_open_graph()
    exact = float(m.b0 @ policy_graph_value(m, g)[0])
    returns = np.array([simulate(m, g, 60, seed=s).discounted_return for s in range(1500)])
    band = 5 * returns.std(ddof=1) / np.sqrt(returns.size) + 0.75**60 * 100 / 0.25
    assert abs(returns.mean() - exact) <= band


def test_simulate_alpha_vector_policy_ties_and_errors():
    m = tiger(0.95)
    V = AlphaSet(alpha=np.array([[1.0, 1.0], [1.0, 1.0]]), action=np.array([1, 2]), next=np.full((2, 2), -1))
    acts = {int(simulate(m, V, 1, seed=s).actions[0]) for s in range(40)}
    assert acts == {1, 2}                     # ties broken uniformly at random with the run's generator
    t = simulate(m, (np.array([[0.0, 0.0]]), np.array([0])), 5, seed=0)
    assert t.actions.tolist() == [0] * 5 and (t.nodes == -1).all()
    with pytest.raises(ModelError, match="seed"):
        simulate(m, V, 5, seed=-1)
    with pytest.raises(ModelError, match="alpha vectors must have shape"):
        simulate(m, (np.ones((2, 3)), np.array([0, 0])), 5, seed=0)
    with pytest.raises(ModelError, match="actions must be integers"):
        simulate(m, (np.ones((1, 2)), np.array([7])), 5, seed=0)
