"""``mdplab ddp FILE.npz --objective OBJ --horizon H --initial-state S [--json]``: one distributional-DP
problem with stock augmentation (:func:`algorithms.distributional.ddp.solve_ddp`, which documents the
objectives and engines) on the file's model read with ``horizon=H`` (:func:`mdplab.io.load_npz`: the
file's discount is kept, else 1).  A file whose ``R`` has shape ``(S, A, S)`` gives each transition its own
reward (the distribution of the return depends on it, not only on its mean)."""
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
    import numpy as np

    from mdplab.io import load_npz, read_npz_arrays

    from ._output import print_json, stdout_to_stderr

    if args.horizon is None or int(args.horizon) < 1:
        raise ModelError(f"--horizon must be an integer >= 1; got {args.horizon!r}")
    model = load_npz(args.file, horizon=int(args.horizon))
    R = read_npz_arrays(args.file)[1]  # (S, A, S): the reward of each transition, not the model's mean of it
    with stdout_to_stderr():
        out = solve_ddp(model, args.objective, int(args.horizon), args.initial_state,
                        transition_reward=R if np.ndim(R) == 3 else None)
    if args.json:
        print_json(out)
    else:
        print(f"objective {out['objective']} from state {args.initial_state}: {out['objective_value']:.10g} "
              f"(initial stock {out['initial_stock']:g}; gamma={out['gamma']:g}, H={out['horizon']}, "
              f"{out['engine']}, {out['seconds']:.3f} s)")
    return 0
