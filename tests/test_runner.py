"""The scenario runner: deterministic seeds, identical numbers on every backend, results files, resume,
a Dask worker killed mid-sweep, and the ``mdplab`` commands end to end."""
from __future__ import annotations

import json
import math
import os
import signal
import threading
import time

import numpy as np
import pytest

from mdplab.cli import main
from scenarios.registry import Check, Scenario, Tolerance
from scenarios.runner import (cell_seed, evaluate_scenario, plan_cells, read_results, results_path, run_cells,
                              verdict_table)

RECORD_KEYS = {"scenario", "params", "seed_index", "seed", "measured", "bound", "values", "seconds", "provenance"}


def synthetic_cell(params: dict, seed: int) -> dict:
    """A seeded power law: measured = x^-1/2 exp(0.05 z) (slope -1/2), bound = 2 x^-1/2."""
    time.sleep(float(params.get("sleep", 0.0)))
    z = np.random.default_rng(seed).standard_normal()
    x = float(params["x"])
    return {"measured": x ** -0.5 * math.exp(0.05 * z), "bound": 2 * x ** -0.5}


def failing_cell(params: dict, seed: int) -> float:
    raise AssertionError("resume must not recompute a finished cell")


CALLS: list[tuple] = []


def counting_cell(params: dict, seed: int) -> dict:
    CALLS.append((params["x"], seed))
    return synthetic_cell(params, seed)


def synthetic(name: str = "test_synthetic", cell=synthetic_cell, sleep: float = 0.0, seeds: int = 3) -> Scenario:
    grid = [{"x": x, "sleep": sleep} for x in (1, 4, 16, 64)]
    return Scenario(name=name, description="synthetic power law", family="none", algorithm="none", cell=cell,
                    grid={"quick": grid, "full": grid}, seeds={"quick": seeds, "full": seeds},
                    checks=(Check("puterman1994.vi_error", "bound", tolerance=Tolerance()),))


def numbers(records: list[dict]) -> list[tuple]:
    return sorted((json.dumps(r["params"], sort_keys=True), r["seed_index"], r["seed"], json.dumps(r["values"],
                   sort_keys=True)) for r in records)


def test_cell_seeds_are_deterministic_and_distinct():
    assert cell_seed("a", 0) == cell_seed("a", 0)
    seeds = {cell_seed(n, j) for n in ("a", "b") for j in range(100)}
    assert len(seeds) == 200
    cells = plan_cells(synthetic(), "quick", n_seeds=5)
    assert len(cells) == 4 * 5 and {c.seed for c in cells} == {cell_seed("test_synthetic", j) for j in range(5)}


def test_results_file_has_one_json_line_per_cell(tmp_path):
    sc = synthetic()
    res = run_cells([sc], out_dir=tmp_path)
    lines = results_path(tmp_path, sc.name).read_text().splitlines()
    assert len(lines) == 12
    recs = [json.loads(line) for line in lines]
    assert all(set(r) == RECORD_KEYS for r in recs)
    assert len({(json.dumps(r["params"]), r["seed_index"]) for r in recs}) == 12
    assert numbers(recs) == numbers(res[sc.name])
    assert all(r["measured"] == r["values"]["measured"] and r["seconds"] >= 0 for r in recs)


def test_resume_recomputes_nothing_and_completes_a_torn_file(tmp_path):
    first = run_cells([synthetic()], out_dir=tmp_path)["test_synthetic"]
    again = run_cells([synthetic(cell=failing_cell)], out_dir=tmp_path, resume=True)["test_synthetic"]
    assert numbers(again) == numbers(first)
    # crash simulation: keep 5 whole lines and half of the sixth
    path = results_path(tmp_path, "test_synthetic")
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:5]) + lines[5][: len(lines[5]) // 2])
    CALLS.clear()
    resumed = run_cells([synthetic(cell=counting_cell)], out_dir=tmp_path, resume=True)["test_synthetic"]
    assert len(CALLS) == 12 - 5
    assert numbers(resumed) == numbers(first)
    assert numbers(read_results(path)) == numbers(first)


def crashing_cell(params: dict, seed: int) -> dict:
    """Interrupts the sweep (like Ctrl-C or a killed driver) on the fifth call."""
    CALLS.append((params["x"], seed))
    if len(CALLS) == 5:
        raise KeyboardInterrupt
    return synthetic_cell(params, seed)


def test_an_interrupted_sweep_keeps_every_finished_cell(tmp_path):
    CALLS.clear()
    with pytest.raises(KeyboardInterrupt):
        run_cells([synthetic(cell=crashing_cell)], out_dir=tmp_path)
    assert len(read_results(results_path(tmp_path, "test_synthetic"))) == 4
    CALLS.clear()
    resumed = run_cells([synthetic(cell=counting_cell)], out_dir=tmp_path, resume=True)["test_synthetic"]
    assert len(CALLS) == 12 - 4
    assert numbers(resumed) == numbers(run_cells([synthetic()], out_dir=tmp_path / "fresh")["test_synthetic"])


def test_with_overwrite_the_file_starts_afresh(tmp_path):
    run_cells([synthetic()], out_dir=tmp_path)
    run_cells([synthetic()], out_dir=tmp_path, n_seeds=1, overwrite=True)
    assert len(read_results(results_path(tmp_path, "test_synthetic"))) == 4


def test_without_resume_or_overwrite_finished_records_are_kept_and_the_run_refused(tmp_path):
    run_cells([synthetic()], out_dir=tmp_path)
    path = results_path(tmp_path, "test_synthetic")
    before = path.read_bytes()
    with pytest.raises(ValueError, match="12 finished record.*--resume.*--overwrite"):
        run_cells([synthetic()], out_dir=tmp_path, n_seeds=1)
    assert path.read_bytes() == before


def test_process_pool_gives_the_serial_numbers(tmp_path):
    # a real numba scenario and the synthetic one, through a 2-process spawn pool
    import scenarios.core_theorems  # noqa: F401  (registers the core scenarios)
    from scenarios.registry import get_scenario

    scs = [synthetic(), get_scenario("pi_monotone")]
    serial = run_cells(scs, out_dir=tmp_path / "serial", n_seeds=2)
    pool = run_cells(scs, out_dir=tmp_path / "pool", n_seeds=2, workers=2)
    for sc in scs:
        assert numbers(pool[sc.name]) == numbers(serial[sc.name])
        assert numbers(read_results(results_path(tmp_path / "pool", sc.name))) == numbers(serial[sc.name])


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=50)
    client = distributed.Client(cluster)
    yield cluster, client
    client.close()
    cluster.close()


def test_dask_gives_the_serial_numbers(tmp_path, dask_cluster):
    cluster, _ = dask_cluster
    sc = synthetic()
    serial = run_cells([sc], out_dir=tmp_path / "serial")
    dask = run_cells([sc], out_dir=tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert numbers(dask[sc.name]) == numbers(serial[sc.name])


@pytest.mark.slow  # ~10 s: the workers import mdplab and load the numba caches
def test_reproduce_on_a_dask_scheduler_from_the_command_line(tmp_path, dask_cluster, capsys):
    cluster, _ = dask_cluster
    argv = ["reproduce", "vi_stopping", "--seeds", "2", "--json"]
    assert main(argv + ["--scheduler", cluster.scheduler_address, "--out", str(tmp_path / "dask")]) == 0
    dask_rows = json.loads(capsys.readouterr().out)
    assert main(argv + ["--out", str(tmp_path / "serial")]) == 0
    assert json.loads(capsys.readouterr().out) == dask_rows
    assert numbers(read_results(results_path(tmp_path / "dask", "vi_stopping"))) == \
        numbers(read_results(results_path(tmp_path / "serial", "vi_stopping")))


def test_dask_worker_killed_mid_sweep_loses_and_duplicates_nothing(tmp_path, dask_cluster):
    cluster, client = dask_cluster
    sc = synthetic(name="test_kill", sleep=0.15, seeds=8)            # 32 cells of 0.15 s on 2 workers
    path = results_path(tmp_path, sc.name)
    pids = list(client.run(os.getpid).values())
    killed = []

    def killer():
        deadline = time.time() + 30
        while time.time() < deadline:
            if path.exists() and len(path.read_text().splitlines()) >= 6:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])
                return
            time.sleep(0.02)

    t = threading.Thread(target=killer)
    t.start()
    res = run_cells([sc], out_dir=tmp_path, scheduler=cluster.scheduler_address)[sc.name]
    t.join()
    assert killed, "the worker was not killed mid-sweep"
    recs = read_results(path)
    assert len(recs) == 32
    assert len({(json.dumps(r["params"]), r["seed_index"]) for r in recs}) == 32
    expected = run_cells([synthetic(name="test_kill", seeds=8)], out_dir=tmp_path / "serial")["test_kill"]
    strip = lambda rs: sorted((json.dumps({k: v for k, v in r["params"].items() if k != "sleep"}), r["seed_index"],  # noqa: E731
                               json.dumps(r["values"], sort_keys=True)) for r in rs)
    assert strip(recs) == strip(expected) == strip(res)


def test_a_cell_that_raises_makes_the_scenario_fail_and_is_not_written(tmp_path):
    sc = synthetic(cell=failing_cell)
    res = run_cells([sc], out_dir=tmp_path)[sc.name]
    assert all("AssertionError" in r["error"] for r in res)
    assert read_results(results_path(tmp_path, sc.name)) == []
    rows = evaluate_scenario(sc, res)
    assert [r["verdict"] for r in rows] == ["FAIL"] and "12/12 cells raised" in rows[0]["reason"]


def test_verdicts_table_and_rate_check_from_sympy(tmp_path):
    from scenarios.registry import get_scenario

    sc = get_scenario("vi_error")
    rows = evaluate_scenario(sc, run_cells([sc], out_dir=tmp_path)[sc.name])
    assert [(r["checker"], r["verdict"]) for r in rows] == [("bound", "PASS"), ("rate", "PASS")]
    assert rows[1]["bound"] == pytest.approx(math.log(0.9))       # d log(gamma^k e0) / dk, from sympy
    table = verdict_table(rows)
    assert "vi_error" in table and "PASS" in table


# ------------------------------------------------------------------------------------------ CLI end to end
def test_reproduce_quick_json_end_to_end(tmp_path, capsys, monkeypatch):
    code = main(["reproduce", "pi_monotone", "--quick", "--json", "--out", str(tmp_path)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out == [{"scenario": "pi_monotone", "theorem": "puterman1994.pi_monotone", "checker": "lower",
                    "quantity": "measured", "verdict": "PASS", "expected": "PASS", "reason": out[0]["reason"],
                    "measured": 0.0, "bound": 0.0,
                    "source": "puterman1994, Prop. 6.4.1 [reconstructed]; see docs/theory/puterman1994.md#pi_monotone"}]
    assert (tmp_path / "report.md").exists() and (tmp_path / "figures" / "pi_monotone.png").exists()
    assert len(read_results(results_path(tmp_path, "pi_monotone"))) == 20
    # resume: nothing recomputed, same verdict
    assert main(["reproduce", "pi_monotone", "--quick", "--json", "--resume", "--out", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)[0]["verdict"] == "PASS"
    # figures from the results files (only this scenario's script: the others belong to other tests)
    import paper_figs

    assert {"pi_monotone", "vi_error"} <= set(paper_figs.figure_names())
    monkeypatch.setattr(paper_figs, "figure_names", lambda: ["pi_monotone", "vi_error"])  # vi_error: no results
    assert main(["figures", "--results", str(tmp_path), "--out", str(tmp_path / "figs")]) == 0
    assert (tmp_path / "figs" / "pi_monotone.png").exists() and not (tmp_path / "figs" / "vi_error.png").exists()
    assert "skipped" in capsys.readouterr().err


@pytest.mark.parametrize("script", ["vi_error", "vi_stopping", "pi_monotone", "rvi_gain"])
def test_core_figure_scripts_draw_from_results(tmp_path, script):
    import importlib

    from scenarios.registry import get_scenario

    run_cells([get_scenario(script)], out_dir=tmp_path, n_seeds=3 if script != "pi_monotone" else 1)
    made = importlib.import_module(f"paper_figs.{script}").make(tmp_path, tmp_path / "figs")
    assert [p.name for p in made] == [f"{script}.png"] and made[0].stat().st_size > 1000


def test_too_few_seeds_from_the_command_line_is_inconclusive(tmp_path, capsys):
    assert main(["reproduce", "vi_error", "--seeds", "2", "--json", "--out", str(tmp_path)]) == 0
    rows = {r["checker"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["bound"]["verdict"] == "PASS"
    assert rows["rate"]["verdict"] == "INCONCLUSIVE" and "seed" in rows["rate"]["reason"]


def test_scenario_registry_rules():
    from scenarios.registry import UnknownScenarioError, get_scenario, register_scenario

    def local_cell(params, seed):
        return 0.0

    with pytest.raises(ValueError, match="module-level"):
        synthetic(cell=local_cell)
    with pytest.raises(ValueError, match="quick"):
        Scenario(name="x", description="d", family="f", algorithm="a", cell=synthetic_cell,
                 grid={"full": [{"x": 1}]}, seeds={"quick": 1, "full": 1},
                 checks=(Check("puterman1994.vi_error", "bound"),))
    with pytest.raises(ValueError, match="rate_parameter"):
        Check("puterman1994.vi_error", "rate")
    register_scenario(synthetic(name="test_registered"))
    assert get_scenario("test_registered").cell is synthetic_cell
    with pytest.raises(ValueError, match="already registered"):
        register_scenario(synthetic(name="test_registered", cell=counting_cell))
    with pytest.raises(UnknownScenarioError):
        get_scenario("no_such_scenario")
    bad = Scenario(name="test_bad_bound", description="d", family="f", algorithm="a", cell=synthetic_cell,
                   grid={"quick": [{"x": 1}], "full": [{"x": 1}]}, seeds={"quick": 1, "full": 1},
                   checks=(Check("no.such.bound", "bound"),))
    with pytest.raises(ValueError, match="no bound named"):
        register_scenario(bad)


def test_list_json_names_theorems_and_sources(capsys):
    assert main(["list", "--json"]) == 0
    items = {it["name"]: it for it in json.loads(capsys.readouterr().out)}
    assert items["vi_error"]["theorems"][0]["source"].startswith("puterman1994")


@pytest.mark.parametrize("argv", [["reproduce"], ["reproduce", "no_such_scenario"], ["reproduce", "vi_error", "--all"],
                                  ["figures", "--results", "/nonexistent/mdplab"]])
def test_bad_invocations_exit_2(argv, capsys):
    assert main(argv) == 2
    assert "error" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ expected verdicts
def broken_cell(params: dict, seed: int) -> dict:
    """Like :func:`synthetic_cell`, plus a 'broken' measurement three times the bound."""
    out = synthetic_cell(params, seed)
    return {**out, "broken": 3 * out["bound"]}


def expected_scenario(expected_good: str, expected_broken: str) -> Scenario:
    grid = [{"x": x} for x in (1, 4, 16)]
    return Scenario(name=f"test_expected_{expected_good}_{expected_broken}", description="d", family="f", algorithm="a",
                    cell=broken_cell, grid={"quick": grid, "full": grid}, seeds={"quick": 3, "full": 3},
                    checks=(Check("puterman1994.vi_error", "bound", expected=expected_good),
                            Check("puterman1994.vi_error", "bound", measured_key="broken", expected=expected_broken)))


@pytest.mark.parametrize("verdict, expected, matches", [
    ("PASS", "PASS", True), ("FAIL", "PASS", False), ("INCONCLUSIVE", "PASS", True),
    ("FAIL", "FAIL", True), ("PASS", "FAIL", False), ("INCONCLUSIVE", "FAIL", False)])
def test_verdict_matches_table(verdict, expected, matches):
    from scenarios.harness.registry import verdict_matches

    assert verdict_matches(verdict, expected) is matches


@pytest.mark.parametrize("good, broken, code", [("PASS", "FAIL", 0), ("PASS", "PASS", 1), ("FAIL", "FAIL", 1)])
def test_expected_failures_rows_table_and_exit_code(tmp_path, good, broken, code):
    from mdplab.cli.reproduce import exit_code
    from scenarios.harness.verdicts import verdict_table

    sc = expected_scenario(good, broken)
    rows = evaluate_scenario(sc, run_cells([sc], out_dir=tmp_path)[sc.name])
    # the checker's verdicts do not depend on what was expected: the good cells pass, the broken ones fail
    assert [(r["verdict"], r["expected"]) for r in rows] == [("PASS", good), ("FAIL", broken)]
    assert exit_code(rows) == code
    table = verdict_table(rows)
    if broken == "FAIL":
        assert "FAIL (expected)" in table
    else:
        assert "FAIL (expected)" not in table and "FAIL" in table


def test_expected_fail_from_cells_that_raise_is_not_a_match(tmp_path):
    from mdplab.cli.reproduce import exit_code

    grid = [{"x": 1}, {"x": 2}]
    sc = Scenario(name="test_expected_raise", description="d", family="f", algorithm="a", cell=failing_cell,
                  grid={"quick": grid, "full": grid}, seeds={"quick": 2, "full": 2},
                  checks=(Check("puterman1994.vi_error", "bound", expected="FAIL"),))
    rows = evaluate_scenario(sc, run_cells([sc], out_dir=tmp_path)[sc.name])
    assert rows[0]["verdict"] == "FAIL" and rows[0]["matches"] is False and exit_code(rows) == 1
    from scenarios.harness.verdicts import verdict_table

    assert "FAIL (expected)" not in verdict_table(rows) and "cells raised" in verdict_table(rows)


def test_check_expected_must_be_pass_or_fail():
    with pytest.raises(ValueError, match="expected"):
        Check("puterman1994.vi_error", "bound", expected="INCONCLUSIVE")
