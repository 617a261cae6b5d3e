"""Wall time of UCRL2 on RiverSwim-6 (Osband et al. 2013 parameterisation) for T steps and many seeds,
in worker processes (issue 16 target: T = 1e5, 60 seeds, 2 cores, under 30 s; a numpy prototype takes
about 97 s per seed).

    python benchmarks/learners_average.py                  # T = 1e5, 60 seeds, 2 workers, radius jaksch
    python benchmarks/learners_average.py --quick          # T = 1e4, 8 seeds
    python benchmarks/learners.py --ucrl2 [same options]   # the same, from the learners benchmark

Each seed is one full run of :func:`algorithms.ucrl2.run_ucrl2` including its exact regret (J* by the
core's exact solver, the exact gain of every policy played).  Planning runs once per episode (doubling
rule), never inside one.  Workers are warmed up (numba compilation loaded from the cache) before the
clock starts; the time reported is the wall time of the pool mapping all seeds.
"""
from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from algorithms.ucrl2 import run_ucrl2
from scenarios.instances.learning import riverswim


def _one(args) -> tuple[float, int, float]:
    seed, T, radius = args
    inst = riverswim(6, "osband2013")
    t0 = time.perf_counter()
    run = run_ucrl2(inst.P, inst.R, 0, T, seed, delta=0.05, radius=radius)
    return float(run.pseudo_regret[-1]), int(run.n_plans), time.perf_counter() - t0


def ucrl2_benchmark(T: int = 100_000, seeds: int = 60, workers: int = 2, radius: str = "jaksch") -> dict:
    """Run the benchmark; returns ``{"seconds", "per_seed_mean", "regret_mean", "episodes_mean", ...}``."""
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_one, [(s, 200, radius) for s in range(workers)]))          # warm-up in every worker
        t0 = time.perf_counter()
        out = list(pool.map(_one, [(s, T, radius) for s in range(seeds)]))
        wall = time.perf_counter() - t0
    reg = np.array([o[0] for o in out])
    return dict(T=T, seeds=seeds, workers=workers, radius=radius, seconds=wall,
                per_seed_mean=float(np.mean([o[2] for o in out])), regret_mean=float(reg.mean()),
                regret_std=float(reg.std(ddof=1)) if seeds > 1 else 0.0,
                episodes_mean=float(np.mean([o[1] for o in out])))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100_000)
    ap.add_argument("--seeds", type=int, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--radius", default="jaksch", choices=("jaksch", "osband2013"))
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    T, n = (10_000, 8) if args.quick else (args.steps, args.seeds)
    r = ucrl2_benchmark(T, n, args.workers, args.radius)
    print(f"UCRL2 (radius {r['radius']}) on RiverSwim-6 (osband2013), T = {T}, {n} seeds, {r['workers']} workers")
    print(f"wall time {r['seconds']:.2f} s (target < 30 s for T = 1e5, 60 seeds); "
          f"per seed {r['per_seed_mean']:.3f} s; mean episodes {r['episodes_mean']:.1f}; "
          f"pseudo-regret {r['regret_mean']:.1f} +- {r['regret_std']:.1f} (sd)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
