"""Figure: regret curves of the online learners (scenarios ``ucrl2_regret_bound``, ``ucbvi_bf_rate``,
``q_ucb_rate`` of :mod:`scenarios.theorems.regret`).  Top row: exact regret against T (UCRL2 on the 6-state
RiverSwim) or K (UCBVI-BF, Q-learning with UCB-Hoeffding), the mean over seeds with the min-max band, the
deliberately broken variant dashed, and for UCRL2 the bound ``jaksch2010.ucrl2_regret`` drawn from its
sympy expression (the episodic bounds have unknown constants: a slope-1/2 reference line instead).  Bottom
row: local slopes ``d log Regret / d log x`` between consecutive grid points (one doubling, or a factor of
about 3 for T), mean over seeds, which shows the burn-in (slope near 1) and the claimed exponent 1/2."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIOS = ("ucrl2_regret_bound", "ucbvi_bf_rate", "q_ucb_rate")


def _curves(records: list[dict], x_key: str, key: str, where: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(xs, Y (n_x, n_seeds))`` of ``values[key]`` over the records matching ``where``."""
    recs = [r for r in records if all(r["params"].get(k) == v for k, v in (where or {}).items())]
    xs = np.array(sorted({float(r["params"][x_key]) for r in recs}))
    seeds = sorted({int(r["seed_index"]) for r in recs})
    table = {(float(r["params"][x_key]), int(r["seed_index"])): r["values"][key] for r in recs}
    Y = np.array([[table.get((x, j), np.nan) for j in seeds] for x in xs], dtype=float).reshape(len(xs), len(seeds))
    return xs, Y


def _panel(ax_top, ax_slope, xs, Y, label, style):
    mean = np.nanmean(Y, axis=1)
    ax_top.plot(xs, mean, style, marker="o", ms=3, zorder=3, label=f"{label} (mean)")
    ax_top.fill_between(xs, np.nanmin(Y, axis=1), np.nanmax(Y, axis=1), color=style[:2], alpha=0.2, lw=0)
    if len(xs) > 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            local = np.diff(np.nanmean(np.log(np.maximum(Y, 1e-300)), axis=1)) / np.diff(np.log(xs))
        ax_slope.plot(np.sqrt(xs[1:] * xs[:-1]), local, style, marker="o", ms=3, label=label)


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    from paper_figs import finished_records

    results = finished_records(results_dir, SCENARIOS)
    if not any(results.values()):
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    from bounds.core import get_bound
    from scenarios.harness.report import plot_bound_curve, save_figure

    fig, axes = plt.subplots(2, 3, figsize=(13, 6.6), sharex="col", gridspec_kw={"height_ratios": [2, 1]})
    titles = {"ucrl2_regret_bound": "UCRL2, RiverSwim-6 (osband2013)", "ucbvi_bf_rate": "UCBVI-BF, S = A = 2, H = 4",
              "q_ucb_rate": "Q-learning UCB-Hoeffding, S = A = 2, H = 2"}
    for col, name in enumerate(SCENARIOS):
        top, bottom = axes[0, col], axes[1, col]
        records = results[name]
        top.set_title(titles[name], fontsize=9)
        if not records:
            top.text(0.5, 0.5, "no results", ha="center", transform=top.transAxes)
            continue
        if name == "ucrl2_regret_bound":
            where, x_key = {"instance": "riverswim6"}, "T"
        else:
            where, x_key = None, "K"
        xs, Y = _curves(records, x_key, "regret", where)
        _, Yb = _curves(records, x_key, "regret_broken", where)
        if xs.size == 0:
            top.text(0.5, 0.5, "no RiverSwim cells", ha="center", transform=top.transAxes)
            continue
        _panel(top, bottom, xs, Yb, "broken variant", "C3--")
        _panel(top, bottom, xs, Y, "learner", "C0-")
        if name == "ucrl2_regret_bound":
            rec = next(r for r in records if r["params"]["instance"] == "riverswim6")
            grid = np.geomspace(xs.min(), xs.max(), 100)
            plot_bound_curve(top, get_bound("jaksch2010.ucrl2_regret"), "T", grid,
                             {"D": rec["values"]["D"], "S": 6, "A": 2, "delta": 0.05}, label_prefix="bound ",
                             color="k", lw=1)
            top.plot(grid, grid * 0.4286, "k:", lw=1, label="T J* (linear regret)")
        else:
            m = np.nanmean(Y, axis=1)
            top.plot(xs, m[-1] * np.sqrt(xs / xs[-1]), "k:", lw=1, label="slope 1/2 reference (bound's exponent)")
        top.set_xscale("log")
        top.set_yscale("log")
        top.set_ylabel("exact regret")
        top.legend(fontsize=6.5)
        bottom.axhline(0.5, color="k", lw=0.8, ls=":")
        bottom.axhline(1.0, color="grey", lw=0.8, ls=":")
        bottom.set_ylim(-0.1, 1.4)
        bottom.set_xlabel(x_key)
        bottom.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        bottom.set_ylabel("local slope d log R / d log " + x_key, fontsize=8)
        bottom.legend(fontsize=6.5)
    fig.tight_layout()
    return [save_figure(fig, out_dir, "regret_curves.png")]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
