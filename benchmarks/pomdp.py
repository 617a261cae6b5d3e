"""POMDP planning benchmark (issue 3).

1. Exact finite-horizon Tiger (tiger.95.POMDP, gamma = 0.95, b0 uniform): mdplab's incremental pruning
   against pomdp-py's exhaustive ``ValueIteration`` (policy-tree enumeration) for growing H.  Both run on this
   machine in this script; pomdp-py runs in a forked child per H only so that it can be stopped after
   ``--peer-timeout`` seconds (its Cython loop cannot be interrupted in-process); the time reported for it is
   measured inside the child around ``plan()``.  mdplab's numba kernels are compiled before timing.  The
   greedy action at b0 is compared (pomdp-py does not expose its value).  Times are the minimum over
   ``REPEATS`` runs for both (the machine is shared; the minimum is the least noisy estimate).
2. Time to certify Tiger's V*(b0) to 1e-6 (``discounted_value_iteration``).
3. Lower/upper bounds at b0 against time (~2, 10, 30, 60 s) on hallway, tiger-grid, 4x4.95 and mini-hall2 for the
   old solvers (``point_based_value_iteration``: Perseus lower + sawtooth upper on a PBVI belief set;
   ``heuristic_search_value_iteration``: HSVI in numpy) and the new ``hsvi2`` (numba kernels), next to the
   reference information of ../shared/data/reference_values/pomdp_reference_values.json (published values with
   their source, else the file's own note and the FIB / blind bounds computed there).
4. With ``--pomdpsol PATH`` the same table for SARSOP (Kurniawati, Hsu & Lee 2008), run as the peer's own
   ``pomdpsol`` binary (built by the user from https://github.com/AdaCompNUS/sarsop; not shipped here) on the
   same file with ``--timeout`` = ``--pb-seconds`` and ``--precision 1e-6``.  Its bounds are read from the
   progress table it prints (``Time | #Trial | #Backup | LBound | UBound | ...``); the time column is
   pomdpsol's own clock.  pomdpsol's bounds carry no floating-point allowance, hsvi2's do (about 1e-10).

Run: ``python benchmarks/pomdp.py [--max-h 6] [--peer-timeout 60] [--pb-seconds 60] [--files hallway,tiger-grid]
[--only-pb] [--solvers perseus,hsvi,hsvi2] [--pomdpsol /path/to/pomdpsol] [--plot bounds.png]``.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from mdplab.cassandra import read_cassandra
from mdplab.pomdp_planning import (discounted_value_iteration, finite_horizon_value_iteration,
                                   heuristic_search_value_iteration, hsvi2, point_based_value_iteration)

DATA = Path(os.environ.get("MDPLAB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


REPEATS = 5


def _pomdp_py_child(H: int, q) -> None:
    import pomdp_py
    from pomdp_py.problems.tiger import tiger_problem as tp

    best, action = np.inf, None
    for _ in range(REPEATS):
        tiger = tp.make_tiger(noise=0.15, init_state="tiger-left", init_belief=[0.5, 0.5])
        vi = pomdp_py.ValueIteration(horizon=H, discount_factor=0.95)
        t0 = time.perf_counter()
        action = vi.plan(tiger.agent)
        best = min(best, time.perf_counter() - t0)
        if best > 5.0:
            break
    q.put((best, str(action)))


def pomdp_py_time(H: int, timeout: float) -> tuple[float | None, str | None]:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_pomdp_py_child, args=(H, q))
    p.start()
    p.join(timeout)
    if p.is_alive():
        p.terminate()
        p.join()
        return None, None
    return q.get() if not q.empty() else (None, None)


def tiger_table(max_h: int, timeout: float) -> list[tuple]:
    m = read_cassandra(DATA / "pomdp" / "tiger.95.POMDP")
    finite_horizon_value_iteration(m, 2)                      # compile the kernels
    names = ["listen", "open-left", "open-right"]
    rows = []
    peer_alive = True
    for H in range(1, max_h + 1):
        ours = np.inf
        for _ in range(REPEATS):                                # min of repeats: the machine is shared
            t0 = time.perf_counter()
            sol = finite_horizon_value_iteration(m, H)
            ours = min(ours, time.perf_counter() - t0)
        peer, peer_action = (None, None)
        if peer_alive:
            peer, peer_action = pomdp_py_time(H, timeout)
            peer_alive = peer is not None
        our_action = names[int(sol.alpha.action[sol.alpha.best(m.b0)])]
        rows.append((H, sol.value, sol.n_alpha, ours, peer, our_action, peer_action))
        print(f"H={H:3d}  V_H(b0)={sol.value:12.8f}  |alpha|={sol.n_alpha:4d}  mdplab {ours:8.4f}s  "
              f"pomdp-py {'>' + str(timeout) + 's' if peer is None else f'{peer:8.4f}s'}  "
              f"speedup {'-' if peer is None else f'{peer / ours:8.1f}x'}  action {our_action}/{peer_action}",
              flush=True)
    return rows


def certify_tiger(tol: float) -> None:
    m = read_cassandra(DATA / "pomdp" / "tiger.95.POMDP")
    t0 = time.perf_counter()
    sol = discounted_value_iteration(m, tol=tol)
    print(f"tiger.95 certified: [{sol.lower:.9f}, {sol.upper:.9f}] width {sol.upper - sol.lower:.2e} "
          f"(tol {tol:g}) in {time.perf_counter() - t0:.2f}s, {sol.iterations} backups, {sol.n_alpha} vectors, "
          f"converged={sol.converged}", flush=True)


#: the times (s) at which the bounds are reported
REPORT_TIMES = (2.0, 10.0, 30.0, 60.0)
#: short names -> Cassandra files in $MDPLAB_SHARED_DATA/pomdp
FILES = {"hallway": "hallway.POMDP", "tiger-grid": "tiger-grid.POMDP", "4x4.95": "4x4.95.POMDP",
         "mini-hall2": "mini-hall2.POMDP"}


def reference_note(filename: str) -> str:
    """What pomdp_reference_values.json says about ``filename``: its published value (with source) if any."""
    path = DATA / "reference_values" / "pomdp_reference_values.json"
    if not path.is_file():
        return "reference file absent"
    entry = json.loads(path.read_text())["files"].get(filename, {})
    here = entry.get("computed_here", {})
    published = entry.get("published", "none recorded")
    return (f"published: {published} | computed there: FIB upper {here.get('FIB_upper_bound_at_b0')}, "
            f"blind lower {here.get('blind_lower_bound_at_b0')}")


def bounds_at(history: np.ndarray, t: float) -> tuple[float, float, float] | None:
    """The last history row at or before ``t`` seconds (``None`` if the run had not started by then)."""
    i = int(np.searchsorted(history[:, 0], t, side="right")) - 1
    return None if i < 0 else tuple(history[i])


#: one row of pomdpsol's progress table: time, #trial, #backup, lower, upper, precision, #alphas, #beliefs
_SARSOP_ROW = re.compile(r"^\s*([0-9.eE+-]+)\s+\d+\s+\d+\s+([0-9.eE+-]+)\s+([0-9.eE+-]+)\s+[0-9.eE+-]+\s+\d+\s+\d+\s*$")


def sarsop_history(text: str) -> np.ndarray:
    """``(seconds, lower, upper)`` rows of pomdpsol's progress table (its time column, its bounds)."""
    rows = [tuple(float(g) for g in m.groups()) for m in map(_SARSOP_ROW.match, text.splitlines()) if m]
    return np.asarray(rows, dtype=np.float64).reshape(-1, 3)


def run_pomdpsol(pomdpsol: str, path: Path, seconds: float) -> tuple[np.ndarray, str]:
    """Run the peer's ``pomdpsol`` on ``path`` for ``seconds``; its history and how it ended (last message)."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [pomdpsol, str(path), "--timeout", f"{seconds:g}", "--precision", "1e-6",
               "--output", str(Path(tmp) / "out.policy")]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120.0, cwd=tmp)
        except subprocess.TimeoutExpired:
            return np.empty((0, 3)), f"pomdpsol did not stop within {seconds + 120.0:g} s"
    text = out.stdout + out.stderr
    end = [ln.strip() for ln in text.splitlines() if ln.strip().startswith(("ERROR", "Preset timeout",
                                                                             "target precision reached"))]
    status = end[0] if end else f"exit code {out.returncode}"
    return sarsop_history(text), status


def time_cells(history: np.ndarray, seconds: float) -> tuple[list[tuple], str]:
    """The history's rows at the report times, and one line showing them (start row first).  A time after the
    run ended shows the final bounds (they hold from then on)."""
    cells = [(t, bounds_at(history, t)) for t in REPORT_TIMES if t <= seconds + 1e-9]

    def gap(r) -> str:
        g = r[2] - r[1]
        return f"{g:.4f}" if g >= 1e-4 else f"{g:.1e}"

    txt = "  ".join(f"~{t:g}s [{r[1]:.4f}, {r[2]:.4f}] gap {gap(r)}" if r else f"~{t:g}s -" for t, r in cells)
    return cells, f"start [{history[0, 1]:.4f}, {history[0, 2]:.4f}]  {txt}"


def gap_vs_time(short: str, seconds: float, solvers: list[str], pomdpsol: str | None = None) -> list[tuple]:
    name = FILES.get(short, short)
    m = read_cassandra(DATA / "pomdp" / name)
    runs = {"perseus": lambda: point_based_value_iteration(m, max_seconds=seconds, n_beliefs=512, seed=0),
            "hsvi": lambda: heuristic_search_value_iteration(m, max_seconds=seconds, tol=1e-6),
            "hsvi2": lambda: hsvi2(m, max_seconds=seconds, tol=1e-6)}
    print(f"{name}: S={m.n_states} A={m.n_actions} O={m.n_observations}; {reference_note(name)}", flush=True)
    rows = []
    if pomdpsol:
        hist, status = run_pomdpsol(pomdpsol, DATA / "pomdp" / name, seconds)
        if hist.shape[0] == 0:
            print(f"  sarsop   no progress rows ({status})", flush=True)
        else:
            cells, txt = time_cells(hist, seconds)
            print(f"  sarsop   {txt}  (end {hist[-1, 0]:.1f}s [{hist[-1, 1]:.6f}, {hist[-1, 2]:.6f}]; {status})",
                  flush=True)
            rows.append((short, "sarsop", cells, hist))
    for label in solvers:
        sol = runs[label]()
        cells, txt = time_cells(sol.history, seconds)
        print(f"  {label:8s} {txt}  (end {sol.seconds:.1f}s [{sol.lower:.6f}, {sol.upper:.6f}], {sol.iterations} "
              f"rounds/trials, {sol.n_alpha} vectors)", flush=True)
        rows.append((short, label, cells, sol.history))
    return rows


def plot_bounds(rows: list[tuple], out: Path) -> Path:
    """One panel per file: each solver's lower and upper bound at b0 against time (step curves, log time axis)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scenarios.harness.report import save_figure

    files = list(dict.fromkeys(r[0] for r in rows))
    fig, axes = plt.subplots(1, len(files), figsize=(4.2 * len(files), 3.4), squeeze=False)
    for ax, short in zip(axes[0], files):
        for k, (_, label, _, hist) in enumerate(r for r in rows if r[0] == short):
            t = np.maximum(hist[:, 0], 1e-3)
            ax.step(t, hist[:, 2], where="post", color=f"C{k}", label=f"{label} upper")
            ax.step(t, hist[:, 1], where="post", color=f"C{k}", ls="--", label=f"{label} lower")
        ax.set_xscale("log")
        ax.set_xlabel("seconds")
        ax.set_ylabel("bound on V*(b0)")
        ax.set_title(short, fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, out.parent, out.name)


def warm_up() -> None:
    """Compile the numba kernels before any timing (tiny run on tiger.95)."""
    m = read_cassandra(DATA / "pomdp" / "tiger.95.POMDP")
    hsvi2(m, max_seconds=None, max_trials=3, tol=0.0)
    point_based_value_iteration(m, max_seconds=1.0, n_beliefs=8, max_rounds=1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-h", type=int, default=6)
    ap.add_argument("--peer-timeout", type=float, default=60.0)
    ap.add_argument("--certify-tol", type=float, default=1e-6)
    ap.add_argument("--pb-seconds", type=float, default=60.0)
    ap.add_argument("--files", default="hallway,tiger-grid,4x4.95,mini-hall2",
                    help="comma-separated short names (" + ", ".join(FILES) + ") or .POMDP file names")
    ap.add_argument("--solvers", default="perseus,hsvi,hsvi2", help="comma-separated: perseus, hsvi, hsvi2")
    ap.add_argument("--only-tiger", action="store_true", help="skip the point-based bound runs")
    ap.add_argument("--only-pb", action="store_true", help="skip the Tiger tables (exact VI, pomdp-py)")
    ap.add_argument("--plot", default=None, help="write the bounds-against-time figure of the point-based runs here "
                                                 "(.png)")
    ap.add_argument("--pomdpsol", default=None,
                    help="path to a SARSOP pomdpsol binary: adds SARSOP's bounds over time to the point-based table")
    args = ap.parse_args(argv)
    if args.pomdpsol and not (os.path.isfile(args.pomdpsol) and os.access(args.pomdpsol, os.X_OK)):
        print(f"--pomdpsol: {args.pomdpsol} is not an executable file (build pomdpsol from "
              "https://github.com/AdaCompNUS/sarsop and pass its path)", file=sys.stderr)
        return 2
    if not args.only_pb:
        tiger_table(args.max_h, args.peer_timeout)
        certify_tiger(args.certify_tol)
    if not args.only_tiger:
        warm_up()
        rows = []
        for short in args.files.split(","):
            rows += gap_vs_time(short.strip(), args.pb_seconds,
                                [x.strip() for x in args.solvers.split(",") if x.strip()], args.pomdpsol)
        if args.plot and rows:
            print(f"figure: {plot_bounds(rows, Path(args.plot))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
