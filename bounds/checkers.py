"""Checkers: turn measured numbers and a :class:`bounds.core.Bound` into PASS / FAIL / INCONCLUSIVE.

Three checkers, each a pure function on arrays (the scenario runner feeds them results files):

* :func:`check_bound` (upper bound, ``relation "<="``) and :func:`check_lower` (``">="``): every cell must
  satisfy ``measured <= bound + allowance`` (resp. ``>= bound - allowance``) with the explicit
  ``allowance = rtol |bound| + atol * scale`` (default 0: a tight cell, slack exactly 0, passes; any
  positive violation fails).  Fewer than ``min_cells`` cells: INCONCLUSIVE.
* :func:`check_rate`: least-squares slope of ``log(measured)`` against ``log(x)`` (``"loglog"``) or ``x``
  (``"semilog"``), on the per-x mean of ``log(measured)`` over seeds, with a percentile bootstrap
  confidence interval (Efron & Tibshirani 1993, *An Introduction to the Bootstrap*, Ch. 13) that resamples whole seeds (a seed's cells share an instance, so they are
  resampled together).  The claimed slope comes from sympy (:meth:`Bound.exponent` /
  :meth:`Bound.log_slope`).  Too few distinct x, too few seeds, non-positive values or a CI wider than
  ``max_ci_width`` give INCONCLUSIVE, never PASS.  ``alternative="equal"``: PASS when the claimed slope
  lies in the CI widened by ``slope_atol``; ``"less"``: PASS unless the whole CI lies above
  ``claimed + slope_atol``.  The bootstrap generator is seeded (``bootstrap_seed``): same data, same CI.

Every verdict carries a one-line ``reason``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PASS, FAIL, INCONCLUSIVE = "PASS", "FAIL", "INCONCLUSIVE"


@dataclass(frozen=True)
class Verdict:
    """``status`` in PASS / FAIL / INCONCLUSIVE, a one-line ``reason``, and the headline numbers:
    for bound checks the measured and bound values at the tightest cell (least slack), for rate checks
    the fitted slope and the claimed slope.  ``details`` holds the rest (CI, slack, counts)."""

    status: str
    reason: str
    measured: float | None = None
    bound: float | None = None
    details: dict = field(default_factory=dict)


def _as_float_array(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {a.shape}")
    return a


def _check_inequality(measured, bound, relation: str, rtol: float, atol: float, scale, min_cells: int) -> Verdict:
    m = _as_float_array(measured, "measured")
    b = _as_float_array(bound, "bound")
    if m.shape != b.shape:
        raise ValueError(f"measured and bound differ in length: {m.shape} vs {b.shape}")
    s = np.ones_like(m) if scale is None else np.broadcast_to(_as_float_array(np.atleast_1d(scale), "scale"), m.shape)
    if rtol < 0 or atol < 0:
        raise ValueError(f"tolerances must be >= 0; got rtol={rtol}, atol={atol}")
    n = m.size
    if n < min_cells:
        return Verdict(INCONCLUSIVE, f"only {n} cell(s), need at least {min_cells}")
    if np.isnan(m).any() or np.isnan(b).any():
        return Verdict(INCONCLUSIVE, f"{int(np.isnan(m).sum() + np.isnan(b).sum())} NaN value(s) among {n} cells")
    # slack >= 0 means the inequality holds exactly; the allowance only absorbs stated rounding.
    slack = (b - m) if relation == "<=" else (m - b)
    allowance = rtol * np.abs(b) + atol * s
    with np.errstate(invalid="ignore"):
        ok = slack >= -allowance
    i = int(np.argmin(np.where(np.isfinite(slack), slack, -np.inf)))
    details = {"cells": n, "min_slack": float(slack[i]), "allowance_at_min": float(allowance[i]),
               "violations": int((~ok).sum()), "tightest_cell": i}
    word = "upper" if relation == "<=" else "lower"
    if ok.all():
        return Verdict(PASS, f"{word} bound holds on all {n} cells (least slack {slack[i]:.3g}, allowance "
                             f"{allowance[i]:.3g})", float(m[i]), float(b[i]), details)
    j = int(np.flatnonzero(~ok)[np.argmin(slack[~ok])])
    details["worst_cell"] = j
    return Verdict(FAIL, f"{word} bound violated on {int((~ok).sum())}/{n} cells (worst: measured {m[j]:.6g} vs "
                         f"bound {b[j]:.6g}, allowance {allowance[j]:.3g})", float(m[j]), float(b[j]), details)


def check_bound(measured, bound, *, rtol: float = 0.0, atol: float = 0.0, scale=None, min_cells: int = 2) -> Verdict:
    """Upper bound: PASS iff ``measured <= bound + rtol |bound| + atol * scale`` on every cell."""
    return _check_inequality(measured, bound, "<=", rtol, atol, scale, min_cells)


def check_lower(measured, bound, *, rtol: float = 0.0, atol: float = 0.0, scale=None, min_cells: int = 2) -> Verdict:
    """Lower bound: PASS iff ``measured >= bound - rtol |bound| - atol * scale`` on every cell."""
    return _check_inequality(measured, bound, ">=", rtol, atol, scale, min_cells)


def fit_slope(x: np.ndarray, logy: np.ndarray) -> float:
    """Ordinary least-squares slope of ``logy`` on ``x``."""
    xc = x - x.mean()
    return float((xc * (logy - logy.mean())).sum() / (xc * xc).sum())


def check_rate(x, measured, claimed_slope: float, *, scale: str = "loglog", alternative: str = "equal",
               slope_atol: float = 0.0, max_ci_width: float = 0.5, min_seeds: int = 3, min_points: int = 3,
               confidence: float = 0.95, n_boot: int = 2000, bootstrap_seed: int = 0) -> Verdict:
    """Rate check.  ``x``: shape ``(n_points,)``; ``measured``: shape ``(n_points, n_seeds)`` (column j =
    seed index j at every x).  See the module docstring for the verdict rule."""
    if scale not in ("loglog", "semilog"):
        raise ValueError(f"scale must be 'loglog' or 'semilog'; got {scale!r}")
    if alternative not in ("equal", "less"):
        raise ValueError(f"alternative must be 'equal' or 'less'; got {alternative!r}")
    xs = _as_float_array(x, "x")
    y = np.asarray(measured, dtype=np.float64)
    if y.ndim != 2 or y.shape[0] != xs.size:
        raise ValueError(f"measured must have shape (len(x), n_seeds) = ({xs.size}, n); got {y.shape}")
    claimed = float(claimed_slope)
    n_points, n_seeds = y.shape
    base = {"claimed": claimed, "points": int(np.unique(xs).size), "seeds": n_seeds, "scale": scale}
    if np.unique(xs).size < min_points:
        return Verdict(INCONCLUSIVE, f"only {np.unique(xs).size} distinct x value(s), need {min_points}",
                       None, claimed, base)
    if n_seeds < min_seeds:
        return Verdict(INCONCLUSIVE, f"only {n_seeds} seed(s), need {min_seeds} for a bootstrap CI", None, claimed, base)
    if not np.all(np.isfinite(y)) or (y <= 0).any():
        return Verdict(INCONCLUSIVE, f"{int((~(np.isfinite(y) & (y > 0))).sum())} measured value(s) are not "
                                     "finite and positive; a log slope is undefined", None, claimed, base)
    if scale == "loglog":
        if (xs <= 0).any():
            raise ValueError("log-log rate check needs x > 0")
        t = np.log(xs)
    else:
        t = xs
    logy = np.log(y)
    slope = fit_slope(t, logy.mean(axis=1))
    rng = np.random.default_rng(bootstrap_seed)
    idx = rng.integers(0, n_seeds, size=(n_boot, n_seeds))
    boot_means = logy[:, idx].mean(axis=2)                      # (n_points, n_boot)
    tc = t - t.mean()
    boots = (tc[:, None] * (boot_means - boot_means.mean(axis=0))).sum(axis=0) / (tc * tc).sum()
    a = (1 - confidence) / 2
    lo, hi = (float(v) for v in np.quantile(boots, [a, 1 - a]))
    intercept = float(logy.mean() - slope * t.mean())
    details = {**base, "slope": slope, "intercept": intercept, "ci": [lo, hi], "confidence": confidence, "slope_atol": slope_atol,
               "alternative": alternative}
    ci = f"slope {slope:.4g}, {confidence:.0%} CI [{lo:.4g}, {hi:.4g}]"
    if hi - lo > max_ci_width:
        return Verdict(INCONCLUSIVE, f"{ci} is wider than {max_ci_width:g}", slope, claimed, details)
    if alternative == "equal":
        if lo - slope_atol <= claimed <= hi + slope_atol:
            return Verdict(PASS, f"{ci} contains the claimed {claimed:.4g} (+-{slope_atol:g})", slope, claimed, details)
        return Verdict(FAIL, f"{ci} excludes the claimed {claimed:.4g} (+-{slope_atol:g})", slope, claimed, details)
    if lo <= claimed + slope_atol:
        return Verdict(PASS, f"{ci} is consistent with slope <= {claimed:.4g} (+{slope_atol:g})", slope, claimed, details)
    return Verdict(FAIL, f"{ci} lies above the claimed {claimed:.4g} (+{slope_atol:g}): decays too slowly",
                   slope, claimed, details)
