"""Extragradient baselines for finite-sum monotone inclusions: EG, anchored EG (EAG), loopless VR-EG.

See Korpelevich, "The extragradient method for finding saddle points and other problems", Ekonomika i
Matematicheskie Metody 12 (1976) (`korpelevich1976`); Yoon & Ryu, "Accelerated Algorithms for Smooth
Convex-Concave Minimax Problems with O(1/k^2) Rate on Squared Gradient Norm", ICML 2021,
arXiv:2102.07922v3 (`yoon2021eag`); Alacaoglu & Malitsky, "Stochastic Variance Reduction for Variational
Inequality Methods", COLT 2022, arXiv:2102.08352v3 (`alacaoglu2022`).  Used as the baselines of
Cai, Alacaoglu & Diakonikolas (ICLR 2024, `cai2024`); step sizes as in the official scripts ([V]); rates in
``docs/theory/nemirovski2004.md``.

Implements
    * :func:`extragradient` (= Euclidean Mirror-Prox): ``z_{k+1/2} = J(z_k - eta F(z_k))``,
      ``z_{k+1} = J(z_k - eta F(z_{k+1/2}))`` (Eq. (EG)); ``2n`` calls per iteration; returns the last
      iterate and, in ``info["average"]``, the average of the midpoints ``z_{k+1/2}`` (the iterate the gap
      bound ``max_u ||z_0 - u||^2 / (2 eta T)`` is about [D]).
    * :func:`anchored_extragradient` (EAG, constant step): ``z_{k+1/2} = J(z_k + beta_k (z_0 - z_k) - eta F(z_k))``,
      ``z_{k+1} = J(z_k + beta_k (z_0 - z_k) - eta F(z_{k+1/2}))``, ``beta_k = 1/(k+2)`` (Eq. (EAG)).
    * :func:`vr_extragradient` (loopless VR-EG): ``z_bar = alpha z + (1-alpha) w``,
      ``z_{1/2} = J(z_bar - tau F(w))``, ``z^+ = J(z_bar - tau [F(w) + F_hat_j(z_{1/2}) - F_hat_j(w)])``,
      ``w <- z^+`` with probability ``p`` (full refresh, ``n`` calls) (Eq. (VR-EG)).

Defaults: ``eta = 0.5/L_F`` for EG (the [D] gap bound needs ``eta <= 1/L_F``; at exactly ``1/L_F`` the
top eigendirection of a symmetric ``F`` is a neutral direction of EG, multiplier ``1 - eta L + (eta L)^2 = 1``,
so the last iterate stalls; our runs use ``0.5/L_F``), ``eta = 1/(8 L_F)`` for EAG (theory
constant [R]), ``p = 1/n``, ``alpha = 1 - p``, ``tau = c_tau sqrt(p)/L`` with ``c_tau = 0.99`` [R].
Deviations: the projection steps in EAG for constrained problems follow the official scripts [V], not the
unconstrained paper statement.
"""
from __future__ import annotations

import math

import numpy as np

from mdplab.errors import ModelError

from .finite_sum import FiniteSumOperator, OracleTrace, TraceRecorder, as_rng, as_start

BIBKEYS = ("korpelevich1976", "yoon2021eag", "alacaoglu2022", "cai2024")


def _positive(name: str, x: float) -> float:
    x = float(x)
    if not (x > 0 and np.isfinite(x)):
        raise ModelError(f"{name} must be a finite number > 0; got {x!r}")
    return x


def extragradient(op: FiniteSumOperator, u0: np.ndarray | None = None, *, eta: float | None = None,
                  tol: float = 0.0, max_epochs: float = 100.0, record_every: float = 0.0,
                  max_iter: int | None = None) -> OracleTrace:
    """Korpelevich's extragradient with projections; last iterate monitored, midpoint average in
    ``info["average"]``; ``info["iterations"]`` = T."""
    z0 = as_start(op, u0)
    eta = _positive("eta", 0.5 / op.lipschitz_full if eta is None else eta)
    rec = TraceRecorder(op, tol=tol, max_epochs=max_epochs, record_every=record_every, max_iter=max_iter)
    z, k = z0.copy(), 0
    avg = np.zeros_like(z0)
    while not rec.step(k, z):
        z_half = op.resolvent(z - eta * op.full(z))  # Eq. (EG), extrapolation
        z = op.resolvent(z - eta * op.full(z_half))  # Eq. (EG), update
        avg += (z_half - avg) / (k + 1)
        k += 1
    return rec.finish(z, k, "extragradient", {"eta": eta, "average": avg, "iterations": k})


def anchored_extragradient(op: FiniteSumOperator, u0: np.ndarray | None = None, *, eta: float | None = None,
                           tol: float = 0.0, max_epochs: float = 100.0, record_every: float = 0.0,
                           max_iter: int | None = None) -> OracleTrace:
    """EAG (Yoon & Ryu 2021), constant step, anchor ``beta_k = 1/(k+2)``; ``2n`` calls per iteration."""
    z0 = as_start(op, u0)
    eta = _positive("eta", 1.0 / (8.0 * op.lipschitz_full) if eta is None else eta)
    rec = TraceRecorder(op, tol=tol, max_epochs=max_epochs, record_every=record_every, max_iter=max_iter)
    z, k = z0.copy(), 0
    while not rec.step(k, z):
        beta = 1.0 / (k + 2)
        anchored = z + beta * (z0 - z)
        z_half = op.resolvent(anchored - eta * op.full(z))  # Eq. (EAG), extrapolation
        z = op.resolvent(anchored - eta * op.full(z_half))  # Eq. (EAG), update
        k += 1
    return rec.finish(z, k, "anchored_extragradient", {"eta": eta})


def vr_extragradient(op: FiniteSumOperator, u0: np.ndarray | None = None, *, tau: float | None = None,
                     c_tau: float = 0.99, p: float | None = None, tol: float = 0.0, max_epochs: float = 100.0,
                     seed: int | np.random.Generator = 0, record_every: float = 0.0,
                     max_iter: int | None = None) -> OracleTrace:
    """Loopless variance-reduced extragradient (Alacaoglu & Malitsky 2022, Alg. 1).

    Charged: ``n`` for the initial snapshot ``F(w_0)``, 2 per step, ``n`` per snapshot refresh."""
    z0 = as_start(op, u0)
    n = op.n
    p = 1.0 / n if p is None else float(p)
    if not (0 < p <= 1):
        raise ModelError(f"refresh probability p must be in (0, 1]; got {p!r}")
    alpha = 1.0 - p
    tau = _positive("tau", c_tau * math.sqrt(p) / op.lipschitz_constant if tau is None else tau)
    rng = as_rng(seed)
    rec = TraceRecorder(op, tol=tol, max_epochs=max_epochs, record_every=record_every, max_iter=max_iter)
    z, w = z0.copy(), z0.copy()
    Fw = op.full(w)
    k = 0
    while not rec.step(k, z):
        z_bar = alpha * z + (1.0 - alpha) * w
        z_half = op.resolvent(z_bar - tau * Fw)
        j = op.sample(rng, 1)
        z = op.resolvent(z_bar - tau * (Fw + op.component_difference(j, z_half, w)))  # Eq. (VR-EG)
        if rng.random() < p:
            w = z
            Fw = op.full(w)
        k += 1
    return rec.finish(z, k, "vr_extragradient", {"tau": tau, "p": p})
