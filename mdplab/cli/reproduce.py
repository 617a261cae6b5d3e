"""``mdplab reproduce NAME [NAME ...]|--all [--quick|--full] [--seeds N] [--workers N] [--scheduler ADDRESS]
[--out DIR] [--resume | --overwrite] [--json]``: run the scenarios' cells (:func:`scenarios.harness.runner.reproduce`),
print the verdict table (or, with ``--json``, a JSON list with one object per checked theorem:
``scenario, theorem, checker, quantity, verdict, expected, reason, measured, bound, source``; for bound
checks ``measured``/``bound`` are the values at the tightest cell, for rate checks the fitted and the claimed
slope; ``expected`` is ``"FAIL"`` for a check run on a deliberately broken variant, ``"PASS"`` otherwise) and
write ``DIR/report.md`` with figures.  Exit code 1 when some verdict differs from its expected one, 0
otherwise (:func:`scenarios.harness.registry.verdict_matches`): a FAIL where PASS is expected, or a PASS or
INCONCLUSIVE where FAIL is expected (a broken variant the checker did not catch).  INCONCLUSIVE where PASS
is expected is not a failure of the code, only of the evidence at this size: exit 0, the row says why."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "reproduce theorems: run scenarios and print verdicts"
#: the keys of one ``--json`` row
JSON_KEYS = ("scenario", "theorem", "checker", "quantity", "verdict", "expected", "reason", "measured", "bound",
             "source")


def add_arguments(s: argparse.ArgumentParser) -> None:
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
    s.add_argument("--resume", action="store_true", help="keep the finished records (made by the same code)")
    s.add_argument("--overwrite", action="store_true",
                   help="discard finished records in --out (without it, and without --resume, they are kept and "
                        "the run is refused)")
    s.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    from scenarios.harness.registry import all_scenarios
    from scenarios.harness.runner import reproduce
    from scenarios.harness.verdicts import json_rows, verdict_table

    from ._output import print_json

    if bool(args.all) == bool(args.name):
        raise ValueError("give a scenario NAME or --all (not both); `mdplab list` shows the names")
    names = [sc.name for sc in all_scenarios()] if args.all else list(args.name)
    rows = reproduce(names, args.size or "quick", n_seeds=args.seeds, out_dir=args.out, resume=args.resume,
                     workers=args.workers, scheduler=args.scheduler, progress=(not args.json) and sys.stderr.isatty(),
                     overwrite=args.overwrite)
    if args.json:
        print_json([{k: r[k] for k in JSON_KEYS} for r in json_rows(rows)])
    else:
        print(verdict_table(rows))
        print(f"\nreport: {Path(args.out) / 'report.md'}")
    return exit_code(rows)


def exit_code(rows) -> int:
    """1 when some row's verdict differs from its expected one (or its cells raised: row ``matches`` is
    False), else 0 (see the module docstring)."""
    from scenarios.harness.registry import verdict_matches

    return 0 if all(r.get("matches", True) and verdict_matches(r["verdict"], r.get("expected", "PASS"))
                    for r in rows) else 1
