"""Cassandra .POMDP/.MDP reader and writer: every shared file loads, the grammar's forms, malformed files.

Reference numbers: tests/data/pomdp_reference_values.json (sources in tests/data/README.md); the Cassandra
.POMDP files themselves (CC BY-NC 4.0) are not shipped: these tests skip without them."""
from __future__ import annotations

import json

import numpy as np
import pytest

from mdplab import MDP
from mdplab.cassandra import read_cassandra, read_cassandra_file, read_cassandra_start, write_cassandra
from mdplab.errors import FileFormatError, ModelError
from mdplab.pomdp import POMDP

POMDP_FILES = ["tiger.aaai.POMDP", "tiger.95.POMDP", "4x3.95.POMDP", "cheese.95.POMDP", "shuttle.95.POMDP",
               "network.POMDP", "mini-hall2.POMDP", "4x4.95.POMDP", "paint.95.POMDP", "tiger-grid.POMDP",
               "hallway.POMDP", "three_state.pomdp"]


def _ref(test_data):
    return json.loads((test_data / "pomdp_reference_values.json").read_text())["files"]


@pytest.mark.parametrize("name", POMDP_FILES)
def test_every_shared_file_loads_with_published_sizes(pomdp_file, test_data, name):
    ref = _ref(test_data)[name]
    m = read_cassandra(pomdp_file(name))
    assert isinstance(m, POMDP)
    assert (m.n_states, m.n_actions, m.n_observations, m.gamma) == (ref["n_states"], ref["n_actions"],
                                                                    ref["n_observations"], ref["discount"])
    np.testing.assert_allclose(m.P.sum(axis=2), 1.0, atol=1e-12)
    np.testing.assert_allclose(m.O.sum(axis=2), 1.0, atol=1e-12)


def test_shared_pomdp_directory_is_fully_covered(shared_data):
    on_disk = {p.name for p in (shared_data / "pomdp").iterdir() if p.suffix.lower() in (".pomdp",)}
    assert on_disk == set(POMDP_FILES)


def test_tiger_semantics(pomdp_file):
    m = read_cassandra(pomdp_file("tiger.95.POMDP"))
    assert m.state_names == ("tiger-left", "tiger-right")
    assert m.observation_names == ("tiger-left", "tiger-right")   # separate namespaces
    np.testing.assert_array_equal(m.P[:, 0, :], np.eye(2))         # T:listen identity
    np.testing.assert_array_equal(m.P[:, 1, :], np.full((2, 2), 0.5))
    np.testing.assert_array_equal(m.O[0], [[0.85, 0.15], [0.15, 0.85]])
    np.testing.assert_array_equal(m.R, [[-1, -100, 10], [-1, 10, -100]])


def test_network_commented_start_is_uniform_and_paint_start(pomdp_file):
    f = read_cassandra_file(pomdp_file("network.POMDP"))
    assert not f.has_start
    np.testing.assert_allclose(f.model.b0, np.full(7, 1 / 7))
    paint = read_cassandra(pomdp_file("paint.95.POMDP"))
    np.testing.assert_array_equal(paint.b0, [0.5, 0, 0, 0.5])
    # paint's next-line single entries and the wildcard-start rows
    assert paint.P[0, 0, 1] == 0.9 and paint.P[3, 0, 2] == 0.9
    np.testing.assert_array_equal(paint.P[:, 3, :], np.tile([0.5, 0, 0, 0.5], (4, 1)))


def test_goal_reward_on_entering_is_folded(pomdp_file):
    # mini-hall2: R: * : * : 12 : * 1.0, so r(s, a) = P(s' = 12 | s, a)
    m = read_cassandra(pomdp_file("mini-hall2.POMDP"))
    np.testing.assert_allclose(m.R, m.P[:, :, 12], atol=1e-12)


def test_zmdp_mdp_file_start_and_value(test_data):
    path = test_data / "zmdp_test12.mdp"
    m = read_cassandra(path)
    assert isinstance(m, MDP) and m.gamma == 0.9
    start = read_cassandra_start(path)
    np.testing.assert_array_equal(start, [1, 0, 0, 0])
    # published ZMDP bounds 15.7891..15.7898 at state 0; exact 300/19 (README §2)
    v = np.zeros(4)
    for _ in range(2000):
        v = (m.R + 0.9 * np.einsum("sat,t->sa", m.P, v)).max(axis=1)
    assert 15.7891 <= start @ v <= 15.7898
    assert start @ v == pytest.approx(300 / 19, abs=1e-9)


GRAMMAR = """# every form in one file
discount: 0.5
values: cost
states: a b c
actions: x y
observations: 2
start include: a c
T: x identity
T: 1 uniform
T: 1 : b
0 0 1
T: x : c : a 0.25
T: x : c : c 0.75
O: * uniform
O: x : a
1 0
O:x:b:1 1.0
O: x : b : 0 0.0
R: * : * : * : * 1
R: x : a : * 2 4
R: 1 : b
1 2
3 4
5 6
R: x : c : a : 1 -7
"""


def test_grammar_forms_wildcards_overrides_and_cost(tmp_path):
    p = tmp_path / "g.POMDP"
    p.write_text(GRAMMAR)
    f = read_cassandra_file(p)
    m = f.model
    np.testing.assert_array_equal(f.start, [0.5, 0, 0.5])
    P = np.zeros((3, 2, 3))
    P[:, 0, :] = np.eye(3)
    P[2, 0, :] = [0.25, 0, 0.75]
    P[:, 1, :] = 1 / 3
    P[1, 1, :] = [0, 0, 1]
    np.testing.assert_array_equal(m.P, P)
    O = np.full((2, 3, 2), 0.5)
    O[0, 0] = [1, 0]
    O[0, 1] = [0, 1]
    np.testing.assert_array_equal(m.O, O)
    R4 = np.ones((3, 2, 3, 2))
    R4[0, 0, :, :] = [2, 4]
    R4[1, 1] = [[1, 2], [3, 4], [5, 6]]
    R4[2, 0, 0, 1] = -7
    expected = -np.einsum("sat,ato,sato->sa", P, O, R4)             # values: cost -> negated
    np.testing.assert_allclose(m.R, expected, atol=1e-14)


def test_start_exclude_and_single_state(tmp_path):
    base = "discount: 0.9\nstates: 3\nactions: 1\nobservations: 1\n{start}\nT: * identity\nO: * uniform\n"
    p = tmp_path / "s.POMDP"
    p.write_text(base.format(start="start exclude: 1"))
    np.testing.assert_array_equal(read_cassandra(p).b0, [0.5, 0, 0.5])
    p.write_text(base.format(start="start: 2"))
    np.testing.assert_array_equal(read_cassandra(p).b0, [0, 0, 1])
    p.write_text(base.format(start="start: uniform"))
    np.testing.assert_allclose(read_cassandra(p).b0, 1 / 3)


HEADER = "discount: 0.9\nstates: 2\nactions: 2\nobservations: 2\n"
GOOD_BODY = "T: * identity\nO: * uniform\n"


@pytest.mark.parametrize("text, line, expected", [
    ("", 1, "preamble"),
    ("states: 2\nactions: 2\nT: * identity\n", 3, "discount"),
    ("discount: 0.9\nactions: 2\nT: * identity\n", 3, "states"),
    ("discount: 2.5\nstates: 2\nactions: 1\n", 1, "discount in [0, 1]"),
    ("discount: 0.9\nvalues: money\nstates: 2\n", 2, "'reward' or 'cost'"),
    (HEADER + "T: * : 0\n0.5 0.5\nT: * : 1 0.5\nO: * uniform\n", 8, "2 probabilities"),
    (HEADER + "T: 0 : 5 : 0 1.0\n" + GOOD_BODY, 5, "a state"),
    (HEADER + "T: jump identity\n", 5, "an action"),
    (HEADER + "T: 0 : 0 : 0 abc\n", 5, "a probability"),
    (HEADER + GOOD_BODY + "Q: 0 : 0 1\n", 7, "T:, O: or R:"),
    (HEADER + GOOD_BODY + "discount: 0.5\n", 7, "preamble item"),
    (HEADER + GOOD_BODY + "start: uniform\n", 7, "after the preamble"),
    (HEADER + "T: 0 : 0\n0.5 0.6\nT: 1 identity\nT: 0 : 1\n0 1\n" + "O: * uniform\n", 5, "sum to 1"),
    (HEADER + "T: * identity\nO: 0 uniform\n", 6, "O(a=1, s'=0"),
    (HEADER + GOOD_BODY + "R: 0 1\n", 7, "R: a : s"),
    ("discount: 0.9\nstates: 2\nactions: 1\nT: * identity\nO: 0 uniform\n", 5, "need 'observations:'"),
    ("discount: 0.9\nstates: 2\nactions: 1\nobservations: 1\nstart exclude: 0 1\nT: * identity\nO: * uniform\n", 5,
     "leaves some state"),
    ("discount: 0.9\nstates: 2\nactions: 1\nobservations: 1\nstart: 0.7 0.7\nT: * identity\nO: * uniform\n", 5,
     "sum to 1"),
    ("discount: 0.9\nstates: s0 s0\nactions: 1\n", 2, "repeated"),
    ("discount: 0.9\nstates: 2\nactions: 1\nobservations: 1\nT: * identity\nO: * identity\n", 6, "identity needs"),
])
def test_malformed_files_name_file_line_and_expectation(tmp_path, text, line, expected):
    p = tmp_path / "bad.POMDP"
    p.write_text(text)
    with pytest.raises(FileFormatError) as info:
        read_cassandra(p)
    msg = str(info.value)
    assert str(p) in msg
    assert f":{line}:" in msg or f"line {line}" in msg, msg
    assert expected in msg, msg


def test_binary_file_is_a_format_error(tmp_path):
    p = tmp_path / "bin.POMDP"
    p.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(FileFormatError, match="not a text file"):
        read_cassandra(p)


def test_undiscounted_file_needs_horizon(tmp_path):
    p = tmp_path / "u.POMDP"
    p.write_text("discount: 1.0\nstates: 2\nactions: 1\nobservations: 1\nT: * identity\nO: * uniform\n")
    with pytest.raises(FileFormatError, match="needs a horizon"):
        read_cassandra(p)
    assert read_cassandra(p, horizon=3).horizon == 3


@pytest.mark.parametrize("name", ["tiger.95.POMDP", "paint.95.POMDP", "hallway.POMDP"])
def test_round_trip_shared_files(pomdp_file, tmp_path, name):
    m = read_cassandra(pomdp_file(name))
    out = tmp_path / "rt.POMDP"
    write_cassandra(m, out)
    m2 = read_cassandra(out)
    for field in ("P", "O", "R", "b0"):
        np.testing.assert_allclose(getattr(m2, field), getattr(m, field), rtol=0, atol=1e-14)
    assert (m2.gamma, m2.state_names, m2.action_names, m2.observation_names) == (
        m.gamma, m.state_names, m.action_names, m.observation_names)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_round_trip_random_models(tmp_path, seed):
    rng = np.random.default_rng(seed)
    S, A, nO = 4, 3, 2
    P, O, R = rng.dirichlet(np.ones(S), (S, A)), rng.dirichlet(np.ones(nO), (A, S)), rng.normal(size=(S, A))
    pom = POMDP(P, O, R, b0=rng.dirichlet(np.ones(S)), discount=0.9)
    write_cassandra(pom, tmp_path / "r.POMDP")
    back = read_cassandra(tmp_path / "r.POMDP")
    np.testing.assert_allclose(back.R, pom.R, atol=1e-14)
    np.testing.assert_allclose(back.P, pom.P, atol=1e-15)
    mdp = MDP(P, R, discount=0.8)
    write_cassandra(mdp, tmp_path / "r.MDP", start=np.eye(S)[1])
    f = read_cassandra_file(tmp_path / "r.MDP")
    assert isinstance(f.model, MDP)
    np.testing.assert_allclose(f.model.R, mdp.R, atol=1e-14)
    np.testing.assert_allclose(f.model.P, mdp.P, atol=1e-15)
    np.testing.assert_array_equal(f.start, np.eye(S)[1])


def test_writer_refuses_average_reward(tmp_path):
    m = MDP(np.ones((2, 1, 2)) / 2, np.zeros((2, 1)), average_reward=True)
    with pytest.raises(ModelError):
        write_cassandra(m, tmp_path / "x.MDP")
