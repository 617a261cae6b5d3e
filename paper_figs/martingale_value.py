"""Figure: learned value ``J^theta(0, x)`` against the closed-form truth (Jia & Zhou 2022; ``docs/theory/jia2022.md``).

Reads the results of ``jia2022_value_fit`` (:func:`scenarios.martingale.value_fit_cell`; quick size: OU on
[0, 1], kappa = sigma = 1, beta = 0.5, r = h = x^2, X_0 ~ N(0, 1), dt = 0.01, 4000 episodes), which records
``J_{name}_x{i} = J(0, VALUE_X[i])`` and ``theta_{name}_{j}`` per fit; the first seed's cell is drawn.

* Left, A4.2 anchored 3-parameter family: LSTD, martingale-loss fit, online TD(0) (one shared learner fed the
  episodes in parallel) and the MSTDE fit of the same family, against ``J(0, x) = a(0) x^2 + c(0)``.
  theta_2 and theta_3 multiply nearly collinear time functions: compare values, not parameters.
* Right, A4.3 misspecified time-free family ``theta_1 x^2 + theta_2``: ML (close to the L2 projection of J) vs
  TD/LSTD with ``xi = (x^2, 1)`` (a Galerkin approximation far from it), with the projection and the truth.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIO = "jia2022_value_fit"
ANCHORED = {"lstd": "LSTD", "ml": "ML fit", "td0": "online TD(0), {passes} passes", "mstde": "MSTDE fit"}
TIME_FREE = {"free_projection": "L2 projection", "free_ml": "ML fit", "free_td": "TD/LSTD, xi=(x^2,1)"}


def _curve(values: dict, name: str, n: int) -> np.ndarray:
    return np.array([values[f"J_{name}_x{i}"] for i in range(n)])


def _theta(values: dict, name: str) -> np.ndarray:
    return np.array([values[k] for k in sorted((k for k in values if k.startswith(f"theta_{name}_")),
                                               key=lambda k: int(k.rsplit("_", 1)[1]))])


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    from scenarios.harness.runner import read_results, results_path
    from scenarios.harness.report import save_figure

    records = read_results(results_path(results_dir, SCENARIO))
    if not records:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from scenarios.martingale import VALUE_X

    rec = min(records, key=lambda r: r["seed_index"])
    v, passes, n = rec["values"], rec["params"]["passes"], len(VALUE_X)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8))
    truth = _curve(v, "truth", n)
    ax1.plot(VALUE_X, truth, "k-", lw=3, alpha=0.35, label="truth a(0) x^2 + c(0)")
    for (name, label), style in zip(ANCHORED.items(), ("-", "--", ":", "-.")):
        ax1.plot(VALUE_X, _curve(v, name, n), style,
                 label=f"{label.format(passes=passes)} theta={np.round(_theta(v, name), 3)}")
    ax1.set_xlabel("x")
    ax1.set_ylabel("J(0, x)")
    ax1.set_title(f"A4.2 anchored family, theta* = {np.round(_theta(v, 'star'), 3)}, "
                  f"{rec['params']['episodes']} episodes, dt = {1 / rec['params']['n']:g}", fontsize=9)
    ax1.legend(fontsize=7)
    ax2.plot(VALUE_X, truth, "k-", lw=3, alpha=0.35, label="truth J(0, x)")
    for (name, label), style in zip(TIME_FREE.items(), ("-", "--", ":")):
        ax2.plot(VALUE_X, _curve(v, name, n), style, label=f"{label} theta={np.round(_theta(v, name), 3)}")
    ax2.set_xlabel("x")
    ax2.set_title("A4.3 time-free family (same for all t)")
    ax2.legend(fontsize=7)
    fig.suptitle("Jia & Zhou (2022): learned value vs closed form")
    fig.tight_layout()
    out = save_figure(fig, out_dir, "martingale_value.png")
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
