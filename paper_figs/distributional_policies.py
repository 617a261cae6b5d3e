"""Figure: stock-augmented policies over (state, stock) (Avila Pires et al. 2025; spec Sec. 5.3).

Left: E1 slippery cliff, CVaR inner problem f = min(x, 0), greedy action at t = 0 for every cell of the
grid (rows) and stock c in [0, 40] (columns); the optimal initial stocks c_0* of the four tau values are
marked.  Right: E2 forage, f = -|x|: at the food cell, "stay" (eat) or not, over the time step t (rows)
and the stock c (columns): the policy eats while the stock (the signed gap to the target) is negative
and there is time left.  Computed directly; ``results_dir`` unused.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from algorithms.distributional import StockGrid, cvar_inner_utility, neg_abs_utility, stock_backward_induction
    from scenarios.distributional import (CLIFF_COLS, CLIFF_HORIZON, CLIFF_REFERENCE, FORAGE_HORIZON, forage,
                                          slippery_cliff)

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    sol = stock_backward_induction(slippery_cliff(), CLIFF_HORIZON, cvar_inner_utility(), StockGrid.integers(-60, 60))
    cols = np.flatnonzero((sol.grid.values >= 0) & (sol.grid.values <= 40))
    states = [s for s in range(3 * CLIFF_COLS + 1)]  # rows 0-2 and the start cell (3, 0)
    img = sol.policy[0][np.ix_(states, cols)]
    cmap = plt.get_cmap("tab10", 4)
    im = ax1.imshow(img, aspect="auto", cmap=cmap, vmin=-0.5, vmax=3.5, interpolation="nearest",
                    extent=(sol.grid.values[cols[0]] - 0.5, sol.grid.values[cols[-1]] + 0.5, len(states) - 0.5, -0.5))
    for tau, (c0, _, _) in CLIFF_REFERENCE.items():
        ax1.axvline(c0, color="k", lw=0.6, ls=":")
        ax1.text(c0, -0.8, f"{tau:g}", fontsize=6, ha="center")
    ax1.set_yticks(range(len(states)))
    ax1.set_yticklabels([f"({s // CLIFF_COLS},{s % CLIFF_COLS})" for s in states], fontsize=5)
    ax1.set_xlabel("stock c at t = 0")
    ax1.set_ylabel("cell (row, col)")
    ax1.set_title("E1: greedy action for min(c + G, 0), t = 0 (dotted: c_0* per tau)", fontsize=8)
    cb = fig.colorbar(im, ax=ax1, ticks=range(4))
    cb.ax.set_yticklabels(["up", "right", "down", "left"], fontsize=7)
    fsol = stock_backward_induction(forage(), FORAGE_HORIZON, neg_abs_utility(), StockGrid.integers(-25, 5))
    food = 2 * 5 + 4
    eat = (fsol.policy[:, food, :] == 4).astype(float)
    ax2.imshow(eat, aspect="auto", cmap="Greens", interpolation="nearest", vmin=0, vmax=1,
               extent=(fsol.grid.lo - 0.5, fsol.grid.hi + 0.5, FORAGE_HORIZON - 0.5, -0.5))
    ax2.set_xlabel("stock c = (reward so far) - h*")
    ax2.set_ylabel("time step t")
    ax2.set_title("E2: at the food cell, eat (green) or not, f = -|c + G|", fontsize=8)
    fig.suptitle("Avila Pires et al. (2025): policies are Markov in (t, s, c), history-dependent in s", fontsize=10)
    fig.tight_layout()
    out = Path(out_dir) / "distributional_policies.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
