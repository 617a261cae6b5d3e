"""Figure: the stock along sampled E2 trajectories (Avila Pires et al. 2025; spec Sec. 5.3 E2 "to plot").

Homeostatic forage (f = -|c + G|, c_0 = -h*): 30 seeded episodes of the read-off stock policy for each
target h* in {6, 10, 14}; the stock c_t = (reward collected so far) - h* rises to 0 and stays there when
the target is reachable in the remaining steps.  Computed directly (seed 0); ``results_dir`` unused.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from algorithms.distributional import StockGrid, neg_abs_utility, sample_episodes, stock_backward_induction
    from scenarios.distributional import FORAGE_HORIZON, FORAGE_START, forage

    sol = stock_backward_induction(forage(), FORAGE_HORIZON, neg_abs_utility(), StockGrid.integers(-25, 5))
    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    t = np.arange(FORAGE_HORIZON + 1)
    for j, h in enumerate((6, 10, 14)):
        eps = sample_episodes(sol, FORAGE_START, -float(h), 30, seed=0)
        jitter = np.random.default_rng(j).uniform(-0.12, 0.12, size=(30, 1))
        ax.plot(t, (eps.stocks + jitter).T, color=f"C{j}", alpha=0.35, lw=0.8)
        ax.plot([], [], color=f"C{j}", label=f"h* = {h}")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xlabel("time step t")
    ax.set_ylabel("stock c_t = reward so far - h*")
    ax.set_title("E2 forage: stock along 30 executed episodes per target", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    out = Path(out_dir) / "distributional_stock_paths.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
