"""Figure: learned value ``J^theta(0, x)`` against the closed-form truth (Jia & Zhou 2022; spec
``../shared/papers/martingale_and_srrw.md`` A4.2, A4.3).  Computed directly (``results_dir`` is ignored).

* Left, A4.2 (OU on [0, 1], kappa = sigma = 1, beta = 0.5, r = h = x^2, X_0 ~ N(0, 1), dt = 0.01, 4000
  episodes), anchored 3-parameter family: LSTD, martingale-loss fit, online TD(0) (one shared learner fed the
  episodes in parallel, 15 passes) and the MSTDE fit of the same family, against ``J(0, x) = a(0) x^2 + c(0)``.
  theta_2 and theta_3 multiply nearly collinear time functions (spec A4.2): compare values, not parameters.
* Right, A4.3 misspecified time-free family ``theta_1 x^2 + theta_2``: ML (close to the L2 projection of J) vs
  TD/LSTD with ``xi = (x^2, 1)`` (a Galerkin approximation far from it), with the projection and the truth.
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np

#: passes of online TD(0) over the 4000 episodes (one shared learner, rate 2 per unit time)
PASSES = 15


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from algorithms import martingale_pe as mpe
    from scenarios.martingale import OUFiniteHorizon

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    Q = OUFiniteHorizon()
    traj = Q.trajectories(0.01, 4000, seed=0)
    fam = Q.anchored_family()
    xs = np.linspace(-2.5, 2.5, 101)
    grid_X = xs[None, :, None] * np.ones((1, 1, 1))
    t0 = np.zeros(1)

    def J0(family, theta):  # J^theta(0, x) on the x grid: one "episode" per x, a single time point
        return family.value(theta, t0, grid_X.reshape(-1, 1, 1))[:, 0]

    state = None
    for _ in range(PASSES):
        state = mpe.td0_online(fam, traj, Q.beta, lambda t: 2.0, state=state, shared=True)
    fits = {"LSTD": mpe.lstd(fam, traj, Q.beta), "ML fit": mpe.martingale_loss_fit(fam, traj, Q.beta),
            f"online TD(0), {PASSES} passes": state.theta, "MSTDE fit": mpe.mean_square_td_error_fit(fam, traj, Q.beta)}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.8))
    ax1.plot(xs, Q.value(0.0, xs), "k-", lw=3, alpha=0.35, label="truth a(0) x^2 + c(0)")
    for (name, th), style in zip(fits.items(), ("-", "--", ":", "-.")):
        ax1.plot(xs, J0(fam, th), style, label=f"{name} theta={np.round(th, 3)}")
    ax1.set_xlabel("x")
    ax1.set_ylabel("J(0, x)")
    ax1.set_title(f"A4.2 anchored family, theta* = {np.round(Q.theta_star, 3)}")
    ax1.legend(fontsize=7)

    free = Q.time_free_family()
    ml = mpe.martingale_loss_fit(free, traj, Q.beta)
    td = mpe.lstd(free, dataclasses.replace(traj, terminal=None), Q.beta)
    Phi = free.phi(traj.t, traj.X)[:, :-1].reshape(-1, 2)
    proj = np.linalg.lstsq(Phi, Q.value(traj.t, traj.X[..., 0])[:, :-1].ravel(), rcond=None)[0]
    ax2.plot(xs, Q.value(0.0, xs), "k-", lw=3, alpha=0.35, label="truth J(0, x)")
    for name, th, style in (("L2 projection", proj, "-"), ("ML fit", ml, "--"), ("TD/LSTD, xi=(x^2,1)", td, ":")):
        ax2.plot(xs, J0(free, th), style, label=f"{name} theta={np.round(th, 3)}")
    ax2.set_xlabel("x")
    ax2.set_title("A4.3 time-free family (same for all t)")
    ax2.legend(fontsize=7)
    fig.suptitle("Jia & Zhou (2022): learned value vs closed form")
    fig.tight_layout()
    out = out_dir / "martingale_value.png"
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
