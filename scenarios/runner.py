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

Then :func:`evaluate_scenario` applies the scenario's checks (:mod:`bounds.checkers`) to the records,
:func:`verdict_table` formats them and :func:`write_report` writes ``<out>/report.md`` with one figure
per scenario in ``<out>/figures/``.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from bounds.checkers import FAIL, INCONCLUSIVE, Verdict, check_bound, check_lower, check_rate
from bounds.core import Bound, UnknownSymbolError, get_bound

from .registry import SIZES, Check, Scenario, get_scenario


# ---------------------------------------------------------------------------------------- cells
def cell_seed(scenario: str, seed_index: int) -> int:
    """Deterministic 32-bit seed of ``(scenario, seed_index)``: the same on every backend and run."""
    digest = hashlib.sha256(f"mdplab-cell:{scenario}:{int(seed_index)}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def params_key(params: dict) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"))


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
    import numba

    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    t0 = time.perf_counter()
    try:
        out = cell_fn(dict(params), int(seed))
    except Exception as exc:  # reported as the scenario's FAIL, never written to the results file
        return {"error": f"{type(exc).__name__}: {exc}", "seconds": time.perf_counter() - t0}
    finally:
        numba.set_num_threads(threads)
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


# ---------------------------------------------------------------------------------------- verdicts
def _bound_values(bound: Bound, check: Check, records: list[dict]) -> np.ndarray:
    out = []
    for rec in records:
        if check.bound_key in rec["values"]:
            out.append(rec["values"][check.bound_key])
        else:
            names = {s.name for s in bound.symbols + bound.constants}
            out.append(bound.evaluate({k: v for k, v in rec["params"].items() if k in names}))
    return np.asarray(out, dtype=np.float64)


def run_check(scenario: Scenario, check: Check, records: list[dict]) -> Verdict:
    """Apply one check to a scenario's records (see :mod:`bounds.checkers`)."""
    bound = get_bound(check.bound)
    if check.kind in ("bound", "lower"):
        want = "<=" if check.kind == "bound" else ">="
        if bound.relation != want:
            raise ValueError(f"scenario {scenario.name!r}: a {check.kind!r} check needs a bound with relation "
                             f"{want!r}; {bound.name!r} has {bound.relation!r}")
        measured = np.asarray([r["values"].get(check.measured_key, np.nan) for r in records], dtype=np.float64)
        unset = [c.name for c in bound.constants]
        if unset and any(check.bound_key not in r["values"] for r in records):
            return Verdict(INCONCLUSIVE, f"{bound.name} has unknown constants {unset} and the cells give no bound "
                                           f"value ({check.bound_key!r}); constants are never fitted")
        b = _bound_values(bound, check, records)
        tol = check.tolerance
        scale = None if tol.scale_key is None else np.asarray([r["values"][tol.scale_key] for r in records])
        fn = check_bound if check.kind == "bound" else check_lower
        return fn(measured, b, rtol=tol.rtol, atol=tol.atol, scale=scale)
    # rate: one parameter swept, everything else fixed
    x_name = check.rate_parameter
    others = {params_key({k: v for k, v in r["params"].items() if k != x_name}) for r in records}
    if len(others) > 1:
        raise ValueError(f"scenario {scenario.name!r}: a rate check sweeps {x_name!r} only; other parameters vary "
                         f"({len(others)} combinations)")
    xs = sorted({float(r["params"][x_name]) for r in records})
    seeds = sorted({int(r["seed_index"]) for r in records})
    table = {(float(r["params"][x_name]), int(r["seed_index"])): r["values"].get(check.measured_key, np.nan)
             for r in records}
    complete = [j for j in seeds if all((x, j) in table for x in xs)]
    y = np.asarray([[table[(x, j)] for j in complete] for x in xs], dtype=np.float64).reshape(len(xs), len(complete))
    fixed = {k: v for k, v in records[0]["params"].items() if k != x_name} if records else {}
    names = {s.name for s in bound.symbols + bound.constants}
    claimed = bound.slope(x_name, check.scale, {k: v for k, v in fixed.items() if k in names})
    return check_rate(xs, y, claimed, scale=check.scale, alternative=check.alternative, slope_atol=check.slope_atol,
                      max_ci_width=check.max_ci_width, min_seeds=check.min_seeds, min_points=check.min_points)


def evaluate_scenario(scenario: Scenario, records: list[dict]) -> list[dict]:
    """One row per check: ``scenario, theorem, checker, quantity`` (the cell output checked), ``verdict,
    reason, measured, bound, source, details``.  Cells that raised make every check FAIL."""
    rows = []
    errors = [r for r in records if "error" in r]
    for check in scenario.checks:
        if errors:
            v = Verdict(FAIL, f"{len(errors)}/{len(records)} cells raised; first: {errors[0]['error']}"[:300])
        else:
            v = run_check(scenario, check, records)
        bound = get_bound(check.bound)
        rows.append({"scenario": scenario.name, "theorem": check.bound, "checker": check.kind,
                     "quantity": check.measured_key, "verdict": v.status, "reason": v.reason, "measured": v.measured, "bound": v.bound,
                     "source": bound.source.cite(), "details": v.details})
    return rows


def _finite_or_none(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite_or_none(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite_or_none(v) for v in x]
    return x


def json_rows(rows: Iterable[dict]) -> list[dict]:
    """Rows with non-finite floats replaced by ``None`` (strict JSON)."""
    return [_finite_or_none(dict(r)) for r in rows]


def verdict_table(rows: Sequence[dict]) -> str:
    """A plain-text table: scenario, theorem, check, verdict, measured, bound, reason."""
    head = ("scenario", "theorem", "check", "verdict", "measured", "bound", "reason")
    fmt = lambda x: "-" if x is None else (f"{x:.4g}" if isinstance(x, float) else str(x))  # noqa: E731
    body = [tuple(fmt(r[k]) for k in ("scenario", "theorem", "checker", "verdict", "measured", "bound", "reason"))
            for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
    widths[-1] = len(head[-1])
    line = lambda cols: "  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(tuple("-" * w for w in widths))] + [line(b) for b in body])


# ---------------------------------------------------------------------------------------- report
def save_figure(fig, out_dir: str | os.PathLike, name: str) -> Path:
    """Write ``fig`` as ``<out_dir>/<name>`` (PNG, 120 dpi), creating the folder, close it, return the path:
    the last step of every ``paper_figs`` script."""
    import matplotlib.pyplot as plt

    out = Path(out_dir) / name
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def plot_bound_curve(ax, bound: Bound, symbol: str, xs, values: dict, label_prefix: str = "", **style):
    """Draw ``bound`` against ``symbol`` over ``xs`` with the other symbols at ``values``: the curve is
    the bound's own sympy expression (lambdified through the stored Symbols, conditions checked at
    the ends of the range) and the legend is ``sympy.latex`` of it."""
    import sympy as sp

    x = bound.symbol(symbol)
    subs = bound.substitution({k: v for k, v in values.items() if bound.symbol(k) != x}, partial=True)
    expr = bound.expr.subs(subs)
    if expr.free_symbols - {x}:
        raise ValueError(f"plot_bound_curve: {bound.name} still depends on {expr.free_symbols - {x}}")
    xs = np.asarray(xs, dtype=float)
    for xv in (xs.min(), xs.max()):
        bound.substitution({**values, symbol: xv} if x.is_integer is not True else {**values, symbol: round(xv)},
                           partial=True)
    f = sp.lambdify(x, expr, "numpy")
    ys = np.broadcast_to(np.asarray(f(xs), dtype=float), xs.shape)
    rel = {"<=": r"\leq", ">=": r"\geq"}[bound.relation]
    label = f"{label_prefix}${rel} {sp.latex(bound.expr)}$"
    return ax.plot(xs, ys, label=label, **style)


def scenario_figure(scenario: Scenario, records: list[dict], rows: list[dict], path: Path) -> Path:
    """Generic figure: for a rate check, measured (per seed) and bound against the rate parameter; otherwise
    measured against bound per cell, with the line measured = bound."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    checks = scenario.checks
    fig, axes = plt.subplots(1, len(checks), figsize=(4.6 * len(checks), 3.8), squeeze=False)
    fig.subplots_adjust(left=0.16 / len(checks), right=1 - 0.03 / len(checks), bottom=0.14, top=0.9,
                        wspace=0.35)  # fixed margins: tight_layout costs ~1 s a figure
    for ax, check, row in zip(axes[0], checks, rows):
        m = np.asarray([r["values"].get(check.measured_key, np.nan) for r in records], dtype=float)
        try:
            b = _bound_values(get_bound(check.bound), check, records)
        except UnknownSymbolError:  # unknown constants or per-instance symbols: no bound values to draw
            b = np.full(m.shape, np.nan)
        if check.kind == "rate":
            x = np.asarray([r["params"][check.rate_parameter] for r in records], dtype=float)
            ax.scatter(x, m, s=10, alpha=0.6, label="measured (per seed)")
            order = np.argsort(x)
            if np.isfinite(b).any():
                ax.plot(x[order], b[order], "k.", ms=3, label="bound (per cell)")
            d = row.get("details", {})
            if "intercept" in d:
                xs = np.unique(x)
                t = np.log(xs) if check.scale == "loglog" else xs
                ax.plot(xs, np.exp(d["intercept"] + d["slope"] * t), "C1-", lw=1,
                        label=f"fit: slope {d['slope']:.4g} (claimed {d['claimed']:.4g})")
            ax.set_yscale("log")
            if check.scale == "loglog":
                ax.set_xscale("log")
            ax.set_xlabel(check.rate_parameter)
            ax.set_ylabel(check.measured_key)
        else:
            ax.scatter(b, m, s=10, alpha=0.6, label="cells")
            finite = np.isfinite(b) & np.isfinite(m)
            lo = float(min(b[finite].min(), m[finite].min())) if finite.any() else 0.0
            hi = float(max(b[finite].max(), m[finite].max())) if finite.any() else 1.0
            ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="measured = bound")
            if finite.any() and (b[finite] > 0).all() and (m[finite] > 0).all():
                ax.set_xscale("log")
                ax.set_yscale("log")
            ax.set_xlabel("bound")
            ax.set_ylabel(check.measured_key)
        ax.set_title(f"{check.bound} [{check.kind}]: {row['verdict']}", fontsize=8)
        ax.legend(fontsize=7)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def write_report(out_dir: str | os.PathLike, results: dict[str, list[dict]], rows: list[dict], size: str) -> Path:
    """``<out>/report.md``: the verdict table, then per scenario its theorems, family, algorithm and figure."""
    out = Path(out_dir)
    lines = ["# mdplab theorem reproduction", "", f"Size: `{size}`. Results files: `<scenario>.jsonl` beside this "
             "report (one JSON line per cell).", "",
             "| scenario | theorem | check | quantity | verdict | measured | bound | reason |",
             "|---|---|---|---|---|---|---|---|"]
    fmt = lambda x: "-" if x is None else (f"{x:.4g}" if isinstance(x, float) else str(x))  # noqa: E731
    for r in rows:
        lines.append(f"| {r['scenario']} | `{r['theorem']}` | {r['checker']} | {r['quantity']} | **{r['verdict']}** "
                     f"| {fmt(r['measured'])} "
                     f"| {fmt(r['bound'])} | {r['reason']} |")
    for name, records in results.items():
        sc = get_scenario(name)
        records = [r for r in records if "error" not in r]
        sc_rows = [r for r in rows if r["scenario"] == name]
        lines += ["", f"## {name}", "", sc.description, "", f"- instances: {sc.family}", f"- algorithm: `{sc.algorithm}`",
                  f"- cells: {len(records)}, seconds: {sum(r['seconds'] for r in records):.2f}"]
        try:
            fig = scenario_figure(sc, records, sc_rows, out / "figures" / f"{name}.png")
        except Exception as exc:  # a figure is secondary: report the failure, keep the verdicts
            fig = None
            lines.append(f"- figure failed: {type(exc).__name__}: {exc}")
        for b in dict.fromkeys(c.bound for c in sc.checks):
            lines.append(f"- bound: {get_bound(b).describe()}")
        if fig is not None:
            lines += ["", f"![{name}](figures/{fig.name})"]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path


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
