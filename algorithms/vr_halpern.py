"""Variance-reduced Halpern iteration for finite-sum monotone inclusions (Algorithms 1 and 2).

See Cai, Alacaoglu & Diakonikolas, "Variance Reduced Halpern Iteration for Finite-Sum Monotone
Inclusions", ICLR 2024, arXiv:2310.02987v2 (`cai2024`).  The paper's body (theorem constants) was not
readable; the schedules below follow the official experiment scripts ``docs/theory/cai2024.md`` ([V] from code, [R] for the theory constants).

Implements
    * :func:`deterministic_halpern`: plain Halpern on ``T = J(I - eta F)`` with full passes (the
      deterministic baseline), ``O(n L_F D / eps)`` calls.
    * :func:`vr_halpern` (Algorithm 1, (average-)cocoercive ``F``): anchor ``lambda_i = 2/(i+4)``, PAGE
      estimator with batch ``b = floor(sqrt n)``, full pass at ``i in {0, 1}`` and with probability
      ``p_i = 4/(min(i-1, sqrt n) + 5)`` afterwards, update
      ``u_{i+1} = J(lambda_i u_0 + (1 - lambda_i) u_i - eta F~(u_i))``  ((A1)).
    * :func:`inexact_halpern_vrforb` (Algorithms 2 + 3, monotone Lipschitz ``F``): outer
      ``u_{k+1} = lambda_{k+1} u_0 + (1 - lambda_{k+1}) v~_k``, ``lambda_{k+1} = 1/(k+2)``, with
      ``v~_k ~= J_{eta(F+G)}(u_k)`` from ``M_k = floor(c_M n ln(k+2))`` VR-FoRB steps on the 1-strongly
      monotone subproblem ``Phi(v) = eta F(v) + v - u_k`` ((A2), (FoRB)).

Defaults and what is reconstructed [R]: ``eta = 1/(2L)`` for Algorithm 1 (keeps the effective step
``eta/(1 - lambda_i) <= 1/L``); ``eta = sqrt(n)/L`` for Algorithm 2 [V code]; inner step
``tau = c_tau sqrt(p(1-p)) / (eta L + 1)`` with ``c_tau`` a parameter (code: 5, tuned on the game);
``c_M = 0.05`` [V code].  None of these constants is used as a test threshold.

Deviations (the bugs of the released scripts are NOT reproduced):
    * VR-FoRB's snapshot is reset to the new iterate ``v_{t+1}`` when the coin fires (the script resets
      it to the prox centre ``u_k``);
    * the PAGE reference point ``u_{i-1}`` is refreshed after every iteration, full pass or not (the
      QP script leaves it stale after full passes);
    * minibatches are i.i.d. with replacement (theory), not without replacement (scripts);
    * the simplex projection returns its value (:func:`algorithms.finite_sum.project_simplex`).
"""
from __future__ import annotations

import math

import numpy as np

from mdplab.errors import ModelError

from .finite_sum import FiniteSumOperator, OracleTrace, TraceRecorder, as_rng, as_start

BIBKEYS = ("cai2024", "alacaoglu2022")


def alg1_anchor(i: int) -> float:
    """``lambda_i = 2/(i+4)`` (Algorithm 1 [V code])."""
    return 2.0 / (i + 4)


def alg1_full_pass_probability(i: int, n: int) -> float:
    """``p_i``: 1 for ``i in {0, 1}``, then ``4/(min(i-1, sqrt n) + 5)`` ([V code])."""
    if i <= 1:
        return 1.0
    return 4.0 / (min(i - 1, math.sqrt(n)) + 5.0)


def alg1_expected_calls(n_iter: int, n: int, batch: int | None = None) -> float:
    """Exact expected charged calls of iterations ``0..n_iter-1`` of Algorithm 1:
    ``sum_i [p_i n + (1 - p_i) 2b]`` (cost accounting)."""
    b = int(math.isqrt(n)) if batch is None else batch
    return float(sum(alg1_full_pass_probability(i, n) * n + (1 - alg1_full_pass_probability(i, n)) * 2 * b
                     for i in range(n_iter)))


def _positive(name: str, x: float) -> float:
    x = float(x)
    if not (x > 0 and np.isfinite(x)):
        raise ModelError(f"{name} must be a finite number > 0; got {x!r}")
    return x


def deterministic_halpern(op: FiniteSumOperator, u0: np.ndarray | None = None, *, eta: float | None = None,
                          tol: float = 0.0, max_epochs: float = 100.0, record_every: float = 0.0,
                          max_iter: int | None = None) -> OracleTrace:
    """Halpern on ``T = J(I - eta F)``: ``u_{k+1} = u_0/(k+2) + (k+1)/(k+2) J(u_k - eta F(u_k))``.

    Nonexpansive (so the 2D/(k+1) guarantee applies) when ``F`` is (1/L_F)-cocoercive and
    ``eta <= 2/L_F``; default ``eta = 1/L_F``.  Cost ``n`` per iteration."""
    u0 = as_start(op, u0)
    eta = _positive("eta", 1.0 / op.lipschitz_full if eta is None else eta)
    rec = TraceRecorder(op, tol=tol, max_epochs=max_epochs, record_every=record_every, max_iter=max_iter)
    u, k = u0.copy(), 0
    while not rec.step(k, u):
        beta = 1.0 / (k + 2)
        u = beta * u0 + (1.0 - beta) * op.resolvent(u - eta * op.full(u))  # Eq. (H)
        k += 1
    return rec.finish(u, k, "halpern", {"eta": eta})


def vr_halpern(op: FiniteSumOperator, u0: np.ndarray | None = None, *, eta: float | None = None,
               batch: int | None = None, tol: float = 0.0, max_epochs: float = 100.0,
               seed: int | np.random.Generator = 0, record_every: float = 0.0,
               max_iter: int | None = None) -> OracleTrace:
    """Algorithm 1 of Cai et al. (2024): variance-reduced Halpern with the PAGE estimator.

    ``eta`` defaults to ``1/(2L)`` with ``L = op.lipschitz_constant`` (expected cocoercivity for the
    sampling used) [R]; ``batch`` to ``floor(sqrt n)``.  ``seed`` is an int or a generator-like object
    whose ``random()`` draws the coins and ``integers(0, n, size)`` the indices (tests script them).
    Records the exact residual of ``u_i`` (free monitoring) every ``record_every`` epochs (0: every iteration).
    """
    u0 = as_start(op, u0)
    n = op.n
    eta = _positive("eta", 1.0 / (2.0 * op.lipschitz_constant) if eta is None else eta)
    b = int(math.isqrt(n)) if batch is None else int(batch)
    if b < 1:
        raise ModelError(f"batch must be >= 1; got {batch!r}")
    rng = as_rng(seed)
    rec = TraceRecorder(op, tol=tol, max_epochs=max_epochs, record_every=record_every, max_iter=max_iter)
    u, u_prev, F_est = u0.copy(), None, None
    i, n_full = 0, 0
    while not rec.step(i, u):
        p = alg1_full_pass_probability(i, n)
        if i <= 1 or rng.random() < p:  # docs/theory/cai2024.md: full branch with probability p_i
            F_est = op.full(u)
            n_full += 1
        else:  # PAGE: F~(u_i) = F~(u_{i-1}) + (1/b) sum_j [F_hat_j(u_i) - F_hat_j(u_{i-1})]
            F_est = F_est + op.component_difference(op.sample(rng, b), u, u_prev)
        lam = alg1_anchor(i)
        u_prev = u  # reference point refreshed after EVERY iteration (docs/theory/cai2024.md)
        u = op.resolvent(lam * u0 + (1.0 - lam) * u - eta * F_est)  # Eq. (A1)
        i += 1
    return rec.finish(u, i, "vr_halpern", {"eta": eta, "batch": b, "full_passes": n_full})


def inexact_halpern_vrforb(op: FiniteSumOperator, u0: np.ndarray | None = None, *, eta: float | None = None,
                           tau: float | None = None, c_tau: float = 1.0, c_M: float = 0.05, tol: float = 0.0,
                           max_epochs: float = 100.0, seed: int | np.random.Generator = 0,
                           record_every: float = 0.0, max_iter: int | None = None) -> OracleTrace:
    """Algorithms 2 + 3 of Cai et al. (2024): inexact Halpern on the resolvent ``J_{eta(F+G)}``, each
    resolvent approximated by VR-FoRB (Alacaoglu & Malitsky 2022) warm-started at ``u_k``.

    ``eta`` defaults to ``sqrt(n)/L`` [V code]; the inner step ``tau`` to
    ``c_tau sqrt(p(1-p)) / (eta L + 1)`` with ``p = 1/n`` [R]; inner budget ``M_k = max(1, floor(c_M n ln(k+2)))``.
    Records the exact residual of the outer iterate ``u_k``.
    """
    u0 = as_start(op, u0)
    n = op.n
    L = op.lipschitz_constant
    eta = _positive("eta", math.sqrt(n) / L if eta is None else eta)
    p = 1.0 / n
    alpha = 1.0 - p
    if tau is None:
        tau = c_tau * math.sqrt(p * (1.0 - p)) / (eta * L + 1.0) if n > 1 else c_tau / (eta * L + 1.0)
    tau = _positive("tau", tau)
    rng = as_rng(seed)
    rec = TraceRecorder(op, tol=tol, max_epochs=max_epochs, record_every=record_every, max_iter=max_iter)
    u, k, inner_total = u0.copy(), 0, 0
    while not rec.step(k, u):
        M_k = max(1, int(c_M * n * math.log(k + 2)))  # inner budget Theta(n log k) [V code]
        v_tilde = _vrforb_resolvent(op, u, eta, tau, alpha, p, M_k, rng)
        lam = 1.0 / (k + 2)
        u = lam * u0 + (1.0 - lam) * v_tilde  # Eq. (A2): u_{k+1} = lambda_{k+1} u_0 + (1 - lambda_{k+1}) v~_k
        k += 1
        inner_total += M_k
    return rec.finish(u, k, "inexact_halpern_vrforb", {"eta": eta, "tau": tau, "inner_steps": inner_total})


def _vrforb_resolvent(op: FiniteSumOperator, center: np.ndarray, eta: float, tau: float, alpha: float,
                      p: float, n_steps: int, rng) -> np.ndarray:
    """``n_steps`` of VR-FoRB on ``0 in Phi(v) + eta G(v)``, ``Phi(v) = eta F(v) + v - center`` ((FoRB)).  Charged: ``n`` for the initial snapshot, 2 per step, ``n`` per refresh."""
    v = center.copy()
    w = center.copy()
    w_prev = center
    Phi_w = eta * op.full(w) + (w - center)
    for _ in range(n_steps):
        v_bar = alpha * v + (1.0 - alpha) * w
        j = op.sample(rng, 1)
        g = Phi_w + eta * op.component_difference(j, v, w_prev) + (v - w_prev)
        v_next = op.resolvent(v_bar - tau * g)  # Eq. (FoRB)
        w_prev = w
        if rng.random() < p:  # snapshot <- the NEW iterate (the script's reset to `center` is a bug)
            w = v_next
            Phi_w = eta * op.full(w) + (w - center)
        v = v_next
    return v
