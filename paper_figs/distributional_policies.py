"""Figure: stock-augmented policies over (state, stock) (Avila Pires et al. 2025).

Reads the results of ``ddp_e1_cliff_cvar`` and ``ddp_e2_forage`` (:mod:`scenarios.distributional`).
Left: E1 slippery cliff, CVaR inner problem f = min(x, 0), greedy action at t = 0 for every cell of the
grid (rows) and stock c in [0, 40] (columns), recorded as ``policy_s{s}_c{c}`` (the same in every tau
cell); the optimal initial stocks c_0* of the recorded tau values are marked.  Right: E2 forage, f = -|x|:
at the food cell, "stay" (eat) or not, over the time step t (rows) and the stock c (columns), recorded as
``eat_t{t}_c{c}``: the policy eats while the stock (the signed gap to the target) is negative and there is
time left.  Each panel is drawn when its scenario's results are present.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIOS = ("ddp_e1_cliff_cvar", "ddp_e2_forage")


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    from scenarios.harness.runner import read_results, results_path
    from scenarios.harness.report import save_figure

    e1, e2 = (read_results(results_path(results_dir, name)) for name in SCENARIOS)
    if not e1 and not e2:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scenarios.distributional import CLIFF_COLS, CLIFF_FIGURE_STOCKS, CLIFF_START, FORAGE_HORIZON

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    if e1:
        v = e1[0]["values"]
        states = range(CLIFF_START + 1)  # rows 0-2 and the start cell (3, 0)
        cs = np.array(CLIFF_FIGURE_STOCKS)
        img = np.array([[v[f"policy_s{s}_c{c}"] for c in cs] for s in states])
        cmap = plt.get_cmap("tab10", 4)
        im = ax1.imshow(img, aspect="auto", cmap=cmap, vmin=-0.5, vmax=3.5, interpolation="nearest",
                        extent=(cs[0] - 0.5, cs[-1] + 0.5, len(states) - 0.5, -0.5))
        for r in e1:
            c0 = r["values"]["initial_stock"]
            ax1.axvline(c0, color="k", lw=0.6, ls=":")
            ax1.text(c0, -0.8, f"{r['params']['tau']:g}", fontsize=6, ha="center")
        ax1.set_yticks(range(len(states)))
        ax1.set_yticklabels([f"({s // CLIFF_COLS},{s % CLIFF_COLS})" for s in states], fontsize=5)
        ax1.set_xlabel("stock c at t = 0")
        ax1.set_ylabel("cell (row, col)")
        ax1.set_title("E1: greedy action for min(c + G, 0), t = 0 (dotted: c_0* per tau)", fontsize=8)
        cb = fig.colorbar(im, ax=ax1, ticks=range(4))
        cb.ax.set_yticklabels(["up", "right", "down", "left"], fontsize=7)
    else:
        ax1.set_visible(False)
    if e2:
        v = e2[0]["values"]
        stocks = sorted({float(k.split("_c")[1]) for k in v if k.startswith("eat_t0_c")})
        eat = np.array([[v[f"eat_t{t}_c{c:g}"] for c in stocks] for t in range(FORAGE_HORIZON)])
        ax2.imshow(eat, aspect="auto", cmap="Greens", interpolation="nearest", vmin=0, vmax=1,
                   extent=(stocks[0] - 0.5, stocks[-1] + 0.5, FORAGE_HORIZON - 0.5, -0.5))
        ax2.set_xlabel("stock c = (reward so far) - h*")
        ax2.set_ylabel("time step t")
        ax2.set_title("E2: at the food cell, eat (green) or not, f = -|c + G|", fontsize=8)
    else:
        ax2.set_visible(False)
    fig.suptitle("Avila Pires et al. (2025): policies are Markov in (t, s, c), history-dependent in s", fontsize=10)
    fig.tight_layout()
    out = save_figure(fig, out_dir, "distributional_policies.png")
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
