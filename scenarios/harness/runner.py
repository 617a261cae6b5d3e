"""Run scenarios: cells on a serial, process-pool or dask.distributed backend, results files, verdicts, report.

A *cell* is ``(scenario, params, seed index)``.  Its seed is derived from ``(scenario name, seed
index)`` alone (:func:`cell_seed`, a SHA-256 of the two, never process state), so the serial,
process-pool and Dask backends compute identical numbers, and all grid points of one seed index share
an instance.  Each finished cell is appended, as one JSON line, to ``<out>/<scenario>.jsonl`` the moment
it finishes (flush + fsync), by the driver process only: a crash loses at most the cells in flight,
and ``resume=True`` skips every cell already in the file that the same code made.  A line holds ``scenario,
params, seed_index, seed, values`` (every number the cell returned), ``measured`` and ``bound`` (those of the
scenario's first check), ``seconds`` and ``provenance`` (:func:`cell_provenance`: a hash of the cell's source
file and the package versions).  Finished records are never deleted except by ``overwrite=True``
(``--overwrite``); reading a results file never modifies it (:func:`read_results`); one run at a time per
directory (:class:`RunLock`).

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
    if n_seeds is not None and (isinstance(n_seeds, bool) or not float(n_seeds).is_integer()):
        raise ValueError(f"--seeds must be an integer >= 1; got {n_seeds}")
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


#: the packages whose versions can change a cell's numbers (recorded with every record)
PROVENANCE_PACKAGES = ("mdplab", "numpy", "scipy", "numba")


def cell_provenance(scenario: Scenario) -> dict:
    """What made a record: ``code`` (SHA-256 of the source file defining the scenario's cell function, so any
    edit to the cell or the helpers beside it changes it) and ``versions`` of :data:`PROVENANCE_PACKAGES`.
    ``resume`` reuses a record only when this matches exactly."""
    import inspect
    from importlib import metadata

    fn = scenario.cell
    try:
        src = Path(inspect.getsourcefile(fn)).read_bytes()
    except (TypeError, OSError):  # no source (a builtin, an interactive function): its compiled code
        src = getattr(getattr(fn, "__code__", None), "co_code", repr(fn).encode())
    code = hashlib.sha256(f"{getattr(fn, '__module__', '')}\n".encode() + src)
    versions = {}
    for pkg in PROVENANCE_PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {"code": code.hexdigest()[:16], "versions": versions}


def _record(cell: Cell, scenario: Scenario, result: dict, provenance: dict) -> dict:
    first = scenario.checks[0]
    values = result["values"]
    return {"scenario": cell.scenario, "params": cell.params, "seed_index": cell.seed_index, "seed": cell.seed,
            "measured": values.get(first.measured_key), "bound": values.get(first.bound_key),
            "values": values, "seconds": result["seconds"], "provenance": provenance}


# ---------------------------------------------------------------------------------------- results files
def results_path(out_dir: str | os.PathLike, scenario: str) -> Path:
    return Path(out_dir) / f"{scenario}.jsonl"


#: keys every record of a results file has (``provenance`` since issue 15)
RECORD_KEYS = ("scenario", "params", "seed_index", "seed", "values", "seconds")


class ResultsFileWarning(UserWarning):
    """A results file has lines that are not records (garbled, torn, not a JSON object); they are skipped
    and named by line number, the other records are kept.  Reading never modifies the file."""


def _parse_record(line: str) -> dict | None:
    try:
        rec = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(rec, dict) or any(k not in rec for k in RECORD_KEYS) or not isinstance(rec["values"], dict):
        return None
    return rec


def read_results(path: str | os.PathLike) -> list[dict]:
    """Records of a results file.  Read-only: the file is never modified.  A line that is not a record (a
    torn last line left by a crash, a garbled line, a JSON value that is not a record object) is skipped with
    a :class:`ResultsFileWarning` naming the file and line; every other record is returned."""
    import warnings

    path = Path(path)
    if not path.exists():
        return []
    text = path.read_text(errors="replace")
    records, bad = [], []
    lines = text.splitlines(keepends=True)
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        rec = _parse_record(line)
        if rec is None:
            bad.append(n)
        else:
            records.append(rec)
    if bad:
        torn = bad == [len(lines)] and not lines[-1].endswith("\n")
        what = ("a torn last line (an interrupted write)" if torn else
                f"line(s) {', '.join(map(str, bad[:10]))}{' ...' if len(bad) > 10 else ''} that are not records")
        warnings.warn(f"{path}: skipped {what}; kept the other {len(records)} record(s)", ResultsFileWarning,
                      stacklevel=2)
    return records


def _cut_torn_last_line(path: Path) -> None:
    """Writer's repair before appending (resume): cut a last line without its newline (a crash mid-write), so
    the next record starts on a line of its own.  Only that line; nothing else is touched."""
    if not path.exists():
        return
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return
    keep = data.rfind(b"\n") + 1
    with open(path, "r+b") as fh:
        fh.truncate(keep)
        fh.flush()
        os.fsync(fh.fileno())


# ---------------------------------------------------------------------------------------- lock
LOCK_NAME = ".mdplab-run.lock"


class RunLock:
    """An exclusive lock on a results directory: ``<out>/.mdplab-run.lock`` created with ``O_EXCL`` and holding
    the owner's pid; a second run on the same ``--out`` is refused with a message.  A lock whose process no
    longer exists (a killed run) is taken over."""

    def __init__(self, out: Path) -> None:
        self.path = out / LOCK_NAME
        self.fd: int | None = None

    def __enter__(self) -> "RunLock":
        for _ in range(2):
            try:
                self.fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                os.write(self.fd, f"{os.getpid()}\n".encode())
                return self
            except FileExistsError:
                pid = self._owner()
                if pid is not None and _alive(pid):
                    raise ValueError(f"{self.path.parent} is in use by another mdplab run (pid {pid}, lock file "
                                     f"{self.path}); wait for it, or use another --out") from None
                try:  # the owner is gone: a stale lock
                    self.path.unlink()
                except FileNotFoundError:
                    pass
        raise ValueError(f"could not take the lock {self.path}; remove it if no mdplab run uses {self.path.parent}")

    def _owner(self) -> int | None:
        try:
            return int(self.path.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
              scheduler: str | None = None, progress: bool = False, overwrite: bool = False) -> dict[str, list[dict]]:
    """Run every cell of ``scenarios`` and return ``{scenario name: records}`` (resumed + new, in grid order).

    Every argument is validated before any file is touched.  A scenario whose results file already holds
    records needs ``resume=True`` (skip the cells whose record was made by the same code and package versions,
    :func:`cell_provenance`; a record made by other code or versions is refused with a message, never mixed in)
    or ``overwrite=True`` (discard them and start afresh); otherwise a :class:`ValueError` says so and nothing
    is changed.  The directory is locked for the run (:class:`RunLock`).  A cell that raises does not stop the
    sweep: its record holds ``error`` (and is not written to the file, so ``resume`` retries it), and
    :func:`evaluate_scenario` turns it into FAIL.
    """
    # ---- validate everything first: no file is created, cut or deleted before this block passes
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"--workers must be an integer >= 1; got {workers}")
    if resume and overwrite:
        raise ValueError("--resume and --overwrite contradict each other: resume keeps the finished records, "
                         "overwrite discards them")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a directory")
    planned: dict[str, list[Cell]] = {sc.name: plan_cells(sc, size, n_seeds) for sc in scenarios}
    provenance = {sc.name: cell_provenance(sc) for sc in scenarios}
    out.mkdir(parents=True, exist_ok=True)
    if not os.access(out, os.W_OK):
        raise ValueError(f"--out {out} is not writable")
    with RunLock(out):
        done: dict[tuple, dict] = {}
        for sc in scenarios:
            path = results_path(out, sc.name)
            old = read_results(path)
            if old and not (resume or overwrite):
                raise ValueError(f"{path} already holds {len(old)} finished record(s); pass --resume to continue "
                                 f"them or --overwrite to discard them (or use another --out)")
            if resume:
                stale = [r for r in old if r.get("provenance") != provenance[sc.name]]
                if stale:
                    raise ValueError(
                        f"{path}: {len(stale)} of {len(old)} record(s) were made by other code or package versions "
                        f"than this run's ({_describe_provenance(stale[0].get('provenance'), provenance[sc.name])}); "
                        f"resume will not mix them in: pass --overwrite to recompute them, or use another --out")
                for rec in old:
                    done.setdefault((rec["scenario"], params_key(rec["params"]), int(rec["seed_index"])), rec)
        for sc in scenarios:  # the writer's side: only now are files changed
            path = results_path(out, sc.name)
            if resume:
                _cut_torn_last_line(path)
            elif path.exists():
                path.unlink()  # overwrite=True, or a file without records
        jobs = [(c, sc.cell) for sc in scenarios for c in planned[sc.name] if c.key not in done]
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
                        done[cell.key] = {"scenario": cell.scenario, "params": cell.params,
                                          "seed_index": cell.seed_index, "seed": cell.seed, "error": result["error"],
                                          "seconds": result["seconds"]}
                        bar.update(1)
                        continue
                    rec = _record(cell, by_name[cell.scenario], result, provenance[cell.scenario])
                    _append(handles[cell.scenario], rec)
                    done[cell.key] = rec
                    bar.update(1)
        finally:
            for fh in handles.values():
                fh.close()
    return {name: [done[c.key] for c in cells] for name, cells in planned.items()}


def _describe_provenance(old: dict | None, new: dict) -> str:
    if not isinstance(old, dict):
        return "the record carries no provenance: an older mdplab wrote it"
    diffs = []
    if old.get("code") != new["code"]:
        diffs.append(f"cell code {old.get('code')} vs {new['code']}")
    ov = old.get("versions") or {}
    diffs += [f"{k} {ov.get(k)} vs {v}" for k, v in new["versions"].items() if ov.get(k) != v]
    return "; ".join(diffs) or "provenance differs"


# ---------------------------------------------------------------------------------------- reproduce
def reproduce(names: Sequence[str], size: str = "quick", *, n_seeds: int | None = None,
              out_dir: str | os.PathLike = "mdplab-results", resume: bool = False, workers: int = 1,
              scheduler: str | None = None, progress: bool = False, report: bool = True,
              overwrite: bool = False) -> list[dict]:
    """Run the named scenarios, check them, write the report; return the verdict rows.  Every argument is
    validated (names, size, seeds, workers) before any file is touched (:func:`run_cells`)."""
    scenarios = [get_scenario(n) for n in names]
    results = run_cells(scenarios, size, n_seeds=n_seeds, out_dir=out_dir, resume=resume, workers=workers,
                        scheduler=scheduler, progress=progress, overwrite=overwrite)
    rows = [row for sc in scenarios for row in evaluate_scenario(sc, results[sc.name])]
    if report:
        write_report(out_dir, results, rows, size)
    return rows
