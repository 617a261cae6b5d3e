"""Figure: return-distribution CDFs per objective (Avila Pires et al. 2025; spec Sec. 5.3 E1 and E2).

Left: E1 slippery cliff, CDF of G under the risk-neutral policy and under the stock-augmented
CVaR_tau policies (tau = 0.05, 0.1, 0.25, 0.5) executed from their optimal initial stocks.  Right: E2
forage, CDF of G under the homeostatic policy (f = -|x|, c_0 = -h*) for each target h*.  Every law is
the exact law of the executed read-off policy (forward propagation); the numbers are tested in
``tests/test_distributional.py`` (V14).  Computed directly (exact, about a second); ``results_dir`` unused.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from algorithms.distributional import (StockGrid, cvar_inner_utility, cvar_outer_search, mean_utility,
                                           neg_abs_utility, policy_return_law, stock_backward_induction)
    from scenarios.distributional import (CLIFF_HORIZON, CLIFF_REFERENCE, CLIFF_START, FORAGE_HORIZON,
                                          FORAGE_REFERENCE, FORAGE_START, forage, slippery_cliff)

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    cliff = slippery_cliff()
    rn = stock_backward_induction(cliff, CLIFF_HORIZON, mean_utility(), StockGrid(0.0, 1.0, 1))
    law = policy_return_law(rn, CLIFF_START, 0.0).law
    ax1.step(np.array(law.atoms, float), np.cumsum(law.probs), where="post", color="k", label="risk-neutral (mean)")
    sol = stock_backward_induction(cliff, CLIFF_HORIZON, cvar_inner_utility(), StockGrid.integers(-60, 60))
    for tau in sorted(CLIFF_REFERENCE):
        res = cvar_outer_search(sol.value[0, CLIFF_START], sol.grid.values, tau)
        law = policy_return_law(sol, CLIFF_START, res.initial_stock).law
        ax1.step(np.array(law.atoms, float), np.cumsum(law.probs), where="post",
                 label=f"CVaR$_{{{tau:g}}}$: {res.value:.3f} ($c_0^*$={res.initial_stock:g})")
    ax1.set_xlabel("return G")
    ax1.set_ylabel("P(G <= x)")
    ax1.set_title("E1 slippery cliff (gamma = 1, H = 20)", fontsize=9)
    ax1.legend(fontsize=7, loc="upper left")
    fsol = stock_backward_induction(forage(), FORAGE_HORIZON, neg_abs_utility(), StockGrid.integers(-25, 5))
    for h in sorted(FORAGE_REFERENCE):
        law = policy_return_law(fsol, FORAGE_START, -h).law
        ax2.step(np.array(law.atoms, float), np.cumsum(law.probs), where="post", label=f"h* = {h}")
    ax2.set_xlabel("return G")
    ax2.set_title("E2 forage, homeostasis f = -|c + G|, c_0 = -h*", fontsize=9)
    ax2.legend(fontsize=7, loc="upper left")
    fig.suptitle("Avila Pires et al. (2025): return laws of stock-augmented DP policies", fontsize=10)
    fig.tight_layout()
    out = Path(out_dir) / "distributional_cdfs.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
