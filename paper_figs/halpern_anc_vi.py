"""Figure: Bellman error ``||T U^k - U^k||_inf`` of plain VI and Anc-VI against k, log-log, for gamma in
{0.9, 0.99, 0.999, 1} (Lee & Ryu 2023; ``docs/theory/lee2023anchoring.md``), from ``U^0 = 0``.

Reads the results of ``anc_vi_vs_vi`` (gamma < 1) and ``anc_vi_vs_vi_gamma_one`` (gamma = 1)
(:mod:`scenarios.halpern`): one row per instance, one column per gamma.

* Top row, the hard chain of the lower bound ([D]): VI's error is ``gamma^k`` exactly and
  Anc-VI's is within a factor 4 of the lower bound: the regime ``k <~ 1/(1 - gamma)`` where anchoring wins.
* Bottom row, random dense MDPs (one line per seed): fast mixing, where plain VI's error drops far below
  its worst case and beats Anc-VI (whose anchor term decays only like ``B_gen``).  At gamma = 1 the
  instance has one action (``r = V* - P V*``), where ``2 d0/(k+1)`` is a theorem.

Bound curves are the registered sympy expressions (``lee2023anchoring.bellman_error_general`` at
``e0 = ||U*||``, ``lee2023anchoring.gamma_one_affine`` at ``d0``) drawn with
:func:`scenarios.harness.report.plot_bound_curve`; the dotted line is VI's worst case ``(1 + gamma) gamma^k e0``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIOS = ("anc_vi_vs_vi", "anc_vi_vs_vi_gamma_one")
INSTANCES = ("chain", "dense")


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    from scenarios.harness.runner import read_results, results_path
    from scenarios.harness.report import save_figure

    records = [r for name in SCENARIOS for r in read_results(results_path(results_dir, name))]
    if not records:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bounds.core import get_bound
    from scenarios.harness.report import plot_bound_curve

    general = get_bound("lee2023anchoring.bellman_error_general")
    affine = get_bound("lee2023anchoring.gamma_one_affine")
    gammas = sorted({r["params"]["gamma"] for r in records})
    fig, axes = plt.subplots(2, len(gammas), figsize=(3.3 * len(gammas), 6.4), sharey="row", squeeze=False)
    for row, kind in enumerate(INSTANCES):
        for ax, gamma in zip(axes[row], gammas):
            recs = [r for r in records if r["params"]["instance"] == kind and r["params"]["gamma"] == gamma]
            if not recs:
                ax.set_visible(False)
                continue
            seeds = sorted({r["seed_index"] for r in recs})
            for j in seeds:
                rs = sorted((r for r in recs if r["seed_index"] == j), key=lambda r: r["params"]["k"])
                k = np.array([r["params"]["k"] for r in rs], float)
                first = j == seeds[0]
                ax.loglog(k, np.maximum([r["values"]["vi_error"] for r in rs], 1e-16), "C0.-", lw=1, ms=3,
                          label="VI" if first else None)
                ax.loglog(k, np.maximum([r["values"]["measured"] for r in rs], 1e-16), "C1.-", lw=1, ms=3,
                          label="Anc-VI" if first else None)
            rs = sorted((r for r in recs if r["seed_index"] == seeds[0]), key=lambda r: r["params"]["k"])
            ks = np.geomspace(min(r["params"]["k"] for r in rs), max(r["params"]["k"] for r in rs), 100)
            if gamma < 1:
                e0 = rs[0]["values"]["e0"]
                plot_bound_curve(ax, general, "k", ks, {"gamma": gamma, "e0": e0}, label_prefix="Anc-VI ",
                                 color="k", ls="--", lw=0.8)
                ax.loglog(ks, (1 + gamma) * gamma ** ks * e0, "k:", lw=0.8, label=r"VI: $(1+\gamma)\gamma^k e_0$")
            else:
                plot_bound_curve(ax, affine, "k", ks, {"d0": rs[0]["values"]["d0"]}, label_prefix="Anc-VI ",
                                 color="k", ls="--", lw=0.8)
            p = rs[0]["params"]
            name = f"hard chain, n = {p['n']}" if kind == "chain" else f"random dense S = {p['S']}, A = {p['A']}"
            ax.set_title(f"{name}, gamma = {gamma:g}", fontsize=8)
            ax.set_ylim(1e-12, 1e4)
            if row == 1:
                ax.set_xlabel("k (Bellman applications)")
            ax.legend(fontsize=6)
        axes[row][0].set_ylabel(r"$\|TU^k - U^k\|_\infty$")
    fig.tight_layout()
    out = save_figure(fig, out_dir, "halpern_anc_vi.png")
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
