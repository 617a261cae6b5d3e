"""Figure: return-distribution CDFs per objective (Avila Pires et al. 2025 E1 and E2).

Reads the results of ``ddp_e1_cliff_cvar`` and ``ddp_e2_forage`` (:mod:`scenarios.distributional`), whose
cells record the exact law of the executed read-off policy (forward propagation), flattened to keys
``<prefix>n``, ``<prefix>x{i}``, ``<prefix>p{i}``.

Left: E1 slippery cliff, CDF of G under the risk-neutral policy (``rn_``) and under the stock-augmented
CVaR_tau policies executed from their optimal initial stocks (``cvar_``), one per tau cell.  Right: E2
forage, CDF of G under the homeostatic policy (f = -|x|, c_0 = -h*) for each target h* (``law_``).  Each
panel is drawn when its scenario's results are present.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIOS = ("ddp_e1_cliff_cvar", "ddp_e2_forage")


def law_from_values(values: dict, prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """Atoms and probabilities recorded by a cell under ``prefix`` (see the module docstring)."""
    n = int(values[f"{prefix}n"])
    return (np.array([values[f"{prefix}x{i}"] for i in range(n)]),
            np.array([values[f"{prefix}p{i}"] for i in range(n)]))


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    from scenarios.harness.runner import read_results, results_path
    from scenarios.harness.report import save_figure

    e1, e2 = (read_results(results_path(results_dir, name)) for name in SCENARIOS)
    if not e1 and not e2:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    if e1:
        x, p = law_from_values(e1[0]["values"], "rn_")
        ax1.step(x, np.cumsum(p), where="post", color="k", label="risk-neutral (mean)")
        for r in sorted(e1, key=lambda r: r["params"]["tau"]):
            v = r["values"]
            x, p = law_from_values(v, "cvar_")
            ax1.step(x, np.cumsum(p), where="post",
                     label=f"CVaR$_{{{r['params']['tau']:g}}}$: {v['cvar']:.3f} ($c_0^*$={v['initial_stock']:g})")
        ax1.set_xlabel("return G")
        ax1.set_ylabel("P(G <= x)")
        ax1.set_title("E1 slippery cliff (gamma = 1, H = 20)", fontsize=9)
        ax1.legend(fontsize=7, loc="upper left")
    else:
        ax1.set_visible(False)
    if e2:
        for r in sorted(e2, key=lambda r: r["params"]["h"]):
            x, p = law_from_values(r["values"], "law_")
            ax2.step(x, np.cumsum(p), where="post", label=f"h* = {r['params']['h']}")
        ax2.set_xlabel("return G")
        ax2.set_title("E2 forage, homeostasis f = -|c + G|, c_0 = -h*", fontsize=9)
        ax2.legend(fontsize=7, loc="upper left")
    else:
        ax2.set_visible(False)
    fig.suptitle("Avila Pires et al. (2025): return laws of stock-augmented DP policies", fontsize=10)
    fig.tight_layout()
    out = save_figure(fig, out_dir, "distributional_cdfs.png")
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
