"""Benchmark of the Halpern family against its peers (one process; ratios within one run are what count).

Part 1, MDPs at gamma = 0.999: Bellman applications and wall time until a certified eps-optimal policy
(``policy_gap <= eps``, MacQueen bounds, the same certificate for every method) for Anc-VI
(:func:`algorithms.anchored_vi.anchored_value_iteration`), plain VI (``mdplab.solvers.value_iteration``) and
the core's default discounted method (``mdplab.solve(model)``, i.e. ``method="auto"``) plus policy
iteration, on the core's benchmark generators (``scenarios.classic``: random dense, random sparse,
gridworld).  Anc-VI and VI count one Bellman application per iteration; for MPI/PI ``iterations`` counts
policy improvements (each with an evaluation), so wall time is the comparable column there.

Part 1b, two of the MDPs plus the lower-bound hard chain (spec Sec. 3.6, ``n = 10002`` states, longer than
the horizon ``1/(1 - gamma)``, so VI cannot finish by reaching the end of the chain): Bellman applications until
the Bellman error ``||T U^k - U^k||_inf <= eps_B ||U*||_inf`` (the quantity of the Anc-VI theorem, no
certificate), Anc-VI vs VI, both from ``U^0 = 0``.

Part 2, finite-sum problems: oracle calls (epochs = calls / n, monitoring not charged) and wall time until
the exact residual <= eps, for every method, on the policeman-burglar game and the +-1-row least-squares
family; randomised methods over 5 seeds (mean and median of epochs; cost is random, spec Sec. 5.1).

Run: ``python benchmarks/halpern.py`` (about 10-20 min on an idle 2-core machine) or ``--quick``.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

from algorithms.anchored_vi import anchored_iterates, anchored_value_iteration
from algorithms.extragradient import anchored_extragradient, extragradient, vr_extragradient
from algorithms.finite_sum import pm_one_least_squares, policeman_burglar
from algorithms.mirror_prox import entropic_mirror_prox
from algorithms.vr_halpern import deterministic_halpern, inexact_halpern_vrforb, vr_halpern
from mdplab.operators import bellman_backup
from mdplab.solvers import policy_iteration, solve, value_iteration
from scenarios.classic import gridworld, random_dense, random_sparse
from scenarios.halpern import hard_chain


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def mdp_part(quick: bool, eps: float) -> None:
    gamma = 0.999
    models = ([("random dense S=200 A=5", lambda: random_dense(200, 5, 0, discount=gamma)),
               ("random sparse S=2000 A=4 k=5", lambda: random_sparse(2000, 4, 5, 0, discount=gamma)),
               ("gridworld 20x20 slip .1", lambda: gridworld(20, 0.1, discount=gamma))] if quick else
              [("random dense S=1000 A=10", lambda: random_dense(1000, 10, 0, discount=gamma)),
               ("random sparse S=20000 A=4 k=5", lambda: random_sparse(20000, 4, 5, 0, discount=gamma)),
               ("gridworld 50x50 slip .1", lambda: gridworld(50, 0.1, discount=gamma))])
    print(f"\n## MDPs, gamma = {gamma}, certified policy gap <= {eps:g}\n")
    print("| instance | method | Bellman applications / iterations | policy gap | seconds |")
    print("|---|---|---|---|---|")
    for name, make in models:
        model = make()
        runs = [("Anc-VI", lambda: anchored_value_iteration(model, tol=eps, max_iter=2_000_000)),
                ("VI", lambda: value_iteration(model, tol=eps)),
                ("auto (core default)", lambda: solve(model, tol=eps)),
                ("PI", lambda: policy_iteration(model, tol=eps))]
        for label, fn in runs:
            sol, sec = timed(fn)
            gap = sol.info.get("policy_gap", float("nan"))
            count = sol.info.get("bellman_applications", sol.iterations)
            print(f"| {name} | {label} ({sol.method}) | {count}{'' if sol.converged else ' (not converged)'} "
                  f"| {gap:.2g} | {sec:.3f} |")


def applications_to_bellman_error(model, target: float, anchored: bool, cap: int) -> int | None:
    """Bellman applications until ``||T U^k - U^k||_inf <= target`` (None if not within ``cap``)."""
    u0 = np.zeros(model.n_states)
    if anchored:
        for k, U, TU, _ in anchored_iterates(model, u0, model.gamma, "discounted"):
            if np.abs(TU - U).max() <= target:
                return k + 1
            if k >= cap:
                return None
    v = u0
    for k in range(cap + 1):
        Tv = bellman_backup(model, v)[0]
        if np.abs(Tv - v).max() <= target:
            return k + 1
        v = Tv
    return None


def bellman_error_part(quick: bool, eps_b: float) -> None:
    gamma = 0.999
    models = [("hard chain n=10002", lambda: hard_chain(10_002, gamma)),
              ("random dense S=200 A=5", lambda: random_dense(200, 5, 0, discount=gamma)),
              ("gridworld 20x20 slip .1", lambda: gridworld(20, 0.1, discount=gamma))]
    cap = 20_000 if quick else 50_000
    print(f"\n## Bellman applications to ||TU - U||_inf <= {eps_b:g} ||U*||_inf, gamma = {gamma}, U^0 = 0\n")
    print("| instance | Anc-VI | VI | seconds (Anc-VI / VI) |")
    print("|---|---|---|---|")
    for name, make in models:
        model = make()
        scale = float(np.abs(solve(model, tol=1e-9).values).max())  # ||U*||_inf to ~1e-9
        bellman_backup(model, np.zeros(model.n_states))  # warm the kernel before timing
        (anc, t_anc), (vi, t_vi) = (timed(lambda: applications_to_bellman_error(model, eps_b * scale, a, cap))
                                    for a in (True, False))
        fmt = lambda x: f"> {cap}" if x is None else str(x)  # noqa: E731
        print(f"| {name} | {fmt(anc)} | {fmt(vi)} | {t_anc:.2f} / {t_vi:.2f} |")


def finite_sum_methods(op, problem: str):
    n = op.n
    if problem == "game":
        L2, Lfro = np.linalg.norm(op.payoff, 2), np.linalg.norm(op.payoff, "fro")
        return [("EG eta=5/||A||_2", extragradient, {"eta": 5 / L2}, False),
                ("EAG eta=5/||A||_2", anchored_extragradient, {"eta": 5 / L2}, False),
                ("entropic Mirror-Prox", entropic_mirror_prox, {}, False),
                ("VR-EG tau=3sqrt(p)/||A||_F", vr_extragradient, {"tau": 3 * math.sqrt(1 / n) / Lfro}, True),
                ("Alg. 1 eta=5/||A||_F", vr_halpern, {"eta": 5 / Lfro}, True),
                ("Alg. 2 eta=sqrt(n)/||A||_F c_tau=5", inexact_halpern_vrforb,
                 {"eta": math.sqrt(n) / Lfro, "c_tau": 5.0}, True)]
    return [("Halpern eta=1/L_F", deterministic_halpern, {}, False),
            ("EG eta=0.5/L_F", extragradient, {}, False),
            ("EAG eta=0.5/L_F", anchored_extragradient, {"eta": 0.5 / op.lipschitz_full}, False),
            ("VR-EG default", vr_extragradient, {}, True),
            ("Alg. 1 eta=1/L", vr_halpern, {"eta": 1 / op.lipschitz_constant}, True),
            ("Alg. 2 default", inexact_halpern_vrforb, {}, True)]


def finite_sum_part(quick: bool) -> None:
    problems = [("game", "policeman-burglar n=100", lambda: policeman_burglar(100), 0.03, 2000.0),
                ("ls", f"+-1 least squares n={4096 if quick else 16384} d=10",
                 lambda: pm_one_least_squares(4096 if quick else 16384, seed=0), 2e-3, 3000.0)]
    seeds = range(3 if quick else 5)
    print("\n## Finite-sum problems: epochs (calls / n) and seconds to exact residual <= eps\n")
    print("| problem | eps | method | epochs (mean / median) | seconds (mean) | reached |")
    print("|---|---|---|---|---|---|")
    for problem, name, make, eps, budget in problems:
        op = make()
        for label, fn, kw, randomised in finite_sum_methods(op, problem):
            epochs, secs, hits = [], [], 0
            for seed in (seeds if randomised else [0]):
                op.reset_counters()
                extra = {"seed": seed} if randomised else {}
                tr, sec = timed(lambda: fn(op, tol=eps, max_epochs=budget, record_every=0.5, **kw, **extra))
                e = tr.epochs_to(eps)
                hits += math.isfinite(e)
                epochs.append(e)
                secs.append(sec)
            e = np.array(epochs)
            print(f"| {name} | {eps:g} | {label} | {np.mean(e):.1f} / {np.median(e):.1f} | {np.mean(secs):.2f} "
                  f"| {hits}/{len(e)} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller instances (a few minutes)")
    ap.add_argument("--eps", type=float, default=1e-6, help="policy-gap target of the MDP part")
    ap.add_argument("--eps-bellman", type=float, default=1e-3, help="relative Bellman-error target of part 1b")
    ap.add_argument("--part", choices=("all", "mdp", "bellman", "finite-sum"), default="all")
    args = ap.parse_args()
    if args.part in ("all", "mdp"):
        mdp_part(args.quick, args.eps)
    if args.part in ("all", "bellman"):
        bellman_error_part(args.quick, args.eps_bellman)
    if args.part in ("all", "finite-sum"):
        finite_sum_part(args.quick)


if __name__ == "__main__":
    main()
