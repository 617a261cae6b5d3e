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
greedy backups.  The sweeps are Jacobi sweeps (threaded on sparse models; on small models one compiled loop
runs them with these rules).  With ``gauss_seidel=True`` (off by default: see
:func:`adaptive_modified_policy_iteration`), once the spans of successive Jacobi increments shrink by less than
``ADAPTIVE_GS_RATIO`` per sweep (a slowly mixing policy, e.g. a large gridworld), the solver switches to
symmetric Gauss-Seidel sweeps (in place, alternating state order forward and backward, Puterman Sec. 6.3.3),
unless a forward-backward pair is worth less than ``2 * ADAPTIVE_GS_WORTH`` Jacobi sweeps (then Jacobi again;
see :func:`_adaptive_evaluation`).  Gauss-Seidel increments do not lose the constant error component that the
span ignores, so their span shrinks only at rate ``gamma`` on fast-mixing models (measured: 1000+ sweeps
instead of ~40 on the random sparse benchmark instance).
When Jacobi sweeps contract so slowly that at least ``DIRECT_MIN_SWEEPS`` more are predicted to reach the
certificate's accuracy and the chain's LU is cheap by the cost model (chains, queues: :func:`_direct_threshold`),
the policy is evaluated exactly by one sparse (or dense) direct solve instead; ``info["direct_evaluations"]``
counts them.  On sparse models stored in fixed-width rows, each evaluation first gathers the policy's rows (:func:`mdplab.operators.policy_rows`).

Deviations: the schedule is mdplab's (tuned on benchmarks/solvers.py); Puterman's MPI takes a fixed or given
sequence ``m_k``.
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import numpy as np

from ..errors import ModelError, shown
from ..models import MDP
from ..operators import SERIAL_BELOW_ENTRIES, _entries as operator_entries
from ..operators import (PolicyRows, bellman_backup, policy_backup_range, policy_gauss_seidel_sweep, policy_matrix,
                         policy_rows, policy_rows_backup, policy_rows_gauss_seidel, update_policy_rows)
from ..solution import Solution
from ..threads import StallGuard, numba_threads
from .._kernels.policy import jacobi_evaluation_ell, natural_bandwidth_csr, natural_bandwidth_ell
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
#: ... and, after the first pair, returns to Jacobi sweeps whenever a later pair contracts less than that (a
#: stable policy on a gridworld without goal: pairs contract at about ``gamma`` late in the solve, when Jacobi
#: sweeps of the same policy contract faster); after ``ADAPTIVE_GS_FALLBACKS`` such returns, Jacobi for good.
ADAPTIVE_GS_FALLBACKS = 3
#: Exact evaluation (a direct solve of ``(I - gamma P_pi) v = R_pi``) replaces Jacobi sweeps when at least this
#: many more sweeps are predicted to reach the certificate's accuracy ...
DIRECT_MIN_SWEEPS = 100
#: ... and they would cost ``DIRECT_PAYBACK`` times the exact evaluation (an exact evaluation is a policy
#: iteration step: the policy may still change a few times, each change costing another one).  Cost model in
#: units of 0.1 ns, fitted on this machine (``benchmarks/solvers.py`` families, 2026-12-05, one thread): a sweep
#: ``DIRECT_SWEEP_COST`` per stored entry of ``P_pi`` plus ``SWEEP_CALL_COST`` per sweep of the evaluation loop
#: (call and loop overhead, which dominates below about 10^4 entries); a SuperLU solve (building ``P_pi``
#: included) ``DIRECT_OVERHEAD`` + ``DIRECT_STATE_COST`` per state + ``DIRECT_ROOT_COST`` times the square root
#: of the envelope estimate :func:`mdplab.solvers.discounted.envelope_lu_flops` + ``DIRECT_FLOP_COST`` times
#: the estimate (measured against this model: 0.96-1.3x on chains and queues, 0.9-1.0x on gridworlds of 625-900
#: states, 0.4-0.7x on larger gridworlds, where the envelope overstates SuperLU's fill; the first model, linear
#: in the estimate only, undercounted small gridworlds 2.3-2.6x); dense models up to ``DIRECT_DENSE_MAX_STATES``
#: states, flops ``S^3/3``.
DIRECT_PAYBACK = 3
#: After an exact evaluation that was followed by a policy change in more than this fraction of the states,
#: exact evaluation is tried only for a policy that differs from the previous greedy policy in at most this
#: fraction (policy iteration then needs few more exact evaluations; early policies change in many states and
#: an exact evaluation of each would be wasted).
DIRECT_STABLE_FRACTION = 0.01
#: A policy that is not known to be stable is evaluated exactly only when the LU costs at most this many
#: sweeps (chains and birth-death queues: 16-42 by the model below; gridworlds of 625 states and more: 68 and
#: more, where a wasted exact evaluation costs a third of the solve).
DIRECT_UNPROVEN_SWEEPS = 50
DIRECT_SWEEP_COST = 10
SWEEP_CALL_COST = 80_000
DIRECT_OVERHEAD = 1.2e6
DIRECT_STATE_COST = 1_500
DIRECT_ROOT_COST = 10_000
DIRECT_FLOP_COST = 2
DIRECT_DENSE_MAX_STATES = 2000
#: The envelope estimate (building ``P_pi``, the RCM order) costs about this much per stored entry of the
#: chain (0.67 ms on a 3600-state gridworld's 14400 entries): it is computed only when the predicted sweeps
#: would pay ``DIRECT_PAYBACK`` times for it.
DIRECT_ESTIMATE_COST = 460
#: A chain whose envelope LU would cost this many times ``DIRECT_MIN_SWEEPS`` sweeps is not retried in the solve.
DIRECT_REFUSE_FACTOR = 100


def adaptive_modified_policy_iteration(model: MDP, tol: float = 1e-6, max_iter: int = 1_000_000,
                                       v0: np.ndarray | None = None, m_max: int = 100,
                                       budget: float | None = None, gauss_seidel: bool = False) -> Solution:
    """Modified policy iteration with the adaptive evaluation schedule of the module docstring.

    ``gauss_seidel=True`` lets the schedule switch slow Jacobi evaluations to symmetric Gauss-Seidel sweeps
    (module docstring).  Off by default since 2026-12-05: measured A/B in one process on the 15 instances of
    the three benchmark families where it engages, it saved 2-24% on six instances of the family it was tuned
    on and cost 8-54% on seven of the held-out and fresh ones (geometric mean 9% slower; the fresh family's
    one loss to QuantEcon, a 50 x 50 gridworld with a goal, 4.6 -> 3.2 ms without it; docs/benchmarks/core.md).

    Guarantee as :func:`mdplab.solvers.value_iteration` (certificate read at each greedy backup).
    ``residuals[k] = ||T v_k - v_k||_inf``; ``info["evaluation_sweeps"]`` counts the ``T_pi`` sweeps,
    ``info["evaluation"]`` says which kind ran last (``"jacobi"`` or ``"gauss-seidel"``),
    ``info["gauss_seidel_evaluations"]`` how many evaluations ran Gauss-Seidel sweeps and
    ``info["gauss_seidel_fallbacks"]`` how often they were left for Jacobi ones, ``info["direct_evaluations"]``
    how many were exact.  ``m_max`` caps the
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
    if not isinstance(gauss_seidel, (bool, np.bool_)):
        raise ModelError(f"gauss_seidel must be True or False; got {shown(gauss_seidel)}")
    schedule = _Schedule(gs_refused=not gauss_seidel)
    # small models: one thread for the whole solve (the operators would otherwise switch the count on every
    # call, about 16 us per call, more than a sweep of a 20-state model); numbers do not depend on it
    small = operator_entries(model) < SERIAL_BELOW_ENTRIES
    schedule.small = small
    with numba_threads(1) if small else contextlib.nullcontext(), StallGuard() as guard:
        def extra() -> dict:
            return {"evaluation_sweeps": evaluation_sweeps, "evaluation": schedule.kind, "stalls": guard.stalls,
                    "direct_evaluations": schedule.direct_evaluations,
                    "gauss_seidel_evaluations": schedule.gs_evaluations, "gauss_seidel_fallbacks": schedule.gs_fallbacks}

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
            if schedule.direct_work:
                work.charge(int(schedule.direct_work))
                schedule.direct_work = 0.0
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
    gs_fallbacks: int = 0             # times Gauss-Seidel evaluation was left for Jacobi sweeps
    gs_evaluations: int = 0           # evaluations that ran Gauss-Seidel sweeps
    direct_refused: bool = False      # a policy's chain had an LU too dense for exact evaluation: sweeps only
    lu_flops: float | None = None     # envelope LU estimate of the first policy's chain (sparse models)
    chain_nnz: int = 0
    direct_evaluations: int = 0       # evaluations done by a direct solve instead of sweeps
    rows: PolicyRows | None = None    # gathered rows of the last evaluated policy (sparse fixed-width models)
    last_policy: np.ndarray | None = None   # the greedy policy of the previous evaluation
    last_direct: bool = False         # the previous evaluation was exact
    estimate_pending: bool = False    # a provisional threshold waits for the envelope estimate
    bandwidth: float | None = None    # the model's natural half bandwidth (sparse models, _natural_bandwidth)
    direct_work: float = 0.0          # work of the direct evaluations not yet charged to the budget
    small: bool = False               # the model runs on one thread (below SERIAL_BELOW_ENTRIES entries)
    ell: tuple[np.ndarray, np.ndarray] | None = None   # small models: P's rows in fixed width (_fixed_width_rows)
    direct_missed: bool = False       # an exact evaluation was followed by a policy change (see DIRECT_STABLE_FRACTION)

    @property
    def kind(self) -> str:
        return "gauss-seidel" if self.gauss_seidel else "jacobi"


def _adaptive_evaluation(model: MDP, pi: np.ndarray, x: np.ndarray, w: np.ndarray, residual_span: float, enough: float,
                         m_max: int, schedule: _Schedule, guard: StallGuard) -> tuple[np.ndarray, np.ndarray, int]:
    """Partial evaluation of ``pi`` from ``x = T v`` (``pi`` greedy for ``v``): sweeps of ``T_pi`` until the
    increments' span is at most ``max(enough, fraction * residual_span)`` (the fraction of the sweep kind), or ``enough`` when
    the first sweep contracts ``1 / ADAPTIVE_FAST_RATIO``-fold, or ``m_max`` sweeps.  Returns ``(values,
    scratch, sweeps)``.  With ``gauss_seidel=True`` in the solver, Jacobi sweeps switch to symmetric
    Gauss-Seidel ones when they contract by less than ``ADAPTIVE_GS_RATIO`` per sweep (off by default).  An
    exact evaluation replaces the sweeps when :func:`_direct_threshold` says it pays.

    Gauss-Seidel increments keep the constant error component (which the span, and so the certificate,
    ignores) and mix it into their span, which then shrinks only at about ``gamma`` per sweep (measured on
    the 300x300 gridworld: a forward-backward pair contracts 0.7 early, 0.98 late), so evaluations that
    switched to Gauss-Seidel on a model where it does not pay ran to ``m_max`` every time.  Hence the first
    forward-backward pair of the solve must shrink the span at least as much as ``2 * ADAPTIVE_GS_WORTH``
    Jacobi sweeps at the rate that triggered the switch, or the solver returns to Jacobi sweeps for good; a
    later pair that contracts less returns to Jacobi until the sweeps are slow again (``ADAPTIVE_GS_FALLBACKS``).
    Work, measured when Gauss-Seidel was still on by default (greedy backups x A + evaluation sweeps, in row reads), before -> after, ``benchmarks/solvers.py``
    family: 30x30 gridworld without goal, slip 0.2, gamma 0.999: 17647 -> 224; 150x150 without goal:
    1620 -> 556; RiverSwim-20: 1558 -> 260; RiverSwim-1000 (gamma 0.999): 17514 -> 6236; queue S = 500
    (gamma 0.999): 14499 -> 4207; random sparse S = 20000, 2 successors: 1948 -> 546; gridworlds with a goal
    (where Gauss-Seidel pays, e.g. 100x100: 996) unchanged; queue S = 5000: 1790 -> 1904 (worse).
    """
    fraction = ADAPTIVE_GS_EVALUATION_FRACTION if schedule.gauss_seidel else ADAPTIVE_EVALUATION_FRACTION
    # a policy that (nearly) stayed greedy over the last improvement: exact evaluations are policy-iteration
    # steps near the end, where few of them remain
    stable = schedule.last_policy is not None and \
        np.count_nonzero(schedule.last_policy != pi) <= DIRECT_STABLE_FRACTION * pi.shape[0]
    if schedule.last_direct and not stable:
        schedule.direct_missed = True   # the exact evaluation was not the last one: stable policies only from now
    schedule.last_policy, schedule.last_direct = pi.copy(), False
    try_direct = stable or not schedule.direct_missed
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
    # fewest predicted sweeps that make an exact evaluation worth trying (the cost model's threshold once the
    # chain's LU has been estimated in this solve; DIRECT_MIN_SWEEPS as a pre-test before that)
    needed_min = np.inf if not try_direct or schedule.direct_refused else float(DIRECT_MIN_SWEEPS)
    fused = schedule.small and rows is None
    if fused and schedule.ell is None:
        schedule.ell = _fixed_width_rows(model)
    sweep = 0
    counted_gs = False
    while sweep < m_max:
        if schedule.gauss_seidel:
            if not counted_gs:
                schedule.gs_evaluations, counted_gs = schedule.gs_evaluations + 1, True
            if rows is not None:
                lo, hi = policy_rows_gauss_seidel(rows, x, reverse=sweep % 2 == 1)
            else:
                lo, hi = policy_gauss_seidel_sweep(model, pi, x, reverse=sweep % 2 == 1)
            sweep += 1
            span = hi - lo
            gs_spans.append(span)
            if len(gs_spans) >= 3 and len(gs_spans) % 2 == 1 and \
                    span > schedule.jacobi_ratio ** (2 * ADAPTIVE_GS_WORTH) * gs_spans[-3]:
                # this forward-backward pair contracts less than 2 ADAPTIVE_GS_WORTH Jacobi sweeps do: at the
                # first pair of the solve, Jacobi for good; later (the policy changed, or the span now carries
                # the constant error component), Jacobi again until its sweeps are slow enough to switch back
                schedule.gauss_seidel = False
                schedule.gs_fallbacks += 1
                schedule.gs_refused = not schedule.gs_tried or schedule.gs_fallbacks >= ADAPTIVE_GS_FALLBACKS
                schedule.gs_tried = True
                return x, w, sweep
            if len(gs_spans) == 3:
                schedule.gs_tried = True
        else:
            switch_ratio = -1.0 if schedule.gs_refused else ADAPTIVE_GS_RATIO
            if fused:
                # small fixed-width models: the sweeps and their rules in one compiled loop (no Python per sweep)
                event, sweep, span, previous_span, target, fast, swapped = jacobi_evaluation_ell(
                    schedule.ell[0], schedule.ell[1], model.R, model.gamma, pi,
                    x, w, sweep, m_max, previous_span, target, enough, switch_ratio, ADAPTIVE_FAST_RATIO,
                    needed_min, fast)
                if swapped:
                    x, w = w, x
                if event == 0:
                    return x, w, sweep
                switch, candidate = event == 1, event == 2
            else:
                t0 = time.perf_counter()
                if rows is not None:
                    lo, hi = policy_rows_backup(rows, x, w)
                else:   # pi is the greedy backup's own int64 policy: checked once there
                    lo, hi = policy_backup_range(model, pi, x, model.gamma, w)
                guard.record("sweep", time.perf_counter() - t0)
                x, w = w, x
                sweep += 1
                span = hi - lo
                switch = switch_ratio > 0 and span > switch_ratio * previous_span
                candidate = not switch and sweep >= 2 and 0 < span < previous_span and span > target and \
                    np.isfinite(needed_min) and np.log(enough / span) / np.log(span / previous_span) >= needed_min
            if candidate:   # sweeps predicted to reach `enough` at the last contraction (the kernel's test)
                needed = np.log(enough / span) / np.log(span / previous_span)
                if needed_min == DIRECT_MIN_SWEEPS:   # the pre-test only: now the cost model
                    needed_min = _direct_threshold(model, pi, schedule, stable, estimate=False)
                if needed >= needed_min and schedule.estimate_pending:   # worth the envelope estimate now
                    needed_min = _direct_threshold(model, pi, schedule, stable, estimate=True)
                if needed >= needed_min:
                    schedule.last_direct = True
                    return _direct_evaluation(model, pi, schedule), w, sweep
            if switch:
                schedule.gauss_seidel = True
                schedule.jacobi_ratio = min(1.0, span / previous_span) if previous_span > 0 else 1.0
                target = max(enough, ADAPTIVE_GS_EVALUATION_FRACTION * residual_span)
            if not fused and sweep == 1 and span <= ADAPTIVE_FAST_RATIO * previous_span:
                target, fast = enough, True  # sweeps contract fast: evaluate pi fully, as policy iteration would
            # Fast sweeps: stop one sweep early when the next increment, extrapolated at the last contraction
            # rate, would already be below `enough` (that next increment is what the following greedy backup
            # sees if pi stays greedy; the certificate there needs only twice `enough`).
            if fast and span * span <= enough * previous_span:
                return x, w, sweep
            previous_span = span
        if not np.isfinite(span):
            raise ModelError("adaptive evaluation: the evaluation sweeps overflowed float64 (non-finite values); "
                             f"max |R| = {float(np.abs(model.R).max()):.3g}: rescale R")
        if span <= target:
            return x, w, sweep
    return x, w, m_max


def _fixed_width_rows(model: MDP) -> tuple[np.ndarray, np.ndarray]:
    """``(indices, data)`` of shape ``(S*A, K)``: the rows of ``P`` in the fixed-width layout of the ``*_ell``
    kernels, whatever the model's storage (ragged rows padded with zero weights on state 0; dense rows with
    ``K = S``), for the compiled evaluation loop of small models.  Each row's entries keep their order, so a
    row's sum is the one the model's own kernels compute."""
    S, A = model.shape
    t = model.sparse
    if t is not None and t.width:
        return t.indices.reshape(S * A, t.width), t.data.reshape(S * A, t.width)
    if t is None:
        P = np.ascontiguousarray(model.P, dtype=np.float64).reshape(S * A, S)
        return np.ascontiguousarray(np.broadcast_to(np.arange(S, dtype=np.int64), (S * A, S))), P
    counts = np.diff(t.indptr)
    K = max(1, int(counts.max()))
    indices = np.zeros((S * A, K), dtype=np.int64)
    data = np.zeros((S * A, K))
    pos = np.arange(t.indptr[-1]) - np.repeat(t.indptr[:-1], counts)
    rows = np.repeat(np.arange(S * A), counts)
    indices[rows, pos] = t.indices
    data[rows, pos] = t.data
    return indices, data


def _direct_threshold(model: MDP, pi: np.ndarray, schedule: _Schedule, stable: bool, estimate: bool = True) -> float:
    """The fewest Jacobi sweeps, predicted to reach the certificate's accuracy, that make an exact evaluation
    of ``pi`` worth it (``inf``: not in this evaluation).

    At least ``DIRECT_MIN_SWEEPS``, and the sweeps must cost ``DIRECT_PAYBACK`` factorisations of ``I - gamma
    P_pi`` under the cost model of the module constants (the LU's size estimated once per solve by
    :func:`mdplab.solvers.discounted.envelope_lu_flops`; a chain whose LU fills in, such as forest management
    where every state can reach state 0, is refused for the whole solve); a policy not known to be stable
    (``DIRECT_STABLE_FRACTION``) only when the LU costs at most ``DIRECT_UNPROVEN_SWEEPS`` sweeps.  The
    prediction is made against the certificate's accuracy, not the evaluation's partial target, because an
    exact evaluation makes the next greedy step a policy-iteration step (birth-death queues: one such step
    after the first greedy policy).  Tried only while the sweeps stay Jacobi ones.  The certificate is
    unaffected: it is read at the next greedy backup, whatever the evaluation did.  Measured
    (``docs/benchmarks/core.md``, issue 15 section): birth-death queues 4-14x faster than sweeping; gridworlds,
    where the LU costs hundreds of sweeps, keep their sweeps."""
    from .discounted import envelope_lu_flops   # lazy: scipy.sparse.linalg

    if schedule.direct_refused:
        return np.inf
    S = model.n_states
    if model.sparse is None:
        if S > DIRECT_DENSE_MAX_STATES:
            return np.inf
        sweep, lu = S * S * DIRECT_SWEEP_COST + SWEEP_CALL_COST, S ** 3 / 3 + DIRECT_OVERHEAD
    elif not stable:
        # a policy not known to be stable is evaluated exactly only on a chain-like model; decided without the
        # envelope estimate (about 40 sweeps of work on a 3600-state gridworld) from the model's bandwidth in
        # its own state order, an upper bound on every policy's envelope width (computed once per solve)
        if schedule.bandwidth is None:
            schedule.bandwidth = _natural_bandwidth(model)
        width = schedule.bandwidth + 1.0
        nnz = S * width                          # at most this many entries per policy row block
        sweep = min(nnz, float(model.sparse.nnz)) * DIRECT_SWEEP_COST + SWEEP_CALL_COST
        flops = S * width * width
        lu = DIRECT_OVERHEAD + DIRECT_STATE_COST * S + DIRECT_ROOT_COST * np.sqrt(flops) + DIRECT_FLOP_COST * flops
        if lu > DIRECT_UNPROVEN_SWEEPS * sweep:
            return np.inf
        return max(float(DIRECT_MIN_SWEEPS), DIRECT_PAYBACK * lu / sweep)
    else:
        if schedule.lu_flops is None and not estimate:
            # the envelope estimate itself costs about DIRECT_ESTIMATE_COST per stored entry of the chain: a
            # provisional threshold asks for enough predicted sweeps to pay for it first
            schedule.estimate_pending = True
            entries = min(float(model.sparse.nnz), S * (model.sparse.width or model.sparse.nnz / max(1, S)))
            sweep = entries * DIRECT_SWEEP_COST + SWEEP_CALL_COST
            return max(float(DIRECT_MIN_SWEEPS), DIRECT_PAYBACK * DIRECT_ESTIMATE_COST * entries / sweep)
        schedule.estimate_pending = False
        if schedule.lu_flops is None:           # estimated once per solve (policies of a model share its structure)
            P_pi, _ = policy_matrix(model, pi)
            schedule.lu_flops, schedule.chain_nnz = envelope_lu_flops(P_pi), max(P_pi.nnz, S)
            if schedule.lu_flops > DIRECT_SWEEP_COST * DIRECT_MIN_SWEEPS * schedule.chain_nnz * DIRECT_REFUSE_FACTOR:
                schedule.direct_refused = True  # the LU fills in: never worth it in this solve
                return np.inf
        sweep = schedule.chain_nnz * DIRECT_SWEEP_COST + SWEEP_CALL_COST
        lu = (DIRECT_OVERHEAD + DIRECT_STATE_COST * S + DIRECT_ROOT_COST * np.sqrt(schedule.lu_flops)
              + DIRECT_FLOP_COST * schedule.lu_flops)
    if not stable and lu > DIRECT_UNPROVEN_SWEEPS * sweep:
        return np.inf
    return max(float(DIRECT_MIN_SWEEPS), DIRECT_PAYBACK * lu / sweep)


def _natural_bandwidth(model: MDP) -> float:
    """``max |s' - s|`` over the positive entries of every row ``P[s, a, :]`` of a sparse model: the half
    bandwidth of every policy's chain in the model's own state order (a birth-death queue or RiverSwim: 1)."""
    t = model.sparse
    S, A = model.shape
    if t.width:
        return float(natural_bandwidth_ell(t.indices.reshape(S * A, t.width), t.data.reshape(S * A, t.width), A))
    return float(natural_bandwidth_csr(t.indptr, t.indices, t.data, A))


def _direct_evaluation(model: MDP, pi: np.ndarray, schedule: _Schedule) -> np.ndarray:
    """``v^pi`` by one direct solve of ``(I - gamma P_pi) v = R_pi`` (dense LAPACK or SuperLU)."""
    from .discounted import sparse_direct_solve   # lazy: scipy.sparse.linalg

    P_pi, R_pi = policy_matrix(model, pi)
    schedule.direct_evaluations += 1
    # charged to the work budget as entries read plus the LU's multiplications (the budget's unit is work)
    S = model.n_states
    schedule.direct_work += (S * S + S ** 3 / 3) if model.sparse is None else (P_pi.nnz + (schedule.lu_flops or 0.0))
    if model.sparse is None:
        return np.linalg.solve(np.eye(model.n_states) - model.gamma * P_pi, R_pi)
    return sparse_direct_solve(P_pi, R_pi, model.gamma)
