"""Run scenarios: cells on a serial, process-pool or dask.distributed backend, results files, verdicts, report.

A *cell* is ``(scenario, params, seed index)``.  Its seed is derived from ``(scenario name, seed
index)`` alone (:func:`cell_seed`, a SHA-256 of the two, never process state), so the serial,
process-pool and Dask backends compute identical numbers, and all grid points of one seed index share
an instance.  Each finished cell is appended, as one JSON line, to ``<out>/<scenario>.jsonl`` the moment
it finishes (flush + fsync), by the driver process only: a crash loses at most the cells in flight,
and ``resume=True`` skips every cell already in the file.  A line holds ``scenario, params,
seed_index, seed, values`` (every number the cell returned), ``measured`` and ``bound`` (those of the
scenario's first check) and ``seconds``.

Backends: ``workers=1`` runs in this process; ``workers=N`` uses a ``spawn`` process pool (no server);
``scheduler=ADDRESS`` submits to an existing dask.distributed cluster (optional dependency,
``pip install mdplab[dask]``), which reschedules the cells of a worker that dies; the driver keeps
the first result of each cell, so none is lost or written twice.

Then :func:`~scenarios.harness.verdicts.evaluate_scenario` applies the scenario's checks
(:mod:`bounds.checkers`) to the records, :func:`~scenarios.harness.verdicts.verdict_table` formats them
and :func:`~scenarios.harness.report.write_report` writes ``<out>/report.md`` with one figure per
scenario in ``<out>/figures/``; :func:`reproduce` does all three.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterator, Sequence

from .registry import SIZES, Scenario, get_scenario, params_key
from .report import write_report
from .verdicts import evaluate_scenario


# ---------------------------------------------------------------------------------------- cells
def cell_seed(scenario: str, seed_index: int) -> int:
    """Deterministic 32-bit seed of ``(scenario, seed_index)``: the same on every backend and run."""
    digest = hashlib.sha256(f"mdplab-cell:{scenario}:{int(seed_index)}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


@dataclass(frozen=True)
class Cell:
    scenario: str
    params: dict
    seed_index: int
    seed: int

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.scenario, params_key(self.params), self.seed_index)


def plan_cells(scenario: Scenario, size: str = "quick", n_seeds: int | None = None) -> list[Cell]:
    """Every cell of ``scenario`` at ``size`` (grid x seeds); ``n_seeds`` overrides the scenario's count."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}; got {size!r}")
    seeds = scenario.seeds[size] if n_seeds is None else int(n_seeds)
    if seeds < 1:
        raise ValueError(f"--seeds must be >= 1; got {seeds}")
    return [Cell(scenario.name, dict(p), j, cell_seed(scenario.name, j))
            for p in scenario.grid[size] for j in range(seeds)]


def execute_cell(cell_fn: Callable[[dict, int], "float | dict"], params: dict, seed: int) -> dict:
    """Run one cell (in any process): returns ``{"values": {name: float}, "seconds": float}``, or
    ``{"error": "Type: message", "seconds": float}`` when the cell raised.

    The cell runs with one numba thread (restored afterwards): the sweep's parallelism is across cells,
    and a ``parallel=True`` kernel on a small model costs milliseconds per launch on a busy machine
    (measured: 2.8 ms vs 21 us for one 10-state backup with 2 vs 1 threads under load).  The kernels'
    ``prange`` loops reduce across threads only by exact ``min``/``max``, so this changes timings, not numbers.
    """
    from mdplab.threads import numba_threads

    t0 = time.perf_counter()
    try:
        with numba_threads(1):
            out = cell_fn(dict(params), int(seed))
    except Exception as exc:  # reported as the scenario's FAIL, never written to the results file
        return {"error": f"{type(exc).__name__}: {exc}", "seconds": time.perf_counter() - t0}
    seconds = time.perf_counter() - t0
    values = {"measured": out} if not isinstance(out, dict) else out
    clean = {}
    for k, v in values.items():
        try:
            clean[str(k)] = float(v)
        except (TypeError, ValueError):
            raise ValueError(f"cell {getattr(cell_fn, '__qualname__', cell_fn)} returned a non-number for {k!r}: "
                             f"{v!r}") from None
    return {"values": clean, "seconds": seconds}


def _record(cell: Cell, scenario: Scenario, result: dict) -> dict:
    first = scenario.checks[0]
    values = result["values"]
    return {"scenario": cell.scenario, "params": cell.params, "seed_index": cell.seed_index, "seed": cell.seed,
            "measured": values.get(first.measured_key), "bound": values.get(first.bound_key),
            "values": values, "seconds": result["seconds"]}


# ---------------------------------------------------------------------------------------- results files
def results_path(out_dir: str | os.PathLike, scenario: str) -> Path:
    return Path(out_dir) / f"{scenario}.jsonl"


def read_results(path: str | os.PathLike) -> list[dict]:
    """Records of a results file; a torn last line (a crash mid-write) is dropped and cut from the file."""
    path = Path(path)
    if not path.exists():
        return []
    text = path.read_text()
    records, good_len = [], 0
    for line in text.splitlines(keepends=True):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            break
        if not line.endswith("\n"):
            break
        records.append(rec)
        good_len += len(line)
    if good_len != len(text):  # keep only whole lines, so appends stay parseable
        tmp = path.with_suffix(".jsonl.tmp")
        tmp.write_text(text[:good_len])
        os.replace(tmp, path)
    return records


def _append(fh, record: dict) -> None:
    fh.write(json.dumps(record) + "\n")
    fh.flush()
    os.fsync(fh.fileno())


# ---------------------------------------------------------------------------------------- backends
def _serial(jobs: Sequence[tuple[Cell, Callable]]) -> Iterator[tuple[Cell, dict]]:
    for cell, fn in jobs:
        yield cell, execute_cell(fn, cell.params, cell.seed)


def _pool(jobs: Sequence[tuple[Cell, Callable]], workers: int) -> Iterator[tuple[Cell, dict]]:
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as ex:
        futures = {ex.submit(execute_cell, fn, cell.params, cell.seed): cell for cell, fn in jobs}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()


def _dask(jobs: Sequence[tuple[Cell, Callable]], scheduler: str) -> Iterator[tuple[Cell, dict]]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError as exc:  # pragma: no cover - optional dependency
        raise ValueError("--scheduler needs dask.distributed: pip install 'mdplab[dask]'") from exc
    with Client(scheduler, set_as_default=False) as client:
        cells, futures = {}, []
        for cell, fn in jobs:
            fut = client.submit(execute_cell, fn, cell.params, cell.seed, pure=False)
            cells[fut.key] = cell
            futures.append(fut)
        for fut in dask_completed(futures):
            yield cells[fut.key], fut.result()


def run_cells(scenarios: Sequence[Scenario], size: str = "quick", *, n_seeds: int | None = None,
              out_dir: str | os.PathLike = "mdplab-results", resume: bool = False, workers: int = 1,
              scheduler: str | None = None, progress: bool = False) -> dict[str, list[dict]]:
    """Run every cell of ``scenarios`` and return ``{scenario name: records}`` (resumed + new, in grid order).

    Without ``resume`` each scenario's results file is started afresh; with it, cells already in the file
    are skipped.  A cell that raises does not stop the sweep: its record holds ``error`` (and is not
    written to the file, so ``resume`` retries it), and :func:`evaluate_scenario` turns it into FAIL.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if workers < 1:
        raise ValueError(f"--workers must be >= 1; got {workers}")
    done: dict[tuple, dict] = {}
    jobs: list[tuple[Cell, Callable]] = []
    planned: dict[str, list[Cell]] = {}
    for sc in scenarios:
        path = results_path(out, sc.name)
        if resume:
            for rec in read_results(path):
                done.setdefault((rec["scenario"], params_key(rec["params"]), int(rec["seed_index"])), rec)
        elif path.exists():
            path.unlink()
        planned[sc.name] = plan_cells(sc, size, n_seeds)
        jobs += [(c, sc.cell) for c in planned[sc.name] if c.key not in done]
    by_name = {sc.name: sc for sc in scenarios}
    handles = {name: open(results_path(out, name), "a") for name in planned}
    try:
        from tqdm import tqdm

        total = sum(len(v) for v in planned.values())
        with tqdm(total=total, initial=total - len(jobs), disable=not progress, desc="cells", unit="cell") as bar:
            if scheduler:
                stream = _dask(jobs, scheduler)
            elif workers > 1 and len(jobs) > 1:
                stream = _pool(jobs, workers)
            else:
                stream = _serial(jobs)
            for cell, result in stream:
                if cell.key in done:  # a rescheduled duplicate: keep the first
                    continue
                if "error" in result:  # kept in memory only: resume retries it
                    done[cell.key] = {"scenario": cell.scenario, "params": cell.params, "seed_index": cell.seed_index,
                                      "seed": cell.seed, "error": result["error"], "seconds": result["seconds"]}
                    bar.update(1)
                    continue
                rec = _record(cell, by_name[cell.scenario], result)
                _append(handles[cell.scenario], rec)
                done[cell.key] = rec
                bar.update(1)
    finally:
        for fh in handles.values():
            fh.close()
    return {name: [done[c.key] for c in cells] for name, cells in planned.items()}


# ---------------------------------------------------------------------------------------- reproduce
def reproduce(names: Sequence[str], size: str = "quick", *, n_seeds: int | None = None,
              out_dir: str | os.PathLike = "mdplab-results", resume: bool = False, workers: int = 1,
              scheduler: str | None = None, progress: bool = False, report: bool = True) -> list[dict]:
    """Run the named scenarios, check them, write the report; return the verdict rows."""
    scenarios = [get_scenario(n) for n in names]
    results = run_cells(scenarios, size, n_seeds=n_seeds, out_dir=out_dir, resume=resume, workers=workers,
                        scheduler=scheduler, progress=progress)
    rows = [row for sc in scenarios for row in evaluate_scenario(sc, results[sc.name])]
    if report:
        write_report(out_dir, results, rows, size)
    return rows
