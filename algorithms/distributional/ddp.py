"""One distributional-DP problem with stock augmentation on a core model: what ``mdplab ddp FILE.npz
--objective OBJ --horizon H --initial-state S`` computes (the verb is :mod:`mdplab.cli.ddp`).

:func:`solve_ddp` solves ``max over history-dependent pi of K(c_0 + G^pi)`` from ``initial_state`` on the model
(Avila Pires et al. 2025, arXiv:2501.13028v2, bibkey ``avilapires2025``; ``docs/theory/avilapires2025.md``) with
``OBJ`` one of ``mean`` (Sec. 4.0), ``cvar:TAU`` (Sec. 4.1, outer search over the initial stock),
``threshold:THETA`` (``max P(G >= THETA)``, Sec. 4.3) and ``homeostasis:TARGET``
(``max -E|G - TARGET|``, Sec. 4.4).  ``gamma`` is the file's ``discount``, else 1.  Rewards are the
file's ``R[s, a]`` (deterministic given ``(s, a)``), or, when the file's ``R`` has shape ``(S, A, S)``, the
reward ``R[s, a, s']`` of each transition (``transition_reward=``; never its mean).

Budgets, checked before the work starts: the tree engine counts the reachable ``(t, s, stock)`` nodes
level by level and refuses (:class:`~mdplab.errors.BudgetExceededError`) above ``exact.MAX_NODES`` before
building any return law; the grid engine is used only when its table (``MAX_GRID_CELLS``) and its work,
``H`` times the table, (``MAX_GRID_WORK``) fit.

Engine: with gamma = 1 and rewards on a rational lattice, the exact stock-grid engine
(:func:`~algorithms.distributional.stock_dp.stock_backward_induction`, affine tails, grid covering
the whole return range so the tails are exact); otherwise the exact reachable-tree engine
(:mod:`~algorithms.distributional.exact`), which refuses trees above ``MAX_NODES`` nodes.
Risk-neutral ``mean`` uses the core's backward induction (F*(s, c) = c + V*(s), Sec. 4.0).

Returns a dict with keys ``objective_value``, ``initial_stock``, ``seconds`` (plus ``objective``, ``gamma``,
``horizon``, ``engine``).  Bad input raises ``ValueError`` (the CLI exits with code 2).

Deviations: the choice between the two exact engines (and the grid covering the whole return range) is
ours; the objectives and their outer searches are the paper's.
"""
from __future__ import annotations

import math
import time

import numpy as np

from mdplab.errors import ModelError

from . import exact
from .model import JointKernel, joint_kernel_from_mdp, reward_lattice
from .objectives import cvar_inner_utility, cvar_outer_search, neg_abs_utility, step_utility
from .stock_dp import StockGrid, lattice_support, return_bounds, stock_backward_induction

#: Largest stock-grid table (states x stocks x atoms) built before falling back to the tree engine.
MAX_GRID_CELLS = 40_000_000
#: Largest stock-grid work (horizon x states x actions x stocks x atoms) before falling back to the tree engine.
MAX_GRID_WORK = 4_000_000_000


def parse_objective(text: str) -> tuple[str, float | None]:
    """``"mean" | "cvar:TAU" | "threshold:THETA" | "homeostasis:TARGET"`` -> ``(name, parameter)``."""
    name, _, arg = text.strip().partition(":")
    name = name.lower()
    if name == "mean":
        if arg:
            raise ModelError(f"objective 'mean' takes no parameter; got {text!r}")
        return name, None
    if name not in ("cvar", "threshold", "homeostasis"):
        raise ModelError(f"unknown objective {text!r}; use mean | cvar:TAU | threshold:THETA | homeostasis:TARGET")
    try:
        x = float(arg)
    except ValueError:
        raise ModelError(f"objective {name!r} needs a number after ':'; got {text!r}") from None
    if not math.isfinite(x):
        raise ModelError(f"objective parameter must be finite; got {text!r}")
    if name == "cvar" and not 0.0 < x <= 1.0:
        raise ModelError(f"cvar level TAU must be in (0, 1]; got {x!r}")
    return name, x


def _grid_engine(kernel: JointKernel, name: str, x: float | None, H: int, s0: int) -> tuple[float, float] | None:
    if H * kernel.n_states * kernel.n_actions > MAX_GRID_CELLS:  # even one stock and atom would exceed the budget
        return None
    delta = reward_lattice(kernel.reward)
    support = lattice_support(kernel, H)
    if delta is None or support is None:
        return None
    lo, hi = return_bounds(kernel, 1.0, H)
    gmin, gmax = float(lo.min()), float(hi.max())
    if delta == 0.0:
        delta = 1.0
    anchor = 0.0 if name == "cvar" else -float(x)
    # a lattice through the anchor covering [-gmax, -gmin]: beyond it the affine tails are exact
    # ... and through the anchor itself (index -j_lo), even when the objective's parameter lies outside the
    # return range (then the table may be too large and the tree engine answers)
    j_lo = min(0, math.floor((-gmax - anchor) / delta + 1e-9))
    j_hi = max(0, math.ceil((-gmin - anchor) / delta - 1e-9))
    cells = kernel.n_states * (j_hi - j_lo + 1) * support.m
    if cells > MAX_GRID_CELLS or H * kernel.n_actions * cells > MAX_GRID_WORK:
        return None
    grid = StockGrid(anchor + j_lo * delta, delta, j_hi - j_lo + 1)
    if name == "cvar":
        sol = stock_backward_induction(kernel, H, cvar_inner_utility(), grid, 1.0, support)
        res = cvar_outer_search(sol.value[0, s0], grid.values, x)
        return res.value, res.initial_stock
    util = step_utility() if name == "threshold" else neg_abs_utility()
    sol = stock_backward_induction(kernel, H, util, grid, 1.0, support)
    return float(sol.value[0, s0, -j_lo]), -float(x)


def reachable_nodes(outs, H: int, gamma: float, s0: int, c0: float, limit: int) -> int:
    """Number of ``(t, s, stock)`` nodes the tree engine visits from ``(0, s0, c0)`` (the stock update
    ``c' = (c + r) / gamma`` of Sec. 1.2, keys as :mod:`.exact` rounds them); raises
    :class:`~mdplab.errors.BudgetExceededError` as soon as the count passes ``limit``."""
    from mdplab.errors import BudgetExceededError

    def refuse(t: int) -> BudgetExceededError:
        return BudgetExceededError(
            f"the exact tree engine would visit more than {limit} (stage, state, stock) nodes (passed at stage {t} "
            f"of H={H}); use a smaller --horizon, rewards on a lattice with gamma = 1 (the stock-grid engine), or "
            f"raise algorithms.distributional.exact.MAX_NODES if memory and time allow")

    if H + 1 > limit:
        raise refuse(0)
    # one level as arrays (state, stock); successors of every node at once, de-duplicated on exact's keys
    src = np.concatenate([[s] * sum(len(row) for row in outs[s]) for s in range(len(outs))]).astype(np.int64) \
        if outs else np.zeros(0, np.int64)
    rew = np.array([r for rows in outs for row in rows for _, r, _ in row], dtype=np.float64)
    dst = np.array([sn for rows in outs for row in rows for _, _, sn in row], dtype=np.int64)
    first = np.searchsorted(src, np.arange(len(outs)))
    count = np.bincount(src, minlength=len(outs))
    states, stocks = np.array([s0]), np.array([float(c0)])
    total = 1
    for t in range(H):
        k = count[states]
        rep = np.repeat(np.arange(len(states)), k)
        edge = np.repeat(first[states] - np.cumsum(k) + k, k) + np.arange(int(k.sum()))
        sn, cn = dst[edge], (stocks[rep] + rew[edge]) / gamma
        cn = np.round(cn, 9)
        order = np.lexsort((cn, sn))
        sn, cn = sn[order], cn[order]
        new = np.ones(len(sn), dtype=bool)
        new[1:] = (sn[1:] != sn[:-1]) | (cn[1:] != cn[:-1])
        states, stocks = sn[new], cn[new]
        total += len(states)
        if total > limit:
            raise refuse(t + 1)
    return total


def _tree_engine(kernel: JointKernel, name: str, x: float | None, H: int, s0: int, gamma: float) -> tuple[float, float]:
    outs = kernel.outcome_lists()
    reachable_nodes(outs, H, gamma, s0, 0.0 if name == "cvar" else -float(x), exact.MAX_NODES)
    if name == "cvar":
        v, c = exact.exact_cvar(outs, H, gamma, s0, x)
        return float(v), float(c)
    if name == "threshold":
        return float(exact.exact_threshold(outs, H, gamma, s0, x)), -x
    return float(exact.exact_homeostasis(outs, H, gamma, s0, x)), -x


def solve_ddp(model, objective: str, horizon: int, initial_state: int, *,
              transition_reward: np.ndarray | None = None) -> dict:
    """Solve one ``mdplab ddp`` problem on a finite-horizon core model; returns a plain dict (keys above).
    ``transition_reward`` ``(S, A, S)``: the reward of each transition (else ``model.R[s, a]``)."""
    name, x = parse_objective(objective)
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ModelError(f"horizon must be an integer >= 1; got {horizon}")
    S = model.n_states
    if isinstance(initial_state, bool) or not (0 <= int(initial_state) < S):
        raise ModelError(f"--initial-state {initial_state} is outside 0..{S - 1}")
    s0 = int(initial_state)
    gamma = float(model.gamma)
    if gamma <= 0.0:
        raise ModelError("distributional DP with a stock needs gamma > 0 (the stock update divides by gamma)")
    t0 = time.perf_counter()
    if name == "mean":
        from mdplab.solvers import backward_induction

        if (horizon + 1) * S * model.n_actions > MAX_GRID_CELLS:
            from mdplab.errors import BudgetExceededError

            raise BudgetExceededError(f"backward induction over H={horizon} stages would store {(horizon + 1) * S} "
                                      f"values, above the budget of {MAX_GRID_CELLS} (MAX_GRID_CELLS); use a smaller "
                                      f"--horizon")
        value, c0, engine = float(backward_induction(model).values[0][s0]), 0.0, "backward_induction"
    else:
        kernel = joint_kernel_from_mdp(model, transition_reward)
        out = _grid_engine(kernel, name, x, horizon, s0) if gamma == 1.0 else None
        engine = "stock_grid"
        if out is None:
            out, engine = _tree_engine(kernel, name, x, horizon, s0, gamma), "exact_tree"
        value, c0 = out
    return {"objective_value": value, "initial_stock": c0, "seconds": time.perf_counter() - t0,
            "objective": objective, "gamma": gamma, "horizon": horizon, "engine": engine}
