"""Figure: state-visitation heatmaps on E1 (Avila Pires et al. 2025; spec Sec. 5.3 "to plot").

Expected number of visits to each cell of the 4x7 slippery cliff over the 20 steps, under the
risk-neutral policy and under the stock-augmented CVaR_tau policies executed from c_0* (exact forward
propagation of (state, stock)).  Lower tau keeps the agent further from the cliff row.  Computed
directly; ``results_dir`` unused.
"""
from __future__ import annotations

import sys
from pathlib import Path


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from algorithms.distributional import (StockGrid, cvar_inner_utility, cvar_outer_search, mean_utility,
                                           policy_return_law, stock_backward_induction)
    from scenarios.distributional import (CLIFF_COLS, CLIFF_HORIZON, CLIFF_REFERENCE, CLIFF_ROWS, CLIFF_START,
                                          slippery_cliff)

    cliff = slippery_cliff()
    runs = [("risk-neutral", stock_backward_induction(cliff, CLIFF_HORIZON, mean_utility(), StockGrid(0.0, 1.0, 1)), 0.0)]
    sol = stock_backward_induction(cliff, CLIFF_HORIZON, cvar_inner_utility(), StockGrid.integers(-60, 60))
    for tau in sorted(CLIFF_REFERENCE):
        runs.append((f"CVaR tau = {tau:g}", sol, cvar_outer_search(sol.value[0, CLIFF_START], sol.grid.values, tau).initial_stock))
    fig, axes = plt.subplots(1, len(runs), figsize=(2.6 * len(runs), 2.2))
    for ax, (name, s, c0) in zip(axes, runs):
        visits = policy_return_law(s, CLIFF_START, c0).visitation[:-1].sum(axis=0)[: CLIFF_ROWS * CLIFF_COLS]
        im = ax.imshow(visits.reshape(CLIFF_ROWS, CLIFF_COLS), cmap="magma", vmin=0, vmax=max(1.0, visits.max()))
        ax.set_title(f"{name} (c0={c0:g})", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.add_patch(plt.Rectangle((0.5, 2.5), 5, 1, fill=False, ec="cyan", lw=1))
    fig.colorbar(im, ax=axes, shrink=0.8, label="expected visits")
    fig.suptitle("E1 slippery cliff: expected visits over 20 steps (cyan: cliff)", fontsize=9)
    out = Path(out_dir) / "distributional_visitation.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
