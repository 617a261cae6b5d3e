"""The horizon-free, variance-dependent learner for latent MDPs with context in hindsight (reconstruction).

R. Zhou, R. Wang, S. S. Du, *Horizon-Free and Variance-Dependent Reinforcement Learning for Latent Markov
Decision Processes*, ICML 2023, arXiv:2210.11604 (version not recorded).  Bibkey ``zhou2023lmdp``.
Notes, provenance and our derivations: ``docs/theory/zhou2023lmdp.md``.

**Provenance.**  The paper's pseudo-code and constants could not be read.  What is from the paper: the setting
(shared S, A, H; M contexts with weights, initial laws, kernels and deterministic rewards; total reward <= 1;
context revealed after each episode), the model-based framework with a value-optimistic and a
model-optimistic solver, the truncation of alpha vectors at 1, the quantity Gamma and the rate
``~O(sqrt(Var* M Gamma S A K))``.  Everything else is a **reconstruction in the style of MVP** (Zhang, Ji, Du
2021, ``zhang2021mvp``): doubling (trigger) updates per ``(m, s, a)``, the bonus form, the log term, the
constants.  Constants are parameters with defaults; tests check scaling laws only.

Implements (each re-plan builds a :class:`~algorithms.lmdp_hf.planner.HistoryPlan`):

* counts per revealed context: ``N[m, s, a]``, ``N[m, s, a, s']``; the frozen statistics of ``(m, s, a)``
  (``n``, ``Phat_m(.|s, a)``, ``Rhat_m(s, a)``) refresh when ``N[m, s, a]`` reaches a power of two; re-plan only
  after a refresh (at most ``M S A ceil(log2(K H))`` refreshing episodes);
* ``iota = 2 ln(2 M S A H K / delta)`` (the paper's log term, as recorded in our notes);
* value-optimistic solver: ``alphabar_m = min{1, Rhat + Phat^T v + b(n, v)}`` with
  ``b(n, v) = bonus_scale * max{c1 sqrt(Gamma V(Phat, v) iota / n), c2 Gamma iota / n}``, monotone in
  ``v in [0, 1]^S`` when ``c2 >= bonus_scale * c1^2`` (checked; proof in the notes); optimisation over all
  history-dependent policies of ``sum_m w_m sum_s nu_m(s) alphabar_m`` (Pareto sets, planner module);
* model-optimistic solver (``solver="model_opt"``): ``alphabar_m = min{1, Rhat + max_{p in C_m(s, a)} p^T v}`` with
  the empirical-Bernstein box ``|p(s') - Phat(s')| <= bonus_scale (sqrt(2 Phat(1 - Phat) iota / n) + c3 iota / n)``
  on the observed support plus one unseen slot of mass <= bonus_scale c3 iota / n valued at 1, the maximiser
  chosen per history node (the extended-VI relaxation: an upper bound
  on the joint maximum over one shared kernel);
* ``known_init=True``: ``w``, ``nu`` known; ``False``: ``what = C / k`` and ``nuhat_m = N0[m] / C[m]`` from the
  revealed contexts (uniform before any data), with a re-plan when a context count doubles.

Deviations: Gamma is an input (default ``S``, an upper bound); the off-plan rule of the planner (an
observation the frozen model rules out) is ours; ties broken uniformly at random (learner stream).

Broken switches for the invariant checks: ``truncate=False`` (no ``min{1, .}``: alpha vectors leave [0, 1]),
``trigger="every"`` (refresh at every visit: re-plans every episode), ``bonus_scale=0`` (no optimism).

Variants: ``bonus="hoeffding"`` (broken: the variance in the bonus is replaced by its worst case 1/4; loses
horizon-freeness, the H-flatness check must FAIL for it) and ``policy_class="markov"`` (**misspecified**: one
action per ``(h, s)`` chosen for the prior-weighted optimistic values; Markov policies are suboptimal in LMDPs).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from mdplab.errors import ModelError, check_seed
from mdplab.lmdp import LatentMDP, check_total_reward, lmdp_value_iteration
from mdplab.regret import LearnerRun

from .._episodic import check_choice, check_delta, check_positive, check_positive_int, streams
from ._kernels import add_episode
from .compiled import compile_plan, compiled_value, simulate_until_trigger
from .planner import SOLVER_CODES, BackupConstants, HistoryPlanner, plan_value

BIBKEY = "zhou2023lmdp"
#: MVP's monotonicity-lemma constants as remembered (reconstruction, docs/theory/zhou2023lmdp.md): c2 = c1^2
C1 = 20.0 / 3.0
C2 = 400.0 / 9.0
#: model-optimistic box: the 1/n term's constant (reconstruction)
C3 = 1.0
SOLVERS = ("value_opt", "model_opt")
BONUSES = ("bernstein", "hoeffding")
POLICY_CLASSES = ("history", "markov")
#: "compiled": numba episodes from the plan's table; "protocol": :class:`LatentEpisodes` step by step (same numbers)
SIMULATE = ("compiled", "protocol")
#: episodes' uniforms are drawn in blocks of this many episodes (the stream does not depend on it)
UNIFORM_BLOCK = 4096
#: "doubling": refresh (m, s, a) when its count reaches a power of two; "every": at every visit (broken variant)
TRIGGERS = ("doubling", "every")


class ContextLeakError(ModelError):
    """A policy tried to read the episode's context before the episode ended."""


class LatentEpisodes:
    """The interaction protocol (docs/theory/zhou2023lmdp.md, Setting): ``reset() -> s_1``; ``step(a) -> (r, s')``; the context
    is drawn at ``reset`` and :meth:`reveal` (or :attr:`context`) raises :class:`ContextLeakError` until ``H``
    steps were played.  Randomness: ``H + 2`` uniforms per episode from the environment generator."""

    def __init__(self, lmdp: LatentMDP, rng: np.random.Generator) -> None:
        self._lmdp, self._rng = lmdp, rng
        self._cw = np.cumsum(lmdp.weights)
        self._cnu = np.cumsum(lmdp.nu, axis=1)
        self._cP = np.cumsum(lmdp.P, axis=3)
        self._m = -1
        self._s = -1
        self._t = 0
        self._u = np.empty(0)

    @staticmethod
    def _draw(cdf: np.ndarray, u: float) -> int:
        return min(int(np.searchsorted(cdf, u * cdf[-1], side="right")), cdf.shape[0] - 1)

    def reset(self) -> int:
        H = self._lmdp.horizon
        self._u = self._rng.random(H + 2)
        self._m = self._draw(self._cw, self._u[0])
        self._s = self._draw(self._cnu[self._m], self._u[1])
        self._t = 0
        return self._s

    def step(self, a: int) -> tuple[float, int]:
        L = self._lmdp
        if self._t >= L.horizon or self._m < 0:
            raise ModelError("step() outside an episode: call reset() first")
        m, s = self._m, self._s
        r = float(L.R[m, s, a])
        self._s = self._draw(self._cP[m, s, a], self._u[2 + self._t])
        self._t += 1
        return r, self._s

    def reveal(self) -> int:
        """The context, after the episode only (context in hindsight)."""
        if self._t < self._lmdp.horizon:
            raise ContextLeakError(f"the context was requested at step {self._t} of {self._lmdp.horizon}: it is "
                                   f"revealed only after the episode")
        return self._m

    @property
    def context(self) -> int:
        return self.reveal()


def confidence_log(M: int, S: int, A: int, H: int, K: int, delta: float) -> float:
    """``iota = 2 ln(2 M S A H K / delta)`` (zhou2023lmdp, as recorded in our notes; contains ln H)."""
    return 2.0 * math.log(2.0 * M * S * A * H * K / delta)


def check_monotone(c1: float, c2: float, bonus_scale: float) -> None:
    """The value-optimistic backup ``v -> Phat^T v + b(n, v)`` is non-decreasing on ``[0, 1]^S`` when
    ``c2 >= bonus_scale * c1^2`` (docs/theory/zhou2023lmdp.md, our derivation); refuse otherwise."""
    if c2 < bonus_scale * c1 * c1 * (1 - 1e-12):
        raise ModelError(f"c2={c2:g} < bonus_scale * c1^2 = {bonus_scale * c1 * c1:g}: the Bernstein bonus would not be "
                         f"monotone in the continuation values (raise c2 or lower c1 / bonus_scale)")


def play_episode(episodes: LatentEpisodes, plan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One episode of ``plan`` through the protocol: the plan sees ``s_1`` and each ``(r, s')`` only."""
    H = episodes._lmdp.horizon
    states = np.empty(H + 1, dtype=np.int64)
    actions = np.empty(H, dtype=np.int64)
    rewards = np.empty(H)
    s = episodes.reset()
    node = plan.start(s)
    states[0] = s
    for h in range(H):
        a = plan.action(node)
        r, s = episodes.step(a)
        actions[h], rewards[h], states[h + 1] = a, r, s
        if h + 1 < H:
            node = plan.next(node, r, s)
    return states, actions, rewards


def run_lmdp_hf(lmdp: LatentMDP, K: int, seed: int, *, delta: float = 0.05, solver: str = "value_opt",
                bonus: str = "bernstein", policy_class: str = "history", c1: float = C1, c2: float = C2,
                c3: float = C3, bonus_scale: float = 1.0, gamma: float | None = None, iota: float | None = None,
                known_init: bool = True, max_vectors: int = 100_000, v_star: float | None = None,
                simulate: str = "compiled", truncate: bool = True, trigger: str = "doubling") -> LearnerRun:
    """Run the learner for ``K`` episodes on ``lmdp`` (total reward <= 1 per context, checked).  Returns a
    :class:`mdplab.regret.LearnerRun` with ``setting="lmdp"``: ``policies`` holds the plans (objects),
    ``regret`` the exact cumulative pseudo-regret ``sum_k (V* - V^{pi_k})`` with ``V*`` from
    :func:`mdplab.lmdp.lmdp_value_iteration` (or ``v_star`` when given) and ``V^{pi_k}`` by policy-graph
    evaluation on the true model; ``extras``: ``optimistic_values``, ``plan_values``, ``v_star``,
    ``alpha_min``, ``alpha_max`` (per plan), ``refreezes``."""
    if not isinstance(lmdp, LatentMDP):
        raise ModelError(f"run_lmdp_hf needs a mdplab.lmdp.LatentMDP; got {type(lmdp).__name__}")
    check_total_reward(lmdp)
    K, seed = check_positive_int("K (episodes)", K), check_seed(seed)
    delta = check_delta(delta)
    check_choice("solver", solver, SOLVERS)
    check_choice("bonus", bonus, BONUSES)
    check_choice("policy_class", policy_class, POLICY_CLASSES)
    check_choice("simulate", simulate, SIMULATE)
    check_choice("trigger", trigger, TRIGGERS)
    if not isinstance(truncate, (bool, np.bool_)):
        raise ModelError(f"truncate must be true or false; got {truncate!r}")
    if bonus == "hoeffding" and solver != "value_opt":
        raise ModelError("bonus='hoeffding' is a variant of the value-optimistic solver (solver='value_opt')")
    c1, c2, c3, bonus_scale = (check_positive(n, v, allow_zero=True) for n, v in
                               (("c1", c1), ("c2", c2), ("c3", c3), ("bonus_scale", bonus_scale)))
    if solver == "value_opt" and bonus == "bernstein":
        check_monotone(c1, c2, bonus_scale)
    if not isinstance(known_init, (bool, np.bool_)):
        raise ModelError(f"known_init must be true or false; got {known_init!r}")
    M, S, A, H = lmdp.n_contexts, lmdp.n_states, lmdp.n_actions, lmdp.horizon
    gamma = float(S) if gamma is None else check_positive("gamma (transition degree bound)", gamma)
    iota = confidence_log(M, S, A, H, K, delta) if iota is None else check_positive("iota", iota)
    code = SOLVER_CODES["hoeffding" if bonus == "hoeffding" else solver]
    consts = BackupConstants(code, iota, gamma, c1, c2, c3, bonus_scale, 1.0 if truncate else math.inf)
    env_rng, learner_rng = streams(seed)
    N = np.zeros((M, S, A), dtype=np.int64)
    N_next = np.zeros((M, S, A, S), dtype=np.int64)
    n_f = np.zeros((M, S, A), dtype=np.int64)
    P_f, R_f = np.zeros((M, S, A, S)), np.zeros((M, S, A))
    ctx_count = np.zeros(M, dtype=np.int64)
    N0 = np.zeros((M, S), dtype=np.int64)
    w_hat, nu_hat = np.asarray(lmdp.weights), np.asarray(lmdp.nu)
    if not known_init:
        w_hat, nu_hat = np.full(M, 1.0 / M), np.full((M, S), 1.0 / S)
    plans, starts, opt_values, values = [], [], [], []
    ties = refreezes = 0

    def new_plan(k: int):
        nonlocal ties
        planner = HistoryPlanner(n_f, P_f, R_f, w_hat, nu_hat, H, consts, learner_rng,
                                 rewards_observed=lmdp.rewards_observed, markov=policy_class == "markov",
                                 max_vectors=max_vectors)
        plan = planner.plan()
        ties += planner.ties
        plans.append(plan)
        starts.append(k)
        opt_values.append(plan.optimistic_value)
        return plan

    def refresh_init() -> None:                   # estimated w, nu (known_init=False), at context-count doublings
        nonlocal w_hat, nu_hat
        w_hat = ctx_count / ctx_count.sum()
        nu_hat = np.where(ctx_count[:, None] > 0, N0 / np.maximum(ctx_count, 1)[:, None], 1.0 / S)

    if simulate == "protocol":                    # the plain protocol: the plan sees observations only
        episodes = LatentEpisodes(lmdp, env_rng)
        changed = True
        for k in range(K):
            if changed:
                plan = new_plan(k)
            states, actions, rewards = play_episode(episodes, plan)
            m = episodes.reveal()
            n_ref = add_episode(m, states, actions, rewards, N, N_next, n_f, P_f, R_f, trigger == "every")
            refreezes += n_ref
            changed = n_ref > 0
            ctx_count[m] += 1
            N0[m, states[0]] += 1
            c = ctx_count[m]
            if not known_init and c & (c - 1) == 0:
                refresh_init()
                changed = True
        values = [plan_value(lmdp, p) for p in plans]
    else:                                         # the same episodes from the plan's table (numba)
        cw, cnu, cP = np.cumsum(lmdp.weights), np.cumsum(lmdp.nu, axis=1), np.cumsum(lmdp.P, axis=3)
        Rt = np.ascontiguousarray(lmdp.R)
        states, actions, rewards = np.empty(H + 1, dtype=np.int64), np.empty(H, dtype=np.int64), np.empty(H)
        U, u0, k = np.empty((0, H + 2)), 0, 0
        while k < K:
            plan = new_plan(k)
            cp = compile_plan(plan, lmdp)
            values.append(compiled_value(cp, lmdp))
            while True:
                if u0 >= U.shape[0]:
                    U, u0 = env_rng.random((min(UNIFORM_BLOCK, K - k), H + 2)), 0
                played, n_ref, doubled = simulate_until_trigger(
                    U, u0, cw, cnu, cP, Rt, cp.start_code, cp.act, cp.nxt, cp.pis, not known_init,
                    N, N_next, n_f, P_f, R_f, ctx_count, N0, states, actions, rewards, trigger == "every")
                u0 += played
                k += played
                refreezes += n_ref
                if doubled:
                    refresh_init()
                if n_ref > 0 or doubled or k >= K:
                    break
    alpha_lo, alpha_hi = zip(*(p.alpha_range() for p in plans))   # after the lazily built off-plan nodes
    v_star = lmdp_value_iteration(lmdp).value if v_star is None else float(v_star)
    values = np.asarray(values, dtype=float)
    starts_arr = np.asarray(starts, dtype=np.int64)
    idx = np.searchsorted(starts_arr, np.arange(K), side="right") - 1
    gaps = v_star - values[idx]
    pols = np.empty(len(plans), dtype=object)
    pols[:] = plans
    params = dict(delta=delta, solver=solver, bonus=bonus, policy_class=policy_class, c1=c1, c2=c2, c3=c3,
                  bonus_scale=bonus_scale, gamma=gamma, iota=iota, known_init=bool(known_init), H=H, K=K, M=M,
                  truncate=bool(truncate), trigger=trigger)
    extras = dict(optimistic_values=np.asarray(opt_values), plan_values=values, v_star=v_star,
                  alpha_min=np.asarray(alpha_lo), alpha_max=np.asarray(alpha_hi), refreezes=refreezes)
    return LearnerRun(learner="lmdp-hf", setting="lmdp", seed=seed, regret=np.cumsum(gaps), policies=pols,
                      policy_start=starts_arr, tie_count=int(ties), n_plans=len(plans), params=params, gaps=gaps,
                      extras=extras)
