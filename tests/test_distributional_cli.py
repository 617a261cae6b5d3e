"""``mdplab ddp`` (Avila Pires et al. 2025 objectives on an ``.npz`` model): JSON contract, agreement
with the engines' oracles, and exit code 2 on bad input."""
from __future__ import annotations

import json

import numpy as np
import pytest

import mdplab
from algorithms.distributional import exact as ex
from algorithms.distributional import joint_kernel_from_mdp
from mdplab.cli import main


def _model_file(tmp_path, discount=None, shift=0.0, seed=0):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(4), size=(4, 2))
    R = rng.integers(-2, 3, size=(4, 2)).astype(float) + shift
    path = tmp_path / "m.npz"
    arrays = {"P": P, "R": R} if discount is None else {"P": P, "R": R, "discount": np.float64(discount)}
    np.savez(path, **arrays)
    return path, P, R


def _run(capsys, *argv):
    code = main(["ddp", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def _brute(P, R, gamma, H, s0, K):
    model = mdplab.MDP(P, R, horizon=H, discount=gamma)
    outs = joint_kernel_from_mdp(model).outcome_lists()
    return ex.brute_force_optimum(outs, H, gamma, K, s0, 0.0)[0]


@pytest.mark.parametrize("discount", [None, 0.9])
@pytest.mark.parametrize("objective", ["mean", "cvar:0.25", "threshold:1", "homeostasis:2"])
def test_ddp_json_equals_brute_force(tmp_path, capsys, discount, objective):
    path, P, R = _model_file(tmp_path, discount, shift=0.0 if discount is None else 0.37)
    code, out, err = _run(capsys, path, "--objective", objective, "--horizon", 3, "--initial-state", 0, "--json")
    assert code == 0, err
    res = json.loads(out)
    assert set(res) >= {"objective_value", "initial_stock", "seconds"}
    gamma = 1.0 if discount is None else discount
    name, _, arg = objective.partition(":")
    K = {"mean": lambda L: L.mean(), "cvar": lambda L: L.cvar(float(arg)),
         "threshold": lambda L: L.prob_at_least(float(arg) - 1e-9),
         "homeostasis": lambda L: L.expect(lambda x: -abs(x - float(arg)))}[name]
    assert res["objective_value"] == pytest.approx(_brute(P, R, gamma, 3, 0, K), abs=1e-9)
    if name in ("threshold", "homeostasis"):
        assert res["initial_stock"] == -float(arg)


def test_ddp_cvar_initial_stock_is_minus_var(tmp_path, capsys):
    path, P, R = _model_file(tmp_path, seed=3)
    code, out, _ = _run(capsys, path, "--objective", "cvar:0.5", "--horizon", 3, "--initial-state", 1, "--json")
    res = json.loads(out)
    outs = joint_kernel_from_mdp(mdplab.MDP(P, R, horizon=3)).outcome_lists()
    dp = ex.ExactStockDP(outs, 3, 1.0, ex.expected_utility_functional(lambda x: min(x, 0.0)))
    # the outer objective at the reported stock equals the reported optimum (Sec. 4.1)
    assert -res["initial_stock"] + dp.node(0, 1, res["initial_stock"])[0] / 0.5 == pytest.approx(res["objective_value"], abs=1e-9)


def test_ddp_human_output(tmp_path, capsys):
    path, _, _ = _model_file(tmp_path)
    code, out, _ = _run(capsys, path, "--objective", "homeostasis:1", "--horizon", 2, "--initial-state", 0)
    assert code == 0 and "initial stock -1" in out


@pytest.mark.parametrize("argv,msg", [
    (["--objective", "cvar:0", "--horizon", "2", "--initial-state", "0"], "TAU must be in"),
    (["--objective", "cvar:1.5", "--horizon", "2", "--initial-state", "0"], "TAU must be in"),
    (["--objective", "variance", "--horizon", "2", "--initial-state", "0"], "unknown objective"),
    (["--objective", "threshold:abc", "--horizon", "2", "--initial-state", "0"], "needs a number"),
    (["--objective", "mean:3", "--horizon", "2", "--initial-state", "0"], "no parameter"),
    (["--objective", "mean", "--horizon", "2", "--initial-state", "7"], "outside 0..3"),
    (["--objective", "mean", "--horizon", "0", "--initial-state", "0"], "horizon"),
])
def test_ddp_bad_input_exits_2(tmp_path, capsys, argv, msg):
    path, _, _ = _model_file(tmp_path)
    code, _, err = _run(capsys, path, *argv)
    assert code == 2 and msg in err


def test_ddp_missing_or_malformed_file_exits_2(tmp_path, capsys):
    code, _, err = _run(capsys, tmp_path / "nope.npz", "--objective", "mean", "--horizon", 2, "--initial-state", 0)
    assert code == 2 and err
    bad = tmp_path / "bad.npz"
    np.savez(bad, P=np.ones((2, 1, 2)))
    code, _, err = _run(capsys, bad, "--objective", "mean", "--horizon", 2, "--initial-state", 0)
    assert code == 2 and "R" in err
