"""``mdplab ddp FILE.npz --objective OBJ --horizon H --initial-state S [--json]``: one distributional-DP
problem with stock augmentation (:func:`algorithms.distributional.ddp.solve_ddp`, which documents the
objectives and engines) on the file's model read with ``horizon=H`` (:func:`mdplab.io.load_npz`: the
file's discount is kept, else 1)."""
from __future__ import annotations

import argparse

HELP = "distributional DP with stock augmentation on an .npz model"


def add_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("file")
    s.add_argument("--objective", required=True, help="mean | cvar:TAU | threshold:THETA | homeostasis:TARGET")
    s.add_argument("--horizon", type=int, required=True)
    s.add_argument("--initial-state", type=int, required=True)
    s.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from algorithms.distributional.ddp import solve_ddp
    from mdplab.errors import ModelError
    from mdplab.io import load_npz

    from ._output import print_json

    if args.horizon is None or int(args.horizon) < 1:
        raise ModelError(f"--horizon must be an integer >= 1; got {args.horizon!r}")
    model = load_npz(args.file, horizon=int(args.horizon))
    out = solve_ddp(model, args.objective, int(args.horizon), args.initial_state)
    if args.json:
        print_json(out)
    else:
        print(f"objective {out['objective']} from state {args.initial_state}: {out['objective_value']:.10g} "
              f"(initial stock {out['initial_stock']:g}; gamma={out['gamma']:g}, H={out['horizon']}, "
              f"{out['engine']}, {out['seconds']:.3f} s)")
    return 0
