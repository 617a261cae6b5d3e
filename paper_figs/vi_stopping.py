"""Figure: value_iteration(tol=eps): policy suboptimality and value error against eps (scenario
``vi_stopping``), with the bounds ``puterman1994.vi_stopping_policy`` (eps) and
``puterman1994.vi_stopping_values`` (eps/2) drawn from their sympy expressions."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIO = "vi_stopping"


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
    eps = np.array([r["params"]["eps"] for r in records], dtype=float)
    gamma = records[0]["params"]["gamma"]
    es = np.geomspace(eps.min(), eps.max(), 50)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, key, name in ((axes[0], "policy_gap", "puterman1994.vi_stopping_policy"),
                          (axes[1], "value_error", "puterman1994.vi_stopping_values")):
        m = np.array([r["values"][key] for r in records])
        # exact zeros (the greedy policy is optimal) are drawn at the bottom of the axis
        floor = 1e-3 * es.min()
        ax.scatter(eps, np.maximum(m, floor), s=12, alpha=0.6, label=f"{key} (zeros at {floor:.0e})")
        plot_bound_curve(ax, get_bound(name), "eps", es, {"gamma": gamma}, label_prefix="bound: ", color="k")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("eps (value_iteration tol)")
        ax.set_ylabel(key)
        ax.legend(fontsize=7)
    fig.suptitle("Puterman (1994) Thm 6.3.1: VI stopping rule", fontsize=9)
    fig.tight_layout()
    out = save_figure(fig, out_dir, f"{SCENARIO}.png")
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
