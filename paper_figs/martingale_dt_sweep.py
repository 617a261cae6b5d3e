"""Figure: discretisation error against the mesh dt, log-log, every policy-evaluation method of Jia & Zhou
(2022) (``docs/theory/jia2022.md``), fitted slopes in the legend.

* Left, exact expectations (scenario ``jia2022_lstd_bias``: Gauss-Hermite quadrature, OU instance A4.1,
  features ``(x^2, 1)``): ``|theta_1(dt) - a|`` for LSTD with the Euler increment (``bias``), for LSTD with the
  exponential increment (``exponential_bias``: the root that online TD(0) and GTD2 with ``xi = phi`` converge
  to) and for the MSTDE minimiser (``mstde_bias``: it tends to 0, so its error tends to ``a = 1/3``: the wrong
  limit, slope 0).  The derived first-order bound ``C1 / n`` and the reconstructed ``C n^{-1/2}`` [R] are drawn
  through the LSTD point at the coarsest mesh (their constants are unknown; only the slopes are claims).
* Right, Monte Carlo (scenario ``jia2022_discretisation``): distance of each method's estimate at mesh dt to
  its estimate at the fine mesh on the same paths; mean over seeds with min-max bars.

Each panel is drawn when its scenario's results are present.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIOS = ("jia2022_lstd_bias", "jia2022_discretisation")
EXACT_KEYS = {"bias": "LSTD (Euler increment)", "exponential_bias": "LSTD = TD(0)/GTD2 root (exponential)",
              "mstde_bias": "MSTDE minimiser"}
MC_KEYS = {"lstd_euler": "LSTD (Euler incr.), A4.1", "lstd_exponential": "TD(0) root (exp. incr.), A4.1",
           "lstd_finite": "LSTD, A4.2 value gap", "ml_finite": "ML, A4.2 value gap"}


def _slope(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def _table(records: list[dict], keys) -> tuple[np.ndarray, dict]:
    """Mesh sizes ``n`` and, per key, an ``(n, seeds)`` array of ``|value|``."""
    ns = np.array(sorted({int(r["params"]["n"]) for r in records}))
    return ns, {k: np.array([[abs(r["values"][k]) for r in records if int(r["params"]["n"]) == n] for n in ns])
                for k in keys}


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    from scenarios.harness.runner import read_results, results_path
    from scenarios.harness.report import save_figure

    exact, mc = (read_results(results_path(results_dir, name)) for name in SCENARIOS)
    if not exact and not mc:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8))
    if exact:
        ns, table = _table([r for r in exact if r["seed_index"] == 0], EXACT_KEYS)  # deterministic cells
        dts = 1.0 / ns
        for (key, label), marker in zip(EXACT_KEYS.items(), "osd"):
            e = table[key][:, 0]
            ax1.loglog(dts, e, marker=marker, label=f"{label}: slope {_slope(dts, e):.3f}")
        e0 = table["bias"][0, 0]
        ax1.loglog(dts, e0 * dts / dts[0], "k--", lw=1, label=r"derived $C_1/n$ (slope 1)")
        ax1.loglog(dts, e0 * np.sqrt(dts / dts[0]), "k:", lw=1, label=r"reconstructed $C n^{-1/2}$ [R]")
        ax1.set_xlabel("dt = 1/n")
        ax1.set_ylabel(r"$|\theta_1(dt) - a|$ (exact expectations)")
        ax1.set_title("OU A4.1, quadrature")
        ax1.legend(fontsize=7)
    else:
        ax1.set_visible(False)
    if mc:
        ns, table = _table(mc, MC_KEYS)
        x = 1.0 / ns
        for (key, label), marker in zip(MC_KEYS.items(), "osd^"):
            y = table[key]
            m = y.mean(axis=1)
            ax2.errorbar(x, m, yerr=[m - y.min(axis=1), y.max(axis=1) - m], marker=marker, capsize=3,
                         label=f"{label}: slope {_slope(x, np.exp(np.log(y).mean(axis=1))):.2f}")
        ax2.set_xscale("log")
        ax2.set_yscale("log")
        ax2.set_xlabel("dt = 1/n")
        ax2.set_ylabel("|estimate(dt) - estimate(fine mesh)|")
        ax2.set_title(f"Monte Carlo, {table['lstd_euler'].shape[1]} seeds (common paths)")
        ax2.legend(fontsize=7)
    else:
        ax2.set_visible(False)
    fig.suptitle("Jia & Zhou (2022): discretisation error vs mesh")
    fig.tight_layout()
    out = save_figure(fig, out_dir, "martingale_dt_sweep.png")
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
