"""Run one explorer of :data:`algorithms.explorers.EXPLORERS` on one linear mixture model for several seeds: the
library side of ``mdplab explore`` (the verb only parses and prints).

* :func:`load_explore_model`: a linear-mixture ``.npz`` (``Phi``, ``theta``, optional ``horizon``, ``R``,
  ``mu``; read by :func:`mdplab.load`) or a named instance (:data:`NAMED_MODELS`).  A named instance without
  its own seed is redrawn per run seed (the lower-bound instance's random signs).
* :func:`run_seeds`: seed ``i`` of ``n`` is the integer ``i``; with ``episodes=K`` the result has the exact
  worst-case gap (over the evaluation reward family: the vertices of the state reward box) of the policies
  planned after ``K`` episodes, per seed (``gap``), ``gap_mean``, ``gap_ci95`` (95% Student-t interval for the
  mean), ``seconds``; with ``epsilon=E`` it runs ``max_episodes`` episodes with doubling checkpoints and
  reports ``episodes`` per seed: the first checkpoint from which the gap stays at most ``E`` (null when the
  gap at ``max_episodes`` still exceeds ``E``), and their median.
"""
from __future__ import annotations

import math
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from mdplab.errors import ModelError

from .regret_runs import parse_params, student_t_ci

#: named models (``mdplab explore --help`` lists them)
NAMED_MODELS = {
    "hard:d,H,eps[,seed]": "lower-bound instance of zhang2023rfe, Delta = 2 eps / d (random signs: per run seed "
                           "unless seed is given)",
    "random:S,A,d,H,seed": "random linear mixture: Dirichlet(0.5) base kernels, features P_i / sqrt(d)",
    "reveal_test:A,Dtree,n,alpha,eps[,seed]": "RevealTest POMDP of chen2023revealing (reconstructed), m = 2; (c*, z) "
                                              "drawn per run seed unless seed is given",
    "reveal_control:A,Dtree,n,alpha,eps[,seed]": "its 1-step revealing control (the test layer shows (i, sigma))",
    "leaky:A,Dtree,n,alpha,eps[,seed]": "BROKEN RevealTest: the first observation names c*",
}
#: named revealing-POMDP families (runs with the explorers whose ``model`` is ``"revealing_pomdp"``)
REVEALING_KINDS = ("reveal_test", "reveal_control", "leaky")
#: default ``max_episodes`` of ``epsilon`` mode
MAX_EPISODES = 1 << 14


def _numbers(env: str, text: str, lo: int, hi: int) -> list[float]:
    parts = [p for p in text.split(",") if p != ""]
    if not lo <= len(parts) <= hi:
        raise ModelError(f"{env!r}: expected {lo}{'' if lo == hi else f'-{hi}'} comma-separated numbers")
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise ModelError(f"{env!r}: not a list of numbers") from None


def _int(env: str, x: float, name: str, lo: int = 1) -> int:
    if not float(x).is_integer() or x < lo:
        raise ModelError(f"{env!r}: {name} must be an integer >= {lo}; got {x:g}")
    return int(x)


def load_explore_model(env: str, seed: int = 0, horizon: int | None = None):
    """``(name, LinearMixtureMDP)`` for a file or a named model; ``seed`` draws instances without their own."""
    from mdplab.linear_mixture import LinearMixtureMDP
    from scenarios.instances.linear_mixture import hard_instance_for_epsilon, random_linear_mixture

    kind, _, rest = env.partition(":")
    if kind in REVEALING_KINDS and rest:
        if horizon is not None:
            raise ModelError(f"{env!r}: a RevealTest instance fixes its own horizon; drop --horizon")
        return env, _revealing_model(env, kind, rest, seed)
    if kind == "hard" and rest:
        vals = _numbers(env, rest, 3, 4)
        d, H = _int(env, vals[0], "d", 2), _int(env, vals[1], "H")
        inst_seed = _int(env, vals[3], "seed", 0) if len(vals) == 4 else seed
        model = hard_instance_for_epsilon(d, H, vals[2], inst_seed).model
    elif kind == "random" and rest:
        vals = _numbers(env, rest, 5, 5)
        S, A, d, H, s = (_int(env, v, n, lo) for v, n, lo in zip(vals, ("S", "A", "d", "H", "seed"), (1, 1, 1, 1, 0)))
        model = random_linear_mixture(S, A, d, H, s)
    else:
        import mdplab

        path = Path(env)
        if not path.is_file():
            raise ModelError(f"{env!r} is neither a file nor a named model ({', '.join(NAMED_MODELS)})")
        model = mdplab.load(path)
        if not isinstance(model, LinearMixtureMDP):
            raise ModelError(f"{env}: reward-free exploration needs a linear-mixture .npz (arrays Phi, theta); "
                             f"this file is a {type(model).__name__}")
    if horizon is not None:
        model = type(model)(model.Phi, model.theta, model.R, int(horizon), model.mu)
    if model.horizon is None:
        raise ModelError(f"{env}: the model has no horizon; give --horizon H")
    return env, model


def _revealing_model(env: str, kind: str, rest: str, seed: int):
    """RevealTest(A, Dtree, n, alpha, eps) with ``(c*, z)`` drawn as
    :func:`scenarios.instances.revealing.reveal_test_family` draws them (``default_rng(seed)``: ``c*`` uniform,
    then ``z`` uniform signs); ``reveal_control`` the 1-step control, ``leaky`` the broken environment."""
    from algorithms.revealing_lower.families import leaky, reveal_test

    vals = _numbers(env, rest, 5, 6)
    A, Dtree, n = _int(env, vals[0], "A", 2), _int(env, vals[1], "Dtree", 0), _int(env, vals[2], "n")
    alpha, eps = vals[3], vals[4]
    if not (np.isfinite(alpha) and 0 < alpha <= 1):
        raise ModelError(f"{env!r}: alpha must lie in (0, 1]; got {alpha:g}")
    if not (np.isfinite(eps) and 0 < eps <= 1):
        raise ModelError(f"{env!r}: eps must lie in (0, 1] (eps = 0 is the null: nothing to find); got {eps:g}")
    if (Dtree + 1) * math.log2(A) > 12 or n > 4096:          # before forming A^(Dtree+1): Dtree may be huge
        raise ModelError(f"{env!r}: K = A^(Dtree+1) candidates and n = {n} pairs must each be at most 4096")
    K = A ** (Dtree + 1)
    rng = np.random.default_rng(_int(env, vals[5], "seed", 0) if len(vals) == 6 else seed)
    c_star = int(rng.integers(K))
    z = tuple(int(v) for v in rng.choice((1, -1), size=n))
    model = reveal_test(A, Dtree, n, alpha, eps, c_star, z, control=kind == "reveal_control")
    return leaky(model) if kind == "leaky" else model


def model_kind(model) -> str:
    """``"revealing_pomdp"`` or ``"linear_mixture"``: the ``model`` field of the explorers that run on it."""
    from algorithms.revealing_lower.families import EpisodicPOMDP

    return "revealing_pomdp" if isinstance(model, EpisodicPOMDP) else "linear_mixture"


def revealing_lower_bound(model) -> dict[str, Any]:
    """The lower-bound curve at a RevealTest instance: ``lower_bound`` = ``K sqrt(2 n log 2) / (2 (alpha eps)^2)``
    (``chen2023revealing.revealtest_episodes``), ``lower_bound_exact`` = ``K N*(n, alpha eps) / 2``
    (:func:`algorithms.revealing_lower.divergences.n_lb_total`), ``Delta = alpha eps / 2`` (the gap of a wrong
    candidate); both curves are null on the 1-step control, where no search is needed."""
    from algorithms.revealing_lower.divergences import n_lb_total
    from bounds.core import get_bound

    m = model.meta
    out: dict[str, Any] = {"Delta": m["alpha"] * m["eps"] / 2, "K_candidates": m["K"]}
    if m.get("control"):
        return dict(out, lower_bound=None, lower_bound_exact=None)
    bound = get_bound("chen2023revealing.revealtest_episodes")
    return dict(out, lower_bound=float(bound.evaluate(dict(K=m["K"], n=m["n"], alpha=m["alpha"], eps=m["eps"]))),
                lower_bound_exact=float(n_lb_total(m["K"], m["n"], m["alpha"], m["eps"])))


def _one_seed(name: str, env: str, horizon: int | None, K: int, seed: int, constants: dict,
              epsilon: float | None) -> dict:
    from algorithms.explorers import explorer

    _, model = load_explore_model(env, seed, horizon)
    run = explorer(name).runner(model, K, seed, **constants)
    if model_kind(model) == "revealing_pomdp":
        out = {"gap": float(run.gap[-1]), "checkpoints": np.asarray(run.checkpoints), "gaps": np.asarray(run.gap),
               "c_star": model.meta["c_star"], "c_hat": int(run.c_hat[-1]),
               "episodes_used": int(run.checkpoints[-1]), "seconds": run.seconds}
        if epsilon is not None:
            k = run.episodes_to_epsilon(epsilon)
            out["episodes"] = None if k < 0 else int(k)
        return out
    out = {"gap": float(run.gap[-1]), "checkpoints": np.asarray(run.checkpoints), "gaps": np.asarray(run.gap),
           "certificate": np.asarray(run.certificate), "covered": bool(run.covered.all()), "seconds": run.seconds}
    if epsilon is not None:
        k = run.episodes_to_epsilon(epsilon)
        out["episodes"] = None if k < 0 else int(k)
    return out


def run_seeds(name: str, env: str, *, seeds: int, episodes: int | None = None, epsilon: float | None = None,
              max_episodes: int | None = None, horizon: int | None = None, delta: float | None = None,
              params: list[str] | None = None, workers: int = 1) -> dict[str, Any]:
    """Run explorer ``name`` on ``env`` for seeds ``0..seeds-1``; see the module docstring."""
    from algorithms.explorers import EXPLORERS, explorer

    entry = explorer(name)
    if int(seeds) < 1:
        raise ModelError(f"--seeds must be >= 1; got {seeds}")
    if int(workers) < 1:
        raise ModelError(f"--workers must be >= 1; got {workers}")
    if (episodes is None) == (epsilon is None):
        raise ModelError("give exactly one of --episodes K and --epsilon E")
    if episodes is not None and episodes < 1:
        raise ModelError(f"--episodes must be >= 1; got {episodes}")
    if epsilon is not None and not 0 < epsilon < 1:
        raise ModelError(f"--epsilon must be in (0, 1) (total reward is at most 1); got {epsilon}")
    if max_episodes is not None and max_episodes < 1:
        raise ModelError(f"--max-episodes must be >= 1; got {max_episodes}")
    if horizon is not None and horizon < 1:
        raise ModelError(f"--horizon must be >= 1; got {horizon}")
    constants = parse_params(entry, list(params or []))
    if delta is not None:
        if not 0 < delta < 1:
            raise ModelError(f"--delta must be in (0, 1); got {delta}")
        constants["delta"] = float(delta)
    if delta is not None and "delta" not in entry.defaults:
        raise ModelError(f"--delta is not a constant of {name}; known: {sorted(entry.defaults)}")
    _, model0 = load_explore_model(env, 0, horizon)   # fail fast on a bad model, before any process starts
    if model_kind(model0) != entry.model:
        fits = sorted(k for k, e in EXPLORERS.items() if e.model == model_kind(model0))
        raise ModelError(f"explorer {name!r} runs on {entry.model} models, but {env!r} is a {model_kind(model0)}; "
                         f"choose from {', '.join(fits)}")
    K = int(episodes) if episodes is not None else int(max_episodes or MAX_EPISODES)
    t0 = time.perf_counter()
    args = [(name, env, horizon, K, i, constants, epsilon) for i in range(int(seeds))]
    if workers > 1 and seeds > 1:
        with ProcessPoolExecutor(max_workers=int(workers), mp_context=get_context("spawn")) as ex:
            outs = list(ex.map(_one_seed, *zip(*args)))
    else:
        outs = [_one_seed(*a) for a in args]
    gap = np.asarray([o["gap"] for o in outs])
    out: dict[str, Any] = {"learner": name, "env": env, "seeds": list(range(int(seeds))), "K": K,
                           "gap": gap.tolist(), "gap_mean": float(gap.mean()), "gap_ci95": student_t_ci(gap),
                           "ci": "95% Student-t interval for the mean over seeds"}
    if entry.model == "revealing_pomdp":
        out.update(revealing_lower_bound(model0), c_star=[o["c_star"] for o in outs],
                   c_hat=[o["c_hat"] for o in outs], episodes_used=[o["episodes_used"] for o in outs],
                   reward_family="the instance's own reward (1 on W at the last step); gap = V* - V(output), "
                                 "both by enumeration")
    else:
        out.update(reward_family="vertices of the state reward box {r(s,a) = c(s)/H, c in [0,1]^S}",
                   theta_covered=[o["covered"] for o in outs])
    if epsilon is not None:
        eps_k = [o["episodes"] for o in outs]
        reached = [k for k in eps_k if k is not None]
        out.update(epsilon=float(epsilon), episodes=eps_k,
                   episodes_median=float(np.median(reached)) if len(reached) == len(eps_k) else None)
    out["seconds"] = time.perf_counter() - t0
    out["curves"] = outs
    return out


__all__ = ["NAMED_MODELS", "load_explore_model", "run_seeds", "MAX_EPISODES", "model_kind", "revealing_lower_bound"]
