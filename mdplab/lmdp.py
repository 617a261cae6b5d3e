"""Latent MDPs (LMDPs): a mixture of MDPs on shared states and actions, context hidden during the episode.

Model (Kwon, Efroni, Caramanis & Mannor 2021, *RL for latent MDPs*, NeurIPS; notation of
Zhou, Wang & Du 2023, ``zhou2023lmdp``): contexts ``m = 0..M-1`` with mixing weights ``w[m] > 0``,
initial distributions ``nu[m, s]``, transitions ``P[m, s, a, s']`` and deterministic rewards ``R[m, s, a]``;
horizon ``H``.  Each episode nature draws ``m ~ w`` and keeps it hidden; ``s_1 ~ nu[m]``; for ``h = 1..H``
the agent sees ``s_h`` (and, with ``rewards_observed=True``, the reward ``R[m, s_h, a_h]``, which can
leak the context), and the context is revealed after the episode.

Exact planning (:func:`lmdp_value_iteration`, horizon_free.md §A2.4 option 1): for each stage ``h`` and
state ``s`` a set of alpha vectors over contexts, ``alpha[k, m]`` = expected remaining return of conditional
plan ``k`` in context ``m``.  After ``a`` at ``s`` the observation is ``(c, s')`` with ``c`` the reward class
of ``(s, a)`` (contexts with equal ``R[m, s, a]``), and

    alpha(m) = R[m, s, a] + sum_{s'} P[m, s, a, s'] alpha'_{(c(m), s')}(m),   alpha'_{(c, s')} in V_{h+1}(s'),

a cross-sum over observations pruned exactly as for POMDPs (incremental pruning, HiGHS LPs over the
belief simplex of contexts).  ``V* = sum_s max_k sum_m w[m] nu[m, s] alpha_k(m)`` over ``V_1(s)``.
:func:`lmdp_to_pomdp` builds the equivalent POMDP (hidden state ``(m, s, last reward class)``, observation
``(s, reward class)``; without observed rewards the class is constant and the observation is ``s``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import BudgetExceededError, ModelError, NotApplicableError, check_seed, shown
from .arrays import readonly
from .models import ROW_TOL, MDP, _as_float_array, _check_finite, validate_dense_transitions, validate_horizon
from .pomdp import POMDP, validate_belief
from .pomdp_planning import _cross_sum, prune, PRUNE_TOL


class LatentMDP:
    """``LatentMDP(P (M, S, A, S), R (M, S, A), weights (M,), nu (M, S), horizon=H, rewards_observed=True)``,
    validated once (each ``P[m]`` like :class:`mdplab.MDP`'s ``P``), immutable afterwards."""

    __slots__ = ("n_contexts", "n_states", "n_actions", "horizon", "P", "R", "weights", "nu", "rewards_observed",
                 "_frozen")

    def __init__(self, P: Any, R: Any, weights: Any, nu: Any, *, horizon: int, rewards_observed: bool = True,
                 row_tol: float = ROW_TOL) -> None:
        Parr = _as_float_array("P", P)
        if Parr.ndim != 4:
            raise ModelError(f"P must have shape (M, S, A, S); got {Parr.shape}")
        M = Parr.shape[0]
        if M < 1:
            raise ModelError("a latent MDP needs at least one context")
        Pv = np.stack([validate_dense_transitions(Parr[m], name=f"P[m={m}]", row_tol=row_tol) for m in range(M)])
        S, A = Pv.shape[1], Pv.shape[2]
        Rarr = _as_float_array("R", R)
        if Rarr.shape != (M, S, A):
            raise ModelError(f"R must have shape (M, S, A) = {(M, S, A)}; got {Rarr.shape}")
        _check_finite("R", Rarr)
        w = _as_float_array("weights", weights)
        if w.shape != (M,):
            raise ModelError(f"weights must have shape (M,) = ({M},); got {w.shape}")
        _check_finite("weights", w)
        if (w <= 0).any():
            raise ModelError(f"weights must be > 0 (horizon_free.md §A1); weights[{int(np.flatnonzero(w <= 0)[0])}] = "
                             f"{float(w[w <= 0][0])!r}")
        if abs(w.sum() - 1.0) > row_tol:
            raise ModelError(f"weights sum to {float(w.sum())!r}, not 1")
        nu_arr = _as_float_array("nu", nu)
        if nu_arr.shape != (M, S):
            raise ModelError(f"nu must have shape (M, S) = {(M, S)}; got {nu_arr.shape}")
        nu_v = np.stack([validate_belief(nu_arr[m], S, name=f"nu[m={m}]", row_tol=row_tol) for m in range(M)])
        validate_horizon(horizon)
        self.n_contexts, self.n_states, self.n_actions = int(M), int(S), int(A)
        self.horizon = int(horizon)
        self.P, self.R = readonly(Pv), readonly(Rarr.copy())
        self.weights, self.nu = readonly(w / w.sum()), readonly(nu_v)
        self.rewards_observed = bool(rewards_observed)
        self._frozen = True

    def __setattr__(self, name: str, value: Any) -> None:
        if getattr(self, "_frozen", False):
            raise AttributeError(f"LatentMDP is immutable; cannot set {name!r}")
        object.__setattr__(self, name, value)

    def context_mdp(self, m: int) -> MDP:
        """Context ``m`` as a finite-horizon :class:`mdplab.MDP` (its initial distribution is ``nu[m]``)."""
        return MDP(self.P[m], self.R[m], horizon=self.horizon)

    def reward_classes(self) -> np.ndarray:
        """``cls[s, a, m]``: index of ``R[m, s, a]`` among the distinct values at ``(s, a)`` (all 0 when rewards
        are not observed); contexts in one class cannot be told apart by that step's reward."""
        M, S, A = self.n_contexts, self.n_states, self.n_actions
        cls = np.zeros((S, A, M), dtype=np.int64)
        if self.rewards_observed:
            for s in range(S):
                for a in range(A):
                    _, inv = np.unique(self.R[:, s, a], return_inverse=True)
                    cls[s, a] = inv
        return cls

    def __repr__(self) -> str:
        return (f"LatentMDP(M={self.n_contexts}, S={self.n_states}, A={self.n_actions}, H={self.horizon}, "
                f"rewards_observed={self.rewards_observed})")


# ================================================================================ environment
class LatentMDPEnv:
    """Seeded episodic environment: ``reset() -> s_1``; ``step(a) -> (s', r, done, info)``; the context is
    drawn at ``reset`` and revealed only in the ``info`` of the last step (``info["context"]``)."""

    def __init__(self, lmdp: LatentMDP, seed: int) -> None:
        self.lmdp = lmdp
        self.rng = np.random.default_rng(check_seed(seed))
        self.context: int | None = None
        self.state: int | None = None
        self.t = 0

    def reset(self) -> int:
        L = self.lmdp
        self.context = int(self.rng.choice(L.n_contexts, p=L.weights))
        self.state = int(self.rng.choice(L.n_states, p=L.nu[self.context]))
        self.t = 0
        return self.state

    def step(self, a: int) -> tuple[int, float, bool, dict]:
        L = self.lmdp
        if self.state is None or self.t >= L.horizon:
            raise ModelError("call reset() before step() (the episode is over or not started)")
        if not 0 <= int(a) < L.n_actions:
            raise ModelError(f"action {shown(a)} is outside 0..{L.n_actions - 1}")
        m, s = self.context, self.state
        r = float(L.R[m, s, a])
        self.state = int(self.rng.choice(L.n_states, p=L.P[m, s, a]))
        self.t += 1
        done = self.t >= L.horizon
        return self.state, r, done, ({"context": m} if done else {})


# ================================================================================ exact planning
@dataclass(frozen=True)
class ContextAlphaSet:
    """Alpha vectors over contexts at one ``(h, s)``: ``alpha (K, M)``, ``action (K,)``, ``next (K, C, S)`` the
    index in ``V_{h+1}(s')`` of the continuation after reward class ``c`` and next state ``s'`` (``-1`` when
    unreachable or at the last stage), ``second (K, M)`` the second moments ``E[G^2 | m, plan]``."""

    alpha: np.ndarray
    action: np.ndarray
    next: np.ndarray
    second: np.ndarray


@dataclass(frozen=True)
class LMDPSolution:
    """``value = V*``; ``stages[h][s]`` is the :class:`ContextAlphaSet` of stage ``h`` (``h = 0`` is the first step,
    ``stages[H]`` the terminal zero sets); ``start[s]`` the plan index chosen at ``s_1 = s``."""

    value: float
    stages: tuple
    start: np.ndarray

    @property
    def n_alpha(self) -> int:
        return int(sum(len(x.alpha) for x in self.stages[0]))


def lmdp_value_iteration(lmdp: LatentMDP, tol: float = PRUNE_TOL, prune_vectors: bool = True,
                         max_vectors: int = 200_000, max_seconds: float = 60.0) -> LMDPSolution:
    """Exact optimal value of an LMDP over history-dependent policies (module docstring).

    ``prune_vectors=False`` keeps every conditional plan (for enumerations on tiny instances, e.g. the maximum
    variance over policies).  Budgets, checked as it goes (:class:`mdplab.errors.BudgetExceededError` names the
    one hit): ``max_vectors`` caps every cross-sum *before* it is formed and pruned (an unpruned cross-sum is
    what the LPs would have to reduce), ``max_seconds`` the wall-clock time (checked before every pruning LP)."""
    if isinstance(max_vectors, bool) or not isinstance(max_vectors, (int, np.integer)) or max_vectors < 1:
        raise ModelError(f"max_vectors must be a positive integer; got {max_vectors!r}")
    if not (isinstance(max_seconds, (int, float)) and max_seconds > 0):
        raise ModelError(f"max_seconds must be a positive number; got {max_seconds!r}")
    t_end = time.perf_counter() + float(max_seconds)
    M, S, A, H = lmdp.n_contexts, lmdp.n_states, lmdp.n_actions, lmdp.horizon
    cls = lmdp.reward_classes()
    C = int(cls.max()) + 1
    zero = ContextAlphaSet(alpha=np.zeros((1, M)), action=np.zeros(1, dtype=np.int64),
                           next=np.full((1, C, S), -1, dtype=np.int64), second=np.zeros((1, M)))
    stages = [tuple(zero for _ in range(S))]
    for _h in range(H):
        deadline = (t_end, f"lmdp_value_iteration: time budget max_seconds={max_seconds:g} exhausted while pruning "
                           f"stage {H - _h} of {H} (M={M}, S={S}, A={A}); pass max_seconds= (larger)")
        nxt_sets = stages[0]
        cur = []
        for s in range(S):
            vecs, ptrs, acts = [], [], []
            for a in range(A):
                acc_vec = lmdp.R[:, s, a][None, :].copy()
                acc_ptr = np.full((1, C * S), -1, dtype=np.int64)
                for c in range(C):
                    in_c = cls[s, a] == c
                    for s1 in range(S):
                        weight = np.where(in_c, lmdp.P[:, s, a, s1], 0.0)          # (M,)
                        if not weight.any():
                            continue
                        cont = nxt_sets[s1].alpha * weight[None, :]
                        ptr = np.full((cont.shape[0], C * S), -1, dtype=np.int64)
                        ptr[:, c * S + s1] = np.arange(cont.shape[0])
                        if prune_vectors:
                            keep = prune(cont, tol, deadline=deadline)
                            cont, ptr = cont[keep], ptr[keep]
                        if acc_vec.shape[0] * cont.shape[0] > max_vectors:
                            raise BudgetExceededError(
                                f"lmdp_value_iteration: a cross-sum of {acc_vec.shape[0]} x {cont.shape[0]} plans at "
                                f"stage {H - _h} of {H}, state {s}, action {a} exceeds the vector budget "
                                f"max_vectors={max_vectors}; pass max_vectors= (larger) if memory and time allow")
                        vec, pp = _cross_sum(acc_vec, acc_ptr, cont, ptr)
                        acc_ptr = pp[:, :C * S] + pp[:, C * S:] + 1     # exactly one side is set per column
                        acc_vec = vec
                        if prune_vectors:
                            keep = prune(acc_vec, tol, deadline=deadline)
                            acc_vec, acc_ptr = acc_vec[keep], acc_ptr[keep]
                vecs.append(acc_vec)
                ptrs.append(acc_ptr)
                acts.append(np.full(acc_vec.shape[0], a, dtype=np.int64))
            allv, allp, alla = np.vstack(vecs), np.vstack(ptrs), np.concatenate(acts)
            if prune_vectors:
                keep = prune(allv, tol, deadline=deadline)
                allv, allp, alla = allv[keep], allp[keep], alla[keep]
            nxt = allp.reshape(-1, C, S)
            # second moments: E[G^2 | m] = r^2 + 2 r E[G'] + E[G'^2] with G' the continuation's return
            second = np.empty_like(allv)
            for k in range(allv.shape[0]):
                a = alla[k]
                r = lmdp.R[:, s, a]
                m1 = np.zeros(M)
                m2 = np.zeros(M)
                for s1 in range(S):
                    for c in range(C):
                        j = nxt[k, c, s1]
                        if j < 0:
                            continue
                        in_c = cls[s, a] == c
                        p = np.where(in_c, lmdp.P[:, s, a, s1], 0.0)
                        m1 += p * nxt_sets[s1].alpha[j]
                        m2 += p * nxt_sets[s1].second[j]
                second[k] = r ** 2 + 2 * r * m1 + m2
            cur.append(ContextAlphaSet(alpha=allv, action=alla, next=nxt, second=second))
        stages.insert(0, tuple(cur))
    joint = lmdp.weights[:, None] * lmdp.nu                          # (M, S): Pr(m, s_1 = s)
    start = np.array([int(np.argmax(stages[0][s].alpha @ joint[:, s])) for s in range(S)])
    value = float(sum(stages[0][s].alpha[start[s]] @ joint[:, s] for s in range(S)))
    return LMDPSolution(value=value, stages=tuple(stages), start=start)


# ================================================================================ conversion
def lmdp_to_pomdp(lmdp: LatentMDP) -> POMDP:
    """The equivalent finite-horizon POMDP (discount 1, horizon ``H``).

    Hidden state ``(m, s, k)`` flattened as ``(m * S + s) * K + k`` where ``k`` is the class of the last reward
    (``K`` distinct reward values overall; ``K = 1`` when rewards are not observed); observation ``s * K + k``;
    ``b0`` puts ``w[m] nu[m, s]`` on ``(m, s, 0)``.  Because ``s_1`` is observed in the LMDP but not in a
    POMDP started from ``b0``, compare through :func:`lmdp_value_via_pomdp`, which conditions on ``s_1``."""
    M, S, A = lmdp.n_contexts, lmdp.n_states, lmdp.n_actions
    if lmdp.rewards_observed:
        values, kid = np.unique(lmdp.R, return_inverse=True)
        kid = kid.reshape(M, S, A)
        K = values.shape[0]
    else:
        kid = np.zeros((M, S, A), dtype=np.int64)
        K = 1
    N = M * S * K
    P = np.zeros((N, A, N))
    R = np.zeros((N, A))
    O = np.zeros((A, N, S * K))
    for m in range(M):
        for s in range(S):
            for k in range(K):
                i = (m * S + s) * K + k
                R[i] = lmdp.R[m, s]
                for a in range(A):
                    k1 = kid[m, s, a]
                    for s1 in range(S):
                        P[i, a, (m * S + s1) * K + k1] = lmdp.P[m, s, a, s1]
                O[:, i, s * K + k] = 1.0
    b0 = np.zeros(N)
    for m in range(M):
        for s in range(S):
            b0[(m * S + s) * K] = lmdp.weights[m] * lmdp.nu[m, s]
    return POMDP(P, O, R, b0=b0, horizon=lmdp.horizon, discount=1.0)


def lmdp_value_via_pomdp(lmdp: LatentMDP) -> float:
    """``V*`` of the LMDP computed on :func:`lmdp_to_pomdp` by exact POMDP value iteration, conditioning on the
    observed ``s_1``: ``V* = sum_s max_k alpha_k . b_s`` with ``b_s`` the (unnormalised) joint ``Pr(m, s_1 = s)``."""
    from .pomdp_planning import finite_horizon_value_iteration

    pom = lmdp_to_pomdp(lmdp)
    V = finite_horizon_value_iteration(pom).alpha
    M, S = lmdp.n_contexts, lmdp.n_states
    K = pom.n_states // (M * S)
    total = 0.0
    for s in range(S):
        b = np.zeros(pom.n_states)
        for m in range(M):
            b[(m * S + s) * K] = lmdp.weights[m] * lmdp.nu[m, s]
        if b.any():
            total += float(np.max(V.alpha @ b))
    return total


class PlanExecutor:
    """Runs an :class:`LMDPSolution`'s optimal history-dependent policy (horizon_free.md §A2.4 "Execution"):
    ``start(s_1)`` picks the plan for the observed first state; ``action()`` is the current plan's action;
    ``observe(r, s')`` follows the continuation pointer of the reward class of ``r`` and the next state."""

    def __init__(self, lmdp: LatentMDP, solution: LMDPSolution) -> None:
        self.lmdp, self.solution = lmdp, solution
        self.cls = lmdp.reward_classes()
        self.h = self.s = self.k = None

    def start(self, s: int) -> None:
        self.h, self.s, self.k = 0, int(s), int(self.solution.start[s])

    def action(self) -> int:
        return int(self.solution.stages[self.h][self.s].action[self.k])

    def observe(self, r: float, s1: int) -> None:
        a = self.action()
        if self.lmdp.rewards_observed:
            match = np.flatnonzero(self.lmdp.R[:, self.s, a] == r)
            if match.size == 0:
                raise ModelError(f"reward {shown(r)} is impossible at (s={self.s}, a={a}) in every context")
            c = int(self.cls[self.s, a, match[0]])
        else:
            c = 0
        k1 = int(self.solution.stages[self.h][self.s].next[self.k, c, s1])
        if k1 < 0 and self.h + 1 < self.lmdp.horizon:
            raise ModelError(f"observation (r={shown(r)}, s'={s1}) has probability 0 under the plan's belief")
        self.h, self.s, self.k = self.h + 1, int(s1), k1


# ================================================================================ files and the total-reward scale
#: the arrays of the latent-MDP ``.npz`` layout (``P (M, S, A, S)``, ``R (M, S, A)``, ``w (M,)``, ``nu (M, S)``,
#: ``horizon`` 0-d); any other key is refused by name
LMDP_NPZ_KEYS = ("P", "R", "w", "nu", "horizon")
#: slack on "total reward at most 1" (horizon-free setting, zhou2023lmdp §3)
TOTAL_REWARD_TOL = 1e-12


def is_lmdp_npz(headers: dict) -> bool:
    """Whether the array names/shapes of an ``.npz`` (``{key: (shape, dtype)}``) are the latent-MDP layout's:
    ``w`` and ``nu`` present with a 4-d ``P``."""
    return "w" in headers and "nu" in headers and len(headers.get("P", ((),))[0]) == 4


def save_lmdp(lmdp: LatentMDP, path: Any) -> None:
    """Write ``lmdp`` in the latent-MDP ``.npz`` layout (:data:`LMDP_NPZ_KEYS`); rewards are always observed in
    this layout (the horizon-free setting), so a model with ``rewards_observed=False`` is refused."""
    if not lmdp.rewards_observed:
        raise ModelError("the LMDP .npz layout stores models with observed rewards only")
    np.savez(path, P=np.asarray(lmdp.P), R=np.asarray(lmdp.R), w=np.asarray(lmdp.weights), nu=np.asarray(lmdp.nu),
             horizon=np.int64(lmdp.horizon))


def load_lmdp(path: Any, *, horizon: int | None = None, total_reward_le_1: bool = False) -> LatentMDP:
    """Read the latent-MDP ``.npz`` layout; ``horizon`` overrides the file's.  Every defect is a
    :class:`mdplab.errors.FileFormatError` naming the file and the array (unknown or missing keys, shapes,
    weights not summing to 1, rows of ``P`` or ``nu`` off the simplex, a fractional horizon).  With
    ``total_reward_le_1`` (the horizon-free setting) a context whose total reward can exceed 1 is refused
    (:func:`check_total_reward`)."""
    from pathlib import Path

    from .errors import FileFormatError
    from .io import _check_npz_headers, _file_scalar, _npz_headers
    import zipfile

    path = Path(path)
    try:
        headers = _npz_headers(path)
        unknown = sorted(set(headers) - set(LMDP_NPZ_KEYS))
        if unknown:
            raise FileFormatError(f"{path}: unknown array(s) {unknown} in a latent-MDP file; the layout has only "
                                  f"{', '.join(LMDP_NPZ_KEYS)} (nothing is ignored silently)")
        missing = [k for k in LMDP_NPZ_KEYS if k not in headers and not (k == "horizon" and horizon is not None)]
        if missing:
            raise FileFormatError(f"{path}: latent-MDP file lacks array(s) {missing} (needs P (M,S,A,S), R (M,S,A), "
                                  f"w (M,), nu (M,S), horizon)")
        _check_npz_headers(path, {k: v for k, v in headers.items() if k in ("P", "R", "horizon")})
        for key in ("w", "nu"):
            if headers[key][1].kind not in "biuf":
                raise FileFormatError(f"{path}: array {key!r} is of dtype {headers[key][1]}; it must hold real numbers")
        with np.load(path, allow_pickle=False) as f:
            P, R, w, nu = f["P"], f["R"], f["w"], f["nu"]
            H = _file_scalar(path, "horizon", f["horizon"], True) if "horizon" in headers else None
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
        if isinstance(exc, ModelError):
            raise
        raise FileFormatError(f"{path}: not a readable .npz file ({exc})") from None
    H = horizon if horizon is not None else H
    try:
        lmdp = LatentMDP(P, R, w, nu, horizon=H)
        if total_reward_le_1:
            check_total_reward(lmdp)
    except ModelError as exc:
        raise FileFormatError(f"{path}: {exc}") from None
    return lmdp


def context_max_total_reward(lmdp: LatentMDP) -> np.ndarray:
    """``(M,)``: per context, the largest total reward ``sum_h R[m, s_h, a_h]`` of any trajectory with positive
    probability from a state in the support of ``nu[m]`` (max-plus backward DP over the transition support)."""
    M, S, H = lmdp.n_contexts, lmdp.n_states, lmdp.horizon
    out = np.empty(M)
    for m in range(M):
        v = np.zeros(S)
        for _ in range(H):
            v = (lmdp.R[m] + np.where(lmdp.P[m] > 0, v[None, None, :], -np.inf).max(axis=2)).max(axis=1)
        out[m] = v[lmdp.nu[m] > 0].max()
    return out


def check_total_reward(lmdp: LatentMDP, bound: float = 1.0) -> None:
    """Refuse (ModelError naming the context) rewards outside ``[0, 1]`` or a context whose total reward over
    ``H`` steps can exceed ``bound`` (the horizon-free normalisation of zhou2023lmdp §3: total reward <= 1)."""
    if lmdp.R.min() < 0 or lmdp.R.max() > 1:
        m, s, a = np.unravel_index(int(np.argmax((lmdp.R < 0) | (lmdp.R > 1))), lmdp.R.shape)
        raise ModelError(f"rewards must lie in [0, 1]; R[m={m}, s={s}, a={a}] = {float(lmdp.R[m, s, a])!r}")
    tot = context_max_total_reward(lmdp)
    bad = np.flatnonzero(tot > bound + TOTAL_REWARD_TOL)
    if bad.size:
        m = int(bad[0])
        raise ModelError(f"context m={m} can collect a total reward of {tot[m]:.6g} > {bound:g} in H={lmdp.horizon} "
                         f"steps; the horizon-free setting needs total reward <= {bound:g} per episode (scale R by 1/H)")
