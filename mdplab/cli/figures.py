"""``mdplab figures [--results DIR] [--out DIR]``: run every figure module of the ``paper_figs`` package
(:func:`paper_figs.make_all`; each has ``make(results_dir, out_dir) -> list[Path]``) on the results files
in ``DIR``; default output ``DIR/paper_figs``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "regenerate paper_figs from results files"


def add_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("--results", default="mdplab-results")
    s.add_argument("--out", default=None)


def run(args: argparse.Namespace) -> int:
    try:
        import paper_figs
    except ImportError as exc:  # a wheel without the figure scripts
        raise ValueError(f"the figure package paper_figs is not importable ({exc}); install mdplab from its "
                         f"repository (pip install -e .)") from None

    results = Path(args.results)
    if not results.is_dir():
        raise ValueError(f"no results directory {results} (run `mdplab reproduce ... --out {results}` first)")
    out = Path(args.out) if args.out else results / "paper_figs"
    out.mkdir(parents=True, exist_ok=True)
    made, skipped = paper_figs.make_all(results, out)
    for p in made:
        print(p)
    if skipped:
        print(f"skipped (no results files for them in {results}): {', '.join(skipped)}", file=sys.stderr)
    return 0
