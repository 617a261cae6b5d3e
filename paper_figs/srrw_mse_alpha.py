"""Figure: n Var(f^T x_n) against alpha (log-log) with the theory curve f^T V(alpha) f, the
``doshi2023.variance_alpha_envelope`` bound and the i.i.d. level (Doshi, Hu & Eun 2023; ``docs/theory/doshi2023.md``).

Reads the results of ``srrw_mse_alpha`` (:mod:`scenarios.srrw`): our toy graph G8, MHRW to the
uniform law, f = (0, ..., 7), gamma_n = 1/(n+1), R runs of n steps per alpha and seed.  The Monte Carlo
points (one per seed) carry 95% error bars (SE of a normal sample variance, sqrt(2/(R-1)) times the value);
the theory line joins the cells' ``theory`` values.  The envelope is the scalar form
``f^T V f <= c_f/(2 alpha)`` with ``c_f = sum_{i>=2} (f^T u_i)^2 / (1 - lambda_i)`` (derived mode-wise),
drawn from the bound's sympy expression; alpha_crit (SRRW beats i.i.d. in the Loewner order) is marked.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIO = "srrw_mse_alpha"


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    from scenarios.harness.runner import read_results, results_path
    from scenarios.harness.report import save_figure

    records = read_results(results_path(results_dir, SCENARIO))
    if not records:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bounds.core import get_bound
    from scenarios.harness.report import plot_bound_curve

    records = sorted(records, key=lambda r: r["params"]["alpha"])
    p0, v0 = records[0]["params"], records[0]["values"]
    R, n = p0["R"], p0["n"]
    alpha = np.array([r["params"]["alpha"] for r in records], float)
    emp = np.array([r["values"]["empirical"] for r in records])
    alphas = np.unique(alpha)
    theory = [next(r["values"]["theory"] for r in records if r["params"]["alpha"] == a) for a in alphas]
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    ax.errorbar(alpha, emp, yerr=1.96 * np.sqrt(2 / (R - 1)) * emp, fmt="o", ms=4, capsize=2, alpha=0.8,
                label=f"Monte Carlo, n = {n:g}, R = {R} (one point per seed)")
    ax.plot(alphas, theory, "C1.-", label=r"theory $f^T V(\alpha) f$")
    grid = np.geomspace(alphas.min() / 2, alphas.max() * 2, 200)
    plot_bound_curve(ax, get_bound("doshi2023.variance_alpha_envelope"), "alpha", grid, {"c": v0["c_f"]},
                     label_prefix="envelope ", color="grey", ls="--")
    ax.axhline(v0["iid"], color="k", ls=":", label="i.i.d. sampling")
    ax.axvline(v0["alpha_crit"], color="k", lw=0.6, label=r"$\alpha_{crit}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\alpha$")
    ax.set_ylabel(r"$n\,\mathrm{Var}(f^T x_n)$")
    ax.set_title("SRRW sampling variance vs repellence (toy graph G8)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    out = save_figure(fig, out_dir, "srrw_mse_alpha.png")
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
