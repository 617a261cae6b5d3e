"""Benchmark: path-steps per second of mdplab's SDE simulators against vectorised numpy Euler-Maruyama.

One process, median of ``--repeats`` runs after a warm-up (numba compilation excluded), the same sizes for
every contender.  Contenders per problem:

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
import statistics
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


def timed(fn, repeats: int) -> float:
    fn()  # warm-up (compilation, page faults)
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


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
        numba.set_num_threads(threads)
        t_all = timed(lambda: sde.simulate_euler_maruyama(model, x0, T, dt, n, seed=1), args.repeats)
        numba.set_num_threads(1)
        t_one = timed(lambda: sde.simulate_euler_maruyama(model, x0, T, dt, n, seed=1), args.repeats)
        numba.set_num_threads(threads)
        t_np = timed(lambda: np_fn(n, K, dt, 1), args.repeats)
        rows[name] = {"mdplab_steps_per_s": work / t_all, "mdplab_1thread_steps_per_s": work / t_one,
                      "numpy_steps_per_s": work / t_np, "ratio": t_np / t_all, "ratio_1thread": t_np / t_one}
    ou = sde.ornstein_uhlenbeck(1.0, 1.0)
    t_exact = timed(lambda: sde.simulate_exact(ou, 1.0, T, dt, n, seed=1), args.repeats)
    rows["ou_1d_exact_transitions"] = {"mdplab_steps_per_s": work / t_exact}
    result = {"paths": n, "steps": K, "threads": threads, "results": rows}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{n} paths x {K} steps, numba threads = {threads}, median of {args.repeats}")
        print(f"{'problem':26s} {'mdplab (M/s)':>13s} {'1 thread':>10s} {'numpy (M/s)':>12s} {'ratio':>7s} {'ratio 1t':>9s}")
        for name, r in rows.items():
            if "numpy_steps_per_s" in r:
                print(f"{name:26s} {r['mdplab_steps_per_s'] / 1e6:13.1f} {r['mdplab_1thread_steps_per_s'] / 1e6:10.1f} "
                      f"{r['numpy_steps_per_s'] / 1e6:12.1f} {r['ratio']:7.1f} {r['ratio_1thread']:9.1f}")
            else:
                print(f"{name:26s} {r['mdplab_steps_per_s'] / 1e6:13.1f}")
    return result


if __name__ == "__main__":
    main()
