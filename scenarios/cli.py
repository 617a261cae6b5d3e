"""``mdplab list``, ``mdplab reproduce`` and ``mdplab figures`` (the parser lives in :mod:`mdplab.cli`).

* ``list [--json]``: every registered scenario with its theorems and their sources.
* ``reproduce NAME|--all [--quick|--full] [--seeds N] [--workers N] [--scheduler ADDRESS] [--out DIR]
  [--resume] [--json]``: run the cells (:mod:`scenarios.runner`), print the verdict table (or, with
  ``--json``, a JSON list with one object per checked theorem: ``scenario, theorem, checker, quantity,
  verdict, reason, measured, bound, source``; for bound checks ``measured``/``bound`` are the values at
  the tightest cell, for rate checks the fitted and the claimed slope), write ``DIR/report.md`` with figures.  Exit code 1 when any
  verdict is FAIL, 0 otherwise (INCONCLUSIVE is not a failure of the code, only of the evidence).
* ``figures [--results DIR] [--out DIR]``: run every ``paper_figs/<name>.py`` script (each has
  ``make(results_dir, out_dir) -> list[Path]``) on the results files in ``DIR``; default output
  ``DIR/paper_figs``.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

from bounds.core import get_bound

from .registry import all_scenarios
from .runner import json_rows, reproduce, verdict_table

#: ``paper_figs/`` at the repository root (beside the ``scenarios`` package).
PAPER_FIGS = Path(__file__).resolve().parents[1] / "paper_figs"


def cmd_list(args: argparse.Namespace) -> int:
    items = []
    for sc in all_scenarios():
        theorems = [{"name": b, "source": get_bound(b).source.cite()} for b in sc.bound_names]
        items.append({"name": sc.name, "description": sc.description, "family": sc.family, "algorithm": sc.algorithm,
                      "checks": [f"{c.kind}:{c.bound}" for c in sc.checks], "theorems": theorems,
                      "quick_cells": len(sc.grid["quick"]) * sc.seeds["quick"],
                      "full_cells": len(sc.grid["full"]) * sc.seeds["full"]})
    if getattr(args, "json", False):
        print(json.dumps(items))
        return 0
    for it in items:
        print(f"{it['name']}: {it['description']}")
        for th in it["theorems"]:
            print(f"    {th['name']}  ({th['source']})")
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    if bool(args.all) == bool(args.name):
        raise ValueError("give a scenario NAME or --all (not both); `mdplab list` shows the names")
    names = [sc.name for sc in all_scenarios()] if args.all else list(args.name)
    rows = reproduce(names, args.size or "quick", n_seeds=args.seeds, out_dir=args.out, resume=args.resume,
                     workers=args.workers, scheduler=args.scheduler, progress=(not args.json) and sys.stderr.isatty())
    if args.json:
        keys = ("scenario", "theorem", "checker", "quantity", "verdict", "reason", "measured", "bound", "source")
        print(json.dumps([{k: r[k] for k in keys} for r in json_rows(rows)]))
    else:
        print(verdict_table(rows))
        print(f"\nreport: {Path(args.out) / 'report.md'}")
    return 1 if any(r["verdict"] == "FAIL" for r in rows) else 0


def figure_scripts(directory: Path | None = None) -> list[Path]:
    """The figure scripts: ``paper_figs/*.py`` (default :data:`PAPER_FIGS`) except private ``_*.py``."""
    directory = PAPER_FIGS if directory is None else Path(directory)
    return sorted(p for p in directory.glob("*.py") if not p.name.startswith("_"))


def load_script(path: Path):
    spec = importlib.util.spec_from_file_location(f"paper_figs.{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cmd_figures(args: argparse.Namespace) -> int:
    results = Path(args.results)
    if not results.is_dir():
        raise ValueError(f"no results directory {results} (run `mdplab reproduce ... --out {results}` first)")
    out = Path(args.out) if args.out else results / "paper_figs"
    out.mkdir(parents=True, exist_ok=True)
    made, skipped = [], []
    for script in figure_scripts():
        paths = load_script(script).make(results, out)
        (made.extend(paths) if paths else skipped.append(script.stem))
    for p in made:
        print(p)
    if skipped:
        print(f"skipped (no results files for them in {results}): {', '.join(skipped)}", file=sys.stderr)
    return 0
