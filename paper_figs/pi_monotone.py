"""Figure: policy iteration's least strict improvement min_{k,s}(V^{pi_{k+1}} - V^{pi_k})(s) per cell
(scenario ``pi_monotone``), against the lower bound ``puterman1994.pi_monotone`` (0) drawn from its
sympy expression."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIO = "pi_monotone"


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
    bound = get_bound("puterman1994.pi_monotone")
    gammas = sorted({r["params"]["gamma"] for r in records})
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for j, g in enumerate(gammas):
        rs = [r for r in records if r["params"]["gamma"] == g]
        S = np.array([r["params"]["S"] for r in rs], dtype=float)
        m = np.array([r["values"].get("least_strict_step", np.nan) for r in rs])
        ax.scatter(S * (1 + 0.03 * j), m, s=12, alpha=0.6, label=f"gamma = {g}")
    S_all = np.array([r["params"]["S"] for r in records], dtype=float)
    plot_bound_curve(ax, bound, "gamma", np.array([gammas[0], gammas[-1]]), {}, label_prefix="bound: ", color="k")
    ax.lines[-1].set_xdata([S_all.min() * 0.9, S_all.max() * 1.1])
    ax.set_xscale("log")
    ax.set_xlabel("S")
    ax.set_ylabel(r"$\min_{k,s} (V^{\pi_{k+1}} - V^{\pi_k})(s)$ over strict steps")
    ax.set_title("Puterman (1994) Prop. 6.4.1: PI improves monotonically", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    out = save_figure(fig, out_dir, f"{SCENARIO}.png")
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
