"""Wall time of the horizon-free LMDP learner (``algorithms.lmdp_hf.run_lmdp_hf``, zhou2023lmdp reconstruction)
and of this issue's quick reproduction.

    python benchmarks/lmdp_hf.py              # K = 2^16 episodes on HiddenTreeBandit(M = 4, D = 2, A = 2), 2 seeds
    python benchmarks/lmdp_hf.py --quick      # K = 2^12

Each seed is one full run including its exact regret (V* by the exact alpha-vector planner, the exact value of
every plan by policy-graph evaluation).  Episodes run in the plan's numba table; the learner re-plans only at
doubling triggers.  ``--scenarios`` also times ``mdplab reproduce`` of the three lmdp_hf scenarios (quick).
Numba compilation is loaded (or done) by a warm-up run before the clock starts.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time

from algorithms.lmdp_hf import run_lmdp_hf
from scenarios.instances.latent import hidden_tree_bandit


def benchmark(K: int, seeds: int, M: int = 4, tail: int = 0) -> list[dict]:
    """One row per seed: ``M, S, H, K, seed, seconds, plans, regret``."""
    warm = hidden_tree_bandit(2, 1, 2, 0.5, 0.2, 1, seed=0)
    run_lmdp_hf(warm.lmdp, 200, 0, c1=0.3, c2=0.09)
    rows = []
    for seed in range(seeds):
        inst = hidden_tree_bandit(M, 2, 2, 0.5, 0.1, tail, seed=seed)
        t0 = time.perf_counter()
        run = run_lmdp_hf(inst.lmdp, K, seed, c1=0.3, c2=0.09, gamma=2.0)
        rows.append(dict(M=M, S=inst.lmdp.n_states, H=inst.lmdp.horizon, K=K, seed=seed,
                         seconds=time.perf_counter() - t0, plans=run.n_plans, regret=float(run.regret[-1])))
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--scenarios", action="store_true", help="also time the quick reproduction of the scenarios")
    args = ap.parse_args(argv)
    K = 2 ** 12 if args.quick else 2 ** 16
    for row in benchmark(K, args.seeds):
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)
    if args.scenarios:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "mdplab.cli", "reproduce", "lmdp_hf_horizon_free", "lmdp_hf_k_rate",
                            "lmdp_hf_invariants", "--quick", "--out", tmp], check=True, stdout=subprocess.DEVNULL)
            print(f"quick reproduction of the lmdp_hf scenarios: {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
