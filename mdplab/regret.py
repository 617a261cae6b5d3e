"""Exact regret, gains, diameter and sample complexity on the TRUE model (never Monte Carlo).

Episodic (finite horizon ``H``, initial law ``mu``): episode ``k``'s gap is
``mu^T (V*_0 - V^{pi_k}_0)``, with ``V^{pi}`` by backward induction on the true model
(Puterman 1994, Sec. 4.2, the policy-evaluation recursion) and ``V*`` by the core's exact
:func:`mdplab.solvers.backward_induction`; ``Regret(K) = sum_{k<K} gap_k``.  (Stages are 0-based here:
``V_0`` is the value with ``H`` steps to go.)

Average reward: the gain ``J^pi`` of a stationary policy from its Cesaro-limit matrix ``P*_pi``
(per recurrent class, the stationary law by a linear solve; transient states by absorption
probabilities), its bias ``h^pi = (I - P_pi + P*_pi)^{-1} (I - P*_pi) r_pi`` (Puterman Thm 8.2.3 / A.7);
pseudo-regret ``T J* - sum_t rbar(s_t, a_t)`` and gain regret ``sum_t (J* - J^{pi_t}(s_t))``.

Diameter (Jaksch, Ortner, Auer 2010, Def. 1): ``D = max_{s != s'} min_pi E[hitting time of s' from s]``,
each inner minimum an exact stochastic-shortest-path problem solved by policy iteration with exact
linear solves (Bertsekas' SSP policy iteration; finite termination from a proper policy).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ._kernels.interaction import policy_values_kernel
from .arrays import readonly
from .errors import ModelError, NotApplicableError
from .interaction import EpisodicModel, initial_distribution
from .models import MDP
from .operators import SERIAL_BELOW_ENTRIES
from .threads import numba_threads

#: Slack for "no strict improvement" in the exact policy-iteration loops (relative to the value scale).
IMPROVEMENT_TOL = 1e-10


# ================================================================================== episodic
def _stage_arrays(P: Any, R: Any, H: int | None) -> tuple[np.ndarray, np.ndarray, int]:
    """``P (HP, S, A, S)``, ``R (HR, S, A)`` float64 C-contiguous; validates shapes (not stochasticity)."""
    if isinstance(P, EpisodicModel):
        return P.P, P.R, P.H
    P = np.asarray(P, dtype=np.float64)
    R = np.asarray(R, dtype=np.float64)
    P4 = P[None] if P.ndim == 3 else P
    R3 = R[None] if R.ndim == 2 else R
    if P4.ndim != 4 or R3.ndim != 3 or P4.shape[1:3] != R3.shape[1:] or P4.shape[1] != P4.shape[3]:
        raise ModelError(f"P must be (S, A, S) or (H, S, A, S) and R (S, A) or (H, S, A) with matching S, A; "
                         f"got P {P.shape}, R {R.shape}")
    stages = {n for n in (P4.shape[0], R3.shape[0]) if n > 1}
    if H is None:
        if len(stages) != 1:
            raise ModelError("give H (the model is time-homogeneous or P and R disagree on the number of stages)")
        H = stages.pop()
    if any(n != H for n in stages):
        raise ModelError(f"P has {P4.shape[0]} stages and R {R3.shape[0]}, but H = {H}")
    return np.ascontiguousarray(P4), np.ascontiguousarray(R3), int(H)


def finite_horizon_policy_value(P: Any, R: Any, pi: Any) -> np.ndarray:
    """``V (H+1, S)`` of a Markov policy by backward induction: ``V_H = 0``,
    ``V_h(s) = sum_a pi_h(a|s) [R_h(s, a) + P_h(s, a) . V_{h+1}]``.  ``pi``: deterministic ``(H, S)``
    (integers) or stochastic ``(H, S, A)`` (rows on the simplex)."""
    pi = np.asarray(pi)
    H = pi.shape[0] if pi.ndim in (2, 3) else None
    if H is None:
        raise ModelError(f"pi must have shape (H, S) or (H, S, A); got {pi.shape}")
    P4, R3, H = _stage_arrays(P, R, H)
    _, S, A, _ = P4.shape
    if pi.ndim == 2:
        if pi.shape != (H, S) or not np.issubdtype(pi.dtype, np.integer) or pi.min() < 0 or pi.max() >= A:
            raise ModelError(f"a deterministic pi must be integers in 0..{A - 1} of shape ({H}, {S}); got {pi.dtype} {pi.shape}")
        w = np.zeros((H, S, A))
        w[np.arange(H)[:, None], np.arange(S)[None, :], pi] = 1.0
    else:
        w = np.asarray(pi, dtype=np.float64)
        if w.shape != (H, S, A) or (w < 0).any() or np.abs(w.sum(axis=2) - 1.0).max() > 1e-9:
            raise ModelError(f"a stochastic pi must have shape ({H}, {S}, {A}) with rows on the simplex")
    V = np.zeros((H + 1, S))
    for h in range(H - 1, -1, -1):
        Ph = P4[h if P4.shape[0] > 1 else 0]
        Rh = R3[h if R3.shape[0] > 1 else 0]
        V[h] = np.einsum("sa,sa->s", w[h], Rh + Ph @ V[h + 1])
    return V


def optimal_values(P: Any, R: Any, H: int | None = None) -> np.ndarray:
    """``V* (H+1, S)`` from the core's exact backward induction (:func:`mdplab.solvers.backward_induction`)."""
    from .solvers.finite import backward_induction

    P4, R3, H = _stage_arrays(P, R, H)
    model = MDP(P4[0] if P4.shape[0] == 1 else np.broadcast_to(P4, (H,) + P4.shape[1:]),
                R3[0] if R3.shape[0] == 1 else np.broadcast_to(R3, (H,) + R3.shape[1:]), horizon=H)
    if P4.shape[1] ** 2 * P4.shape[2] >= SERIAL_BELOW_ENTRIES:
        return np.asarray(backward_induction(model).values)
    with numba_threads(1):                       # small model: the thread pool costs more than the sweep
        return np.asarray(backward_induction(model).values)


def policies_values(P: Any, R: Any, mu: Any, policies: np.ndarray) -> np.ndarray:
    """``mu . V^{pi}_0`` for each deterministic policy in ``policies (M, H, S)`` (numba backward induction)."""
    pols = np.ascontiguousarray(policies, dtype=np.int64)
    if pols.ndim != 3:
        raise ModelError(f"policies must have shape (M, H, S); got {pols.shape}")
    P4, R3, H = _stage_arrays(P, R, pols.shape[1])
    S, A = P4.shape[1], P4.shape[2]
    if pols.shape[2] != S or (pols.size and (pols.min() < 0 or pols.max() >= A)):
        raise ModelError(f"policies must be actions in 0..{A - 1} of shape (M, {H}, {S}); got {pols.shape}")
    mu_v = initial_distribution(mu, S)
    out = np.empty(pols.shape[0])
    policy_values_kernel(P4, R3, pols, np.ascontiguousarray(mu_v), out)
    return out


def episode_policy_index(policy_start: np.ndarray, n_episodes: int) -> np.ndarray:
    """For a compact policy log (``policies[i]`` in force from episode ``policy_start[i]``, strictly
    increasing from 0), the index of the policy of each episode ``0..n_episodes-1``."""
    starts = np.asarray(policy_start, dtype=np.int64)
    if starts.ndim != 1 or starts.size == 0 or starts[0] != 0 or np.any(np.diff(starts) <= 0):
        raise ModelError("policy_start must be strictly increasing and start at 0")
    return np.searchsorted(starts, np.arange(n_episodes), side="right") - 1


def episodic_regret(P: Any, R: Any, mu: Any, policies: Sequence[np.ndarray] | np.ndarray,
                    policy_start: np.ndarray | None = None, n_episodes: int | None = None) -> np.ndarray:
    """Per-episode gaps ``mu^T (V*_0 - V^{pi_k}_0)`` ``(K,)``; cumulative regret is ``np.cumsum`` of it.

    ``policies``: one ``(H, S)`` policy per episode, or (with ``policy_start`` and ``n_episodes``) the
    compact log of a learner: ``policies[i]`` in force from episode ``policy_start[i]`` on."""
    pols = np.ascontiguousarray(np.asarray(policies), dtype=np.int64)
    if pols.ndim != 3:
        raise ModelError(f"policies must be a sequence of (H, S) arrays; got shape {pols.shape}")
    P4, R3, H = _stage_arrays(P, R, pols.shape[1])
    v_star = float(initial_distribution(mu, P4.shape[1]) @ optimal_values(P4, R3, H)[0])
    gaps_per_policy = v_star - policies_values(P4, R3, mu, pols)
    if policy_start is None:
        return gaps_per_policy
    if n_episodes is None:
        raise ModelError("n_episodes is needed with policy_start")
    return gaps_per_policy[episode_policy_index(policy_start, int(n_episodes))]


def sample_complexity(gaps: np.ndarray, eps: float) -> int:
    """Index (0-based) of the first episode whose policy is ``eps``-optimal (``gap <= eps``), ``-1`` if none."""
    g = np.asarray(gaps, dtype=np.float64)
    if not eps >= 0:
        raise ModelError(f"eps must be >= 0; got {eps!r}")
    hit = np.flatnonzero(g <= eps)
    return int(hit[0]) if hit.size else -1


def eps_mistakes(gaps: np.ndarray, eps: float) -> int:
    """Number of episodes whose policy is not ``eps``-optimal (the PAC sample complexity of Dann and
    Brunskill's mistake-count definition)."""
    if not eps >= 0:
        raise ModelError(f"eps must be >= 0; got {eps!r}")
    return int(np.count_nonzero(np.asarray(gaps, dtype=np.float64) > eps))


# ================================================================================== average reward
def _dense_P_R(P: Any, R: Any) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(P, MDP):
        return P.dense_transitions(), np.asarray(P.R)
    if hasattr(P, "P") and hasattr(P, "R") and R is None:
        return np.asarray(P.P), np.asarray(P.R)
    m = MDP(P, R, average_reward=True)
    return m.P, m.R


def _recurrent_classes(P_pi: np.ndarray) -> list[np.ndarray]:
    """Closed communicating classes of the chain ``P_pi`` (boolean reachability closure)."""
    S = P_pi.shape[0]
    reach = (P_pi > 0) | np.eye(S, dtype=bool)
    for _ in range(max(1, int(np.ceil(np.log2(max(S, 2))))) + 1):
        reach = (reach.astype(np.int64) @ reach.astype(np.int64)) > 0
    classes, seen = [], np.zeros(S, dtype=bool)
    for s in range(S):
        if seen[s]:
            continue
        comm = reach[s] & reach[:, s]
        seen |= comm
        if not (reach[s] & ~comm).any():      # nothing reachable outside its class: closed
            classes.append(np.flatnonzero(comm))
    return classes


def limiting_matrix(P_pi: np.ndarray) -> np.ndarray:
    """Cesaro limit ``P* = lim (1/T) sum_t P^t`` of a finite chain, exactly (linear solves)."""
    P_pi = np.asarray(P_pi, dtype=np.float64)
    S = P_pi.shape[0]
    classes = _recurrent_classes(P_pi)
    Pstar = np.zeros((S, S))
    recurrent = np.zeros(S, dtype=bool)
    absorb = np.zeros((S, len(classes)))
    for c, C in enumerate(classes):
        n = C.size
        Q = P_pi[np.ix_(C, C)]
        M = np.vstack([(Q.T - np.eye(n)), np.ones((1, n))])
        rhs = np.zeros(n + 1)
        rhs[-1] = 1.0
        pi_c = np.linalg.lstsq(M, rhs, rcond=None)[0]
        Pstar[np.ix_(C, C)] = pi_c[None, :]
        recurrent[C] = True
        absorb[C, c] = 1.0
    T = np.flatnonzero(~recurrent)
    if T.size:
        # absorption probabilities B = (I - Q_TT)^{-1} P_{T, C} summed per class
        to_class = np.stack([P_pi[np.ix_(T, C)].sum(axis=1) for C in classes], axis=1)
        B = np.linalg.solve(np.eye(T.size) - P_pi[np.ix_(T, T)], to_class)
        absorb[T] = B
        for c, C in enumerate(classes):
            Pstar[np.ix_(T, C)] = B[:, [c]] * Pstar[C[0], C][None, :]
    return Pstar


def policy_gain(P: Any, R: Any, pi: Any) -> tuple[np.ndarray, np.ndarray]:
    """Exact gain ``J^pi (S,)`` (constant over states for unichain policies; per starting state for
    multichain ones) and bias ``h^pi (S,)`` (normalised by ``P*_pi h = 0``) of the stationary policy ``pi``
    (deterministic ``(S,)`` or stochastic ``(S, A)``)."""
    Pd, Rd = _dense_P_R(P, R)
    S, A = Rd.shape
    pi = np.asarray(pi)
    if pi.ndim == 1:
        if pi.shape != (S,) or not np.issubdtype(pi.dtype, np.integer) or pi.min() < 0 or pi.max() >= A:
            raise ModelError(f"pi must be integers in 0..{A - 1} of shape ({S},); got {pi!r}")
        P_pi, r_pi = Pd[np.arange(S), pi], Rd[np.arange(S), pi]
    else:
        w = np.asarray(pi, dtype=np.float64)
        if w.shape != (S, A) or (w < 0).any() or np.abs(w.sum(axis=1) - 1).max() > 1e-9:
            raise ModelError(f"a stochastic pi must have shape ({S}, {A}) with rows on the simplex")
        P_pi, r_pi = np.einsum("sa,sat->st", w, Pd), (w * Rd).sum(axis=1)
    Pstar = limiting_matrix(P_pi)
    gain = Pstar @ r_pi
    bias = np.linalg.solve(np.eye(S) - P_pi + Pstar, r_pi - gain)   # = (I - P + P*)^{-1} (I - P*) r
    return gain, bias


@dataclass(frozen=True)
class OptimalGain:
    """``gain`` J* (scalar: the model is weakly communicating), ``bias`` h* (an optimal policy's bias,
    normalised by ``P* h = 0``), ``policy`` (S,), ``span`` sp(h*)."""

    gain: float
    bias: np.ndarray
    policy: np.ndarray
    span: float


def optimal_gain(P: Any, R: Any = None, max_iter: int = 10_000) -> OptimalGain:
    """Optimal gain of a weakly communicating model, exactly: relative value iteration
    (:func:`mdplab.solvers.relative_value_iteration`, tol 1e-10) proposes a policy, then multichain policy
    iteration with exact evaluations (:func:`policy_gain`) improves it until no action improves the gain
    or the bias by more than ``IMPROVEMENT_TOL`` (Puterman 1994, Alg. 9.2.1).  Raises
    NotApplicableError when the optimal gain is not constant."""
    from .solvers.average import relative_value_iteration

    Pd, Rd = _dense_P_R(P, R)
    S, A = Rd.shape
    model = MDP(Pd, Rd, average_reward=True)
    pi = np.asarray(relative_value_iteration(model, tol=1e-10).policy, dtype=np.int64)
    for _ in range(max_iter):
        g, h = policy_gain(Pd, Rd, pi)
        scale = IMPROVEMENT_TOL * max(1.0, float(np.abs(h).max()), float(np.abs(g).max()))
        gq = Pd @ g                                  # (S, A): gain reached by each first action
        new = pi.copy()
        better_g = gq.max(axis=1) > g + scale
        if better_g.any():
            new[better_g] = gq[better_g].argmax(axis=1)
        else:
            q = Rd + Pd @ h
            keep = np.isclose(gq, g[:, None], rtol=0, atol=scale)
            q = np.where(keep, q, -np.inf)
            cur = q[np.arange(S), pi]
            improve = q.max(axis=1) > cur + scale
            new[improve] = q[improve].argmax(axis=1)
        if np.array_equal(new, pi):
            if np.ptp(g) > 1e-9 * max(1.0, float(np.abs(g).max())):
                raise NotApplicableError(f"the optimal gain is not constant (ranges over [{g.min():.6g}, {g.max():.6g}]): "
                                         "the model is not weakly communicating")
            return OptimalGain(float(g.mean()), readonly(h), readonly(pi), float(np.ptp(h)))
        pi = new
    raise NotApplicableError(f"optimal_gain: policy iteration did not stop within max_iter={max_iter}")


def span(h: np.ndarray) -> float:
    """``sp(h) = max h - min h``."""
    h = np.asarray(h, dtype=np.float64)
    return float(h.max() - h.min())


def pseudo_regret(J_star: float, rbar: np.ndarray) -> np.ndarray:
    """Cumulative pseudo-regret ``t J* - sum_{t' < t} rbar(s_t', a_t')`` for ``t = 1..T``."""
    return np.cumsum(float(J_star) - np.asarray(rbar, dtype=np.float64))


def gain_regret(J_star: float, gains: np.ndarray) -> np.ndarray:
    """Cumulative gain regret ``sum_{t' < t} (J* - J^{pi_t'})`` for ``t = 1..T`` (``gains (T,)``: the exact
    gain of the policy in force at each step, from its current state for multichain policies)."""
    return np.cumsum(float(J_star) - np.asarray(gains, dtype=np.float64))


def hitting_times(P: Any, target: int, max_iter: int = 10_000) -> np.ndarray:
    """``min_pi E[steps to reach target from s]`` for every ``s`` (``inf`` where no policy reaches the
    target with probability 1), by SSP policy iteration with exact linear solves, started from a proper
    policy built by breadth-first layers of the support graph."""
    Pd = P.dense_transitions() if isinstance(P, MDP) else np.asarray(P, dtype=np.float64)
    S, A, _ = Pd.shape
    if not 0 <= int(target) < S:
        raise ModelError(f"target state {target} outside 0..{S - 1}")
    support = Pd > 0
    # Almost-sure reachability (the "Prob1E" fixpoint): keep the states Y from which the target is reached
    # using only actions whose support stays in Y; recompute until stable.
    Y = np.ones(S, dtype=bool)
    while True:
        allowed = ~(support & ~Y[None, None, :]).any(axis=2)                     # (S, A)
        dist = np.full(S, np.inf)
        dist[target] = 0
        pi = np.zeros(S, dtype=np.int64)
        frontier = np.zeros(S, dtype=bool)
        frontier[target] = True
        d = 0
        while frontier.any():
            d += 1
            step_in = support[:, :, frontier].any(axis=2) & allowed            # (S, A)
            new = np.isinf(dist) & step_in.any(axis=1)
            for s in np.flatnonzero(new):
                pi[s] = int(np.flatnonzero(step_in[s])[0])
            dist[new] = d
            frontier = new
        reach = np.isfinite(dist)
        if np.array_equal(reach, Y):
            break
        Y = reach
    T = np.full(S, np.inf)
    T[target] = 0.0
    ok = np.flatnonzero(Y & (np.arange(S) != target))
    if ok.size == 0:
        return T
    for _ in range(max_iter):
        t_ok = np.linalg.solve(np.eye(ok.size) - Pd[ok, pi[ok]][:, ok], np.ones(ok.size))   # Eq. T = 1 + P_pi T
        T[ok] = t_ok
        q = 1.0 + Pd[ok] @ np.where(np.isfinite(T), T, 0.0)                   # (|ok|, A)
        q = np.where(allowed[ok], q, np.inf)
        cur = q[np.arange(ok.size), pi[ok]]
        better = q.min(axis=1) < cur - IMPROVEMENT_TOL * max(1.0, float(t_ok.max()))
        if not better.any():
            return T
        pi = pi.copy()
        pi[ok[better]] = q[better].argmin(axis=1)
    raise NotApplicableError(f"hitting_times: SSP policy iteration did not stop within max_iter={max_iter}")


def diameter(P: Any) -> float:
    """Diameter ``D = max_{s != s'} min_pi E[T(s -> s')]`` (Jaksch, Ortner, Auer 2010, Def. 1); ``inf`` when
    the model is not communicating; 0 for one state."""
    Pd = P.dense_transitions() if isinstance(P, MDP) else np.asarray(P, dtype=np.float64)
    S = Pd.shape[0]
    if Pd.ndim != 3 or Pd.shape[2] != S:
        raise ModelError(f"diameter needs P of shape (S, A, S); got {Pd.shape}")
    return float(max((hitting_times(Pd, t).max() for t in range(S)), default=0.0))


# ================================================================================== learner result
@dataclass(frozen=True)
class LearnerRun:
    """What every ``run_<learner>`` returns.

    ``regret``: cumulative exact regret (episodic: ``(K,)`` over episodes; average reward: the gain
    regret ``(T,)``); ``gaps``: per-episode gaps (episodic) or ``None``; ``policies``: the distinct policies
    the learner played, ``(M, H, S)`` or ``(M, S)``, with ``policy_start (M,)``: the episode (or time
    step) from which ``policies[i]`` is in force (strictly increasing from 0; consecutive duplicates
    merged); ``n_switches = M - 1``; ``tie_count``: number of greedy rows (``(h, s)`` or ``s``) that had a
    tie, summed over planning calls; ``n_plans``: planning calls; ``params``: every constant the run used.
    Average reward also fills ``gain_regret``, ``pseudo_regret`` (``(T,)``)."""

    learner: str
    setting: str
    seed: int
    regret: np.ndarray
    policies: np.ndarray
    policy_start: np.ndarray
    tie_count: int
    n_plans: int
    params: Mapping[str, Any]
    gaps: np.ndarray | None = None
    gain_regret: np.ndarray | None = None
    pseudo_regret: np.ndarray | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_switches(self) -> int:
        return int(self.policies.shape[0]) - 1


class PolicyLog:
    """Accumulates a compact policy log (consecutive duplicates merged) for :class:`LearnerRun`; ``dtype``
    may be a small integer type (``np.int8`` when ``A <= 127``) to keep long logs small."""

    def __init__(self, dtype: type = np.int64) -> None:
        self.policies: list[np.ndarray] = []
        self.starts: list[int] = []
        self.dtype = dtype
        self._last = b""

    def record(self, index: int, pi: np.ndarray) -> None:
        """Log ``pi`` as in force from ``index`` on, unless it equals the last logged policy."""
        key = np.ascontiguousarray(pi).tobytes()
        if self.policies and key == self._last:
            return
        self._last = key
        self.policies.append(np.array(pi, dtype=self.dtype, copy=True))
        self.starts.append(int(index))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return readonly(np.stack(self.policies)), readonly(np.asarray(self.starts, dtype=np.int64))


__all__ = ["finite_horizon_policy_value", "optimal_values", "policies_values", "episodic_regret", "episode_policy_index",
           "sample_complexity", "eps_mistakes", "limiting_matrix", "policy_gain", "optimal_gain", "OptimalGain", "span",
           "pseudo_regret", "gain_regret", "hitting_times", "diameter", "LearnerRun", "PolicyLog", "IMPROVEMENT_TOL"]
