"""Run one learner of :data:`algorithms.learners.LEARNERS` on one environment for several seeds: the library
side of ``mdplab regret`` (the verb only parses and prints).

* :func:`load_environment`: a ``.npz`` model file (``P (S, A, S)``, ``R (S, A)``, optional ``mu (S,)``; start
  state 0 when absent; or the linear-mixture layout ``Phi (S, A, S, d)``, ``theta (d,)``, ``R``, whose
  ``Phi``/``theta`` the linear-mixture learners also receive) or a named instance (:data:`NAMED_ENVIRONMENTS`).
* :func:`run_seeds`: seed ``i`` of ``n`` is the integer ``i`` (deterministic; every learner seeds its own
  ``np.random.default_rng``), runs serially or on a ``spawn`` process pool with identical numbers, and
  returns the final regret per seed, its mean and a 95% Student-t confidence interval for the mean, and
  the curves.  Average reward: ``regret`` is the exact pseudo-regret ``T J* - sum_t rbar(s_t, a_t)``,
  ``gain_regret`` the exact gain regret, ``switches`` the number of re-plans after the first (policy
  updates: episodes - 1 for UCRL2-type learners, LOOP's ``n_updates``); episodic: the exact regret ``sum_k mu^T (V*_1 - V^{pi_k}_1)``.
"""
from __future__ import annotations

import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from mdplab.errors import ModelError

#: named environments (``mdplab regret --help`` lists them)
NAMED_ENVIRONMENTS = {
    "riverswim:osband2013": "6-state RiverSwim, Osband, Russo, Van Roy 2013 parameters (start s1)",
    "riverswim:strehl_littman2008": "6-state RiverSwim, Strehl & Littman 2008, rewards divided by their maximum",
    "two_state:p,q": "TwoState(p, q): J* = p/(p+q), sp(h*) = 1/(p+q), D = max(1/p, 1/q)",
    "random:S,A,seed": "random communicating MDP (S states, A actions, U[0,1] rewards) drawn with seed",
    "jaksch:S,A,delta,eps,seed": "Jaksch et al. 2010 lower-bound family (S even)",
    # latent MDPs (learner lmdp-hf; also any latent-MDP .npz): scenarios.instances.latent.NAMED_LATENT_ENVIRONMENTS
    "hidden_tree:M,D,A,q,eps,tail,seed": "latent: HiddenTreeBandit (ours; V* = q + eps)",
    "two_branch:q,eps,tail": "latent: TwoBranch (ours; V* = q + eps)",
    "det_lmdp:M,S,A,H,seed": "latent: DetLMDP (ours; Var* = 0)",
}


def _numbers(env: str, text: str, n: int) -> list[float]:
    parts = text.split(",")
    if len(parts) != n:
        raise ModelError(f"environment {env!r}: expected {n} comma-separated numbers after ':'")
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise ModelError(f"environment {env!r}: {text!r} holds a non-number") from None


def load_linear_mixture_environment(env: str):
    """``(Phi, theta, P, R, mu)`` when ``env`` is a ``.npz`` of the linear-mixture layout (``Phi (S, A, S, d)``,
    ``theta (d,)``, ``R (S, A)`` required here: regret needs rewards; :func:`mdplab.linear_mixture.load_linear_mixture`
    validates), else None."""
    from mdplab.linear_mixture import load_linear_mixture

    if not env.endswith(".npz") or not Path(env).is_file():
        return None
    try:
        with np.load(env, allow_pickle=False) as z:
            files = set(z.files)
    except (ValueError, OSError, EOFError):   # unreadable: the tabular reader reports it as before
        return None
    if "Phi" not in files and "theta" not in files:
        return None
    if "R" not in files:
        raise ModelError(f"{env}: the linear-mixture file has no rewards R (S, A); regret needs them")
    model = load_linear_mixture(env, average_reward=True)
    P = np.clip(model.P, 0.0, None)
    P /= P.sum(axis=2, keepdims=True)
    mu = np.asarray(model.mu) if model.mu is not None else np.eye(model.n_states)[0]
    return np.asarray(model.Phi), np.asarray(model.theta), P, np.asarray(model.R, dtype=float), mu


def load_environment(env: str) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    """``(name, P (S, A, S), R (S, A), mu (S,))`` for a ``.npz`` path or a named instance."""
    from scenarios.instances import learning as inst

    if env.endswith(".npz"):
        path = Path(env)
        if not path.is_file():
            raise ModelError(f"no model file {env}")
        lm = load_linear_mixture_environment(env)
        if lm is not None:   # the linear-mixture layout (Phi, theta, R): P = Phi @ theta
            return env, lm[2], lm[3], lm[4]
        with np.load(path, allow_pickle=False) as z:
            for key in ("P", "R"):
                if key not in z.files:
                    raise ModelError(f"{env}: no array {key!r} (has {sorted(z.files)})")
            P, R = np.asarray(z["P"], dtype=float), np.asarray(z["R"], dtype=float)
            mu = np.asarray(z["mu"], dtype=float) if "mu" in z.files else None
        if P.ndim != 3 or P.shape[1:2] != R.shape[1:2] or P.shape[0] != P.shape[2] or R.shape != P.shape[:2]:
            raise ModelError(f"{env}: P must be (S, A, S) and R (S, A); got {P.shape} and {R.shape}")
        if not np.all(np.isfinite(R)) or R.min() < 0 or R.max() > 1:
            s, a = np.unravel_index(int(np.argmax((R < 0) | (R > 1) | ~np.isfinite(R))), R.shape)
            raise ModelError(f"{env}: rewards must lie in [0, 1]; R[{s}, {a}] = {float(R[s, a])!r}")
        if mu is None:
            mu = np.eye(P.shape[0])[0]
        return env, P, R, mu
    head, _, tail = env.partition(":")
    if head == "riverswim" and tail in ("osband2013", "strehl_littman2008"):
        li = inst.riverswim(6, tail, normalise=(tail == "strehl_littman2008"))
    elif head == "two_state":
        li = inst.two_state(*_numbers(env, tail, 2))
    elif head == "random":
        S, A, seed = _numbers(env, tail, 3)
        li = inst.random_communicating(int(S), int(A), int(seed))
    elif head == "jaksch":
        S, A, d, e, seed = _numbers(env, tail, 5)
        li = inst.jaksch_lower_bound(int(S), int(A), d, e, int(seed))
    else:
        raise ModelError(f"unknown environment {env!r}: give a .npz file or one of {sorted(NAMED_ENVIRONMENTS)}")
    return env, li.P, li.R, li.mu


def parse_params(entry, pairs: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings -> constants for ``entry`` (keys must be among its defaults; a value is
    numeric when the default is numeric or None, ``true``/``false`` when it is a bool, a string otherwise)."""
    out: dict[str, Any] = {}
    for item in pairs:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise ModelError(f"--param {item!r}: expected KEY=VALUE")
        if key not in entry.defaults:
            raise ModelError(f"--param {key!r} is not a constant of {entry.name}; known: {sorted(entry.defaults)}")
        default = entry.defaults[key]
        if isinstance(default, bool):
            if value.lower() not in ("true", "false"):
                raise ModelError(f"--param {key}={value!r}: expected true or false")
            out[key] = value.lower() == "true"
        elif default is None or isinstance(default, (int, float)):
            try:
                x = float(value)
            except ValueError:
                raise ModelError(f"--param {key}={value!r}: not a number") from None
            if not math.isfinite(x):
                raise ModelError(f"--param {key}={value!r}: not a finite number")
            out[key] = int(x) if isinstance(default, int) and x.is_integer() else x
        elif isinstance(default, str):
            out[key] = value
        else:
            raise ModelError(f"--param {key!r} cannot be set from the command line (default {default!r})")
    return out


def _one_seed(name: str, P, R, mu, steps, episodes, horizon, seed: int, constants: dict) -> dict:
    from algorithms.learners import learner

    entry = learner(name)
    if entry.setting == "average":
        s0 = int(np.argmax(mu))
        run = entry.runner(P, R, s0, int(steps), seed, **constants)
        return {"regret": np.asarray(run.pseudo_regret), "gain_regret": np.asarray(run.gain_regret),
                "switches": np.asarray(int(run.extras.get("n_updates", run.n_plans - 1)))}
    if entry.setting == "lmdp":  # P is the LatentMDP (its horizon); R and mu are unused
        run = entry.runner(P, int(episodes), seed, **constants)
        return {"regret": np.asarray(run.regret)}
    run = entry.runner(P, R, mu, int(horizon), int(episodes), seed, **constants)
    return {"regret": np.asarray(run.regret)}


def run_seeds(name: str, env: str, *, seeds: int, steps: int | None = None, episodes: int | None = None,
              horizon: int | None = None, delta: float | None = None, params: list[str] | None = None,
              workers: int = 1) -> dict[str, Any]:
    """Run learner ``name`` on ``env`` for seeds ``0..seeds-1``; see the module docstring.  Returns
    ``learner, env, seeds, regret (final, per seed), regret_mean, regret_ci95, ci, seconds, curves``
    (and ``gain_regret`` for average reward)."""
    from algorithms.learners import learner
    from mdplab.regret import diameter

    entry = learner(name)
    if int(seeds) < 1:
        raise ModelError(f"--seeds must be >= 1; got {seeds}")
    if int(workers) < 1:
        raise ModelError(f"--workers must be >= 1; got {workers}")
    if entry.setting == "lmdp":
        if steps is not None:
            raise ModelError(f"{name} is an episodic latent-MDP learner: give --episodes K (the horizon is the model's)")
        if episodes is None or episodes < 1:
            raise ModelError(f"{name} needs --episodes K >= 1")
    elif entry.setting == "average":
        if horizon is not None or episodes is not None:
            raise ModelError(f"{name} is an average-reward (continuing) learner: give --steps T, not --episodes/--horizon")
        if steps is None or steps < 1:
            raise ModelError(f"{name} needs --steps T >= 1")
    else:
        if steps is not None:
            raise ModelError(f"{name} is an episodic learner: give --episodes K --horizon H, not --steps")
        if episodes is None or horizon is None or episodes < 1 or horizon < 1:
            raise ModelError(f"{name} needs --episodes K >= 1 and --horizon H >= 1")
    constants = parse_params(entry, list(params or []))
    if delta is not None:
        if "delta" not in entry.defaults:
            raise ModelError(f"--delta: {name} has no confidence parameter delta")
        if not 0 < delta < 1:
            raise ModelError(f"--delta must be in (0, 1); got {delta}")
        constants["delta"] = float(delta)
    if entry.setting == "lmdp":  # a latent-MDP file or named latent instance (scenarios.instances.latent)
        from scenarios.instances.latent import lmdp_environment

        env_name, P = lmdp_environment(env, horizon)
        R, mu = np.asarray(P.R), None
    else:
        env_name, P, R, mu = load_environment(env)
    from algorithms.learners import LINEAR_MIXTURE_LEARNERS

    if name in LINEAR_MIXTURE_LEARNERS:   # these learners read the model's features (Phi) and need theta to simulate
        lm = load_linear_mixture_environment(env)
        if lm is None:
            raise ModelError(f"{name} needs a linear-mixture model file: a .npz with Phi (S, A, S, d), theta (d,), R (S, A)")
        constants["Phi"], constants["theta"] = lm[0], lm[1]
    if R.min() < 0 or R.max() > 1:
        raise ModelError(f"{env}: rewards must lie in [0, 1] (range [{R.min()}, {R.max()}])")
    if entry.setting == "average" and not math.isfinite(diameter(P)):
        raise ModelError(f"{env}: the model is not communicating (diameter = inf); {name} needs a communicating MDP")
    t0 = time.perf_counter()
    args = [(name, P, R, mu, steps, episodes, horizon, i, constants) for i in range(int(seeds))]
    if workers > 1 and seeds > 1:
        with ProcessPoolExecutor(max_workers=int(workers), mp_context=get_context("spawn")) as ex:
            outs = list(ex.map(_one_seed, *zip(*args)))
    else:
        outs = [_one_seed(*a) for a in args]
    final = np.asarray([o["regret"][-1] for o in outs], dtype=float)
    out: dict[str, Any] = {"learner": name, "env": env_name, "seeds": list(range(int(seeds))),
                           "regret": final.tolist(), "regret_mean": float(final.mean()),
                           "regret_ci95": student_t_ci(final), "ci": "95% Student-t interval for the mean over seeds",
                           "seconds": time.perf_counter() - t0, "curves": outs}
    if entry.setting == "average":
        out["gain_regret"] = [float(o["gain_regret"][-1]) for o in outs]
        out["switches"] = [int(o["switches"]) for o in outs]
    return out


def student_t_ci(x: np.ndarray, confidence: float = 0.95) -> list[float | None]:
    """``[lo, hi]``: Student-t interval for the mean of ``x``; ``[None, None]`` with fewer than 2 values."""
    from scipy import stats

    x = np.asarray(x, dtype=float)
    if x.size < 2:
        return [None, None]
    half = float(stats.t.ppf(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return [float(x.mean() - half), float(x.mean() + half)]


def write_curves(result: dict, out_dir: str | os.PathLike, overwrite: bool = False) -> list[Path]:
    """One ``<learner>_seed<i>.npz`` per seed in ``out_dir`` (arrays ``regret`` and, for average reward,
    ``gain_regret``); refuses to replace an existing file unless ``overwrite``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{result['learner']}_seed{i}.npz" for i in result["seeds"]]
    existing = [p for p in paths if p.exists()]
    if existing and not overwrite:
        raise ModelError(f"{existing[0]} exists; pass --overwrite to replace it (or use another --out)")
    for p, curves in zip(paths, result["curves"]):
        np.savez(p, **curves)
    return paths
