"""Figure: the stock along sampled E2 trajectories (Avila Pires et al. 2025 E2 "to plot").

Reads the results of ``ddp_e2_forage`` (:mod:`scenarios.distributional`): each cell (target h*) records
the stock ``c_t = (reward collected so far) - h*`` along 30 episodes of the read-off stock policy
(f = -|c + G|, c_0 = -h*) sampled with the cell's seed, as ``path{e}_t{t}``.  Drawn for h* in {6, 10, 14}
(when present): the stock rises to 0 and stays there when the target is reachable in the remaining steps.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIO = "ddp_e2_forage"
TARGETS = (6, 10, 14)


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    from scenarios.harness.runner import read_results, results_path
    from scenarios.harness.report import save_figure

    records = [r for r in read_results(results_path(results_dir, SCENARIO)) if r["params"]["h"] in TARGETS]
    if not records:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scenarios.distributional import FORAGE_FIGURE_EPISODES, FORAGE_HORIZON

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    t = np.arange(FORAGE_HORIZON + 1)
    for j, r in enumerate(sorted(records, key=lambda r: r["params"]["h"])):
        v = r["values"]
        stocks = np.array([[v[f"path{e}_t{k}"] for k in t] for e in range(FORAGE_FIGURE_EPISODES)])
        jitter = np.random.default_rng(j).uniform(-0.12, 0.12, size=(len(stocks), 1))  # display only
        ax.plot(t, (stocks + jitter).T, color=f"C{j}", alpha=0.35, lw=0.8)
        ax.plot([], [], color=f"C{j}", label=f"h* = {r['params']['h']}")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xlabel("time step t")
    ax.set_ylabel("stock c_t = reward so far - h*")
    ax.set_title(f"E2 forage: stock along {FORAGE_FIGURE_EPISODES} executed episodes per target", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    out = save_figure(fig, out_dir, "distributional_stock_paths.png")
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
