"""The LMDP-HF scenarios (scenarios/theorems/lmdp_hf.py): every check PASSes and every broken variant FAILs,
as declared; the regret CLI on a latent-MDP file and a named latent instance."""
from __future__ import annotations

import json

import numpy as np
import pytest

from mdplab.cli import main
from scenarios.registry import get_scenario
from scenarios.runner import evaluate_scenario, run_cells


def verdicts(name: str, tmp_path):
    sc = get_scenario(name)
    records = run_cells([sc], out_dir=tmp_path)[name]
    rows = evaluate_scenario(sc, records)
    assert all(r["matches"] for r in rows), rows
    return [(r["quantity"], r["verdict"]) for r in rows], records


def test_invariants_hold_and_broken_variants_fail(tmp_path):
    rows, _ = verdicts("lmdp_hf_invariants", tmp_path)
    assert rows == [("plans", "PASS"), ("plans_every", "FAIL"), ("alpha_max", "PASS"), ("alpha_max_untruncated", "FAIL"),
                    ("alpha_min", "PASS"), ("violation_lcl", "PASS"), ("violation_lcl_no_bonus", "FAIL")]


@pytest.mark.slow
def test_flat_in_h_and_hoeffding_fails(tmp_path):
    from scenarios.theorems.lmdp_hf import flat_in_h

    rows, records = verdicts("lmdp_hf_horizon_free", tmp_path)
    assert rows == [("regret", "PASS"), ("regret_hoeffding", "FAIL")]
    assert flat_in_h(records)[1] and not flat_in_h(records, "regret_hoeffding")[1]   # the CI rule


@pytest.mark.slow
def test_k_rate(tmp_path):
    rows, _ = verdicts("lmdp_hf_k_rate", tmp_path)
    assert rows == [("regret", "PASS"), ("regret_default", "FAIL")]


def test_det_polylog_and_hoeffding_fails(tmp_path):
    rows, _ = verdicts("lmdp_hf_det_polylog", tmp_path)
    assert rows == [("regret", "PASS"), ("regret_hoeffding", "FAIL")]


def test_var_star_family_has_the_stated_var_star():
    """The grid's Var* is the family's closed form p (1 - p) (independent oracle: the exact Var of the optimal
    policy's return, which is Bernoulli(p) on HiddenTreeBandit), at fixed eps."""
    from mdplab.lmdp import lmdp_value_iteration
    from scenarios.instances.latent import hidden_tree_bandit
    from scenarios.theorems.lmdp_hf import VAR_EPS, VAR_P, p_of_var_star

    for p in VAR_P:
        assert p_of_var_star(p * (1 - p)) == pytest.approx(p, abs=1e-9)
        inst = hidden_tree_bandit(2, 1, 2, p - VAR_EPS, VAR_EPS, 0, seed=3, distinct=True)
        assert lmdp_value_iteration(inst.lmdp).value == pytest.approx(p, abs=1e-12)
        assert inst.var_star_opt == pytest.approx(p * (1 - p), abs=1e-12)


def test_det_bound_slope_is_below_its_limit():
    """The claimed slope 2 is the limit of the DetLMDP bound's log-log slope in ln K, which is
    2 L / (ln(2MSAH/delta) + L) < 2 at every L (closed form, here at K = 2^10 and 2^16)."""
    import math

    from bounds.core import get_bound

    b = get_bound("zhou2023lmdp.det_regret")
    vals = dict(M=2, S=4, A=2, H=6, Gamma=1, delta=0.05, C2=1.0)
    for L in (10 * math.log(2), 16 * math.log(2)):
        e = float(b.exponent("logK").subs(b.substitution(dict(vals, logK=L))))
        assert e == pytest.approx(2 * L / (math.log(2 * 2 * 4 * 2 * 6 / 0.05) + L)) and e < 2


def test_regret_cli_on_a_latent_file_matches_the_learner(tmp_path, capsys):
    from algorithms.lmdp_hf import run_lmdp_hf
    from mdplab.lmdp import save_lmdp
    from scenarios.instances.latent import hidden_tree_bandit

    inst = hidden_tree_bandit(2, 1, 2, 0.5, 0.2, 1, seed=0)
    path = tmp_path / "htb.npz"
    save_lmdp(inst.lmdp, path)
    argv = ["regret", str(path), "--learner", "lmdp-hf", "--episodes", "300", "--seeds", "2", "--json",
            "--param", "c1=0.3", "--param", "c2=0.09", "--param", "solver=value_opt"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"learner", "env", "seeds", "regret", "regret_mean", "regret_ci95", "ci", "seconds"}
    direct = [float(run_lmdp_hf(inst.lmdp, 300, i, c1=0.3, c2=0.09).regret[-1]) for i in range(2)]
    assert out["regret"] == pytest.approx(direct, abs=1e-12)
    assert main(argv[:-6] + ["--param", "solver=model_opt", "--param", "bonus_scale=0.1"]) == 0
    assert json.loads(capsys.readouterr().out)["regret_mean"] >= 0


@pytest.mark.parametrize("argv, match", [
    (["--steps", "10"], "give --episodes K"),
    (["--param", "solver=nope"], "solver must be one of"),
    (["--param", "c2=1"], "monotone"),
])
def test_regret_cli_errors(argv, match, capsys):
    base = ["regret", "hidden_tree:2,1,2,0.5,0.2,0,0", "--learner", "lmdp-hf", "--seeds", "1"]
    if "--steps" not in argv:
        base += ["--episodes", "5"]
    assert main(base + argv) == 2
    assert match in capsys.readouterr().err


def test_regret_cli_refuses_a_latent_file_over_the_reward_scale(tmp_path, capsys):
    from test_lmdp_files import random_lmdp

    L = random_lmdp(1)
    path = tmp_path / "big.npz"
    np.savez(path, P=np.asarray(L.P), R=np.asarray(L.R) * 4, w=np.asarray(L.weights), nu=np.asarray(L.nu), horizon=4)
    assert main(["regret", str(path), "--learner", "lmdp-hf", "--episodes", "5", "--seeds", "1"]) == 2
    assert "total reward" in capsys.readouterr().err
