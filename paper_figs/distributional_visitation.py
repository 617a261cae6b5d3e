"""Figure: state-visitation heatmaps on E1 (Avila Pires et al. 2025 "to plot").

Reads the results of ``ddp_e1_cliff_cvar`` (:mod:`scenarios.distributional`): expected number of visits
to each cell of the 4x7 slippery cliff over the 20 steps (exact forward propagation of (state, stock)),
recorded as ``rn_visits{s}`` for the risk-neutral policy and ``cvar_visits{s}`` for the stock-augmented
CVaR_tau policy executed from c_0* (one cell per tau).  Lower tau keeps the agent further from the cliff row.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIO = "ddp_e1_cliff_cvar"


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    from scenarios.harness.runner import read_results, results_path
    from scenarios.harness.report import save_figure

    records = read_results(results_path(results_dir, SCENARIO))
    if not records:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scenarios.distributional import CLIFF_COLS, CLIFF_ROWS

    cells = CLIFF_ROWS * CLIFF_COLS
    records = sorted(records, key=lambda r: r["params"]["tau"])
    runs = [("risk-neutral", "rn_", records[0]["values"], 0.0)]
    runs += [(f"CVaR tau = {r['params']['tau']:g}", "cvar_", r["values"], r["values"]["initial_stock"]) for r in records]
    fig, axes = plt.subplots(1, len(runs), figsize=(2.6 * len(runs), 2.2), squeeze=False)
    axes = axes[0]
    for ax, (name, prefix, values, c0) in zip(axes, runs):
        visits = np.array([values[f"{prefix}visits{s}"] for s in range(cells)])
        im = ax.imshow(visits.reshape(CLIFF_ROWS, CLIFF_COLS), cmap="magma", vmin=0, vmax=max(1.0, visits.max()))
        ax.set_title(f"{name} (c0={c0:g})", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.add_patch(plt.Rectangle((0.5, 2.5), 5, 1, fill=False, ec="cyan", lw=1))
    fig.colorbar(im, ax=list(axes), shrink=0.8, label="expected visits")
    fig.suptitle("E1 slippery cliff: expected visits over 20 steps (cyan: cliff)", fontsize=9)
    out = save_figure(fig, out_dir, "distributional_visitation.png")
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
