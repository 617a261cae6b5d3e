"""POMDP planning benchmark (issue 3).

1. Exact finite-horizon Tiger (tiger.95.POMDP, gamma = 0.95, b0 uniform): mdplab's incremental pruning
   against pomdp-py's exhaustive ``ValueIteration`` (policy-tree enumeration) for growing H.  Both run on this
   machine in this script; pomdp-py runs in a forked child per H only so that it can be stopped after
   ``--peer-timeout`` seconds (its Cython loop cannot be interrupted in-process); the time reported for it is
   measured inside the child around ``plan()``.  mdplab's numba kernels are compiled before timing.  The
   greedy action at b0 is compared (pomdp-py does not expose its value).  Times are the minimum over
   ``REPEATS`` runs for both (the machine is shared; the minimum is the least noisy estimate).
2. Time to certify Tiger's V*(b0) to 1e-6 (``discounted_value_iteration``).
3. Lower/upper gap at b0 against time on hallway and tiger-grid (``point_based_value_iteration``, Perseus
   lower + sawtooth upper on a PBVI belief set; and ``heuristic_search_value_iteration``, HSVI).

Run: ``python benchmarks/pomdp.py [--max-h 6] [--peer-timeout 60] [--pb-seconds 60]``.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import numpy as np

from mdplab.cassandra import read_cassandra
from mdplab.pomdp_planning import (discounted_value_iteration, finite_horizon_value_iteration,
                                   heuristic_search_value_iteration, point_based_value_iteration)

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


def gap_vs_time(name: str, seconds: float) -> None:
    m = read_cassandra(DATA / "pomdp" / name)
    for label, solver in (("perseus+sawtooth", lambda: point_based_value_iteration(m, max_seconds=seconds,
                                                                                   n_beliefs=512, seed=0)),
                          ("hsvi", lambda: heuristic_search_value_iteration(m, max_seconds=seconds, tol=1e-3))):
        sol = solver()
        print(f"{name} [{label}]: seconds, lower, upper, gap (first row: initial blind/FIB bounds)")
        rows = sol.history
        for i in np.unique(np.r_[np.searchsorted(rows[:, 0], [0.0, 1, 2, 5, 10, 20, 30, 45, 60]), len(rows) - 1]):
            if i < len(rows):
                t, lo, up = rows[i]
                print(f"  {t:8.2f}  {lo:.6f}  {up:.6f}  {up - lo:.6f}")
        print(flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-h", type=int, default=6)
    ap.add_argument("--peer-timeout", type=float, default=60.0)
    ap.add_argument("--certify-tol", type=float, default=1e-6)
    ap.add_argument("--pb-seconds", type=float, default=60.0)
    ap.add_argument("--only-tiger", action="store_true", help="skip the hallway / tiger-grid gap runs")
    args = ap.parse_args(argv)
    tiger_table(args.max_h, args.peer_timeout)
    certify_tiger(args.certify_tol)
    if not args.only_tiger:
        for name in ("hallway.POMDP", "tiger-grid.POMDP"):
            gap_vs_time(name, args.pb_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
