"""Instance quantities of the horizon-free latent-MDP bounds: Gamma and the two Var* candidates.

Source: R. Zhou, R. Wang, S. S. Du, *Horizon-Free and Variance-Dependent Reinforcement Learning for Latent
Markov Decision Processes*, ICML 2023, arXiv:2210.11604 (version not recorded) (`zhou2023lmdp`).
The section marks below (§A1) refer to our working notes on this paper, which are not yet in ``docs/theory/``.

Implements
    * ``transition_degree``: Gamma := max_{m,s,a} |supp P_m(.|s,a)| (§A1, [V]).
    * ``max_total_reward``: the largest total reward of any trajectory of any context, for the
      "total reward <= 1" normalisation check (§A1 "Scale", [V] footnote; the DP is ours).
    * ``policy_variance``: Var^pi := sum_m w_m Var(sum_h r_h | m, pi) for a history-dependent plan given by
      alpha vectors with continuation pointers (§A1 first form, [R]).
    * ``var_star_opt`` = Var^{pi*} and ``var_star_max`` = max_pi Var^pi: the **two candidate definitions** we
      list because the paper's exact Var* definition was not retrieved ([R]); report both.

Provenance: Gamma is verified; both Var* definitions are reconstructions ([R]): never use them
as a hard test threshold for the paper's theorem.  Exact computation uses mdplab.lmdp's planner.
Deviations: Var^{pi*} depends on how ties between optimal plans are broken; ours takes the first maximiser
(lexicographically largest alpha vector after pruning).  ``var_star_max`` enumerates every deterministic
history-dependent plan and is exponential: tiny instances only (``max_policies`` guards it).
"""
from __future__ import annotations

import itertools

import numpy as np

from mdplab.errors import NotApplicableError
from mdplab.lmdp import LatentMDP, LMDPSolution, lmdp_value_iteration


def transition_degree(lmdp: LatentMDP, atol: float = 0.0) -> int:
    """Gamma = max_{m,s,a} |{s' : P_m(s'|s,a) > atol}| (zhou2023lmdp §3)."""
    return int(np.max(np.sum(lmdp.P > atol, axis=3)))                           # , Gamma


def max_total_reward(lmdp: LatentMDP) -> float:
    """max over contexts and feasible trajectories (positive-probability transitions) of sum_h R_m(s_h, a_h),
    by backward DP; the bounds assume this is <= 1 (the "total reward <= 1" scale)."""
    M, S, H = lmdp.n_contexts, lmdp.n_states, lmdp.horizon
    best = -np.inf
    for m in range(M):
        v = np.zeros(S)
        for _ in range(H):
            reach = np.where(lmdp.P[m] > 0, v[None, None, :], -np.inf).max(axis=2)   # (S, A)
            v = (lmdp.R[m] + reach).max(axis=1)
        best = max(best, float(v[lmdp.nu[m] > 0].max()))
    return best


def policy_variance(lmdp: LatentMDP, solution: LMDPSolution, start: np.ndarray | None = None) -> float:
    """Var^pi = sum_m w_m (E[G^2 | m] - E[G | m]^2) of the plan that starts with ``start[s]`` at ``s_1 = s``
    (default: the solution's optimal choice), with G the episode's total reward (first form)."""
    start = solution.start if start is None else np.asarray(start)
    first = solution.stages[0]
    mean = sum(lmdp.nu[:, s] * first[s].alpha[start[s]] for s in range(lmdp.n_states))     # E[G | m]
    second = sum(lmdp.nu[:, s] * first[s].second[start[s]] for s in range(lmdp.n_states))
    return float(np.sum(lmdp.weights * (second - mean ** 2)))                   # , Var^pi


def var_star_opt(lmdp: LatentMDP) -> float:
    """Candidate 1 ([R]): Var^{pi*}, the variance of an optimal history-dependent policy."""
    return policy_variance(lmdp, lmdp_value_iteration(lmdp))


def var_star_max(lmdp: LatentMDP, max_policies: int = 1_000_000) -> float:
    """Candidate 2 ([R]): max over deterministic history-dependent policies of Var^pi, by
    enumeration of every conditional plan (no pruning) and every choice of first plan per ``s_1``."""
    sol = lmdp_value_iteration(lmdp, prune_vectors=False, max_vectors=max_policies)
    reachable = [s for s in range(lmdp.n_states) if lmdp.nu[:, s].any()]
    sizes = [len(sol.stages[0][s].alpha) for s in reachable]
    if np.prod(np.asarray(sizes, dtype=float)) > max_policies:
        raise NotApplicableError(f"{int(np.prod(np.asarray(sizes, dtype=float)))} policies exceed max_policies={max_policies}")
    best = -np.inf
    start = np.zeros(lmdp.n_states, dtype=np.int64)
    for choice in itertools.product(*[range(k) for k in sizes]):
        start[reachable] = choice
        best = max(best, policy_variance(lmdp, sol, start))
    return best
