"""LOOP for linear-mixture average-reward MDPs (our instantiation) and the UCRL2-VTR-style baseline.

He, Zhong, Yang (2024), ICLR 2024, arXiv:2404.12648 (bibkey ``he2024loop``): the model-based LOOP with
value-targeted discrepancies specialises, on a linear mixture class, to value-targeted regression (the
"local fitting" uses the value of the hypothesis in force when a sample was collected); the baseline is
UCRL2-VTR of Wu, Zhou, Gu (2022), AISTATS 2022, arXiv:2102.07301 (bibkey ``wu2022vtr``), here with the
Hoeffding-type width (their Bernstein-type bonus is not implemented).  THIS IS OUR INSTANTIATION: the
paper ships no code and states no linear-mixture pseudocode we could read (docs/theory/he2024loop.md).

Model: ``P_theta(s' | s, a) = <Phi[s, a, s', :], theta>`` (``Phi (S, A, S, d)`` known, ``theta`` unknown);
rewards ``R (S, A)`` known (as in the linear-mixture literature).  For a value ``V``,
``phi_V(s, a) = sum_s' Phi[s, a, s', :] V(s')`` and ``(P_theta V)(s, a) = <phi_V(s, a), theta>``.

* Value-targeted regression: sample ``i`` gives ``x_i = phi_{V_i}(s_i, a_i)``, ``y_i = V_i(s_{i+1})`` with
  ``V_i`` the planned value in force at step ``i``; ``Lambda_t = lam I + sum_{i<t} x_i x_i^T``,
  ``theta_hat = Lambda_t^{-1} sum_{i<t} x_i y_i``.
* Ellipsoid: ``||theta - theta_hat||_{Lambda_t} <= sqrt(beta_t)``,
  ``sqrt(beta_t) = sqrt(c_beta) [ (B + 1) sqrt(d log((1 + t L^2 / lam) / delta)) + sqrt(lam) W ]``
  (self-normalised concentration; ``W >= ||theta*||``, ``L`` bounds ``||x||``; ``c_beta = 1`` the theory
  value, a parameter).
* Planning (``planner``): ``"exact"`` (default when the feasible parameters form an affine set of
  dimension <= 2, e.g. ``d <= 3`` mixtures of kernels): a grid over the ellipsoid intersected with the
  affine set ``{theta : every row of Phi theta sums to 1}`` (a regular grid over the intersection of the
  ellipse's bounding box with that of the valid parameters, by linear programming), keeping grid points
  whose ``P_theta`` is a valid kernel; each point's gain ``J(theta)`` and value are computed by batched
  relative value iteration to ``sp(T h - h) < 1e-10`` (:func:`batched_relative_vi`),
  points with ``sp(V_theta) > B`` are dropped (the class constraint), and the best gain wins: LOOP's
  optimistic step up to grid error (``n_grid`` points per axis).  ``"bonus"``: the relaxation (UCRL2-VTR):
  extended value iteration ``u(s) <- max_a [R + min(max u, <phi_u, theta_hat> + sqrt(beta) ||phi_u||_{Lambda^{-1}})]``
  with span truncation at ``B`` (``B=None``: none, the UCRL2-VTR baseline), ``tau = 1/2``, stopped at
  ``sp(u_{i+1} - u_i) < stop_scale / sqrt(t)``; every pair may pick its own ``theta`` in the ellipsoid, a
  superset, so optimism is kept.
* Updates (``update_rule``): ``"det"`` (default): re-plan right after the step at which
  ``det Lambda > 2 det Lambda_tau`` (at most ``d log2(1 + T L^2 / (lam d))`` updates:
  ``he2024loop.switches_det``); ``"every_step"`` (broken variant).

Deviations: rewards known; the Hoeffding width above (the Bernstein bonus of UCRL2-VTR is not
implemented); the exact planner is a grid (say ``n_grid``), exact only up to the grid; a point whose
``P_theta`` is not weakly communicating is skipped; when no grid point is feasible the ellipsoid's
projected centre is used (recorded as ``fallbacks``).
"""
from __future__ import annotations

import math

import numpy as np

from mdplab.errors import ConvergenceError, ModelError
from mdplab.interaction import continuing_model, continuing_uniforms
from mdplab.linear_mixture import linear_mixture_mdp, value_features
from mdplab.regret import LearnerRun, PolicyLog, gain_regret, optimal_gain, policy_gain, pseudo_regret, span

from .._average_runner import check_delta
from . import _kernels as _k
from .tabular import check_span_bound, check_steps_budget

BIBKEYS = ("he2024loop", "wu2022vtr")

PLANNERS = ("auto", "exact", "bonus")
LM_UPDATE_RULES = {"det": _k.DET, "every_step": _k.EVERY_STEP}


def affine_parameter_set(Phi: np.ndarray, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """``(theta0 (d,), N (d, k))``: the parameters whose rows ``Phi[s, a] @ theta`` all sum to 1 are
    ``theta0 + N z`` (``N`` an orthonormal basis of the null space of the row-sum map)."""
    S, A, _, d = Phi.shape
    M = Phi.sum(axis=2).reshape(S * A, d)
    theta0, *_ = np.linalg.lstsq(M, np.ones(S * A), rcond=None)
    if np.abs(M @ theta0 - 1.0).max() > 1e-8:
        raise ModelError("no parameter makes every row of Phi @ theta sum to 1 (check Phi)")
    _, sv, Vt = np.linalg.svd(M)
    rank = int(np.sum(sv > tol * max(1.0, sv.max())))
    return theta0, np.ascontiguousarray(Vt[rank:].T)


def confidence_width(t: int, d: int, B: float, lam: float, L: float, W: float, delta: float, c_beta: float) -> float:
    """``sqrt(beta_t)`` of the value-targeted ellipsoid (module docstring)."""
    return math.sqrt(c_beta) * ((B + 1.0) * math.sqrt(d * math.log((1.0 + t * L * L / lam) / delta)) + math.sqrt(lam) * W)


def valid_box(Phi: np.ndarray, theta0: np.ndarray, N: np.ndarray) -> np.ndarray:
    """``(k, 2)`` bounding box, in the coordinates ``z`` of ``theta = theta0 + N z``, of the parameters whose
    kernel ``Phi @ theta`` is non-negative (one linear program per side; ``scipy.optimize.linprog``)."""
    from scipy.optimize import linprog

    S, A, _, d = Phi.shape
    k = N.shape[1]
    G = -(Phi.reshape(-1, d) @ N)                 # -(Phi N) z <= Phi theta0  <=>  Phi (theta0 + N z) >= 0
    h = Phi.reshape(-1, d) @ theta0
    box = np.zeros((k, 2))
    for j in range(k):
        for side, sign in ((0, 1.0), (1, -1.0)):
            c = np.zeros(k)
            c[j] = sign
            res = linprog(c, A_ub=G, b_ub=h, bounds=[(None, None)] * k, method="highs")
            if res.status == 3:                       # unbounded along this axis: the ellipse bounds the grid
                box[j, side] = -np.inf if side == 0 else np.inf
            elif res.status != 0:
                raise ModelError("no parameter gives a valid (non-negative) kernel Phi @ theta; check Phi")
            else:
                box[j, side] = res.x[j]
    return box


def ellipsoid_grid(theta_hat: np.ndarray, Lam: np.ndarray, width: float, theta0: np.ndarray, N: np.ndarray,
                   n_grid: int, box: np.ndarray | None = None) -> np.ndarray:
    """Grid points ``(n, d)`` of ``{theta0 + N z} intersected with ||theta - theta_hat||_Lam <= width`` (and with
    the box ``box (k, 2)`` of valid parameters, when given): a regular grid of ``n_grid`` points per axis
    over the intersection of the ellipse's and the valid parameters' bounding boxes; the projected centre
    first (alone when the intersection is empty or ``N`` has no columns)."""
    c = theta0 - theta_hat
    if N.shape[1] == 0:
        return theta0[None, :]
    G = N.T @ Lam @ N
    g = N.T @ Lam @ c
    z_c = -np.linalg.solve(G, g)
    resid = float(c @ Lam @ c - g @ np.linalg.solve(G, g))
    r2 = width * width - resid
    centre = theta0 + N @ z_c
    if r2 <= 0:
        return centre[None, :]
    k = N.shape[1]
    half = np.sqrt(r2 * np.diag(np.linalg.inv(G)))     # the ellipse's bounding box in z
    lo, hi = z_c - half, z_c + half
    if box is not None:
        lo, hi = np.maximum(lo, box[:, 0]), np.minimum(hi, box[:, 1])
        if np.any(lo > hi):
            return centre[None, :]
    axes = [np.linspace(lo[j], hi[j], n_grid) for j in range(k)]
    Z = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, k)
    dz = Z - z_c
    Z = Z[np.einsum("ni,ij,nj->n", dz, G, dz) <= r2 * (1 + 1e-12)]
    return np.vstack([centre[None, :], theta0[None, :] + Z @ N.T])


def batched_relative_vi(P: np.ndarray, R: np.ndarray, tol: float = 1e-10, max_iter: int = 20_000,
                        tau: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Relative value iteration on ``n`` models at once (``P (n, S, A, S)``, ``R (S, A)``) with the
    aperiodicity transform ``h <- (1 - tau) h + tau T h`` (Puterman 1994, Sec. 8.5.5): returns
    ``(gain (n,), h (n, S) with min 0, q (n, S, A), converged (n,))``; a model is converged when
    ``sp(T h - h) < tol`` (then its gain is within ``tol`` of the constant optimal gain)."""
    n, S, A, _ = P.shape
    h = np.zeros((n, S))
    gain = np.zeros(n)
    done = np.zeros(n, dtype=bool)
    q = np.empty((n, S, A))
    for _ in range(int(max_iter)):
        q = R[None] + np.einsum("nsat,nt->nsa", P, h)
        w = q.max(axis=2)
        diff = w - h
        lo, hi = diff.min(axis=1), diff.max(axis=1)
        gain = 0.5 * (lo + hi)
        done = hi - lo < tol
        if done.all():
            break
        h = h + tau * diff
        h -= h.min(axis=1, keepdims=True)
    return gain, h, q, done


def exact_plan(Phi: np.ndarray, R: np.ndarray, grid: np.ndarray, B: float | None, rng: np.random.Generator):
    """LOOP's optimistic step over the grid: ``(pi, J, V, theta, n_feasible)`` of the valid point with the
    largest gain (relative value iteration to ``1e-10``, batched) among those with ``sp(V_theta) <= B``; ties
    among points and among greedy actions are broken uniformly at random with ``rng``; ``None`` when no
    point qualifies (invalid kernel, unconverged, or span above ``B``)."""
    from mdplab.tiebreak import greedy_policy

    P = np.einsum("sati,ni->nsat", Phi, grid)
    ok = (P.min(axis=(1, 2, 3)) >= -1e-12) & (np.abs(P.sum(axis=3) - 1.0).max(axis=(1, 2)) <= 1e-9)
    if not ok.any():
        return None
    idx = np.flatnonzero(ok)
    P = np.clip(P[idx], 0.0, None)
    gain, h, q, conv = batched_relative_vi(P, R)
    spans = h.max(axis=1) - h.min(axis=1)
    keep = conv & ((spans <= B + 1e-9) if B is not None else True)
    if not keep.any():
        return None
    cand = np.flatnonzero(keep)
    g = gain[cand]
    top = cand[g >= g.max() - 1e-9]
    j = int(top[int(rng.random() * top.size)])
    pi, _ = greedy_policy(q[j], rng, tol=1e-9)
    return pi.astype(np.int64), float(gain[j]), h[j].copy(), grid[idx[j]], int(keep.sum())


def bonus_plan(Phi: np.ndarray, R: np.ndarray, theta_hat: np.ndarray, Lam_inv: np.ndarray, width: float,
               B: float | None, eps: float, tau: float, rng: np.random.Generator, u0: np.ndarray | None,
               max_iter: int, bonus_scale: float = 1.0):
    """Extended value iteration with the ellipsoid bonus (module docstring): ``(pi, gain, gain_hi, u)``."""
    S, A = R.shape
    u = np.zeros(S) if u0 is None else np.array(u0, dtype=float)
    tie_u = rng.random(S)
    for _ in range(int(max_iter)):
        f = value_features(Phi, u)                                   # (S, A, d)
        mean = f @ theta_hat
        bonus = bonus_scale * width * np.sqrt(np.maximum(0.0, np.einsum("sai,ij,saj->sa", f, Lam_inv, f)))
        q = R + np.clip(mean + bonus, u.min(), u.max())              # an expectation lies in [min u, max u]
        w = q.max(axis=1)
        if B is not None:
            w = np.minimum(w, w.min() + B)                           # span truncation at B
        diff = tau * (w - u)
        u_new = u + diff
        u_new -= u_new.min()
        dlo, dhi = float(diff.min()), float(diff.max())
        u = u_new
        if dhi - dlo < tau * eps:
            top = np.isclose(q, q.max(axis=1, keepdims=True), rtol=0, atol=1e-12)
            pi = np.array([np.flatnonzero(top[s])[int(tie_u[s] * top[s].sum())] for s in range(S)], dtype=np.int64)
            return pi, 0.5 * (dlo + dhi) / tau, dhi / tau, u
    raise ConvergenceError(f"bonus planner: no convergence within max_iter={max_iter} sweeps; raise max_iter")


def run_loop_lm(Phi: np.ndarray, theta: np.ndarray, R: np.ndarray, s0: int, T: int, seed: int, B: float | None = None,
                delta: float = 0.05, *, planner: str = "auto", update_rule: str = "det", lam: float = 1.0,
                W: float = 2.0, c_beta: float = 1.0, n_grid: int = 15, tau: float = 0.5, stop_scale: float = 1.0,
                bonus_scale: float = 1.0, span_clip: bool = True, max_iter: int = 100_000, reward: str = "mean",
                name: str = "loop-lm") -> LearnerRun:
    """Run linear-mixture LOOP (module docstring) for ``T`` steps from ``s0`` on the model ``Phi @ theta``
    (``theta`` is the TRUE parameter: used to simulate and to evaluate regret, never by the learner).
    ``B`` is required unless ``span_clip=False`` (the UCRL2-VTR baseline)."""
    model_lm = linear_mixture_mdp(Phi, theta, R)
    P = np.clip(model_lm.P, 0.0, None)
    P /= P.sum(axis=2, keepdims=True)
    model = continuing_model(P, model_lm.R)
    Phi = np.ascontiguousarray(model_lm.Phi)
    R = np.ascontiguousarray(model.R)
    S, A, _, d = Phi.shape
    delta = check_delta(delta)
    B_plan = check_span_bound(B) if span_clip else None
    B_val = B_plan if B_plan is not None else (float(B) if B is not None else None)
    if planner not in PLANNERS:
        raise ModelError(f"planner must be one of {PLANNERS}; got {planner!r}")
    if update_rule not in LM_UPDATE_RULES:
        raise ModelError(f"update_rule must be one of {sorted(LM_UPDATE_RULES)}; got {update_rule!r}")
    for nm, x in (("lam", lam), ("W", W), ("c_beta", c_beta), ("bonus_scale", bonus_scale)):
        if isinstance(x, bool) or not (np.isfinite(x) and x >= 0):
            raise ModelError(f"{nm} must be a finite number >= 0; got {x!r}")
    if lam <= 0:
        raise ModelError(f"lam (ridge) must be > 0; got {lam!r}")
    if isinstance(T, bool) or int(T) != T or T < 1:
        raise ModelError(f"T (number of steps) must be an integer >= 1; got {T!r}")
    check_steps_budget(T)
    if not (0 <= int(s0) < S):
        raise ModelError(f"s0 = {s0!r} is not a state in 0..{S - 1}")
    if not (0.0 < tau <= 1.0):
        raise ModelError(f"tau (aperiodicity) must be in (0, 1]; got {tau!r}")
    if isinstance(n_grid, bool) or int(n_grid) != n_grid or n_grid < 2:
        raise ModelError(f"n_grid must be an integer >= 2; got {n_grid!r}")
    if reward not in ("mean", "bernoulli"):
        raise ModelError(f"reward must be 'mean' or 'bernoulli'; got {reward!r}")
    theta0, N = affine_parameter_set(Phi)
    if planner == "auto":
        planner = "exact" if N.shape[1] <= 2 else "bonus"
    if planner == "exact" and N.shape[1] > 2:
        raise ModelError(f"planner='exact' grids the feasible parameters, here of dimension {N.shape[1]} > 2; "
                         "use planner='bonus' (the relaxation)")
    if planner == "exact" and B_plan is None:
        raise ModelError("planner='exact' needs the span bound B (the class constraint)")
    box = valid_box(Phi, theta0, N) if planner == "exact" and N.shape[1] else None
    params = dict(B=B_val, delta=delta, planner=planner, update_rule=update_rule, lam=lam, W=W, c_beta=c_beta,
                  n_grid=n_grid, tau=tau, stop_scale=stop_scale, bonus_scale=bonus_scale, span_clip=span_clip)
    # L bounds ||phi_V(s, a)|| for every V with 0 <= V <= B (the clipped class); unclipped (UCRL2-VTR): the
    # largest feature norm seen so far is used instead
    L = float(np.sqrt((np.abs(Phi).sum(axis=2) ** 2).sum(axis=2)).max()) * B_plan if B_plan is not None else 0.0
    T, s = int(T), int(s0)
    rng = np.random.default_rng(int(seed))
    u_all = continuing_uniforms(rng, T)
    J_star = optimal_gain(model.P, model.R).gain
    Lam = lam * np.eye(d)
    Lam_inv = np.eye(d) / lam
    bvec = np.zeros(d)
    states = np.empty(T, dtype=np.int64)
    nexts = np.empty(T, dtype=np.int64)
    rbar = np.empty(T)
    robs = np.empty(T)
    gains = np.empty(T)
    log = PolicyLog(np.int8 if A <= 127 else np.int64)
    gain_cache: dict[bytes, np.ndarray] = {}
    upd_t, j_opt, j_hi, spans, widths = [], [], [], [], []
    fallbacks = n_plans = 0
    max_x = 0.0
    u_prev = None
    rule = LM_UPDATE_RULES[update_rule]
    t = 0
    while t < T:
        theta_hat = Lam_inv @ bvec
        width = confidence_width(t + 1, d, B_val if B_val is not None else 1.0, lam, max(L, max_x, 1e-12), W, delta,
                                 c_beta)
        if planner == "exact":
            grid = ellipsoid_grid(theta_hat, Lam, width, theta0, N, n_grid, box)
            best = exact_plan(Phi, R, grid, B_plan, rng)
            if best is None:
                fallbacks += 1
                pi, g_opt, V = _fallback(Phi, R, grid[0], B_plan, rng, tau, max_iter)
                g_hi = g_opt
            else:
                pi, g_opt, V, _, _ = best
                g_hi = g_opt
        else:
            pi, g_opt, g_hi, V = bonus_plan(Phi, R, theta_hat, Lam_inv, width, B_plan, stop_scale / math.sqrt(t + 1),
                                            tau, rng, u_prev, max_iter, bonus_scale)
        u_prev = V
        pi = np.ascontiguousarray(pi, dtype=np.int64)
        n_plans += 1
        log.record(t, pi)
        upd_t.append(t)
        j_opt.append(g_opt)
        j_hi.append(g_hi)
        spans.append(span(V))
        widths.append(width)
        phi_v = np.ascontiguousarray(value_features(Phi, V))        # (S, A, d): x for every pair under V
        gain_ld = np.zeros(1)
        Li = Lam_inv.copy()
        steps, s = _k.lm_segment(model.P, model.R, s, pi, u_all, t, T - t, reward == "bernoulli", rule, phi_v, Li,
                                 math.log(2.0), states, rbar, nexts, robs, gain_ld)
        steps, s = int(steps), int(s)
        X = phi_v[states[t:t + steps], pi[states[t:t + steps]]]      # (steps, d)
        y = V[nexts[t:t + steps]]
        Lam += X.T @ X                                               # Lambda_t = lam I + sum x x^T
        bvec += X.T @ y
        Lam_inv = np.linalg.inv(Lam)
        if steps:
            max_x = max(max_x, float(np.sqrt((X ** 2).sum(axis=1)).max()))
        key = pi.tobytes()
        g = gain_cache.get(key)
        if g is None:
            g = gain_cache[key] = policy_gain(model.P, model.R, pi)[0]
        gains[t:t + steps] = g[states[t:t + steps]]
        t += steps
    policies, starts = log.arrays()
    greg = gain_regret(J_star, gains)
    extras = {"J_star": J_star, "n_updates": n_plans - 1, "update_times": np.asarray(upd_t, dtype=np.int64),
              "J_opt": np.asarray(j_opt), "J_opt_hi": np.asarray(j_hi), "planned_span": np.asarray(spans),
              "widths": np.asarray(widths), "theta_hat": Lam_inv @ bvec, "max_feature_norm": max_x, "lam": lam,
              "fallbacks": fallbacks, "planner": planner}
    return LearnerRun(learner=name, setting="average", seed=int(seed), regret=greg, policies=policies,
                      policy_start=starts, tie_count=0, n_plans=n_plans, params=params, gain_regret=greg,
                      pseudo_regret=pseudo_regret(J_star, rbar), extras=extras)


def _fallback(Phi, R, theta_c, B, rng, tau, max_iter):
    """No feasible grid point: plan on the projected centre (clipped to a valid kernel) by span-truncated VI."""
    P = np.clip(Phi @ theta_c, 0.0, None)
    P /= np.maximum(P.sum(axis=2, keepdims=True), 1e-300)
    Phi_c = P[..., None]
    pi, g, _, u = bonus_plan(Phi_c, R, np.ones(1), np.zeros((1, 1)), 0.0, B, 1e-6, tau, rng, None, max_iter)
    return pi, g, u


def run_ucrl2_vtr(Phi: np.ndarray, theta: np.ndarray, R: np.ndarray, s0: int, T: int, seed: int, delta: float = 0.05,
                  **kw) -> LearnerRun:
    """UCRL2-VTR-style baseline (Wu, Zhou, Gu 2022; Hoeffding width): the bonus planner WITHOUT span
    truncation, determinant doubling.  Keyword arguments as :func:`run_loop_lm` (``B`` only sizes the
    width; default 1)."""
    kw.setdefault("B", 1.0)
    return run_loop_lm(Phi, theta, R, s0, T, seed, delta=delta, planner="bonus", span_clip=False, name="ucrl2-vtr", **kw)




def _model_arrays(P, Phi, theta, name: str) -> tuple[np.ndarray, np.ndarray]:
    if Phi is None or theta is None:
        raise ModelError(f"{name} needs a linear-mixture model: a .npz file with Phi (S, A, S, d) and theta (d,)")
    Phi = np.asarray(Phi, dtype=float)
    theta = np.asarray(theta, dtype=float)
    if Phi.ndim != 4 or Phi.shape[:3] != np.shape(P) or not np.allclose(Phi @ theta, P, atol=1e-9):
        raise ModelError(f"{name}: the transition tensor P does not equal Phi @ theta")
    return Phi, theta


def run_loop_lm_model(P: np.ndarray, R: np.ndarray, s0: int, T: int, seed: int, *, Phi=None, theta=None,
                      **kw) -> LearnerRun:
    """The registry's ``"average"`` signature for :func:`run_loop_lm` (``Phi``, ``theta`` by keyword; ``P`` must
    equal ``Phi @ theta``)."""
    Phi, theta = _model_arrays(P, Phi, theta, "loop-lm")
    return run_loop_lm(Phi, theta, R, s0, T, seed, **kw)


def run_ucrl2_vtr_model(P: np.ndarray, R: np.ndarray, s0: int, T: int, seed: int, *, Phi=None, theta=None,
                        **kw) -> LearnerRun:
    """The registry's ``"average"`` signature for :func:`run_ucrl2_vtr`."""
    Phi, theta = _model_arrays(P, Phi, theta, "ucrl2-vtr")
    return run_ucrl2_vtr(Phi, theta, R, s0, T, seed, **kw)


__all__ = ["run_loop_lm", "run_ucrl2_vtr", "affine_parameter_set", "confidence_width", "ellipsoid_grid", "valid_box",
           "exact_plan", "batched_relative_vi", "bonus_plan", "PLANNERS", "LM_UPDATE_RULES", "run_loop_lm_model", "run_ucrl2_vtr_model"]
