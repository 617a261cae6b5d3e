"""Moved (issue 14): the computation is :mod:`algorithms.distributional.ddp` (:func:`solve_ddp` returns a
dict); the ``mdplab ddp`` verb is :mod:`mdplab.cli.ddp`.  This old name re-exports the library names."""
from .ddp import MAX_GRID_CELLS, parse_objective, solve_ddp

__all__ = ["MAX_GRID_CELLS", "parse_objective", "solve_ddp"]
