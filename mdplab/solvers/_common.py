"""Shared pieces of the solvers: the certificates that back every answer, in floating point.

Discounted criterion.  For any ``v`` with ``Delta = T v - v`` (Puterman 1994, Thm 6.6.3; Bertsekas 2012,
Prop. 2.1.1)::

    Tv + gamma min(Delta) / (1 - gamma)  <=  v*  <=  Tv + gamma max(Delta) / (1 - gamma)      (1)

and the same sandwich holds for ``v^pi`` of the policy ``pi`` greedy with respect to ``v`` (apply the
argument to ``T_pi``, for which ``T_pi v = Tv``).  Hence (derived)::

    0 <= v* - v^pi <= gamma sp(Delta) / (1 - gamma)                                            (2)

where ``sp(x) = max x - min x``, and the midpoint of (1) is within half of (2) of ``v*``.

(1)-(2) hold in exact arithmetic.  The solvers compute ``Tv`` and ``Delta`` in float64, and near
``gamma = 1`` the factor ``gamma / (1 - gamma)`` turns the rounding of one backup into a large error (at
``gamma = 1 - 1e-9`` a span that rounds to 0 certified nothing).  :class:`MacQueen` therefore widens (1) by
a bound on that rounding (derivation in ``docs/certificates.md``), with ``u = eps / 2`` the unit roundoff,
``n`` the largest number of stored entries in a row of ``P``, ``rho`` a bound on ``|sum_s' P[s, a, s'] - 1|``
over all rows of the stored ``P``, ``|R|max`` and ``|v|max``:

* ``delta = (n + 3) eps (|R|' + gamma (1 + rho) |v|max)`` bounds ``|fl(Tv)(s) - (Tv)(s)|`` (a dot product of
  ``n`` terms, one product by ``gamma``, one sum with ``R``: ``(n + 2) u`` relative to the sum of magnitudes;
  ``eps = 2u`` doubles it for the ``1 / (1 - k u)`` factor and the rows' own rounding), where
  ``|R|' = min(|R|max, |Tv|max + gamma (1 + rho) |v|max)`` (only maximising actions matter, see
  :meth:`RoundingProfile.backup_error`);
* ``eta = delta + eps ||Delta||`` bounds the error of each computed entry of ``Delta``;
* rows that do not sum to exactly 1 break the identity ``T(v + k 1) = Tv + gamma k 1`` behind (1); with row
  sums in ``[1 - rho, 1 + rho]`` the factor ``c = gamma / (1 - gamma)`` becomes ``c +- dc`` with
  ``dc = gamma rho / ((1 - gamma) (1 - gamma - gamma rho))`` (derived).

With ``lo, hi`` the computed ``min, max Delta``, ``v*`` and ``v^pi`` both lie in ``fl(Tv) + [L, U]`` with::

    U = c (hi + eta) + dc |hi + eta| + delta,     L = c (lo - eta) - dc |lo - eta| - delta         (3)

so the certified policy gap is ``U - L`` and the returned values (the midpoint ``fl(Tv) + c (lo + hi) / 2``)
are within ``max(U - c (lo + hi) / 2, c (lo + hi) / 2 - L)`` of ``v*``, each plus the rounding of these
few operations (``8 eps`` times the magnitudes involved).  A solver reports ``converged`` only when the
value bound is at most ``tol / 2`` (so the policy gap is at most ``tol``).  Since ``eta >= delta >= (n + 3)
eps gamma |v|max``, no ``v`` near ``v*`` certifies less than about ``2 (n + 3) eps |v*|max / (1 - gamma)``
(:func:`rounding_floor`): a smaller ``tol`` cannot be certified at that ``gamma`` in float64, and the solvers
say so (``converged=False`` and a :class:`mdplab.errors.CertificateWarning`) as soon as the span of ``Delta``
is down to the rounding level (:meth:`MacQueen.stuck`) instead of iterating on.

Average reward (relative value iteration, Anc-VI's average-reward scheme).  For weakly communicating models,
``min(Tv - v) <= g* <= max(Tv - v)`` (Puterman 1994, Thm 8.5.5), so the span rule ``sp(Tv - v) <= tol``
certifies the midpoint gain to ``sp / 2`` (:class:`GainBounds`).  In floating point the bracket widens by
``eta`` on each side, with ``delta`` as above (one more term for the aperiodicity transform) plus
``rho |v|max`` (the stored rows' defect, certified for the exactly stochastic model nearest the stored one).

Budgets: every iterative solve is bounded by ``max_iter`` (validated by :func:`check_max_iter`) and by a
work budget (:class:`WorkBudget`, in stored entries of ``P`` read, at least ``CALL_COST`` per kernel call);
running out returns ``converged=False`` with a warning that names the parameter to raise.
"""
from __future__ import annotations

import math
import warnings
import weakref
from dataclasses import dataclass

import numpy as np

from .._kernels.bellman import bellman_optimality_zero
from ..errors import CertificateWarning, ModelError, NotApplicableError, shown
from ..models import MDP
from ..operators import bellman_backup, difference_range, q_values
from ..solution import Solution

#: Machine epsilon of float64 (``2u``, twice the unit roundoff).
EPS = float(np.finfo(np.float64).eps)
#: Default work budget of one iterative solve, in entries of ``P`` read (about 10-60 s on one core).
WORK_BUDGET = 10**10
#: Work charged for one kernel call at least: its Python overhead (~5 us) is the time a kernel takes to read
#: this many entries, so a solve on a tiny model is bounded in time too.
CALL_COST = 5_000


# ----------------------------------------------------------------------------------------------- rounding
@dataclass(frozen=True)
class RoundingProfile:
    """What the rounding bounds of the module docstring need to know about a model's stored arrays."""

    terms: int          # n: largest number of stored entries in a row of P
    row_defect: float   # rho: bound on |sum_s' P[s, a, s'] - 1| over the rows of the stored P
    r_max: float        # max |R|
    entries: int        # stored entries of P (the work of one greedy backup)

    def backup_error(self, gamma: float, v_max: float, extra_terms: int = 0, tv_max: float = math.inf) -> float:
        """``delta``: bound on the rounding of one computed backup entry ``max_a q(s, a)`` (module docstring).
        Only the computed and the exact maximising actions matter, and for those
        ``|R[s, a]| <= |q(s, a)| + gamma (1 + rho) |v|max <= |Tv|max + delta + gamma (1 + rho) |v|max``, so
        ``|R|max`` is replaced by that when smaller (``tv_max`` bounds ``|Tv|``; a "big-M" reward of an
        action that is never the maximum then costs nothing)."""
        k = (self.terms + 3 + extra_terms) * EPS
        pv = gamma * (1.0 + self.row_defect) * v_max
        r_rel = min(self.r_max, (tv_max + pv) * (1.0 + 2.0 * k))
        return k * (r_rel + pv)


_PROFILES: "weakref.WeakKeyDictionary[MDP, RoundingProfile]" = weakref.WeakKeyDictionary()


def _row_sums_long(P_rows: np.ndarray) -> np.ndarray:
    return P_rows.astype(np.longdouble).sum(axis=-1)


def _finite_abs_max(R: np.ndarray) -> float:
    """``max |R|`` over the feasible pairs (``R = -inf`` marks an infeasible action, never a maximiser)."""
    finite = R[np.isfinite(R)]
    return float(np.abs(finite).max()) if finite.size else 0.0


def initial_policy(model: MDP) -> np.ndarray:
    """The policy iterations' default start: the first feasible action of each state (action 0 when every
    action is feasible, as before infeasible actions were allowed)."""
    return np.ascontiguousarray(np.argmax(np.isfinite(np.asarray(model.R)), axis=-1), dtype=np.int64)


def rounding_profile(model: MDP) -> RoundingProfile:
    """The model's :class:`RoundingProfile` (computed once per model: one pass over ``P`` in extended
    precision for the row sums, whose own rounding ``n eps_long`` is added to ``rho``)."""
    prof = _PROFILES.get(model)
    if prof is not None:
        return prof
    eps_long = float(np.finfo(np.longdouble).eps)
    if model.sparse is not None:
        t = model.sparse
        counts = np.diff(np.asarray(t.indptr))
        terms = int(counts.max()) if counts.size else 0
        sums = np.add.reduceat(np.asarray(t.data, dtype=np.longdouble), np.asarray(t.indptr[:-1]))
        defect = float(np.abs(sums - 1).max()) if sums.size else 0.0
        entries = int(t.nnz)
    else:
        P = np.asarray(model.P)
        P = P.reshape(-1, P.shape[-2], P.shape[-1])   # (S or H*S, A, S)
        terms, defect = 0, 0.0
        for block in P:                                # one state at a time: bounded extra memory
            terms = max(terms, int(np.count_nonzero(block, axis=-1).max()))
            defect = max(defect, float(np.abs(_row_sums_long(block) - 1).max()))
        entries = int(model.n_states * model.n_actions * terms)
    row_defect = defect + 2.0 * terms * eps_long   # the extended-precision sums' own rounding
    R = np.asarray(model.R)
    prof = RoundingProfile(terms=max(terms, 1), row_defect=row_defect,
                           r_max=_finite_abs_max(R), entries=max(entries, 1))
    _PROFILES[model] = prof
    return prof


def _shift_factors(gamma: float, rho: float) -> tuple[float, float]:
    """``c = gamma / (1 - gamma)`` and ``dc`` (module docstring); ``dc = inf`` when ``gamma (1 + rho) >= 1``."""
    if gamma == 0.0:
        return 0.0, 0.0
    c = gamma / (1.0 - gamma)
    room = 1.0 - gamma - gamma * rho
    if room <= 0.0:
        return c, math.inf
    return c, gamma * rho / ((1.0 - gamma) * room)


def rounding_floor(model: MDP, v_max: float, gamma: float | None = None) -> float:
    """Smallest policy gap a float64 iterate with ``|v| <= v_max`` (and ``|Tv| <= v_max``) can certify for
    ``model``: ``2 (c + 1) delta`` (module docstring).  Near ``v*`` take ``v_max = |v*|max``."""
    g = model.gamma if gamma is None else float(gamma)
    prof = rounding_profile(model)
    c, dc = _shift_factors(g, prof.row_defect)
    if math.isinf(dc):
        return math.inf
    return 2.0 * (c + 1.0) * prof.backup_error(g, v_max, tv_max=v_max)


# ----------------------------------------------------------------------------------------------- discounted
@dataclass(frozen=True)
class Certificate:
    values: np.ndarray       # midpoint of the bounds (1)
    policy: np.ndarray       # greedy w.r.t. the input v
    policy_gap: float        # certified suboptimality of `policy` (U - L in (3))
    value_error: float       # certified sup-norm error of `values`
    residual: float          # ||Tv - v||_inf
    floor: float = 0.0       # the part of policy_gap due to rounding alone (span 0)


@dataclass(frozen=True)
class MacQueen:
    """The bounds (1)-(3) read from one computed backup ``Tv`` of ``v``: ``lo``, ``hi`` and ``residual`` are
    the minimum, maximum and sup norm of ``Delta = Tv - v``; ``c = gamma / (1 - gamma)``; ``delta``, ``eta``
    and ``dc`` the rounding terms of the module docstring; ``scale`` bounds ``|Tv|``."""

    lo: float
    hi: float
    residual: float
    c: float
    delta: float = 0.0
    dc: float = 0.0
    tv_min: float = 0.0
    tv_max: float = 0.0
    k_rounding: float = 0.0   # delta's per-|v| factor, (n + 3) eps gamma (1 + rho)

    @property
    def scale(self) -> float:
        return max(abs(self.tv_min), abs(self.tv_max))

    @property
    def eta(self) -> float:
        return self.delta + EPS * self.residual

    @property
    def upper(self) -> float:
        x = self.hi + self.eta
        return self.c * x + self.dc * abs(x) + self.delta

    @property
    def lower(self) -> float:
        x = self.lo - self.eta
        return self.c * x - self.dc * abs(x) - self.delta

    @property
    def _op_rounding(self) -> float:
        # rounding of forming c, the products and the midpoint: 8 eps times the magnitudes involved
        return 8.0 * EPS * (self.c * (abs(self.lo) + abs(self.hi) + 2.0 * self.eta) + self.scale)

    @property
    def gap(self) -> float:
        """``U - L`` of (3) (plus operation rounding): the certified suboptimality of the greedy policy."""
        if math.isinf(self.dc):
            return math.inf
        return self.upper - self.lower + self._op_rounding

    @property
    def midpoint_shift(self) -> float:
        return self.c * 0.5 * (self.hi + self.lo)

    @property
    def value_error(self) -> float:
        """Certified sup-norm distance from the midpoint values to ``v*``."""
        if math.isinf(self.dc):
            return math.inf
        m = self.midpoint_shift
        return max(self.upper - m, m - self.lower) + self._op_rounding

    @property
    def floor(self) -> float:
        """The gap this backup would certify if ``Delta`` had span 0: rounding alone."""
        if math.isinf(self.dc):
            return math.inf
        return 2.0 * (self.c * self.eta + self.delta) + self._op_rounding

    def certifies(self, tol: float) -> bool:
        """Values within ``tol / 2`` of ``v*`` (hence the greedy policy ``tol``-optimal)."""
        return self.value_error <= 0.5 * tol

    def stuck(self, tol: float) -> bool:
        """``True`` when no later iterate of VI / MPI can certify ``tol``:

        * the rounding floor alone exceeds ``tol`` while ``sp(Delta)`` is already at the level of the rounding
          (``<= 4 eta``), so further backups only move ``v`` by (nearly) constant amounts the bound cannot use; or
        * the iteration is in its monotone regime (``Delta >= 0`` and ``v >= 0``, or ``Delta <= 0`` and ``v <= 0``:
          then every later VI / MPI iterate moves further from 0, Puterman 1994, Thm 6.5.5) and the floor at the
          current ``|v|`` (``2 (c + 1) (n + 3) eps gamma |v|max``, which can only grow) already exceeds ``tol``.
        """
        if self.floor > tol and (self.hi - self.lo) <= 4.0 * self.eta:
            return True
        if self.lo >= 0.0 and self.tv_min - self.hi >= 0.0:        # v >= Tv - hi >= 0, Tv >= v
            v_far = self.tv_max - self.hi
        elif self.hi <= 0.0 and self.tv_max - self.lo <= 0.0:      # v <= Tv - lo <= 0, Tv <= v
            v_far = -(self.tv_min - self.lo)
        else:
            return False
        return 2.0 * (self.c + 1.0) * self.k_rounding * v_far > tol

    def certificate(self, Tv: np.ndarray, pi: np.ndarray) -> Certificate:
        """The certificate for ``pi`` greedy w.r.t. ``v``: values at the midpoint of (1)."""
        return Certificate(Tv + self.midpoint_shift, pi.copy(), self.gap, self.value_error, self.residual, self.floor)


def macqueen(model: MDP, v: np.ndarray, Tv: np.ndarray, gamma: float | None = None) -> MacQueen:
    """The MacQueen-Porteus bounds, widened by the rounding of the backup (module docstring), from one
    computed backup ``Tv = T v`` of ``model`` with discount ``gamma`` (default the model's)."""
    g = model.gamma if gamma is None else float(gamma)
    tv_min, tv_max = (float(Tv.min()), float(Tv.max())) if Tv.size else (0.0, 0.0)
    scale = max(abs(tv_min), abs(tv_max))
    if not math.isfinite(scale):
        raise_overflow(model, "the Bellman backup T v")
    lo, hi, sup = difference_range(Tv, v)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise_overflow(model, "the Bellman residual T v - v")
    prof = rounding_profile(model)
    c, dc = _shift_factors(g, prof.row_defect)
    delta = prof.backup_error(g, scale + sup, tv_max=scale)   # |v| <= |Tv| + |Tv - v|
    k_rounding = (prof.terms + 3) * EPS * g * (1.0 + prof.row_defect)
    return MacQueen(lo, hi, sup, c, delta, dc, tv_min, tv_max, k_rounding)


def certify(model: MDP, v: np.ndarray) -> Certificate:
    Tv, pi = bellman_backup(model, v)
    return macqueen(model, v, Tv).certificate(Tv, pi)


def raise_overflow(model: MDP, what: str) -> None:
    """Non-finite values: the model's scale overflowed float64 (e.g. ``|R| ~ 1e308``); say so."""
    r_max = _finite_abs_max(np.asarray(model.R))
    g = model.gamma
    scale = "" if g is None else f" and values up to |R|max / (1 - gamma) = {r_max / (1.0 - g):.3g}"
    raise ModelError(f"{what} overflowed float64 (non-finite): max |R| = {r_max:.3g}{scale}; float64 holds up to "
                     f"{np.finfo(np.float64).max:.3g}. Rescale R (e.g. divide by {max(r_max, 1.0):.3g}) and solve again")


def check_finite_values(model: MDP, values: np.ndarray, what: str = "the values") -> None:
    if not np.all(np.isfinite(values)):
        raise_overflow(model, what)


# ----------------------------------------------------------------------------------------------- average reward
@dataclass(frozen=True)
class GainBounds:
    """The average-reward span rule (Puterman 1994, Thm 8.5.5; module docstring): from ``lo, hi = min, max
    (Tv - v)`` computed with per-entry error at most ``eta``, ``lo - eta <= g* <= hi + eta``."""

    lo: float
    hi: float
    eta: float = 0.0

    @property
    def gap(self) -> float:
        """Width of the bracket: the certified gain suboptimality of the greedy policy."""
        return (self.hi - self.lo + 2.0 * self.eta) * (1.0 + 4.0 * EPS)

    @property
    def gain(self) -> float:
        return 0.5 * (self.lo + self.hi)

    @property
    def error(self) -> float:
        """Certified ``|gain - g*|``."""
        return 0.5 * self.gap

    def certifies(self, tol: float) -> bool:
        return self.gap <= tol

    def stuck(self, tol: float) -> bool:
        return 2.0 * self.eta > tol and (self.hi - self.lo) <= 4.0 * self.eta


def gain_bounds(model: MDP, lo: float, hi: float, v_max: float, extra_terms: int = 1) -> GainBounds:
    """:class:`GainBounds` for one computed undiscounted backup of ``v`` (``|v| <= v_max``); ``extra_terms``
    counts arithmetic beyond ``R + P v`` (one for the aperiodicity transform ``tau v + (1 - tau) P v``)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise_overflow(model, "the relative-value residual T v - v")
    prof = rounding_profile(model)
    delta = prof.backup_error(1.0, v_max, extra_terms) + prof.row_defect * v_max
    return GainBounds(lo, hi, delta + EPS * max(abs(lo), abs(hi)))


# ----------------------------------------------------------------------------------------------- budgets
class WorkBudget:
    """Counts the work of one solve in entries of ``P`` read (at least ``CALL_COST`` per kernel call)."""

    def __init__(self, budget: float | None, solver: str) -> None:
        b = WORK_BUDGET if budget is None else budget
        if isinstance(b, bool) or not (isinstance(b, (int, float, np.integer, np.floating)) and b > 0):
            raise ModelError(f"{solver}: budget (entries of P read) must be a positive number; got {shown(budget)}")
        self.budget, self.solver, self.used = float(b), solver, 0.0

    def charge(self, entries: int, calls: int = 1) -> bool:
        """Record the work of ``calls`` kernel calls reading ``entries`` entries each; ``False`` once spent."""
        self.used += calls * max(entries, CALL_COST)
        return self.used <= self.budget

    def message(self, iterations: int) -> str:
        return (f"{self.solver}: work budget of {self.budget:.3g} entries of P read exhausted after {iterations} "
                f"iterations without certifying tol; pass budget= (larger) to continue")


def check_max_iter(max_iter: object, name: str = "max_iter") -> int:
    """A positive integer, or a clear ValueError."""
    if isinstance(max_iter, (bool, np.bool_)) or not isinstance(max_iter, (int, np.integer)) or int(max_iter) < 1:
        raise ModelError(f"{name} must be a positive integer; got {shown(max_iter)}")
    return int(max_iter)


def not_certified(solver: str, reason: str) -> None:
    """Warn that a solve returns without certifying its ``tol`` (``converged=False``)."""
    warnings.warn(f"{solver}: not converged: {reason}", CertificateWarning, stacklevel=4)


def floor_reason(model: MDP, tol: float, bounds: MacQueen, gamma: float | None = None) -> str:
    g = model.gamma if gamma is None else gamma
    return (f"tol={tol:g} cannot be certified at gamma={float(g)!r} in float64: the rounding of one backup, scaled by "
            f"gamma/(1-gamma), bounds the certificate below by {bounds.floor:.3g} here and by more as |v| grows "
            f"toward |v*| (about 2 (n+3) eps |v*| / (1-gamma)); further backups cannot bring it under tol (certified "
            f"policy gap now: {bounds.gap:.3g}). Pass a larger tol or use a smaller discount")


# ----------------------------------------------------------------------------------------------- misc
def zero_backup(model: MDP, Tv_out: np.ndarray, pi_out: np.ndarray) -> None:
    """The Bellman backup of ``v = 0``: ``T 0 = max_a R[s, a]`` and its first argmax, exactly what
    :func:`mdplab.operators.bellman_backup` returns for ``v = 0`` (``R + gamma P 0 = R``), without reading ``P``."""
    bellman_optimality_zero(model.R, Tv_out, pi_out)


def initial_values(model: MDP, v0: np.ndarray | None) -> np.ndarray:
    if v0 is None:
        return np.zeros(model.n_states)
    v = np.array(v0, dtype=np.float64)
    if v.shape != (model.n_states,) or not np.all(np.isfinite(v)):
        raise ModelError(f"v0 must be a finite array of shape ({model.n_states},); got {v.shape}")
    return v


def check_tol(tol: float) -> float:
    tol = float(tol)
    if not (tol > 0 and np.isfinite(tol)):
        raise ModelError(f"tol must be a positive finite number; got {shown(tol)}")
    return tol


# ----------------------------------------------------------------------------------------------- results
def require_discounted(model: MDP, method: str) -> None:
    if model.criterion != "discounted":
        raise NotApplicableError(
            f"{method} solves the discounted criterion; this model is {model.criterion!r} "
            "(use backward_induction for finite horizon, relative_value_iteration for average reward)"
        )
    check_scale(model)


#: Values up to this size leave room for the backups' sums (n terms) without overflowing float64.
MAX_VALUE_SCALE = float(np.finfo(np.float64).max) / 2.0**16


def check_scale(model: MDP) -> None:
    """Refuse up front a model whose values would overflow float64: ``|R|max / (1 - gamma)`` (discounted) or
    ``|R|max`` (average reward) above ``MAX_VALUE_SCALE``."""
    r_max = rounding_profile(model).r_max
    g = model.gamma if model.criterion == "discounted" else 0.0
    if r_max / (1.0 - g) > MAX_VALUE_SCALE:
        raise_overflow(model, "the values (bounded by |R|max / (1 - gamma))")


def discounted_solution(model: MDP, method: str, cert: Certificate, iterations: int, residuals: list[float],
                        converged: bool, **info) -> Solution:
    """The :class:`mdplab.Solution` of a discounted solve certified by ``cert`` (``error_bound`` = its value
    bound, ``info["policy_gap"]`` its policy bound, ``info["rounding_floor"]`` the part due to rounding)."""
    values = cert.values
    check_finite_values(model, values, "the certified values")
    return Solution(values=values, q=lambda: q_values(model, values), policy=cert.policy, iterations=iterations,
                    residuals=np.asarray(residuals, dtype=np.float64), converged=converged, method=method,
                    error_bound=cert.value_error,
                    info={"policy_gap": cert.policy_gap, "rounding_floor": cert.floor, **info})


def unconverged_solution(model: MDP, method: str, cert: Certificate, iterations: int, residuals: list[float],
                         reason: str, solver: str, **info) -> Solution:
    """``converged=False`` with a :class:`CertificateWarning` naming ``reason``."""
    sol = discounted_solution(model, method, cert, iterations, residuals, False, not_converged=reason, **info)
    not_certified(solver, reason)
    return sol
