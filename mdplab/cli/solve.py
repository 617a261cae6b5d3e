"""``mdplab solve FILE [--method M] [--discount G] [--horizon H] [--average-reward] [--total-reward] [--tol T]
[--discount-tol T] [--json]``: solve an ``.npz`` (mdplab's layout, or the state-action-pair and pymdptoolbox
layouts of :mod:`mdplab.forms`), Cassandra ``.MDP`` or ``.POMDP`` file.  ``--total-reward``: undiscounted total
reward (stochastic shortest path, :mod:`mdplab.solvers.total`), alone among the criterion flags.  On a ``.POMDP``
file ``--total-reward`` is the indefinite-horizon undiscounted problem with goal states
(:func:`mdplab.pomdp_goal.goal_pomdp_summary`: certified ``[lower, upper]`` at ``b0``, ``value = lower``); the
file's discount (1, or any other) is ignored.  ``--goal 3,7`` (indices or state names) gives its goal states
(default: every state absorbing with reward 0 under every action); ``--max-seconds`` and ``--max-trials`` bound
its search.  These three flags apply to nothing else and are refused elsewhere.

The criterion flags are the loader's overrides (:func:`mdplab.io.load`, rules in :func:`mdplab.io.criterion`):
each replaces only what it names, so ``--horizon H`` keeps the file's discount (add ``--discount 1`` for
the undiscounted total); ``--average-reward`` with ``--horizon`` or ``--discount`` is an error.  MDPs go to
:func:`mdplab.solve`; POMDPs to :func:`mdplab.pomdp_planning.solve_pomdp_summary`, which takes
``--discount`` (and ``--horizon``) through the loader but has no ``--method`` choice: any method other than
``auto`` is an error, as is ``--discount-tol`` on an MDP.

Exit codes: 0 for a certified answer; 3 when the answer is not certified (``converged: false``, or a POMDP's
``certified: false``) -- the answer is still printed and stderr says why -- unless ``--best-effort`` is
given (then 0); 2 for any error (one line on stderr).  With ``--json`` stdout carries nothing but the JSON
object: whatever a solver prints (the LP solver's banner, from C) is sent to stderr at the descriptor level.
"""
from __future__ import annotations

import argparse
import time

HELP = "solve an .npz, Cassandra .MDP or .POMDP file"


def add_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("file")
    s.add_argument("--method", default="auto", help="vi | gs | pi | mpi | lp | rvi | auto (default) | ...")
    s.add_argument("--discount", type=float, default=None, help="override the file's discount")
    s.add_argument("--horizon", type=int, default=None, help="finite horizon H (keeps the file's discount)")
    s.add_argument("--average-reward", action="store_true", help="average-reward (gain) criterion")
    s.add_argument("--total-reward", action="store_true",
                   help="undiscounted total reward / stochastic shortest path (goal states: zero-reward self-loops)")
    s.add_argument("--tol", type=float, default=None, help="accuracy target (see the method's docstring)")
    s.add_argument("--discount-tol", type=float, default=None, help="POMDP: certify V(b0) to this tolerance")
    s.add_argument("--goal", default=None, metavar="S1,S2,...",
                   help="--total-reward on a POMDP: the goal states (indices or state names; default: the states "
                        "absorbing with reward 0 under every action)")
    s.add_argument("--max-seconds", type=float, default=None,
                   help="POMDP: time budget (discounted: exact VI then HSVI2, default 120 in all; --total-reward: the "
                        "bound search, default 60)")
    s.add_argument("--max-trials", type=int, default=None,
                   help="--total-reward on a POMDP: trial budget of the bound search (default 1000)")
    s.add_argument("--json", action="store_true", help="print one JSON object (nothing else on stdout)")
    s.add_argument("--best-effort", action="store_true",
                   help="exit 0 even when the answer is not certified (default: exit code 3 and a note on stderr)")


def _looks_like_pomdp_text(path: str) -> bool:
    """Whether ``path`` is a Cassandra text file declaring ``observations:`` (a ``.POMDP``), comments skipped;
    a cheap look before parsing (the parse decides: a wrong guess only costs a second read)."""
    import re

    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError:
        return False                                            # the loader reports it
    if raw.startswith(b"PK"):
        return False
    text = re.sub(r"#[^\n]*", "", raw.decode("utf-8", errors="replace"))
    return re.search(r"(?<![\w.-])observations\s*:", text) is not None


def load_total_reward(path: str):
    """The model in ``path`` for the undiscounted total reward: a POMDP (Cassandra ``.POMDP``; its discount, 1 or
    not, is ignored by :mod:`mdplab.pomdp_goal`) or the loader's average-reward reading of an MDP file (only ``P``
    and ``R`` are used, :mod:`mdplab.solvers.total`)."""
    from mdplab import io
    from mdplab.pomdp import POMDP

    if _looks_like_pomdp_text(path):
        from mdplab.cassandra import read_cassandra_file

        # horizon=1 only gets past the reader's "discount 1 needs a horizon" rule; the goal solver reads P, O, R, b0
        model = read_cassandra_file(path, horizon=1).model
        if isinstance(model, POMDP):
            return model
    return io.load(path, average_reward=True)


def parse_goal(text: str, model) -> list[int]:
    """``--goal`` (comma-separated state indices or names) as indices, each checked against the model's states."""
    from mdplab.errors import ModelError

    names = list(getattr(model, "state_names", None) or [])
    S = model.n_states
    out = []
    for tok in (t.strip() for t in text.split(",")):
        if not tok:
            raise ModelError(f"--goal {text!r}: an empty entry (give comma-separated state indices or names)")
        if tok in names:
            out.append(names.index(tok))
            continue
        try:
            s = int(tok)
        except ValueError:
            known = f"; the state names are {names[:10]}{' ...' if len(names) > 10 else ''}" if names else ""
            raise ModelError(f"--goal {text!r}: {tok!r} is neither a state index nor a state name{known}") from None
        if not 0 <= s < S:
            raise ModelError(f"--goal {text!r}: state index {s} is out of range 0..{S - 1} (the model has {S} states)")
        out.append(s)
    return out


def solve_file(path: str, *, method: str = "auto", discount: float | None = None, horizon: int | None = None,
               average_reward: bool = False, tol: float | None = None,
               discount_tol: float | None = None, total_reward: bool = False, goal: str | None = None,
               max_seconds: float | None = None, max_trials: int | None = None) -> tuple[object, dict]:
    """Load ``path`` under the criterion overrides and solve it: ``(model, summary dict)``.  ``total_reward``:
    the undiscounted total reward of the file's ``P`` and ``R`` (:mod:`mdplab.solvers.total`); on a POMDP the
    goal-state problem (:func:`mdplab.pomdp_goal.goal_pomdp_summary`, with ``goal``, ``max_seconds``,
    ``max_trials``, which apply to nothing else)."""
    from mdplab import io
    from mdplab.errors import ModelError
    from mdplab.pomdp import POMDP
    from mdplab.solvers import solve

    goal_flags = [f for f, v in (("--goal", goal), ("--max-seconds", max_seconds), ("--max-trials", max_trials))
                  if v is not None]
    only_goal = [f for f in goal_flags if f != "--max-seconds"]   # --max-seconds also bounds a discounted POMDP
    if only_goal and not total_reward:
        raise ModelError(f"{', '.join(only_goal)} applies to --total-reward on a .POMDP file (goal states) only")
    if max_seconds is not None and not max_seconds > 0:
        raise ModelError(f"--max-seconds must be > 0; got {max_seconds:g}")
    if max_trials is not None and max_trials < 0:
        raise ModelError(f"--max-trials must be >= 0; got {max_trials}")
    if total_reward:
        clash = [f for f, v in (("--discount", discount), ("--horizon", horizon), ("--average-reward", average_reward),
                                ("--discount-tol", discount_tol)) if v]
        if clash:
            raise ModelError(f"--total-reward cannot be combined with {', '.join(clash)}")
        if method not in ("auto", "total"):
            raise ModelError(f"--total-reward is solved by method 'total' (policy iteration from a proper policy; "
                             f"bound search on a POMDP); got --method {method}")
        method = "total"
        model = load_total_reward(path)
        if isinstance(model, POMDP):
            from mdplab.pomdp_goal import goal_pomdp_summary

            if tol is not None and not (tol >= 0 and tol < float("inf")):
                raise ModelError(f"--tol must be a finite number >= 0; got {tol:g}")
            opts = {k: v for k, v in (("tol", tol), ("max_seconds", max_seconds), ("max_trials", max_trials))
                    if v is not None}
            try:
                out = goal_pomdp_summary(model, None if goal is None else parse_goal(goal, model), **opts)
            except ValueError as exc:                           # ModelError, NotApplicableError: name the file
                raise type(exc)(f"{path}: {exc}") from None
            return model, out
        if goal_flags:
            raise ModelError(f"{', '.join(goal_flags)} applies to .POMDP files; {path} holds an MDP, whose goal states "
                             f"are its zero-reward self-loops (mdplab.solvers.total.goal_states)")
    else:
        try:
            model = io.load(path, discount=discount, horizon=horizon, average_reward=average_reward or None)
        except ModelError as exc:
            if horizon is None and "an undiscounted model needs a horizon" in str(exc):
                raise type(exc)(f"{exc}; or --total-reward for the indefinite-horizon total reward (goal states)") \
                    from None
            raise
    if total_reward and not isinstance(model, io.MDP):
        raise ModelError(f"--total-reward applies to MDP and POMDP files; {path} holds a {type(model).__name__}")
    from mdplab.lmdp import LatentMDP

    if isinstance(model, LatentMDP):  # exact optimum over history-dependent policies (alpha vectors)
        from mdplab.lmdp import lmdp_value_iteration

        if method != "auto" or tol is not None or discount_tol is not None:
            raise ModelError(f"{path} holds a latent MDP, solved exactly by alpha-vector value iteration: "
                             f"--method, --tol and --discount-tol do not apply")
        t0 = time.perf_counter()
        sol = lmdp_value_iteration(model)
        return model, {"value": sol.value, "seconds": time.perf_counter() - t0, "method": "lmdp-alpha-vectors",
                       "n_alpha": sol.n_alpha, "contexts": model.n_contexts, "horizon": model.horizon}
    if isinstance(model, POMDP):
        from mdplab.pomdp_planning import solve_pomdp_summary

        if max_seconds is not None and model.criterion != "discounted":
            raise ModelError(f"--max-seconds bounds the discounted or goal (--total-reward) POMDP solvers; {path} is "
                             f"solved exactly at its finite horizon")
        return model, solve_pomdp_summary(model, method=method, discount_tol=discount_tol, tol=tol,
                                          max_seconds=max_seconds)
    if max_seconds is not None:
        raise ModelError(f"--max-seconds applies to .POMDP files (discounted, or --total-reward); {path} holds a "
                         f"model of type {type(model).__name__}")
    if discount_tol is not None:
        raise ModelError(f"--discount-tol applies to .POMDP files only; {path} holds an MDP (use --tol)")
    if model.criterion == "finite":  # backward induction stores values, q and a policy per stage
        from mdplab.errors import BudgetExceededError

        need = 8 * (model.horizon + 1) * model.n_states * (2 * model.n_actions + 2)
        if need > io.memory_budget():
            raise BudgetExceededError(f"--horizon {model.horizon}: backward induction over {model.horizon} stages "
                                      f"of {model.n_states} states needs about {need / 2**30:.3g} GiB, above the "
                                      f"memory budget of {io.memory_budget() / 2**30:.3g} GiB (MDPLAB_MAX_BYTES)")
    t0 = time.perf_counter()
    sol = solve(model, method=method, **({} if tol is None else {"tol": tol}))
    out = {"values": sol.values, "policy": sol.policy, "iterations": sol.iterations,
           "seconds": time.perf_counter() - t0, "method": sol.method, "converged": sol.converged}
    if sol.gain is not None:
        out["gain"] = sol.gain
        out["bias"] = sol.bias
    return model, out


def run(args: argparse.Namespace) -> int:
    import sys

    import numpy as np

    from mdplab.models import MDP

    from ._output import print_json, stdout_to_stderr

    with stdout_to_stderr():
        model, out = solve_file(args.file, method=args.method, discount=args.discount, horizon=args.horizon,
                                average_reward=args.average_reward, tol=args.tol, discount_tol=args.discount_tol,
                                total_reward=args.total_reward, goal=args.goal, max_seconds=args.max_seconds,
                                max_trials=args.max_trials)
    if args.json:
        print_json(out)
    elif not isinstance(model, MDP):
        for k, v in out.items():
            print(f"{k}: {v}")
    else:
        print(f"{model!r}\nmethod={out['method']} iterations={out['iterations']} converged={out['converged']} "
              f"seconds={out['seconds']:.4f}")
        if "gain" in out:
            g = np.asarray(out["gain"])
            print(f"gain={float(g):.10g}" if g.ndim == 0 else "gain: " + np.array2string(g, precision=6, threshold=20))
        print("values:", np.array2string(np.asarray(out["values"]), precision=6, threshold=20))
        print("policy:", np.array2string(np.asarray(out["policy"]), threshold=40))
    certified = out.get("converged", out.get("certified", True))
    if not certified and "upper" in out and "lower" in out:     # POMDP bounds: goal (total) or discounted
        goal = out.get("criterion") == "total"
        spent = f"{out['iterations']} trials and {out['seconds']:.3g} s" if goal else f"{out['seconds']:.3g} s"
        raise_ = ("--max-seconds / --max-trials or loosen --tol" if goal
                  else "--max-seconds, default 120, or loosen --discount-tol")
        print(f"mdplab solve: {args.file}: the answer is NOT certified: upper - lower = "
              f"{out['upper'] - out['lower']:.6g} is above {'--tol' if goal else '--discount-tol'} {out['tol']:g} "
              f"after {spent} (raise {raise_}); "
              + ("--best-effort: exit 0" if args.best_effort else "exit code 3 (--best-effort accepts it)"),
              file=sys.stderr)
        return 0 if args.best_effort else 3
    if not certified:
        print(f"mdplab solve: {args.file}: the answer is NOT certified (converged: false): the solver could not "
              f"certify the requested tolerance (see the warning above; raise max_iter, loosen --tol or use "
              f"another --method); " + ("--best-effort: exit 0" if args.best_effort else
                                         "exit code 3 (--best-effort accepts it)"), file=sys.stderr)
        return 0 if args.best_effort else 3
    return 0
