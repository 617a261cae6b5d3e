"""I/O round trips and the `mdplab solve` command line contract (issue 2 item 7)."""
from __future__ import annotations

import json

import numpy as np
import pytest

import mdplab
from mdplab import io
from mdplab.cli import main
from mdplab.errors import FileFormatError
from scenarios.classic import random_dense, riverswim


def test_npz_round_trip(tmp_path):
    m = random_dense(6, 3, seed=0, discount=0.9)
    io.save_npz(m, tmp_path / "m.npz")
    back = io.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(back.P, m.P)
    np.testing.assert_array_equal(back.R, m.R)
    assert back.gamma == 0.9 and back.criterion == "discounted"
    with np.load(tmp_path / "m.npz") as f:  # the layout is a contract
        assert f["P"].shape == (6, 3, 6) and f["R"].shape == (6, 3) and f["discount"].shape == ()


def test_npz_missing_array_and_garbage(tmp_path):
    np.savez(tmp_path / "bad.npz", P=np.ones((2, 1, 2)) / 2)
    with pytest.raises(FileFormatError, match="lacks"):
        io.load(tmp_path / "bad.npz")
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(FileFormatError):
        io.load(tmp_path / "junk.npz")


def test_cli_solve_json(tmp_path, capsys):
    m = riverswim(discount=0.95)
    io.save_npz(m, tmp_path / "rs.npz")
    for method in ("vi", "pi", "mpi", "lp"):
        assert main(["solve", str(tmp_path / "rs.npz"), "--method", method, "--tol", "1e-8", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert {"values", "policy", "iterations", "seconds"} <= set(out)
        np.testing.assert_allclose(out["values"], mdplab.solve(m, method="pi").values, atol=1e-7)


def test_cli_average_reward_and_horizon(tmp_path, capsys):
    io.save_npz(riverswim(discount=0.95), tmp_path / "rs.npz")
    assert main(["solve", str(tmp_path / "rs.npz"), "--average-reward", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["gain"] == pytest.approx(72900 / 109, abs=1e-5) and "bias" in out
    assert main(["solve", str(tmp_path / "rs.npz"), "--horizon", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert np.asarray(out["values"]).shape == (5, 6)


def test_cli_errors_exit_2(tmp_path, capsys):
    assert main(["solve", str(tmp_path / "missing.npz"), "--json"]) == 2
    assert "no such file" in capsys.readouterr().err
    P = np.ones((2, 1, 2)) * 0.7
    np.savez(tmp_path / "badrows.npz", P=P, R=np.zeros((2, 1)), discount=0.9)
    assert main(["solve", str(tmp_path / "badrows.npz"), "--json"]) == 2
    err = capsys.readouterr().err
    assert "sums to 1.4" in err and "s=0, a=0" in err
    io.save_npz(riverswim(discount=0.95), tmp_path / "rs.npz")
    assert main(["solve", str(tmp_path / "rs.npz"), "--discount", "1.5", "--json"]) == 2
    assert "discount" in capsys.readouterr().err


def test_cassandra_mdp_file_zmdp_test12(test_data):
    """ZMDP test12.mdp: published bounds 15.7891 / 15.7898 at state 0; exact 300/19 (data README)."""
    cassandra = pytest.importorskip("mdplab.cassandra")
    m = cassandra.read_cassandra(test_data / "zmdp_test12.mdp")
    assert isinstance(m, mdplab.MDP) and m.gamma == pytest.approx(0.9)
    v0 = mdplab.solve(m, method="pi").values[0]
    assert 15.7891 <= v0 <= 15.7898
    assert v0 == pytest.approx(300 / 19, rel=1e-12)
    assert io.load(test_data / "zmdp_test12.mdp").n_states == m.n_states
