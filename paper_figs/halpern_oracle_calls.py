"""Figure: exact residual against oracle calls (epochs = calls / n), log-log, every finite-sum method on one
plot per problem (``docs/theory/cai2024.md``: policeman-burglar game, worst-case QP
Lagrangian; Sec. 4.3: +-1-row least squares).

Reads the results of ``oracle_calls_game``, ``oracle_calls_qp`` and ``oracle_calls_ls``
(:mod:`scenarios.halpern`, cell :func:`scenarios.halpern.oracle_calls_cell`): each cell ran every method
for the scenario's epoch budget and recorded its last-iterate residual at log-spaced epochs
(``m<j>@<epoch>``; method ``j``'s label and step size come from :func:`scenarios.halpern.finite_sum_methods`:
the official scripts' tuned values where they exist, game and QP [V], the theory defaults
otherwise).  One line per method and seed.  Residuals are monitored with exact ``F`` and never charged.
One PNG per problem with results: ``halpern_oracle_calls_<problem>.png``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

PROBLEMS = ("game", "qp", "ls")
TITLES = {"game": "policeman-burglar game, n = {n} (natural residual)",
          "qp": "worst-case QP Lagrangian, n = {n} (||F||)",
          "ls": "+-1-row least squares, n = {n}, d = 10 (||F||)"}


def curves(record: dict) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """``{method index: (epochs, residuals)}`` from one record's ``m<j>@<epoch>`` values."""
    out: dict[int, list] = {}
    for key, val in record["values"].items():
        if key.startswith("m") and "@" in key:
            j, e = key[1:].split("@")
            out.setdefault(int(j), []).append((float(e), val))
    return {j: tuple(np.array(v, float) for v in zip(*sorted(pts))) for j, pts in out.items()}


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    from scenarios.harness.runner import read_results, results_path
    from scenarios.harness.report import save_figure

    found = [(p, read_results(results_path(results_dir, f"oracle_calls_{p}"))) for p in PROBLEMS]
    found = [(p, recs) for p, recs in found if recs]
    if not found:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scenarios.halpern import finite_sum_methods, finite_sum_problem

    outs = []
    for problem, recs in found:
        params = recs[0]["params"]
        labels = [m[0] for m in finite_sum_methods(problem, finite_sum_problem(params, 0), 0)]
        fig, ax = plt.subplots(figsize=(5.5, 3.8))
        for rec in recs:
            for j, (ep, res) in sorted(curves(rec).items()):
                keep = np.isfinite(res) & (ep > 0)
                ax.loglog(ep[keep], res[keep], color=f"C{j}", lw=1, alpha=0.8,
                          label=labels[j] if rec is recs[0] else None)
        ax.set_xlabel("epochs (oracle calls / n)")
        ax.set_ylabel("residual (exact, last iterate)")
        ax.set_title(TITLES[problem].format(n=params["n"]) + f", {len(recs)} seed(s)", fontsize=9)
        ax.legend(fontsize=6)
        fig.tight_layout()
        out = save_figure(fig, out_dir, f"halpern_oracle_calls_{problem}.png")
        outs.append(out)
    return outs


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
