"""Figure: SA-SRRW error curves per step-size regime (Hu, Doshi & Eun 2024; ``docs/theory/hu2024.md``).

Left (results of ``sa_srrw_regimes``, :mod:`scenarios.srrw`): E (theta_n - theta*)^2 / beta_n against n
on our toy (G8, MHRW to uniform, H(theta, i) = c_i - theta), alpha = 10, the SAME theta step
b = 0.8 in every regime (a = 0.6 / 0.8 / 0.95 gives regimes i / ii / iii; comparing regimes with
different b mixes in the beta_n factor), plus the alpha = 0 base chain and an i.i.d. token; one line per
seed; horizontal dashed lines are the theory V_theta of each regime (algorithms.sa_srrw; regime (iii)'s is
alpha-free and coincides with the alpha = 0 line, drawn over it in green). Regimes (i) and
(iii) approach their theory slowly (two-time-scale transients), which the curves show.

Right (results of ``sa_srrw_regime1_alpha``, ``sa_srrw_regime2_alpha``, ``sa_srrw_regime3_alpha``, when
present): tr V_theta^(k)(alpha) against alpha (log-log) on the random logistic-regression instances of
those scenarios (one line per seed; the instances differ between the three scenarios), with the
registered bounds drawn from their sympy expressions for seed 0: ``c1/alpha^2`` (regime i) and the
alpha-free ``c3`` (regime iii; a reviewer's summary says O(1/alpha), flagged as unresolved); regime (ii)'s
constant is unknown, only its slope -1 is checked.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIO = "sa_srrw_regimes"
ALPHA_SCENARIOS = (("(i)", "sa_srrw_regime1_alpha", "hu2024.regime1_alpha_envelope", "c1"),
                   ("(ii)", "sa_srrw_regime2_alpha", None, None),
                   ("(iii)", "sa_srrw_regime3_alpha", "hu2024.regime3_alpha_free", "c3"))
LABELS = {"i": "(i) a = 0.6", "ii": "(ii) a = 0.8", "iii": "(iii) a = 0.95", "mhrw": "alpha = 0 (MHRW)",
          "iid": "i.i.d. token"}
STYLES = {"i": dict(color="C0"), "ii": dict(color="C1"), "iii": dict(color="C2"),
          "mhrw": dict(color="k", lw=0.8), "iid": dict(color="k", ls=":")}


def _curve(values: dict, tag: str) -> tuple[np.ndarray, np.ndarray]:
    pts = sorted((int(k.split("@")[1]), v) for k, v in values.items() if k.startswith(f"mse_{tag}@"))
    return np.array([p[0] for p in pts], float), np.array([p[1] for p in pts], float)


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    from scenarios.harness.runner import read_results, results_path
    from scenarios.harness.report import save_figure

    records = read_results(results_path(results_dir, SCENARIO))
    alpha_recs = [(lab, read_results(results_path(results_dir, name)), b, c) for lab, name, b, c in ALPHA_SCENARIOS]
    alpha_recs = [x for x in alpha_recs if x[1]]
    if not records and not alpha_recs:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bounds.core import get_bound
    from scenarios.harness.report import plot_bound_curve

    panels = int(bool(records)) + int(bool(alpha_recs))
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 3.9), squeeze=False)
    axes = list(axes[0])
    if records:
        ax = axes.pop(0)
        p = records[0]["params"]
        for tag in ("mhrw", "iid", "i", "ii", "iii"):  # regime (iii)'s theory line last: it equals alpha = 0's
            for rec in records:
                n, m = _curve(rec["values"], tag)
                ax.plot(n, m, label=LABELS[tag] if rec is records[0] else None, **STYLES[tag])
            ax.axhline(records[0]["values"][f"theory_{tag}"], color=STYLES[tag]["color"], ls="--", lw=0.6)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("n")
        ax.set_ylabel(r"$E(\theta_n - \theta^*)^2 / \beta_n$")
        ax.set_title(f"toy G8, alpha = {p['alpha']:g}, b = {p['b']:g} (dashed: theory), R = {p['R']}", fontsize=9)
        ax.legend(fontsize=7)
    if alpha_recs:
        ax = axes.pop(0)
        for k, (label, recs, bound_name, const) in enumerate(alpha_recs):
            seeds = sorted({r["seed_index"] for r in recs})
            for j in seeds:
                rs = sorted((r for r in recs if r["seed_index"] == j), key=lambda r: r["params"]["alpha"])
                al = np.array([r["params"]["alpha"] for r in rs], float)
                ax.plot(al, [r["values"]["measured"] for r in rs], f"C{k}.-", lw=0.6, ms=3, alpha=0.6,
                        label=f"{label} tr V, {len(seeds)} instance(s)" if j == seeds[0] else None)
            rs = sorted((r for r in recs if r["seed_index"] == seeds[0]), key=lambda r: r["params"]["alpha"])
            if bound_name and const in rs[0]["values"]:  # drawn over the bundle, for the first instance
                al = np.array([r["params"]["alpha"] for r in rs], float)
                plot_bound_curve(ax, get_bound(bound_name), "alpha", al, {const: rs[0]["values"][const]},
                                 label_prefix=f"{label} first instance ", color="k", ls="--", lw=0.9, zorder=5)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(r"$\alpha$")
        ax.set_ylabel(r"tr $V_\theta(\alpha)$")
        ax.set_title("random logistic-regression instances (theory)", fontsize=9)
        ax.legend(fontsize=6)
    fig.tight_layout()
    out = save_figure(fig, out_dir, "srrw_sa_regimes.png")
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
