"""Figure: Bellman error ``||T U^k - U^k||_inf`` of plain VI and Anc-VI against k, log-log, for gamma in
{0.9, 0.99, 0.999, 1} (Lee & Ryu 2023; spec ``../shared/papers/halpern.md`` Secs. 2.7, 3.6), with the
bounds ``B_gen(gamma, k) ||U^0 - U*||`` (Anc-VI) and ``(1 + gamma) gamma^k ||U^0 - U*||`` (VI) drawn.

Computed directly (``results_dir`` is ignored), ``U^0 = 0``, on two instances (one row each):

* the hard chain of the lower bound (spec Sec. 3.6 [D]): ``K + 2`` states, deterministic, reward 1 at
  ``s_{n-1}``; VI's error is ``gamma^k`` exactly and Anc-VI's is within a factor 4 of the lower bound:
  the regime ``k <~ 1/(1 - gamma)`` where anchoring wins;
* one random dense MDP (``S = 50``, ``A = 4``, :func:`scenarios.classic.random_dense`, seed 0): fast
  mixing, where plain VI's error drops far below its worst-case bound and beats Anc-VI (whose anchor term
  decays only like ``B_gen``).  For gamma = 1 the rewards are replaced by ``r = V* - P V* - delta`` so
  that a fixed point exists (spec Sec. 5.2 item 6) and the distance is ``min_c ||U^0 - U* - c 1||``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

GAMMAS = (0.9, 0.99, 0.999, 1.0)
K = 1000


def instance(kind: str, gamma: float):
    """``(model, scheme, distance)``."""
    from mdplab.solvers import evaluate_policy, policy_iteration
    from scenarios.classic import random_dense
    from scenarios.halpern import fixed_point_mdp, hard_chain

    scheme = "fixed_point" if gamma == 1.0 else "discounted"
    if kind == "chain":  # ||U*||_inf = 1 (U^0 = 0); at gamma = 1 use the undiscounted operator
        model = hard_chain(K + 2, 0.5)
        if gamma == 1.0:
            return model.with_criterion(average_reward=True), scheme, 0.5  # min_c ||U*  - c 1|| = 1/2
        return model.with_criterion(discount=gamma), scheme, 1.0
    S, A = 50, 4
    if gamma < 1:
        model = random_dense(S, A, 0, discount=gamma)
        v_star = evaluate_policy(model, policy_iteration(model).policy, method="direct")
        return model, scheme, float(np.abs(v_star).max())
    model, v_star = fixed_point_mdp(S, A, 0)
    return model, scheme, 0.5 * float(v_star.max() - v_star.min())


def curves(kind: str, gamma: float):
    """``(k, vi_error, anc_error, distance)``."""
    from algorithms.anchored_vi import anchored_iterates
    from mdplab.operators import bellman_backup

    model, scheme, dist = instance(kind, gamma)
    u0 = np.zeros(model.n_states)
    anc = []
    for k, U, TU, _ in anchored_iterates(model, u0, gamma, scheme):
        anc.append(float(np.abs(TU - U).max()))
        if k == K:
            break
    vi, v = [], u0.copy()
    for _ in range(K + 1):
        Tv = bellman_backup(model, v, gamma=gamma)[0]
        vi.append(float(np.abs(Tv - v).max()))
        v = Tv
    return np.arange(K + 1), np.array(vi), np.array(anc), dist


def make(results_dir: str | Path, out_dir: str | Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bounds.lee2023anchoring import BELLMAN_ERROR_GENERAL, GAMMA_ONE_AFFINE

    fig, axes = plt.subplots(2, 4, figsize=(13, 6.4), sharey="row")
    for row, kind in enumerate(("chain", "dense")):
        for ax, gamma in zip(axes[row], GAMMAS):
            k, vi, anc, dist = curves(kind, gamma)
            ks = k[1:]
            ax.loglog(ks, np.maximum(vi[1:], 1e-16), label="VI", lw=1)
            ax.loglog(ks, np.maximum(anc[1:], 1e-16), label="Anc-VI", lw=1)
            if gamma < 1:
                bound = [BELLMAN_ERROR_GENERAL.evaluate({"gamma": gamma, "k": int(j), "e0": dist}) for j in ks]
                ax.loglog(ks, bound, "k--", lw=0.8, label="B_gen(gamma,k) e0")
                ax.loglog(ks, (1 + gamma) * gamma ** ks * dist, "k:", lw=0.8, label="(1+gamma) gamma^k e0")
            else:
                ax.loglog(ks, [GAMMA_ONE_AFFINE.evaluate({"k": int(j), "d0": dist}) for j in ks], "k--", lw=0.8,
                          label="2 d0/(k+1)")
            name = f"hard chain, n = {K + 2}" if kind == "chain" else "random dense S = 50, A = 4"
            ax.set_title(f"{name}, gamma = {gamma}", fontsize=8)
            ax.set_ylim(1e-12, 1e4)
            if row == 1:
                ax.set_xlabel("k (Bellman applications)")
            ax.legend(fontsize=6)
        axes[row][0].set_ylabel(r"$\|TU^k - U^k\|_\infty$")
    fig.tight_layout()
    out = Path(out_dir) / "halpern_anc_vi.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return [out]


if __name__ == "__main__":
    print(*make(sys.argv[1] if len(sys.argv) > 1 else "mdplab-results",
                sys.argv[2] if len(sys.argv) > 2 else "mdplab-results/paper_figs"), sep="\n")
