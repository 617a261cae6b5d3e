"""Figure: LOOP (our tabular instantiation, He, Zhong, Yang 2024) against the foundation's UCRL2 and SCAL,
from the scenarios of :mod:`scenarios.theorems.loop`.

Panel 1 (``loop_regret_rate``): exact gain regret against T on the 6-state RiverSwim (Osband et al. 2013
parameters) for LOOP (``B = sp(V*)``), UCRL2 and SCAL with the same radii (``c_r = 0.5``), mean over seeds
with the min-max band, the two broken variants dashed (no optimism bonus; ``B = 0.01 < sp(V*)``) and the
linear reference ``T J*``.  Panel 2 (``loop_switches``): updates against log T with the least-squares line
``a + b log T`` through the per-T means, the deterministic ceiling ``S A (1 + log2 T)`` (slope
``b = S A / log 2``) and the re-plan-every-step variant.  Panel 3 (``loop_span``): the span ablation, gain
regret at the scenario's T against ``B`` (log axis), with ``sp(V*)`` marked; the fraction of runs whose
optimistic gain fell below ``J*`` at some update is printed beside each point."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIOS = ("loop_regret_rate", "loop_switches", "loop_span")


def _table(records: list[dict], x_key: str, key: str) -> tuple[np.ndarray, np.ndarray]:
    """``(xs, Y (n_x, n_seeds))`` of ``values[key]`` against ``params[x_key]``."""
    xs = np.array(sorted({float(r["params"][x_key]) for r in records}))
    seeds = sorted({int(r["seed_index"]) for r in records})
    tab = {(float(r["params"][x_key]), int(r["seed_index"])): r["values"].get(key, np.nan) for r in records}
    return xs, np.array([[tab.get((x, j), np.nan) for j in seeds] for x in xs], dtype=float).reshape(len(xs), len(seeds))


def _band(ax, xs, Y, label, style, color):
    ax.plot(xs, np.nanmean(Y, axis=1), style, color=color, marker="o", ms=3, label=label)
    ax.fill_between(xs, np.nanmin(Y, axis=1), np.nanmax(Y, axis=1), color=color, alpha=0.18, lw=0)


def fit_switches(T: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Least-squares ``(a, b)`` of ``n = a + b log T``."""
    X = np.column_stack([np.ones_like(T), np.log(T)])
    a, b = np.linalg.lstsq(X, n, rcond=None)[0]
    return float(a), float(b)


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    from paper_figs import finished_records

    results = finished_records(results_dir, SCENARIOS)
    if not any(results.values()):
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scenarios.harness.report import save_figure

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.4))
    ax = axes[0]
    recs = results["loop_regret_rate"]
    ax.set_title("gain regret, RiverSwim-6 (osband2013), c_r = 0.5", fontsize=9)
    if recs:
        for key, label, style, color in (("regret", "LOOP (B = sp(V*))", "-", "C0"), ("regret_ucrl2", "UCRL2", "-", "C1"),
                                         ("regret_scal", "SCAL (c = sp(V*))", "-", "C2"),
                                         ("regret_no_bonus", "LOOP, no bonus (broken)", "--", "C3"),
                                         ("regret_b_small", "LOOP, B = 0.01 (broken)", "--", "C4")):
            xs, Y = _table(recs, "T", key)
            if np.isfinite(Y).any():
                _band(ax, xs, Y, label, style, color)
        xs = np.array(sorted({float(r["params"]["T"]) for r in recs}))
        ax.plot(xs, xs * 0.428622, "k:", lw=1, label="T J* (linear)")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("T")
        ax.set_ylabel("exact gain regret")
        ax.legend(fontsize=6.5)
    else:
        ax.text(0.5, 0.5, "no results", ha="center", transform=ax.transAxes)

    ax = axes[1]
    recs = results["loop_switches"]
    ax.set_title("updates against log T (count doubling)", fontsize=9)
    if recs:
        xs, Y = _table(recs, "T", "switches")
        _band(ax, xs, Y, "LOOP updates", "-", "C0")
        if xs.size >= 2:
            a, b = fit_switches(np.repeat(xs, Y.shape[1]), Y.reshape(-1))
            ax.plot(xs, a + b * np.log(xs), "C0:", lw=1, label=f"fit a + b log T, b = {b:.2f}")
        S, A = int(recs[0]["params"]["S"]), int(recs[0]["params"]["A"])
        ax.plot(xs, S * A * (1 + np.log2(xs)), "k-", lw=1, label=f"ceiling S A (1 + log2 T), b = {S * A / np.log(2):.1f}")
        _, Yb = _table(recs, "T", "switches_every_step")
        if np.isfinite(Yb).any():
            _band(ax, xs, Yb, "re-plan every step (broken)", "--", "C3")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("T")
        ax.set_ylabel("number of updates")
        ax.legend(fontsize=6.5)
    else:
        ax.text(0.5, 0.5, "no results", ha="center", transform=ax.transAxes)

    ax = axes[2]
    recs = results["loop_span"]
    ax.set_title("span ablation: gain regret against B", fontsize=9)
    if recs:
        xs, Y = _table(recs, "B", "regret")
        _band(ax, xs, Y, f"LOOP, T = {int(recs[0]['params']['T'])}", "-", "C0")
        _, G = _table(recs, "B", "optimism_gap")
        frac = np.nanmean(G < 0, axis=1)
        for x, y, f in zip(xs, np.nanmean(Y, axis=1), frac):
            ax.annotate(f"{f:.0%}", (x, y), textcoords="offset points", xytext=(0, 6), fontsize=6, ha="center")
        sp_star = float(recs[0]["values"].get("sp_star", np.nan))
        if np.isfinite(sp_star):
            ax.axvline(sp_star, color="k", ls=":", lw=1, label="sp(V*)")
        ax.set_xscale("log")
        ax.set_xlabel("B (span bound)")
        ax.set_ylabel("exact gain regret (labels: runs with optimism lost)")
        ax.legend(fontsize=6.5)
    else:
        ax.text(0.5, 0.5, "no results", ha="center", transform=ax.transAxes)
    fig.tight_layout()
    return [save_figure(fig, out_dir, "loop_regret.png")]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
