"""Figure: discretisation error against the mesh dt, log-log, every policy-evaluation method of Jia & Zhou
(2022) (spec ``../shared/papers/martingale_and_srrw.md`` A3.3, A3.6, A4.1, A4.2), fitted slopes in the legend.

* Left, exact expectations (Gauss-Hermite quadrature, OU instance A4.1, features ``(x^2, 1)``):
  ``|theta_1(dt) - a|`` for LSTD with the Euler increment, for LSTD with the exponential increment (the root
  that online TD(0) and GTD2 with ``xi = phi`` converge to) and for the MSTDE minimiser (which tends to 0, so
  its error tends to ``a = 1/3``: the wrong limit, slope 0).  The derived first-order bound ``C1 / n`` and the
  reconstructed ``C n^{-1/2}`` [R] are drawn through the LSTD point at the coarsest mesh (their constants are
  unknown; only the slopes are claims).
* Right, Monte Carlo (scenario ``jia2022_discretisation``; read from ``RESULTS_DIR/jia2022_discretisation.jsonl``
  when present, else 3 seeds of its quick grid computed here): distance of each method's estimate at mesh dt to
  its estimate at the fine mesh on the same paths; mean over seeds with min-max bars.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

NS = (5, 10, 20, 40, 80, 160, 320)
MC_KEYS = {"lstd_euler": "LSTD (Euler incr.), A4.1", "lstd_exponential": "TD(0) root (exp. incr.), A4.1",
           "lstd_finite": "LSTD, A4.2 value gap", "ml_finite": "ML, A4.2 value gap"}


def exact_errors() -> dict:
    from algorithms.martingale_pe import lstd, mean_square_td_error_fit
    from scenarios.martingale import OUInfiniteHorizon

    P = OUInfiniteHorizon()
    a = P.theta_star[0]
    out = {"LSTD (Euler increment)": [], "LSTD = TD(0)/GTD2 root (exponential)": [], "MSTDE minimiser": []}
    for n in NS:
        tr = P.quadrature(1.0 / n)
        out["LSTD (Euler increment)"].append(abs(lstd(P.family(), tr, P.beta, form="euler")[0] - a))
        out["LSTD = TD(0)/GTD2 root (exponential)"].append(abs(lstd(P.family(), tr, P.beta)[0] - a))
        out["MSTDE minimiser"].append(abs(mean_square_td_error_fit(P.family(), tr, P.beta)[0] - a))
    return {k: np.array(v) for k, v in out.items()}


def monte_carlo_errors(results_dir) -> tuple[np.ndarray, dict]:
    from scenarios.martingale import discretisation_cell
    from scenarios.registry import get_scenario
    from scenarios.runner import read_results, results_path

    records = read_results(results_path(results_dir, "jia2022_discretisation"))
    if not records:
        grid = get_scenario("jia2022_discretisation").grid["quick"]
        records = [{"params": p, "seed_index": s, "values": discretisation_cell(p, s)} for s in range(3) for p in grid]
    ns = np.array(sorted({int(r["params"]["n"]) for r in records}))
    table = {k: np.array([[r["values"][k] for r in records if int(r["params"]["n"]) == n] for n in ns])
             for k in MC_KEYS}
    return ns, table


def _slope(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8))
    dts = 1.0 / np.array(NS)
    errs = exact_errors()
    for (label, e), marker in zip(errs.items(), "osd"):
        ax1.loglog(dts, e, marker=marker, label=f"{label}: slope {_slope(dts, e):.3f}")
    e0 = errs["LSTD (Euler increment)"][0]
    ax1.loglog(dts, e0 * dts / dts[0], "k--", lw=1, label=r"derived $C_1/n$ (slope 1)")
    ax1.loglog(dts, e0 * np.sqrt(dts / dts[0]), "k:", lw=1, label=r"reconstructed $C n^{-1/2}$ [R]")
    ax1.set_xlabel("dt = 1/n")
    ax1.set_ylabel(r"$|\theta_1(dt) - a|$ (exact expectations)")
    ax1.set_title("OU A4.1, quadrature")
    ax1.legend(fontsize=7)

    ns, table = monte_carlo_errors(results_dir)
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
    fig.suptitle("Jia & Zhou (2022): discretisation error vs mesh")
    fig.tight_layout()
    out = out_dir / "martingale_dt_sweep.png"
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
