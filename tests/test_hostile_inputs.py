"""Hostile inputs (issue 15): every verb and the main API entry points refuse bad input cleanly.

For the CLI: exit code 2 (or the documented code, ``docs/cli.md``), one error line naming the problem, no
traceback, no NaN on stdout, bounded time.  For the API: the documented error types of :mod:`mdplab.errors`
with a message naming the problem.  Results files are never lost and never modified by a reader.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import mdplab
from mdplab.cli import main
from mdplab.errors import BudgetExceededError, FileFormatError, ModelError, NotApplicableError

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "mdplab.cli"]
TIMEOUT = 120  # seconds, for any one subprocess


# ------------------------------------------------------------------------------------------------ builders
def _good_P(S=3, A=2):
    return np.full((S, A, S), 1.0 / S)


def _good_R(S=3, A=2):
    return np.arange(S * A, dtype=float).reshape(S, A)


def _npz(path: Path, **arrays) -> Path:
    np.savez(path, **arrays)
    return path


def _npz_with_header(path: Path, key: str, shape: tuple, dtype: str = "<f8") -> Path:
    """An .npz whose member ``key`` has a header declaring ``shape`` but (almost) no data."""
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{key}.npy", buf.getvalue() + b"\0" * 16)  # the header writer includes the magic
        other = "R" if key == "P" else "P"
        b2 = io.BytesIO()
        np.save(b2, _good_R() if other == "R" else _good_P())
        zf.writestr(f"{other}.npy", b2.getvalue())
    return path


def _text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


#: name -> builder(tmp_path) of a bad model file; every one must be refused by `mdplab solve` with exit 2
BAD_FILES = {
    "P_wrong_ndim": lambda d: _npz(d / "f.npz", P=np.ones((3, 3)), R=_good_R(), discount=0.9),
    "R_wrong_shape": lambda d: _npz(d / "f.npz", P=_good_P(), R=np.ones((4, 2)), discount=0.9),
    "P_nan": lambda d: _npz(d / "f.npz", P=np.where(np.eye(3)[:, None, :] > 0, np.nan, _good_P()), R=_good_R(),
                            discount=0.9),
    "P_inf": lambda d: _npz(d / "f.npz", P=np.full((3, 2, 3), np.inf), R=_good_R(), discount=0.9),
    "R_nan": lambda d: _npz(d / "f.npz", P=_good_P(), R=np.full((3, 2), np.nan), discount=0.9),
    "R_inf": lambda d: _npz(d / "f.npz", P=_good_P(), R=np.full((3, 2), -np.inf), discount=0.9),
    "P_negative": lambda d: _npz(d / "f.npz", P=_good_P() * np.array([1, -1, 3.0]), R=_good_R(), discount=0.9),
    "P_rows_off": lambda d: _npz(d / "f.npz", P=_good_P() * 1.5, R=_good_R(), discount=0.9),
    "P_complex": lambda d: _npz(d / "f.npz", P=_good_P() + 1e-3j, R=_good_R(), discount=0.9),
    "R_complex": lambda d: _npz(d / "f.npz", P=_good_P(), R=_good_R() + 1j, discount=0.9),
    "P_strings": lambda d: _npz(d / "f.npz", P=np.full((3, 2, 3), "a"), R=_good_R(), discount=0.9),
    "key_gamma": lambda d: _npz(d / "f.npz", P=_good_P(), R=_good_R(), gamma=0.9),
    "unknown_key": lambda d: _npz(d / "f.npz", P=_good_P(), R=_good_R(), discount=0.9, extra=np.ones(2)),
    "discount_array": lambda d: _npz(d / "f.npz", P=_good_P(), R=_good_R(), discount=np.array([0.9, 0.5])),
    "discount_nan": lambda d: _npz(d / "f.npz", P=_good_P(), R=_good_R(), discount=np.nan),
    "discount_above_1": lambda d: _npz(d / "f.npz", P=_good_P(), R=_good_R(), discount=1.5),
    "discount_negative": lambda d: _npz(d / "f.npz", P=_good_P(), R=_good_R(), discount=-0.1),
    "horizon_fraction": lambda d: _npz(d / "f.npz", P=_good_P(), R=_good_R(), horizon=2.5),
    "horizon_zero": lambda d: _npz(d / "f.npz", P=_good_P(), R=_good_R(), horizon=0),
    "horizon_negative": lambda d: _npz(d / "f.npz", P=_good_P(), R=_good_R(), horizon=-3),
    "horizon_nan": lambda d: _npz(d / "f.npz", P=_good_P(), R=_good_R(), horizon=np.nan),
    "missing_P": lambda d: _npz(d / "f.npz", R=_good_R(), discount=0.9),
    "missing_R": lambda d: _npz(d / "f.npz", P=_good_P(), discount=0.9),
    "object_array": lambda d: (np.savez(d / "f.npz", P=np.array([None, 1], dtype=object), R=_good_R()), d / "f.npz")[1],
    "huge_header_745GiB": lambda d: _npz_with_header(d / "f.npz", "P", (10_000, 1_000, 10_000)),
    "truncated_zip": lambda d: (lambda p: (p.write_bytes(p.read_bytes()[:40]), p)[1])(
        _npz(d / "f.npz", P=_good_P(), R=_good_R(), discount=0.9)),
    "garbage_bytes": lambda d: (lambda p: (p.write_bytes(bytes(range(256)) * 4), p)[1])(d / "f.bin"),
    "empty_file": lambda d: _text(d / "f.MDP", ""),
    "cassandra_1e6_states": lambda d: _text(d / "f.MDP", "states: 1000000\nactions: 2\ndiscount: 0.9\n"),
    "cassandra_1e11_observations": lambda d: _text(
        d / "f.POMDP", "states: 2\nactions: 2\nobservations: 100000000000\ndiscount: 0.9\n"),
    "cassandra_truncated": lambda d: _text(d / "f.MDP", "states: 2\nactions: 2\ndiscount: 0.9\nT: 0 : 0 : 0 0."),
    "cassandra_garbled": lambda d: _text(d / "f.MDP", "states: 2\nactions: 2\ndiscount: 0.9\nT: 0\n@@@ ### !!!\n"),
    "cassandra_negative_states": lambda d: _text(d / "f.MDP", "states: -4\nactions: 2\ndiscount: 0.9\n"),
    "cassandra_bad_discount": lambda d: _text(d / "f.MDP", "states: 2\nactions: 2\ndiscount: nan\n"),
    "directory": lambda d: (d / "adir").mkdir() or d / "adir",
    "missing_file": lambda d: d / "does_not_exist.npz",
}

#: name -> bad flags on a good file; each is exit 2
BAD_SOLVE_FLAGS = {
    "discount_nan": ["--discount", "nan"],
    "discount_2": ["--discount", "2"],
    "discount_inf": ["--discount", "inf"],
    "tol_negative": ["--tol", "-1"],
    "tol_nan": ["--tol", "nan"],
    "horizon_zero": ["--horizon", "0"],
    "horizon_negative": ["--horizon", "-1"],
    "horizon_fraction": ["--horizon", "2.5"],
    "horizon_1e12": ["--horizon", "1000000000000"],
    "average_and_horizon": ["--average-reward", "--horizon", "5"],
    "average_and_discount": ["--average-reward", "--discount", "0.5"],
    "unknown_method": ["--method", "bogus"],
    "discount_tol_on_mdp": ["--discount-tol", "0.1"],
}


def _assert_clean_refusal(code: int, err: str, out: str, expect: str | None = None) -> None:
    assert code == 2, f"exit code {code}, stderr: {err!r}"
    assert "Traceback" not in err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert lines and "error" in lines[-1], err
    errors = [ln for ln in lines if ln.startswith("mdplab ") and ": error: " in ln]
    assert len(errors) <= 1, err  # one error line (argparse adds its usage above it)
    assert "nan" not in out.lower()
    assert "np.float64" not in err and "np.int64" not in err
    if expect:
        assert expect.lower() in err.lower(), err


def _run_main(argv, capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    cap = capsys.readouterr()
    return code, cap.out, cap.err


# ------------------------------------------------------------------------------------------------ solve
@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_solve_refuses_bad_files(name, tmp_path, capsys):
    path = BAD_FILES[name](tmp_path)
    t0 = time.perf_counter()
    code, out, err = _run_main(["solve", str(path), "--json"], capsys)
    assert time.perf_counter() - t0 < 30
    _assert_clean_refusal(code, err, out)
    if name not in ("missing_file", "directory", "P_strings"):
        assert path.name in err  # the message names the file


@pytest.mark.parametrize("name,expect", [("key_gamma", "'gamma'"), ("P_complex", "complex"),
                                         ("horizon_fraction", "2.5"), ("discount_array", "shape (2,)"),
                                         ("huge_header_745GiB", "GiB"), ("cassandra_1e6_states", "1000000 states"),
                                         ("cassandra_1e11_observations", "100000000000 observations"),
                                         ("unknown_key", "'extra'")])
def test_solve_messages_name_the_defect(name, expect, tmp_path, capsys):
    code, out, err = _run_main(["solve", str(BAD_FILES[name](tmp_path))], capsys)
    _assert_clean_refusal(code, err, out, expect)


@pytest.mark.parametrize("name", sorted(BAD_SOLVE_FLAGS))
def test_solve_refuses_bad_flags(name, tmp_path, capsys):
    path = _npz(tmp_path / "ok.npz", P=_good_P(), R=_good_R(), discount=0.9)
    code, out, err = _run_main(["solve", str(path), *BAD_SOLVE_FLAGS[name]], capsys)
    _assert_clean_refusal(code, err, out)


def test_unconverged_answer_exits_3_unless_best_effort(tmp_path, capsys):
    # gamma = 1 - 1e-9: tol = 1e-6 cannot be certified in float64 (the rounding term alone exceeds it)
    path = _npz(tmp_path / "g.npz", P=_good_P(), R=_good_R(), discount=1 - 1e-9)
    code, out, err = _run_main(["solve", str(path), "--json"], capsys)
    assert code == 3
    assert json.loads(out)["converged"] is False
    assert "NOT certified" in err and "Traceback" not in err
    warn_lines = [ln for ln in err.splitlines() if ": warning: " in ln]
    assert warn_lines and all(ln.startswith("mdplab solve: warning: ") for ln in warn_lines)
    assert "warnings.warn" not in err  # one line, not Python's warning dump with its source line
    code, out, err = _run_main(["solve", str(path), "--json", "--best-effort"], capsys)
    assert code == 0 and json.loads(out)["converged"] is False


def test_converged_answer_exits_0(tmp_path, capsys):
    path = _npz(tmp_path / "ok.npz", P=_good_P(), R=_good_R(), discount=0.9)
    code, out, err = _run_main(["solve", str(path), "--json"], capsys)
    assert code == 0 and json.loads(out)["converged"] is True
    # v* = R[s, 1] + 0.9 * mean(v*) with uniform P: mean(v*) = mean(R[:, 1]) / 0.1 = 30
    assert np.allclose(json.loads(out)["values"], [1 + 27, 3 + 27, 5 + 27], atol=1e-5)


def test_api_errors_become_one_line_and_internal_errors_are_named(monkeypatch, tmp_path, capsys):
    import mdplab.cli.solve as solve_mod

    def boom(*a, **k):
        raise ZeroDivisionError("deliberate")

    monkeypatch.setattr(solve_mod, "solve_file", boom)
    code, out, err = _run_main(["solve", "whatever.npz"], capsys)
    assert code == 2 and "internal error" in err and "ZeroDivisionError" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


# ------------------------------------------------------------------------------------------------ subprocess
def _proc(args, **kw):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MDPLAB_DEBUG", None)
    return subprocess.run(CLI + args, capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT, env=env, **kw)


def test_json_stdout_is_only_the_json_object_with_the_lp_solver(tmp_path):
    path = _npz(tmp_path / "ok.npz", P=_good_P(), R=_good_R(), discount=0.9)
    p = _proc(["solve", str(path), "--method", "lp", "--json"])
    assert p.returncode == 0, p.stderr
    obj = json.loads(p.stdout)  # fails if the HiGHS banner (printed from C) reaches stdout
    assert obj["method"] == "lp" and p.stdout.count("\n") == 1


def test_closed_stdout_is_an_error_not_a_silent_success(tmp_path):
    path = _npz(tmp_path / "ok.npz", P=_good_P(), R=_good_R(), discount=0.9)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run(CLI + ["solve", str(path), "--json"], stderr=subprocess.PIPE, text=True, timeout=TIMEOUT,
                       cwd=ROOT, env=env, preexec_fn=lambda: os.close(1))
    assert p.returncode == 2
    assert "standard output is closed" in p.stderr and "Traceback" not in p.stderr


def test_broken_pipe_exits_quietly():
    r, w = os.pipe()
    os.close(r)  # the reader is gone before the first write
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        p = subprocess.run(CLI + ["list"], stdout=w, stderr=subprocess.PIPE, text=True, timeout=TIMEOUT, cwd=ROOT,
                           env=env)
    finally:
        os.close(w)
    assert p.returncode == 141
    assert p.stderr == ""


def test_mdplab_debug_shows_the_traceback_of_an_internal_error(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MDPLAB_DEBUG": "1"}
    path = _npz(tmp_path / "f.npz", P=_good_P(), R=_good_R(), gamma=0.9)
    p = subprocess.run(CLI + ["solve", str(path)], capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT, env=env)
    assert p.returncode == 2 and "Traceback" in p.stderr and "'gamma'" in p.stderr


# ------------------------------------------------------------------------------------------------ ddp
def _sas_file(tmp_path) -> Path:
    """From state 0, one action: reward 10 on the move to state 1, 0 on the move to state 2 (prob 1/2 each)."""
    P = np.zeros((3, 1, 3))
    P[0, 0, 1] = P[0, 0, 2] = 0.5
    P[1, 0, 1] = P[2, 0, 2] = 1.0
    R = np.zeros((3, 1, 3))
    R[0, 0, 1] = 10.0
    return _npz(tmp_path / "sas.npz", P=P, R=R)


@pytest.mark.parametrize("objective,expected", [("cvar:0.5", 0.0), ("cvar:1", 5.0), ("threshold:10", 0.5),
                                                ("threshold:0", 1.0), ("mean", 5.0), ("homeostasis:5", -5.0)])
def test_ddp_honours_rewards_that_depend_on_the_next_state(objective, expected, tmp_path, capsys):
    # the return is 10 or 0 with probability 1/2: CVaR_0.5 = 0 (the lower half), CVaR_1 = mean = 5,
    # P(G >= 10) = 1/2, P(G >= 0) = 1, E|G - 5| = 5.  The mean reward (5 on both moves) would give 5, 5, 0, 1, 5, 0.
    code, out, err = _run_main(["ddp", str(_sas_file(tmp_path)), "--objective", objective, "--horizon", "1",
                                "--initial-state", "0", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["objective_value"] == pytest.approx(expected, abs=1e-12)


BAD_DDP = {
    "cvar_zero": ["--objective", "cvar:0"],
    "cvar_two": ["--objective", "cvar:2"],
    "cvar_nan": ["--objective", "cvar:nan"],
    "threshold_inf": ["--objective", "threshold:inf"],
    "unknown_objective": ["--objective", "median"],
    "state_negative": ["--initial-state", "-1"],
    "state_too_large": ["--initial-state", "99"],
    "horizon_zero": ["--horizon", "0"],
    "horizon_1e12": ["--horizon", "1000000000000"],
    "horizon_fraction": ["--horizon", "1.5"],
}


@pytest.mark.parametrize("name", sorted(BAD_DDP))
def test_ddp_refuses_bad_arguments(name, tmp_path, capsys):
    args = {"--objective": "cvar:0.5", "--horizon": "2", "--initial-state": "0"}
    flags = BAD_DDP[name]
    args.update(dict(zip(flags[::2], flags[1::2])))
    path = _npz(tmp_path / "int.npz", P=np.full((2, 2, 2), 0.5), R=np.array([[0.0, 1.0], [2.0, 3.0]]))
    t0 = time.perf_counter()
    code, out, err = _run_main(["ddp", str(path), *[x for kv in args.items() for x in kv]], capsys)
    assert time.perf_counter() - t0 < 60
    _assert_clean_refusal(code, err, out)


def test_ddp_threshold_far_outside_the_return_range(tmp_path, capsys):
    # returns lie in [0, 9] for H = 3: P(G >= 1e20) = 0 and P(G >= -1e20) = 1 (an IndexError before)
    path = _npz(tmp_path / "int.npz", P=np.full((2, 2, 2), 0.5), R=np.array([[0.0, 1.0], [2.0, 3.0]]))
    for theta, want in (("1e20", 0.0), ("-1e20", 1.0)):
        code, out, err = _run_main(["ddp", str(path), "--objective", f"threshold:{theta}", "--horizon", "3",
                                    "--initial-state", "0", "--json"], capsys)
        assert code == 0, err
        assert json.loads(out)["objective_value"] == want


def test_ddp_integer_rewards_at_a_long_horizon_hit_the_node_budget_quickly(tmp_path, capsys):
    path = _npz(tmp_path / "int.npz", P=np.full((2, 2, 2), 0.5), R=np.array([[0.0, 1.0], [2.0, 3.0]]))
    t0 = time.perf_counter()
    code, out, err = _run_main(["ddp", str(path), "--objective", "cvar:0.5", "--horizon", "100000",
                                "--initial-state", "0"], capsys)
    assert time.perf_counter() - t0 < 60
    _assert_clean_refusal(code, err, out, "2000000")


def test_ddp_tree_engine_checks_its_work_budget_as_it_goes(monkeypatch):
    from algorithms.distributional import ddp, exact
    from mdplab.io import load_npz  # noqa: F401

    monkeypatch.setattr(exact, "MAX_ATOM_WORK", 20_000)
    R = np.array([[0.1234567, 0.7654321], [math.pi / 10, math.e / 10]])  # not on a lattice: the tree engine
    model = mdplab.MDP(np.full((2, 2, 2), 0.5), R, horizon=40)
    t0 = time.perf_counter()
    with pytest.raises(BudgetExceededError, match="MAX_ATOM_WORK"):
        ddp.solve_ddp(model, "threshold:1", 40, 0)
    assert time.perf_counter() - t0 < 20


def test_ddp_reachable_node_count_is_exact_on_a_small_tree():
    from algorithms.distributional import ddp

    # one state, one action, rewards 1 and 2: stocks after t steps are c0 + {t, ..., 2t}: t + 1 of them
    outs = [[[(0.5, 1.0, 0), (0.5, 2.0, 0)]]]
    assert ddp.reachable_nodes(outs, 5, 1.0, 0, 0.0, 10**6) == sum(t + 1 for t in range(6))
    with pytest.raises(BudgetExceededError, match="more than 10"):
        ddp.reachable_nodes(outs, 5, 1.0, 0, 0.0, 10)


# ------------------------------------------------------------------------------------------------ list
def test_list_json_parses(capsys):
    code, out, err = _run_main(["list", "--json"], capsys)
    assert code == 0 and isinstance(json.loads(out), list)


# ------------------------------------------------------------------------------------------------ reproduce
@pytest.fixture
def finished(tmp_path):
    """A results directory with one finished pi_monotone run (one seed)."""
    from scenarios.harness.registry import get_scenario
    from scenarios.harness.runner import results_path, run_cells

    import scenarios.theorems  # noqa: F401

    run_cells([get_scenario("pi_monotone")], out_dir=tmp_path, n_seeds=1)
    path = results_path(tmp_path, "pi_monotone")
    assert path.stat().st_size > 0
    return tmp_path, path


BAD_REPRODUCE = {
    "seeds_zero": ["pi_monotone", "--seeds", "0"],
    "seeds_negative": ["pi_monotone", "--seeds", "-3"],
    "workers_zero": ["pi_monotone", "--workers", "0"],
    "unknown_name": ["no_such_scenario"],
    "name_and_all": ["pi_monotone", "--all"],
    "nothing": [],
    "resume_and_overwrite": ["pi_monotone", "--resume", "--overwrite"],
    "no_flag_over_finished_records": ["pi_monotone"],
}


@pytest.mark.parametrize("name", sorted(BAD_REPRODUCE))
def test_reproduce_rejects_before_touching_any_file(name, finished, capsys):
    out_dir, path = finished
    before = {p.name: p.read_bytes() for p in out_dir.iterdir() if p.is_file()}
    code, out, err = _run_main(["reproduce", *BAD_REPRODUCE[name], "--out", str(out_dir)], capsys)
    _assert_clean_refusal(code, err, out)
    after = {p.name: p.read_bytes() for p in out_dir.iterdir() if p.is_file()}
    assert after == before


def test_reproduce_out_that_is_a_file(tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    for out in (f, f / "sub"):
        code, o, err = _run_main(["reproduce", "pi_monotone", "--seeds", "1", "--out", str(out)], capsys)
        _assert_clean_refusal(code, err, o)
    assert f.read_text() == "x"


def test_resume_refuses_records_made_by_other_code(finished, capsys):
    out_dir, path = finished
    lines = path.read_text().splitlines(keepends=True)
    rec = json.loads(lines[0])
    rec["provenance"]["code"] = "0" * 16
    path.write_text(json.dumps(rec) + "\n" + "".join(lines[1:]))
    before = path.read_bytes()
    code, out, err = _run_main(["reproduce", "pi_monotone", "--seeds", "1", "--resume", "--out", str(out_dir)], capsys)
    _assert_clean_refusal(code, err, out, "other code")
    assert path.read_bytes() == before
    # a record without provenance (an older writer) is refused too
    del rec["provenance"]
    path.write_text(json.dumps(rec) + "\n" + "".join(lines[1:]))
    code, out, err = _run_main(["reproduce", "pi_monotone", "--seeds", "1", "--resume", "--out", str(out_dir)], capsys)
    _assert_clean_refusal(code, err, out, "no provenance")


def test_overwrite_recomputes(finished, capsys):
    out_dir, path = finished
    code, out, err = _run_main(["reproduce", "pi_monotone", "--seeds", "1", "--overwrite", "--json", "--out",
                                str(out_dir)], capsys)
    assert code == 0, err


def test_a_second_run_on_the_same_out_is_refused(finished, capsys):
    from scenarios.harness.runner import LOCK_NAME

    out_dir, path = finished
    (out_dir / LOCK_NAME).write_text(f"{os.getppid()}\n")  # a live process holds it
    before = path.read_bytes()
    code, out, err = _run_main(["reproduce", "pi_monotone", "--seeds", "1", "--resume", "--out", str(out_dir)], capsys)
    _assert_clean_refusal(code, err, out, "in use by another mdplab run")
    assert path.read_bytes() == before


def test_a_stale_lock_is_taken_over(finished, capsys):
    from scenarios.harness.runner import LOCK_NAME

    out_dir, path = finished
    p = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (out_dir / LOCK_NAME).write_text(p.stdout)  # that process has exited
    code, out, err = _run_main(["reproduce", "pi_monotone", "--seeds", "1", "--resume", "--json", "--out",
                                str(out_dir)], capsys)
    assert code == 0, err
    assert not (out_dir / LOCK_NAME).exists()


def test_resume_cuts_only_a_torn_last_line(finished, capsys):
    out_dir, path = finished
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    code, out, err = _run_main(["reproduce", "pi_monotone", "--seeds", "1", "--resume", "--json", "--out",
                                str(out_dir)], capsys)
    assert code == 0, err
    assert [json.loads(x)["params"] for x in path.read_text().splitlines()][:-1] == \
        [json.loads(x)["params"] for x in lines[:-1]]
    assert len(path.read_text().splitlines()) == len(lines)


# ------------------------------------------------------------------------------------------------ figures
@pytest.mark.parametrize("garbage", ['{"scenario": "pi_mono', "[1, 2, 3]", "null", "\x00\x01 not json",
                                     '{"scenario": "pi_monotone"}'])
def test_figures_never_modify_the_results_and_report_the_bad_line(garbage, finished, capsys, monkeypatch):
    import paper_figs

    out_dir, path = finished
    lines = path.read_text().splitlines(keepends=True)
    mid = len(lines) // 2
    path.write_text("".join(lines[:mid]) + garbage + "\n" + "".join(lines[mid:]))
    before = path.read_bytes()
    monkeypatch.setattr(paper_figs, "figure_names", lambda: ["pi_monotone"])
    code, out, err = _run_main(["figures", "--results", str(out_dir), "--out", str(out_dir / "figs")], capsys)
    assert code == 0, err
    assert path.read_bytes() == before
    assert f"line(s) {mid + 1}" in err and f"kept the other {len(lines)} record(s)" in err
    assert "Traceback" not in err


def test_read_results_is_read_only_and_keeps_every_valid_record(tmp_path):
    from scenarios.harness.runner import ResultsFileWarning, read_results

    recs = [{"scenario": "x", "params": {"i": i}, "seed_index": 0, "seed": 1, "values": {"m": float(i)},
             "seconds": 0.0} for i in range(20)]
    text = "".join(json.dumps(r) + "\n" for r in recs)
    lines = text.splitlines(keepends=True)
    path = tmp_path / "x.jsonl"
    path.write_text("".join(lines[:3]) + "garbled{\n" + "".join(lines[3:]))
    before = path.read_bytes()
    with pytest.warns(ResultsFileWarning, match="line\\(s\\) 4 "):
        got = read_results(path)
    assert got == recs and path.read_bytes() == before


def test_figures_missing_results_dir(tmp_path, capsys):
    code, out, err = _run_main(["figures", "--results", str(tmp_path / "none")], capsys)
    _assert_clean_refusal(code, err, out, "no results directory")


# ------------------------------------------------------------------------------------------------ API
API_CASES = {
    "MDP_complex_P": (lambda: mdplab.MDP(_good_P() * (1 + 0j) + 1e-3j, _good_R(), discount=0.9), ModelError, "complex"),
    "MDP_row_tol_nan": (lambda: mdplab.MDP(_good_P() * 1.5, _good_R(), discount=0.9, row_tol=float("nan")),
                        ModelError, "row_tol"),
    "MDP_horizon_fraction": (lambda: mdplab.MDP(_good_P(), _good_R(), horizon=2.5), ModelError, "2.5"),
    "MDP_horizon_string": (lambda: mdplab.MDP(_good_P(), _good_R(), horizon="3"), ModelError, "horizon"),
    "MDP_horizon_inf": (lambda: mdplab.MDP(_good_P(), _good_R(), horizon=float("inf")), ModelError, "horizon"),
    "LatentMDP_horizon_None": (lambda: __import__("mdplab.lmdp", fromlist=["LatentMDP"]).LatentMDP(
        np.full((1, 2, 1, 2), 0.5), np.zeros((1, 2, 1)), [1.0], [[0.5, 0.5]], horizon=None), ModelError, "horizon"),
    "graph_mixed_labels": (lambda: __import__("mdplab.chains", fromlist=["x"]).simple_random_walk(
        nx.Graph([(1, "a"), ("a", 2)])), ModelError, "comparable"),
    "stationary_reducible": (lambda: __import__("mdplab.chains", fromlist=["x"]).stationary_distribution(np.eye(3)),
                             NotApplicableError, "reducible"),
    "stationary_transient": (lambda: __import__("mdplab.chains", fromlist=["x"]).stationary_distribution(
        np.array([[0.5, 0.5], [0.0, 1.0]])), NotApplicableError, "reducible"),
    "sde_t0_nan": (lambda: __import__("mdplab.sde", fromlist=["x"]).time_grid(1.0, 0.1, float("nan")), ModelError, "t0"),
    "sde_terabyte_grid": (lambda: (lambda s: s.simulate_exact(s.ornstein_uhlenbeck(1.0, 1.0), 0.0, 1e3, 1e-3, 10**6, 0))(
        __import__("mdplab.sde", fromlist=["x"])), ModelError, "GiB"),
    "sde_too_many_steps": (lambda: __import__("mdplab.sde", fromlist=["x"]).time_grid(1e9, 1e-9), ModelError, "steps"),
    "ou_explosive": (lambda: (lambda s: s.simulate_exact(s.ornstein_uhlenbeck(-50.0, 1.0), 1.0, 100.0, 0.1, 2, 0))(
        __import__("mdplab.sde", fromlist=["x"])), ModelError, "explosive"),
    "seed_negative": (lambda: __import__("mdplab.sampling", fromlist=["x"]).sample_next_states(
        mdplab.MDP(_good_P(), _good_R(), discount=0.9), np.array([0]), np.array([0]), -1), ModelError,
        "seed must be a non-negative integer"),
    "seed_float": (lambda: __import__("mdplab.sampling", fromlist=["x"]).sample_next_states(
        mdplab.MDP(_good_P(), _good_R(), discount=0.9), np.array([0]), np.array([0]), 1.5), ModelError,
        "seed must be a non-negative integer"),
}


@pytest.mark.parametrize("name", sorted(API_CASES))
def test_api_raises_documented_errors(name):
    fn, err_type, match = API_CASES[name]
    with pytest.raises(err_type, match=match) as info:
        fn()
    assert "np.float64" not in str(info.value)


@pytest.mark.parametrize("name", ["key_gamma", "P_complex", "horizon_fraction", "discount_array", "huge_header_745GiB",
                                  "cassandra_1e6_states", "cassandra_1e11_observations"])
def test_load_raises_file_format_errors_naming_the_file(name, tmp_path):
    path = BAD_FILES[name](tmp_path)
    with pytest.raises(FileFormatError, match=path.name):
        mdplab.load(path)


def test_npz_header_is_checked_before_loading(tmp_path, monkeypatch):
    # a file within any memory, refused under a tiny budget: the check reads the declared shapes only
    path = _npz(tmp_path / "ok.npz", P=_good_P(), R=_good_R(), discount=0.9)
    monkeypatch.setenv("MDPLAB_MAX_BYTES", "100")
    with pytest.raises(FileFormatError, match="memory budget"):
        mdplab.load(path)
    monkeypatch.delenv("MDPLAB_MAX_BYTES")
    assert mdplab.load(path).n_states == 3


def test_model_values_invalid_after_parsing_name_the_file(tmp_path):
    path = BAD_FILES["P_rows_off"](tmp_path)
    with pytest.raises(FileFormatError, match=f"{path.name}.*sums to"):
        mdplab.load(path)


# ------------------------------------------------------------------------------------------------ regret
BAD_REGRET = {
    "seeds_zero": ["riverswim:osband2013", "--learner", "ucbvi-ch", "--episodes", "2", "--horizon", "3", "--seeds", "0"],
    "seeds_negative": ["riverswim:osband2013", "--learner", "ucbvi-ch", "--episodes", "2", "--horizon", "3",
                       "--seeds", "-2"],
    "episodes_negative": ["riverswim:osband2013", "--learner", "ucbvi-ch", "--episodes", "-2", "--horizon", "3",
                          "--seeds", "1"],
    "horizon_zero": ["riverswim:osband2013", "--learner", "ucbvi-ch", "--episodes", "2", "--horizon", "0", "--seeds", "1"],
    "unknown_learner": ["riverswim:osband2013", "--learner", "nope", "--episodes", "2", "--horizon", "3", "--seeds", "1"],
    "unknown_env": ["no_such_env", "--learner", "ucbvi-ch", "--episodes", "2", "--horizon", "3", "--seeds", "1"],
    "delta_nan": ["riverswim:osband2013", "--learner", "ucbvi-ch", "--episodes", "2", "--horizon", "3", "--seeds", "1",
                  "--delta", "nan"],
    "workers_zero": ["riverswim:osband2013", "--learner", "ucbvi-ch", "--episodes", "2", "--horizon", "3", "--seeds",
                     "1", "--workers", "0"],
}


@pytest.mark.parametrize("name", sorted(BAD_REGRET))
def test_regret_refuses_bad_arguments(name, capsys):
    from mdplab.cli import VERBS

    if "regret" not in VERBS:
        pytest.skip("no regret verb")
    t0 = time.perf_counter()
    code, out, err = _run_main(["regret", *BAD_REGRET[name], "--json"], capsys)
    assert time.perf_counter() - t0 < 60
    _assert_clean_refusal(code, err, out)


@pytest.mark.parametrize("name", ["P_nan", "R_inf", "P_complex", "truncated_zip", "missing_file"])
def test_regret_refuses_bad_model_files(name, tmp_path, capsys):
    from mdplab.cli import VERBS

    if "regret" not in VERBS:
        pytest.skip("no regret verb")
    path = BAD_FILES[name](tmp_path)
    code, out, err = _run_main(["regret", str(path), "--learner", "ucbvi-ch", "--episodes", "2", "--horizon", "3",
                                "--seeds", "1", "--json"], capsys)
    _assert_clean_refusal(code, err, out)


def test_write_cassandra_refuses_infeasible_actions(tmp_path):
    """Cassandra's grammar has no -inf reward: writing one would make a file read_cassandra refuses."""
    from mdplab.cassandra import write_cassandra

    R = np.array([[1.0, -np.inf], [0.0, 1.0]])
    m = mdplab.MDP(np.full((2, 2, 2), 0.5), R, discount=0.9)
    with pytest.raises(ModelError, match=r"R\[0, 1\]"):
        write_cassandra(m, tmp_path / "x.MDP")
    assert not (tmp_path / "x.MDP").exists()


@pytest.mark.parametrize("kw", [dict(tol=np.float64(np.nan)), dict(budget=np.float64(-5.0)),
                                dict(max_iter=np.int64(0)), dict(method="mpi", m=np.float64(2.5)),
                                dict(gauss_seidel=np.int64(1)), dict(method="rvi", tau=np.float64(1.5))])
def test_solver_messages_show_numpy_scalars_as_plain_numbers(kw):
    """Issue 15 sec. 3: no numpy-2 reprs (``np.float64(...)``) in messages; the solvers' parameter checks show
    the value as the number it is."""
    from scenarios.instances.classic import random_sparse

    m = (random_sparse(10, 2, 3, seed=1, discount=None, average_reward=True) if kw.get("method") == "rvi"
         else random_sparse(10, 2, 3, seed=1, discount=0.9))
    with pytest.raises(ValueError) as err:
        mdplab.solve(m, **kw)
    assert "np." not in str(err.value) and "numpy" not in str(err.value)


def test_pomdp_discount_tol_inf_is_refused(tmp_path):
    """``--discount-tol inf`` was accepted and printed ``certified: true`` with an unbounded upper bound: a
    vacuous certificate.  A finite positive tolerance is required."""
    from mdplab.pomdp_planning import solve_pomdp_summary
    from test_pomdp_files import tiger

    m = tiger(0.95)
    for bad in (np.inf, np.float64(np.inf), 0.0, -1.0, np.nan):
        with pytest.raises(ValueError, match="must be a finite number > 0") as err:
            solve_pomdp_summary(m, discount_tol=bad)
        assert "np." not in str(err.value)


def test_pomdp_exact_vi_respects_max_seconds_inside_a_backup():
    """Issue 15 sec. 3 (budgets checked as they go): ``mdplab solve tiger-grid.POMDP --discount-tol 1e-3`` ran
    for over 6 minutes because ``max_seconds`` was read only between exact backups and one backup's pruning LPs
    took minutes.  On this random POMDP (S = 10, A = 3, O = 6) the third backup alone takes about 50 s; with
    ``max_seconds = 2`` the solver must stop inside it and return a valid interval from the last complete set."""
    from mdplab.pomdp import POMDP
    from mdplab.pomdp_planning import discounted_value_iteration

    rng = np.random.default_rng(0)
    S, A, O = 10, 3, 6
    m = POMDP(rng.dirichlet(np.ones(S) * 0.3, size=(S, A)), rng.dirichlet(np.ones(O) * 0.3, size=(A, S)),
              rng.uniform(-1, 1, size=(S, A)), discount=0.95)
    t0 = time.perf_counter()
    sol = discounted_value_iteration(m, tol=1e-6, max_seconds=2.0)
    assert time.perf_counter() - t0 < 15.0          # generous: the unbounded backup takes about 50 s
    assert not sol.converged and sol.info["stopped"] == "max_seconds"
    assert np.isfinite(sol.lower) and sol.lower <= sol.upper


def test_cli_max_seconds_bounds_a_discounted_pomdp_and_is_refused_elsewhere(tmp_path):
    """``--max-seconds`` is the whole time budget of a discounted POMDP solve (exact VI, then HSVI2); on an MDP
    file it is refused with a message naming the flag, and a non-finite budget is refused (exit 2)."""
    from mdplab.cli import main

    pomdp = tmp_path / "tiger.POMDP"
    pomdp.write_text("discount: 0.95\nvalues: reward\nstates: tiger-left tiger-right\nactions: listen open-left "
                     "open-right\nobservations: tiger-left tiger-right\nT: listen\nidentity\nT: open-left\nuniform\n"
                     "T: open-right\nuniform\nO: listen\n0.85 0.15\n0.15 0.85\nO: open-left\nuniform\nO: open-right\n"
                     "uniform\nR: listen : * : * : * -1\nR: open-left : tiger-left : * : * -100\nR: open-left : "
                     "tiger-right : * : * 10\nR: open-right : tiger-left : * : * 10\nR: open-right : tiger-right : * : "
                     "* -100\n")
    assert main(["solve", str(pomdp), "--max-seconds", "30", "--discount-tol", "1e-4", "--json"]) == 0
    assert main(["solve", str(pomdp), "--max-seconds", "inf", "--json"]) == 2
    mdp = tmp_path / "m.npz"
    np.savez(mdp, P=np.full((2, 1, 2), 0.5), R=np.zeros((2, 1)), discount=0.9)
    assert main(["solve", str(mdp), "--max-seconds", "5"]) == 2
