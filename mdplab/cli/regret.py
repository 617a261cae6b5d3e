"""``mdplab regret ENV --learner NAME (--steps T | --episodes K --horizon H) --seeds N [--delta D]
[--param KEY=VALUE ...] [--workers W] [--out DIR] [--overwrite] [--json]``: exact regret of an online learner
(:func:`scenarios.harness.regret_runs.run_seeds`).  ``--json`` prints one object: ``learner, env, seeds,
regret`` (final regret per seed, in seed order: the exact pseudo-regret for average-reward learners, the
exact episodic regret otherwise), ``regret_mean``, ``regret_ci95`` ([lo, hi], a 95% Student-t interval for
the mean; null with one seed), ``ci``, ``seconds`` and, for average reward, ``gain_regret``.  ``--out DIR``
writes one ``<learner>_seed<i>.npz`` of curves per seed."""
from __future__ import annotations

import argparse

HELP = "exact regret of an online learner on a model file or a named instance"


def _epilog() -> str:
    from algorithms.learners import LEARNERS
    from scenarios.harness.regret_runs import NAMED_ENVIRONMENTS

    return ("named environments:\n" + "\n".join(f"  {k:30s} {v}" for k, v in NAMED_ENVIRONMENTS.items())
            + "\nlearners:\n" + "\n".join(f"  {k:10s} {v.setting:9s} {v.summary}" for k, v in LEARNERS.items()))


def add_arguments(s: argparse.ArgumentParser) -> None:
    from ._output import set_lazy_epilog

    set_lazy_epilog(s, _epilog)
    s.add_argument("env", help="a .npz model file (P (S,A,S), R (S,A), optional mu) or a named environment")
    s.add_argument("--learner", required=True, help="a learner name (listed below)")
    s.add_argument("--steps", type=int, default=None, help="T (average-reward learners)")
    s.add_argument("--episodes", type=int, default=None, help="K (episodic learners)")
    s.add_argument("--horizon", type=int, default=None, help="H (episodic learners)")
    s.add_argument("--seeds", type=int, required=True, help="seeds 0..N-1")
    s.add_argument("--delta", type=float, default=None)
    s.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="override a learner constant")
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--out", default=None, help="write the regret curves here (one .npz per seed)")
    s.add_argument("--overwrite", action="store_true", help="replace existing curve files in --out")
    s.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from scenarios.harness.regret_runs import run_seeds, write_curves

    from ._output import print_json

    res = run_seeds(args.learner, args.env, seeds=args.seeds, steps=args.steps, episodes=args.episodes,
                    horizon=args.horizon, delta=args.delta, params=args.param, workers=args.workers)
    if args.out:
        write_curves(res, args.out, overwrite=args.overwrite)
    summary = {k: v for k, v in res.items() if k != "curves"}
    if args.json:
        print_json(summary)
    else:
        lo, hi = summary["regret_ci95"]
        ci = "-" if lo is None else f"[{lo:.4g}, {hi:.4g}]"
        print(f"{summary['learner']} on {summary['env']}: mean regret {summary['regret_mean']:.6g}, 95% CI {ci} "
              f"over {len(summary['seeds'])} seed(s), {summary['seconds']:.2f} s")
    return 0
