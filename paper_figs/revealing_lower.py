"""Figure: lower bounds for learning in revealing POMDPs (scenarios ``revealing_tester_lower``,
``revealing_omle_lower``, ``revealing_regret_slopes`` of :mod:`scenarios.theorems.revealing`).

Left: divergence against the number of samples ``N`` at one candidate of RevealTest (``alpha eps = 0.4``): the
chi-square of ONE alternative against the null, ``(1 + (alpha eps)^2)^N - 1``, and of the Ingster MIXTURE over
``z`` for ``n = 4, 16, 64`` pairs (exact sums, :mod:`algorithms.revealing_lower.divergences`), with the level 1
that defines ``N*``.  Middle: episodes-to-eps of the collision tester and OMLE-lite (and of the leaky broken
variant) against the number of latent states ``S``, mean over seeds with the min-max band, with the bound curve
``chen2023revealing.revealtest_episodes`` evaluated from its sympy expression and the exact ``K N*/2``.  Right:
worst-case regret against ``T`` of explore-then-commit on the costly-information instance and of
follow-the-leader on the 1-step control (simulated mean and closed-form expectation), with slope-2/3 and
slope-1/2 reference lines.  Fourth panel (the gap between upper and lower bounds): against ``S`` on the size ladder
(``A = 2``, ``n = K = 2^(Dtree+1)``, ``m = 2``, ``H = Dtree + 3``, ``O`` the largest per-step observation count;
the registered rungs and three more by the same formulas), the m-step upper bound
``chen2022bstability.pac_upper_revealing`` and the lower bound ``chen2023revealing.pac_lower_mstep``, both with
their unknown constant set to ``c = 1`` (only the slopes mean anything; each curve's log-log slope over the ladder
is in its label), the family's own curve ``revealtest_episodes``, and the measured tester episodes."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SCENARIOS = ("revealing_tester_lower", "revealing_omle_lower", "revealing_regret_slopes")


def _table(records: list[dict], x_key: str, key: str, x_from_values: bool = False) -> tuple[np.ndarray, np.ndarray]:
    get = (lambda r: float(r["values"][x_key])) if x_from_values else (lambda r: float(r["params"][x_key]))
    xs = np.array(sorted({get(r) for r in records}))
    seeds = sorted({int(r["seed_index"]) for r in records})
    tab = {(get(r), int(r["seed_index"])): r["values"].get(key, np.nan) for r in records}
    Y = np.array([[tab.get((x, j), np.nan) for j in seeds] for x in xs], dtype=float).reshape(len(xs), len(seeds))
    return xs, Y


def ladder(level: int) -> dict:
    """Rung ``level`` of the size ladder (``A = 2``, ``n = K = 2^(level+1)``; the registered rungs are
    :data:`scenarios.instances.revealing.SIZES`), with ``S``, ``H = Dtree + 3``, ``m = 2`` and ``O`` (the largest
    per-step observation count: tree layer ``2^Dtree``, test layer ``n``, outcome layer 4)."""
    A, D = 2, level
    n = K = A ** (D + 1)
    S = sum(A ** d for d in range(D + 1)) + 2 * n + 4
    return dict(A=A, Dtree=D, n=n, K=K, S=S, H=D + 3, m=2, O=max(A ** D, n, 4))


def _slope(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def _gap_panel(ax, results: dict, revealtest) -> None:
    """Upper against lower bounds in ``S`` (constants 1: slopes only), with the measured tester episodes."""
    from bounds.core import get_bound
    from scenarios.theorems.revealing import ALPHA, EPS

    upper = get_bound("chen2022bstability.pac_upper_revealing")
    lower = get_bound("chen2023revealing.pac_lower_mstep")
    ps = [ladder(lv) for lv in range(7)]
    S = np.array([p["S"] for p in ps], dtype=float)
    up = np.array([upper.evaluate(dict(c=1, S=p["S"], A=p["A"], m=p["m"], H=p["H"], O=p["O"], alpha=ALPHA, eps=EPS))
                   for p in ps])
    lo = np.array([lower.evaluate(dict(c=1, S=p["S"], eps=EPS)) for p in ps])
    fam = np.array([revealtest.evaluate(dict(K=p["K"], n=p["n"], alpha=ALPHA, eps=EPS)) for p in ps])
    ax.plot(S, up, "C3-", label=f"upper (OMLE-type), c = 1: slope {_slope(S, up):.2f}")
    ax.plot(S, lo, "k-", label=f"lower $c S^{{1.5}}/\\epsilon^2$, c = 1: slope {_slope(S, lo):.2f}")
    ax.plot(S, fam, "k--", label=f"RevealTest curve: slope {_slope(S, fam):.2f}")
    recs = results.get("revealing_tester_lower") or []
    if recs:
        xs, Y = _table(recs, "S", "episodes", x_from_values=True)
        ok = np.isfinite(np.nanmean(Y, axis=1))
        ax.plot(xs[ok], np.nanmean(Y, axis=1)[ok], "C0o-", ms=3, label="collision tester (measured)")
    ax.fill_between(S, lo, up, color="C3", alpha=0.08, lw=0)
    ax.set(xscale="log", yscale="log", xlabel="latent states S", ylabel="episodes (constants unknown: shapes only)",
           title=f"upper vs lower bounds in S (alpha={ALPHA:g}, eps={EPS:g})")
    ax.legend(fontsize=7)


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    from paper_figs import finished_records

    results = finished_records(results_dir, SCENARIOS)
    if not any(results.values()):
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from algorithms.revealing_lower.divergences import n_lb_total, paninski_mixture_chi_square
    from bounds.core import get_bound
    from scenarios.instances.revealing import SIZES, reveal_test_sized
    from scenarios.theorems.revealing import ALPHA, EPS

    fig, axes = plt.subplots(1, 4, figsize=(20, 4.2))
    ax = axes[0]
    Ns = np.unique(np.geomspace(1, 2000, 60).astype(int))
    ae = ALPHA * EPS
    ax.plot(Ns, (1 + ae ** 2) ** Ns - 1, "k-", label="one alternative vs null")
    for n, st in ((4, "C0--"), (16, "C1--"), (64, "C2--")):
        ax.plot(Ns, [paninski_mixture_chi_square(n, ae, int(N)) for N in Ns], st, label=f"mixture over z, n = {n}")
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set(xscale="log", yscale="log", ylim=(1e-3, 1e3), xlabel="samples N at one candidate",
           ylabel="chi-square divergence", title=f"Ingster's chi-square, alpha eps = {ae:g}")
    ax.legend(fontsize=7)

    ax = axes[1]
    bound = get_bound("chen2023revealing.revealtest_episodes")
    for name, key, style, label in (("revealing_tester_lower", "episodes", "C0-", "collision tester (ETC)"),
                                    ("revealing_omle_lower", "episodes", "C1-", "OMLE-lite"),
                                    ("revealing_tester_lower", "episodes_leak", "C3:", "tester, leaky env (broken)")):
        recs = results.get(name) or []
        if not recs:
            continue
        xs, Y = _table(recs, "S", key, x_from_values=True)
        ax.plot(xs, np.nanmean(Y, axis=1), style, marker="o", ms=3, label=label)
        ax.fill_between(xs, np.nanmin(Y, axis=1), np.nanmax(Y, axis=1), color=style[:2], alpha=0.2, lw=0)
    levels = sorted(SIZES)
    ps = [reveal_test_sized(lv, ALPHA, EPS) for lv in levels]
    S = np.array([p["S"] for p in ps], dtype=float)
    ax.plot(S, [bound.evaluate(dict(K=p["K"], n=p["n"], alpha=ALPHA, eps=EPS)) for p in ps], "k-",
            label=f"bound ${bound.latex()}$")
    ax.plot(S, [n_lb_total(p["K"], p["n"], ALPHA, EPS) for p in ps], "k--", label="exact K N*/2")
    ax.set(xscale="log", yscale="log", xlabel="latent states S", ylabel="episodes to Delta/2-optimal (2/3 of runs)",
           title="RevealTest(A=2, n=K), alpha=1, eps=0.4")
    ax.legend(fontsize=7)

    ax = axes[2]
    recs = results.get("revealing_regret_slopes") or []
    if recs:
        last = {}
        for key, style, label in (("regret_etc", "C0-", "ETC, costly information"),
                                  ("regret_ftl", "C2-", "follow-the-leader, 1-step control")):
            xs, Y = _table(recs, "T", key)
            last[key] = float(np.nanmean(Y[-1]))
            ax.plot(xs, np.nanmean(Y, axis=1), style, marker="o", ms=3, label=f"{label} (simulated)")
            ax.fill_between(xs, np.nanmin(Y, axis=1), np.nanmax(Y, axis=1), color=style[:2], alpha=0.2, lw=0)
            _, X = _table(recs, "T", key + "_expected")
            ax.plot(xs, X[:, 0], style[:2] + ":", label=f"{label} (expected, closed form)")
        for slope, st, key in ((2 / 3, "k-", "regret_etc"), (1 / 2, "k--", "regret_ftl")):
            ax.plot(xs, 0.5 * last[key] * (xs / xs[-1]) ** slope, st, lw=0.8,     # reference, offset below
                    label=f"slope {slope:.3g} (reference)")
        ax.set(xscale="log", yscale="log", xlabel="episodes T", ylabel="worst-case regret over eps",
               title="regret slopes (exhibited on our family, not a proof)")
        ax.legend(fontsize=7)

    _gap_panel(axes[3], results, bound)
    fig.tight_layout()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "revealing_lower.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    print("\n".join(str(p) for p in make(sys.argv[1], sys.argv[2])))
