"""Figure: relative value iteration gain error against k (scenario ``rvi_gain``), for each seed's instance
with its own bound ``puterman1994.rvi_gain`` (alpha^k sp0 / 2, drawn from the sympy expression at that
instance's alpha and sp0)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIO = "rvi_gain"


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bounds.core import get_bound
    from scenarios.harness.report import plot_bound_curve, save_figure
    from scenarios.harness.runner import read_results, results_path

    records = read_results(results_path(results_dir, SCENARIO))
    if not records:
        return []
    bound = get_bound("puterman1994.rvi_gain")
    fig, ax = plt.subplots(figsize=(5, 3.6))
    first = records[0]["params"]
    same = [r for r in records if {k: v for k, v in r["params"].items() if k != "k"} ==
            {k: v for k, v in first.items() if k != "k"}]
    for j, seed_index in enumerate(sorted({r["seed_index"] for r in same})[:4]):
        rs = sorted((r for r in same if r["seed_index"] == seed_index), key=lambda r: r["params"]["k"])
        k = np.array([r["params"]["k"] for r in rs], dtype=float)
        m = np.array([r["values"]["measured"] for r in rs])
        color = f"C{j}"
        ax.plot(k, np.maximum(m, 1e-17), "o", color=color, ms=4, label=f"seed {seed_index}: |g_k - g*|")
        v = rs[0]["values"]
        plot_bound_curve(ax, bound, "k", np.linspace(k.min(), k.max(), 100), {"alpha": v["alpha"], "sp0": v["sp0"]},
                         label_prefix="bound " if j == 0 else "_", color=color, lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("k")
    ax.set_ylabel("gain error")
    ax.set_title(f"Puterman (1994): relative VI, S={first['S']}, A={first['A']}, tau={first['tau']}", fontsize=9)
    ax.legend(fontsize=6)
    fig.tight_layout()
    out = save_figure(fig, out_dir, f"{SCENARIO}.png")
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
