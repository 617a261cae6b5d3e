"""Figure: TVD(x_n, mu) of the SRRW empirical measure against n (log-log) for several alpha and the
i.i.d. sampler, on networkx's karate club with the Metropolis-Hastings base chain to the uniform law
(Doshi, Hu & Eun 2023, spec ``../shared/papers/martingale_and_srrw.md`` B4.3 (1)).

Computed directly (``results_dir`` is ignored): R = 200 runs, n = 10^5 steps, gamma_n = 1/(n+1),
x_0 uniform, X_0 uniform; alpha in {0, 1, 5, 10, 20}. Expected: slope -1/2 at large n, curves ordered
by alpha at large n, small-n crossings allowed (large alpha mixes slower early). A dashed line of
slope -1/2 is the ``doshi2023.tvd_rate`` bound drawn with its unknown constant C set to the alpha = 0
curve's value at n = 10^5 (a guide for the eye, not a fitted bound).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ALPHAS = (0.0, 1.0, 5.0, 10.0, 20.0)
R, N_STEPS, SEED = 200, 100_000, 2023


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from algorithms import srrw
    from bounds.core import get_bound
    from mdplab import graphs
    from scenarios.runner import plot_bound_curve
    from scenarios.srrw import named_chain

    P, mu = named_chain("karate")
    cps = srrw.log_checkpoints(N_STEPS, 40)
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    ref = None
    for alpha in ALPHAS:
        runs = srrw.sample_srrw(P, mu, alpha, N_STEPS, R, seed=SEED, checkpoints=cps)
        tvd = graphs.total_variation(runs.x, mu).mean(axis=0)
        ax.plot(cps, tvd, label=f"SRRW alpha = {alpha:g}")
        ref = tvd[-1] if alpha == 0.0 else ref
    iid = srrw.sample_iid(mu, N_STEPS, R, seed=SEED, checkpoints=cps)
    ax.plot(cps, graphs.total_variation(iid.x, mu).mean(axis=0), "k:", label="i.i.d. from mu")
    bound = get_bound("doshi2023.tvd_rate")
    plot_bound_curve(ax, bound, "n", cps[cps >= 100], {"C": ref * np.sqrt(N_STEPS)},
                     label_prefix="slope guide ", color="grey", ls="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (walk steps)")
    ax.set_ylabel(r"mean TVD$(x_n, \mu)$ over %d runs" % R)
    ax.set_title("SRRW on karate (MHRW base, uniform target)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    out = Path(out_dir) / "srrw_tvd.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
