"""Entropic Mirror-Prox for bilinear matrix games.

See Nemirovski, "Prox-Method with Rate of Convergence O(1/t) for Variational Inequalities with Lipschitz
Continuous Monotone Operators and Smooth Convex-Concave Saddle Point Problems", SIAM J. Optim. 15(1),
2004 (`nemirovski2004`).  Rate and its derivation: ``docs/theory/nemirovski2004.md``.

Implements the two-step scheme with the KL prox-map on each simplex block (Eq. (MP)):

    w_t     = prox_{z_t}(eta F(z_t)),      z_{t+1} = prox_{z_t}(eta F(w_t)),
    prox_x(g) proportional to x * exp(-g)  (per simplex block),

for ``min_{x in simplex_n} max_{y in simplex_m} y^T A x``, ``F(x, y) = (A^T y, -A x)``.  Guarantee
[D]: with ``eta = 1/max_ij |A_ij|`` and uniform start, the averaged midpoints satisfy
``duality gap <= max_ij |A_ij| (ln n + ln m) / T``.  Euclidean Mirror-Prox is
:func:`algorithms.extragradient.extragradient`.

Provenance: scheme and rate are textbook (Nemirovski 2004, Thm. 3.2 specialised) [D].
Deviations: none.  Counting follows the finite-sum oracle model (``2n`` calls per iteration on a
:func:`algorithms.finite_sum.matrix_game` operator); non-square games are handled by passing the payoff.
"""
from __future__ import annotations

import numpy as np

from mdplab.errors import ModelError

from .finite_sum import ColumnSampledAffineOperator, OracleTrace, TraceRecorder, as_start, duality_gap

BIBKEY = "nemirovski2004"


def entropic_prox(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``argmin_{x' in simplex} <g, x'> + KL(x' || x)`` = ``x * exp(-g)`` normalised (log-domain stable)."""
    logits = np.log(np.maximum(x, 1e-300)) - g
    logits -= logits.max()
    e = np.exp(logits)
    return e / e.sum()


def entropic_mirror_prox(op: ColumnSampledAffineOperator, u0: np.ndarray | None = None, *,
                         eta: float | None = None, tol: float = 0.0, max_epochs: float = 100.0,
                         record_every: float = 0.0, max_iter: int | None = None) -> OracleTrace:
    """Entropic Mirror-Prox on a :func:`~algorithms.finite_sum.matrix_game` operator.

    Monitors the natural residual of the last iterate (as every finite-sum method); ``info["average"]``
    is the average of the midpoints ``w_t`` and ``info["gap_average"]`` its exact duality gap (the
    quantity of the rate).  ``eta`` defaults to ``1/max_ij |A_ij|`` [D].
    """
    A = getattr(op, "payoff", None)
    if A is None or not op.constrained:
        raise ModelError("entropic Mirror-Prox needs a matrix-game operator (algorithms.finite_sum.matrix_game)")
    n = op.n_x
    z0 = as_start(op, u0)
    if np.any(z0 <= 0):
        raise ModelError("entropic Mirror-Prox needs a start in the relative interior of the simplices")
    eta = float(1.0 / np.abs(A).max() if eta is None else eta)
    if not (eta > 0 and np.isfinite(eta)):
        raise ModelError(f"eta must be a finite number > 0; got {eta!r}")
    rec = TraceRecorder(op, tol=tol, max_epochs=max_epochs, record_every=record_every, max_iter=max_iter)

    def prox(z: np.ndarray, g: np.ndarray) -> np.ndarray:
        op.calls_resolvent += 1
        return np.concatenate([entropic_prox(z[:n], eta * g[:n]), entropic_prox(z[n:], eta * g[n:])])

    z, k = z0.copy(), 0
    avg = np.zeros_like(z0)
    while not rec.step(k, z):
        w = prox(z, op.full(z))  # Eq. (MP), extrapolation
        z = prox(z, op.full(w))  # Eq. (MP), update
        avg += (w - avg) / (k + 1)
        k += 1
    return rec.finish(z, k, "entropic_mirror_prox",
                      {"eta": eta, "average": avg, "iterations": k,
                       "gap_average": duality_gap(A, avg[:n], avg[n:]) if k else float("nan")})
