"""Figure: SA-SRRW error curves per step-size regime (Hu, Doshi & Eun 2024; spec
``../shared/papers/martingale_and_srrw.md`` B4.3 (3) and (4)).

Left: E (theta_n - theta*)^2 / beta_n against n on the spec's toy (G8, MHRW to uniform,
H(theta, i) = c_i - theta), alpha = 10, the SAME theta step b = 0.8 in every regime (a = 0.6 / 0.8 /
0.95 gives regimes i / ii / iii; comparing regimes with different b mixes in the beta_n factor), plus the
alpha = 0 base chain and an i.i.d. token; horizontal lines are the theory V_theta of each regime
(algorithms.sa_srrw). R = 300 runs, n = 5 10^4 steps. Regimes (i) and (iii) approach their theory
slowly (two-time-scale transients; spec B4.2 table), which the curves show.
Right: tr V_theta^(k)(alpha) against alpha (log-log) for the karate logistic-regression instance of
spec B4.2, slopes -2 (i), -1 (ii), 0 (iii: alpha-free in our derivation; a reviewer's summary says
O(1/alpha), flagged as unresolved), with the i.i.d. level.

Computed directly (``results_dir`` is ignored).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ALPHA, B, R, N_STEPS, SEED = 10.0, 0.8, 300, 50_000, 11
REGIMES = (("(i) a = 0.6", 0.6), ("(ii) a = 0.8", 0.8), ("(iii) a = 0.95", 0.95))


def karate_logistic():
    from algorithms import sa_srrw as sa
    from scenarios.srrw import named_chain

    P, mu = named_chain("karate")
    i = np.arange(34)
    S = np.stack([np.ones(34), np.cos(i), np.sin(i), np.cos(2 * i), np.sin(2 * i)], axis=1)
    y = (np.sin(3 * i) > 0).astype(float)
    return P, mu, sa.logistic_problem(S, y, mu, kappa=1.0)


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from algorithms import sa_srrw as sa
    from algorithms import srrw
    from scenarios.srrw import TOY_C, named_chain

    P, mu = named_chain("g8")
    pr = sa.scalar_mean_problem(TOY_C)
    th = pr.root(mu)
    H, gh = pr.H(th), pr.jacobian(th, mu)
    cps = srrw.log_checkpoints(N_STEPS, 30)
    cps = cps[cps >= 100]
    beta = (cps + 1.0) ** (-B)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 3.9))
    for k, (label, a) in enumerate(REGIMES):
        runs = sa.sa_srrw(pr, P, mu, ALPHA, a, B, N_STEPS, R, seed=SEED, checkpoints=cps)
        ax.plot(cps, ((runs.theta[:, :, 0] - th[0]) ** 2).mean(axis=0) / beta, f"C{k}-", label=f"{label}, alpha = {ALPHA:g}")
        ax.axhline(sa.sa_covariance(P, mu, ALPHA, H, gh, a, B)[0, 0], color=f"C{k}", ls="--", lw=0.8)
    base = sa.sa_srrw(pr, P, mu, 0.0, 0.8, B, N_STEPS, R, seed=SEED, checkpoints=cps)
    ax.plot(cps, ((base.theta[:, :, 0] - th[0]) ** 2).mean(axis=0) / beta, "k-", lw=0.8, label="alpha = 0 (MHRW)")
    iid = sa.sa_srrw(pr, P, mu, 0.0, 0.8, B, N_STEPS, R, seed=SEED, checkpoints=cps, walk="iid")
    ax.plot(cps, ((iid.theta[:, :, 0] - th[0]) ** 2).mean(axis=0) / beta, "k:", label="i.i.d. token")
    ax.axhline(sa.covariance_iid(mu, H, gh, B)[0, 0], color="k", ls=":", lw=0.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n")
    ax.set_ylabel(r"$E(\theta_n - \theta^*)^2 / \beta_n$")
    ax.set_title(f"toy G8, b = {B} (dashed: theory), R = {R}", fontsize=9)
    ax.legend(fontsize=7)

    Pk, muk, prk = karate_logistic()
    thk = prk.root(muk)
    Hk, ghk = prk.H(thk), prk.jacobian(thk, muk)
    alphas = np.geomspace(0.1, 100, 40)
    for k, (label, a, b) in enumerate((("(i) a = 0.6, b = 0.9", 0.6, 0.9), ("(ii) a = b = 0.8", 0.8, 0.8),
                                       ("(iii) a = 0.9, b = 0.6", 0.9, 0.6))):
        ax2.plot(alphas, [np.trace(sa.sa_covariance(Pk, muk, al, Hk, ghk, a, b)) for al in alphas], f"C{k}-", label=label)
    ax2.axhline(np.trace(sa.covariance_iid(muk, Hk, ghk, 0.9)), color="k", ls=":", label="i.i.d. token")
    ax2.plot(alphas[alphas >= 10], 3.0 / alphas[alphas >= 10] ** 2, "grey", ls="--", lw=0.7, label=r"slope $-2$")
    ax2.plot(alphas[alphas >= 10], 4.0 / alphas[alphas >= 10], "grey", ls="-.", lw=0.7, label=r"slope $-1$")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel(r"$\alpha$")
    ax2.set_ylabel(r"tr $V_\theta(\alpha)$")
    ax2.set_title("karate logistic regression (theory)", fontsize=9)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    out = Path(out_dir) / "srrw_sa_regimes.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
