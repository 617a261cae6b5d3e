"""Figure scripts: one module per figure, each with ``make(results_dir, out_dir) -> list[Path]`` reading the
``<scenario>.jsonl`` results files of ``mdplab reproduce``; ``mdplab figures`` runs them all, and each runs
alone as ``python paper_figs/<name>.py RESULTS_DIR OUT_DIR``.  Bound curves come from the registered sympy
bound itself (:func:`scenarios.harness.report.plot_bound_curve`), with the legend from ``sympy.latex``.

The package is imported (``import paper_figs.<name>``), never loaded by file path: :func:`figure_names`
lists the figure modules and :func:`make_all` runs them.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
from pathlib import Path


def figure_names() -> list[str]:
    """The figure modules of this package (``paper_figs.<name>``; private ``_*`` modules excluded), sorted."""
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_"))


def finished_records(results_dir: str | os.PathLike, scenarios) -> dict[str, list[dict]]:
    """``{scenario: records}`` of the results files in ``results_dir``, without the cells that raised (their
    records hold ``"error"``); every list empty when nothing was run."""
    from scenarios.harness.runner import read_results, results_path

    return {name: [r for r in read_results(results_path(results_dir, name)) if "error" not in r] for name in scenarios}


def make_all(results_dir: str | os.PathLike, out_dir: str | os.PathLike) -> tuple[list[Path], list[str]]:
    """Run ``make(results_dir, out_dir)`` of every figure module (:func:`figure_names`); return the PNGs
    written and the names of the modules that found no results files to draw from."""
    made: list[Path] = []
    skipped: list[str] = []
    for name in figure_names():
        paths = importlib.import_module(f"{__name__}.{name}").make(Path(results_dir), Path(out_dir))
        if paths:
            made.extend(paths)
        else:
            skipped.append(name)
    return made, skipped
