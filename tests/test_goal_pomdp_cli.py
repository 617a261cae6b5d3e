"""``mdplab solve FILE.POMDP --total-reward`` and ``mdplab evaluate FILE.POMDP POLICY.pg --total-reward``: the
undiscounted goal-state POMDP from the command line (mdplab.cli.solve, mdplab.cli.evaluate, mdplab.pomdp_goal).

Oracle: the goal version of Tiger of tests/test_pomdp_goal.py, whose optimum (listen until one side leads by 3)
has the gambler's-ruin closed form ``threshold_value(3) = 5.15991903...`` (Feller 1968, Vol. I, XIV.2-3); the
controller of that policy, written as a ``.pg`` file, must evaluate to it exactly.
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from mdplab.cassandra import write_cassandra
from mdplab.cli import main
from mdplab.pomdp import POMDP
from test_pomdp_goal import goal_tiger, threshold_value

CLI = [sys.executable, "-m", "mdplab.cli"]
V_STAR = threshold_value(3)                                 # 5.15991903...


def _pomdp_file(path, model: POMDP, discount: str | None = "1.0"):
    """``model`` in Cassandra's format; ``discount``: the value written on the file's ``discount:`` line."""
    write_cassandra(model, path)
    if discount is not None:
        text = path.read_text().replace(f"discount: {model.gamma!r}", f"discount: {discount}")
        assert f"discount: {discount}" in text
        path.write_text(text)
    return path


@pytest.fixture
def tiger_file(tmp_path):
    return _pomdp_file(tmp_path / "goal_tiger.POMDP", goal_tiger())


def _solve(capsys, *args):
    code = main(["solve", *map(str, args), "--json"])
    cap = capsys.readouterr()
    return code, (json.loads(cap.out) if cap.out.strip() else None), cap.err


@pytest.mark.parametrize("extra", [[], ["--goal", "2"], ["--tol", "1e-5", "--max-seconds", "60", "--max-trials", "5000"]])
def test_bounds_bracket_closed_form(tiger_file, capsys, extra):
    code, out, err = _solve(capsys, tiger_file, "--total-reward", *extra)
    assert code == 0, err
    tol = float(extra[extra.index("--tol") + 1]) if "--tol" in extra else 1e-3
    assert out["lower"] <= V_STAR <= out["upper"]
    assert out["upper"] - out["lower"] <= tol and out["converged"] is True and out["certified"] is True
    assert out["value"] == out["lower"] and out["goal_states"] == [2] and out["criterion"] == "total"
    assert out["seconds"] >= 0 and out["tol"] == tol


def test_file_discount_is_ignored(tmp_path, capsys):
    """A discounted file read under --total-reward gives the same bounds as its discount-1 twin."""
    a = _solve(capsys, _pomdp_file(tmp_path / "a.POMDP", goal_tiger()), "--total-reward")[1]
    b = _solve(capsys, _pomdp_file(tmp_path / "b.POMDP", goal_tiger(), discount=None), "--total-reward")[1]
    assert (a["lower"], a["upper"]) == (b["lower"], b["upper"])


def test_goal_by_state_name(tmp_path, capsys):
    m = goal_tiger()
    named = POMDP(m.P, m.O, m.R, b0=m.b0, discount=0.95, state_names=["tiger-left", "tiger-right", "end"])
    code, out, err = _solve(capsys, _pomdp_file(tmp_path / "n.POMDP", named), "--total-reward", "--goal", "end")
    assert code == 0, err
    assert out["goal_states"] == [2] and out["goal_state_names"] == ["end"]
    assert out["lower"] <= V_STAR <= out["upper"]


def test_not_certified_exit_3(tiger_file, capsys):
    code, out, err = _solve(capsys, tiger_file, "--total-reward", "--tol", "1e-9", "--max-trials", "2")
    assert code == 3
    assert out["converged"] is False and out["lower"] <= V_STAR <= out["upper"]
    assert "NOT certified" in err and "--max-trials" in err and "Traceback" not in err
    code, out, _ = _solve(capsys, tiger_file, "--total-reward", "--tol", "1e-9", "--max-trials", "2", "--best-effort")
    assert code == 0 and out["converged"] is False


def _no_proper_policy_model():
    """tests/test_pomdp_goal.py::test_refuses_without_proper_policy: states 0 and 1 look alike; each action sends
    one of them to the goal 3 and the other to the trap 2, which never ends."""
    P = np.zeros((4, 2, 4))
    P[0, 0, 3] = P[1, 0, 2] = P[0, 1, 2] = P[1, 1, 3] = 1.0
    P[2, :, 2] = P[3, :, 3] = 1.0
    R = np.array([[-1.0, -1.0], [-1.0, -1.0], [-1.0, -1.0], [0.0, 0.0]])
    return POMDP(P, np.ones((2, 4, 1)), R, b0=[0.5, 0.5, 0, 0], discount=0.9)


@pytest.mark.parametrize("make, args, fragments", [
    (lambda p: _pomdp_file(p, _no_proper_policy_model()), ["--total-reward"], ["no proper policy", "from b0"]),
    (lambda p: _pomdp_file(p, goal_tiger()), ["--total-reward", "--goal", "2,5"],
     ["--goal", "state index 5 is out of range 0..2"]),
    (lambda p: _pomdp_file(p, goal_tiger()), ["--total-reward", "--goal", "door"], ["'door' is neither"]),
    (lambda p: _pomdp_file(p, goal_tiger()), ["--total-reward", "--goal", "0"], ["goal state(s) [0] are not absorbing"]),
    (lambda p: _pomdp_file(p, goal_tiger()), ["--total-reward", "--discount", "0.9"], ["--total-reward cannot be combined with --discount"]),
    (lambda p: _pomdp_file(p, goal_tiger()), ["--total-reward", "--horizon", "3"], ["--total-reward cannot be combined with --horizon"]),
    (lambda p: _pomdp_file(p, goal_tiger()), ["--total-reward", "--average-reward"], ["cannot be combined with --average-reward"]),
    (lambda p: _pomdp_file(p, goal_tiger()), ["--total-reward", "--discount-tol", "1e-3"], ["cannot be combined with --discount-tol"]),
    (lambda p: _pomdp_file(p, goal_tiger()), ["--total-reward", "--method", "vi"], ["got --method vi"]),
    (lambda p: _pomdp_file(p, goal_tiger()), ["--total-reward", "--max-seconds", "0"], ["--max-seconds must be > 0"]),
    (lambda p: _pomdp_file(p, goal_tiger()), ["--goal", "2"], ["--goal applies to --total-reward"]),
    (lambda p: _pomdp_file(p, goal_tiger(), discount="0.95"), ["--max-trials", "5"], ["--max-trials applies to --total-reward"]),
    # a discount-1 file without a criterion flag: the reader's "needs a horizon", now naming --total-reward too
    (lambda p: _pomdp_file(p, goal_tiger()), [], ["needs a horizon", "--total-reward"]),
    # a POMDP without goal states (the discounted Tiger's layout)
    (lambda p: _pomdp_file(p, POMDP(np.full((2, 1, 2), 0.5), np.ones((1, 2, 1)), -np.ones((2, 1)), discount=0.9)),
     ["--total-reward"], ["no goal state"]),
])
def test_refusals_exit_2(tmp_path, capsys, make, args, fragments):
    path = make(tmp_path / "m.POMDP")
    code, out, err = _solve(capsys, path, *args)
    assert code == 2 and out is None
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mdplab solve: error:") and "Traceback" not in err
    for f in fragments:
        assert f in lines[0]


def test_goal_flag_refused_on_mdp(tmp_path, capsys):
    P = np.zeros((2, 1, 2))
    P[0, 0, 1] = P[1, 0, 1] = 1.0
    path = tmp_path / "ssp.npz"
    np.savez(path, P=P, R=np.array([[-1.0], [0.0]]))
    code, out, err = _solve(capsys, path, "--total-reward")
    assert code == 0 and out["values"] == [-1.0, 0.0]          # the MDP path is unchanged
    code, out, err = _solve(capsys, path, "--total-reward", "--goal", "1")
    assert code == 2 and "holds an MDP" in err


def test_json_only_on_stdout(tiger_file):
    r = subprocess.run([*CLI, "solve", str(tiger_file), "--total-reward", "--json"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)                                  # the whole of stdout is one JSON object
    assert out["lower"] <= V_STAR <= out["upper"]


# ------------------------------------------------------------------------------------------------ evaluate
# Tiger-with-goal controllers (actions: 0 listen, 1 open-left, 2 open-right; observations: 0 hear-left,
# 1 hear-right, 2 arrived).  THRESHOLD_3: listen until one side leads by 3 (node 0: lead 0, 1: +1, 2: +2,
# 3: -1, 4: -2), then open the other door (5: open-left, 6: open-right), then 7: done (in the goal).
THRESHOLD_3 = """0 0 1 3 7
1 0 2 0 7
2 0 6 1 7
3 0 0 4 7
4 0 3 5 7
5 1 7 7 7
6 2 7 7 7
7 0 7 7 7
"""
LISTEN_FOREVER = "0 0 0 0 0\n"


def _evaluate(capsys, *args):
    code = main(["evaluate", *map(str, args), "--json"])
    cap = capsys.readouterr()
    return code, (json.loads(cap.out) if cap.out.strip() else None), cap.err


def test_evaluate_threshold_controller_closed_form(tiger_file, tmp_path, capsys):
    pg = tmp_path / "threshold3.pg"
    pg.write_text(THRESHOLD_3)
    code, out, err = _evaluate(capsys, tiger_file, pg, "--total-reward")
    assert code == 0, err
    assert out["criterion"] == "total" and out["start_node"] == 0 and out["goal_states"] == [2]
    assert out["value_b0"] == pytest.approx(V_STAR, abs=1e-10)


@pytest.mark.parametrize("listen, fragment", [
    (-1.0, "does not terminate"),       # listening for ever costs 1 per step: the total diverges
    (0.0, "improper"),                  # free listening: a finite total, but the graph never reaches the goal
])
def test_evaluate_refuses_improper_graph(tmp_path, capsys, listen, fragment):
    model = _pomdp_file(tmp_path / "t.POMDP", goal_tiger(listen=listen))
    pg = tmp_path / "loop.pg"
    pg.write_text(LISTEN_FOREVER)
    code, out, err = _evaluate(capsys, model, pg, "--total-reward")
    assert code == 2 and out is None and fragment in err and len(err.strip().splitlines()) == 1


def test_evaluate_alpha_refused_under_total_reward(tiger_file, tmp_path, capsys):
    alpha = tmp_path / "v.alpha"
    alpha.write_text("0\n0.0 0.0 0.0\n\n")
    code, out, err = _evaluate(capsys, tiger_file, alpha, "--total-reward")
    assert code == 2 and ".pg policy graph only" in err
