"""Halpern (anchored) iteration for nonexpansive and cocoercive operators.

See Halpern, "Fixed points of nonexpanding maps", Bull. AMS 73 (1967) (`halpern1967`), with the
exactly optimal anchor schedule and constant of Lieder, "On the convergence rate of the Halpern
iteration", Optimization Letters 15 (2021) (`lieder2021`); statement and
provenance in ``docs/theory/lieder2021.md`` (verified). It is also the deterministic outer loop of Cai, Alacaoglu & Diakonikolas, ICLR 2024, arXiv:2310.02987v2 (`cai2024`).

Implements
    * ``halpern_iteration``: ``x_{k+1} = beta_k x_0 + (1 - beta_k) T x_k`` with ``beta_k = 1/(k+2)``
      (Eq. (H)) for any nonexpansive ``T`` on R^d, tracking the fixed-point residual
      ``||x_k - T x_k||`` (computable, no ``x*`` needed) and stopping on it (the exit criterion).
    * ``halpern_cocoercive``: the same iteration for ``T = I - (2/L) F`` with ``F`` (1/L)-cocoercive,
      i.e. ``u_{k+1} = u_0/(k+2) + (k+1)/(k+2) (u_k - (2/L) F(u_k))``; residual ``||F(u_k)||``.
    * ``halpern_residual_bound``: Lieder's bound ``||x_k - T x_k|| <= 2 ||x_0 - x*|| / (k+1)``
      (tight on the 90-degree rotation, Park & Ryu 2022).

Provenance: iteration and constant from our [V] items; nothing reconstructed here.
Deviations: none; the anchor schedule is a parameter (``anchor(k)`` returns ``beta_k``) so the
average-reward schedule ``2/(k+2)`` of Lee & Ryu (2025) and others can reuse the loop.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from mdplab.errors import ModelError

Operator = Callable[[np.ndarray], np.ndarray]

BIBKEYS = ("halpern1967", "lieder2021", "cai2024")


@dataclass(frozen=True)
class HalpernResult:
    """Last iterate ``x``, the residual ``||x_k - T x_k||`` for ``k = 0..iterations`` (``residuals[k]``
    belongs to ``x_k``; the last entry is the returned iterate's), and whether ``residual <= tol``."""

    x: np.ndarray
    residuals: np.ndarray
    iterations: int
    converged: bool


def halpern_anchor(k: int) -> float:
    """Lieder's optimal anchor weight ``beta_k = 1/(k+2)`` used to form ``x_{k+1}``."""
    return 1.0 / (k + 2)


def halpern_residual_bound(k: int, distance: float) -> float:
    """``2 ||x_0 - x*|| / (k+1)``: Lieder (2021), Thm. 2.1 ([V])."""
    return 2.0 * distance / (k + 1)


def _check_start(x0: np.ndarray, tol: float, max_iter: int) -> np.ndarray:
    x0 = np.array(x0, dtype=np.float64)
    if x0.ndim != 1 or x0.size == 0:
        raise ModelError(f"x0 must be a non-empty 1-D array; got shape {x0.shape}")
    if not np.all(np.isfinite(x0)):
        raise ModelError("x0 contains NaN or inf")
    if not (tol >= 0 and np.isfinite(tol)):
        raise ModelError(f"tol must be a finite number >= 0; got {tol!r}")
    if int(max_iter) < 0:
        raise ModelError(f"max_iter must be >= 0; got {max_iter!r}")
    return x0


def halpern_iteration(T: Operator, x0: np.ndarray, *, tol: float = 1e-8, max_iter: int = 10_000,
                      anchor: Callable[[int], float] = halpern_anchor,
                      norm: Callable[[np.ndarray], float] = np.linalg.norm) -> HalpernResult:
    """Halpern iteration on a nonexpansive ``T``; stops when ``norm(x_k - T x_k) <= tol``.

    One ``T`` evaluation per iteration: ``T x_k`` serves both the residual of ``x_k`` and the step.
    ``norm`` is the norm ``T`` is nonexpansive in (Euclidean by default; pass a sup-norm for Bellman
    operators).  Returns the last iterate, which is what the O(1/k) guarantee is about.
    """
    x0 = _check_start(x0, tol, max_iter)
    x = x0.copy()
    residuals = []
    for k in range(int(max_iter) + 1):
        Tx = np.asarray(T(x), dtype=np.float64)
        if Tx.shape != x.shape:
            raise ModelError(f"T returned shape {Tx.shape} for an input of shape {x.shape}")
        r = float(norm(x - Tx))
        residuals.append(r)
        if not np.isfinite(r):
            raise ModelError(f"residual became {r} at iteration {k}: T is not nonexpansive or returns NaN")
        if r <= tol or k == max_iter:
            return HalpernResult(x, np.asarray(residuals), k, r <= tol)
        beta = anchor(k)
        x = beta * x0 + (1.0 - beta) * Tx  # Eq. (H): x_{k+1} = beta_k x_0 + (1 - beta_k) T x_k
    raise AssertionError("unreachable")


def halpern_cocoercive(F: Operator, u0: np.ndarray, L: float, *, tol: float = 1e-8,
                       max_iter: int = 10_000) -> HalpernResult:
    """Halpern on ``T = I - (2/L) F`` for a (1/L)-cocoercive ``F`` (cocoercive form).

    The residual reported (and stopped on) is ``||F(u_k)|| = (L/2) ||u_k - T u_k||``, so the theorem
    reads ``||F(u_k)|| <= L ||u_0 - u*|| / (k+1)``.
    """
    if not (L > 0 and np.isfinite(L)):
        raise ModelError(f"cocoercivity constant L must be a finite number > 0; got {L!r}")
    step = 2.0 / L
    res = halpern_iteration(lambda u: u - step * np.asarray(F(u), dtype=np.float64), u0,
                            tol=tol * step, max_iter=max_iter)
    return HalpernResult(res.x, res.residuals / step, res.iterations, res.converged)
