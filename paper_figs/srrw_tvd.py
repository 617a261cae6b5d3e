"""Figure: TVD(x_n, mu) of the SRRW empirical measure against n (log-log) for several alpha and the
i.i.d. sampler, on networkx's karate club with the Metropolis-Hastings base chain to the uniform law
(Doshi, Hu & Eun 2023, ``docs/theory/doshi2023.md``).

Reads the results of ``srrw_tvd_alpha`` (:mod:`scenarios.srrw`): per n, the mean TVD over R runs for
alpha in {0, 1, 5, 10, 20} and for i.i.d. draws from mu, one point per seed, lines through the seed means.
Expected: slope -1/2 at large n, curves ordered by alpha at large n, small-n crossings allowed (large
alpha mixes slower early). The dashed line is the ``doshi2023.tvd_rate`` bound ``C n^{-1/2}`` drawn from
its sympy expression with its unknown constant C set to 1.5 times the alpha = 0 mean at the largest n
(a guide for the eye, lifted off that curve; not a fitted bound); the scenario's rate checks test the slope per alpha.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIO = "srrw_tvd_alpha"


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

    ns = np.array(sorted({r["params"]["n"] for r in records}), float)
    keys = sorted((k for k in records[0]["values"] if k.startswith("tvd_alpha")), key=lambda k: float(k[9:]))
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    for i, key in enumerate(keys + ["tvd_iid"]):
        style = dict(color="k", ls=":") if key == "tvd_iid" else dict(color=f"C{i}")
        label = "i.i.d. from mu" if key == "tvd_iid" else f"SRRW alpha = {key[9:]}"
        pts = [(r["params"]["n"], r["values"][key]) for r in records]
        ax.scatter(*zip(*pts), s=8, alpha=0.5, color=style["color"])
        ax.plot(ns, [np.mean([v for n, v in pts if n == x]) for x in ns], label=label, **style)
    ref = np.mean([r["values"]["tvd_alpha0"] for r in records if r["params"]["n"] == ns[-1]])
    plot_bound_curve(ax, get_bound("doshi2023.tvd_rate"), "n", np.geomspace(ns[0], ns[-1], 50),
                     {"C": 1.5 * ref * np.sqrt(ns[-1])}, label_prefix="slope guide ", color="grey", ls="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (walk steps)")
    ax.set_ylabel(r"mean TVD$(x_n, \mu)$ over %d runs" % records[0]["params"]["R"])
    ax.set_title(f"SRRW on karate (MHRW base, uniform target), {len({r['seed_index'] for r in records})} seeds",
                 fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    out = save_figure(fig, out_dir, "srrw_tvd.png")
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
