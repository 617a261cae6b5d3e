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

With ``--total-reward`` a POMDP ``MODEL`` (its discount, 1 or not, ignored) is the indefinite-horizon problem with
goal states (:func:`mdplab.pomdp_goal.pomdp_goal_states`: absorbing with reward 0 under every action) and only a
``.pg`` graph is evaluated: exactly, by one linear solve on the ``(node, state)`` pairs reachable from ``b0``
(:func:`mdplab.pomdp_files.policy_graph_value` with ``gamma = 1``), refused when the graph is improper (some
reachable pair never reaches a goal state).  An ``.alpha`` file is refused there (its greedy policy has no exact
undiscounted evaluation here).

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
    if total_reward:
        from .solve import load_total_reward

        model = load_total_reward(model_path)
    else:
        model = io.load(model_path, discount=discount, horizon=horizon, average_reward=average_reward or None)
    if isinstance(model, POMDP) and total_reward:
        return evaluate_goal_policy_graph(model, policy_path)
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


def evaluate_goal_policy_graph(model, policy_path: str) -> dict:
    """The undiscounted total reward at ``b0`` of a ``.pg`` graph on a goal POMDP (module docstring): the start
    node as :func:`mdplab.pomdp_files.evaluate_policy_file` picks it; refused unless every ``(node, state)`` pair
    reachable from ``b0`` reaches a goal state with probability 1 (a finite chain whose goal pairs form a closed
    set is absorbed there surely iff every reachable pair has a path to them)."""
    from dataclasses import replace
    from pathlib import Path

    import numpy as np
    from scipy.sparse.csgraph import breadth_first_order

    from mdplab.errors import FileFormatError, NotApplicableError
    from mdplab.pomdp_files import _graph_operator, policy_graph_start, policy_graph_value, read_pg, value_at
    from mdplab.pomdp_goal import pomdp_goal_states

    path = Path(policy_path)
    if path.suffix.lower() != ".pg":
        raise FileFormatError(f"{path}: --total-reward on a POMDP evaluates a .pg policy graph only (an .alpha file's "
                              f"greedy policy has no exact undiscounted evaluation here)")
    if not path.is_file():
        raise FileFormatError(f"{path}: no such file")
    goal = pomdp_goal_states(model)
    graph = read_pg(path, n_observations=model.n_observations)
    start, how = policy_graph_start(model, path, graph)
    graph = replace(graph, start=start)
    try:
        V = policy_graph_value(model, graph, gamma=1.0)  # refuses missing successors and reward-earning cycles
    except NotApplicableError as exc:
        raise NotApplicableError(f"{path}: {exc}") from None
    S = model.n_states
    M = _graph_operator(model, np.asarray(graph.action, dtype=np.int64), np.asarray(graph.next, dtype=np.int64))
    seen = np.zeros(M.shape[0], dtype=bool)
    for s in np.flatnonzero(np.asarray(model.b0) > 0):
        seen[breadth_first_order(M, start * S + int(s), directed=True, return_predecessors=False)] = True
    at_goal = np.tile(goal, graph.action.shape[0])
    reaches = at_goal.copy()                        # pairs with a path to a goal pair (backward search)
    MT = M.T.tocsr()
    frontier = list(np.flatnonzero(at_goal))
    while frontier:
        k = frontier.pop()
        for j in MT.indices[MT.indptr[k]:MT.indptr[k + 1]]:
            if not reaches[j]:
                reaches[j] = True
                frontier.append(j)
    bad = np.flatnonzero(seen & ~reaches)
    if bad.size:
        n, s = divmod(int(bad[0]), S)
        name = model.state_names[s] if getattr(model, "state_names", None) else s
        raise NotApplicableError(f"{path}: the policy graph is improper: from node {n} in state {name} (reachable from "
                                 f"b0) it never reaches a goal state (goal states {np.flatnonzero(goal).tolist()})")
    return {"criterion": "total", "policy": "policy_graph", "nodes": int(graph.action.shape[0]), "start_node": start,
            "start_rule": how, "value_b0": value_at(model.b0, V[start]), "node_values": V,
            "goal_states": [int(g) for g in np.flatnonzero(goal)]}


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
