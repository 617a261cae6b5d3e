"""Walk steps per second of the SRRW sampler: numba kernel vs a plain Python loop vs vectorised numpy.

All three implement the same algorithm (spec B2.2: log-space weights over the support of row X_n,
one categorical draw, empirical measure stored scaled so one step touches one coordinate), on the
same chain. Run from the repository root:

    python benchmarks/srrw.py            # karate (N = 34), random 6-regular (N = 10^4), 50-regular (N = 2000)
    python benchmarks/srrw.py --quick    # fewer steps

Ratios are computed within one process run (the machine is shared and noisy: compare ratios, not
absolute numbers across runs). Each timing is the best of ``--repeat`` runs, after a warm-up call
(numba compilation excluded). Two measures: wall-clock steps/s, and steps per CPU-second
(``time.process_time``, summed over threads), which is less sensitive to other processes on a
loaded machine; for the multi-threaded row only the wall-clock ratio shows the parallel gain.
"""
from __future__ import annotations

import argparse
import math
import random
import time

import networkx as nx
import numba
import numpy as np

from algorithms import srrw
from algorithms.srrw import _kernels as kernels
from mdplab import chains
from scenarios.instances import graphs as instances


def python_loop(indptr, indices, logP, log_mu, alpha, a, X0, x0, n_steps, seed):
    """One run as a plain Python loop (lists, math, random)."""
    rng = random.Random(seed)
    ptr, idx, lp, lmu = indptr.tolist(), indices.tolist(), logP.tolist(), log_mu.tolist()
    y = list(x0)
    logy = [math.log(v) for v in y]
    inv_s, sum_y, X = 1.0, sum(y), int(X0)
    for n in range(n_steps):
        start, end = ptr[X], ptr[X + 1]
        lw = [lp[k] - alpha * (logy[idx[k]] - lmu[idx[k]]) for k in range(start, end)]
        top = max(lw)
        w = [math.exp(v - top) for v in lw]
        u = rng.random() * sum(w)
        acc, nxt = 0.0, idx[end - 1]
        for k, wk in enumerate(w):
            acc += wk
            if u < acc:
                nxt = idx[start + k]
                break
        X = nxt
        gamma = (n + 2.0) ** (-a)
        inv_s /= 1.0 - gamma
        inc = gamma * inv_s
        y[X] += inc
        logy[X] = math.log(y[X])
        sum_y += inc
        if inc > 1e150:
            s = 1.0 / inv_s
            y = [max(v * s, 1e-300) for v in y]
            logy = [math.log(v) for v in y]
            sum_y, inv_s = sum(y), 1.0
    return [v / sum_y for v in y]


def numpy_vectorised(indptr, indices, logP, log_mu, alpha, a, X0, x0, n_steps, seed):
    """R = len(X0) runs advanced together, one numpy step at a time (padded neighbour table)."""
    rng = np.random.default_rng(seed)
    N = indptr.size - 1
    deg = np.diff(indptr)
    width = int(deg.max())
    nbr = np.zeros((N, width), dtype=np.int64)
    lp = np.full((N, width), -np.inf)
    for i in range(N):
        nbr[i, :deg[i]] = indices[indptr[i]:indptr[i + 1]]
        lp[i, :deg[i]] = logP[indptr[i]:indptr[i + 1]]
    R = X0.size
    rows = np.arange(R)
    y = np.tile(x0, (R, 1))
    logy = np.log(y)
    inv_s, X = 1.0, X0.copy()
    for n in range(n_steps):
        cand = nbr[X]                                              # (R, width)
        lw = lp[X] - alpha * (logy[rows[:, None], cand] - log_mu[cand])
        w = np.exp(lw - lw.max(axis=1, keepdims=True))
        c = np.cumsum(w, axis=1)
        k = (c < rng.random(R)[:, None] * c[:, -1:]).sum(axis=1)
        X = cand[rows, np.minimum(k, width - 1)]
        gamma = (n + 2.0) ** (-a)
        inv_s /= 1.0 - gamma
        y[rows, X] += gamma * inv_s
        logy[rows, X] = np.log(y[rows, X])
        if gamma * inv_s > 1e150:
            y = np.maximum(y / inv_s, 1e-300)
            logy, inv_s = np.log(y), 1.0
    return y / y.sum(axis=1, keepdims=True)


def numba_runs(indptr, indices, logP, log_mu, alpha, a, X0, x0, n_steps, seed):
    N = indptr.size - 1
    x_out = np.empty((X0.size, 1, N))
    X_out = np.empty(X0.size, dtype=np.int64)
    kernels.walk_runs(kernels.WALK_SRRW, indptr, indices, logP, log_mu, alpha, np.zeros(2, dtype=np.int64),
                      np.zeros(1, dtype=np.int64), np.exp(log_mu).cumsum(), a, X0, x0, n_steps,
                      np.array([n_steps], dtype=np.int64), srrw.run_seeds(seed, X0.size), x_out, X_out)
    return x_out[:, 0]


def best_time(fn, repeat):
    """Best wall time and best CPU time (``process_time``, all threads) over ``repeat`` calls."""
    wall = cpu = math.inf
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu


def bench_graph(name, g, alpha, quick, repeat):
    P = chains.metropolis_hastings_chain(g)
    N = P.shape[0]
    mu = np.full(N, 1.0 / N)
    indptr, indices, logP = chains.transition_csr(P)
    log_mu, x0 = np.log(mu), np.full(N, 1.0 / N)
    args = (indptr, indices, logP, log_mu, alpha, 1.0)
    n_py = 5_000 if quick else 20_000
    R_np, n_np = (200, 1_000) if quick else (1_000, 2_000)
    R_nb, n_nb = (8, 50_000) if quick else (16, 200_000)
    numba_runs(*args, np.zeros(2, dtype=np.int64), x0, 10, 0)                 # compile / load cache
    rows = []
    w, c = best_time(lambda: python_loop(*args, 0, x0, n_py, 1), repeat)
    rows.append(("plain Python loop (1 run)", n_py / w, n_py / c))
    w, c = best_time(lambda: numpy_vectorised(*args, np.zeros(R_np, dtype=np.int64), x0, n_np, 1), repeat)
    rows.append((f"numpy vectorised over {R_np} runs", R_np * n_np / w, R_np * n_np / c))
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    w, c = best_time(lambda: numba_runs(*args, np.zeros(R_nb, dtype=np.int64), x0, n_nb, 1), repeat)
    rows.append((f"numba, 1 thread ({R_nb} runs, {kernels.group_size(R_nb, 1)} interleaved)",
                 R_nb * n_nb / w, R_nb * n_nb / c))
    numba.set_num_threads(threads)
    w, c = best_time(lambda: numba_runs(*args, np.zeros(R_nb, dtype=np.int64), x0, n_nb, 1), repeat)
    rows.append((f"numba, {threads} threads ({R_nb} runs, {kernels.group_size(R_nb, threads)} interleaved)",
                 R_nb * n_nb / w, R_nb * n_nb / c))
    base_w, base_c = rows[0][1], rows[0][2]
    print(f"\n### {name} (N = {N}, mean support size {np.diff(indptr).mean():.1f}, alpha = {alpha})\n")
    print("| implementation | steps/s (wall) | ratio (wall) | steps per CPU-second | ratio (CPU) |")
    print("|---|---|---|---|---|")
    for label, rw, rc in rows:
        print(f"| {label} | {rw:,.0f} | {rw / base_w:.1f}x | {rc:,.0f} | {rc / base_c:.1f}x |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    print(f"numba {numba.__version__}, numpy {np.__version__}, threads {numba.get_num_threads()}")
    bench_graph("karate club", instances.named_graph("karate"), 5.0, opts.quick, opts.repeat)
    big = nx.random_regular_graph(6, 10_000, seed=1)
    bench_graph("random 6-regular graph", big, 5.0, opts.quick, opts.repeat)
    # per-step cost is O(degree): the Python loop pays ~100 ns per neighbour, the kernel a few ns
    dense = nx.random_regular_graph(50, 2_000, seed=1)
    bench_graph("random 50-regular graph", dense, 5.0, opts.quick, opts.repeat)


if __name__ == "__main__":
    main()
