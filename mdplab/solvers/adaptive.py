"""Adaptive modified policy iteration: the default discounted solver (``solve(method="auto")``).

Modified policy iteration (Puterman 1994, Alg. 6.5.1; plain fixed-``m`` form in
:func:`mdplab.solvers.modified_policy_iteration`) alternates one greedy backup with ``m`` backups of the greedy
policy's operator ``T_pi`` (partial evaluation, Eq. (6.5.2)).  Here the number of evaluation sweeps and their
kind are chosen per improvement from what the sweeps measure (the schedule below).  The stopping rule and its
guarantee are those of every discounted solver (:mod:`mdplab.solvers._common`): the certificate is read at
greedy backups only, so any schedule keeps it (Puterman Thm 6.5.5 gives convergence for any ``m_k >= 0``).

Schedule: after a greedy backup with residual span ``sp(T v - v)``, sweep ``T_pi`` until a sweep's increments
have span at most ``ADAPTIVE_EVALUATION_FRACTION * sp(T v - v)`` (``ADAPTIVE_GS_EVALUATION_FRACTION`` once the
sweeps are Gauss-Seidel ones, below), or at most ``tol (1 - gamma) / (2 gamma)`` (as accurate as the certificate
can use), or ``m_max`` sweeps; when the first sweep already shrinks the span ``1 / ADAPTIVE_FAST_RATIO``-fold,
evaluate to that last accuracy (policy iteration with cheap evaluation: fast-mixing models), stopping one sweep
early when the next increment, extrapolated at the last sweep's contraction, would already be that small.  A
``T_pi`` sweep reads one row per state where a greedy backup reads ``A``, so cheap evaluation sweeps replace most
greedy backups.  The sweeps start as Jacobi sweeps (threaded on sparse models); once the spans of successive
Jacobi increments shrink by less than ``ADAPTIVE_GS_RATIO`` per sweep (a slowly mixing policy, e.g. a large
gridworld), the solver switches for good to symmetric Gauss-Seidel sweeps (in place, alternating state order
forward and backward, Puterman Sec. 6.3.3), which propagate values across the state space in one sweep, unless the first forward-backward pair is worth
less than ``2 * ADAPTIVE_GS_WORTH`` Jacobi sweeps (then Jacobi for the rest of the solve; see
:func:`_adaptive_evaluation`).
When Jacobi sweeps contract so slowly that at least ``DIRECT_MIN_SWEEPS`` more are predicted and the chain's LU
is cheap by an envelope estimate (chains, queues: :func:`_direct_evaluation_if_cheaper`), the policy is
evaluated exactly by one sparse (or dense) direct solve instead; ``info["direct_evaluations"]`` counts them.
Jacobi sweeps stay on fast-mixing models because Gauss-Seidel increments do not lose the constant error
component that the span ignores, so their span shrinks only at rate ``gamma`` there (measured: 1000+ sweeps
instead of ~40 on the random sparse benchmark instance).  On sparse models stored in fixed-width rows, each
evaluation first gathers the policy's rows (:func:`mdplab.operators.policy_rows`).

Deviations: the schedule is mdplab's (tuned on benchmarks/solvers.py); Puterman's MPI takes a fixed or given
sequence ``m_k``.
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from ..models import MDP
from ..operators import SERIAL_BELOW_ENTRIES, _entries as operator_entries
from ..operators import (PolicyRows, bellman_backup, difference_range, policy_backup_unchecked, policy_gauss_seidel_sweep,
                         policy_rows, policy_rows_backup, policy_rows_gauss_seidel, update_policy_rows)
from ..solution import Solution
from ..threads import StallGuard, numba_threads
from ._common import (WorkBudget, check_max_iter, check_tol, discounted_solution, floor_reason, initial_values,
                      macqueen, require_discounted, rounding_profile, unconverged_solution, zero_backup)

#: Name reported in ``Solution.method``.
METHOD = "mpi-adaptive"
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
#: ... and keeps Gauss-Seidel only when its first forward-backward pair shrinks the span at least as much as
#: ``2 * ADAPTIVE_GS_WORTH`` Jacobi sweeps at the rate that triggered the switch (a serial Gauss-Seidel sweep
#: must be worth several threaded Jacobi ones); otherwise Jacobi for the rest of the solve.
ADAPTIVE_GS_WORTH = 4
#: Exact evaluation (a direct solve of ``(I - gamma P_pi) v = R_pi``) replaces Jacobi sweeps only when at least
#: this many more sweeps are predicted ...
DIRECT_MIN_SWEEPS = 100
#: ... and they would cost more than the LU.  Cost model (measured on this machine, ``benchmarks/solvers.py``
#: family: a threaded sweep about 1 ns per stored entry, SuperLU / LAPACK about 0.1 ns per multiplication of
#: the envelope estimate :func:`mdplab.solvers.discounted.envelope_lu_flops`, plus about 0.2 ms per solve):
#: sweeps x entries x ``DIRECT_SWEEP_COST`` against flops + ``DIRECT_OVERHEAD``; dense models up to
#: ``DIRECT_DENSE_MAX_STATES`` states, flops ``S^3/3``.
DIRECT_SWEEP_COST = 10
DIRECT_OVERHEAD = 2e6
DIRECT_DENSE_MAX_STATES = 2000
#: A chain whose envelope LU would cost this many times ``DIRECT_MIN_SWEEPS`` sweeps is not retried in the solve.
DIRECT_REFUSE_FACTOR = 100


def adaptive_modified_policy_iteration(model: MDP, tol: float = 1e-6, max_iter: int = 1_000_000,
                                       v0: np.ndarray | None = None, m_max: int = 100,
                                       budget: float | None = None) -> Solution:
    """Modified policy iteration with the adaptive evaluation schedule of the module docstring.

    Guarantee as :func:`mdplab.solvers.value_iteration` (certificate read at each greedy backup).
    ``residuals[k] = ||T v_k - v_k||_inf``; ``info["evaluation_sweeps"]`` counts the ``T_pi`` sweeps,
    ``info["evaluation"]`` says which kind ran last (``"jacobi"`` or ``"gauss-seidel"``).  ``m_max`` caps the
    sweeps per evaluation, ``budget`` the work (entries of ``P`` read, :data:`mdplab.solvers._common.WORK_BUDGET`).

    With ``v0=None`` the first greedy backup of ``v = 0`` is ``max_a R[s, a]`` exactly, and is computed
    without reading ``P`` (so it is not counted as a sweep in the cost, but it is iteration 1).

    Backups and Jacobi sweeps are timed for :class:`mdplab.threads.StallGuard`: after two threaded calls
    stall (an oversubscribed machine), the rest of the solve runs on one numba thread; ``info["stalls"]``
    counts them.  Numbers do not depend on it.
    """
    require_discounted(model, "adaptive_modified_policy_iteration")
    tol = check_tol(tol)
    max_iter = check_max_iter(max_iter)
    m_max = check_max_iter(m_max, "m_max") if m_max != 0 else 0
    work = WorkBudget(budget, "adaptive_modified_policy_iteration")
    gamma = model.gamma
    entries = rounding_profile(model).entries
    row_entries = max(1, entries // model.n_actions)
    v = initial_values(model, v0)
    Tv, pi = np.empty_like(v), np.empty(model.n_states, dtype=np.int64)
    w = np.empty_like(v)
    residuals: list[float] = []
    enough = tol * (1 - gamma) / (2 * gamma) if gamma > 0 else np.inf
    evaluation_sweeps = 0
    schedule = _Schedule()
    # small models: one thread for the whole solve (the operators would otherwise switch the count on every
    # call, about 16 us per call, more than a sweep of a 20-state model); numbers do not depend on it
    small = operator_entries(model) < SERIAL_BELOW_ENTRIES
    with numba_threads(1) if small else contextlib.nullcontext(), StallGuard() as guard:
        def extra() -> dict:
            return {"evaluation_sweeps": evaluation_sweeps, "evaluation": schedule.kind, "stalls": guard.stalls,
                    "direct_evaluations": schedule.direct_evaluations}

        for k in range(1, max_iter + 1):
            if k == 1 and v0 is None:
                zero_backup(model, Tv, pi)
            else:
                t0 = time.perf_counter()
                bellman_backup(model, v, out=(Tv, pi))
                guard.record("backup", time.perf_counter() - t0)
                work.charge(entries)
            bounds = macqueen(model, v, Tv)
            residuals.append(bounds.residual)
            if bounds.certifies(tol):
                return discounted_solution(model, METHOD, bounds.certificate(Tv, pi), k, residuals, True, **extra())
            if bounds.stuck(tol):
                return unconverged_solution(model, METHOD, bounds.certificate(Tv, pi), k, residuals,
                                            floor_reason(model, tol, bounds), "adaptive_modified_policy_iteration",
                                            **extra())
            if work.used > work.budget:
                return unconverged_solution(model, METHOD, bounds.certificate(Tv, pi), k, residuals, work.message(k),
                                            "adaptive_modified_policy_iteration", **extra())
            Tv, w, sweeps = _adaptive_evaluation(model, pi, Tv, w, bounds.hi - bounds.lo,
                                                 enough, m_max, schedule, guard)
            work.charge(row_entries, sweeps)
            evaluation_sweeps += sweeps
            v, Tv = Tv, v
        Tv, pi = bellman_backup(model, v)
        return unconverged_solution(model, METHOD, macqueen(model, v, Tv).certificate(Tv, pi), max_iter, residuals,
                                    f"max_iter={max_iter} greedy backups reached; pass max_iter= (larger)",
                                    "adaptive_modified_policy_iteration", **extra())


@dataclass
class _Schedule:
    """What adaptive MPI has learnt about its evaluation sweeps so far (module docstring)."""

    gauss_seidel: bool = False
    gs_refused: bool = False          # Gauss-Seidel stalled at its first pair once: Jacobi for good
    jacobi_ratio: float = 1.0         # the Jacobi sweep contraction that made the solver switch
    gs_tried: bool = False            # a first forward-backward Gauss-Seidel pair has been measured
    direct_refused: bool = False      # a policy's chain had an LU too dense for exact evaluation: sweeps only
    lu_flops: float | None = None     # envelope LU estimate of the first policy's chain (sparse models)
    chain_nnz: int = 0
    direct_evaluations: int = 0       # evaluations done by a direct solve instead of sweeps
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

    Gauss-Seidel increments keep the constant error component (which the span, and so the certificate,
    ignores) and mix it into their span, which then shrinks only at about ``gamma`` per sweep (measured on
    the 300x300 gridworld: a forward-backward pair contracts 0.7 early, 0.98 late), so evaluations that
    switched to Gauss-Seidel on a model where it does not pay ran to ``m_max`` every time.  Hence the first
    forward-backward pair of the solve must shrink the span at least as much as ``2 * ADAPTIVE_GS_WORTH``
    Jacobi sweeps at the rate that triggered the switch, or the solver returns to Jacobi sweeps for good.
    Work (greedy backups x A + evaluation sweeps, in row reads), before -> after, ``benchmarks/solvers.py``
    family: 30x30 gridworld without goal, slip 0.2, gamma 0.999: 17647 -> 224; 150x150 without goal:
    1620 -> 556; RiverSwim-20: 1558 -> 260; RiverSwim-1000 (gamma 0.999): 17514 -> 6236; queue S = 500
    (gamma 0.999): 14499 -> 4207; random sparse S = 20000, 2 successors: 1948 -> 546; gridworlds with a goal
    (where Gauss-Seidel pays, e.g. 100x100: 996) unchanged; queue S = 5000: 1790 -> 1904 (worse).
    """
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
    gs_spans: list[float] = []
    for sweep in range(m_max):
        if schedule.gauss_seidel:
            if rows is not None:
                lo, hi = policy_rows_gauss_seidel(rows, x, reverse=sweep % 2 == 1)
            else:
                lo, hi = policy_gauss_seidel_sweep(model, pi, x, reverse=sweep % 2 == 1)
            span = hi - lo
            gs_spans.append(span)
            if len(gs_spans) == 3 and not schedule.gs_tried:
                schedule.gs_tried = True
                if span > schedule.jacobi_ratio ** (2 * ADAPTIVE_GS_WORTH) * gs_spans[0]:
                    # the first forward-backward pair contracts less than 2 ADAPTIVE_GS_WORTH Jacobi sweeps do
                    schedule.gauss_seidel, schedule.gs_refused = False, True
                    return x, w, sweep + 1
        else:
            t0 = time.perf_counter()
            if rows is not None:
                lo, hi = policy_rows_backup(rows, x, w)
            else:   # pi is the greedy backup's own int64 policy: checked once there
                policy_backup_unchecked(model, pi, x, model.gamma, w)
                lo, hi, _ = difference_range(w, x)
            guard.record("sweep", time.perf_counter() - t0)
            x, w = w, x
            span = hi - lo
            switch = span > ADAPTIVE_GS_RATIO * previous_span and not schedule.gs_refused
            if not switch and sweep >= 1 and previous_span > 0 and span > target:
                exact = _direct_evaluation_if_cheaper(model, pi, span, previous_span, target, schedule)
                if exact is not None:
                    return exact, w, sweep + 1
            if switch:
                schedule.gauss_seidel = True
                schedule.jacobi_ratio = min(1.0, span / previous_span) if previous_span > 0 else 1.0
                target = max(enough, ADAPTIVE_GS_EVALUATION_FRACTION * residual_span)
            if sweep == 0 and span <= ADAPTIVE_FAST_RATIO * previous_span:
                target, fast = enough, True  # sweeps contract fast: evaluate pi fully, as policy iteration would
            # Fast sweeps: stop one sweep early when the next increment, extrapolated at the last contraction
            # rate, would already be below `enough` (that next increment is what the following greedy backup
            # sees if pi stays greedy; the certificate there needs only twice `enough`).
            if fast and span * span <= enough * previous_span:
                return x, w, sweep + 1
            previous_span = span
        if not np.isfinite(span):
            raise ModelError("adaptive evaluation: the evaluation sweeps overflowed float64 (non-finite values); "
                             f"max |R| = {float(np.abs(model.R).max()):.3g}: rescale R")
        if span <= target:
            return x, w, sweep + 1
    return x, w, m_max


def _direct_evaluation_if_cheaper(model: MDP, pi: np.ndarray, span: float, previous_span: float, target: float,
                                  schedule: _Schedule) -> np.ndarray | None:
    """``v^pi`` by an exact solve when at least ``DIRECT_MIN_SWEEPS`` more Jacobi sweeps are predicted
    (extrapolated at the last sweep's contraction ``span / previous_span``) and they would cost more than the
    factorisation of ``I - gamma P_pi`` under the cost model of ``DIRECT_SWEEP_COST`` / ``DIRECT_OVERHEAD`` (the
    LU's size estimated once per solve by :func:`mdplab.solvers.discounted.envelope_lu_flops`; a chain whose LU
    fills in, such as forest management where every state can reach state 0, is refused for the whole solve);
    ``None`` otherwise.  Tried only while the sweeps stay Jacobi ones (a model about to switch to Gauss-Seidel
    keeps that path).  The certificate is unaffected: it is read at the next greedy backup, whatever the
    evaluation did.  Measured (``benchmarks/solvers.py`` family, A/B in one process): birth-death queues 6.6x
    (S = 500, gamma 0.999) and 7.4x (S = 5000, gamma 0.99) faster, forest S = 1000 1.7x, the rest unchanged
    within 7%."""
    from .discounted import envelope_lu_flops, sparse_direct_solve

    if schedule.direct_refused:
        return None
    ratio = span / previous_span
    needed = np.inf if ratio >= 1.0 else np.log(target / span) / np.log(ratio)
    if needed < DIRECT_MIN_SWEEPS:
        return None
    S = model.n_states
    if model.sparse is None:
        if S > DIRECT_DENSE_MAX_STATES or needed * S * S * DIRECT_SWEEP_COST < S ** 3 / 3 + DIRECT_OVERHEAD:
            return None
        from ..operators import policy_matrix

        P_pi, R_pi = policy_matrix(model, pi)
        schedule.direct_evaluations += 1
        return np.linalg.solve(np.eye(S) - model.gamma * P_pi, R_pi)
    from ..operators import policy_matrix

    if schedule.lu_flops is None:           # estimated once per solve (policies of a model share its structure)
        P_pi, R_pi = policy_matrix(model, pi)
        schedule.lu_flops, schedule.chain_nnz = envelope_lu_flops(P_pi), max(P_pi.nnz, S)
        if schedule.lu_flops > DIRECT_SWEEP_COST * DIRECT_MIN_SWEEPS * schedule.chain_nnz * DIRECT_REFUSE_FACTOR:
            schedule.direct_refused = True  # the LU fills in: never worth it in this solve
            return None
    if needed * schedule.chain_nnz * DIRECT_SWEEP_COST < schedule.lu_flops + DIRECT_OVERHEAD:
        return None
    P_pi, R_pi = policy_matrix(model, pi)
    schedule.direct_evaluations += 1
    return sparse_direct_solve(P_pi, R_pi, model.gamma)
