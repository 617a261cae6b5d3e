"""``mdplab explore``: JSON keys (contract), exact gaps recomputed independently, hostile input exits 2."""
from __future__ import annotations

import json

import numpy as np
import pytest

from algorithms.hf_ucrl_rfe import run_hf_ucrl_rfe
from mdplab.cli import main
from mdplab.linear_mixture import save_linear_mixture
from scenarios.harness.explore_runs import run_seeds
from scenarios.instances.linear_mixture import hard_instance_for_epsilon, random_linear_mixture


def test_explore_json_from_a_model_file(tmp_path, capsys):
    m = random_linear_mixture(3, 2, 2, 4, 0)
    path = tmp_path / "lm.npz"
    save_linear_mixture(m, path)
    argv = ["explore", str(path), "--learner", "hf-ucrl-rfe++", "--episodes", "16", "--seeds", "2",
            "--param", "beta_scale=0.1", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("gap", "gap_mean", "gap_ci95", "seconds"):
        assert key in out
    assert len(out["gap"]) == 2 and out["gap_mean"] == pytest.approx(np.mean(out["gap"]))
    # the reported gap is the library run's exact worst-case gap after K = 16 episodes, seed by seed
    for seed, g in enumerate(out["gap"]):
        assert g == pytest.approx(run_hf_ucrl_rfe(m, 16, seed, beta_scale=0.1).gap[-1], abs=1e-14)


def test_explore_epsilon_reports_episodes(capsys):
    argv = ["explore", "hard:2,3,0.1", "--learner", "hf-ucrl-rfe++", "--epsilon", "0.05", "--max-episodes", "512",
            "--seeds", "2", "--param", "beta_scale=0.1", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["episodes"]) == 2
    for seed, k in enumerate(out["episodes"]):
        run = run_hf_ucrl_rfe(hard_instance_for_epsilon(2, 3, 0.1, seed).model, 512, seed, beta_scale=0.1)
        assert k == (None if run.episodes_to_epsilon(0.05) < 0 else run.episodes_to_epsilon(0.05))


@pytest.mark.parametrize("argv, match", [
    (["explore", "nofile.npz", "--learner", "hf-ucrl-rfe++", "--episodes", "4", "--seeds", "1"], "nofile"),
    (["explore", "hard:3,5,0.1", "--learner", "nope", "--episodes", "4", "--seeds", "1"], "unknown explorer"),
    (["explore", "hard:3,5,0.1", "--learner", "ucrl-rfe", "--seeds", "1"], "exactly one"),
    (["explore", "hard:3,5,0.1", "--learner", "ucrl-rfe", "--episodes", "4", "--epsilon", "0.1", "--seeds", "1"],
     "exactly one"),
    (["explore", "hard:3,5,2.0", "--learner", "ucrl-rfe", "--episodes", "4", "--seeds", "1"], "Delta"),
    (["explore", "hard:3,5,0.1", "--learner", "ucrl-rfe", "--episodes", "4", "--seeds", "1", "--param", "zz=1"],
     "zz"),
])
def test_explore_hostile_input_exits_2(argv, match, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err and "Traceback" not in err


def test_explore_refuses_an_ordinary_mdp_file(tmp_path, capsys):
    np.savez(tmp_path / "mdp.npz", P=np.full((2, 1, 2), 0.5), R=np.zeros((2, 1)), horizon=3)
    assert main(["explore", str(tmp_path / "mdp.npz"), "--learner", "ucrl-rfe", "--episodes", "2",
                 "--seeds", "1"]) == 2
    assert "linear-mixture" in capsys.readouterr().err


def test_run_seeds_ci_and_coverage_fields():
    res = run_seeds("ucrl-rfe", "random:3,2,2,3,1", seeds=3, episodes=8, params=["beta_scale=0.1"])
    assert res["gap_ci95"][0] <= res["gap_mean"] <= res["gap_ci95"][1]
    assert len(res["curves"]) == 3
