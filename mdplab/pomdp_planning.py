"""POMDP planning over alpha vectors: exact value iteration, certified bounds, point-based bounds.

Model and notation: :mod:`mdplab.pomdp` (``P[s, a, s']``, ``O[a, s', o]``, ``R[s, a]``, ``gamma``, ``b``).
A value function is a finite set of alpha vectors, ``V(b) = max_k alpha[k] . b`` (Sondik 1971;
Smallwood & Sondik 1973).  The exact dynamic-programming backup is

    V'(b) = max_a [ b . R[:, a] + sum_o max_k b . g[a, o, k] ],
    g[a, o, k](s) = gamma sum_s' P[s, a, s'] O[a, s', o] alpha[k](s'),

computed here by **incremental pruning** (Cassandra, Littman & Zhang 1997, UAI): the per-observation
sets ``S(a, o) = prune{R[:, a] / |O| + g[a, o, k]}`` are cross-summed one observation at a time with a
prune after each sum, then ``V' = prune(union_a S(a))``.  ``prune`` removes pointwise-dominated vectors
and then runs Lark's filter (White 1991) whose dominance test is one LP per candidate, solved by
scipy's HiGHS (``linprog(method="highs")``): ``max t  s.t.  (phi - w) . b >= t  for all w in W,
b in simplex``; ``phi`` is kept when ``t > tol``.

Criteria:

* finite horizon ``H`` (:func:`finite_horizon_value_iteration`): ``H`` exact backups from ``V_0 = {0}``.
* discounted (:func:`discounted_value_iteration`): exact backups from the blind-policy vectors
  ``alpha_a = (I - gamma P_a)^{-1} R[:, a]`` (Hauskrecht 2000), a lower bound with ``V_0 <= T V_0``, so
  ``V_n`` increases to ``V*`` and ``V_n(b0) <= V*(b0)``.  With the Bellman residual
  ``r_n = sup_b (V_{n+1} - V_n)(b)`` (one LP per vector of ``V_{n+1}``, the same witness LP),
  ``V*(b0) <= V_{n+1}(b0) + gamma r_n / (1 - gamma)`` (Puterman 1994, Thm 6.3.1 / Sondik's bound), so
  iteration stops when the certified interval at ``b0`` is at most ``tol`` wide.
* large models (:func:`point_based_value_iteration`): PBVI backups (Pineau, Gordon & Thrun 2003) on a
  belief set grown from ``b0`` by seeded simulation give a lower bound; an upper bound comes from the
  fast informed bound (Hauskrecht 2000) refined by sawtooth interpolation with point upper backups
  (Hauskrecht 2000; Smith & Simmons 2005, HSVI).  Every answer is ``[lower, upper]`` at ``b0``.
* large models, faster (:func:`hsvi2`): HSVI2 (Smith & Simmons 2004 UAI; 2005 UAI) on the numba kernels of
  :mod:`mdplab._kernels.pomdp_pb`, with HSVI2's pruning and a rounding allowance that keeps the printed
  interval valid in floating point; what :func:`solve_pomdp_summary` runs when exact value iteration gives up.

Also: :func:`qmdp_q` (Littman, Cassandra & Kaelbling 1995), :func:`fast_informed_bound_q`,
:func:`policy_graph` (a finite-state controller from the alpha vectors' continuation pointers).
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

import numpy as np

def linprog(*args, **kwargs):
    """``scipy.optimize.linprog``, imported on first use (0.3 s that most loads of mdplab never need)."""
    from scipy.optimize import linprog as _linprog

    return _linprog(*args, **kwargs)


try:  # HiGHS's own Python interface (a cvxpy dependency); scipy's linprog is the fallback
    import highspy as _highspy
except ImportError:  # pragma: no cover
    _highspy = None

from ._kernels.alpha_backup import (dominated_by_pair, point_backup, pointwise_undominated, project_alpha,
                                    sawtooth_values)
from ._kernels import pomdp_pb as _pb
from ._kernels.belief import belief_successors
from .arrays import readonly
from .errors import BudgetExceededError, ConvergenceError, ModelError, NotApplicableError, check_seed, shown
from .pomdp import POMDP, validate_belief

#: Tolerances, one table.  PRUNE_TOL: a vector is kept when it beats the others by more than this at
#: some belief (relative to max(1, max |alpha|)).  BOUND_TOL: fixed-point tolerance of QMDP/FIB.
PRUNE_TOL = 1e-9
BOUND_TOL = 1e-12
#: beliefs sampled to seed Lark's filter with certain winners (no LP needed for them).
N_SEED_BELIEFS = 256
#: below this many vectors the per-observation sets are not pruned before cross-summing (the cross-sum prune
#: removes the same vectors; a prune call costs more than it saves on tiny sets)
SMALL_SET = 8
#: the pair-dominance pre-test costs O(|W|^2 S); above this many kept vectors only the LP is used
PAIR_TEST_MAX = 128


# ================================================================================ alpha-vector sets
@dataclass(frozen=True)
class AlphaSet:
    """A value function as alpha vectors: ``alpha (K, S)``, ``action (K,)`` and ``next (K, O)``, the index in
    the previous stage's set of the continuation vector after each observation (``-1`` at stage 0)."""

    alpha: np.ndarray
    action: np.ndarray
    next: np.ndarray

    def __len__(self) -> int:
        return int(self.alpha.shape[0])

    def value(self, b: np.ndarray) -> float:
        """``V(b) = max_k alpha[k] . b``."""
        return float(np.max(self.alpha @ b))

    def best(self, b: np.ndarray) -> int:
        return int(np.argmax(self.alpha @ b))


_BANNER_SHOWN = False


def _quiet_highs():
    """A ``highspy.Highs`` with logging off; the one-time banner of its first construction is sent to
    /dev/null so that ``mdplab solve --json`` prints only JSON."""
    global _BANNER_SHOWN
    if not _BANNER_SHOWN:
        import os
        import sys
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = _highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _BANNER_SHOWN = True
    else:
        h = _highspy.Highs()
    h.setOptionValue("output_flag", False)
    # tiny LPs: presolve and the parallel/IPM machinery cost more than the dual simplex itself
    h.setOptionValue("presolve", "off")
    h.setOptionValue("solver", "simplex")
    # No "threads" option: HiGHS keeps one task scheduler per process, started by whichever solve ran first
    # (e.g. mdplab.solve(method="lp") through cvxpy); a later instance asking for another thread count gets
    # kError on every run().  The dual simplex used here is serial anyway.
    # The LPs are scaled to entries in [0, 1] (_DominanceLP): tight feasibility tolerances keep their optimum
    # accurate in the caller's units too.
    h.setOptionValue("primal_feasibility_tolerance", 1e-10)
    h.setOptionValue("dual_feasibility_tolerance", 1e-10)
    return h


class _DominanceLP:
    """White's (1991) dominance LP written with ``phi`` only in the objective, so one HiGHS model serves a whole
    Lark's filter: ``max_{b, z} phi . b - z  s.t.  w . b - z <= 0 (w in W),  sum_s b(s) = 1,  b >= 0``.  Its
    optimum is ``max_b (phi . b - max_w w . b)``: positive iff ``phi`` beats every ``w`` somewhere.  Rows are
    appended as ``W`` grows and each solve warm-starts from the last basis.  Uses ``highspy`` (HiGHS, installed
    with cvxpy) when importable, else ``scipy.optimize.linprog(method="highs")`` (same solver, rebuilt per call).
    """

    def __init__(self, S: int, shift: float = 0.0, scale: float = 1.0) -> None:
        # Well-scaled LPs: vectors enter as (x - shift) / scale.  The optimum is invariant to the shift (b sums
        # to 1, so phi . b - w . b does not change) and is divided by the scale; solve() undoes the scaling.
        self.shift, self.scale = float(shift), float(scale)
        self.S = S
        self._cols = np.arange(S + 1, dtype=np.int32)
        self.rows: list[np.ndarray] = []
        self.h = None
        if _highspy is not None:
            h = _quiet_highs()
            inf = _highspy.kHighsInf
            h.addVars(S + 1, np.r_[np.zeros(S), -inf], np.r_[np.ones(S), inf])
            h.changeObjectiveSense(_highspy.ObjSense.kMaximize)
            h.addRow(1.0, 1.0, S, np.arange(S, dtype=np.int32), np.ones(S))
            self.h = h

    def add(self, w: np.ndarray) -> None:
        w = (np.asarray(w, dtype=np.float64) - self.shift) / self.scale
        self.rows.append(w)
        if self.h is not None:
            self.h.addRow(-_highspy.kHighsInf, 0.0, self.S + 1, self._cols, np.append(w, -1.0))

    def solve(self, phi: np.ndarray) -> tuple[float, np.ndarray]:
        """``(max_b phi . b - max_w w . b, maximiser b)`` in the caller's units."""
        t, b = self._solve((np.asarray(phi, dtype=np.float64) - self.shift) / self.scale)
        return t * self.scale, b

    def _solve(self, phi: np.ndarray) -> tuple[float, np.ndarray]:
        S = self.S
        if not self.rows:
            b = np.zeros(S)
            b[int(np.argmax(phi))] = 1.0
            return np.inf, b
        if self.h is not None:
            h = self.h
            h.changeColsCost(S + 1, self._cols, np.append(phi, -1.0))
            h.run()
            if h.getModelStatus() == _highspy.HighsModelStatus.kOptimal:
                x = np.asarray(h.getSolution().col_value)
                return float(phi @ x[:S] - x[S]), x[:S]
        # highspy missing or its run failed: the same LP through scipy's HiGHS, checked (never silently wrong)
        W = np.asarray(self.rows)
        c = np.r_[-phi, 1.0]
        A_ub = np.hstack([W, -np.ones((W.shape[0], 1))])
        A_eq = np.r_[np.ones(S), 0.0][None, :]
        res = linprog(c, A_ub=A_ub, b_ub=np.zeros(W.shape[0]), A_eq=A_eq, b_eq=[1.0],
                      bounds=[(0.0, 1.0)] * S + [(None, None)], method="highs")
        if res.status != 0:
            raise ConvergenceError(f"HiGHS failed on a dominance LP (S={S}, {W.shape[0]} rows, vectors scaled by "
                                   f"1/{self.scale:.3g}): {res.message}")
        return -float(res.fun), np.asarray(res.x[:S])


def _lp_scaling(A: np.ndarray) -> tuple[float, float]:
    """``(shift, scale)`` mapping the entries of ``A`` into ``[0, 1]`` (scale 1 when they are all equal)."""
    lo, hi = float(np.min(A)), float(np.max(A))
    return lo, (hi - lo) if hi > lo else 1.0


def _witness_lp(phi: np.ndarray, W: np.ndarray) -> tuple[float, np.ndarray]:
    """``max_{b in simplex} min_{w in W} (phi - w) . b`` and its maximiser (White 1991's LP)."""
    shift, scale = _lp_scaling(np.vstack([phi[None, :], W]) if len(W) else phi[None, :])
    lp = _DominanceLP(phi.shape[0], shift, scale)
    for w in W:
        lp.add(w)
    return lp.solve(phi)


def _pointwise_undominated(alpha: np.ndarray, tol: float) -> np.ndarray:
    """Indices not dominated pointwise (near-equal vectors: the first is kept)."""
    keep = np.empty(alpha.shape[0], dtype=np.bool_)
    pointwise_undominated(np.ascontiguousarray(alpha, dtype=np.float64), float(tol), keep)
    return np.flatnonzero(keep)


def _dominated_by_pair(phi: np.ndarray, W: np.ndarray, tol: float) -> bool:
    """LP-free sufficient test: is ``phi <= lam w_i + (1 - lam) w_j + tol`` pointwise for some pair and
    ``lam in [0, 1]``?  Then ``phi . b <= max_w w . b + tol`` at every belief.  White's LP has an optimal dual
    with at most ``S`` positive weights, so for ``S = 2`` this test is exact; in general it only saves LPs."""
    if W.shape[0] == 0 or W.shape[0] > PAIR_TEST_MAX:
        return False
    return bool(dominated_by_pair(np.ascontiguousarray(phi), np.ascontiguousarray(W), float(tol)))


@functools.lru_cache(maxsize=64)
def _seed_beliefs(S: int, seed: int) -> np.ndarray:
    """Simplex corners and ``N_SEED_BELIEFS`` seeded Dirichlet(1) beliefs (cached: prune is called very often)."""
    B = np.vstack([np.eye(S), np.random.default_rng(seed).dirichlet(np.ones(S), size=N_SEED_BELIEFS)])
    return readonly(B)


def prune(alpha: np.ndarray, tol: float = PRUNE_TOL, seed: int = 0, atol: float | None = None,
          deadline: tuple[float, str] | None = None) -> np.ndarray:
    """Indices (sorted) of a parsimonious subset of ``alpha`` representing the same upper envelope.

    Pointwise-dominance filter, then Lark's filter with HiGHS dominance LPs; the winners at the simplex
    corners and at ``N_SEED_BELIEFS`` seeded random beliefs enter the kept set without an LP.  Ties are
    broken lexicographically, so among vectors equal on the envelope one representative is kept.
    Guarantee: the kept envelope is below the full one by at most ``tol_abs = atol`` (if given) or
    ``tol * max(1, max |alpha|)`` at every belief (up to HiGHS's own tolerance).  ``deadline = (t, message)``:
    raise :class:`mdplab.errors.BudgetExceededError` with ``message`` once ``time.perf_counter() > t`` (checked
    before every LP, including the final re-check of tied vectors)."""
    K, S = alpha.shape
    if K <= 1:
        return np.arange(K)
    tol_abs = atol if atol is not None else tol * max(1.0, float(np.max(np.abs(alpha))))
    cand = _pointwise_undominated(alpha, tol_abs)
    if cand.shape[0] <= 1:
        return cand
    # lexicographic descending order: first near-maximiser = lexicographically largest
    order = np.lexsort(alpha[cand].T[::-1])[::-1]
    cand = cand[order]
    A = alpha[cand]
    vals = A @ _seed_beliefs(S, seed).T                                                   # (k, n_b)
    top = vals.max(axis=0)
    near = vals >= top - tol_abs
    first = np.argmax(near, axis=0)
    unique = near.sum(axis=0) == 1                                   # a strict winner: certainly kept
    won = np.zeros(A.shape[0], dtype=bool)
    won[first] = True
    sure = np.zeros(A.shape[0], dtype=bool)
    sure[first[unique]] = True
    W = list(np.flatnonzero(won))
    F = list(np.flatnonzero(~won))
    lp = None
    while F:
        if deadline is not None and time.perf_counter() > deadline[0]:
            raise BudgetExceededError(deadline[1])
        if _dominated_by_pair(A[F[-1]], A[W], tol_abs):
            F.pop()
            continue
        if lp is None:
            lp = _DominanceLP(S, *_lp_scaling(A))
            for w in W:
                lp.add(A[w])
        phi = F[-1]
        t, b = lp.solve(A[phi])
        if t <= tol_abs:
            F.pop()
            continue
        v = A[F] @ b
        near = v >= v.max() - tol_abs
        j = F[int(np.argmax(near))]
        if near.sum() == 1 and v.max() > max(A[W] @ b, default=-np.inf) + tol_abs:
            sure[j] = True
        W.append(j)
        F.remove(j)
        lp.add(A[j])
    # Ties at envelope vertices can admit a vector that never wins strictly: re-check each kept vector that
    # was not a strict winner against the others (removing a redundant vector does not change the envelope).
    W = [int(w) for w in W]
    for w in [x for x in W if not sure[x]]:
        if deadline is not None and time.perf_counter() > deadline[0]:
            raise BudgetExceededError(deadline[1])
        if len(W) > 1 and _witness_lp(A[w], A[[x for x in W if x != w]])[0] <= tol_abs:
            W.remove(w)
    return np.sort(cand[np.asarray(W, dtype=np.int64)])


def _cross_sum(a_vec: np.ndarray, a_ptr: np.ndarray, b_vec: np.ndarray, b_ptr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    vec = (a_vec[:, None, :] + b_vec[None, :, :]).reshape(-1, a_vec.shape[1])
    ptr = np.hstack([np.repeat(a_ptr, b_vec.shape[0], axis=0), np.tile(b_ptr, (a_vec.shape[0], 1))])
    return vec, ptr


def exact_backup(model: POMDP, V: AlphaSet, gamma: float | None = None, tol: float = PRUNE_TOL,
                 atol: float | None = None, deadline: tuple[float, str] | None = None,
                 max_cross: int | None = None) -> AlphaSet:
    """One exact DP backup ``V -> HV`` by incremental pruning (Cassandra, Littman & Zhang 1997).

    With an absolute pruning tolerance ``atol`` the result's envelope is within ``2 |O| atol`` below the exact
    ``HV`` (|O| per-observation prunes, |O| - 1 cross-sum prunes, one union prune, each losing <= ``atol``);
    every returned vector is still the exact value of a conditional plan.  Budgets: ``deadline = (t, message)``
    raises :class:`mdplab.errors.BudgetExceededError` once ``time.perf_counter() > t`` (checked before every
    pruning LP and every cross-sum); ``max_cross`` refuses a cross-sum of more vectors than that (its memory)."""
    gamma = model.gamma if gamma is None else gamma
    S, A, nO = model.n_states, model.n_actions, model.n_observations
    K = len(V)
    g = np.empty((A, nO, K, S))
    project_alpha(model.P, model.O, np.ascontiguousarray(V.alpha), gamma, g)
    vecs, acts, ptrs = [], [], []
    for a in range(A):
        share = model.R[:, a] / nO
        acc_vec, acc_ptr = None, None
        for o in range(nO):
            if deadline is not None and time.perf_counter() > deadline[0]:
                raise BudgetExceededError(deadline[1])
            cand = share[None, :] + g[a, o]                           # S(a, o)
            keep = prune(cand, tol, atol=atol, deadline=deadline) if K > SMALL_SET else np.arange(K)
            vec_o, ptr_o = cand[keep], keep[:, None]
            if acc_vec is None:
                acc_vec, acc_ptr = vec_o, ptr_o
            else:
                if max_cross is not None and acc_vec.shape[0] * vec_o.shape[0] > max_cross:
                    raise BudgetExceededError(
                        f"exact backup: a cross-sum of {acc_vec.shape[0]} x {vec_o.shape[0]} alpha vectors exceeds "
                        f"max_cross={max_cross} (raise max_alpha, or use hsvi2 for a bounded-time answer)")
                acc_vec, acc_ptr = _cross_sum(acc_vec, acc_ptr, vec_o, ptr_o)
                keep = prune(acc_vec, tol, atol=atol, deadline=deadline)
                acc_vec, acc_ptr = acc_vec[keep], acc_ptr[keep]
        vecs.append(acc_vec)
        ptrs.append(acc_ptr)
        acts.append(np.full(acc_vec.shape[0], a))
    allv, allp, alla = np.vstack(vecs), np.vstack(ptrs), np.concatenate(acts)
    keep = prune(allv, tol, atol=atol, deadline=deadline)
    return AlphaSet(alpha=readonly(allv[keep]), action=readonly(alla[keep].astype(np.int64)), next=readonly(allp[keep].astype(np.int64)))


def zero_alpha_set(model: POMDP) -> AlphaSet:
    """``V_0 = {0}``."""
    return AlphaSet(alpha=readonly(np.zeros((1, model.n_states))), action=readonly(np.zeros(1, dtype=np.int64)),
                    next=readonly(np.full((1, model.n_observations), -1, dtype=np.int64)))


def blind_policy_alphas(model: POMDP, gamma: float | None = None) -> AlphaSet:
    """Values of the ``A`` blind policies "always play a": ``alpha_a = (I - gamma P_a)^{-1} R[:, a]``
    (Hauskrecht 2000); each is a lower bound on ``V*`` and ``V_0 = {alpha_a} <= T V_0``."""
    gamma = model.gamma if gamma is None else gamma
    if gamma >= 1.0:
        raise NotApplicableError("blind-policy values need gamma < 1")
    S, A = model.n_states, model.n_actions
    alpha = np.stack([np.linalg.solve(np.eye(S) - gamma * model.P[:, a, :], model.R[:, a]) for a in range(A)])
    nxt = np.tile(np.arange(A)[:, None], (1, model.n_observations))
    return AlphaSet(alpha=readonly(alpha), action=readonly(np.arange(A, dtype=np.int64)), next=readonly(nxt.astype(np.int64)))


# ================================================================================ solutions
@dataclass(frozen=True)
class POMDPSolution:
    """Result of a POMDP planner.

    ``value`` is the estimate at ``b0`` (exact for finite horizon; the certified lower bound otherwise),
    ``lower <= V*(b0) <= upper``; ``alpha`` the final :class:`AlphaSet` (``stages[h]`` is ``V_h`` for finite
    horizon, ``stages[0] = V_0``), ``iterations`` the number of backups, ``converged`` whether the
    requested tolerance was certified, ``history`` rows ``(seconds, lower, upper)``."""

    value: float
    lower: float
    upper: float
    alpha: AlphaSet
    iterations: int
    converged: bool
    method: str
    seconds: float
    stages: tuple = ()
    history: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    info: dict = field(default_factory=dict)

    @property
    def n_alpha(self) -> int:
        return len(self.alpha)


def finite_horizon_value_iteration(model: POMDP, horizon: int | None = None, tol: float = PRUNE_TOL,
                                   b0: np.ndarray | None = None) -> POMDPSolution:
    """Exact ``H``-step value function ``V_H`` (``H`` backups from ``V_0 = {0}``, discount ``model.gamma``)."""
    H = model.horizon if horizon is None else horizon
    if H is None or int(H) < 0:
        raise ModelError("finite_horizon_value_iteration needs horizon=H >= 0 (or a finite-horizon POMDP)")
    b = model.b0 if b0 is None else validate_belief(b0, model.n_states)
    t0 = time.perf_counter()
    V = zero_alpha_set(model)
    stages = [V]
    for _ in range(int(H)):
        V = exact_backup(model, V, model.gamma, tol)
        stages.append(V)
    v = V.value(b)
    return POMDPSolution(value=v, lower=v, upper=v, alpha=V, iterations=int(H), converged=True,
                         method="incremental_pruning", seconds=time.perf_counter() - t0, stages=tuple(stages))


def bellman_residual(V_new: AlphaSet, V_old: AlphaSet) -> float:
    """``sup_b (V_new(b) - V_old(b))`` (>= 0 when ``V_new >= V_old``): one witness LP per vector of ``V_new``."""
    return max(0.0, max(_witness_lp(a, V_old.alpha)[0] for a in V_new.alpha))


def discounted_value_iteration(model: POMDP, tol: float = 1e-6, max_iter: int = 100_000, max_alpha: int = 5000,
                               max_seconds: float = np.inf) -> POMDPSolution:
    """Exact alpha-vector value iteration for the discounted criterion, certified at ``b0``.

    Iterates ``V_{n+1} = H_eps V_n`` (incremental pruning with absolute tolerance ``delta_n``, so
    ``H V_n <= V_{n+1} + eps_n`` with ``eps_n = 2 |O| delta_n``) from the blind-policy vectors.  Every vector is
    the value of a real conditional plan, so ``lower = V_{n+1}(b0) <= V*(b0)``.  With the LP residual
    ``r = sup_b (V_{n+1} - V_n)(b)``, ``d = sup_b (H V_n - V_n)(b) <= r + eps_n`` and monotonicity of ``H`` give
    ``V* <= H V_n + gamma d / (1 - gamma)`` (Puterman 1994, Thm 6.3.1, one-sided), hence

        upper = V_{n+1}(b0) + eps_n + gamma (r + eps_n) / (1 - gamma).

    ``delta_n`` starts coarse (a tenth of the current residual's share) and shrinks to
    ``tol (1 - gamma) / (8 |O|)`` so that pruning costs at most ``tol / 4`` of the final gap.
    Guarantee: ``lower <= V*(b0) <= upper`` always; when ``converged``, ``upper - lower <= tol``.  Stops
    unconverged when the set exceeds ``max_alpha`` vectors, when a backup's cross-sum would exceed
    ``100 max_alpha`` vectors, or after ``max_seconds`` (checked inside a backup too, before every pruning LP:
    one backup of tiger-grid ran for minutes); the interval, then also capped by the fast informed bound, is
    still valid (``info["stopped"]`` says which budget).
    """
    if model.criterion != "discounted":
        raise NotApplicableError("discounted_value_iteration needs a discounted POMDP (use finite_horizon_value_iteration)")
    gamma, b0, nO = model.gamma, model.b0, model.n_observations
    t0 = time.perf_counter()
    V = blind_policy_alphas(model)
    lower, upper = V.value(b0), np.inf
    hist = []
    # cheap residual estimate on seeded beliefs; the LP certificate runs only when it could succeed
    B = np.vstack([np.eye(model.n_states), b0, np.random.default_rng(0).dirichlet(np.ones(model.n_states), 64)])
    delta_final = tol * (1.0 - gamma) / (8 * nO)
    est = np.inf
    converged = False
    n = 0
    V_prev = V
    eps = 0.0
    deadline = (t0 + max_seconds, "max_seconds") if np.isfinite(max_seconds) else None
    stopped, incomplete = None, False
    for n in range(1, max_iter + 1):
        delta = delta_final if not np.isfinite(est) else max(delta_final, 0.1 * (1.0 - gamma) * est / (2 * nO))
        try:
            V_new = exact_backup(model, V, gamma, atol=delta, deadline=deadline, max_cross=100 * max_alpha)
        except BudgetExceededError as exc:   # the last complete set V stays valid
            stopped, incomplete = ("max_seconds" if str(exc) == "max_seconds" else "max_alpha"), True
            break
        eps = 2 * nO * delta
        lower = V_new.value(b0)
        est = float(np.max(np.max(V_new.alpha @ B.T, axis=0) - np.max(V.alpha @ B.T, axis=0)))
        V_prev, V = V, V_new
        if eps + gamma * (max(est, 0.0) + eps) / (1.0 - gamma) <= tol:
            r = bellman_residual(V, V_prev)
            upper = lower + eps + gamma * (r + eps) / (1.0 - gamma)
            hist.append((time.perf_counter() - t0, lower, upper))
            converged = upper - lower <= tol
        if converged or len(V) > max_alpha or time.perf_counter() - t0 > max_seconds:
            stopped = None if converged else ("max_alpha" if len(V) > max_alpha else "max_seconds")
            break
    if not converged:
        if len(V) <= max_alpha and V is not V_prev and not incomplete:
            upper = min(upper, lower + eps + gamma * (bellman_residual(V, V_prev) + eps) / (1.0 - gamma))
        upper = min(upper, fast_informed_upper(model, b0))
        hist.append((time.perf_counter() - t0, lower, upper))
    return POMDPSolution(value=lower, lower=lower, upper=upper, alpha=V, iterations=n, converged=converged,
                         method="incremental_pruning_certified", seconds=time.perf_counter() - t0,
                         history=np.asarray(hist).reshape(-1, 3), info={"previous": V_prev, "stopped": stopped})


# ================================================================================ MDP-based upper bounds
def _mdp_values(model: POMDP, tol: float = BOUND_TOL) -> np.ndarray:
    """``V_MDP`` of the underlying MDP by policy iteration (exact up to a linear solve)."""
    S, A, gamma = model.n_states, model.n_actions, model.gamma
    pi = np.argmax(model.R, axis=1)
    for _ in range(10_000):
        P_pi = model.P[np.arange(S), pi, :]
        v = np.linalg.solve(np.eye(S) - gamma * P_pi, model.R[np.arange(S), pi])
        q = model.R + gamma * np.einsum("sat,t->sa", model.P, v)
        best = q.max(axis=1)
        improve = best > q[np.arange(S), pi] + tol * max(1.0, float(np.abs(v).max()))
        if not improve.any():
            return v
        pi = np.where(improve, np.argmax(q, axis=1), pi)
    raise ConvergenceError("policy iteration for V_MDP did not converge")  # pragma: no cover


def qmdp_q(model: POMDP) -> np.ndarray:
    """QMDP action values ``Q_MDP[s, a] = R[s, a] + gamma sum_s' P[s, a, s'] V_MDP(s')`` (Littman, Cassandra &
    Kaelbling 1995); ``max_a b . Q_MDP[:, a] >= V*(b)``."""
    if model.criterion != "discounted":
        raise NotApplicableError("QMDP here is for discounted POMDPs")
    v = _mdp_values(model)
    return model.R + model.gamma * np.einsum("sat,t->sa", model.P, v)


def fast_informed_bound_q(model: POMDP, tol: float = BOUND_TOL, max_iter: int = 1_000_000) -> np.ndarray:
    """Fast informed bound (Hauskrecht 2000): the fixed point of
    ``Q[s, a] = R[s, a] + gamma sum_o max_a' sum_s' P[s, a, s'] O[a, s', o] Q[s', a']``, iterated from
    ``Q_MDP`` (which it improves) until ``gamma ||dQ|| / (1 - gamma) <= tol``."""
    gamma = model.gamma
    M = np.einsum("sat,ato->aost", model.P, model.O)                # (A, O, S, S')
    Q = qmdp_q(model)
    for _ in range(max_iter):
        Qn = model.R + gamma * np.max(M @ Q, axis=3).sum(axis=1).T
        d = float(np.max(np.abs(Qn - Q)))
        Q = Qn
        if gamma * d / (1.0 - gamma) <= tol * max(1.0, float(np.abs(Q).max())):
            # one more step keeps Q on the upper side of the fixed point up to the stopping tolerance
            return Q + gamma * d / (1.0 - gamma)
    raise ConvergenceError("fast informed bound iteration hit max_iter")  # pragma: no cover


def fast_informed_upper(model: POMDP, b: np.ndarray) -> float:
    return float(np.max(b @ fast_informed_bound_q(model)))


# ================================================================================ point-based bounds
def sawtooth(points: np.ndarray, values: np.ndarray, corners: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Sawtooth interpolation (Hauskrecht 2000) of the upper-bound points ``(points[i], values[i])`` over
    corner values ``corners (S,)``, evaluated at each row of ``B``:
    ``U(b) = c.b + min(0, min_i phi_i(b) (v_i - c.b_i))``, ``phi_i(b) = min_{s: b_i(s) > 0} b(s) / b_i(s)``."""
    B = np.ascontiguousarray(B, dtype=np.float64)
    out = np.empty(B.shape[0])
    gaps = np.ascontiguousarray(values - points @ corners) if points.shape[0] else np.zeros(0)
    sawtooth_values(np.ascontiguousarray(points, dtype=np.float64).reshape(-1, B.shape[1]), gaps,
                    np.ascontiguousarray(corners, dtype=np.float64), B, out)
    return out


def _perseus_stage(model: POMDP, alpha: np.ndarray, action: np.ndarray, beliefs: np.ndarray,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One Perseus stage (Spaan & Vlassis 2005, JAIR 24): back up randomly chosen beliefs not yet
    improved until every belief's value is at least its old value; returns the new set (plan values only)."""
    S, A, nO = model.n_states, model.n_actions, model.n_observations
    K = alpha.shape[0]
    g = np.empty((A, nO, K, S))
    project_alpha(model.P, model.O, alpha, model.gamma, g)
    old_v = (alpha @ beliefs.T).max(axis=0)
    old_arg = (alpha @ beliefs.T).argmax(axis=0)
    todo = np.ones(beliefs.shape[0], dtype=bool)
    new_alpha, new_action = [], []
    cur_v = np.full(beliefs.shape[0], -np.inf)
    one_a, one_act, one_next = np.empty((1, S)), np.empty(1, dtype=np.int64), np.empty((1, nO), dtype=np.int64)
    while todo.any():
        i = int(rng.choice(np.flatnonzero(todo)))
        point_backup(model.R, g, beliefs[i:i + 1], one_a, one_act, one_next)
        if one_a[0] @ beliefs[i] >= old_v[i]:
            vec, act = one_a[0].copy(), int(one_act[0])
        else:
            vec, act = alpha[old_arg[i]].copy(), int(action[old_arg[i]])
        new_alpha.append(vec)
        new_action.append(act)
        cur_v = np.maximum(cur_v, beliefs @ vec)
        todo &= cur_v < old_v - 1e-12 * max(1.0, float(np.abs(old_v).max()))
        todo[i] = False
    return np.ascontiguousarray(np.array(new_alpha)), np.array(new_action, dtype=np.int64)


def point_based_value_iteration(model: POMDP, max_seconds: float = 10.0, n_beliefs: int = 256, tol: float = 1e-6,
                                backups_per_round: int = 5, seed: int = 0, max_rounds: int | None = None) -> POMDPSolution:
    """Point-based lower bound (Perseus stages, Spaan & Vlassis 2005, on a PBVI-grown belief set, Pineau, Gordon
    & Thrun 2003) and sawtooth upper bound at ``b0``.

    Each round: grow the belief set (PBVI expansion: per belief, per action, one seeded sampled successor; the
    one farthest in L1 from the set is added) up to ``n_beliefs``; run ``backups_per_round`` Perseus stages of
    the lower alpha set (started from the blind-policy vectors, so the lower bound is always the value of
    real plans); run the upper-bound point backup
    ``U(b) <- min(U(b), max_a [b . R_a + gamma sum_o Pr(o|b,a) U(b^{a,o})])`` on the belief set and the
    corners (initial values from the fast informed bound, which also caps ``U`` everywhere).  Stops when
    ``upper - lower <= tol``, after ``max_seconds`` (checked between steps) or after ``max_rounds`` rounds (the
    only stopping rule that makes the result a function of ``seed`` alone).  ``history`` holds
    ``(seconds, lower, upper)`` after each round."""
    if model.criterion != "discounted":
        raise NotApplicableError("point_based_value_iteration needs a discounted POMDP")
    t0 = time.perf_counter()
    rng = np.random.default_rng(check_seed(seed))
    S, A, nO, gamma = model.n_states, model.n_actions, model.n_observations, model.gamma
    b0 = np.ascontiguousarray(model.b0)
    Qf = fast_informed_bound_q(model)
    corners = Qf.max(axis=1).copy()
    lower_set = blind_policy_alphas(model)
    alpha = np.ascontiguousarray(lower_set.alpha)
    action = lower_set.action.copy()
    beliefs = b0[None, :].copy()
    up_vals = np.array([float(np.max(b0 @ Qf))])
    pred = np.empty(S)
    succ = np.empty((A, nO, S))
    prob = np.empty((A, nO))

    def upper_at(B: np.ndarray) -> np.ndarray:
        fib = np.max(B @ Qf, axis=1)
        return np.minimum(fib, sawtooth(beliefs, up_vals, corners, B))

    def out_of_time() -> bool:
        return time.perf_counter() - t0 >= max_seconds

    hist = []
    lower = float(np.max(alpha @ b0))
    upper = float(upper_at(b0[None])[0])
    hist.append((time.perf_counter() - t0, lower, upper))
    rounds = 0
    while upper - lower > tol and not out_of_time() and (max_rounds is None or rounds < max_rounds):
        rounds += 1
        # ---- expand (PBVI)
        if beliefs.shape[0] < n_beliefs:
            new = []
            for b in beliefs:
                belief_successors(model.P, model.O, b, pred, succ, prob)
                cands = np.array([succ[a, int(rng.choice(nO, p=prob[a] / prob[a].sum()))] for a in range(A)])
                pool = np.vstack([beliefs] + new) if new else beliefs
                dist = np.abs(cands[:, None, :] - pool[None, :, :]).sum(axis=2).min(axis=1)
                if dist.max() > 1e-9:
                    new.append(cands[int(np.argmax(dist))][None].copy())
                if beliefs.shape[0] + len(new) >= n_beliefs:
                    break
            if new:
                extra = np.vstack(new)
                up_vals = np.concatenate([up_vals, upper_at(extra)])
                beliefs = np.ascontiguousarray(np.vstack([beliefs, extra]))
        # ---- lower: Perseus stages
        for _ in range(backups_per_round):
            if out_of_time():
                break
            alpha, action = _perseus_stage(model, alpha, action, beliefs, rng)
        # ---- upper: point backups at beliefs and corners
        for i, b in enumerate(np.vstack([beliefs, np.eye(S)])):
            if out_of_time():
                break
            belief_successors(model.P, model.O, b, pred, succ, prob)
            Uo = upper_at(succ.reshape(A * nO, S)).reshape(A, nO)
            q = b @ model.R + gamma * np.sum(np.where(prob > 0, prob * Uo, 0.0), axis=1)
            v = float(q.max())
            if i < beliefs.shape[0]:
                up_vals[i] = min(up_vals[i], v)
            else:
                s = i - beliefs.shape[0]
                corners[s] = min(corners[s], v)
        lower = max(lower, float(np.max(alpha @ b0)))
        upper = min(upper, float(upper_at(b0[None])[0]))
        hist.append((time.perf_counter() - t0, lower, upper))
    V = AlphaSet(alpha=readonly(alpha), action=readonly(action.astype(np.int64)),
                 next=readonly(np.full((alpha.shape[0], nO), -1, dtype=np.int64)))
    return POMDPSolution(value=lower, lower=lower, upper=upper, alpha=V, iterations=rounds,
                         converged=upper - lower <= tol, method="perseus_sawtooth", seconds=time.perf_counter() - t0,
                         history=np.asarray(hist), info={"n_beliefs": int(beliefs.shape[0])})


def _lower_point_backup(model: POMDP, alpha: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, int]:
    """Point-based backup at one belief without projecting the whole set (HSVI's lower update, Smith & Simmons
    2004): for each ``(a, o)`` the best vector at the unnormalised successor belief."""
    S, A, nO, gamma = model.n_states, model.n_actions, model.n_observations, model.gamma
    best_v, best_vec, best_a = -np.inf, None, 0
    for a in range(A):
        PO = model.P[:, a, :, None] * model.O[a][None, :, :]             # (S, S', O)
        bo = np.einsum("s,sto->ot", b, PO)                                # unnormalised b^{a,o}: (O, S')
        k = np.argmax(bo @ alpha.T, axis=1)                               # (O,)
        vec = model.R[:, a] + gamma * np.einsum("sto,ot->s", PO, alpha[k])
        v = float(b @ vec)
        if v > best_v:
            best_v, best_vec, best_a = v, vec, a
    return best_vec, best_a


def heuristic_search_value_iteration(model: POMDP, max_seconds: float = 10.0, tol: float = 1e-6,
                                     max_depth: int | None = None, seed: int = 0) -> POMDPSolution:
    """HSVI (Smith & Simmons 2004, UAI; 2005 "HSVI2"): lower bound = alpha vectors of real plans (from the
    blind-policy vectors, point backups at explored beliefs); upper bound = sawtooth over explored points
    with corner values from the fast informed bound (which also caps it).  Each trial walks from ``b0``
    choosing the action with the best upper Q-value and the observation with the largest weighted excess
    gap ``Pr(o | b, a) (U - L)(b^{a,o}) - tol / gamma^{t+1}`` (Smith & Simmons 2004), then backs up
    both bounds along the path in reverse.  Stops when ``upper - lower <= tol`` at ``b0`` or after
    ``max_seconds``.  Guarantee: ``lower <= V*(b0) <= upper`` throughout.  ``seed`` breaks nothing random
    today (the search is deterministic) and is kept for interface symmetry with the point-based solver."""
    if model.criterion != "discounted":
        raise NotApplicableError("heuristic_search_value_iteration needs a discounted POMDP")
    t0 = time.perf_counter()
    S, A, nO, gamma = model.n_states, model.n_actions, model.n_observations, model.gamma
    b0 = np.ascontiguousarray(model.b0)
    Qf = fast_informed_bound_q(model)
    corners = Qf.max(axis=1).copy()
    alpha = np.ascontiguousarray(blind_policy_alphas(model).alpha)
    action = np.arange(A, dtype=np.int64)
    pts = np.zeros((0, S))
    vals = np.zeros(0)
    pred, succ, prob = np.empty(S), np.empty((A, nO, S)), np.empty((A, nO))
    if max_depth is None:
        # beyond this depth gamma^t * (bound range) is below tol: deeper exploration cannot matter
        span = float(np.max(corners) - np.min(alpha)) + 1.0
        max_depth = int(np.ceil(np.log(tol / span) / np.log(gamma))) if tol > 0 else 1000

    def U(B: np.ndarray) -> np.ndarray:
        return np.minimum(np.max(B @ Qf, axis=1), sawtooth(pts, vals, corners, B))

    def L(B: np.ndarray) -> np.ndarray:
        return np.max(B @ alpha.T, axis=1)

    def upper_q(b: np.ndarray) -> np.ndarray:
        belief_successors(model.P, model.O, b, pred, succ, prob)
        Uo = U(succ.reshape(A * nO, S)).reshape(A, nO)
        return b @ model.R + gamma * np.sum(np.where(prob > 0, prob * Uo, 0.0), axis=1)

    hist = [(time.perf_counter() - t0, float(L(b0[None])[0]), float(U(b0[None])[0]))]
    trials = 0
    while hist[-1][2] - hist[-1][1] > tol and time.perf_counter() - t0 < max_seconds:
        trials += 1
        path = [b0]
        b = b0
        for depth in range(max_depth):
            q = upper_q(b)
            a = int(np.argmax(q))
            nxt = succ[a].copy()
            p = prob[a].copy()
            gaps = U(nxt) - L(nxt)
            excess = np.where(p > 0, p * (gaps - tol * gamma ** (-(depth + 1))), -np.inf)
            o = int(np.argmax(excess))
            if excess[o] <= 0:
                break
            b = nxt[o]
            path.append(b)
        for b in reversed(path):
            vec, a = _lower_point_backup(model, alpha, b)
            if b @ vec > float(np.max(alpha @ b)) + 1e-12:
                alpha = np.ascontiguousarray(np.vstack([alpha, vec]))
                action = np.append(action, a)
            v = float(np.max(upper_q(b)))
            if v < float(U(b[None])[0]) - 1e-12:
                pts = np.vstack([pts, b])
                vals = np.append(vals, v)
        if alpha.shape[0] > 64 and trials % 16 == 0:
            keep = _pointwise_undominated(alpha, 1e-12)
            alpha, action = np.ascontiguousarray(alpha[keep]), action[keep]
        hist.append((time.perf_counter() - t0, float(L(b0[None])[0]), float(U(b0[None])[0])))
    lower, upper = hist[-1][1], hist[-1][2]
    V = AlphaSet(alpha=readonly(alpha), action=readonly(action), next=readonly(np.full((alpha.shape[0], nO), -1, dtype=np.int64)))
    return POMDPSolution(value=lower, lower=lower, upper=upper, alpha=V, iterations=trials,
                         converged=upper - lower <= tol, method="hsvi", seconds=time.perf_counter() - t0,
                         history=np.asarray(hist), info={"n_upper_points": int(pts.shape[0])})


# ================================================================================ HSVI2 (numba kernels)
#: HSVI2 trial target: each trial aims at ``eps = max(tol, HSVI2_ZETA * (U - L)(b0))`` (our anytime form of
#: Smith & Simmons's fixed ``epsilon``: a fixed small ``epsilon`` makes the first trials needlessly deep).
#: Measured (20 s runs, docs/benchmarks/pomdp.md): hallway gap 0.217 at 0.5 against 0.220 at 0.2 and 0.229 at 0.85;
#: tiger-grid 0.263 at 0.5 against 0.311 at 0.3 and 0.320 at 0.8.
HSVI2_ZETA = 0.5
#: hard cap on a trial's depth (the ``eps gamma^-t`` rule normally stops far earlier)
HSVI2_MAX_DEPTH = 2000
#: the lower set is pruned to the vectors best at ``b0`` or at an upper point each time it has grown by this factor
#: since the last pruning.  Measured (20 s): hallway gap 0.194 / tiger-grid 0.252 with factor 2, 0.198 / 0.263
#: without pruning, 0.198 / 0.263 with factor 1.25 (docs/benchmarks/pomdp.md).
ALPHA_PRUNE_GROWTH = 2.0
#: unit roundoff of IEEE float64 (2^-53)
_UNIT_ROUNDOFF = 2.0 ** -53


def _rounding_allowance(S: int, A: int, nO: int, vmax: float) -> float:
    """A bound on the rounding error of one backup or one bound evaluation, in value units.

    Each computed quantity is a sum of at most ``n = S^2 + S |O| + S A + 16`` products of numbers in
    ``[0, 1]`` (probabilities) and values bounded by ``vmax``; the textbook forward bound for such sums is
    ``n u vmax / (1 - n u)`` (Higham 2002, Sec. 3.1), and we take 16 times ``n u vmax``.  The stored rows of
    ``P`` and ``O`` sum to 1 up to ``S u`` (the model "as stored in float64" is the model certified, as in
    docs/certificates.md); that error is inside the same count."""
    n = S * S + S * nO + S * A + 16
    return 16.0 * n * _UNIT_ROUNDOFF * vmax


class _PointBounds:
    """The two bounds of HSVI2 in growing arrays (capacity doubles when full).

    Lower: ``alpha[:K]`` (``V_L(b) = max_k alpha[k] . b``), every vector below the value of a real conditional plan
    (blind-policy vectors, then point backups).  Upper: the points ``pts[:N]`` with values ``vals[:N]`` over the
    base ``base(x) = min(c . x, FIB(x))`` (corner values ``c``, fast informed bound ``FIB(x) = max_a Qf[:, a] . x``),
    ``V_U(b) = min(base(b), min_i [phi_i(b) v_i + base(b - phi_i(b) pts[i])])``, ``phi_i(b) = min_s b(s) /
    pts[i, s]``.  Valid because ``V*`` extended positively homogeneously is convex, hence subadditive:
    ``V*(b) <= phi V*(pts[i]) + V*(b - phi pts[i])`` with ``b - phi pts[i] >= 0``.  With the corner base alone this
    is Hauskrecht's (2000) sawtooth used by HSVI2; the FIB in the base is our tightening (same cost order: ``A``
    more operations per point).  Private to :func:`hsvi2`."""

    def __init__(self, model: POMDP, Qf: np.ndarray, alpha0: np.ndarray, allowance: float) -> None:
        S, A, nO = model.n_states, model.n_actions, model.n_observations
        self.P, self.O = model.P, model.O
        self.R = np.ascontiguousarray(model.R)
        self.gamma = float(model.gamma)
        self.allowance = allowance
        self.Qf = np.ascontiguousarray(Qf)
        self.corners = np.ascontiguousarray(Qf.max(axis=1))
        self.alpha = np.empty((max(64, 2 * alpha0.shape[0]), S))
        self.action = np.empty(self.alpha.shape[0], dtype=np.int64)
        self.K = 0
        for a, vec in enumerate(alpha0):
            self.K = _pb.insert_alpha(self.alpha, self.action, self.K, np.ascontiguousarray(vec), a)
        cap = 64
        self.pts = np.empty((cap, S))
        self.supp = np.empty((cap, S), dtype=np.int64)                # support of each point, packed
        self.ipts = np.empty((cap, S))                                # 1 / pts on that support, packed
        self.masks = np.zeros((cap, (S + 63) // 64), dtype=np.uint64)  # support bits
        self.qpts = np.empty((cap, A))                                # Qf[:, a] . pts[i]
        self.nnz = np.empty(cap, dtype=np.int64)
        self.vals = np.empty(cap)
        self.cpts = np.empty(cap)                                     # c . pts[i]
        self.N = 0
        # scratch
        self.idx = np.empty(S, dtype=np.int64)
        self.pred, self.x, self.w, self.vec = np.empty(S), np.empty(S), np.empty(S), np.empty(S)
        self.k_best = np.empty(nO, dtype=np.int64)
        self.succ, self.prob = np.empty((A, nO, S)), np.empty((A, nO))
        self.u_succ, self.q = np.empty((A, nO)), np.empty(A)

    def _upper_arrays(self) -> tuple:
        return (self.ipts, self.supp, self.nnz, self.masks, self.vals, self.cpts, self.qpts, self.N, self.corners,
                self.Qf)

    # ---- evaluation
    def lower(self, B: np.ndarray) -> np.ndarray:
        out = np.empty(B.shape[0])
        _pb.lower_values(self.alpha, self.K, np.ascontiguousarray(B), self.idx, out)
        return out

    def upper(self, B: np.ndarray) -> np.ndarray:
        out = np.empty(B.shape[0])
        _pb.upper_values(*self._upper_arrays(), np.ascontiguousarray(B), out)
        return out

    def upper_q(self, b: np.ndarray) -> np.ndarray:
        """``q[a]`` at ``b``; leaves the successors in ``succ``, ``prob`` and their upper values in ``u_succ``."""
        _pb.upper_q(self.P, self.O, self.R, self.gamma, b, *self._upper_arrays(), self.pred, self.succ, self.prob,
                    self.u_succ, self.q)
        return self.q

    # ---- backups (Smith & Simmons 2004, Sec. 3.2)
    def backup_lower(self, b: np.ndarray) -> None:
        _, a = _pb.lower_point_backup(self.P, self.O, self.R, self.gamma, self.alpha, self.K, b, self.pred, self.x,
                                      self.idx, self.k_best, self.w, self.vec)
        if float(self.vec @ b) > float(self.lower(b[None])[0]):
            if self.K + 1 >= self.alpha.shape[0]:
                self.alpha = np.vstack([self.alpha, np.empty_like(self.alpha)])
                self.action = np.concatenate([self.action, np.empty_like(self.action)])
            self.K = _pb.insert_alpha(self.alpha, self.action, self.K, self.vec, int(a))

    def backup_upper(self, b: np.ndarray) -> None:
        # the stored value is raised by the rounding allowance, so that it stays >= V*(b) in exact arithmetic
        v = float(np.max(self.upper_q(b))) + self.allowance
        if v < float(self.upper(b[None])[0]):
            if self.N + 1 >= self.pts.shape[0]:
                for name in ("pts", "supp", "ipts", "masks", "qpts", "nnz", "vals", "cpts"):
                    x = getattr(self, name)
                    setattr(self, name, np.concatenate([x, np.empty_like(x)]))
            self.N = _pb.insert_point(self.pts, self.ipts, self.supp, self.nnz, self.masks, self.vals, self.cpts,
                                      self.qpts, self.N, b, v, self.corners, self.Qf)

    def prune_alpha_at(self, B: np.ndarray) -> None:
        """Keep only the vectors that are best at some row of ``B`` (SARSOP's pruning over sampled beliefs, without
        its delta-dominance; HSVI2's passive pruning is similar).  Dropping vectors only lowers ``V_L``."""
        best = np.empty(B.shape[0], dtype=np.int64)
        _pb.best_vectors(self.alpha, self.K, np.ascontiguousarray(B), self.idx, best)   # serial: deterministic
        keep = np.unique(best)
        self.alpha[:keep.size], self.action[:keep.size] = self.alpha[keep], self.action[keep]
        self.K = int(keep.size)

    def backup_corners(self) -> None:
        """Upper backups at the simplex corners (lowered corner values tighten the base ``c . x``)."""
        S = self.corners.shape[0]
        new = self.corners.copy()
        for s in range(S):
            e = np.zeros(S)
            e[s] = 1.0
            new[s] = min(new[s], float(np.max(self.upper_q(e))) + self.allowance)
        if np.all(new == self.corners):
            return
        self.corners = np.ascontiguousarray(new)
        N = self.N
        self.cpts[:N] = self.pts[:N] @ self.corners
        keep = np.flatnonzero(self.vals[:N] < self.cpts[:N])      # a point above c . b adds nothing
        for name in ("pts", "supp", "ipts", "masks", "qpts", "nnz", "vals", "cpts"):
            x = getattr(self, name)
            x[:keep.size] = x[keep]
        self.N = int(keep.size)


def _certified_blind_alphas(model: POMDP, allowance: float) -> np.ndarray:
    """Blind-policy vectors (Hauskrecht 2000) lowered by their certified solve error: with the computed residual
    ``r = R_a + gamma P_a alpha - alpha``, the exact blind value is ``alpha + (I - gamma P_a)^{-1} r >= alpha -
    ||r||_inf / (1 - gamma)``; subtracting that (plus the allowance for computing ``r``) leaves vectors below
    the values of real plans."""
    gamma = model.gamma
    alpha = np.array(blind_policy_alphas(model).alpha, dtype=np.float64)
    for a in range(model.n_actions):
        r = model.R[:, a] + gamma * model.P[:, a, :] @ alpha[a] - alpha[a]
        alpha[a] -= (float(np.max(np.abs(r))) + allowance) / (1.0 - gamma)
    return alpha


def _check_budget(name: str, value, integer: bool):
    """``None`` or a positive budget (``max_seconds``: a number > 0, possibly ``inf``; the others: integers >= 1)."""
    import numbers

    if value is None:
        return None
    if integer:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 1:
            raise ModelError(f"{name} must be a positive integer or None; got {shown(value)}")
        return int(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not float(value) > 0:
        raise ModelError(f"{name} must be a number > 0 (or inf); got {shown(value)}")
    return float(value)


def hsvi2(model: POMDP, max_seconds: float | None = 10.0, tol: float = 1e-6, *, max_trials: int | None = None,
          max_backups: int | None = None, seed: int = 0, zeta: float = HSVI2_ZETA,
          corner_backups: bool = True, prune_alpha: bool = True) -> POMDPSolution:
    """Heuristic search value iteration, HSVI2 form (Smith & Simmons 2004 UAI, "Heuristic search value iteration
    for POMDPs"; 2005 UAI, "Point-based POMDP algorithms: improved analysis and implementation"), on numba
    kernels (:mod:`mdplab._kernels.pomdp_pb`), certified at ``b0``.

    Implemented: the lower bound ``V_L(b) = max_k alpha[k] . b`` starts from the blind-policy vectors (HSVI2's
    initial lower bound) and grows by point backups; the upper bound starts from the fast informed bound (HSVI2's
    initial upper bound) and grows by upper point backups, stored as sawtooth points (HSVI2's approximate
    projection; our deviation: the sawtooth's base is ``min(c . x, FIB(x))`` instead of the corner values ``c``
    alone, see :class:`_PointBounds`).  Each trial walks from ``b0`` with the IE-MAX action ``argmax_a
    Q_U(b, a)`` and the observation of largest weighted excess uncertainty ``Pr(o | b, a) [(V_U - V_L)(b^{a,o}) -
    eps gamma^{-(t+1)}]``, stops at depth ``t`` once ``(V_U - V_L)(b) <= eps gamma^{-t}``, then backs up both bounds
    along the path in reverse.  The trial target ``eps = max(tol, zeta (V_U - V_L)(b0))`` shrinks with the gap
    (anytime form; fixed ``epsilon`` in the papers).  HSVI2's pruning is applied at every insertion: a lower
    vector pointwise dominated by another is dropped; an upper point not below the sawtooth of a newer point is
    dropped (both deletions leave the bounds unchanged, so ``lower`` never decreases and ``upper`` never
    increases).  With ``corner_backups`` the corner values are also backed up after trials 1, 2, 4, 8, ...
    With ``prune_alpha``, each time the lower set has doubled it keeps only the vectors that are best at ``b0`` or at
    a stored upper point (the beliefs the trials visited): SARSOP's pruning over its sampled beliefs without the
    delta-dominance refinement (HSVI2's passive pruning is in the same spirit).  Dropping vectors only lowers
    ``V_L`` (never at ``b0``), so the lower bound stays a certified one and its history stays monotone.

    Not implemented: HSVI2's sparse-matrix model, SARSOP's (Kurniawati, Hsu & Lee 2008) target-level sampling,
    delta-dominance and belief-point pruning (measured ideas are
    listed in docs/benchmarks/pomdp.md).

    Floating point: every stored alpha vector is within ``E = delta / (1 - gamma)`` above the value of a real plan
    (``delta`` = :func:`_rounding_allowance`, one backup's rounding; the blind vectors are lowered by their
    certified solve error), and every stored upper value is raised by ``delta`` over the computed backup, so it
    is ``>= V*`` at its belief.  The returned ``lower = V_L(b0) - E - delta`` and ``upper = V_U(b0) + delta``
    therefore satisfy ``lower <= V*(b0) <= upper`` for the model as stored in float64 (``delta`` is about 1e-10
    on the 60-state hallway).

    Budgets: stops when ``upper - lower <= tol`` ("tol"), after ``max_seconds`` (checked between trials),
    after ``max_trials`` trials, or once ``max_backups`` point backups (lower + upper, counted one each) are done
    (checked before each backup).  ``info["stopped_by"]`` names the rule.  The search is deterministic (ties go
    to the lowest index), so with a work budget the result is a function of the model and the budget alone;
    ``seed`` is validated and kept for interface symmetry with :func:`point_based_value_iteration`.
    ``history`` rows are ``(seconds, lower, upper)`` after each trial.
    """
    if not isinstance(model, POMDP):
        raise ModelError(f"hsvi2 takes an mdplab POMDP; got {type(model).__name__}")
    if model.criterion != "discounted":
        raise NotApplicableError("hsvi2 needs a discounted POMDP (gamma < 1); for a finite horizon use "
                                 "finite_horizon_value_iteration")
    check_seed(seed)
    max_seconds = _check_budget("max_seconds", max_seconds, integer=False)
    max_trials = _check_budget("max_trials", max_trials, integer=True)
    max_backups = _check_budget("max_backups", max_backups, integer=True)
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not tol >= 0:
        raise ModelError(f"tol must be a number >= 0; got {shown(tol)}")
    if isinstance(zeta, bool) or not isinstance(zeta, (int, float, np.floating)) or not 0.0 < zeta < 1.0:
        raise ModelError(f"zeta must be in (0, 1); got {shown(zeta)}")
    if max_seconds is None and max_trials is None and max_backups is None:
        raise ModelError("hsvi2 needs a budget: max_seconds, max_trials or max_backups (the gap may stall at the "
                         "rounding allowance, so tol alone is not a stopping guarantee)")
    t0 = time.perf_counter()
    S, A, nO, gamma = model.n_states, model.n_actions, model.n_observations, model.gamma
    vmax = float(np.max(np.abs(model.R))) / (1.0 - gamma) + 1.0
    delta = _rounding_allowance(S, A, nO, vmax)
    E = delta / (1.0 - gamma)
    Qf = fast_informed_bound_q(model) + delta / (1.0 - gamma)
    st = _PointBounds(model, Qf, _certified_blind_alphas(model, delta), delta)
    b0 = np.ascontiguousarray(model.b0, dtype=np.float64)

    def bounds_at_b0() -> tuple[float, float]:
        return float(st.lower(b0[None])[0]) - E - delta, float(st.upper(b0[None])[0]) + delta

    lower, upper = bounds_at_b0()
    hist = [(time.perf_counter() - t0, lower, upper)]
    trials = backups = 0
    k_pruned = 64
    stopped_by = "tol"
    while True:
        if upper - lower <= tol:
            stopped_by = "tol"
            break
        if max_seconds is not None and time.perf_counter() - t0 >= max_seconds:
            stopped_by = "max_seconds"
            break
        if max_trials is not None and trials >= max_trials:
            stopped_by = "max_trials"
            break
        if max_backups is not None and backups >= max_backups:
            stopped_by = "max_backups"
            break
        trials += 1
        eps = max(float(tol), zeta * (upper - lower))
        path = _hsvi_trial(st, b0, eps, gamma)
        for b in reversed(path):
            if max_backups is not None and backups >= max_backups:
                break
            st.backup_lower(b)
            backups += 1
            if max_backups is not None and backups >= max_backups:
                break
            st.backup_upper(b)
            backups += 1
        if prune_alpha and st.K >= ALPHA_PRUNE_GROWTH * k_pruned:
            st.prune_alpha_at(np.vstack([b0[None], st.pts[:st.N]]))
            k_pruned = max(st.K, 64)
        if corner_backups and trials & (trials - 1) == 0 and (max_backups is None or backups + S <= max_backups):
            st.backup_corners()
            backups += S
        lo, up = bounds_at_b0()
        lower, upper = max(lower, lo), min(upper, up)
        hist.append((time.perf_counter() - t0, lower, upper))
    V = AlphaSet(alpha=readonly(st.alpha[:st.K].copy()), action=readonly(st.action[:st.K].copy()),
                 next=readonly(np.full((st.K, nO), -1, dtype=np.int64)))
    return POMDPSolution(value=lower, lower=lower, upper=upper, alpha=V, iterations=trials,
                         converged=upper - lower <= tol, method="hsvi2", seconds=time.perf_counter() - t0,
                         history=np.asarray(hist),
                         info={"stopped_by": stopped_by, "trials": trials, "backups": backups,
                               "n_upper_points": int(st.N), "rounding_allowance": delta,
                               "upper_points": readonly(st.pts[:st.N].copy()),
                               "upper_values": readonly(st.vals[:st.N].copy()),
                               "corners": readonly(st.corners.copy())})


def _hsvi_trial(st: _PointBounds, b0: np.ndarray, eps: float, gamma: float) -> list[np.ndarray]:
    """One HSVI forward walk (Smith & Simmons 2004, Alg. 1 "explore"): the beliefs visited, ``b0`` first."""
    path: list[np.ndarray] = []
    b = b0
    ub, lb = float(st.upper(b[None])[0]), float(st.lower(b[None])[0])
    t = 0
    while ub - lb > eps * gamma ** (-t) and t < HSVI2_MAX_DEPTH:
        path.append(b)
        q = st.upper_q(b)
        a = int(np.argmax(q))                                            # IE-MAX action
        p = st.prob[a]
        nxt = st.succ[a]
        l_next = st.lower(nxt)
        u_next = st.u_succ[a]
        excess = np.where(p > 0, p * (u_next - l_next - eps * gamma ** (-(t + 1))), -np.inf)
        o = int(np.argmax(excess))                                       # weighted excess uncertainty
        b = nxt[o].copy()
        ub, lb = float(u_next[o]), float(l_next[o])
        t += 1
    return path


# ================================================================================ policy graphs
@dataclass(frozen=True)
class PolicyGraph:
    """A finite-state controller: node ``k`` plays ``action[k]`` and moves to ``next[k, o]`` after ``o``;
    ``start`` is the node for ``b0``.  For a finite-horizon solution the nodes are ``(stage, index)``
    flattened stage by stage (``offsets[h]`` is the first node of stage ``h``; stage-0 nodes are
    terminal with ``next = -1``).  ``exact`` is False when an infinite-horizon graph had to map a
    continuation to the nearest vector of the final set (the value function was not finitely transient)."""

    action: np.ndarray
    next: np.ndarray
    start: int
    offsets: np.ndarray
    exact: bool


def policy_graph(solution: POMDPSolution, b0: np.ndarray) -> PolicyGraph:
    """Extract the controller behind a solution's alpha vectors (pomdp-solve's ``.pg`` format semantics)."""
    if solution.stages:
        stages = solution.stages
        sizes = np.array([len(V) for V in stages])
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        action = np.concatenate([V.action for V in stages])
        nxt = np.vstack([np.where(V.next >= 0, V.next + (offsets[h - 1] if h > 0 else 0), -1)
                         for h, V in enumerate(stages)])
        start = int(offsets[-1] + stages[-1].best(b0))
        return PolicyGraph(action=readonly(action), next=readonly(nxt), start=start, offsets=readonly(offsets), exact=True)
    V = solution.alpha
    prev = solution.info.get("previous")
    if prev is None:
        raise NotApplicableError("this solution kept no continuation pointers (point-based); no policy graph")
    # map each continuation vector of the previous set to the closest vector of the final set
    d = np.abs(prev.alpha[:, None, :] - V.alpha[None, :, :]).max(axis=2)
    m = np.argmin(d, axis=1)
    exact = bool(np.all(d[np.arange(len(prev)), m] <= 1e-6 * max(1.0, float(np.abs(V.alpha).max()))))
    return PolicyGraph(action=V.action, next=readonly(m[V.next]), start=V.best(b0), offsets=readonly(np.zeros(1, dtype=np.int64)),
                       exact=exact)


# ---------------------------------------------------------------------------------------- one-call summary
#: Budgets of :func:`solve_pomdp_summary`: exact value iteration gives up past this many alpha vectors or
#: seconds, then :func:`hsvi2` gets ``POINT_BASED_SECONDS`` (it replaced HSVI + Perseus, 30 s each: its 60 s gap
#: on hallway is 0.19 against their 0.40-0.46, docs/benchmarks/pomdp.md).
MAX_EXACT_ALPHA = 2000
MAX_EXACT_SECONDS = 60.0
POINT_BASED_SECONDS = 60.0
#: The only ``method`` the summary takes: it picks the planner itself (below).
POMDP_METHODS = ("auto",)


def solve_pomdp_summary(model: POMDP, *, method: str = "auto", discount_tol: float | None = None,
                        tol: float | None = None, max_seconds: float | None = None) -> dict:
    """Solve ``model`` at ``b0`` and return a plain dict (what ``mdplab solve FILE.POMDP`` prints).

    * finite horizon (``model.horizon = H``): the exact ``H``-step value by incremental pruning
      (discount ``model.gamma``).  Keys ``value, n_alpha, seconds, horizon, method``.
    * discounted: certified exact value iteration to ``discount_tol`` (default ``tol``, else 1e-6); if the
      alpha set grows past :data:`MAX_EXACT_ALPHA` or :data:`MAX_EXACT_SECONDS` pass, :func:`hsvi2`,
      intersecting the two valid intervals.  Keys ``value, lower, upper`` (``lower <= V*(b0) <= upper``),
      ``certified`` (``upper - lower <= tol``), ``tol, n_alpha, seconds, method, iterations``.

    ``method`` must be ``"auto"`` (:data:`POMDP_METHODS`): any other raises :class:`ModelError`.
    ``max_seconds`` (discounted only; default ``MAX_EXACT_SECONDS + POINT_BASED_SECONDS``): the whole time
    budget, at most half of it (and at most ``MAX_EXACT_SECONDS``) for exact VI, the rest for HSVI2.
    """
    if not isinstance(model, POMDP):
        raise ModelError(f"solve_pomdp_summary needs a POMDP; got {type(model).__name__}")
    if method not in POMDP_METHODS:
        raise ModelError(f"method={method!r} (--method) is not available for POMDPs: the POMDP planner chooses "
                         f"itself (exact value iteration, then HSVI2); use {' | '.join(POMDP_METHODS)}")
    t0 = time.perf_counter()
    if model.criterion == "finite":
        sol = finite_horizon_value_iteration(model)
        return {"value": sol.value, "n_alpha": sol.n_alpha, "seconds": time.perf_counter() - t0,
                "horizon": int(sol.iterations), "method": sol.method}
    eps = discount_tol if discount_tol is not None else (tol if tol is not None else 1e-6)
    if not (eps > 0 and np.isfinite(eps)):   # inf would certify any interval, even an unbounded one
        raise ModelError(f"discount_tol (--discount-tol) must be a finite number > 0; got {shown(eps)}")
    if max_seconds is not None and not (max_seconds > 0 and np.isfinite(max_seconds)):
        raise ModelError(f"max_seconds (--max-seconds) must be a finite number > 0; got {shown(max_seconds)}")
    total = MAX_EXACT_SECONDS + POINT_BASED_SECONDS if max_seconds is None else float(max_seconds)
    sol = discounted_value_iteration(model, tol=eps, max_alpha=MAX_EXACT_ALPHA,
                                     max_seconds=min(MAX_EXACT_SECONDS, total / 2))
    lower, upper = sol.lower, sol.upper
    if not sol.converged:
        # both intervals contain V*(b0), so their intersection does too
        pb = hsvi2(model, max_seconds=max(total - (time.perf_counter() - t0), 1e-3), tol=eps)
        if pb.lower > lower:
            sol = pb
        lower, upper = max(lower, pb.lower), min(upper, pb.upper)
    return {"value": lower, "lower": lower, "upper": upper, "certified": bool(upper - lower <= eps),
            "tol": eps, "n_alpha": sol.n_alpha, "seconds": time.perf_counter() - t0, "method": sol.method,
            "iterations": sol.iterations}
