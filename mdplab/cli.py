"""The ``mdplab`` command line.

Subcommands (flags are contracts, see the issues):

* ``mdplab solve FILE [--method vi|pi|mpi|lp|...] [--discount G] [--horizon H] [--average-reward]
  [--tol T] [--discount-tol T] --json``: solve an ``.npz`` / Cassandra ``.MDP`` / ``.POMDP`` file.
* ``mdplab list``: theorem-reproduction scenarios with their theorem and source.
* ``mdplab reproduce NAME [NAME ...]|--all [--quick|--full] [--seeds N] [--workers N] [--scheduler ADDRESS]
  [--out DIR] [--resume] [--json]``.
* ``mdplab figures``: regenerate ``paper_figs/`` from results files.
* ``mdplab ddp FILE.npz --objective OBJ --horizon H --initial-state S [--json]``.

This is the one module of ``mdplab/`` allowed to import ``algorithms``, ``bounds`` and
``scenarios``, and only lazily inside a command.  Errors go to stderr with exit code 2.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Callable, Sequence

import numpy as np


def _jsonable(x):
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    raise TypeError(f"not JSON serialisable: {type(x)}")


def print_json(obj) -> None:
    print(json.dumps(obj, default=_jsonable))


# ----------------------------------------------------------------------------- commands
def cmd_solve(args: argparse.Namespace) -> int:
    from . import io
    from .models import MDP
    from .solvers import solve

    model = io.load(args.file)
    if not isinstance(model, MDP):
        # POMDPs (and anything else mdplab.load returns) solve through their own module.
        from .pomdp_cli import solve_pomdp_json  # provided by the POMDP work (issue 3)

        out = solve_pomdp_json(model, horizon=args.horizon, discount_tol=args.discount_tol, tol=args.tol)
        if args.json:
            print_json(out)
        else:
            for k, v in out.items():
                print(f"{k}: {v}")
        return 0
    if args.horizon is not None or args.discount is not None or args.average_reward:
        gamma = args.discount if args.discount is not None else (None if args.horizon is not None else model.gamma)
        if args.average_reward:
            model = model.with_criterion(average_reward=True)
        else:
            model = model.with_criterion(discount=gamma, horizon=args.horizon)
    t0 = time.perf_counter()
    kwargs = {} if args.tol is None else {"tol": args.tol}
    sol = solve(model, method=args.method, **kwargs)
    seconds = time.perf_counter() - t0
    out = {"values": sol.values, "policy": sol.policy, "iterations": sol.iterations, "seconds": seconds,
           "method": sol.method, "converged": sol.converged}
    if sol.gain is not None:
        out["gain"] = sol.gain
        out["bias"] = sol.bias
    if args.json:
        print_json(out)
    else:
        print(f"{model!r}\nmethod={sol.method} iterations={sol.iterations} converged={sol.converged} "
              f"seconds={seconds:.4f}")
        if sol.gain is not None:
            print(f"gain={sol.gain:.10g}")
        print("values:", np.array2string(np.asarray(sol.values), precision=6, threshold=20))
        print("policy:", np.array2string(np.asarray(sol.policy), threshold=40))
    return 0


def _lazy(module: str, func: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        import importlib

        return importlib.import_module(module).__getattribute__(func)(args)

    return run


# ----------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mdplab", description="Exact MDP solvers and theorem checkers.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("solve", help="solve an .npz, Cassandra .MDP or .POMDP file")
    s.add_argument("file")
    s.add_argument("--method", default="auto", help="vi | gs | pi | mpi | lp | rvi | auto (default) | ...")
    s.add_argument("--discount", type=float, default=None, help="override the file's discount")
    s.add_argument("--horizon", type=int, default=None, help="finite horizon H")
    s.add_argument("--average-reward", action="store_true", help="average-reward (gain) criterion")
    s.add_argument("--tol", type=float, default=None, help="accuracy target (see the method's docstring)")
    s.add_argument("--discount-tol", type=float, default=None, help="POMDP: certify V(b0) to this tolerance")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(run=cmd_solve)

    s = sub.add_parser("list", help="theorem-reproduction scenarios")
    s.add_argument("--json", action="store_true")
    s.set_defaults(run=_lazy("scenarios.cli", "cmd_list"))

    s = sub.add_parser("reproduce", help="reproduce theorems: run scenarios and print verdicts")
    s.add_argument("name", nargs="*", default=[], help="scenario name(s); see `mdplab list`")
    s.add_argument("--all", action="store_true")
    size = s.add_mutually_exclusive_group()
    size.add_argument("--quick", dest="size", action="store_const", const="quick")
    size.add_argument("--full", dest="size", action="store_const", const="full")
    s.set_defaults(size="quick")
    s.add_argument("--seeds", type=int, default=None)
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--scheduler", default=None, help="address of a dask.distributed scheduler")
    s.add_argument("--out", default="mdplab-results")
    s.add_argument("--resume", action="store_true")
    s.add_argument("--json", action="store_true")
    s.set_defaults(run=_lazy("scenarios.cli", "cmd_reproduce"))

    s = sub.add_parser("figures", help="regenerate paper_figs from results files")
    s.add_argument("--results", default="mdplab-results")
    s.add_argument("--out", default=None)
    s.set_defaults(run=_lazy("scenarios.cli", "cmd_figures"))

    s = sub.add_parser("ddp", help="distributional DP with stock augmentation on an .npz model")
    s.add_argument("file")
    s.add_argument("--objective", required=True, help="mean | cvar:TAU | threshold:THETA | homeostasis:TARGET")
    s.add_argument("--horizon", type=int, required=True)
    s.add_argument("--initial-state", type=int, required=True)
    s.add_argument("--json", action="store_true")
    s.set_defaults(run=_lazy("algorithms.distributional.cli", "cmd_ddp"))
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (ValueError, OSError, KeyError) as exc:
        print(f"mdplab {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
