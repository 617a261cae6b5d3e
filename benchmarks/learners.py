"""Steps per second of mdplab's UCBVI against rlberry-scool's ``UCBVIAgent`` (same instance, same
horizon and number of episodes, one process).

Run from the repository root (rlberry-scool is in the ``bench`` extra; it may also live in a separate
directory given with ``--rlberry-path``, which is prepended to ``sys.path``):

    python benchmarks/learners.py                 # RiverSwim-6 (Osband et al. 2013), H = 20, K = 2000
    python benchmarks/learners.py --quick         # K = 300
    python benchmarks/learners.py --ucrl2         # UCRL2 wall time (benchmarks/learners_average.py)

Both learners plan by backward induction after every episode (rlberry-scool's default, non-real-time
DP, stage-independent model).  They differ in their bonus: ours is UCBVI-CH / -BF with the paper's
constants and log terms; rlberry-scool's is its "simplified_bernstein" ``sqrt(1/n) + H/n`` (no log term).
Ours also computes the exact regret of every episode (included in its time) and breaks ties at random.
Timings: best of ``--repeat`` runs after a warm-up (numba compilation excluded); ratios are within one
process (the machine is shared).
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from algorithms.ucbvi import run_ucbvi_bf, run_ucbvi_ch
from scenarios.instances.learning import riverswim


def best_time(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def rlberry_runner(P, R, H, K, seed):
    from rlberry.envs.finite_mdp import FiniteMDP
    from rlberry_scool.agents.ucbvi import UCBVIAgent

    def run():
        env = FiniteMDP(R, P, initial_state_distribution=0)
        agent = UCBVIAgent(env, gamma=1.0, horizon=H, bonus_scale_factor=1.0, seeder=seed)
        agent.fit(budget=K)
    return run


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--ucrl2" in argv:       # average reward: UCRL2 wall time, see benchmarks/learners_average.py
        try:
            from learners_average import main as ucrl2_main
        except ImportError:
            from benchmarks.learners_average import main as ucrl2_main
        return ucrl2_main([a for a in argv if a != "--ucrl2"])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=2000)
    ap.add_argument("--horizon", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rlberry-path", default=None)
    args = ap.parse_args(argv)
    if args.rlberry_path:
        sys.path.insert(0, args.rlberry_path)
    K = 300 if args.quick else args.episodes
    H = args.horizon
    inst = riverswim(6, "osband2013")
    P, R = inst.P, inst.R
    steps = K * H
    rows = []
    for name, fn in (("mdplab UCBVI-CH", lambda: run_ucbvi_ch(P, R, 0, H, K, 0)),
                     ("mdplab UCBVI-BF", lambda: run_ucbvi_bf(P, R, 0, H, K, 0))):
        fn() if K > 0 else None                                    # warm-up: numba compilation
        rows.append((name, best_time(fn, args.repeat)))
    try:
        run = rlberry_runner(P, R, H, K, 0)
    except ImportError as exc:
        print(f"rlberry-scool is not importable ({exc}); install the bench extra or pass --rlberry-path")
        run = None
    if run is not None:
        import logging
        logging.getLogger("rlberry_logger").setLevel(logging.WARNING)
        run()                                                       # warm-up (its numba kernels)
        rows.append(("rlberry-scool UCBVIAgent", best_time(run, args.repeat)))
    print(f"RiverSwim-6 (osband2013), H = {H}, K = {K} episodes ({steps} steps), best of {args.repeat}")
    print(f"{'learner':28s} {'seconds':>9s} {'steps/s':>12s}")
    for name, t in rows:
        print(f"{name:28s} {t:9.3f} {steps / t:12.0f}")
    if run is not None:
        ref = rows[-1][1]
        for name, t in rows[:-1]:
            print(f"ratio {name} / rlberry-scool: {ref / t:.1f}x (target >= 50x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
