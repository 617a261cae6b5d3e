"""Discounted-criterion solvers: value iteration, Gauss-Seidel VI, policy iteration, modified PI.

Model (Puterman 1994, ch. 6): ``v*(s) = max_a R[s, a] + gamma sum_s' P[s, a, s'] v*(s')``.

Stopping rule shared by every method here (see :mod:`mdplab.solvers._common`): with
``Delta = T v - v``, stop when ``gamma sp(Delta) / (1 - gamma)``, widened by a bound on the float64 rounding
of the backup, is at most ``tol``.  Then the greedy policy is ``tol``-optimal, ``0 <= v* - v^pi <= tol``, and
the returned values (the midpoint of the MacQueen-Porteus bounds) satisfy ``||values - v*||_inf <= tol / 2``.
A ``tol`` that the rounding puts out of reach (near ``gamma = 1``), or ``max_iter`` / ``budget`` running out,
gives ``converged=False`` and a :class:`mdplab.errors.CertificateWarning`; non-finite values (``R`` near the
float64 range) raise :class:`mdplab.errors.ModelError`.  The span rule needs far fewer
sweeps than the sup-norm rule ``||Delta|| < tol (1 - gamma) / (2 gamma)`` (Puterman Thm 6.3.1)
whenever the chain mixes, and is never worse.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import ModelError, NotApplicableError, shown
from ..models import MDP
from ..operators import bellman_backup, gauss_seidel_sweep, policy_backup, policy_matrix, q_values
from ..solution import Solution
from ._common import (WorkBudget, check_max_iter, check_tol, discounted_solution, floor_reason, initial_policy, initial_values,
                      macqueen, raise_overflow, require_discounted, rounding_profile, unconverged_solution, zero_backup)

#: Below this many states, policy evaluation is a direct solve; above it, iterative (GMRES).
DIRECT_SOLVE_MAX_STATES = 5000
#: Above that, sparse models still get the direct solve when the RCM profile of ``I - gamma P_pi`` is at most
#: this many times its stored entries (:func:`sparse_direct_is_cheap`; a 150 x 150 gridworld: about 40).
SPARSE_DIRECT_FILL = 200
#: Sparse models whose LU would fill in (random graphs) are evaluated by dense LU up to this many states
#: (SuperLU took 34 s per evaluation on a random graph with S = 5000 and 20 successors), GMRES above.
SPARSE_AS_DENSE_MAX_STATES = 2000
#: Gauss-Seidel VI tries the MacQueen certificate at least this often (in sweeps).
CERTIFY_EVERY = 8

#: Kept for callers of the former private helpers.
_discounted = require_discounted
_solution = discounted_solution


def _max_iter_reason(max_iter: int) -> str:
    return f"max_iter={max_iter} reached; pass max_iter= (larger)"


def value_iteration(model: MDP, tol: float = 1e-6, max_iter: int = 1_000_000, v0: np.ndarray | None = None,
                    budget: float | None = None) -> Solution:
    """Value iteration ``v_{k+1} = T v_k`` (Puterman 1994, Alg. 6.3.1) with the span stopping rule.

    Guarantee (tested): when ``converged``, the returned ``policy`` is ``tol``-optimal,
    ``0 <= v*(s) - v^pi(s) <= tol`` for all ``s``, and ``||values - v*||_inf <= tol / 2``
    (``error_bound`` holds the certified value, ``info["policy_gap"]`` the policy's), rounding included
    (:mod:`mdplab.solvers._common`).  When ``tol`` cannot be certified (``max_iter`` or ``budget`` ran out, or
    float64 rounding near ``gamma = 1`` puts ``tol`` out of reach) it returns ``converged=False`` with the
    bound it could certify and a :class:`mdplab.errors.CertificateWarning`.
    ``residuals[k] = ||T v_k - v_k||_inf``.
    """
    require_discounted(model, "value_iteration")
    tol = check_tol(tol)
    max_iter = check_max_iter(max_iter)
    work = WorkBudget(budget, "value_iteration")
    entries = rounding_profile(model).entries
    v = initial_values(model, v0)
    Tv, pi = np.empty_like(v), np.empty(model.n_states, dtype=np.int64)
    residuals: list[float] = []
    for k in range(1, max_iter + 1):
        if k == 1 and v0 is None:
            zero_backup(model, Tv, pi)
        else:
            bellman_backup(model, v, out=(Tv, pi))
            work.charge(entries)
        bounds = macqueen(model, v, Tv)
        residuals.append(bounds.residual)
        if bounds.certifies(tol):
            return discounted_solution(model, "vi", bounds.certificate(Tv, pi), k, residuals, True)
        if bounds.stuck(tol):
            return unconverged_solution(model, "vi", bounds.certificate(Tv, pi), k, residuals,
                                        floor_reason(model, tol, bounds), "value_iteration")
        if work.used > work.budget:
            return unconverged_solution(model, "vi", bounds.certificate(Tv, pi), k, residuals, work.message(k),
                                        "value_iteration")
        v, Tv = Tv, v
    Tv, pi = bellman_backup(model, v)
    return unconverged_solution(model, "vi", macqueen(model, v, Tv).certificate(Tv, pi), max_iter, residuals,
                                _max_iter_reason(max_iter), "value_iteration")


def gauss_seidel_value_iteration(model: MDP, tol: float = 1e-6, max_iter: int = 1_000_000,
                                 v0: np.ndarray | None = None, budget: float | None = None) -> Solution:
    """Gauss-Seidel value iteration (Puterman 1994, Sec. 6.3.3): in-place sweeps in state order.

    The sweep is a ``gamma``-contraction in sup norm, so ``||v_{k+1} - v_k|| <= tol (1 - gamma) / (2 gamma)``
    is the classical rule; here it only triggers a certification by one Jacobi backup (the MacQueen
    bounds of :mod:`._common`), and sweeps continue until the certificate meets ``tol``.  Same guarantee
    (and same ``converged=False`` cases) as :func:`value_iteration`.  ``residuals[k]`` = sup-norm change of
    sweep ``k``.

    Restarts (issue 15): the span certificate ignores an error that is constant across states, which is why
    Jacobi VI certifies fast on slowly mixing models (the error of ``T^k v`` becomes nearly constant).  An
    in-place sweep does not keep the error constant: a state updated late reads neighbours already updated, so
    the constant component ``c 1`` (shrunk only by ``gamma`` per sweep, as for Jacobi) is turned into a
    non-constant one that the span does see.  Measured on the 150 x 150 gridworld without goal (gamma 0.99): the
    span of ``T v - v`` after GS sweeps shrank at about ``gamma`` per sweep, 1216 sweeps against VI's 380; the
    reverse state order (the values flow toward the last state) needed 1472, so the order is not the cause.  The
    fix: every certification backup also moves ``v`` to the midpoint of the MacQueen bounds (valid for any
    ``v``, so the certificate is unchanged), which removes the constant component; 568 sweeps (plus 71
    certification backups) there.  Known limit: still more than VI's 380 on that instance.
    """
    require_discounted(model, "gauss_seidel_value_iteration")
    tol = check_tol(tol)
    max_iter = check_max_iter(max_iter)
    work = WorkBudget(budget, "gauss_seidel_value_iteration")
    entries = rounding_profile(model).entries
    gamma = model.gamma
    v = initial_values(model, v0)
    pi = np.empty(model.n_states, dtype=np.int64)
    residuals: list[float] = []
    threshold = tol * (1 - gamma) / (2 * gamma) if gamma > 0 else np.inf
    for k in range(1, max_iter + 1):
        change = gauss_seidel_sweep(model, v, pi)
        work.charge(entries)
        residuals.append(change)
        if not np.isfinite(change):
            raise_overflow(model, "a Gauss-Seidel sweep")
        # Certify (one Jacobi backup) when the classical rule fires, and every CERTIFY_EVERY sweeps: the
        # span-based certificate usually succeeds long before the sup-norm change is small.
        if change <= threshold or k % CERTIFY_EVERY == 0:
            Tv, greedy = bellman_backup(model, v)
            work.charge(entries)
            bounds = macqueen(model, v, Tv)
            if bounds.certifies(tol):
                return discounted_solution(model, "gs", bounds.certificate(Tv, greedy), k, residuals, True)
            if bounds.stuck(tol):
                return unconverged_solution(model, "gs", bounds.certificate(Tv, greedy), k, residuals,
                                            floor_reason(model, tol, bounds), "gauss_seidel_value_iteration")
            if change <= threshold:
                threshold *= 0.5
            # Restart the sweeps from the midpoint of the MacQueen bounds (docstring): removes the constant
            # error component that Gauss-Seidel sweeps only shrink at rate gamma.
            np.add(Tv, bounds.midpoint_shift, out=v)
        if work.used > work.budget:
            Tv, greedy = bellman_backup(model, v)
            return unconverged_solution(model, "gs", macqueen(model, v, Tv).certificate(Tv, greedy), k, residuals,
                                        work.message(k), "gauss_seidel_value_iteration")
    Tv, greedy = bellman_backup(model, v)
    return unconverged_solution(model, "gs", macqueen(model, v, Tv).certificate(Tv, greedy), max_iter, residuals,
                                _max_iter_reason(max_iter), "gauss_seidel_value_iteration")


def evaluate_policy(model: MDP, pi: np.ndarray, *, gamma: float | None = None, method: str = "auto",
                    tol: float = 1e-12, v0: np.ndarray | None = None) -> np.ndarray:
    """``v^pi = (I - gamma P_pi)^{-1} R_pi`` for a deterministic ``(S,)`` or stochastic ``(S, A)`` policy.

    ``method``: ``"direct"`` (LU: dense for dense models, sparse SuperLU otherwise,
    :func:`sparse_direct_solve`), ``"iterative"`` (GMRES to relative residual ``tol``), or ``"auto"``: direct up to
    ``DIRECT_SOLVE_MAX_STATES`` states for dense models; for sparse ones SuperLU when the LU stays sparse
    (:func:`sparse_direct_is_cheap`: grids, chains, queues), else dense LU up to ``SPARSE_AS_DENSE_MAX_STATES``
    states, else iterative.
    """
    if model.time_varying:
        raise NotApplicableError("evaluate_policy needs a stationary model")
    g = model.gamma if gamma is None else float(gamma)
    if g is None or not (0.0 <= g < 1.0):
        raise NotApplicableError(f"evaluate_policy needs 0 <= gamma < 1; got {shown(g)} (average reward: use average_reward_policy_iteration)")
    P_pi, R_pi = policy_matrix(model, pi)
    S = model.n_states
    dense = not sp.issparse(P_pi)
    if method == "auto":
        if dense:
            method = "direct" if S <= DIRECT_SOLVE_MAX_STATES else "iterative"
        elif sparse_direct_is_cheap(P_pi):
            method = "direct"
        elif S <= SPARSE_AS_DENSE_MAX_STATES:   # a random graph's LU fills in: dense LU of the small ones
            return np.linalg.solve(np.eye(S) - g * P_pi.toarray(), R_pi)
        else:
            method = "iterative"
    if method == "direct":
        if dense:
            return np.linalg.solve(np.eye(S) - g * P_pi, R_pi)
        return sparse_direct_solve(P_pi, R_pi, g)
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


def rcm_profile(P_pi: sp.csr_matrix) -> int:
    """Profile (sum over rows of the distance from the first nonzero to the diagonal) of ``I - gamma P_pi`` after
    the reverse Cuthill-McKee ordering of its symmetrised pattern.  LU without pivoting of a matrix in that
    order fills in only inside the (row and column) profile, so twice this bounds the factors' size (George &
    Liu 1981, Sec. 4.2); SuperLU pivots and orders by COLAMD, so it is an estimate, not a bound, there."""
    return int(rcm_row_lengths(P_pi).sum())


def rcm_row_lengths(P_pi: sp.csr_matrix) -> np.ndarray:
    """Per row, the distance from its first nonzero to the diagonal of ``I - gamma P_pi`` after the reverse
    Cuthill-McKee ordering of the symmetrised pattern (their sum is :func:`rcm_profile`)."""
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    S = P_pi.shape[0]
    pattern = (P_pi + P_pi.T + sp.identity(S, format="csr")).tocsr()
    perm = reverse_cuthill_mckee(pattern, symmetric_mode=True)
    inv = np.empty(S, dtype=np.int64)
    inv[perm] = np.arange(S)
    coo = pattern.tocoo()
    r, c = inv[coo.row], inv[coo.col]
    first = np.full(S, S, dtype=np.int64)
    np.minimum.at(first, r, c)
    first = np.minimum(first, np.arange(S))
    return np.arange(S) - first


def envelope_lu_flops(P_pi: sp.csr_matrix) -> float:
    """Multiplications of an envelope LU of ``I - gamma P_pi`` in the RCM order: about ``sum_i w_i^2`` for row
    widths ``w_i`` (:func:`rcm_row_lengths`; George & Liu 1981, Sec. 4.2): ``S`` for a chain, ``S n^2`` for an
    ``n x n`` grid, ``S^2`` once one state is reached from all."""
    w = rcm_row_lengths(P_pi).astype(np.float64)
    return float((w * w).sum() + P_pi.shape[0])


def sparse_direct_is_cheap(P_pi: sp.csr_matrix) -> bool:
    """``True`` when a sparse LU of ``I - gamma P_pi`` is expected to stay small: the RCM profile
    (:func:`rcm_profile`) at most ``SPARSE_DIRECT_FILL`` times the stored entries (local structure: grids,
    chains, queues); random graphs fill in almost completely and take the iterative path."""
    return rcm_profile(P_pi) <= SPARSE_DIRECT_FILL * max(P_pi.nnz, P_pi.shape[0])


def sparse_direct_solve(P_pi: sp.csr_matrix, R_pi: np.ndarray, gamma: float) -> np.ndarray:
    """``(I - gamma P_pi)^{-1} R_pi`` by SuperLU (``scipy.sparse.linalg.splu``) with diagonal pivots and a
    minimum-degree ordering of ``A^T + A``: ``I - gamma P_pi`` is strictly diagonally dominant by rows (``gamma <
    1``), so elimination without pivoting is stable, growth factor at most 2 (Higham 2002, Thm 9.9), and the
    symmetric ordering fills in less than COLAMD's (150 x 150 gridworld: 1.0e6 against 1.7e6 entries)."""
    S = P_pi.shape[0]
    M = (sp.identity(S, format="csr") - gamma * P_pi).tocsc()
    lu = spla.splu(M, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
    return lu.solve(np.asarray(R_pi, dtype=np.float64))


def _improve(q: np.ndarray, pi: np.ndarray, atol: float) -> np.ndarray:
    """Greedy improvement that keeps the current action unless another is better by more than ``atol``
    (Puterman 1994, Alg. 6.4.1 step 3: "setting d_{n+1} = d_n if possible") so PI terminates."""
    best = q.argmax(axis=1)
    keep = q[np.arange(q.shape[0]), pi] >= q[np.arange(q.shape[0]), best] - atol
    return np.where(keep, pi, best)


def policy_iteration(model: MDP, tol: float = 1e-6, max_iter: int = 10_000, pi0: np.ndarray | None = None,
                     evaluation: str = "auto") -> Solution:
    """Howard's policy iteration (Puterman 1994, Alg. 6.4.1): exact evaluation, greedy improvement.

    Evaluation: :func:`evaluate_policy` (direct solve up to ``DIRECT_SOLVE_MAX_STATES`` states and on larger
    sparse models with little LU fill, GMRES otherwise; the 150 x 150 gridworld went from GMRES, 5.7 s, to
    SuperLU, about 60 ms per evaluation).  Stops when the policy is stable; the final values are certified by one backup (same
    guarantee as :func:`value_iteration`; with exact evaluation the certified gap is the rounding floor).
    ``residuals[k] = ||T v^{pi_k} - v^{pi_k}||_inf``; ``info["values_history"]`` holds ``v^{pi_k}`` for each
    ``k`` (the monotonicity theorem is checked on it).
    """
    require_discounted(model, "policy_iteration")
    tol = check_tol(tol)
    max_iter = check_max_iter(max_iter)
    S = model.n_states
    pi = initial_policy(model) if pi0 is None else np.asarray(pi0, dtype=np.int64).copy()
    residuals: list[float] = []
    history: list[np.ndarray] = []
    v = None
    stable = False
    for k in range(1, max_iter + 1):
        v = evaluate_policy(model, pi, method=evaluation, v0=v)
        if not np.all(np.isfinite(v)):
            raise_overflow(model, "the policy evaluation")
        history.append(v)
        q = q_values(model, v)
        residuals.append(float(np.abs(q.max(axis=1) - v).max()))
        new_pi = _improve(q, pi, atol=1e-12 * max(1.0, float(np.abs(v).max())))
        if np.array_equal(new_pi, pi):
            stable = True
            break
        pi = new_pi
    Tv, greedy = bellman_backup(model, v)
    bounds = macqueen(model, v, Tv)
    cert = bounds.certificate(Tv, greedy)
    if bounds.certifies(tol):
        return discounted_solution(model, "pi", cert, k, residuals, True, values_history=np.array(history))
    reason = (floor_reason(model, tol, bounds) if bounds.floor > tol else
              _max_iter_reason(max_iter) if not stable else
              f"the stable policy's values certify only a gap of {bounds.gap:.3g} (evaluation inaccurate at this gamma)")
    return unconverged_solution(model, "pi", cert, k, residuals, reason, "policy_iteration",
                                values_history=np.array(history))


def modified_policy_iteration(model: MDP, tol: float = 1e-6, m: int | str = 20, max_iter: int = 1_000_000,
                              v0: np.ndarray | None = None, m_max: int = 100, budget: float | None = None) -> Solution:
    """Modified policy iteration (Puterman 1994, Alg. 6.5.1) with ``m`` evaluation sweeps per improvement.

    Each iteration: one greedy backup ``T v`` (improvement: ``pi`` greedy for ``v``), the stopping rule read on
    it, then ``m`` backups of ``T_pi`` from ``T v`` (partial evaluation, Eq. (6.5.2)).  ``m = 0`` is value
    iteration.  Stopping rule, guarantee and ``converged=False`` cases as in :func:`value_iteration`.
    ``residuals[k] = ||T v_k - v_k||_inf``; ``info["evaluation_sweeps"]`` counts the ``T_pi`` sweeps.

    ``m="adaptive"`` runs :func:`mdplab.solvers.adaptive.adaptive_modified_policy_iteration` (the default
    solver; ``m_max`` caps its sweeps per evaluation) and reports ``method="mpi-adaptive"``.
    """
    if isinstance(m, str) and m == "adaptive":
        from .adaptive import adaptive_modified_policy_iteration

        return adaptive_modified_policy_iteration(model, tol=tol, max_iter=max_iter, v0=v0, m_max=m_max, budget=budget)
    require_discounted(model, "modified_policy_iteration")
    if isinstance(m, (bool, str)) or not isinstance(m, (int, np.integer)) or m < 0:
        raise ModelError(f"m (evaluation sweeps per improvement) must be an integer >= 0 or 'adaptive'; got {shown(m)}")
    m = int(m)
    tol = check_tol(tol)
    max_iter = check_max_iter(max_iter)
    work = WorkBudget(budget, "modified_policy_iteration")
    entries = rounding_profile(model).entries
    v = initial_values(model, v0)
    Tv, pi = np.empty_like(v), np.empty(model.n_states, dtype=np.int64)
    w = np.empty_like(v)
    residuals: list[float] = []
    for k in range(1, max_iter + 1):
        if k == 1 and v0 is None:
            zero_backup(model, Tv, pi)
        else:
            bellman_backup(model, v, out=(Tv, pi))           # improvement: pi greedy for v, Tv = T_pi v
            work.charge(entries)
        bounds = macqueen(model, v, Tv)
        residuals.append(bounds.residual)
        sweeps = (k - 1) * m
        if bounds.certifies(tol):
            return discounted_solution(model, "mpi", bounds.certificate(Tv, pi), k, residuals, True,
                                       evaluation_sweeps=sweeps)
        if bounds.stuck(tol):
            return unconverged_solution(model, "mpi", bounds.certificate(Tv, pi), k, residuals,
                                        floor_reason(model, tol, bounds), "modified_policy_iteration",
                                        evaluation_sweeps=sweeps)
        if work.used > work.budget:
            return unconverged_solution(model, "mpi", bounds.certificate(Tv, pi), k, residuals, work.message(k),
                                        "modified_policy_iteration", evaluation_sweeps=sweeps)
        for _ in range(m):                                   # partial evaluation of pi, Eq. (6.5.2)
            policy_backup(model, pi, Tv, out=w)
            Tv, w = w, Tv
        work.charge(max(1, entries // model.n_actions), m)
        v, Tv = Tv, v
    Tv, pi = bellman_backup(model, v)
    return unconverged_solution(model, "mpi", macqueen(model, v, Tv).certificate(Tv, pi), max_iter, residuals,
                                _max_iter_reason(max_iter), "modified_policy_iteration",
                                evaluation_sweeps=max_iter * m)
