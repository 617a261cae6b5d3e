"""``mdplab solve FILE.POMDP [--horizon H | --discount-tol T] --json``: one JSON object.

* ``--horizon H``: exact ``H``-step value at ``b0`` by incremental pruning (discount = the file's).
  Output: ``value``, ``n_alpha``, ``seconds``, ``method``.
* otherwise (discounted): certified exact value iteration to ``discount_tol`` (default ``tol`` or 1e-6);
  if the alpha set grows past ``MAX_EXACT_ALPHA`` or ``MAX_EXACT_SECONDS`` pass, HSVI and then Perseus (each
  ``PBVI_SECONDS / 2``), intersecting the valid intervals.  Output adds ``lower``, ``upper`` (``lower <= V*(b0) <= upper``) and ``certified``
  (whether ``upper - lower <= tol``).
"""
from __future__ import annotations

import time

from .errors import ModelError
from .pomdp import POMDP
from .pomdp_planning import (discounted_value_iteration, finite_horizon_value_iteration,
                             heuristic_search_value_iteration, point_based_value_iteration)

MAX_EXACT_ALPHA = 2000
MAX_EXACT_SECONDS = 60.0
PBVI_SECONDS = 60.0


def solve_pomdp_json(model: POMDP, *, horizon: int | None = None, discount_tol: float | None = None,
                     tol: float | None = None) -> dict:
    if not isinstance(model, POMDP):
        raise ModelError(f"solve_pomdp_json needs a POMDP; got {type(model).__name__}")
    t0 = time.perf_counter()
    if horizon is not None or model.criterion == "finite":
        sol = finite_horizon_value_iteration(model, horizon)
        return {"value": sol.value, "n_alpha": sol.n_alpha, "seconds": time.perf_counter() - t0,
                "horizon": int(sol.iterations), "method": sol.method}
    eps = discount_tol if discount_tol is not None else (tol if tol is not None else 1e-6)
    if eps <= 0:
        raise ModelError(f"--discount-tol must be > 0; got {eps}")
    sol = discounted_value_iteration(model, tol=eps, max_alpha=MAX_EXACT_ALPHA, max_seconds=MAX_EXACT_SECONDS)
    lower, upper = sol.lower, sol.upper
    if not sol.converged:
        # every one of these intervals contains V*(b0), so their intersection does too
        for run in (lambda: heuristic_search_value_iteration(model, max_seconds=PBVI_SECONDS / 2, tol=eps),
                    lambda: point_based_value_iteration(model, max_seconds=PBVI_SECONDS / 2, tol=eps)):
            pb = run()
            if pb.lower > lower:
                sol = pb
            lower, upper = max(lower, pb.lower), min(upper, pb.upper)
            if upper - lower <= eps:
                break
    return {"value": lower, "lower": lower, "upper": upper, "certified": bool(upper - lower <= eps),
            "tol": eps, "n_alpha": sol.n_alpha, "seconds": time.perf_counter() - t0, "method": sol.method,
            "iterations": sol.iterations}
