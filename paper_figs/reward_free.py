"""Figure: sample complexity of reward-free exploration (scenarios ``rfe_horizon_free``, ``rfe_lower_bound_d``,
``rfe_lower_bound_eps`` of :mod:`scenarios.theorems.reward_free`; bibkey ``zhang2023rfe``).  Each panel shows
the exact episodes-to-eps (geometric mean over seeds, min-max band; censored runs at ``2 K_max``):
against ``H`` for HF-UCRL-RFE++ and its unit-weight variant (dashed), with the horizon-free reference
(slope 0); against ``d`` and against ``eps`` on the lower-bound instance, with the ``Omega(d^2 eps^-2)``
reference (slope 2 in ``d``, -2 in ``eps``; the constant is unknown, so the line passes through the last
point)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIOS = ("rfe_horizon_free", "rfe_lower_bound_d", "rfe_lower_bound_eps")


def _curves(records: list[dict], x_key: str, key: str) -> tuple[np.ndarray, np.ndarray]:
    xs = np.array(sorted({float(r["params"][x_key]) for r in records}))
    seeds = sorted({int(r["seed_index"]) for r in records})
    table = {(float(r["params"][x_key]), int(r["seed_index"])): r["values"][key] for r in records}
    return xs, np.array([[table.get((x, j), np.nan) for j in seeds] for x in xs], dtype=float)


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    from scenarios.harness.runner import read_results, results_path

    results = {name: [r for r in read_results(results_path(results_dir, name)) if "error" not in r]
               for name in SCENARIOS}
    if not any(results.values()):
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scenarios.harness.report import save_figure

    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    spec = {"rfe_horizon_free": ("H", 0.0, "HF-UCRL-RFE++ vs H (random mixtures)"),
            "rfe_lower_bound_d": ("d", 2.0, "lower-bound instance vs d (eps = 0.05)"),
            "rfe_lower_bound_eps": ("eps", -2.0, "lower-bound instance vs eps (d = 3)")}
    for ax, name in zip(axes, SCENARIOS):
        x_key, slope, title = spec[name]
        ax.set_title(title, fontsize=9)
        records = results[name]
        if not records:
            ax.text(0.5, 0.5, "no results", ha="center", transform=ax.transAxes)
            continue
        xs, Y = _curves(records, x_key, "episodes")
        gm = np.exp(np.nanmean(np.log(Y), axis=1))
        ax.plot(xs, gm, "C0-o", ms=3, label="HF-UCRL-RFE++ (geometric mean)")
        ax.fill_between(xs, np.nanmin(Y, axis=1), np.nanmax(Y, axis=1), color="C0", alpha=0.2, lw=0)
        if name == "rfe_horizon_free":
            _, Yb = _curves(records, x_key, "episodes_broken")
            ax.plot(xs, np.exp(np.nanmean(np.log(Yb), axis=1)), "C3--o", ms=3, label="unit weights (broken)")
        ref = gm[-1] * (xs / xs[-1]) ** slope
        label = {0.0: "slope 0 (horizon-free)", 2.0: "c d^2 (slope 2)", -2.0: "c eps^-2 (slope -2)"}[slope]
        ax.plot(xs, ref, "k:", lw=1, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(x_key)
        ax.set_ylabel("episodes to eps (exact gaps)")
        ax.legend(fontsize=6.5)
    fig.tight_layout()
    return [save_figure(fig, out_dir, "reward_free.png")]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
