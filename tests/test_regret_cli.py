"""``mdplab regret``: the JSON contract, identical numbers serial vs process pool, curves files, and bad input
(exit 2 with a message naming the problem)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from mdplab.cli import main

KEYS = {"learner", "env", "seeds", "regret", "regret_mean", "regret_ci95", "ci", "seconds"}


def run_json(argv, capsys) -> dict:
    assert main(argv + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_average_reward_json_matches_the_learner_run(capsys):
    from algorithms.ucrl2 import run_ucrl2
    from scenarios.instances.learning import riverswim

    out = run_json(["regret", "riverswim:osband2013", "--learner", "ucrl2", "--steps", "2000", "--seeds", "3"], capsys)
    assert set(out) == KEYS | {"gain_regret", "switches"} and out["seeds"] == [0, 1, 2]
    inst = riverswim(6, "osband2013")
    runs = [run_ucrl2(inst.P, inst.R, 0, 2000, i) for i in range(3)]
    direct = [float(r.pseudo_regret[-1]) for r in runs]
    assert out["regret"] == direct                      # seed i is the integer i, pseudo-regret at T
    assert out["switches"] == [r.n_plans - 1 for r in runs]   # re-plans after the first (issue 18)
    assert out["regret_mean"] == pytest.approx(np.mean(direct))
    lo, hi = out["regret_ci95"]
    half = 4.302652729911275 * np.std(direct, ddof=1) / np.sqrt(3)   # t_{0.975, 2}
    assert (lo, hi) == pytest.approx((np.mean(direct) - half, np.mean(direct) + half))


def test_episodic_json_and_curves_written_once(tmp_path, capsys):
    argv = ["regret", "two_state:0.5,0.25", "--learner", "ucbvi-ch", "--episodes", "50", "--horizon", "4",
            "--seeds", "2", "--out", str(tmp_path)]
    out = run_json(argv, capsys)
    assert set(out) == KEYS and len(out["regret"]) == 2
    z = np.load(tmp_path / "ucbvi-ch_seed1.npz")
    assert z["regret"].shape == (50,) and z["regret"][-1] == out["regret"][1]
    assert main(argv) == 2 and "--overwrite" in capsys.readouterr().err
    assert main(argv + ["--overwrite"]) == 0


def test_workers_give_identical_numbers():
    from scenarios.harness.regret_runs import run_seeds

    serial = run_seeds("ucrl2", "two_state:0.3,0.6", seeds=3, steps=3000)
    pooled = run_seeds("ucrl2", "two_state:0.3,0.6", seeds=3, steps=3000, workers=2)
    assert serial["regret"] == pooled["regret"] and serial["gain_regret"] == pooled["gain_regret"]


def _npz(tmp_path, P, R):
    path = tmp_path / "m.npz"
    np.savez(path, P=P, R=R)
    return str(path)


@pytest.mark.parametrize("argv, message", [
    (["riverswim:osband2013", "--learner", "nope", "--steps", "10", "--seeds", "1"], "unknown learner 'nope'"),
    (["riverswim:osband2013", "--learner", "ucrl2", "--episodes", "5", "--horizon", "3", "--seeds", "1"],
     "average-reward"),
    (["riverswim:osband2013", "--learner", "mvp", "--steps", "10", "--seeds", "1"], "episodic"),
    (["riverswim:osband2013", "--learner", "ucrl2", "--steps", "10", "--seeds", "1", "--param", "zeta=1"], "'zeta'"),
    (["riverswim:osband2013", "--learner", "ucrl2", "--steps", "10", "--seeds", "1", "--param", "radius_scale=big"],
     "not a number"),
    (["nowhere:1", "--learner", "ucrl2", "--steps", "10", "--seeds", "1"], "unknown environment"),
])
def test_bad_input_exits_2_naming_it(argv, message, capsys):
    assert main(["regret"] + argv) == 2
    assert message in capsys.readouterr().err


def test_bad_models_exit_2(tmp_path, capsys):
    P = np.zeros((2, 2, 2))
    P[:, :, 0] = 1.0                       # state 1 is never reached again: not communicating
    bad = _npz(tmp_path, P, np.full((2, 2), 0.5))
    assert main(["regret", bad, "--learner", "ucrl2", "--steps", "10", "--seeds", "1"]) == 2
    assert "not communicating" in capsys.readouterr().err
    P2 = np.full((2, 2, 2), 0.5)
    R = np.array([[0.0, 1.5], [0.2, 0.3]])
    assert main(["regret", _npz(tmp_path, P2, R), "--learner", "ucrl2", "--steps", "10", "--seeds", "1"]) == 2
    assert "R[0, 1] = 1.5" in capsys.readouterr().err


def test_subprocess_run():
    proc = subprocess.run([sys.executable, "-m", "mdplab.cli", "regret", "two_state:0.5,0.5", "--learner", "ucrl2",
                           "--steps", "500", "--seeds", "2", "--json"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["learner"] == "ucrl2" and len(out["regret"]) == 2


def test_help_lists_learners_and_named_environments(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["regret", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    from algorithms.learners import LEARNERS

    assert all(name in out for name in LEARNERS) and "riverswim:osband2013" in out and "two_state:p,q" in out
