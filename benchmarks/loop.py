"""Wall time of LOOP (tabular instantiation, ``algorithms.loop.run_loop``) against the foundation's UCRL2 on
the same 6-state RiverSwim (Osband et al. 2013 parameters), T = 2^18 steps per seed (issue 18 target:
seconds per seed), and of linear-mixture LOOP / UCRL2-VTR on the d = 3 hard family.

    python benchmarks/loop.py                 # T = 2^18, 4 seeds, serial (per-seed times)
    python benchmarks/loop.py --quick         # T = 2^14, 2 seeds

Each seed is one full run including its exact regret (J* by the core's exact solver, the exact gain of
every policy played).  Both tabular learners use UCRL2's radii (``c_r = 14``); LOOP adds span truncation
at ``B = sp(V*)`` and re-plans on count doubling (the per-step loop is a numba kernel).  Numba
compilation is loaded (or done) by a warm-up run before the clock starts.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from algorithms.loop import run_loop, run_loop_lm, run_ucrl2_vtr
from algorithms.ucrl2 import run_ucrl2
from scenarios.instances.average_reward import linear_mixture_hard
from scenarios.instances.learning import riverswim


def _time(fn, *args, **kw) -> tuple[float, object]:
    t0 = time.perf_counter()
    run = fn(*args, **kw)
    return time.perf_counter() - t0, run


def benchmark(T: int, seeds: int) -> list[dict]:
    """One row per (learner, seed): ``learner, seed, seconds, gain_regret, updates``."""
    inst = riverswim(6, "osband2013")
    hard = linear_mixture_hard(3, 0.1, 0.02)
    run_loop(inst.P, inst.R, 0, 200, 0, B=inst.span)                       # warm-up (numba caches)
    run_ucrl2(inst.P, inst.R, 0, 200, 0)
    run_loop_lm(hard.Phi, hard.theta, hard.R, 0, 200, 0, B=1.5 * hard.span)
    rows = []
    for seed in range(seeds):
        for name, fn, args, kw in (
                ("loop", run_loop, (inst.P, inst.R, 0, T, seed), dict(B=inst.span)),
                ("ucrl2", run_ucrl2, (inst.P, inst.R, 0, T, seed), {}),
                ("loop-lm (exact grid)", run_loop_lm, (hard.Phi, hard.theta, hard.R, 0, T, seed), dict(B=1.5 * hard.span)),
                ("ucrl2-vtr", run_ucrl2_vtr, (hard.Phi, hard.theta, hard.R, 0, T, seed), dict(B=1.5 * hard.span))):
            sec, run = _time(fn, *args, **kw)
            rows.append(dict(learner=name, seed=seed, seconds=sec, gain_regret=float(run.gain_regret[-1]),
                             updates=int(run.n_plans - 1)))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2 ** 18)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    T, n = (2 ** 14, 2) if args.quick else (args.steps, args.seeds)
    rows = benchmark(T, n)
    print(f"T = {T}, {n} seeds (serial); RiverSwim-6 (osband2013) for loop/ucrl2, linear-mixture hard d=3 for the others")
    for name in dict.fromkeys(r["learner"] for r in rows):
        sub = [r for r in rows if r["learner"] == name]
        sec = np.array([r["seconds"] for r in sub])
        print(f"{name:22s} per seed {sec.mean():7.3f} s (max {sec.max():.3f}); updates "
              f"{np.mean([r['updates'] for r in sub]):7.1f}; gain regret {np.mean([r['gain_regret'] for r in sub]):10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
