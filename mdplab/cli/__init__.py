"""The ``mdplab`` command line: one module per verb, each a thin layer over a library call that returns data.

Verbs (flags are contracts, see the issues):

* ``mdplab solve FILE [--method vi|pi|mpi|lp|...] [--discount G] [--horizon H] [--average-reward]
  [--tol T] [--discount-tol T] [--json]``: solve an ``.npz`` / Cassandra ``.MDP`` / ``.POMDP`` file
  (:mod:`.solve`).
* ``mdplab list [--json]``: theorem-reproduction scenarios with their theorem and source (:mod:`.list_`).
* ``mdplab reproduce NAME [NAME ...]|--all [--quick|--full] [--seeds N] [--workers N] [--scheduler ADDRESS]
  [--out DIR] [--resume] [--json]`` (:mod:`.reproduce`).
* ``mdplab figures [--results DIR] [--out DIR]``: regenerate ``paper_figs`` from results files (:mod:`.figures`).
* ``mdplab ddp FILE.npz --objective OBJ --horizon H --initial-state S [--json]`` (:mod:`.ddp`).

Adding a verb: write ``mdplab/cli/<module>.py`` with ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``, and add one line to :data:`VERBS`.

This package is the one part of ``mdplab/`` allowed to import ``algorithms``, ``bounds``, ``scenarios``
(and ``paper_figs``), and only lazily inside a verb's ``run``.  Errors (``ValueError``, ``OSError``,
``KeyError``) go to stderr as ``mdplab VERB: error: ...`` with exit code 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from ._output import print_json

#: verb -> module of this package implementing it (``list_``: ``list`` would shadow the builtin here).
VERBS: dict[str, str] = {
    "solve": "solve",
    "list": "list_",
    "reproduce": "reproduce",
    "figures": "figures",
    "ddp": "ddp",
}

__all__ = ["VERBS", "build_parser", "main", "print_json"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: one sub-command per entry of :data:`VERBS`."""
    p = argparse.ArgumentParser(prog="mdplab", description="Exact MDP solvers and theorem checkers.")
    sub = p.add_subparsers(dest="command", required=True)
    for verb, module in VERBS.items():
        mod = importlib.import_module(f"{__name__}.{module}")
        s = sub.add_parser(verb, help=mod.HELP)
        mod.add_arguments(s)
        s.set_defaults(run=mod.run)
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
