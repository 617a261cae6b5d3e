"""Verdicts: apply a scenario's checks (:mod:`bounds.checkers`) to its cell records, and format them.

:func:`evaluate_scenario` gives one row per check (``scenario, theorem, checker, quantity, verdict, reason,
measured, bound, source, details``); :func:`json_rows` makes rows strict JSON; :func:`verdict_table`
prints them.
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np

from bounds.checkers import FAIL, INCONCLUSIVE, Verdict, check_bound, check_lower, check_rate
from bounds.core import Bound, get_bound

from .registry import Check, Scenario, params_key, verdict_matches


# ---------------------------------------------------------------------------------------- verdicts
def _bound_values(bound: Bound, check: Check, records: list[dict]) -> np.ndarray:
    out = []
    for rec in records:
        if check.bound_key in rec["values"]:
            out.append(rec["values"][check.bound_key])
        else:
            names = {s.name for s in bound.symbols + bound.constants}
            out.append(bound.evaluate({k: v for k, v in rec["params"].items() if k in names}))
    return np.asarray(out, dtype=np.float64)


def asymptotic_slope(bound: Bound, symbol: str, scale: str, values: dict) -> float:
    """The limit, as ``symbol`` tends to infinity, of the bound's log-log exponent (``scale="loglog"``) or
    semi-log slope in ``symbol``, at ``values`` of the other symbols: the leading term's rate.  Raises when
    the limit is not a number (it still depends on an unknown constant)."""
    import sympy as sp

    x = bound.symbol(symbol)
    e = bound.exponent(x) if scale == "loglog" else bound.log_slope(x)
    subs = bound.substitution({k: v for k, v in values.items() if bound.symbol(k) != x}, partial=True)
    lim = sp.limit(sp.simplify(e.subs(subs)), x, sp.oo)
    if lim.free_symbols or not lim.is_finite:
        raise ValueError(f"bound {bound.name!r}: the limit of its {scale} slope in {symbol} is {lim}, not a number")
    return float(lim)


def run_check(scenario: Scenario, check: Check, records: list[dict]) -> Verdict:
    """Apply one check to a scenario's records (see :mod:`bounds.checkers`)."""
    bound = get_bound(check.bound)
    if check.kind in ("bound", "lower"):
        want = "<=" if check.kind == "bound" else ">="
        if bound.relation != want:
            raise ValueError(f"scenario {scenario.name!r}: a {check.kind!r} check needs a bound with relation "
                             f"{want!r}; {bound.name!r} has {bound.relation!r}")
        measured = np.asarray([r["values"].get(check.measured_key, np.nan) for r in records], dtype=np.float64)
        unset = [c.name for c in bound.constants]
        if unset and any(check.bound_key not in r["values"] for r in records):
            return Verdict(INCONCLUSIVE, f"{bound.name} has unknown constants {unset} and the cells give no bound "
                                           f"value ({check.bound_key!r}); constants are never fitted")
        b = _bound_values(bound, check, records)
        tol = check.tolerance
        scale = None if tol.scale_key is None else np.asarray([r["values"][tol.scale_key] for r in records])
        fn = check_bound if check.kind == "bound" else check_lower
        return fn(measured, b, rtol=tol.rtol, atol=tol.atol, scale=scale)
    # rate: one parameter swept, everything else fixed
    x_name = check.rate_parameter
    others = {params_key({k: v for k, v in r["params"].items() if k != x_name}) for r in records}
    if len(others) > 1:
        raise ValueError(f"scenario {scenario.name!r}: a rate check sweeps {x_name!r} only; other parameters vary "
                         f"({len(others)} combinations)")
    xs = sorted({float(r["params"][x_name]) for r in records})
    seeds = sorted({int(r["seed_index"]) for r in records})
    table = {(float(r["params"][x_name]), int(r["seed_index"])): r["values"].get(check.measured_key, np.nan)
             for r in records}
    complete = [j for j in seeds if all((x, j) in table for x in xs)]
    y = np.asarray([[table[(x, j)] for j in complete] for x in xs], dtype=np.float64).reshape(len(xs), len(complete))
    fixed = {k: v for k, v in records[0]["params"].items() if k != x_name} if records else {}
    names = {s.name for s in bound.symbols + bound.constants}
    values = {k: v for k, v in fixed.items() if k in names}
    claimed = asymptotic_slope(bound, x_name, check.scale, values) if check.asymptotic else \
        bound.slope(x_name, check.scale, values)
    return check_rate(xs, y, claimed, scale=check.scale, alternative=check.alternative, slope_atol=check.slope_atol,
                      max_ci_width=check.max_ci_width, min_seeds=check.min_seeds, min_points=check.min_points)


def evaluate_scenario(scenario: Scenario, records: list[dict]) -> list[dict]:
    """One row per check: ``scenario, theorem, checker, quantity`` (the cell output checked), ``verdict,
    expected`` (the check's expected verdict: ``"FAIL"`` for a deliberately broken variant), ``matches``
    (:func:`~scenarios.harness.registry.verdict_matches`), ``reason, measured, bound, source, details``.
    Cells that raised make every check FAIL, and that FAIL never matches: an expected FAIL must come from
    the checker, not from a crash."""
    rows = []
    errors = [r for r in records if "error" in r]
    for check in scenario.checks:
        if errors:
            v = Verdict(FAIL, f"{len(errors)}/{len(records)} cells raised; first: {errors[0]['error']}"[:300])
        else:
            v = run_check(scenario, check, records)
        bound = get_bound(check.bound)
        rows.append({"scenario": scenario.name, "theorem": check.bound, "checker": check.kind,
                     "quantity": check.measured_key, "verdict": v.status, "expected": check.expected,
                     "matches": (not errors) and verdict_matches(v.status, check.expected), "reason": v.reason,
                     "measured": v.measured, "bound": v.bound,
                     "source": bound.source.cite(), "details": v.details})
    return rows


def _finite_or_none(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite_or_none(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite_or_none(v) for v in x]
    return x


def json_rows(rows: Iterable[dict]) -> list[dict]:
    """Rows with non-finite floats replaced by ``None`` (strict JSON)."""
    return [_finite_or_none(dict(r)) for r in rows]


def verdict_label(row: dict) -> str:
    """The verdict as the table shows it: ``FAIL (expected)`` for a broken variant caught, ``PASS (expected
    FAIL)`` / ``INCONCLUSIVE (expected FAIL)`` for one not caught; a plain verdict when PASS was expected."""
    expected = row.get("expected", "PASS")
    if expected == "PASS":
        return row["verdict"]
    if row["verdict"] == expected:
        return "FAIL (expected)" if row.get("matches", True) else "FAIL (cells raised; expected a checker FAIL)"
    return f"{row['verdict']} (expected {expected})"


def verdict_table(rows: Sequence[dict]) -> str:
    """A plain-text table: scenario, theorem, check, verdict (:func:`verdict_label`), measured, bound, reason."""
    head = ("scenario", "theorem", "check", "verdict", "measured", "bound", "reason")
    fmt = lambda x: "-" if x is None else (f"{x:.4g}" if isinstance(x, float) else str(x))  # noqa: E731
    body = [tuple(verdict_label(r) if k == "verdict" else fmt(r[k])
                  for k in ("scenario", "theorem", "checker", "verdict", "measured", "bound", "reason"))
            for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
    widths[-1] = len(head[-1])
    line = lambda cols: "  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(tuple("-" * w for w in widths))] + [line(b) for b in body])
