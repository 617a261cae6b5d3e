"""Benchmark: path-steps per second of mdplab's SDE simulators against vectorised numpy Euler-Maruyama.

One process; every repeat times the contenders back to back (after one warm-up each, numba compilation
excluded) and the ratio is the median over repeats of the per-repeat ratio, so load drift on a shared
machine hits all contenders alike; the same sizes for every contender.  Contenders per problem:

* ``mdplab`` : :func:`mdplab.sde.simulate_euler_maruyama` (numba, ``prange`` over paths, per-path
  SplitMix64 + ziggurat normals), with all numba threads and with one thread;
* ``numpy``  : a vectorised Euler-Maruyama loop over time written for this benchmark: per step one
  ``Generator.standard_normal(out=...)`` (PCG64 + ziggurat) into a preallocated buffer and in-place
  array arithmetic over all paths, writing the same ``(n, K+1, d)`` path array.

Problems: 1-d Ornstein-Uhlenbeck (linear kernel), 1-d double well ``dX = (X - X^3) dt + 0.5 dW`` (generic
callback kernel), 3-d stochastic Lorenz-63 with additive noise (generic kernel), and exact OU transitions
(mdplab only, for reference).

Run: ``python benchmarks/sde.py`` (``--paths 20000 --steps 500`` default; ``--json`` for machine output).
"""
from __future__ import annotations

import argparse
import json
import time

import numba
import numpy as np
from numba import njit

from mdplab import sde


@njit
def double_well_drift(t, x, out):
    out[0] = x[0] - x[0] ** 3


@njit
def double_well_dispersion(t, x, out):
    out[0, 0] = 0.5


@njit
def lorenz_drift(t, x, out):
    out[0] = 10.0 * (x[1] - x[0])
    out[1] = x[0] * (28.0 - x[2]) - x[1]
    out[2] = x[0] * x[1] - (8.0 / 3.0) * x[2]


@njit
def lorenz_dispersion(t, x, out):
    out[0, 0] = 1.0
    out[1, 1] = 1.0
    out[2, 2] = 1.0


def numpy_ou(n, K, dt, seed):
    rng = np.random.default_rng(seed)
    X = np.empty((n, K + 1, 1))
    X[:, 0, 0] = 1.0
    z = np.empty(n)
    a, s = 1.0 - dt, np.sqrt(dt)
    for k in range(K):
        rng.standard_normal(out=z)
        z *= s
        np.multiply(X[:, k, 0], a, out=X[:, k + 1, 0])
        X[:, k + 1, 0] += z
    return X


def numpy_double_well(n, K, dt, seed):
    rng = np.random.default_rng(seed)
    X = np.empty((n, K + 1, 1))
    X[:, 0, 0] = 0.1
    z = np.empty(n)
    b = np.empty(n)
    s = 0.5 * np.sqrt(dt)
    for k in range(K):
        x = X[:, k, 0]
        rng.standard_normal(out=z)
        np.power(x, 3, out=b)
        np.subtract(x, b, out=b)           # b = x - x^3
        b *= dt
        z *= s
        np.add(x, b, out=X[:, k + 1, 0])
        X[:, k + 1, 0] += z
    return X


def numpy_lorenz(n, K, dt, seed):
    rng = np.random.default_rng(seed)
    X = np.empty((n, K + 1, 3))
    X[:, 0] = (1.0, 1.0, 1.0)
    z = np.empty((n, 3))
    b = np.empty((n, 3))
    s = np.sqrt(dt)
    for k in range(K):
        x = X[:, k]
        rng.standard_normal(out=z)
        b[:, 0] = 10.0 * (x[:, 1] - x[:, 0])
        b[:, 1] = x[:, 0] * (28.0 - x[:, 2]) - x[:, 1]
        b[:, 2] = x[:, 0] * x[:, 1] - (8.0 / 3.0) * x[:, 2]
        b *= dt
        z *= s
        np.add(x, b, out=X[:, k + 1])
        X[:, k + 1] += z
    return X


PROBLEMS = {
    "ou_1d": (lambda: sde.ornstein_uhlenbeck(1.0, 1.0), 1.0, numpy_ou),
    "double_well_1d": (lambda: sde.Diffusion(double_well_drift, double_well_dispersion, 1, 1), 0.1, numpy_double_well),
    "lorenz_3d": (lambda: sde.Diffusion(lorenz_drift, lorenz_dispersion, 3, 3), np.ones(3), numpy_lorenz),
}


def interleaved(fns: dict, repeats: int) -> dict:
    """Time the contenders back to back in every repeat (after one warm-up each) so that machine-load drift
    hits all of them alike; returns the per-repeat seconds of each."""
    for fn in fns.values():
        fn()
    out = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            out[k].append(time.perf_counter() - t0)
    return {k: np.array(v) for k, v in out.items()}


def _with_threads(n_threads: int, fn):
    def run():
        old = numba.get_num_threads()
        numba.set_num_threads(n_threads)
        try:
            fn()
        finally:
            numba.set_num_threads(old)
    return run


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--paths", type=int, default=20_000)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--dt", type=float, default=1e-3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    n, K, dt = args.paths, args.steps, args.dt
    T = K * dt
    work = n * K
    threads = numba.get_num_threads()
    rows = {}
    for name, (make, x0, np_fn) in PROBLEMS.items():
        model = make()
        sim = lambda: sde.simulate_euler_maruyama(model, x0, T, dt, n, seed=1)  # noqa: E731
        t = interleaved({"all": _with_threads(threads, sim), "one": _with_threads(1, sim),
                         "numpy": lambda: np_fn(n, K, dt, 1)}, args.repeats)
        r_all, r_one = t["numpy"] / t["all"], t["numpy"] / t["one"]
        rows[name] = {"mdplab_steps_per_s": work / np.median(t["all"]),
                      "mdplab_1thread_steps_per_s": work / np.median(t["one"]),
                      "numpy_steps_per_s": work / np.median(t["numpy"]),
                      "ratio": float(np.median(r_all)), "ratio_range": [float(r_all.min()), float(r_all.max())],
                      "ratio_1thread": float(np.median(r_one)),
                      "ratio_1thread_range": [float(r_one.min()), float(r_one.max())]}
    ou = sde.ornstein_uhlenbeck(1.0, 1.0)
    t_exact = interleaved({"exact": lambda: sde.simulate_exact(ou, 1.0, T, dt, n, seed=1)}, args.repeats)["exact"]
    rows["ou_1d_exact_transitions"] = {"mdplab_steps_per_s": work / np.median(t_exact)}
    result = {"paths": n, "steps": K, "threads": threads, "results": rows}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{n} paths x {K} steps, numba threads = {threads}, {args.repeats} interleaved repeats: median "
              "rates; ratio = median over repeats of t_numpy / t_mdplab [min, max]")
        print(f"{'problem':26s} {'mdplab (M/s)':>13s} {'1 thread':>10s} {'numpy (M/s)':>12s} {'ratio':>16s} "
              f"{'ratio 1 thread':>16s}")
        for name, r in rows.items():
            if "numpy_steps_per_s" in r:
                lo, hi = r["ratio_range"]
                lo1, hi1 = r["ratio_1thread_range"]
                print(f"{name:26s} {r['mdplab_steps_per_s'] / 1e6:13.1f} {r['mdplab_1thread_steps_per_s'] / 1e6:10.1f} "
                      f"{r['numpy_steps_per_s'] / 1e6:12.1f} {r['ratio']:5.1f} [{lo:4.1f},{hi:4.1f}] "
                      f"{r['ratio_1thread']:5.1f} [{lo1:4.1f},{hi1:4.1f}]")
            else:
                print(f"{name:26s} {r['mdplab_steps_per_s'] / 1e6:13.1f}")
    return result


if __name__ == "__main__":
    main()
