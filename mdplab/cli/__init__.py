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
* ``mdplab evaluate MODEL POLICY [--discount G] [--horizon H] [--average-reward] [--total-reward] [--json]``:
  exact value of a policy file (``.npz`` with ``pi``; ``.alpha`` / ``.pg`` for POMDPs) (:mod:`.evaluate`).
* ``mdplab regret ENV --learner NAME (--steps T | --episodes K --horizon H) --seeds N [--delta D]
  [--param KEY=VALUE ...] [--workers W] [--out DIR] [--json]``: exact regret of an online learner (:mod:`.regret`).
* ``mdplab explore MODEL --learner NAME (--episodes K | --epsilon E) --seeds N [--json]``: reward-free
  exploration on a linear mixture model, exact worst-case gap or episodes to epsilon (:mod:`.explore`).

Adding a verb: write ``mdplab/cli/<module>.py`` with ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``, and add one line to :data:`VERBS`.

This package is the one part of ``mdplab/`` allowed to import ``algorithms``, ``bounds``, ``scenarios``
(and ``paper_figs``), and only lazily inside a verb's ``run``.

Exit codes (:data:`EXIT_CODES`): 0 success; 1 ``reproduce`` found a FAIL verdict; 2 an error: bad
arguments, a bad input file, a refused computation (a budget, a result that cannot be written), or an
internal error -- one line ``mdplab VERB: error: ...`` on stderr, never a traceback (``MDPLAB_DEBUG=1``
shows the traceback of an internal error); 3 ``solve`` returned an answer it could not certify
(``converged: false``) and ``--best-effort`` was not given (the answer is still printed); 141
(128 + SIGPIPE) the reader of stdout went away (``mdplab list | head -1``), quietly.  Library warnings
(e.g. :class:`mdplab.errors.CertificateWarning`) reach stderr as one line ``mdplab VERB: warning: ...``.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from typing import Sequence

from ._output import print_json

#: verb -> module of this package implementing it (``list_``: ``list`` would shadow the builtin here).
VERBS: dict[str, str] = {
    "solve": "solve",
    "list": "list_",
    "reproduce": "reproduce",
    "figures": "figures",
    "ddp": "ddp",
    "regret": "regret",
    "evaluate": "evaluate",
    "explore": "explore",
}

#: the exit codes of :func:`main` (documented in ``docs/cli.md``)
EXIT_CODES: dict[str, int] = {"ok": 0, "fail_verdict": 1, "error": 2, "unconverged": 3, "broken_pipe": 141}

__all__ = ["EXIT_CODES", "VERBS", "build_parser", "main", "print_json"]


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


def _one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line (continuation lines joined by ' | ')."""
    text = str(exc) or type(exc).__name__
    return " | ".join(part.strip() for part in text.splitlines() if part.strip())


def _stdout_usable() -> bool:
    """False when stdout is closed (``mdplab solve f >&-``: Python then sets ``sys.stdout`` to None)."""
    if sys.stdout is None:
        return False
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a replaced stream (pytest's capture): trust it
        return not getattr(sys.stdout, "closed", False)
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Run one verb; return the exit code (:data:`EXIT_CODES`).  Every exception is caught here."""
    parser = build_parser()
    args = parser.parse_args(argv)
    verb = args.command
    if not _stdout_usable():
        print(f"mdplab {verb}: error: standard output is closed; the result could not be written", file=sys.stderr)
        return EXIT_CODES["error"]

    def show_warning(message, category, filename, lineno, file=None, line=None):  # one line, no source dump
        print(f"mdplab {verb}: warning: {_one_line(message) if isinstance(message, Warning) else message}",
              file=sys.stderr)

    from mdplab.errors import ConvergenceError

    import zipfile

    with warnings.catch_warnings():
        warnings.showwarning = show_warning
        try:
            code = int(args.run(args) or 0)
            if sys.stdout is not None:
                sys.stdout.flush()  # a full disk or a closed pipe shows here, not after we said success
            return code
        except BrokenPipeError:
            return _broken_pipe()
        except (ValueError, OSError, KeyError, ConvergenceError, MemoryError, OverflowError,
                zipfile.BadZipFile) as exc:  # BadZipFile: a truncated .npz read by a verb's own loader
            if isinstance(exc, OSError) and exc.errno == 32:  # EPIPE from a C layer
                return _broken_pipe()
            what = "out of memory" if isinstance(exc, MemoryError) else _one_line(exc)
            if isinstance(exc, KeyError):
                what = f"missing key {exc.args[0]!s}" if exc.args else "missing key"
            print(f"mdplab {verb}: error: {what}", file=sys.stderr)
            if os.environ.get("MDPLAB_DEBUG"):
                import traceback

                traceback.print_exc()
            return EXIT_CODES["error"]
        except KeyboardInterrupt:
            print(f"mdplab {verb}: interrupted", file=sys.stderr)
            return 130
        except Exception as exc:  # noqa: BLE001 -- the CLI boundary: never a traceback unless asked for
            print(f"mdplab {verb}: internal error ({type(exc).__name__}: {_one_line(exc)}); please report it "
                  f"(MDPLAB_DEBUG=1 shows the traceback)", file=sys.stderr)
            if os.environ.get("MDPLAB_DEBUG"):
                import traceback

                traceback.print_exc()
            return EXIT_CODES["error"]


def _broken_pipe() -> int:
    """The reader of stdout went away: exit quietly (Python would otherwise complain again at shutdown)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        pass
    return EXIT_CODES["broken_pipe"]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
