"""``mdplab explore MODEL --learner NAME (--episodes K | --epsilon E [--max-episodes N]) --seeds N [--horizon H]
[--delta D] [--param KEY=VALUE ...] [--workers W] [--json]``: reward-free exploration on a linear mixture model
(:func:`scenarios.harness.explore_runs.run_seeds`).  ``--json`` prints one object: ``learner, env, seeds, K,
gap`` (per seed, in seed order: the exact worst-case gap, over the vertices of the state reward box, of the
policies planned after the exploration episodes, each gap by exact DP under the true parameter),
``gap_mean``, ``gap_ci95`` ([lo, hi], a 95% Student-t interval for the mean; null with one seed), ``ci``,
``reward_family``, ``theta_covered``, ``seconds``; with ``--epsilon E`` also ``epsilon``, ``episodes`` (per
seed: the first doubling checkpoint from which the gap stays at most ``E``; null if not reached within
``--max-episodes``) and ``episodes_median``.  On a RevealTest POMDP (named models ``reveal_test:``,
``reveal_control:``, ``leaky:``; explorers ``collision-tester``, ``omle-lite``) ``gap`` is the exact ``V* - V(output policy)`` on the instance
(enumeration), ``reward_family`` / ``theta_covered`` give way to ``Delta``, ``K_candidates``, ``lower_bound``
(``K sqrt(2 n log 2) / (2 (alpha eps)^2)``), ``lower_bound_exact`` (``K N* / 2``), ``c_star``, ``c_hat`` and
``episodes_used`` (docs/revealing.md)."""
from __future__ import annotations

import argparse

HELP = ("reward-free exploration on a linear mixture model, or learning a RevealTest POMDP: exact gap or "
        "episodes to epsilon")


def _epilog() -> str:
    from algorithms.explorers import EXPLORERS
    from scenarios.harness.explore_runs import NAMED_MODELS

    return ("named models:\n" + "\n".join(f"  {k:22s} {v}" if len(k) <= 22 else f"  {k}\n  {'':22s} {v}"
                                           for k, v in NAMED_MODELS.items())
            + "\nexplorers:\n" + "\n".join(f"  {k:26s} {v.summary}" for k, v in EXPLORERS.items()))


def add_arguments(s: argparse.ArgumentParser) -> None:
    from ._output import set_lazy_epilog

    set_lazy_epilog(s, _epilog)
    s.add_argument("model", help="a linear-mixture .npz (Phi (S,A,S,d), theta (d,), horizon) or a named model "
                                 "(listed below)")
    s.add_argument("--learner", required=True, help="an explorer name (listed below)")
    s.add_argument("--episodes", type=int, default=None, help="K exploration episodes")
    s.add_argument("--epsilon", type=float, default=None, help="report the episodes needed to reach this gap")
    s.add_argument("--max-episodes", type=int, default=None, help="episode budget of --epsilon (default 16384)")
    s.add_argument("--horizon", type=int, default=None, help="H (overrides the file's)")
    s.add_argument("--seeds", type=int, required=True, help="seeds 0..N-1")
    s.add_argument("--delta", type=float, default=None)
    s.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="override a constant")
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from scenarios.harness.explore_runs import run_seeds

    from ._output import print_json

    res = run_seeds(args.learner, args.model, seeds=args.seeds, episodes=args.episodes, epsilon=args.epsilon,
                    max_episodes=args.max_episodes, horizon=args.horizon, delta=args.delta, params=args.param,
                    workers=args.workers)
    summary = {k: v for k, v in res.items() if k != "curves"}
    if args.json:
        print_json(summary)
    else:
        lo, hi = summary["gap_ci95"]
        ci = "-" if lo is None else f"[{lo:.4g}, {hi:.4g}]"
        what = "gap" if "lower_bound" in summary else "worst-case gap"
        line = (f"{summary['learner']} on {summary['env']}: mean {what} {summary['gap_mean']:.6g} after "
                f"K = {summary['K']}, 95% CI {ci} over {len(summary['seeds'])} seed(s)")
        if "episodes" in summary:
            line += f"; episodes to eps = {summary['epsilon']:g}: {summary['episodes']}"
        if summary.get("lower_bound") is not None:
            line += (f"; lower bound {summary['lower_bound']:.4g} episodes "
                     f"(exact K N*/2 = {summary['lower_bound_exact']:g})")
        print(line + f", {summary['seconds']:.2f} s")
    return 0
