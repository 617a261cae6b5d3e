"""Wall time of HF-UCRL-RFE++ (``algorithms.hf_ucrl_rfe.run_hf_ucrl_rfe``, zhang2023rfe) and the UCRL-RFE
baseline, per episode, and of this issue's quick reproduction.

    python benchmarks/reward_free.py                 # K = 4096 episodes, H in {5, 20, 80}, 2 seeds
    python benchmarks/reward_free.py --quick         # K = 512
    python benchmarks/reward_free.py --scenarios     # also time `mdplab reproduce` of the rfe_* scenarios (quick)

Each row is one full run: the surrogate oracle (numba, two candidate policies per oracle reward), the two
weighted regression stacks with HOME weights (numba, Sherman-Morrison within an episode, one re-inversion per
episode) and the exact gaps at the doubling checkpoints.  Numba compilation is loaded (or done) by a warm-up
run before the clock starts.  Instance: a random linear mixture with S = 4, A = 2, d = 4.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time

from algorithms.hf_ucrl_rfe import run_hf_ucrl_rfe
from algorithms.hf_ucrl_rfe.ucrl_rfe import run_ucrl_rfe
from scenarios.instances.linear_mixture import random_linear_mixture

SCENARIOS = ("rfe_certificate", "rfe_horizon_free", "rfe_lower_bound_d", "rfe_lower_bound_eps")


def benchmark(K: int, seeds: int, Hs=(5, 20, 80)) -> list[dict]:
    """One row per (explorer, H, seed): ``explorer, H, K, seed, seconds, us_per_step, gap``."""
    warm = random_linear_mixture(3, 2, 2, 3, 0)
    run_hf_ucrl_rfe(warm, 4, 0)
    run_ucrl_rfe(warm, 4, 0)
    rows = []
    for H in Hs:
        model = random_linear_mixture(4, 2, 4, H, 0)
        for name, runner in (("hf-ucrl-rfe++", run_hf_ucrl_rfe), ("ucrl-rfe", run_ucrl_rfe)):
            for seed in range(seeds):
                t0 = time.perf_counter()
                run = runner(model, K, seed, beta_scale=0.1)
                dt = time.perf_counter() - t0
                rows.append(dict(explorer=name, H=H, K=K, seed=seed, seconds=dt, us_per_step=1e6 * dt / (K * H),
                                 gap=float(run.gap[-1])))
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--scenarios", action="store_true")
    args = ap.parse_args(argv)
    K = 512 if args.quick else 4096
    print(f"{'explorer':15s} {'H':>4s} {'K':>6s} {'seed':>4s} {'seconds':>8s} {'us/step':>8s} {'gap':>8s}")
    for r in benchmark(K, args.seeds):
        print(f"{r['explorer']:15s} {r['H']:4d} {r['K']:6d} {r['seed']:4d} {r['seconds']:8.2f} "
              f"{r['us_per_step']:8.2f} {r['gap']:8.4f}")
    if args.scenarios:
        with tempfile.TemporaryDirectory() as out:
            for name in SCENARIOS:
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "mdplab.cli", "reproduce", name, "--quick", "--out", out],
                               check=False, capture_output=True)
                print(f"reproduce {name} --quick: {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
