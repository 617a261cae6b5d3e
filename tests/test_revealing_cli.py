"""``mdplab explore`` on the RevealTest POMDPs (chen2023revealing): JSON keys, per-seed gaps and episodes against a
closed-form oracle, the lower-bound curve against a hand computation and a brute-force Ingster N*, hostile input.

Closed-form oracle (independent of the enumeration the CLI uses): on RevealTest(A, Dtree, n, alpha, eps) with
special candidate ``c*`` and signs ``z``, the committed policy "go to c, bet z_hat_i on pair i" wins with
probability ``1/2 + (eps / 2n) <z, z_hat>`` at ``c = c*`` and ``1/2`` elsewhere; the reward is 1 on ``W``, which
shows a win with probability ``(1 + alpha)/2`` and a loss with ``(1 - alpha)/2``.  So ``V* = 1/2 + alpha eps / 2``
and the gap is ``alpha eps #{i: z_hat_i != z_i} / n`` at ``c*``, ``alpha eps / 2`` elsewhere.
"""
from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from algorithms.revealing_lower.learners import collision_tester, commit_policy, omle_lite
from algorithms.revealing_lower.families import leaky, policy_value
from algorithms.revealing_lower.runs import doubling, learner_rng
from mdplab.cli import main
from scenarios.instances.revealing import reveal_test_family

ROOT = Path(__file__).resolve().parents[1]
A, DTREE, N, ALPHA, EPS = 2, 1, 4, 1.0, 0.4
ENV = f"reveal_test:{A},{DTREE},{N},{ALPHA},{EPS}"


def closed_form_gap(c_hat: int, z_hat, c_star: int, z, alpha: float, eps: float) -> float:
    if c_hat != c_star:
        return alpha * eps / 2
    return alpha * eps * sum(a != b for a, b in zip(z_hat, z)) / len(z)


def first_checkpoint_within(checkpoints, gaps, eps):
    """Written independently of RevealingRun.episodes_to_epsilon: scan from the end."""
    k = None
    for c, g in reversed(list(zip(checkpoints, gaps))):
        if g > eps + 1e-12:
            break
        k = c
    return k


def run_json(argv, capsys) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_closed_form_oracle_matches_enumeration_and_rejects_a_broken_policy():
    m = reveal_test_family(A, DTREE, N, ALPHA, EPS, 3).model
    c_star, z = m.meta["c_star"], m.meta["z"]
    v_star = 0.5 + ALPHA * EPS / 2
    for c_hat in (c_star, (c_star + 1) % 4):
        for z_hat in [z, (-z[0],) + z[1:], tuple(-v for v in z)]:
            v = policy_value(m, commit_policy(m, c_hat, z_hat))
            assert v_star - v == pytest.approx(closed_form_gap(c_hat, z_hat, c_star, z, ALPHA, EPS), abs=1e-12)
    # broken variant: betting the opposite of z_hat at c* is not what the oracle predicts
    flipped = policy_value(m, commit_policy(m, c_star, tuple(-v for v in z)))
    assert v_star - flipped != pytest.approx(closed_form_gap(c_star, z, c_star, z, ALPHA, EPS), abs=1e-6)


def test_explore_episodes_json_matches_the_python_api(capsys):
    K, seeds = 200, 3
    out = run_json(["explore", ENV, "--learner", "collision-tester", "--episodes", str(K), "--seeds", str(seeds),
                    "--json"], capsys)
    for key in ("gap", "gap_mean", "gap_ci95", "seconds", "lower_bound", "lower_bound_exact", "Delta",
                "c_star", "c_hat", "episodes_used"):
        assert key in out
    assert out["K"] == K and len(out["gap"]) == seeds and out["gap_mean"] == pytest.approx(np.mean(out["gap"]))
    assert out["Delta"] == pytest.approx(ALPHA * EPS / 2)
    n2 = math.ceil(N / (ALPHA * EPS) ** 2)                            # commit phase: ceil(n / (alpha eps)^2)
    n_per = (K - n2 - 1) // 4                                         # the largest N the budget allows
    for seed in range(seeds):
        m = reveal_test_family(A, DTREE, N, ALPHA, EPS, seed).model   # the instance of run seed `seed`
        assert out["c_star"][seed] == m.meta["c_star"]
        o = collision_tester(m, doubling(n_per), learner_rng(seed))[-1]
        assert o.episodes == out["episodes_used"][seed] == 4 * n_per + n2 + 1 <= K
        assert out["c_hat"][seed] == o.c_hat
        assert out["gap"][seed] == pytest.approx(
            closed_form_gap(o.c_hat, o.z_hat, m.meta["c_star"], m.meta["z"], ALPHA, EPS), abs=1e-12)


def test_explore_epsilon_episodes_match_the_python_api(capsys):
    eps_target, budget = 0.1, 512
    out = run_json(["explore", ENV, "--learner", "omle-lite", "--epsilon", str(eps_target), "--max-episodes",
                    str(budget), "--seeds", "3", "--json"], capsys)
    assert out["epsilon"] == eps_target and len(out["episodes"]) == 3
    for seed, k in enumerate(out["episodes"]):
        m = reveal_test_family(A, DTREE, N, ALPHA, EPS, seed).model
        budgets = [1, 2, 4, 8, 16, 32, 64, 128, 256, budget - 1]
        outs = omle_lite(m, budgets, learner_rng(seed), math.log(10.0))
        gaps = [closed_form_gap(o.c_hat, o.z_hat, m.meta["c_star"], m.meta["z"], ALPHA, EPS) for o in outs]
        assert k == first_checkpoint_within([b + 1 for b in budgets], gaps, eps_target)


def test_lower_bound_keys_against_hand_computation_and_brute_force_n_star(capsys):
    out = run_json(["explore", ENV, "--learner", "collision-tester", "--episodes", "40", "--seeds", "1", "--json"],
                   capsys)
    K = A ** (DTREE + 1)
    assert out["lower_bound"] == pytest.approx(K * math.sqrt(2 * N * math.log(2)) / (2 * (ALPHA * EPS) ** 2))
    # N*: the first N with chi^2(mixture^N || U^N) >= 1, by Ingster's identity over all pairs (z, z')
    ae = ALPHA * EPS
    signs = list(itertools.product((1, -1), repeat=N))
    inner = np.array([[np.dot(z, w) for w in signs] for z in signs], dtype=float)
    n_star = next(t for t in range(1, 10_000) if np.mean((1 + ae ** 2 * inner / N) ** t) - 1 >= 1)
    assert out["lower_bound_exact"] == K * n_star / 2


def test_leaky_and_control_environments(capsys):
    out = run_json(["explore", f"leaky:{A},{DTREE},{N},{ALPHA},{EPS}", "--learner", "collision-tester",
                    "--episodes", "40", "--seeds", "2", "--json"], capsys)
    assert out["c_hat"] == out["c_star"]                              # the first observation named c*
    n2 = math.ceil(N / (ALPHA * EPS) ** 2)
    assert out["episodes_used"] == [40, 40] and 40 - n2 - 1 == 14     # one candidate: every budget episode used
    ctl = run_json(["explore", f"reveal_control:{A},{DTREE},{N},{ALPHA},{EPS}", "--learner", "collision-tester",
                    "--episodes", "40", "--seeds", "2", "--json"], capsys)
    # 1-step control: the output bets the sign it sees, which is optimal whatever the candidate; no search bound
    assert ctl["gap"] == [0.0, 0.0] and ctl["lower_bound"] is None


def test_brief_command_via_subprocess():
    r = subprocess.run([sys.executable, "-m", "mdplab.cli", "explore", "reveal_test:2,1,4,1.0,0.4", "--learner",
                        "collision-tester", "--epsilon", "0.2", "--seeds", "5", "--json"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert len(out["episodes"]) == 5 and all(isinstance(k, int) for k in out["episodes"])
    assert out["lower_bound"] > 0


@pytest.mark.parametrize("argv, match", [
    (["explore", "reveal_tst:2,1,4,1,0.4", "--learner", "collision-tester"], "neither a file nor a named model"),
    (["explore", "reveal_test:2,1,4,1.5,0.4", "--learner", "collision-tester"], "alpha"),
    (["explore", "reveal_test:2,1,4,1,0", "--learner", "collision-tester"], "eps"),
    (["explore", "reveal_test:2,1,4,1,nan", "--learner", "collision-tester"], "eps"),
    (["explore", "reveal_test:1,1,4,1,0.4", "--learner", "collision-tester"], "A must be"),
    (["explore", "reveal_test:2,1,x,1,0.4", "--learner", "collision-tester"], "not a list of numbers"),
    (["explore", "leaky:2,1,4", "--learner", "collision-tester"], "5-6"),
    (["explore", "reveal_test:2,1,4,1,0.4,-3", "--learner", "collision-tester"], "seed"),
    (["explore", "reveal_test:2,40,4,1,0.4", "--learner", "collision-tester"], "4096"),
    (["explore", "reveal_test:2,1,4,1,0.4", "--learner", "ucrl-rfe"], "revealing_pomdp"),
    (["explore", "hard:3,5,0.1", "--learner", "collision-tester"], "linear_mixture"),
    (["explore", "reveal_test:2,1,4,1,0.4", "--learner", "collision-tester", "--delta", "0.1"], "--delta"),
    (["explore", "reveal_test:2,1,4,1,0.4", "--learner", "collision-tester", "--horizon", "4"], "horizon"),
    (["explore", "reveal_test:2,1,4,1,0.4", "--learner", "collision-tester", "--param", "c_commit=0"], "c_commit"),
    (["explore", "reveal_test:2,1,4,1,0.4", "--learner", "omle-lite", "--param", "zz=1"], "zz"),
    (["explore", "reveal_test:2,1,4,1,0.4", "--learner", "omle-lite", "--delta", "1.5"], "--delta"),
    (["explore", "reveal_test:2,11,4,1,0.4", "--learner", "omle-lite", "--max-episodes", "16384", "--epsilon",
      "0.1"], "--max-episodes"),
])
def test_hostile_input_exits_2(argv, match, capsys):
    if "--epsilon" not in argv:
        argv = argv + ["--episodes", "40"]
    assert main(argv + ["--seeds", "1"]) == 2
    err = capsys.readouterr().err
    assert match in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_too_few_episodes_names_the_minimum(capsys):
    assert main(["explore", ENV, "--learner", "collision-tester", "--episodes", "10", "--seeds", "1"]) == 2
    assert "at least 30 episodes" in capsys.readouterr().err              # 4 candidates + 25 commit + 1


def test_figure_ladder_matches_the_registered_rungs():
    from paper_figs.revealing_lower import ladder
    from scenarios.instances.revealing import reveal_test_sized

    for level in range(4):
        p, q = reveal_test_sized(level, ALPHA, EPS), ladder(level)
        assert all(p[k] == q[k] for k in ("A", "Dtree", "n", "K", "S"))
        m = reveal_test_family(q["A"], q["Dtree"], q["n"], ALPHA, EPS, 0).model
        assert m.H == q["H"] and m.n_states == q["S"] and max(E.shape[0] for E in m.E) == q["O"]
