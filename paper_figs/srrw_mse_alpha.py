"""Figure: n Var(f^T x_n) against alpha (log-log) with the theory curve f^T V(alpha) f, the
``doshi2023.variance_alpha_envelope`` bound and the i.i.d. level (Doshi, Hu & Eun 2023; spec
``../shared/papers/martingale_and_srrw.md`` B4.3 (2)).

Computed directly (``results_dir`` is ignored): the spec's toy graph G8, MHRW to the uniform law,
f = (0, ..., 7), gamma_n = 1/(n+1), R = 500 runs of n = 10^4 steps per alpha; the Monte Carlo points
carry 95% error bars (SE of a normal sample variance, sqrt(2/(R-1)) times the value). The envelope is
drawn for the trace-free scalar form ``f^T V f <= c_f/(2 alpha)`` with ``c_f = sum_{i>=2} (f^T u_i)^2 /
(1 - lambda_i)`` (derived mode-wise); alpha_crit (SRRW beats i.i.d. in the Loewner order) is marked.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ALPHAS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
R, N_STEPS, SEED = 500, 10_000, 7


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from algorithms import srrw
    from bounds.core import get_bound
    from mdplab import graphs
    from scenarios.runner import plot_bound_curve
    from scenarios.srrw import named_chain

    P, mu = named_chain("g8")
    f = np.arange(8.0)
    emp = []
    for alpha in ALPHAS:
        runs = srrw.sample_srrw(P, mu, alpha, N_STEPS, R, seed=SEED)
        emp.append(srrw.estimate_mean(runs.x[:, -1], f).var(ddof=1) * (N_STEPS + 1.0))
    emp = np.array(emp)
    grid = np.geomspace(min(ALPHAS) / 2, max(ALPHAS) * 2, 200)
    theory = [f @ srrw.asymptotic_covariance(P, mu, al) @ f for al in grid]
    spec = graphs.spectral_decomposition(P, mu)
    c_f = float(np.sum((f @ spec.left[:, 1:]) ** 2 / (1 - spec.lambdas[1:])))
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    ax.errorbar(ALPHAS, emp, yerr=1.96 * np.sqrt(2 / (R - 1)) * emp, fmt="o", ms=4, capsize=2,
                label=f"Monte Carlo, n = {N_STEPS:g}, R = {R}")
    ax.plot(grid, theory, "C1-", label=r"theory $f^T V(\alpha) f$")
    plot_bound_curve(ax, get_bound("doshi2023.variance_alpha_envelope"), "alpha", grid, {"c": c_f},
                     label_prefix="envelope ", color="grey", ls="--")
    ax.axhline(f @ graphs.iid_covariance(mu) @ f, color="k", ls=":", label="i.i.d. sampling")
    ax.axvline(srrw.alpha_crit(P, mu), color="k", lw=0.6, label=r"$\alpha_{crit}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\alpha$")
    ax.set_ylabel(r"$n\,\mathrm{Var}(f^T x_n)$")
    ax.set_title("SRRW sampling variance vs repellence (toy graph G8)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    out = Path(out_dir) / "srrw_mse_alpha.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
