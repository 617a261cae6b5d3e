"""One distributional-DP problem with stock augmentation on a core model: what ``mdplab ddp FILE.npz
--objective OBJ --horizon H --initial-state S`` computes (the verb is :mod:`mdplab.cli.ddp`).

:func:`solve_ddp` solves ``max over history-dependent pi of K(c_0 + G^pi)`` from ``initial_state`` on the model
(Avila Pires et al. 2025, arXiv:2501.13028v2, bibkey ``avilapires2025``; ``docs/theory/avilapires2025.md``) with
``OBJ`` one of ``mean`` (Sec. 4.0), ``cvar:TAU`` (Sec. 4.1, outer search over the initial stock),
``threshold:THETA`` (``max P(G >= THETA)``, Sec. 4.3) and ``homeostasis:TARGET``
(``max -E|G - TARGET|``, Sec. 4.4).  ``gamma`` is the file's ``discount``, else 1.  Rewards are the
file's ``R[s, a]`` (deterministic given ``(s, a)``).

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

from mdplab.errors import ModelError

from . import exact
from .model import JointKernel, joint_kernel_from_mdp, reward_lattice
from .objectives import cvar_inner_utility, cvar_outer_search, neg_abs_utility, step_utility
from .stock_dp import StockGrid, lattice_support, return_bounds, stock_backward_induction

#: Largest stock-grid table (states x stocks x atoms) built before falling back to the tree engine.
MAX_GRID_CELLS = 40_000_000


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
    j_lo = math.floor((-gmax - anchor) / delta + 1e-9)
    j_hi = math.ceil((-gmin - anchor) / delta - 1e-9)
    grid = StockGrid(anchor + j_lo * delta, delta, j_hi - j_lo + 1)
    if kernel.n_states * grid.n * support.m > MAX_GRID_CELLS:
        return None
    if name == "cvar":
        sol = stock_backward_induction(kernel, H, cvar_inner_utility(), grid, 1.0, support)
        res = cvar_outer_search(sol.value[0, s0], grid.values, x)
        return res.value, res.initial_stock
    util = step_utility() if name == "threshold" else neg_abs_utility()
    sol = stock_backward_induction(kernel, H, util, grid, 1.0, support)
    return float(sol.value[0, s0, -j_lo]), -float(x)


def _tree_engine(kernel: JointKernel, name: str, x: float | None, H: int, s0: int, gamma: float) -> tuple[float, float]:
    outs = kernel.outcome_lists()
    if name == "cvar":
        v, c = exact.exact_cvar(outs, H, gamma, s0, x)
        return float(v), float(c)
    if name == "threshold":
        return float(exact.exact_threshold(outs, H, gamma, s0, x)), -x
    return float(exact.exact_homeostasis(outs, H, gamma, s0, x)), -x


def solve_ddp(model, objective: str, horizon: int, initial_state: int) -> dict:
    """Solve one ``mdplab ddp`` problem on a finite-horizon core model; returns a plain dict (keys above)."""
    name, x = parse_objective(objective)
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

        value, c0, engine = float(backward_induction(model).values[0][s0]), 0.0, "backward_induction"
    else:
        kernel = joint_kernel_from_mdp(model)
        out = _grid_engine(kernel, name, x, horizon, s0) if gamma == 1.0 else None
        engine = "stock_grid"
        if out is None:
            out, engine = _tree_engine(kernel, name, x, horizon, s0, gamma), "exact_tree"
        value, c0 = out
    return {"objective_value": value, "initial_stock": c0, "seconds": time.perf_counter() - t0,
            "objective": objective, "gamma": gamma, "horizon": horizon, "engine": engine}
