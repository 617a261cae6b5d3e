"""Figure: exact residual against oracle calls (epochs = calls / n), log-log, every finite-sum method on one
plot per problem (spec ``../shared/papers/halpern.md`` Sec. 4.1: policeman-burglar game, worst-case QP
Lagrangian; Sec. 4.3: +-1-row least squares).

Computed directly (no scenario results needed; ``results_dir`` is ignored), at sizes that run in about a
minute on two cores: game ``n = 100``, 500 epochs; QP ``n = 100``, 2000 epochs; least squares ``n = 4096``,
400 epochs.  Step sizes: the official scripts' tuned values where they exist (game, QP; spec Sec. 4.1 [V]),
the theory defaults otherwise; they are printed in each panel's legend.  Residuals are monitored with
exact ``F`` and never charged.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np


def method_runs(problem: str):
    """``(operator, [(label, function, kwargs)], epochs)`` for one problem."""
    from algorithms.extragradient import anchored_extragradient, extragradient, vr_extragradient
    from algorithms.finite_sum import pm_one_least_squares, policeman_burglar, worst_case_qp
    from algorithms.mirror_prox import entropic_mirror_prox
    from algorithms.vr_halpern import deterministic_halpern, inexact_halpern_vrforb, vr_halpern

    if problem == "game":
        op = policeman_burglar(100)
        n, L2, Lfro = 100, np.linalg.norm(op.payoff, 2), np.linalg.norm(op.payoff, "fro")
        runs = [("EG, eta=5/||A||_2", extragradient, {"eta": 5 / L2}),
                ("EAG, eta=5/||A||_2", anchored_extragradient, {"eta": 5 / L2}),
                ("VR-EG, tau=3 sqrt(p)/||A||_F", vr_extragradient, {"tau": 3 * math.sqrt(1 / n) / Lfro, "seed": 0}),
                ("Alg. 1, eta=5/||A||_F", vr_halpern, {"eta": 5 / Lfro, "seed": 0}),
                ("Alg. 2, eta=sqrt(n)/||A||_F, c_tau=5", inexact_halpern_vrforb,
                 {"eta": math.sqrt(n) / Lfro, "c_tau": 5.0, "seed": 0}),
                ("entropic Mirror-Prox, eta=1/max|A|", entropic_mirror_prox, {})]
        return op, runs, 500.0
    if problem == "qp":
        op = worst_case_qp(100)
        runs = [("EG, eta=0.5", extragradient, {"eta": 0.5}),
                ("EAG, eta=0.3", anchored_extragradient, {"eta": 0.3}),
                ("VR-EG, tau=0.01", vr_extragradient, {"tau": 0.01, "seed": 0}),
                ("Alg. 1, eta=0.3", vr_halpern, {"eta": 0.3, "seed": 0}),
                ("Alg. 2, eta=sqrt(n), tau=0.001", inexact_halpern_vrforb, {"eta": 10.0, "tau": 0.001, "seed": 0})]
        return op, runs, 2000.0
    op = pm_one_least_squares(4096, seed=0)
    runs = [("Halpern, eta=1/L_F", deterministic_halpern, {}),
            ("EG, eta=0.5/L_F", extragradient, {}),
            ("EAG, eta=1/(8 L_F)", anchored_extragradient, {}),
            ("VR-EG, default tau", vr_extragradient, {"seed": 0}),
            ("Alg. 1, eta=1/L", vr_halpern, {"eta": 1 / op.lipschitz_constant, "seed": 0}),
            ("Alg. 2, defaults", inexact_halpern_vrforb, {"seed": 0})]
    return op, runs, 400.0


TITLES = {"game": "policeman-burglar game, n = 100 (natural residual)",
          "qp": "worst-case QP Lagrangian, n = 100 (||F||)",
          "ls": "+-1-row least squares, n = 4096, d = 10 (||F||)"}


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outs = []
    for problem in ("game", "qp", "ls"):
        op, runs, epochs = method_runs(problem)
        fig, ax = plt.subplots(figsize=(5.5, 3.8))
        for label, fn, kw in runs:
            op.reset_counters()
            tr = fn(op, max_epochs=epochs, record_every=epochs / 400, **kw)
            keep = tr.epochs > 0
            ax.loglog(tr.epochs[keep], tr.residuals[keep], label=label, lw=1)
        ax.set_xlabel("epochs (oracle calls / n)")
        ax.set_ylabel("residual (exact, last iterate)")
        ax.set_title(TITLES[problem], fontsize=9)
        ax.legend(fontsize=6)
        fig.tight_layout()
        out = Path(out_dir) / f"halpern_oracle_calls_{problem}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=120)
        plt.close(fig)
        outs.append(out)
    return outs


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
