"""pomdp-solve's ``.alpha`` / ``.pg`` files and exact policy-graph evaluation (mdplab.pomdp_files).

Published numbers: the tiger.aaai policy graph and its node values (mhahsler/pomdp README @ 0b960e8, pomdp-solve,
recorded in tests/data/tiger_reference_values.json); Tiger's 15-step optimal value at the uniform belief,
9.728424744677675 (Svalorzen/AI-Toolbox @ 05c935cc, test/POMDP/IncrementalPruningTests.cpp, computed there with
pomdp-solve; same file); ZMDP's bounds 20.8260 / 20.8269 at b0 of three_state (trey0/zmdp @ d07d4f9,
tests/data/README.md) for the shipped three_state.alpha.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mdplab.cassandra import read_cassandra
from mdplab.cli import main
from mdplab.errors import FileFormatError, ModelError
from mdplab.pomdp import POMDP
from mdplab.pomdp_files import (alpha_policy_finite_value, policy_graph_finite_value, policy_graph_value, read_alpha,
                                read_pg, value_at, write_alpha, write_pg)
from mdplab.pomdp_planning import AlphaSet, finite_horizon_value_iteration, policy_graph

DATA = Path(__file__).parent / "data"
TIGER = json.loads((DATA / "tiger_reference_values.json").read_text())


def tiger(discount: float) -> POMDP:
    """Kaelbling, Littman & Cassandra 1998: states (tiger-left, tiger-right), actions (listen, open-left,
    open-right), observations (hear-left, hear-right); listening costs 1 and is right with probability 0.85,
    opening pays +10 / -100 and resets the tiger uniformly, with an uninformative observation."""
    P = np.zeros((2, 3, 2))
    P[:, 0] = np.eye(2)
    P[:, 1:] = 0.5
    O = np.zeros((3, 2, 2))
    O[0] = [[0.85, 0.15], [0.15, 0.85]]
    O[1:] = 0.5
    R = np.array([[-1.0, -100.0, 10.0], [-1.0, 10.0, -100.0]])
    return POMDP(P, O, R, discount=discount)


# tiger.aaai's policy graph from the R package README, renumbered 0-based (its nodes 1..5 -> 0..4)
AAAI_PG = "0 1 2 2\n1 0 2 0\n2 0 3 1\n3 0 4 2\n4 2 2 2\n"


def test_tiger_aaai_policy_graph_exact_values(tmp_path):
    ref = TIGER["tiger.aaai.POMDP"]["pomdp_R_package_readme"]
    path = tmp_path / "tiger.pg"
    path.write_text(AAAI_PG)
    g = read_pg(path, n_observations=2, start=2)
    V = policy_graph_value(tiger(0.75), g)
    alphas = np.array([node["alpha"] for node in ref["policy_graph"]])
    np.testing.assert_allclose(V, alphas, atol=1e-5)                 # printed to 6 decimals
    assert float(np.array([0.5, 0.5]) @ V[g.start]) == pytest.approx(ref["total_expected_reward_at_b0"], abs=1e-5)
    write_pg(tmp_path / "again.pg", g)
    assert (tmp_path / "again.pg").read_text() == AAAI_PG


def test_tiger_15_step_policy_graph_value_equals_published():
    m = tiger(0.95)
    sol = finite_horizon_value_iteration(m, horizon=15)
    g = policy_graph(sol, m.b0)
    V = policy_graph_finite_value(m, g, 15)
    published = TIGER["tiger.95.POMDP"]["ai_toolbox_horizon15_exact"]["V15_at_b0"]
    assert float(m.b0 @ V[g.start]) == pytest.approx(published, abs=1e-9)
    # the stage-wise greedy policy (V_h with h steps to go), evaluated on the belief tree, has the same value ...
    stages = ([V.alpha for V in sol.stages], [V.action for V in sol.stages])
    assert alpha_policy_finite_value(m, *stages, 15) == pytest.approx(published, abs=1e-9)
    # ... and the stationary greedy policy of V_15 alone is worse (a policy: at most the optimum)
    assert alpha_policy_finite_value(m, sol.alpha.alpha, sol.alpha.action, 15) < published - 0.1


def test_broken_graph_is_caught():
    """The checker bites: swapping the successors of the 'heard left' / 'heard right' observations at the
    centre node changes the value at b0 away from the published 1.933439."""
    m = tiger(0.75)
    from mdplab.pomdp_planning import PolicyGraph

    nxt = np.array([[2, 2], [2, 0], [1, 3], [4, 2], [2, 2]])   # node 2's successors swapped
    g = PolicyGraph(action=np.array([1, 0, 0, 0, 2]), next=nxt, start=2, offsets=np.zeros(1, dtype=np.int64), exact=True)
    assert abs(float(m.b0 @ policy_graph_value(m, g)[2]) - 1.933439) > 1.0


def test_three_state_alpha_file():
    m = read_cassandra(DATA / "three_state.pomdp")
    alpha, action = read_alpha(DATA / "three_state.alpha", n_states=3)
    assert alpha.shape == (7, 3) and action.tolist() == [2, 1, 2, 1, 3, 0, 0]
    v = float((alpha @ m.b0).max())
    assert 20.8260 - 1e-4 <= v <= 20.8269                     # ZMDP's published bounds at b0


def test_alpha_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    alpha, action = rng.normal(size=(4, 3)), np.array([0, 2, 1, 1])
    write_alpha(tmp_path / "x.alpha", alpha, action)
    a2, act2 = read_alpha(tmp_path / "x.alpha")
    np.testing.assert_array_equal(a2, alpha)
    np.testing.assert_array_equal(act2, action)


@pytest.mark.parametrize("text, fragment", [
    ("0\n1 2 3\n\n1\n", "pairs of lines"),
    ("x\n1 2 3\n", "line 1: expected one action"),
    ("0\n1 2 zz\n", "line 2"),
    ("0\n1 2 3\n\n1\n1 2\n", "line 5: the vector has 2 entries"),
])
def test_bad_alpha_files(tmp_path, text, fragment):
    p = tmp_path / "bad.alpha"
    p.write_text(text)
    with pytest.raises(FileFormatError, match=fragment):
        read_alpha(p)


@pytest.mark.parametrize("text, fragment", [
    ("0 1 2\n1 0\n", "line 2"),
    ("0 1 1 1\n0 0 0 0\n", "defined twice"),
    ("0 1 5 0\n", "does not exist"),
    ("0 1 a 0\n", "integers or '-'"),
    ("", "empty"),
])
def test_bad_pg_files(tmp_path, text, fragment):
    p = tmp_path / "bad.pg"
    p.write_text(text)
    with pytest.raises(FileFormatError, match=fragment):
        read_pg(p)


def test_finite_graph_shorter_than_horizon_is_refused(tmp_path):
    p = tmp_path / "short.pg"
    p.write_text("0 0 1 1\n1 1 - -\n")
    g = read_pg(p)
    m = tiger(0.95)
    np.testing.assert_allclose(policy_graph_finite_value(m, g, 2)[0], [-1 + 0.95 * -100, -1 + 0.95 * 10])
    with pytest.raises(ModelError, match="shorter than the horizon 3"):
        policy_graph_finite_value(m, g, 3)
    with pytest.raises(ModelError, match="no successor"):
        policy_graph_value(m, g)


def test_cli_evaluate_pg_and_alpha(tmp_path, capsys):
    from mdplab.cassandra import write_cassandra

    model = tmp_path / "tiger.POMDP"
    write_cassandra(tiger(0.75), model)
    pg = tmp_path / "tiger.pg"
    pg.write_text("0 0 1 2\n1 1 0 0\n2 2 0 0\n")          # listen; open the other door after one hearing
    assert main(["evaluate", str(model), str(pg), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # closed form: V0 = -1 + 0.75 (0.5 V1(hl) + 0.5 V2(hr)) at b0 = (1/2, 1/2) ... checked by the linear solve's
    # value against a hand recursion below
    m = tiger(0.75)
    g = read_pg(pg)
    assert out["value_b0"] == pytest.approx(float(m.b0 @ policy_graph_value(m, g)[0]), abs=1e-12)
    alpha = tmp_path / "v.alpha"
    write_alpha(alpha, [[-1.0, -1.0]], [0])
    assert main(["evaluate", str(model), str(alpha), "--horizon", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["value_b0"] == pytest.approx(-1 - 0.75 - 0.75 ** 2, abs=1e-12)   # always listen, 3 steps
    assert out["alpha_value_b0"] == -1.0


def test_policy_graph_value_against_hand_recursion():
    # listen, then open the door away from the tiger heard; after opening, listen again (node 0)
    m = tiger(0.75)
    from mdplab.pomdp_planning import PolicyGraph

    g = PolicyGraph(action=np.array([0, 2, 1]), next=np.array([[2, 1], [0, 0], [0, 0]]), start=0,
                    offsets=np.zeros(1, dtype=np.int64), exact=True)
    V = policy_graph_value(m, g)
    # value iteration of the same recursion by hand, 2000 sweeps (contraction 0.75: error < 1e-200)
    W = np.zeros((3, 2))
    for _ in range(2000):
        new = np.empty_like(W)
        for n in range(3):
            a = g.action[n]
            new[n] = m.R[:, a] + 0.75 * sum(m.P[:, a, :] @ (m.O[a, :, o] * W[g.next[n, o]]) for o in range(2))
        W = new
    np.testing.assert_allclose(V, W, atol=1e-10)
    assert isinstance(AlphaSet(alpha=V, action=g.action, next=g.next), AlphaSet)


def test_cli_evaluate_pg_starts_at_best_vector_of_sibling_alpha(tmp_path, capsys):
    # pomdp-solve writes NAME.alpha and NAME.pg whose nodes line up; the tiger.aaai pair of the R package README
    from mdplab.cassandra import write_cassandra

    ref = TIGER["tiger.aaai.POMDP"]["pomdp_R_package_readme"]
    model = tmp_path / "tiger.POMDP"
    write_cassandra(tiger(0.75), model)
    (tmp_path / "sol.pg").write_text(AAAI_PG)
    acts = {"listen": 0, "open-left": 1, "open-right": 2}
    write_alpha(tmp_path / "sol.alpha", [n["alpha"] for n in ref["policy_graph"]],
                [acts[n["action"]] for n in ref["policy_graph"]])
    assert main(["evaluate", str(model), str(tmp_path / "sol.pg"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["start_node"] == 2
    assert out["value_b0"] == pytest.approx(ref["total_expected_reward_at_b0"], abs=1e-5)


def guess_with_goal():
    """States (left, right, goal): listen (cost 0.1, heard correctly w.p. 0.85) or open a door (+1 if right,
    -1 if wrong), after which the run ends in the zero-reward goal; undiscounted (an indefinite horizon)."""
    P = np.zeros((3, 3, 3))
    P[:, 0] = np.eye(3)
    P[:, 1:, 2] = 1.0
    O = np.zeros((3, 3, 2))
    O[0, 0], O[0, 1], O[0, 2] = [0.85, 0.15], [0.15, 0.85], [0.5, 0.5]
    O[1:] = 0.5
    R = np.array([[-0.1, 1.0, -1.0], [-0.1, -1.0, 1.0], [0.0, 0.0, 0.0]])
    return POMDP(P, O, R, horizon=1, discount=1.0, b0=[0.5, 0.5, 0.0])


def test_indefinite_horizon_policy_graph_closed_form():
    from mdplab.errors import NotApplicableError
    from mdplab.pomdp_planning import PolicyGraph

    m = guess_with_goal()
    # listen once, open the door heard, then stay in an 'idle' node listening (the goal earns 0 for ever)
    g = PolicyGraph(action=np.array([0, 1, 2, 0]), next=np.array([[1, 2], [3, 3], [3, 3], [3, 3]]), start=0,
                    offsets=np.zeros(1, dtype=np.int64), exact=True)
    V = policy_graph_value(m, g, gamma=1.0)
    assert value_at(m.b0, V[0]) == pytest.approx(-0.1 + 0.85 * 1.0 + 0.15 * -1.0, abs=1e-12)   # = 0.6
    assert np.isnan(V[3, 0])                    # (idle node, left) is not reachable from b0: not defined
    # listening for ever never terminates and pays -0.1 per step: refused
    loop = PolicyGraph(action=np.array([0]), next=np.array([[0, 0]]), start=0, offsets=np.zeros(1, dtype=np.int64),
                       exact=True)
    with pytest.raises(NotApplicableError, match="does not terminate"):
        policy_graph_value(m, loop, gamma=1.0)
