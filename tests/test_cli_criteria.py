"""The criterion flags of ``mdplab solve`` go through the loader's overrides (``mdplab.io.criterion``): one
rule for the CLI, :func:`mdplab.io.load`, :func:`mdplab.io.load_npz` and Cassandra files; contradictory or
inapplicable flags exit with code 2 and name the flag.

Oracles: hand-derived values of a 2-state POMDP whose observation carries no information (the belief stays
uniform, so every step the best action earns max(1, (3 + 0) / 2) = 1.5), and a numpy backward induction
written here for the ``.npz`` cases.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from mdplab import io
from mdplab.cli import main
from mdplab.models import MDP

#: 2 states that never change (T identity), 1 observation, uniform start; action 0 pays 1, action 1 pays
#: 3 in state 0 and 0 in state 1: the optimal value per step is 1.5 whatever the horizon.
POMDP_TEXT = """discount: {discount}
values: reward
states: 2
actions: 2
observations: 1
start: uniform
T: *
identity
O: *
uniform
R: 0 : * : * : * 1
R: 1 : 0 : * : * 3
R: 1 : 1 : * : * 0
"""


@pytest.fixture
def pomdp_file(tmp_path):
    def write(discount: str):
        path = tmp_path / f"flat_{discount}.POMDP"
        path.write_text(POMDP_TEXT.format(discount=discount))
        return str(path)
    return write


def solve_json(argv, capsys):
    assert main(["solve", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def error_of(argv, capsys) -> str:
    assert main(["solve", *argv, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err


def backward_induction(P: np.ndarray, R: np.ndarray, H: int, gamma: float) -> np.ndarray:
    """V_0..V_H with V_H = 0 and V_t = max_a R + gamma P V_{t+1} (independent of mdplab's solvers)."""
    V = np.zeros((H + 1, P.shape[0]))
    for t in range(H - 1, -1, -1):
        V[t] = (R + gamma * P @ V[t + 1]).max(axis=1)
    return V


# ------------------------------------------------------------------------------------------ POMDP files
def test_pomdp_with_discount_one_and_a_horizon_is_the_finite_horizon_problem(pomdp_file, capsys):
    out = solve_json([pomdp_file("1"), "--horizon", "3"], capsys)
    assert out["horizon"] == 3 and out["value"] == pytest.approx(3 * 1.5, abs=1e-12)


def test_pomdp_with_discount_one_and_no_horizon_is_rejected(pomdp_file, capsys):
    assert "--horizon" in error_of([pomdp_file("1")], capsys)


def test_pomdp_discount_override_is_honoured(pomdp_file, capsys):
    # discounted: 1.5 / (1 - gamma); the file says 0.9 (value 15), the flag 0.5 (value 3)
    assert solve_json([pomdp_file("0.9")], capsys)["value"] == pytest.approx(15.0, abs=1e-5)
    out = solve_json([pomdp_file("0.9"), "--discount", "0.5"], capsys)
    assert out["lower"] <= 3.0 + 1e-9 <= out["upper"] + 2e-9 and out["value"] == pytest.approx(3.0, abs=1e-5)
    # finite horizon with the flag's discount: 1.5 (1 + 1/2 + 1/4)
    out = solve_json([pomdp_file("1"), "--horizon", "3", "--discount", "0.5"], capsys)
    assert out["value"] == pytest.approx(1.5 * 1.75, abs=1e-12)


def test_pomdp_horizon_keeps_the_file_discount(pomdp_file, capsys):
    out = solve_json([pomdp_file("0.9"), "--horizon", "2"], capsys)
    assert out["value"] == pytest.approx(1.5 * (1 + 0.9), abs=1e-12)


@pytest.mark.parametrize("method", ["vi", "pi", "lp"])
def test_pomdp_rejects_a_method_it_cannot_honour(pomdp_file, capsys, method):
    assert "--method" in error_of([pomdp_file("0.9"), "--method", method], capsys)


def test_pomdp_rejects_average_reward(pomdp_file, capsys):
    assert "--average-reward" in error_of([pomdp_file("0.9"), "--average-reward"], capsys)


def test_pomdp_rejects_an_out_of_range_discount(pomdp_file, capsys):
    assert "discount" in error_of([pomdp_file("0.9"), "--discount", "1.5"], capsys)


# ------------------------------------------------------------------------------------------ .npz files
@pytest.fixture
def npz(tmp_path):
    rng = np.random.default_rng(7)
    P = rng.dirichlet(np.ones(4), size=(4, 2))
    R = rng.random((4, 2))
    path = tmp_path / "m.npz"
    np.savez(path, P=P, R=R, discount=np.float64(0.95))
    return str(path), P, R


def test_horizon_keeps_the_file_discount_in_the_cli_and_the_loader(npz, capsys):
    path, P, R = npz
    expected = backward_induction(P, R, 5, 0.95)
    out = solve_json([path, "--horizon", "5"], capsys)
    np.testing.assert_allclose(out["values"], expected, atol=1e-12)
    for model in (io.load_npz(path, horizon=5), io.load(path, horizon=5)):
        assert (model.horizon, model.gamma) == (5, 0.95)
    # the undiscounted total: name the discount too
    out = solve_json([path, "--horizon", "5", "--discount", "1"], capsys)
    np.testing.assert_allclose(out["values"], backward_induction(P, R, 5, 1.0), atol=1e-12)


def test_discount_override_keeps_a_file_horizon(tmp_path, npz, capsys):
    _, P, R = npz
    path = tmp_path / "finite.npz"
    io.save_npz(MDP(P, R, horizon=3, discount=0.9), path)
    out = solve_json([str(path), "--discount", "0.5"], capsys)
    np.testing.assert_allclose(out["values"], backward_induction(P, R, 3, 0.5), atol=1e-12)
    assert (io.load(path, discount=0.5).horizon, io.load(path, discount=0.5).gamma) == (3, 0.5)


@pytest.mark.parametrize("extra", [["--horizon", "3"], ["--discount", "0.9"]])
def test_average_reward_with_horizon_or_discount_is_rejected(npz, capsys, extra):
    err = error_of([npz[0], "--average-reward", *extra], capsys)
    assert "--average-reward" in err and extra[0] in err


def test_loader_rejects_average_reward_with_a_horizon(npz):
    with pytest.raises(ValueError, match="horizon"):
        io.load_npz(npz[0], average_reward=True, horizon=3)


def test_discount_tol_on_an_mdp_is_rejected(npz, capsys):
    assert "--discount-tol" in error_of([npz[0], "--discount-tol", "1e-3"], capsys)
