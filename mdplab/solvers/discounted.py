"""Discounted-criterion solvers: value iteration, Gauss-Seidel VI, policy iteration, modified PI.

Model (Puterman 1994, ch. 6): ``v*(s) = max_a R[s, a] + gamma sum_s' P[s, a, s'] v*(s')``.

Stopping rule shared by every method here (see :mod:`mdplab.solvers._common`): with
``Delta = T v - v``, stop when ``gamma sp(Delta) / (1 - gamma) <= tol``.  Then the greedy policy is
``tol``-optimal, ``0 <= v* - v^pi <= tol``, and the returned values (the midpoint of the
MacQueen-Porteus bounds) satisfy ``||values - v*||_inf <= tol / 2``.  The span rule needs far fewer
sweeps than the sup-norm rule ``||Delta|| < tol (1 - gamma) / (2 gamma)`` (Puterman Thm 6.3.1)
whenever the chain mixes, and is never worse.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import ModelError, NotApplicableError
from ..models import MDP
from ..operators import (bellman_backup, difference_range, gauss_seidel_sweep, policy_backup, policy_gauss_seidel_sweep,
                         policy_matrix, PolicyRows, policy_rows, policy_rows_backup, policy_rows_gauss_seidel, q_values,
                         update_policy_rows)
from ..solution import Solution
from ..threads import StallGuard
from ._common import certify, check_tol, initial_values, macqueen, zero_backup

#: Below this many states, policy evaluation is a direct solve; above it, iterative (GMRES).
DIRECT_SOLVE_MAX_STATES = 5000
#: Adaptive MPI evaluates each greedy policy until a sweep's increments have span at most this fraction of
#: the greedy backup's residual span: with Jacobi sweeps, which contract about as fast as greedy backups
#: but cost 1/A of one (random sparse benchmark instance: 0.3-0.5 took 0.046 s, 0.1 0.055 s, 0.03 0.057 s) ...
ADAPTIVE_EVALUATION_FRACTION = 0.3
#: ... and with symmetric Gauss-Seidel sweeps, which contract much faster than greedy backups (gridworld
#: benchmark instance: 0.1 took 0.17 s, 0.3 0.21 s).
ADAPTIVE_GS_EVALUATION_FRACTION = 0.1
#: Adaptive MPI evaluates a policy fully (to the certificate's accuracy) when its first evaluation sweep
#: shrinks the residual span at least this much: sweeps are then cheap and effective (dense random models).
ADAPTIVE_FAST_RATIO = 0.2
#: Adaptive MPI switches from Jacobi to symmetric Gauss-Seidel evaluation sweeps once the span of successive
#: Jacobi increments shrinks by less than this factor per sweep.
ADAPTIVE_GS_RATIO = 0.9
#: Gauss-Seidel VI tries the MacQueen certificate at least this often (in sweeps).
CERTIFY_EVERY = 8


def _discounted(model: MDP, method: str) -> None:
    if model.criterion != "discounted":
        raise NotApplicableError(
            f"{method} solves the discounted criterion; this model is {model.criterion!r} "
            "(use backward_induction for finite horizon, relative_value_iteration for average reward)"
        )


def _solution(model: MDP, method: str, cert, iterations: int, residuals: list[float], converged: bool, **info) -> Solution:
    values = cert.values
    return Solution(values=values, q=lambda: q_values(model, values), policy=cert.policy, iterations=iterations,
                    residuals=np.asarray(residuals, dtype=np.float64), converged=converged, method=method,
                    error_bound=cert.value_error, info={"policy_gap": cert.policy_gap, **info})


def value_iteration(model: MDP, tol: float = 1e-6, max_iter: int = 1_000_000, v0: np.ndarray | None = None) -> Solution:
    """Value iteration ``v_{k+1} = T v_k`` (Puterman 1994, Alg. 6.3.1) with the span stopping rule.

    Guarantee (tested): when ``converged``, the returned ``policy`` is ``tol``-optimal,
    ``0 <= v*(s) - v^pi(s) <= tol`` for all ``s``, and ``||values - v*||_inf <= tol / 2``
    (``error_bound`` holds the certified value, ``info["policy_gap"]`` the policy's).
    ``residuals[k] = ||T v_k - v_k||_inf``.
    """
    _discounted(model, "value_iteration")
    tol = check_tol(tol)
    gamma = model.gamma
    v = initial_values(model, v0)
    Tv, pi = np.empty_like(v), np.empty(model.n_states, dtype=np.int64)
    residuals: list[float] = []
    for k in range(1, max_iter + 1):
        if k == 1 and v0 is None:
            zero_backup(model, Tv, pi)
        else:
            bellman_backup(model, v, out=(Tv, pi))
        bounds = macqueen(v, Tv, gamma)
        residuals.append(bounds.residual)
        if bounds.gap <= tol:
            return _solution(model, "vi", bounds.certificate(Tv, pi), k, residuals, True)
        v, Tv = Tv, v
    return _solution(model, "vi", certify(model, v), max_iter, residuals, False)


def gauss_seidel_value_iteration(model: MDP, tol: float = 1e-6, max_iter: int = 1_000_000,
                                 v0: np.ndarray | None = None) -> Solution:
    """Gauss-Seidel value iteration (Puterman 1994, Sec. 6.3.3): in-place sweeps in state order.

    The sweep is a ``gamma``-contraction in sup norm, so ``||v_{k+1} - v_k|| <= tol (1 - gamma) / (2 gamma)``
    is the classical rule; here it only triggers a certification by one Jacobi backup (the MacQueen
    bounds of :mod:`._common`), and sweeps continue until the certificate meets ``tol``.  Same guarantee
    as :func:`value_iteration`.  ``residuals[k]`` = sup-norm change of sweep ``k``.
    """
    _discounted(model, "gauss_seidel_value_iteration")
    tol = check_tol(tol)
    gamma = model.gamma
    v = initial_values(model, v0)
    pi = np.empty(model.n_states, dtype=np.int64)
    residuals: list[float] = []
    threshold = tol * (1 - gamma) / (2 * gamma) if gamma > 0 else np.inf
    for k in range(1, max_iter + 1):
        change = gauss_seidel_sweep(model, v, pi)
        residuals.append(change)
        # Certify (one Jacobi backup) when the classical rule fires, and every CERTIFY_EVERY sweeps: the
        # span-based certificate usually succeeds long before the sup-norm change is small.
        if change <= threshold or k % CERTIFY_EVERY == 0:
            cert = certify(model, v)
            if cert.policy_gap <= tol:
                return _solution(model, "gs", cert, k, residuals, True)
            if change <= threshold:
                threshold *= 0.5
    return _solution(model, "gs", certify(model, v), max_iter, residuals, False)


def evaluate_policy(model: MDP, pi: np.ndarray, *, gamma: float | None = None, method: str = "auto",
                    tol: float = 1e-12, v0: np.ndarray | None = None) -> np.ndarray:
    """``v^pi = (I - gamma P_pi)^{-1} R_pi`` for a deterministic ``(S,)`` or stochastic ``(S, A)`` policy.

    ``method``: ``"direct"`` (LU: dense for dense models, sparse SuperLU otherwise), ``"iterative"``
    (GMRES to relative residual ``tol``), or ``"auto"``: direct up to
    ``DIRECT_SOLVE_MAX_STATES`` states, iterative above.
    """
    if model.time_varying:
        raise NotApplicableError("evaluate_policy needs a stationary model")
    g = model.gamma if gamma is None else float(gamma)
    if g is None or not (0.0 <= g < 1.0):
        raise NotApplicableError(f"evaluate_policy needs 0 <= gamma < 1; got {g!r} (average reward: use average_reward_policy_iteration)")
    P_pi, R_pi = policy_matrix(model, pi)
    S = model.n_states
    dense = not sp.issparse(P_pi)
    if method == "auto":
        method = "direct" if S <= DIRECT_SOLVE_MAX_STATES else "iterative"
    if method == "direct":
        if dense or S <= 500:
            M = np.eye(S) - g * (P_pi if dense else P_pi.toarray())
            return np.linalg.solve(M, R_pi)
        return spla.spsolve((sp.identity(S, format="csc") - g * P_pi).tocsc(), R_pi)
    if method == "iterative":
        matvec = (lambda x: x - g * (P_pi @ x))
        A_op = spla.LinearOperator((S, S), matvec=matvec, dtype=np.float64)
        x, info = spla.gmres(A_op, R_pi, x0=v0, rtol=tol, atol=0.0, restart=50, maxiter=10_000)
        if info == 0:
            return x
        # GMRES did not reach tol: finish with the contraction x <- R_pi + gamma P_pi x, which always converges
        for _ in range(1_000_000):
            nxt = R_pi + g * (P_pi @ x)
            if np.abs(nxt - x).max() <= tol * max(1.0, np.abs(nxt).max()):
                return nxt
            x = nxt
        return x
    raise ModelError(f"evaluate_policy: unknown method {method!r} (direct | iterative | auto)")


def _improve(q: np.ndarray, pi: np.ndarray, atol: float) -> np.ndarray:
    """Greedy improvement that keeps the current action unless another is better by more than ``atol``
    (Puterman 1994, Alg. 6.4.1 step 3: "setting d_{n+1} = d_n if possible") so PI terminates."""
    best = q.argmax(axis=1)
    keep = q[np.arange(q.shape[0]), pi] >= q[np.arange(q.shape[0]), best] - atol
    return np.where(keep, pi, best)


def policy_iteration(model: MDP, tol: float = 1e-6, max_iter: int = 10_000, pi0: np.ndarray | None = None,
                     evaluation: str = "auto") -> Solution:
    """Howard's policy iteration (Puterman 1994, Alg. 6.4.1): exact evaluation, greedy improvement.

    Evaluation: :func:`evaluate_policy` (direct solve up to ``DIRECT_SOLVE_MAX_STATES`` states, GMRES
    above).  Stops when the policy is stable; the final values are certified by one backup (same
    guarantee as :func:`value_iteration`; with exact evaluation the certified gap is ~ machine precision).
    ``residuals[k] = ||T v^{pi_k} - v^{pi_k}||_inf``; ``info["values_history"]`` holds ``v^{pi_k}`` for each
    ``k`` (the monotonicity theorem is checked on it).
    """
    _discounted(model, "policy_iteration")
    tol = check_tol(tol)
    S = model.n_states
    pi = np.zeros(S, dtype=np.int64) if pi0 is None else np.asarray(pi0, dtype=np.int64).copy()
    residuals: list[float] = []
    history: list[np.ndarray] = []
    v = None
    for k in range(1, max_iter + 1):
        v = evaluate_policy(model, pi, method=evaluation, v0=v)
        history.append(v)
        q = q_values(model, v)
        residuals.append(float(np.abs(q.max(axis=1) - v).max()))
        new_pi = _improve(q, pi, atol=1e-12 * max(1.0, float(np.abs(v).max())))
        if np.array_equal(new_pi, pi):
            cert = certify(model, v)
            return _solution(model, "pi", cert, k, residuals, cert.policy_gap <= tol,
                             values_history=np.array(history))
        pi = new_pi
    return _solution(model, "pi", certify(model, v), max_iter, residuals, False, values_history=np.array(history))


def modified_policy_iteration(model: MDP, tol: float = 1e-6, m: int | str = 20, max_iter: int = 1_000_000,
                              v0: np.ndarray | None = None, m_max: int = 100) -> Solution:
    """Modified policy iteration (Puterman 1994, Alg. 6.5.1): one greedy backup, then ``m`` backups of
    the greedy policy's operator ``T_pi`` (partial evaluation, Eq. (6.5.2)).  Stopping rule and guarantee
    as in :func:`value_iteration`, read at each greedy backup.  ``residuals[k] = ||T v_k - v_k||_inf``.

    ``m="adaptive"`` (what ``solve(method="auto")`` uses) sizes each partial evaluation instead: after a
    greedy backup with residual span ``sp(T v - v)``, it sweeps ``T_pi`` until a sweep's increments have
    span at most ``ADAPTIVE_EVALUATION_FRACTION * sp(T v - v)`` (``ADAPTIVE_GS_EVALUATION_FRACTION`` once the
    sweeps are Gauss-Seidel ones, below), or at most ``tol (1 - gamma) / (2 gamma)``
    (as accurate as the certificate can use), or ``m_max`` sweeps; when the first sweep already shrinks the
    span ``1 / ADAPTIVE_FAST_RATIO``-fold, it evaluates to that last accuracy (policy iteration with
    cheap evaluation: fast-mixing models), stopping one sweep early when the next increment, extrapolated at
    the last sweep's contraction, would already be that small.  A ``T_pi`` sweep reads one row per
    state where a greedy backup reads ``A``, so cheap evaluation sweeps replace most greedy backups.  The
    sweeps start as Jacobi sweeps (threaded on sparse models); once the spans of successive Jacobi increments shrink by less
    than ``ADAPTIVE_GS_RATIO`` per sweep (a slowly mixing policy, e.g. a large gridworld), the solver switches
    for good to symmetric Gauss-Seidel sweeps (in place, alternating state order forward and backward,
    Puterman Sec. 6.3.3), which propagate values across the state space in one sweep.  Jacobi sweeps
    stay on fast-mixing models because Gauss-Seidel increments do not lose the constant error component
    that the span ignores, so their span shrinks only at rate ``gamma`` there (measured: 1000+ sweeps
    instead of ~40 on the random sparse benchmark instance).  On sparse models stored in fixed-width rows,
    each evaluation first gathers the policy's rows (:func:`mdplab.operators.policy_rows`).
    Any ``m`` schedule keeps the guarantee, since the certificate is read at greedy backups only (derived
    from the MacQueen bounds, see ``_common``); ``info["evaluation_sweeps"]`` counts the ``T_pi`` sweeps and
    ``info["evaluation"]`` says which kind ran last.

    With ``v0=None`` the first greedy backup of ``v = 0`` is ``max_a R[s, a]`` exactly, and is computed
    without reading ``P`` (so it is not counted as a sweep in the cost, but it is iteration 1).

    Backups and Jacobi sweeps are timed for :class:`mdplab.threads.StallGuard`: after two threaded calls
    stall (an oversubscribed machine), the rest of the solve runs on one numba thread; ``info["stalls"]``
    counts them.  Numbers do not depend on it.
    """
    _discounted(model, "modified_policy_iteration")
    tol = check_tol(tol)
    adaptive = m == "adaptive"
    if not adaptive and (isinstance(m, str) or int(m) < 0):
        raise ModelError(f"m (evaluation sweeps per improvement) must be >= 0 or 'adaptive'; got {m!r}")
    if int(m_max) < 0:
        raise ModelError(f"m_max must be >= 0; got {m_max!r}")
    gamma = model.gamma
    v = initial_values(model, v0)
    Tv, pi = np.empty_like(v), np.empty(model.n_states, dtype=np.int64)
    w = np.empty_like(v)
    residuals: list[float] = []
    enough = tol * (1 - gamma) / (2 * gamma) if gamma > 0 else np.inf
    evaluation_sweeps = 0
    schedule = _Schedule()
    with StallGuard() as guard:
        for k in range(1, max_iter + 1):
            if k == 1 and v0 is None:
                zero_backup(model, Tv, pi)
            else:
                t0 = time.perf_counter()
                bellman_backup(model, v, out=(Tv, pi))
                guard.record("backup", time.perf_counter() - t0)
            bounds = macqueen(v, Tv, gamma)
            residuals.append(bounds.residual)
            gap = bounds.gap
            if gap <= tol:
                return _solution(model, "mpi", bounds.certificate(Tv, pi), k, residuals, True,
                                 evaluation_sweeps=evaluation_sweeps, evaluation=schedule.kind, stalls=guard.stalls)
            if not adaptive:
                for _ in range(int(m)):  # partial evaluation of pi, Eq. (6.5.2)
                    t0 = time.perf_counter()
                    policy_backup(model, pi, Tv, out=w)
                    guard.record("sweep", time.perf_counter() - t0)
                    Tv, w = w, Tv
                evaluation_sweeps += int(m)
            else:
                Tv, w, sweeps = _adaptive_evaluation(model, pi, Tv, w, gap * (1 - gamma) / gamma, enough, int(m_max),
                                                     schedule, guard)
                evaluation_sweeps += sweeps
            v, Tv = Tv, v
        return _solution(model, "mpi", certify(model, v), max_iter, residuals, False,
                         evaluation_sweeps=evaluation_sweeps, evaluation=schedule.kind, stalls=guard.stalls)


@dataclass
class _Schedule:
    """What adaptive MPI has learnt about its evaluation sweeps so far (see modified_policy_iteration)."""

    gauss_seidel: bool = False
    rows: PolicyRows | None = None    # gathered rows of the last evaluated policy (sparse fixed-width models)

    @property
    def kind(self) -> str:
        return "gauss-seidel" if self.gauss_seidel else "jacobi"


def _adaptive_evaluation(model: MDP, pi: np.ndarray, x: np.ndarray, w: np.ndarray, residual_span: float, enough: float,
                         m_max: int, schedule: _Schedule, guard: StallGuard) -> tuple[np.ndarray, np.ndarray, int]:
    """Partial evaluation of ``pi`` from ``x = T v`` (``pi`` greedy for ``v``): sweeps of ``T_pi`` until the
    increments' span is at most ``max(enough, fraction * residual_span)`` (the fraction of the sweep kind), or ``enough`` when
    the first sweep contracts ``1 / ADAPTIVE_FAST_RATIO``-fold, or ``m_max`` sweeps.  Returns ``(values,
    scratch, sweeps)``.  Jacobi sweeps switch for good to symmetric Gauss-Seidel ones when they contract by less
    than ``ADAPTIVE_GS_RATIO`` per sweep.

    Known limit: Gauss-Seidel increments keep the constant error component, so their span stalls near
    ``gamma`` per sweep at the tail of an evaluation (measured on the 300x300 gridworld: a forward-backward
    pair contracts 0.7 early, 0.98 late); sweeps there still total ~130 against ~700 Jacobi ones.  A model
    whose Jacobi sweeps are slow for a reason Gauss-Seidel does not fix can pay for the switch; pass an
    integer ``m`` for plain MPI."""
    fraction = ADAPTIVE_GS_EVALUATION_FRACTION if schedule.gauss_seidel else ADAPTIVE_EVALUATION_FRACTION
    target = max(enough, fraction * residual_span)
    if m_max > 0 and schedule.rows is not None:
        rows = update_policy_rows(schedule.rows, model, pi)
    else:
        rows = policy_rows(model, pi) if m_max > 0 else None
    schedule.rows = rows
    # pi is greedy for v, so T_pi v = T v and the first sweep's increment is gamma P_pi (T v - v): its span
    # over sp(T v - v) measures how fast the sweeps contract.
    previous_span = residual_span
    fast = False
    for sweep in range(m_max):
        if schedule.gauss_seidel:
            if rows is not None:
                lo, hi = policy_rows_gauss_seidel(rows, x, reverse=sweep % 2 == 1)
            else:
                lo, hi = policy_gauss_seidel_sweep(model, pi, x, reverse=sweep % 2 == 1)
            span = hi - lo
        else:
            t0 = time.perf_counter()
            if rows is not None:
                lo, hi = policy_rows_backup(rows, x, w)
            else:
                policy_backup(model, pi, x, out=w)
                lo, hi, _ = difference_range(w, x)
            guard.record("sweep", time.perf_counter() - t0)
            x, w = w, x
            span = hi - lo
            if span > ADAPTIVE_GS_RATIO * previous_span:
                schedule.gauss_seidel = True
                target = max(enough, ADAPTIVE_GS_EVALUATION_FRACTION * residual_span)
            if sweep == 0 and span <= ADAPTIVE_FAST_RATIO * previous_span:
                target, fast = enough, True  # sweeps contract fast: evaluate pi fully, as policy iteration would
            # Fast sweeps: stop one sweep early when the next increment, extrapolated at the last contraction
            # rate, would already be below `enough` (that next increment is what the following greedy backup
            # sees if pi stays greedy; the certificate there needs only twice `enough`).
            if fast and span * span <= enough * previous_span:
                return x, w, sweep + 1
            previous_span = span
        if span <= target:
            return x, w, sweep + 1
    return x, w, m_max
