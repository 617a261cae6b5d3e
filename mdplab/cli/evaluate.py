"""``mdplab evaluate MODEL POLICY [--discount G] [--horizon H] [--average-reward] [--total-reward] [--json]``:
evaluate a given policy exactly (:func:`mdplab.evaluation.evaluate_policy`).

``MODEL`` is any file ``mdplab solve`` reads; the criterion flags are the same overrides (``--total-reward``:
the undiscounted total reward of the file's ``P`` and ``R``, excluding the other three).  ``POLICY`` is an
``.npz`` holding ``pi``: deterministic ``(S,)`` integers or stochastic ``(S, A)`` rows; for a finite horizon
also time-varying ``(H, S)`` / ``(H, S, A)``.  For a POMDP ``MODEL``, ``POLICY`` is a pomdp-solve ``.alpha``
file (reported as ``alpha_value_b0 = max_k alpha_k . b0``; with ``--horizon H`` also the exact ``H``-step value of
their greedy policy) or a ``.pg`` policy graph (its exact value at ``b0``, discounted, by one linear solve; with
``--horizon H`` the ``H``-step value), started at node 0 or, when pomdp-solve's ``.alpha`` of the same name lies
beside it, at the node whose vector is best at ``b0``.

Output: ``criterion``, ``values`` (``(S,)``, ``(H+1, S)`` for a finite horizon), ``gain`` and ``bias`` for
average reward; for POMDPs ``value_b0``.  Exit 2 on any error (one line).
"""
from __future__ import annotations

import argparse

HELP = "evaluate a policy file (.npz with pi; .alpha / .pg for POMDPs) on a model file"


def add_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("model")
    s.add_argument("policy")
    s.add_argument("--discount", type=float, default=None, help="override the file's discount")
    s.add_argument("--horizon", type=int, default=None, help="finite horizon H (keeps the file's discount)")
    s.add_argument("--average-reward", action="store_true", help="average-reward criterion: gain and bias")
    s.add_argument("--total-reward", action="store_true", help="undiscounted total reward (stochastic shortest path)")
    s.add_argument("--json", action="store_true", help="print one JSON object (nothing else on stdout)")


def read_policy_npz(path: str):
    """The array ``pi`` of a policy ``.npz`` (no pickles; integer or float)."""
    import zipfile

    import numpy as np

    from mdplab.errors import FileFormatError

    try:
        with np.load(path, allow_pickle=False) as f:
            if "pi" not in f.files:
                raise FileFormatError(f"{path}: a policy file holds one array 'pi'; found {sorted(f.files)}")
            pi = f["pi"]
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise FileFormatError(f"{path}: not a readable .npz policy file ({exc})") from None
    except ValueError as exc:
        if isinstance(exc, FileFormatError):
            raise
        raise FileFormatError(f"{path}: not a readable .npz policy file ({exc})") from None
    if not (np.issubdtype(pi.dtype, np.integer) or np.issubdtype(pi.dtype, np.floating)):
        raise FileFormatError(f"{path}: pi must be integers or floats; got dtype {pi.dtype}")
    return pi


def _policy_for(model, pi, path: str):
    """Integers for deterministic layouts: a float array of ``(S,)`` / ``(H, S)`` is refused (ambiguous)."""
    import numpy as np

    from mdplab.errors import FileFormatError

    S = model.n_states
    deterministic = pi.shape == (S,) or (model.criterion == "finite" and pi.shape == (model.horizon, S)
                                         and pi.shape != (S, model.n_actions))
    if deterministic and not np.issubdtype(pi.dtype, np.integer):
        raise FileFormatError(f"{path}: a deterministic pi of shape {pi.shape} must hold integer actions; got {pi.dtype}")
    return pi


def evaluate_files(model_path: str, policy_path: str, *, discount=None, horizon=None, average_reward=False,
                   total_reward=False) -> dict:
    from mdplab import io
    from mdplab.errors import ModelError
    from mdplab.models import MDP
    from mdplab.pomdp import POMDP

    if total_reward and (discount is not None or horizon is not None or average_reward):
        raise ModelError("--total-reward cannot be combined with --discount, --horizon or --average-reward")
    model = io.load(model_path, discount=discount, horizon=horizon,
                    average_reward=True if total_reward else (average_reward or None))
    if isinstance(model, POMDP):
        from mdplab.pomdp_files import evaluate_policy_file

        return evaluate_policy_file(model, policy_path, horizon=horizon)
    if not isinstance(model, MDP):
        raise ModelError(f"{model_path}: mdplab evaluate takes an MDP or a POMDP; got {type(model).__name__}")
    from mdplab.evaluation import evaluate_policy

    pi = _policy_for(model, read_policy_npz(policy_path), policy_path)
    val = evaluate_policy(model, pi, total_reward=total_reward)
    out = {"criterion": val.criterion, "values": val.values}
    if val.gain is not None:
        out["gain"] = val.gain
        out["bias"] = val.bias
    return out


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ._output import print_json, stdout_to_stderr

    with stdout_to_stderr():
        out = evaluate_files(args.model, args.policy, discount=args.discount, horizon=args.horizon,
                             average_reward=args.average_reward, total_reward=args.total_reward)
    if args.json:
        print_json(out)
    else:
        for k, v in out.items():
            shown = np.array2string(np.asarray(v), precision=6, threshold=40) if isinstance(v, np.ndarray) else v
            print(f"{k}: {shown}")
    return 0
