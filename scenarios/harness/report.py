"""The report of a run (``<out>/report.md`` with one figure per scenario) and the plotting helpers the
``paper_figs`` scripts share (:func:`save_figure`, :func:`plot_bound_curve`: a bound's own sympy
expression as a curve).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from bounds.core import Bound, UnknownSymbolError, get_bound

from .registry import Scenario, get_scenario
from .verdicts import _bound_values, verdict_label


# ---------------------------------------------------------------------------------------- report
def save_figure(fig, out_dir: str | os.PathLike, name: str) -> Path:
    """Write ``fig`` as ``<out_dir>/<name>`` (PNG, 120 dpi), creating the folder, close it, return the path:
    the last step of every ``paper_figs`` script."""
    import matplotlib.pyplot as plt

    out = Path(out_dir) / name
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def plot_bound_curve(ax, bound: Bound, symbol: str, xs, values: dict, label_prefix: str = "", **style):
    """Draw ``bound`` against ``symbol`` over ``xs`` with the other symbols at ``values``: the curve is
    the bound's own sympy expression (lambdified through the stored Symbols, conditions checked at
    the ends of the range) and the legend is ``sympy.latex`` of it."""
    import sympy as sp

    x = bound.symbol(symbol)
    subs = bound.substitution({k: v for k, v in values.items() if bound.symbol(k) != x}, partial=True)
    expr = bound.expr.subs(subs)
    if expr.free_symbols - {x}:
        raise ValueError(f"plot_bound_curve: {bound.name} still depends on {expr.free_symbols - {x}}")
    xs = np.asarray(xs, dtype=float)
    for xv in (xs.min(), xs.max()):
        bound.substitution({**values, symbol: xv} if x.is_integer is not True else {**values, symbol: round(xv)},
                           partial=True)
    f = sp.lambdify(x, expr, "numpy")
    ys = np.broadcast_to(np.asarray(f(xs), dtype=float), xs.shape)
    rel = {"<=": r"\leq", ">=": r"\geq"}[bound.relation]
    label = f"{label_prefix}${rel} {sp.latex(bound.expr)}$"
    return ax.plot(xs, ys, label=label, **style)


def scenario_figure(scenario: Scenario, records: list[dict], rows: list[dict], path: Path) -> Path:
    """Generic figure: for a rate check, measured (per seed) and bound against the rate parameter; otherwise
    measured against bound per cell, with the line measured = bound."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    checks = scenario.checks
    fig, axes = plt.subplots(1, len(checks), figsize=(4.6 * len(checks), 3.8), squeeze=False)
    fig.subplots_adjust(left=0.16 / len(checks), right=1 - 0.03 / len(checks), bottom=0.14, top=0.9,
                        wspace=0.35)  # fixed margins: tight_layout costs ~1 s a figure
    for ax, check, row in zip(axes[0], checks, rows):
        m = np.asarray([r["values"].get(check.measured_key, np.nan) for r in records], dtype=float)
        try:
            b = _bound_values(get_bound(check.bound), check, records)
        except UnknownSymbolError:  # unknown constants or per-instance symbols: no bound values to draw
            b = np.full(m.shape, np.nan)
        if check.kind == "rate":
            x = np.asarray([r["params"][check.rate_parameter] for r in records], dtype=float)
            ax.scatter(x, m, s=10, alpha=0.6, label="measured (per seed)")
            order = np.argsort(x)
            if np.isfinite(b).any():
                ax.plot(x[order], b[order], "k.", ms=3, label="bound (per cell)")
            d = row.get("details", {})
            if "intercept" in d:
                xs = np.unique(x)
                t = np.log(xs) if check.scale == "loglog" else xs
                ax.plot(xs, np.exp(d["intercept"] + d["slope"] * t), "C1-", lw=1,
                        label=f"fit: slope {d['slope']:.4g} (claimed {d['claimed']:.4g})")
            ax.set_yscale("log")
            if check.scale == "loglog":
                ax.set_xscale("log")
            ax.set_xlabel(check.rate_parameter)
            ax.set_ylabel(check.measured_key)
        else:
            ax.scatter(b, m, s=10, alpha=0.6, label="cells")
            finite = np.isfinite(b) & np.isfinite(m)
            lo = float(min(b[finite].min(), m[finite].min())) if finite.any() else 0.0
            hi = float(max(b[finite].max(), m[finite].max())) if finite.any() else 1.0
            ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="measured = bound")
            if finite.any() and (b[finite] > 0).all() and (m[finite] > 0).all():
                ax.set_xscale("log")
                ax.set_yscale("log")
            ax.set_xlabel("bound")
            ax.set_ylabel(check.measured_key)
        broken = f", {check.measured_key}, expected {check.expected}" if check.expected != "PASS" else ""
        ax.set_title(f"{check.bound} [{check.kind}{broken}]: {row['verdict']}", fontsize=8)
        ax.legend(fontsize=7)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def write_report(out_dir: str | os.PathLike, results: dict[str, list[dict]], rows: list[dict], size: str) -> Path:
    """``<out>/report.md``: the verdict table, then per scenario its theorems, family, algorithm and figure."""
    out = Path(out_dir)
    lines = ["# mdplab theorem reproduction", "", f"Size: `{size}`. Results files: `<scenario>.jsonl` beside this "
             "report (one JSON line per cell).", "",
             "| scenario | theorem | check | quantity | verdict | measured | bound | reason |",
             "|---|---|---|---|---|---|---|---|"]
    fmt = lambda x: "-" if x is None else (f"{x:.4g}" if isinstance(x, float) else str(x))  # noqa: E731
    for r in rows:
        lines.append(f"| {r['scenario']} | `{r['theorem']}` | {r['checker']} | {r['quantity']} | **{verdict_label(r)}** "
                     f"| {fmt(r['measured'])} "
                     f"| {fmt(r['bound'])} | {r['reason']} |")
    for name, records in results.items():
        sc = get_scenario(name)
        records = [r for r in records if "error" not in r]
        sc_rows = [r for r in rows if r["scenario"] == name]
        lines += ["", f"## {name}", "", sc.description, "", f"- instances: {sc.family}", f"- algorithm: `{sc.algorithm}`",
                  f"- cells: {len(records)}, seconds: {sum(r['seconds'] for r in records):.2f}"]
        try:
            fig = scenario_figure(sc, records, sc_rows, out / "figures" / f"{name}.png")
        except Exception as exc:  # a figure is secondary: report the failure, keep the verdicts
            fig = None
            lines.append(f"- figure failed: {type(exc).__name__}: {exc}")
        for b in dict.fromkeys(c.bound for c in sc.checks):
            lines.append(f"- bound: {get_bound(b).describe()}")
        if fig is not None:
            lines += ["", f"![{name}](figures/{fig.name})"]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path
