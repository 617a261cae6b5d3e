"""Learners held to the revealing-POMDP lower bounds: a collision tester (explore-then-commit), OMLE-lite, and
explore-then-commit / follow-the-leader on the costly-information instance; exact evaluation of their policies.

Source of the bounds: F. Chen, H. Wang, C. Xiong, S. Mei, Y. Bai, *Lower Bounds for Learning in Revealing
POMDPs*, ICML 2023, arXiv:2302.01333 (version not recorded), bibkey ``chen2023revealing``; OMLE-lite follows
the optimistic-MLE template re-analysed in F. Chen, Y. Bai, S. Mei, ICLR 2023, arXiv:2209.14990
(``chen2022bstability``).  None of these learners is from the paper (it runs no experiments); they are
mdplab's designs [R] (docs/theory/chen2023revealing.md, "Learners"):

* :func:`collision_tester` (two-phase explore-then-commit): phase 1 visits every candidate of RevealTest
  round-robin ``N_per`` times with the fixed probe policy "navigate to c, bet +"; per candidate the
  collision-type statistic ``Z_c = sum_i (D_i^2 - N_i)`` (``D_i`` = signed count of pair ``i``, ``N_i`` its
  count; unbiased for ``N(N-1)(alpha eps)^2 / n`` at the special candidate and for 0 elsewhere) picks
  ``c_hat = argmax Z_c``; phase 2 spends ``ceil(c_commit n / (alpha eps)^2)`` more visits at ``c_hat`` (the
  learner is told ``alpha eps``) and commits to ``z_hat_i = sign(D_i)`` there (ties uniformly at random with the
  run's generator).
* :func:`omle_lite`: optimistic MLE over the finite class ``{M_0} u {M_(c,z)}`` with the family's separable
  likelihood: confidence set ``{theta : LL(theta) >= max LL - beta}``; play the optimal policy of an optimistic
  member (all ``M_(c,z)`` tie at ``V* = 1/2 + alpha eps/2``: a uniformly random candidate among those with a
  member in the set, with its within-candidate MLE signs); output the MLE's optimal policy.
* :func:`episodes_to_eps`: the least number of episodes on a grid at which the output policy is
  ``eps_target``-optimal (exact value, :func:`families.policy_value`) in at least a fraction ``success`` of
  ``reps`` runs, with ``(c*, z)`` drawn uniformly per run.
* :func:`etc_regret_curve` (costly instance) and :func:`greedy_regret_curve` (1-step control): exact regret
  ``sum_k (V* - V(pi_k))`` of explore-then-commit (probe ``N(T) = ceil(c_N T^{2/3})`` times, commit to the
  majority) and of follow-the-leader (bet the majority of the decoded signs so far).

Deviations: all learners are ours; OMLE-lite's class is the family itself (realisable, finite), not a covering of
all POMDPs; the ``beta`` default is ``log(1 / delta)`` with ``delta = 0.1`` (a parameter).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from mdplab.errors import ModelError, check_seed

from .families import EpisodicPOMDP, costly_reveal, leaky, policy_value, reveal_test

BIBKEYS = ("chen2023revealing", "chen2022bstability")


# ---------------------------------------------------------------------------------------- interaction
def sample_episodes(model: EpisodicPOMDP, act: Sequence[np.ndarray], N: int, rng: np.random.Generator) -> np.ndarray:
    """``N`` episodes of the memoryless-in-observation policy ``a_h = act[h][o_h]``: observations ``(N, H)``.
    Exact sampling by inverse CDF through ``mu``, ``E[h]`` and ``T[h]``."""
    H = model.H
    obs = np.empty((N, H), dtype=np.int64)
    s = _draw(np.broadcast_to(model.mu, (N, model.mu.size)), rng)
    for h in range(H):
        o = _draw(model.E[h].T[s], rng)                                       # o_h ~ E[h][:, s_h]
        obs[:, h] = o
        if h < H - 1:
            a = np.asarray(act[h])[o]
            s = _draw(model.T[h][s, a], rng)                                  # s_{h+1} ~ T[h][s_h, a_h, :]
    return obs


def _draw(rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cdf = np.cumsum(rows, axis=1)
    u = rng.random(rows.shape[0]) * cdf[:, -1]
    return np.minimum((cdf < u[:, None]).sum(axis=1), rows.shape[1] - 1)


def visit_policy(model: EpisodicPOMDP, c: int, test_action: int = 0) -> list[np.ndarray]:
    """Action tables that navigate RevealTest's tree to candidate ``c`` and play ``test_action`` at the test
    layer (the first observation is ignored: a leaky root's index observation also maps to the root's action)."""
    A, D = model.meta["A"], model.meta["Dtree"]
    digits = [(c // A ** (D - d)) % A for d in range(D + 1)]                  # path to leaf, then leaf action
    act = []
    for d in range(D + 1):
        nO = model.E[d].shape[0]
        tab = np.zeros(nO, dtype=np.int64)
        if d == 0:
            tab[:] = digits[0]
        else:
            parent = c // A ** (D - d + 1)                                    # node id at depth d on the path
            tab[parent] = digits[d]
        act.append(tab)
    act.append(np.full(model.E[D + 1].shape[0], test_action, dtype=np.int64))
    for h in range(D + 2, model.H):                                           # delay and outcome layers
        act.append(np.zeros(model.E[h].shape[0], dtype=np.int64))
    return act


def _signed_pairs(model: EpisodicPOMDP, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pair i, observed sign) per probe episode: bet + with ``W`` -> +1, ``Lo`` -> -1 (alpha-noisy sigma).  On
    the 1-step control the test layer emits ``2 i + k`` (``k = 0`` for ``sigma = +``): the pair is ``o // 2``."""
    D = model.meta["Dtree"]
    pairs = obs[:, D + 1] // 2 if model.meta.get("control") else obs[:, D + 1]
    return pairs, np.where(obs[:, -1] == 0, 1, -1)


@dataclass(frozen=True)
class TesterOutput:
    c_hat: int
    z_hat: tuple
    episodes: int


def _random_argmax(x: np.ndarray, rng: np.random.Generator) -> int:
    best = np.flatnonzero(x == x.max())
    return int(best[rng.integers(best.size)]) if best.size > 1 else int(best[0])


def _signs(D: np.ndarray, rng: np.random.Generator) -> tuple:
    s = np.sign(D).astype(np.int64)
    ties = s == 0
    s[ties] = rng.choice((1, -1), size=int(ties.sum()))
    return tuple(int(v) for v in s)


def collision_statistic(pairs: np.ndarray, signs: np.ndarray, n: int) -> tuple[float, np.ndarray]:
    """``(Z, D)`` with ``D_i = sum_{t: pair i} sign_t`` and ``Z = sum_i (D_i^2 - N_i)``."""
    D = np.bincount(pairs, weights=signs, minlength=n)
    N = np.bincount(pairs, minlength=n)
    return float((D ** 2 - N).sum()), D


def commit_budget(n: int, alpha_eps: float, c_commit: float = 1.0) -> int:
    """Phase-2 visits to the chosen candidate: ``ceil(c_commit n / (alpha eps)^2)`` (about ``c_commit /
    (alpha eps)^2`` draws per pair, so each sign is right with probability about ``Phi(sqrt(c_commit))``)."""
    return int(math.ceil(c_commit * n / alpha_eps ** 2))


def collision_tester(model: EpisodicPOMDP, N_per: Sequence[int], rng: np.random.Generator,
                     c_commit: float = 1.0) -> list[TesterOutput]:
    """Two-phase collision tester (explore-then-commit), anytime over the increasing grid ``N_per``.

    Phase 1: ``N`` round-robin visits of every candidate, ``c_hat = argmax Z_c``.  Phase 2:
    :func:`commit_budget` more visits to ``c_hat`` (the learner is told ``alpha eps``); ``z_hat = sign(D)`` over
    both phases' draws at ``c_hat``.  One output per ``N`` in ``N_per``.  A leaky root (an informative first
    observation, :func:`families.leaky`) restricts phase 1 to the candidate it names."""
    N_per = sorted(int(x) for x in N_per)
    K, n = model.meta["K"], model.meta["n"]
    N2 = commit_budget(n, model.meta["alpha"] * model.meta["eps"], c_commit)
    first = sample_episodes(model, visit_policy(model, 0), 1, rng)[0, 0]
    cands = [int(first) - 1] if model.meta.get("leak") and first > 0 else list(range(K))
    data = {c: _signed_pairs(model, sample_episodes(model, visit_policy(model, c), N_per[-1], rng)) for c in cands}
    out = []
    for N in N_per:
        stats = [collision_statistic(data[c][0][:N], data[c][1][:N], n) for c in cands]
        c_hat = cands[_random_argmax(np.array([z for z, _ in stats]), rng)]
        extra = _signed_pairs(model, sample_episodes(model, visit_policy(model, c_hat), N2, rng))
        _, D = collision_statistic(np.concatenate([data[c_hat][0][:N], extra[0]]),
                                   np.concatenate([data[c_hat][1][:N], extra[1]]), n)
        out.append(TesterOutput(c_hat, _signs(D, rng), N * len(cands) + N2 + 1))
    return out


def commit_policy(model: EpisodicPOMDP, c: int, z_hat: Sequence[int]) -> Callable:
    """History policy: navigate to ``c``, at the test layer bet ``z_hat[i]`` on pair ``i``; on the 1-step control
    (the test layer emits ``(i, sigma)`` as ``2 i + k``) bet the observed sign ``sigma`` instead."""
    act = visit_policy(model, c)
    D = model.meta["Dtree"]
    control = bool(model.meta.get("control"))

    def policy(hist, h, o):
        if h == D + 1:
            if control:
                return int(o % 2)                                  # k = 0: sigma = + -> bet + (action 0)
            return 0 if z_hat[o] == 1 else 1
        return int(act[h][o])
    return policy


# ---------------------------------------------------------------------------------------- OMLE-lite
def omle_lite(model: EpisodicPOMDP, budgets: Sequence[int], rng: np.random.Generator,
              beta: float = math.log(10.0)) -> list[TesterOutput]:
    """OMLE-lite on RevealTest (see module docstring); anytime outputs after each of the episode ``budgets``.

    ``LL(c, z) - LL(M_0) = sum_{episodes at c} log(1 + alpha eps z_i s)`` (``s`` the observed sign of pair ``i``):
    separable in ``i``, so ``max_z LL(c, z)`` and the within-candidate MLE are per-pair choices.  When every
    ``M_(c,z)`` is refuted (only ``M_0`` left: all policies tie), a uniformly random candidate is played.  The
    ``j``-th visit to candidate ``c`` reads the ``j``-th draw of a stream sampled up front for ``c`` (the visit
    policy is fixed per candidate, so the draws are i.i.d.: an exact simulation).  A leaky root restricts the
    class to the candidate it names."""
    budgets = sorted(int(b) for b in budgets)
    K, n, ae = model.meta["K"], model.meta["n"], model.meta["alpha"] * model.meta["eps"]
    lp, lm = math.log1p(ae), (math.log1p(-ae) if ae < 1 else -1e9)
    first = sample_episodes(model, visit_policy(model, 0), 1, rng)[0, 0]
    cands = np.array([int(first) - 1] if model.meta.get("leak") and first > 0 else list(range(K)))
    B = budgets[-1]
    streams = {int(c): _signed_pairs(model, sample_episodes(model, visit_policy(model, int(c)), B, rng)) for c in cands}
    used = {int(c): 0 for c in cands}
    Pc = np.zeros((K, n))                          # counts of + signs per candidate and pair
    Mc = np.zeros((K, n))                          # counts of - signs
    out, k = [], 0

    def ll() -> np.ndarray:                        # max over z of LL(c, z) - LL(M_0), candidates in cands
        return np.maximum(Pc[cands] * lp + Mc[cands] * lm, Pc[cands] * lm + Mc[cands] * lp).sum(axis=1)

    for budget in budgets:
        while k < budget:
            llc = ll()
            top = max(0.0, float(llc.max()))                                  # M_0 has LL 0
            in_set = np.flatnonzero(llc >= top - beta)                        # optimistic members (V* = 1/2 + Delta)
            pick = in_set if in_set.size else np.arange(cands.size)
            c = int(cands[pick[rng.integers(pick.size)]])
            i, s = streams[c][0][used[c]], streams[c][1][used[c]]
            used[c] += 1
            (Pc if s == 1 else Mc)[c, i] += 1
            k += 1
        c_hat = int(cands[_random_argmax(ll(), rng)])
        out.append(TesterOutput(c_hat, _signs(Pc[c_hat] - Mc[c_hat], rng), budget + 1))
    return out


# ---------------------------------------------------------------------------------------- episodes-to-eps
LEARNERS = {"collision": collision_tester, "omle-lite": omle_lite}


def episodes_to_eps(A: int, Dtree: int, n: int, alpha: float, eps: float, grid: Sequence[int], reps: int,
                    seed: int, *, learner: str = "collision", eps_target: float | None = None,
                    success: float = 2 / 3, leak: bool = False) -> dict:
    """Least episode count on ``grid`` (visits per candidate for the tester, episodes for OMLE-lite) at which the
    learner's output is ``eps_target``-optimal (default ``alpha eps / 4``, half the gap: only the special
    candidate with at least 3/4 of the signs right qualifies) in at least ``success`` of ``reps`` runs; ``inf``
    when no grid point makes it.  ``(c*, z)`` uniform per run; values exact.  Returns the episodes, the success
    rate per grid point and the episode counts."""
    seed = check_seed(seed)
    if learner not in LEARNERS:
        raise ModelError(f"learner must be one of {sorted(LEARNERS)}; got {learner!r}")
    if int(reps) < 1 or not len(grid) or min(int(g) for g in grid) < 1:
        raise ModelError(f"episodes_to_eps needs reps >= 1 and a non-empty grid of positive counts; got reps={reps}, "
                         f"grid={list(grid)[:5]}")
    if not (0 < success <= 1):
        raise ModelError(f"success must lie in (0, 1]; got {success}")
    rng = np.random.default_rng(seed)
    gap = alpha * eps / 2
    target = gap / 2 if eps_target is None else eps_target
    K = A ** (Dtree + 1)
    vstar = 0.5 + gap
    wins = np.zeros(len(grid))
    episodes = None
    cache: dict = {}
    for _ in range(reps):
        c_star = int(rng.integers(K))
        z = tuple(int(v) for v in rng.choice((1, -1), size=n))
        model = reveal_test(A, Dtree, n, alpha, eps, c_star, z)
        env = leaky(model) if leak else model
        outs = LEARNERS[learner](env, grid, rng)
        episodes = [o.episodes for o in outs]
        for j, o in enumerate(outs):
            key = (o.c_hat == c_star, sum(a == b for a, b in zip(o.z_hat, z)))
            if key not in cache:                                               # exact value of the output
                cache[key] = policy_value(model, commit_policy(model, o.c_hat, o.z_hat))
            wins[j] += vstar - cache[key] <= target + 1e-12
    rate = wins / reps
    ok = np.flatnonzero(rate >= success)
    return {"episodes": float(episodes[ok[0]]) if ok.size else math.inf, "rate": rate.tolist(),
            "grid_episodes": episodes, "target": target, "gap": gap}


# ---------------------------------------------------------------------------------------- regret
PROBE, BET_PLUS, BET_MINUS = 2, 0, 1


def _bet_values(alpha: float, eps: float, z: int, control: bool) -> tuple[float, float, float]:
    """Exact (V*, V(bet +), V(probe)) of :func:`costly_reveal` by enumeration, plus V(bet -)."""
    m = costly_reveal(alpha, eps, z, control=control)
    v = [policy_value(m, lambda hist, h, o, a=a: a) for a in (BET_PLUS, BET_MINUS, PROBE)]
    return max(v), v[0], v[1], v[2]


def etc_regret_curve(alpha: float, eps: float, T_grid: Sequence[int], c_N: float, seed: int, z: int = 1) -> np.ndarray:
    """Exact regret of explore-then-commit on :func:`costly_reveal` at each horizon ``T``: ``N(T) =
    min(T, ceil(c_N T^{2/3}))`` probe episodes, then the majority sign (ties uniformly at random) forever."""
    rng = np.random.default_rng(check_seed(seed))
    if c_N <= 0 or any(int(T) < 1 for T in T_grid):
        raise ModelError(f"etc_regret_curve needs c_N > 0 and horizons T >= 1; got c_N={c_N}, T_grid={list(T_grid)[:5]}")
    model = costly_reveal(alpha, eps, z)
    vstar, vp, vm, vprobe = _bet_values(alpha, eps, z, False)
    act = [np.array([PROBE]), np.zeros(model.E[1].shape[0], dtype=np.int64)]
    out = []
    for T in T_grid:
        N = int(min(T, math.ceil(c_N * T ** (2 / 3))))
        obs = sample_episodes(model, act, N, rng)[:, 1]                      # 1 = P (sigma = +), 2 = M
        d = int((obs == 1).sum() - (obs == 2).sum())
        b = BET_PLUS if d > 0 else BET_MINUS if d < 0 else int(rng.integers(2))
        out.append(N * (vstar - vprobe) + (T - N) * (vstar - (vp if b == BET_PLUS else vm)))
    return np.array(out)


def greedy_regret_curve(alpha: float, eps: float, T_max: int, seed: int, z: int = 1, control: bool = True) -> np.ndarray:
    """Exact cumulative regret ``(T_max,)`` of follow-the-leader: each episode bet the majority of the signs
    decoded so far (``sigma_hat = b`` on ``W``, ``-b`` on ``Lo``; ties uniformly at random).  On the control,
    ``sigma_hat_t`` is the latent ``sigma_t`` flipped with probability ``(1 - alpha)/2`` whatever the bet, so
    the run is simulated exactly in one vectorised pass (latent sign and emission noise drawn up front, bets
    from the running majority).  On the costly instance (``control=False``) nothing is decoded: ties forever."""
    rng = np.random.default_rng(check_seed(seed))
    if int(T_max) < 1:
        raise ModelError(f"T_max must be >= 1; got {T_max}")
    vstar, vp, vm, _ = _bet_values(alpha, eps, z, control)
    sigma = np.where(rng.random(T_max) < (1 + eps * z) / 2, 1, -1)            # latent sign, P(sigma = z)
    flip = rng.random(T_max) < (1 - alpha) / 2                                 # emission noise
    dec = np.where(flip, -sigma, sigma) if control else np.zeros(T_max, dtype=np.int64)
    lead = np.concatenate([[0], np.cumsum(dec)[:-1]])
    bet = np.where(lead > 0, 1, np.where(lead < 0, -1, rng.choice((1, -1), size=T_max)))
    per = np.where(bet == 1, vstar - vp, vstar - vm)
    return np.cumsum(per)


def minimax_regret(curve_fn: Callable[[float], np.ndarray], eps_grid: Sequence[float]) -> np.ndarray:
    """Pointwise max over the gap grid of the regret curves (the learner's worst case over the family)."""
    return np.max(np.stack([curve_fn(e) for e in eps_grid]), axis=0)


# ---------------------------------------------------------------------------------------- exact expectations
def _p_wrong_majority(t: np.ndarray, q: float) -> np.ndarray:
    """P(majority of ``t`` i.i.d. signs, each right w.p. ``q``, is wrong), ties broken by a fair coin."""
    from scipy.stats import binom

    t = np.asarray(t)
    below = binom.cdf(np.ceil(t / 2) - 1, t, q)                  # #right < t/2
    tie = np.where(t % 2 == 0, binom.pmf(t // 2, t, q), 0.0)
    return below + tie / 2


def etc_expected_regret(alpha: float, eps: float, T_grid: Sequence[int], c_N: float, z: int = 1) -> np.ndarray:
    """EXPECTED regret of :func:`etc_regret_curve` in closed form: a probe shows ``z`` w.p.
    ``q = (1 + alpha eps)/2``, so ``N (V* - V(probe)) + (T - N) eps P(majority of N wrong)``."""
    vstar, vp, vm, vprobe = _bet_values(alpha, eps, z, False)
    q = (1 + alpha * eps) / 2
    out = []
    for T in T_grid:
        N = int(min(T, math.ceil(c_N * T ** (2 / 3))))
        out.append(N * (vstar - vprobe) + (T - N) * abs(vp - vm) * float(_p_wrong_majority(np.array([N]), q)[0]))
    return np.array(out)


def greedy_expected_regret(alpha: float, eps: float, T_max: int, z: int = 1) -> np.ndarray:
    """EXPECTED cumulative regret of :func:`greedy_regret_curve` on the control in closed form: the bet of
    episode ``t`` (0-based) is wrong w.p. ``P(majority of t decoded signs wrong)``, each right w.p.
    ``(1 + alpha eps)/2``; a wrong bet costs ``eps``."""
    vstar, vp, vm, _ = _bet_values(alpha, eps, z, True)
    q = (1 + alpha * eps) / 2
    return np.cumsum(abs(vp - vm) * _p_wrong_majority(np.arange(T_max), q))
