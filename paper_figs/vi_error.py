"""Figure: value-iteration error ||V_k - V*||_inf / ||V_0 - V*||_inf against k (scenario ``vi_error``),
with the bound ``puterman1994.vi_error`` drawn from its sympy expression at e0 = 1."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIO = "vi_error"


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
    bound = get_bound("puterman1994.vi_error")
    gamma = records[0]["params"]["gamma"]
    k = np.array([r["params"]["k"] for r in records], dtype=float)
    ratio = np.array([r["values"]["measured"] / r["values"]["e0"] for r in records])
    fig, ax = plt.subplots(figsize=(5, 3.6))
    ax.scatter(k, ratio, s=12, alpha=0.6, label="measured / e0 (one point per seed)")
    ks = np.linspace(k.min(), k.max(), 200)
    plot_bound_curve(ax, bound, "k", ks, {"gamma": gamma, "e0": 1.0}, label_prefix="bound, e0 = 1: ", color="k")
    ax.set_yscale("log")
    ax.set_xlabel("k (value-iteration sweeps)")
    ax.set_ylabel(r"$\|V_k - V^*\|_\infty / \|V_0 - V^*\|_\infty$")
    ax.set_title(f"Puterman (1994): VI contraction, gamma = {gamma}", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    out = save_figure(fig, out_dir, f"{SCENARIO}.png")
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
