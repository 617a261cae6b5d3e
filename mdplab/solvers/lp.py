"""Linear-programming solution of the discounted criterion through cvxpy (Puterman 1994, Sec. 6.9).

Primal (Eq. 6.9.1):  minimise  sum_s mu0(s) v(s)
                     s.t.      v(s) - gamma sum_s' P[s, a, s'] v(s') >= R[s, a]   for all (s, a).
Dual (Eq. 6.9.2):    maximise  sum_{s,a} R[s, a] x(s, a)
                     s.t.      sum_a x(s', a) - gamma sum_{s,a} P[s, a, s'] x(s, a) = mu0(s'),  x >= 0;
``x`` is the discounted occupancy measure of an optimal policy started from ``mu0`` (uniform by
default); a deterministic optimal policy is read off as ``argmax_a x(s, a)`` where ``x(s, .) > 0``.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import ModelError
from ..models import MDP
from ..solution import Solution
from ..operators import q_values
from ._common import certify, check_finite_values, check_tol, not_certified
from .discounted import _discounted, evaluate_policy


def _lp_solver() -> str:
    import cvxpy as cp

    installed = cp.installed_solvers()
    for name in ("HIGHS", "CLARABEL", "ECOS", "SCS"):
        if name in installed:
            return name
    raise ModelError(f"no LP solver available to cvxpy (installed: {installed})")


def linear_programming(model: MDP, tol: float = 1e-6, initial_distribution: np.ndarray | None = None) -> Solution:
    """Solve the primal/dual LP pair above.  Returns the certified greedy policy w.r.t. the LP values
    (same guarantee as :func:`mdplab.solvers.value_iteration`: the greedy policy is evaluated exactly
    and certified by one backup) and, in ``info``,
    ``occupancy`` (``(S, A)`` dual solution) and ``lp_values`` (raw primal ``v``)."""
    import cvxpy as cp

    _discounted(model, "linear_programming")
    tol = check_tol(tol)
    S, A = model.shape
    mu0 = np.full(S, 1.0 / S) if initial_distribution is None else np.asarray(initial_distribution, float)
    if mu0.shape != (S,) or (mu0 <= 0).any() or abs(mu0.sum() - 1) > 1e-9:
        raise ModelError("initial_distribution must be a strictly positive probability vector of length S")
    E = sp.csr_matrix((np.ones(S * A), (np.arange(S * A), np.repeat(np.arange(S), A))), shape=(S * A, S))
    M = (E - model.gamma * model.transitions_csr()).tocsr()
    rows = np.flatnonzero(np.isfinite(model.R.ravel()))   # infeasible pairs (R = -inf) impose no constraint
    v = cp.Variable(S)
    constraint = M[rows] @ v >= model.R.ravel()[rows]
    problem = cp.Problem(cp.Minimize(mu0 @ v), [constraint])
    solver = _lp_solver()
    opts = {"output_flag": False} if solver == "HIGHS" else {}
    problem.solve(solver=solver, verbose=False, **opts)
    if problem.status not in ("optimal", "optimal_inaccurate") or v.value is None:
        raise ModelError(f"LP solver finished with status {problem.status!r}")
    lp_values = np.asarray(v.value, dtype=np.float64)
    occupancy = np.zeros(S * A)
    occupancy[rows] = np.maximum(np.asarray(constraint.dual_value, dtype=np.float64), 0.0)
    occupancy = occupancy.reshape(S, A)
    # Crossover: interior/simplex values carry the LP solver's tolerance (~1e-7), so evaluate the greedy
    # policy exactly and certify that; the LP's own values stay in info["lp_values"].
    greedy = certify(model, lp_values).policy
    cert = certify(model, evaluate_policy(model, greedy))
    check_finite_values(model, cert.values, "the LP values")
    if cert.value_error > 0.5 * tol:
        not_certified("linear_programming", f"the LP's greedy policy is certified only to a policy gap of "
                      f"{cert.policy_gap:.3g} (value error {cert.value_error:.3g}) > tol={tol:g}; at gamma near 1 the "
                      "float64 rounding alone may exceed tol: pass a larger tol")
    return Solution(values=cert.values, q=q_values(model, cert.values), policy=cert.policy, iterations=1,
                    residuals=np.array([cert.residual]), converged=cert.value_error <= 0.5 * tol, method="lp",
                    error_bound=cert.value_error,
                    info={"policy_gap": cert.policy_gap, "occupancy": occupancy, "lp_values": lp_values,
                          "lp_objective": float(problem.value)})
