"""Figure: distributional VI error against iteration next to gamma^k (Avila Pires et al. 2025).

Reads the results of ``ddp_vi_error`` (exact grid, gamma = 1/2) and ``ddp_vi_rate_gamma09``
(approximate engine, gamma = 0.9): measured ``sup |F_K(eta_k) - F*|`` per seed against ``k`` on a log
scale, with the bound ``gamma^k L W_0`` drawn from its sympy expression (``avilapires2025.dvi_error``).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bounds.core import get_bound
    from scenarios.harness.report import plot_bound_curve, save_figure
    from scenarios.harness.runner import read_results, results_path

    bound = get_bound("avilapires2025.dvi_error")
    panels = [(n, read_results(results_path(results_dir, n))) for n in ("ddp_vi_error", "ddp_vi_rate_gamma09")]
    panels = [(n, r) for n, r in panels if r]
    if not panels:
        return []
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.6), squeeze=False)
    for ax, (name, recs) in zip(axes[0], panels):
        for util in sorted({r["params"]["utility"] for r in recs}):
            rs = [r for r in recs if r["params"]["utility"] == util]
            k = np.array([r["params"]["k"] for r in rs], float)
            m = np.array([r["measured"] for r in rs], float)
            ax.scatter(k, np.maximum(m, 1e-17), s=10, alpha=0.6, label=f"measured, f = {util}")
        g = recs[0]["params"]["gamma"]
        W0 = recs[0]["values"].get("W0", 2.0 / (1 - g))
        ks = np.array(sorted({r["params"]["k"] for r in recs}), float)
        plot_bound_curve(ax, bound, "k", np.linspace(ks.min(), ks.max(), 50), {"gamma": g, "L": 1.0, "W0": W0},
                         label_prefix="bound: ", color="k")
        ax.set_yscale("log")
        ax.set_xlabel("iteration k")
        ax.set_ylabel(r"$\sup_{s,c} |F_K(\eta_k) - F^*|$")
        ax.set_title(f"{name} (gamma = {g:g})", fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    out = save_figure(fig, out_dir, "distributional_vi_error.png")
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
