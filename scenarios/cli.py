"""Moved (issue 14): the ``list``, ``reproduce`` and ``figures`` verbs are :mod:`mdplab.cli.list_`,
:mod:`mdplab.cli.reproduce` and :mod:`mdplab.cli.figures`, over :func:`scenarios.harness.registry.catalogue`,
:func:`scenarios.harness.runner.reproduce` and :func:`paper_figs.make_all`.  This old name keeps the
handlers ``cmd_list``, ``cmd_reproduce``, ``cmd_figures``."""
from __future__ import annotations

import argparse


def cmd_list(args: argparse.Namespace) -> int:
    from mdplab.cli.list_ import run

    return run(args)


def cmd_reproduce(args: argparse.Namespace) -> int:
    from mdplab.cli.reproduce import run

    return run(args)


def cmd_figures(args: argparse.Namespace) -> int:
    from mdplab.cli.figures import run

    return run(args)
