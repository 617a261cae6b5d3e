"""Moved (issue 14): the computation is :func:`mdplab.pomdp_planning.solve_pomdp_summary` (returns a dict);
the ``mdplab solve`` verb is :mod:`mdplab.cli.solve`.  This old name stays importable."""
from __future__ import annotations

from .pomdp import POMDP
from .pomdp_planning import MAX_EXACT_ALPHA, MAX_EXACT_SECONDS, solve_pomdp_summary
from .pomdp_planning import POINT_BASED_SECONDS as PBVI_SECONDS

__all__ = ["MAX_EXACT_ALPHA", "MAX_EXACT_SECONDS", "PBVI_SECONDS", "solve_pomdp_json"]


def solve_pomdp_json(model: POMDP, *, horizon: int | None = None, discount_tol: float | None = None,
                     tol: float | None = None) -> dict:
    """The old call: :func:`~mdplab.pomdp_planning.solve_pomdp_summary` on ``model`` (with ``horizon``: on
    ``model.with_criterion(horizon=horizon)``, the file's discount kept)."""
    if horizon is not None and isinstance(model, POMDP):
        model = model.with_criterion(horizon=horizon)
    return solve_pomdp_summary(model, discount_tol=discount_tol, tol=tol)
