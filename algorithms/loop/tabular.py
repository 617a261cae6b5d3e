"""LOOP, tabular model-based instantiation: optimism over rectangular confidence sets, span clipping at a
known bound ``B``, low-switching updates.

He, Zhong, Yang (2024), "Sample-efficient Learning of Infinite-horizon Average-reward MDPs with General
Function Approximation", ICLR 2024, arXiv:2404.12648 (bibkey ``he2024loop``).  The paper's algorithm
(LOOP: local-fitted optimisation with optimism) works over a general hypothesis class and is not
computable as written (its optimistic step is a non-convex global optimisation over a confidence set);
the paper has no experiments and no code.  THIS MODULE IS OUR INSTANTIATION, not the paper's code: the
tabular model-based class with the paper's three ingredients made tractable (docs/theory/he2024loop.md,
Sec. "Tabular instantiation"):

1. Confidence set: the paper's model-based set sums one budget ``beta`` over all pairs (not rectangular);
   we use the rectangular superset of UCRL2 (Jaksch, Ortner, Auer 2010, bibkey ``jaksch2010``): per pair an
   L1 ball ``||p - p_hat||_1 <= d(s, a)`` and a reward interval, with UCRL2's radii scaled by
   ``sqrt(c_r / 14)`` (``c_r = 14``: UCRL2's constants exactly) and by ``radius_scale``.  A superset keeps
   optimism (if the truth is in the paper's set, it is in ours); the guarantee that then applies is
   UCRL2/SCAL-type, not the paper's AGEC theorem.  Optimistic rewards are clipped to 1 (hypotheses have
   rewards in [0, 1]).
2. Optimistic planning: ``argmax J_f`` over the set restricted to ``sp(V_f) <= B`` is computed by
   span-truncated extended value iteration (ScOpt of Fruit et al. 2018, bibkey ``fruit2018scal``:
   :func:`algorithms.evi.extended_value_iteration` with ``span_c = B``), aperiodicity ``tau = 1/2``,
   stopped at ``sp(u_{i+1} - u_i) < stop_scale / sqrt(t)``, warm-started from the previous value.  The
   planned value ``V_f = u`` has ``sp(u) <= B`` by construction (recorded at every update).
   The paper assumes ``sp(V*)`` (or a bound ``B >= sp(V*)``) known: ``B`` is required.  When
   ``B < sp(V*)`` the true model's value is outside the clipped class, optimism can fail (the planned gain
   falls below ``J*``) and the learner may settle on a suboptimal policy for ever: linear regret (on
   RiverSwim for ``B`` small enough that the truncated value of swimming right no longer beats the
   ``0.005`` at the left bank; see docs/loop.md for the measured ablation).
3. Low-switching update (``update_rule``): ``"doubling"`` (default): re-plan right after the step at which
   some pair's count since the last update reaches its count at the last update (at most
   ``S A (1 + log2 T)`` updates: the ``he2024loop.switches_doubling`` bound); ``"disc"``: the paper's lazy
   rule (Sec. 4, our reading): re-plan when the incumbent's discrepancy on the data exceeds
   ``c_sw * beta``, with the value-targeted discrepancy of the model-based class evaluated on the data
   since the last update (whose targets all carry the incumbent's value ``V_f``):
   ``Disc = sum_{(s,a)} n(s, a) (r_f(s, a) + p_f(s, a) . V_f - ybar(s, a))^2``, ``ybar`` the mean of
   ``r_i + V_f(s_{i+1})`` (the infimum over the tabular class fits every cell exactly), and
   ``beta = c_beta (B + 2)^2 (S^2 A log T + log(1/delta))`` (log covering number of the tabular model
   class times the squared range of the discrepancy; ``c_beta`` a parameter, theory default 1);
   ``"every_step"``: re-plan at every step (the broken variant: the switch bound must fail).

Exact evaluation (never Monte Carlo): gain regret ``sum_t (J* - J^{pi_t}(s_t))`` and pseudo-regret
``T J* - sum_t rbar(s_t, a_t)`` on the true model.  ``n_updates`` (extras) counts re-plans after the first
(the number of switches of the hypothesis ``f_t``, which the switch bounds count); ``run.n_switches``
counts changes of the played policy (<= ``n_updates``).  Per update the run records ``J_opt`` (the EVI
gain estimate, midpoint), ``J_opt_hi`` (upper end of its bracket), ``planned_span`` ``sp(V_f)`` and
``coverage`` (whether the true model lay in the confidence set: :func:`truth_in_set`, a diagnostic on the
true model that the learner never reads).

Deviations: rectangular L1 sets instead of the paper's joint set (a superset, see 1); the Disc rule uses
the data since the last update only (the paper's uses all data, whose older targets carry older values);
the value-based variant (policy enumeration with one convex program per policy) lives in
:mod:`algorithms.loop.value_based` (tiny instances only); SCAL's randomised policy at truncated states is
replaced by the greedy untruncated action (as in :mod:`algorithms.scal`).
"""
from __future__ import annotations

import math

import numpy as np

from mdplab.errors import BudgetExceededError, ModelError
from mdplab.interaction import continuing_uniforms
from mdplab.regret import LearnerRun, PolicyLog, gain_regret, optimal_gain, policy_gain, pseudo_regret, span

from .._average_runner import check_delta, check_run_arguments
from ..evi import extended_value_iteration
from ..ucrl2 import confidence_radii
from . import _kernels as _k

BIBKEYS = ("he2024loop", "jaksch2010", "fruit2018scal")

UPDATE_RULES = {"doubling": _k.DOUBLING, "every_step": _k.EVERY_STEP, "disc": _k.DISC}


def loop_beta(S: int, A: int, T: int, B: float, delta: float, c_beta: float = 1.0) -> float:
    """``beta = c_beta (B + 2)^2 (S^2 A log T + log(1/delta))``: the confidence width of the tabular
    model-based class (log covering number ``S^2 A log T``; ``|l| <= B + 2``).  Scale convention of
    docs/theory/he2024loop.md (the paper's placement of ``sp(V*)`` is ambiguous; ``c_beta`` is a parameter)."""
    return float(c_beta) * (float(B) + 2.0) ** 2 * (S * S * A * math.log(max(T, 2)) + math.log(1.0 / delta))


#: bytes per step a run holds (uniforms 16, state 8, mean reward 8, gain 8, two regret curves 16, margin)
BYTES_PER_STEP = 72


def check_steps_budget(T: int) -> None:
    """Refuse a run whose per-step arrays would exceed :func:`mdplab.io.memory_budget` (names ``T``)."""
    from mdplab.io import memory_budget

    need = int(T) * BYTES_PER_STEP
    if need > memory_budget():
        raise BudgetExceededError(f"T = {int(T)} steps need about {need / 2 ** 30:.3g} GiB of per-step arrays, above the "
                                  "memory budget; lower T (--steps) or raise MDPLAB_MAX_BYTES")


def check_span_bound(B) -> float:
    if B is None:
        raise ModelError("LOOP needs the span bound B >= sp(V*) (the paper assumes it known; e.g. --param B=10)")
    if isinstance(B, bool) or not (np.isfinite(B) and B >= 0):
        raise ModelError(f"B (span bound) must be a finite number >= 0; got {B!r}")
    return float(B)


def optimistic_plan(N: np.ndarray, N_next: np.ndarray, reward_sums: np.ndarray, t: int, rng: np.random.Generator, *,
                    B: float | None, delta: float, c_r: float, radius_scale: float, stop_scale: float, tau: float,
                    tie_break: str, max_iter: int, u0: np.ndarray | None = None):
    """LOOP's optimistic step on the rectangular tabular set at 1-based time ``t``: returns
    ``(EVIResult, r_tilde (S, A))``.  ``B=None`` disables the span clipping (the unclipped planner)."""
    n = np.maximum(1, N)
    p_hat = N_next / n[:, :, None]
    r_hat = reward_sums / n
    d_p, d_r = confidence_radii(N, t, delta, "jaksch", radius_scale * math.sqrt(c_r / 14.0))
    r_tilde = np.minimum(1.0, r_hat + d_r)
    res = extended_value_iteration(p_hat, r_tilde, kind="l1", radius=d_p, eps=stop_scale / math.sqrt(t), rng=rng,
                                   tie_break=tie_break, span_c=B, tau=tau, max_iter=max_iter, u0=u0)
    return res, r_tilde


def truth_in_set(N: np.ndarray, N_next: np.ndarray, reward_sums: np.ndarray, t: int, P: np.ndarray, R: np.ndarray, *,
                 delta: float, c_r: float, radius_scale: float) -> bool:
    """Whether the TRUE model ``(P, R)`` lies in the rectangular confidence set at 1-based time ``t``
    (every visited pair: ``||p_hat - P||_1 <= d_p`` and ``|r_hat - R| <= d_r``; unvisited pairs are
    unconstrained).  A diagnostic evaluated on the true model (the coverage check); the learner never
    calls it."""
    n = np.maximum(1, N)
    d_p, d_r = confidence_radii(N, t, delta, "jaksch", radius_scale * math.sqrt(c_r / 14.0))
    seen = N > 0
    l1 = np.abs(N_next / n[:, :, None] - P).sum(axis=2)
    return bool(np.all((l1 <= d_p + 1e-12) | ~seen) and np.all((np.abs(reward_sums / n - R) <= d_r + 1e-12) | ~seen))


def run_loop(P: np.ndarray, R: np.ndarray, s0: int, T: int, seed: int, B: float | None = None, delta: float = 0.05, *,
             c_r: float = 14.0, radius_scale: float = 1.0, update_rule: str = "doubling", c_sw: float = 4.0,
             c_beta: float = 1.0, tau: float = 0.5, stop_scale: float = 1.0, tie_break: str = "random",
             span_clip: bool = True, max_iter: int = 1_000_000, reward: str = "mean") -> LearnerRun:
    """Run tabular LOOP (module docstring) for ``T`` steps from ``s0`` on ``P (S, A, S)``, ``R (S, A)``
    (mean rewards in [0, 1]) with span bound ``B`` (required).  ``span_clip=False`` plans without the
    clipping (a broken variant for the span invariant); ``radius_scale=0`` removes the optimism bonus
    (broken variant)."""
    model = check_run_arguments(P, R, s0, T, seed, "immediate")
    check_steps_budget(T)
    delta = check_delta(delta)
    B = check_span_bound(B)
    if update_rule not in UPDATE_RULES:
        raise ModelError(f"update_rule must be one of {sorted(UPDATE_RULES)}; got {update_rule!r}")
    for name, x in (("c_r", c_r), ("radius_scale", radius_scale), ("c_sw", c_sw), ("c_beta", c_beta)):
        if isinstance(x, bool) or not (np.isfinite(x) and x >= 0):
            raise ModelError(f"{name} must be a finite number >= 0; got {x!r}")
    if not (stop_scale > 0 and np.isfinite(stop_scale)):
        raise ModelError(f"stop_scale must be positive and finite; got {stop_scale!r}")
    if reward not in ("mean", "bernoulli"):
        raise ModelError(f"reward must be 'mean' or 'bernoulli'; got {reward!r}")
    params = dict(B=B, delta=delta, c_r=c_r, radius_scale=radius_scale, update_rule=update_rule, c_sw=c_sw,
                  c_beta=c_beta, tau=tau, stop_scale=stop_scale, tie_break=tie_break, span_clip=span_clip,
                  max_iter=max_iter, reward=reward)
    S, A = model.n_states, model.n_actions
    T, s = int(T), int(s0)
    rng = np.random.default_rng(int(seed))
    u_all = continuing_uniforms(rng, T)
    J_star = optimal_gain(model.P, model.R).gain
    beta = loop_beta(S, A, T, B, delta, c_beta)
    threshold = c_sw * beta
    rule = UPDATE_RULES[update_rule]
    N = np.zeros((S, A), dtype=np.int64)
    N_next = np.zeros((S, A, S), dtype=np.int64)
    rsum = np.zeros((S, A))
    states = np.empty(T, dtype=np.int64)
    rbar = np.empty(T)
    gains = np.empty(T)
    seg_next = np.zeros((S, A, S), dtype=np.int64)
    seg_vis = np.zeros((S, A), dtype=np.int64)
    seg_r = np.zeros((S, A))
    seg_y = np.zeros((S, A))
    m_pred = np.zeros((S, A))
    log = PolicyLog(np.int8 if A <= 127 else np.int64)
    gain_cache: dict[bytes, np.ndarray] = {}
    upd_t, j_opt, j_hi, spans, covered = [], [], [], [], []
    tie_count = n_plans = 0
    u_prev = None
    t = 0
    while t < T:
        res, r_tilde = optimistic_plan(N, N_next, rsum, t + 1, rng, B=B if span_clip else None, delta=delta, c_r=c_r,
                                       radius_scale=radius_scale, stop_scale=stop_scale, tau=tau,
                                       tie_break=tie_break, max_iter=max_iter, u0=u_prev)
        pi = np.ascontiguousarray(res.policy, dtype=np.int64)
        u_prev = res.bias
        n_plans += 1
        tie_count += res.n_ties
        log.record(t, pi)
        upd_t.append(t)
        j_opt.append(res.gain)
        j_hi.append(res.gain_hi)
        spans.append(span(res.bias))
        covered.append(truth_in_set(N, N_next, rsum, t + 1, model.P, model.R, delta=delta, c_r=c_r,
                                    radius_scale=radius_scale))
        v_tag = np.ascontiguousarray(res.bias)
        m_pred[:] = 0.0
        m_pred[np.arange(S), pi] = r_tilde[np.arange(S), pi] + res.transitions @ v_tag   # r_f + p_f . V_f
        for arr in (seg_next, seg_vis, seg_r, seg_y):
            arr[...] = 0
        steps, s, _ = _k.tabular_segment(model.P, model.R, s, pi, u_all, t, T - t, reward == "bernoulli", rule, N,
                                         m_pred, v_tag, threshold, states, rbar, seg_next, seg_vis, seg_r, seg_y)
        steps, s = int(steps), int(s)
        key = pi.tobytes()
        g = gain_cache.get(key)
        if g is None:
            g = gain_cache[key] = policy_gain(model.P, model.R, pi)[0]
        gains[t:t + steps] = g[states[t:t + steps]]
        N += seg_vis
        N_next += seg_next
        rsum += seg_r
        t += steps
    policies, starts = log.arrays()
    greg = gain_regret(J_star, gains)
    extras = {"J_star": J_star, "n_updates": n_plans - 1, "update_times": np.asarray(upd_t, dtype=np.int64),
              "J_opt": np.asarray(j_opt), "J_opt_hi": np.asarray(j_hi), "planned_span": np.asarray(spans),
              "coverage": np.asarray(covered), "beta": beta, "final_counts": N.copy()}
    return LearnerRun(learner="loop", setting="average", seed=int(seed), regret=greg, policies=policies,
                      policy_start=starts, tie_count=tie_count, n_plans=n_plans, params=params, gain_regret=greg,
                      pseudo_regret=pseudo_regret(J_star, rbar), extras=extras)


__all__ = ["run_loop", "optimistic_plan", "loop_beta", "UPDATE_RULES", "check_span_bound", "check_steps_budget",
           "truth_in_set"]
