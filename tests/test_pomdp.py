"""POMDP model, kernels, exact and point-based planning against other people's numbers and brute force.

Reference numbers: ../shared/data/README.md §1 and reference_values/*.json (AI-Toolbox's V_15 Tiger set
computed with pomdp-solve; SARSOP bounds; pomdp-solve/R-package tiger.aaai value; ZMDP three_state bounds)."""
from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from mdplab.cassandra import read_cassandra
from mdplab.errors import ModelError, NotApplicableError
from mdplab.pomdp import POMDP
from mdplab import pomdp_planning as pp
from mdplab._kernels.alpha_backup import point_backup, project_alpha
from mdplab._kernels.belief import belief_successors, belief_update

#: Tiger gamma = 0.95, V_15(b0): AI-Toolbox test/POMDP/IncrementalPruningTests.cpp @ 05c935cc (from pomdp-solve).
TIGER_V15_B0 = 9.7284247446776745
#: Tiger gamma = 1, horizon 2, the same AI-Toolbox tests: the parsimonious set.
TIGER_H2_UNDISCOUNTED = [(-101, 9), (-16.85, 7.35), (-2, -2), (7.35, -16.85), (9, -101)]
#: SARSOP (APPL 0.96) bounds at b0 for tiger.95 (AdaCompNUS/sarsop examples/POMDPX/Tiger.log @ d914110).
SARSOP_TIGER = (19.3711, 19.3721)
#: pomdp-solve value of tiger.aaai at the uniform belief, 6 decimals (mhahsler/pomdp README @ 0b960e88).
TIGER_AAAI = 1.933439
#: ZMDP regression tests src/tests/test00/01/03 @ d07d4f9: bounds at b0 for three_state.pomdp.
ZMDP_THREE_STATE = (20.8260, 20.8269)


def tiger(pomdp_file, name="tiger.95.POMDP"):
    return read_cassandra(pomdp_file(name))


def random_pomdp(seed, S=3, A=2, nO=2, **crit):
    rng = np.random.default_rng(seed)
    return POMDP(rng.dirichlet(np.ones(S), (S, A)), rng.dirichlet(np.ones(nO), (A, S)),
                 rng.integers(-3, 4, size=(S, A)).astype(float), b0=rng.dirichlet(np.ones(S)), **crit)


# ------------------------------------------------------------------------------------------- model
def test_emission_row_error_names_a_and_s_prime():
    O = np.full((2, 3, 2), 0.5)
    O[1, 2] = [0.5, 0.6]
    with pytest.raises(ModelError, match=r"O\[a=1, s'=2, :\] sums to"):
        POMDP(np.ones((3, 2, 3)) / 3, O, np.zeros((3, 2)), discount=0.9)


@pytest.mark.parametrize("kwargs, match", [
    ({"b0": [0.5, 0.5]}, "b0 must have shape"),
    ({"b0": [0.5, 0.6, -0.1]}, "negative"),
    ({"discount": 1.0}, "outside"),
    ({"horizon": 0}, "horizon"),
])
def test_bad_inputs_raise_model_errors(kwargs, match):
    args = {"discount": 0.9, **kwargs}
    if "horizon" in kwargs:
        args.pop("discount")
    with pytest.raises(ModelError, match=match):
        POMDP(np.ones((3, 2, 3)) / 3, np.full((2, 3, 2), 0.5), np.zeros((3, 2)), **args)


def test_reward_folding_and_immutability():
    rng = np.random.default_rng(0)
    P, O, R4 = rng.dirichlet(np.ones(3), (3, 2)), rng.dirichlet(np.ones(2), (2, 3)), rng.normal(size=(3, 2, 3, 2))
    m = POMDP(P, O, R4, discount=0.9)
    manual = np.array([[sum(P[s, a, t] * O[a, t, o] * R4[s, a, t, o] for t in range(3) for o in range(2))
                        for a in range(2)] for s in range(3)])
    np.testing.assert_allclose(m.R, manual, atol=1e-14)
    with pytest.raises(AttributeError):
        m.gamma = 0.5
    with pytest.raises(ValueError):
        m.P[0, 0, 0] = 1.0


# ------------------------------------------------------------------------------------------- kernels
def _belief_reference(P, O, b, a, o):
    x = (b @ P[:, a, :]) * O[a, :, o]
    return x / x.sum(), x.sum()


@pytest.mark.parametrize("seed", range(4))
def test_belief_update_matches_numpy_and_py_func(seed):
    m = random_pomdp(seed, S=4, A=3, nO=3, discount=0.9)
    b = np.random.default_rng(seed).dirichlet(np.ones(4))
    out, out_py = np.empty(4), np.empty(4)
    for a, o in itertools.product(range(3), range(3)):
        p = belief_update(m.P, m.O, b, a, o, out)
        p_py = belief_update.py_func(m.P, m.O, b, a, o, out_py)
        ref, pref = _belief_reference(m.P, m.O, b, a, o)
        np.testing.assert_allclose(out, ref, atol=1e-14)
        np.testing.assert_allclose(out_py, ref, atol=1e-14)
        assert p == pytest.approx(pref) and p_py == pytest.approx(pref)
    succ, prob = np.empty((3, 3, 4)), np.empty((3, 3))
    belief_successors(m.P, m.O, b, np.empty(4), succ, prob)
    np.testing.assert_allclose(prob.sum(axis=1), 1.0, atol=1e-14)
    np.testing.assert_allclose(succ[1, 2], _belief_reference(m.P, m.O, b, 1, 2)[0], atol=1e-14)


def test_projection_and_point_backup_match_numpy():
    m = random_pomdp(3, S=4, A=3, nO=2, discount=0.9)
    rng = np.random.default_rng(1)
    alpha = rng.normal(size=(5, 4))
    g = np.empty((3, 2, 5, 4))
    project_alpha(m.P, m.O, alpha, 0.9, g)
    ref = 0.9 * np.einsum("sat,ato,kt->aoks", m.P, m.O, alpha)
    np.testing.assert_allclose(g, ref, atol=1e-13)
    B = rng.dirichlet(np.ones(4), 6)
    out, act, nxt = np.empty((6, 4)), np.empty(6, dtype=np.int64), np.empty((6, 2), dtype=np.int64)
    point_backup(m.R, g, B, out, act, nxt)
    for i, b in enumerate(B):
        q = [b @ m.R[:, a] + sum(max(b @ ref[a, o, k] for k in range(5)) for o in range(2)) for a in range(3)]
        assert b @ out[i] == pytest.approx(max(q), abs=1e-12)
        assert act[i] == int(np.argmax(q))


# ------------------------------------------------------------------------------------------- exact VI
def test_tiger_horizon_15_matches_published_set(pomdp_file, test_data):
    ref = json.loads((test_data / "tiger_reference_values.json").read_text())
    pub = ref["tiger.95.POMDP"]["ai_toolbox_horizon15_exact"]
    vecs = np.array([v["alpha"] for v in pub["vectors"]])
    acts = np.array([v["action"] for v in pub["vectors"]])
    sol = pp.finite_horizon_value_iteration(tiger(pomdp_file), 15)
    assert sol.n_alpha == 47 == pub["num_vectors"]
    assert sol.value == pytest.approx(TIGER_V15_B0, abs=1e-10)
    d = np.abs(sol.alpha.alpha[:, None, :] - vecs[None]).max(axis=2)
    match = d.argmin(axis=1)
    assert d.min(axis=1).max() < 1e-8                      # every vector is a published one
    assert len(set(match)) == 47                           # and all published ones are found
    np.testing.assert_array_equal(sol.alpha.action, acts[match])


def test_tiger_horizon_2_undiscounted(pomdp_file):
    m = tiger(pomdp_file).with_criterion(discount=1.0, horizon=2)
    sol = pp.finite_horizon_value_iteration(m)
    got = sorted(map(tuple, np.round(sol.alpha.alpha, 10)))
    assert got == sorted(TIGER_H2_UNDISCOUNTED)


@pytest.mark.parametrize("H, value", [(1, -1.0), (2, -1.95), (3, 2.3098), (4, 1.795544), (5, 2.763096)])
def test_tiger_short_horizons(pomdp_file, H, value):
    # computed_here values of ../shared/data README §1 (independent scratch 1-D envelope VI), 7 digits
    assert pp.finite_horizon_value_iteration(tiger(pomdp_file), H).value == pytest.approx(value, abs=5e-7)


def _all_policy_trees(A, nO, H):
    if H == 0:
        return [None]
    subs = _all_policy_trees(A, nO, H - 1)
    return [(a, kids) for a in range(A) for kids in itertools.product(subs, repeat=nO)]


def _tree_value(m, tree, b, gamma):
    """Brute force: the exact value of a policy tree by belief recursion (tests-only oracle)."""
    if tree is None:
        return 0.0
    a, kids = tree
    v = float(b @ m.R[:, a])
    pred = b @ m.P[:, a, :]
    for o, kid in enumerate(kids):
        x = pred * m.O[a, :, o]
        p = x.sum()
        if p > 0:
            v += gamma * p * _tree_value(m, kid, x / p, gamma)
    return v


@pytest.mark.parametrize("seed, H", [(0, 1), (1, 2), (2, 2), (3, 3), (4, 3), (5, 3)])
def test_exact_vi_equals_brute_force_over_policy_trees(seed, H):
    m = random_pomdp(seed, S=3, A=2, nO=2, horizon=H, discount=0.9)
    trees = _all_policy_trees(2, 2, H)
    sol = pp.finite_horizon_value_iteration(m)
    B = np.vstack([m.b0, np.random.default_rng(seed).dirichlet(np.ones(3), 3)])
    for b in B:
        brute = max(_tree_value(m, t, b, 0.9) for t in trees)
        assert sol.alpha.value(b) == pytest.approx(brute, abs=1e-10)


def test_pruning_keeps_the_envelope_and_drops_dominated():
    rng = np.random.default_rng(0)
    alpha = rng.normal(size=(60, 3))
    keep = pp.prune(alpha)
    B = rng.dirichlet(np.ones(3), 2000)
    np.testing.assert_allclose((alpha[keep] @ B.T).max(axis=0), (alpha @ B.T).max(axis=0), atol=1e-9)
    # every kept vector is needed: removing it lowers the envelope somewhere (witness LP)
    for k in keep:
        others = alpha[[j for j in keep if j != k]]
        assert pp._witness_lp(alpha[k], others)[0] > 0


def test_finite_horizon_policy_graph_reproduces_value(pomdp_file):
    m = tiger(pomdp_file)
    sol = pp.finite_horizon_value_iteration(m, 5)
    g = pp.policy_graph(sol, m.b0)

    def run(node, b, depth):
        if depth == 0:
            return 0.0
        a = g.action[node]
        v = float(b @ m.R[:, a])
        pred = b @ m.P[:, a, :]
        for o in range(m.n_observations):
            x = pred * m.O[a, :, o]
            if x.sum() > 0:
                v += m.gamma * x.sum() * run(g.next[node, o], x / x.sum(), depth - 1)
        return v

    assert run(g.start, m.b0, 5) == pytest.approx(sol.value, abs=1e-10)


# ------------------------------------------------------------------------------------------- discounted
def _controller_value(m, g):
    """Exact value of a finite-state controller: solve V[n, s] = R[s, a_n] + gamma sum P O V[next(n, o), s']."""
    N, S = len(g.action), m.n_states
    A_mat = np.eye(N * S)
    rhs = np.zeros(N * S)
    for n in range(N):
        a = g.action[n]
        for s in range(S):
            rhs[n * S + s] = m.R[s, a]
            for s1 in range(S):
                for o in range(m.n_observations):
                    A_mat[n * S + s, g.next[n, o] * S + s1] -= m.gamma * m.P[s, a, s1] * m.O[a, s1, o]
    return np.linalg.solve(A_mat, rhs).reshape(N, S)


def test_tiger_aaai_certified_value_and_policy_graph(pomdp_file):
    m = tiger(pomdp_file, "tiger.aaai.POMDP")
    sol = pp.discounted_value_iteration(m, tol=1e-6)
    assert sol.converged and sol.upper - sol.lower <= 1e-6
    # published to 6 decimals: the rounding interval must meet ours
    assert sol.lower <= TIGER_AAAI + 5e-7 and sol.upper >= TIGER_AAAI - 5e-7
    g = pp.policy_graph(sol, m.b0)
    assert g.exact
    v = _controller_value(m, g)[g.start] @ m.b0
    assert sol.lower - 1e-6 <= v <= sol.upper + 1e-12


def test_three_state_within_zmdp_bounds(pomdp_file):
    m = read_cassandra(pomdp_file("three_state.pomdp"))
    sol = pp.discounted_value_iteration(m, tol=1e-4)
    assert sol.converged
    assert ZMDP_THREE_STATE[0] <= sol.lower <= sol.upper <= ZMDP_THREE_STATE[1]


def test_tiger_95_certified_to_1e_6_inside_sarsop(pomdp_file):
    sol = pp.discounted_value_iteration(tiger(pomdp_file), tol=1e-6)
    assert sol.converged
    assert SARSOP_TIGER[0] <= sol.lower <= sol.upper <= SARSOP_TIGER[1]


def test_discounted_vi_rejects_finite_horizon():
    with pytest.raises(NotApplicableError):
        pp.discounted_value_iteration(random_pomdp(0, horizon=3))


# ------------------------------------------------------------------------------------------- bounds
POMDP_FILES = ["tiger.aaai.POMDP", "tiger.95.POMDP", "4x3.95.POMDP", "cheese.95.POMDP", "shuttle.95.POMDP",
               "network.POMDP", "mini-hall2.POMDP", "4x4.95.POMDP", "paint.95.POMDP", "tiger-grid.POMDP",
               "hallway.POMDP", "three_state.pomdp"]


@pytest.mark.parametrize("name", POMDP_FILES)
def test_qmdp_fib_and_blind_bounds_match_reference(pomdp_file, test_data, name):
    ref = json.loads((test_data / "pomdp_reference_values.json").read_text())["files"][name]
    c = ref["computed_here"]
    m = read_cassandra(pomdp_file(name))
    # The JSON is rounded to 8 decimals.  4x4.95's start and reset rows sum to 1.000005 in the file; the
    # reference did not renormalise them and we do, which moves these bounds by ~2.6e-5 relative (checked by
    # recomputing with the raw rows), hence its looser tolerance.
    rtol = 5e-5 if name == "4x4.95.POMDP" else 0.0
    atol = 0.0 if rtol else 2e-8
    assert np.max(m.b0 @ pp.qmdp_q(m)) == pytest.approx(c["QMDP_upper_bound_at_b0"], rel=rtol, abs=atol)
    assert np.max(m.b0 @ pp.fast_informed_bound_q(m)) == pytest.approx(c["FIB_upper_bound_at_b0"], rel=rtol, abs=atol)
    assert pp.blind_policy_alphas(m).value(m.b0) == pytest.approx(c["blind_lower_bound_at_b0"], rel=rtol, abs=atol)


def test_sawtooth_is_exact_at_points_and_corners():
    rng = np.random.default_rng(0)
    corners = rng.normal(size=3) + 5
    pts = rng.dirichlet(np.ones(3), 4)
    vals = pts @ corners - rng.uniform(0, 1, 4)
    np.testing.assert_allclose(pp.sawtooth(pts, vals, corners, pts), vals, atol=1e-12)
    np.testing.assert_allclose(pp.sawtooth(pts, vals, corners, np.eye(3)), corners, atol=1e-12)


@pytest.mark.parametrize("name", ["tiger.95.POMDP", "4x3.95.POMDP"])
def test_point_based_bounds_bracket(pomdp_file, name):
    m = read_cassandra(pomdp_file(name))
    sol = pp.point_based_value_iteration(m, max_seconds=1.5, n_beliefs=32, seed=0)
    fib = float(np.max(m.b0 @ pp.fast_informed_bound_q(m)))
    assert pp.blind_policy_alphas(m).value(m.b0) - 1e-12 <= sol.lower <= sol.upper <= fib + 1e-9
    assert np.all(np.diff(sol.history[:, 1]) >= -1e-12)    # the lower bound never decreases
    if name == "tiger.95.POMDP":                            # V* = 19.37137 (SARSOP interval) is inside
        assert sol.lower <= SARSOP_TIGER[1] and sol.upper >= SARSOP_TIGER[0]


def test_point_based_is_seeded(pomdp_file):
    m = read_cassandra(pomdp_file("4x3.95.POMDP"))
    a = pp.point_based_value_iteration(m, max_seconds=60, n_beliefs=16, tol=0.0, seed=3, max_rounds=3)
    b = pp.point_based_value_iteration(m, max_seconds=60, n_beliefs=16, tol=0.0, seed=3, max_rounds=3)
    assert a.iterations == b.iterations == 3
    assert a.lower == b.lower and a.upper == b.upper
    np.testing.assert_array_equal(a.alpha.alpha, b.alpha.alpha)
    assert a.lower > pp.blind_policy_alphas(m).value(m.b0)     # the rounds did improve the bound


# ------------------------------------------------------------------------------------------- CLI
def test_cli_solve_finite_horizon_json(pomdp_file, capsys):
    from mdplab.cli import main

    assert main(["solve", str(pomdp_file("tiger.95.POMDP")), "--horizon", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["value"] == pytest.approx(2.763096, abs=5e-7)   # README §1 computed_here V_5(b0)
    assert out["seconds"] > 0


def test_cli_solve_discounted_json(pomdp_file, capsys):
    from mdplab.cli import main

    assert main(["solve", str(pomdp_file("tiger.aaai.POMDP")), "--discount-tol", "1e-5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["certified"] and out["upper"] - out["lower"] <= 1e-5
    assert out["lower"] <= TIGER_AAAI + 5e-7 and out["upper"] >= TIGER_AAAI - 5e-7
    assert {"value", "lower", "upper", "n_alpha", "seconds"} <= set(out)


def test_hsvi_brackets_and_converges_on_tiger(pomdp_file):
    m = tiger(pomdp_file, "tiger.aaai.POMDP")
    sol = pp.heuristic_search_value_iteration(m, max_seconds=20, tol=1e-2)
    assert sol.converged and sol.lower <= TIGER_AAAI + 5e-7 and sol.upper >= TIGER_AAAI - 5e-7
    assert np.all(np.diff(sol.history[:, 1]) >= -1e-12) and np.all(np.diff(sol.history[:, 2]) <= 1e-12)


def test_hsvi_bounds_valid_on_4x3(pomdp_file):
    m = read_cassandra(pomdp_file("4x3.95.POMDP"))
    sol = pp.heuristic_search_value_iteration(m, max_seconds=1.0, tol=1e-3)
    fib = float(np.max(m.b0 @ pp.fast_informed_bound_q(m)))
    assert pp.blind_policy_alphas(m).value(m.b0) - 1e-12 <= sol.lower <= sol.upper <= fib + 1e-9


from hypothesis import given, strategies as st  # noqa: E402


@given(seed=st.integers(0, 10_000), H=st.integers(1, 2), nO=st.integers(1, 3))
def test_property_exact_vi_equals_brute_force(seed, H, nO):
    m = random_pomdp(seed, S=3, A=2, nO=nO, horizon=H, discount=0.95)
    sol = pp.finite_horizon_value_iteration(m)
    brute = max(_tree_value(m, t, m.b0, 0.95) for t in _all_policy_trees(2, nO, H))
    assert sol.value == pytest.approx(brute, abs=1e-9)
    # the stage sets are nested in value: V_h is the h-step optimum at every belief, so each stage's value at
    # b0 equals the brute force at that depth too
    for h, V in enumerate(sol.stages[1:], start=1):
        assert V.value(m.b0) == pytest.approx(max(_tree_value(m, t, m.b0, 0.95) for t in _all_policy_trees(2, nO, h)),
                                              abs=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_pointwise_filter_kernel_matches_numpy_reference(seed):
    from mdplab._kernels.alpha_backup import pointwise_undominated

    rng = np.random.default_rng(seed)
    alpha = np.round(rng.normal(size=(40, 3)), 1)             # rounding creates exact ties and copies
    alpha[5] = alpha[3]
    tol = 1e-9
    K = alpha.shape[0]
    ge = np.all(alpha[None] >= alpha[:, None] - tol, axis=2)   # ge[i, j]: alpha_j >= alpha_i - tol
    gt = np.any(alpha[None] > alpha[:, None] + tol, axis=2)
    dom = ge & (gt | (np.arange(K)[None] < np.arange(K)[:, None]))
    np.fill_diagonal(dom, False)
    ref = ~dom.any(axis=1)
    keep, keep_py = np.empty(K, dtype=bool), np.empty(K, dtype=bool)
    pointwise_undominated(alpha, tol, keep)
    pointwise_undominated.py_func(alpha, tol, keep_py)
    np.testing.assert_array_equal(keep, ref)
    np.testing.assert_array_equal(keep_py, ref)
    assert not keep[5] and keep[3] == ref[3]


def _pair_reference(phi, W, tol):
    """Slow reference for the pair-dominance kernel (interval intersection per pair)."""
    if np.any(np.all(W >= phi - tol, axis=1)):
        return True
    for i in range(len(W)):
        for j in range(i + 1, len(W)):
            d, e = W[i] - W[j], phi - W[j] - tol
            lo = max([0.0] + [e[s] / d[s] for s in range(len(d)) if d[s] > 0])
            hi = min([1.0] + [e[s] / d[s] for s in range(len(d)) if d[s] < 0])
            if all(e[s] <= 0 for s in range(len(d)) if d[s] == 0) and lo <= hi:
                return True
    return False


@pytest.mark.parametrize("S", [2, 3])
def test_pair_dominance_kernel_matches_reference_and_is_exact_for_two_states(S):
    from mdplab._kernels.alpha_backup import dominated_by_pair

    rng = np.random.default_rng(S)
    for _ in range(150):
        W, phi = np.round(rng.normal(size=(5, S)), 1), np.round(rng.normal(size=S), 1)
        got = dominated_by_pair(phi, W, 1e-9)
        assert got == dominated_by_pair.py_func(phi, W, 1e-9) == _pair_reference(phi, W, 1e-9)
        if got or S == 2:   # sufficient in general; exact (agrees with White's LP) for two states
            assert (pp._witness_lp(phi, W)[0] <= 1e-9) == got
