"""Anchored value iteration (Anc-VI): discounted, gamma = 1 with a fixed point, and average reward.

See Lee & Ryu, "Accelerating Value Iteration with Anchoring", NeurIPS 2023, arXiv:2305.16569v2
(`lee2023anchoring`), and Lee & Ryu, "Optimal Non-Asymptotic Rates of Value Iteration for
Average-Reward MDPs", ICLR 2025 (`lee2025averagereward`).  Formulas, conditions and
derivations: ``docs/theory/lee2023anchoring.md`` and ``docs/theory/lee2025averagereward.md``.

Model (Puterman notation): ``T U = max_a (R + gamma P U)`` (optimality operator) or
``T^pi U = R_pi + gamma P_pi U`` (consistency / policy-evaluation operator), both gamma-contractions
in the sup-norm.  Anc-VI is the Halpern iteration of ``T``:

    U^k = beta_k U^0 + (1 - beta_k) T U^{k-1},  k >= 1,                             # Eq. (Anc)

* discounted, ``0 <= gamma < 1``: ``beta_k = 1 / sum_{i=0}^k gamma^{-2i}``, evaluated in the stable
  form ``beta_k = gamma^{2k} (1 - gamma^2) / (1 - gamma^{2k+2})`` ([D]; the naive sum
  overflows near k = 4e4 at gamma = 0.99);
* ``gamma = 1`` (undiscounted operator that has a fixed point): ``beta_k = 1/(k+1)``;
* average reward (``gamma = 1``, ``T`` usually without fixed point): ``lambda_k = 2/(k+2)``
  (Lee & Ryu 2025, Anc-VI; NOT ``1/(k+1)``).

Guarantees (tested in tests/test_anchored_vi.py, registered in bounds/): Bellman error
``||T U^k - U^k||_inf <= B_gen(gamma, k) ||U^0 - U*||_inf`` with
``B_gen = gamma^k (1 - gamma^2)(1 + 2 gamma - gamma^{k+1}) / (1 - gamma^{2k+2})`` (-> 2/(k+1) as
gamma -> 1), improved to ``B_ref`` when ``U^0 <= T U^0`` [D: derived and numerically
confirmed, theorem text unread]; average reward: ``||T V^k - V^k - g*||_inf <= 8 ||V^0 - h*||_inf/(k+1)``
(Lee & Ryu 2025 [V]).

Stopping rules (computable; chosen by mdplab, not by the papers):

* discounted: stop when ``gamma/(1-gamma) * span(T U - U)``, widened by the float64 rounding of the backup
  (the core's certificate, :func:`mdplab.solvers._common.macqueen`), is ``<= tol``.  With ``lo, hi = min, max (TU - U)``,
  MacQueen's bounds (Puterman 1994, Thm. 6.6.3) give ``v* in [TU + gamma lo/(1-gamma), TU + gamma hi/(1-gamma)]``
  and the same bracket for the greedy policy's value, so the greedy policy is ``tol``-optimal and the
  returned values (bracket midpoint) are within ``error_bound = gamma span / (2(1-gamma)) <= tol/2`` of v*.
* ``gamma = 1`` with a fixed point: stop when ``||T U - U||_inf <= tol`` (no certificate on values).
* average reward: stop when ``span(T V - V) <= tol``; for weakly communicating models
  ``min(TV - V) <= g* <= max(TV - V)`` and the greedy policy's gain is ``>= min(TV - V)``, so the
  returned gain (midpoint) is within ``error_bound = span/2`` and the policy is ``span``-optimal (span widened
  by the rounding: :func:`mdplab.solvers._common.gain_bounds`).
  On multichain models the span need not vanish: the run then ends at ``max_iter`` with
  ``converged=False`` and no certificate.

Provenance: the anchor schedules are [D]/[V]; the bound constants B_gen/B_ref are [D]
(derived, not read from the paper); the gamma = 1 optimality-operator constant 4 is [R].
Also: :func:`sampled_anchored_value_iteration`, the minibatch stochastic Halpern iteration of Bravo &
Contreras, arXiv:2403.12338v4 (`bravo2024`, [V] abstract, [R] details): the Bellman operator
is replaced by an empirical one built from ``m_k`` generative-model samples per ``(s, a)``, with a growing
batch (``m_k ~ k^4`` up to logs) keeping the Bellman residual O(1/k), and a constant batch plateauing.

Deviations: the papers state Anc-VI and its rates only; the stopping rules and the midpoint value /
gain estimates above are mdplab's additions.  Q-function and Gauss-Seidel variants are not implemented.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from mdplab.errors import ModelError, NotApplicableError
from mdplab.models import MDP
from mdplab.operators import bellman_backup, policy_backup, q_values
from mdplab.solution import Solution
from mdplab.solvers import gain_bounds, macqueen

BIBKEYS = ("lee2023anchoring", "lee2025averagereward", "puterman1994", "bravo2024")


def anc_vi_beta(gamma: float, k: int) -> float:
    """``beta_k = 1/sum_{i=0}^k gamma^{-2i}`` in the overflow-free form (``1/(k+1)`` at gamma = 1)."""
    if gamma >= 1.0:
        return 1.0 / (k + 1)
    g2 = gamma * gamma
    return g2 ** k * (1.0 - g2) / (1.0 - g2 ** (k + 1))  # Eq. (Anc): stable beta_k


def average_reward_anchor(k: int) -> float:
    """``lambda_k = 2/(k+2)``: Anc-VI for average-reward MDPs (Lee & Ryu 2025)."""
    return 2.0 / (k + 2)


def _scheme(model: MDP, gamma: float | None) -> tuple[str, float]:
    if model.criterion == "finite" or model.time_varying:
        raise NotApplicableError("anchored value iteration needs a stationary discounted or average-reward model; "
                                 "use backward_induction for finite horizons")
    if gamma is None:
        if model.criterion == "average":
            return "average", 1.0
        return "discounted", float(model.gamma)
    g = float(gamma)
    if not (0.0 <= g <= 1.0):
        raise ModelError(f"gamma {gamma!r} is outside [0, 1]")
    return ("fixed_point" if g == 1.0 else "discounted"), g


def _start(model: MDP, v0: np.ndarray | None) -> np.ndarray:
    if v0 is None:
        return np.zeros(model.n_states)
    v0 = np.array(v0, dtype=np.float64)
    if v0.shape != (model.n_states,):
        raise ModelError(f"v0 must have shape ({model.n_states},); got {v0.shape}")
    if not np.all(np.isfinite(v0)):
        raise ModelError("v0 contains NaN or inf")
    return v0


def anchored_iterates(model: MDP, v0: np.ndarray, gamma: float, scheme: str,
                      policy: np.ndarray | None = None) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(k, U^k, T U^k, greedy_k)`` for ``k = 0, 1, ...``: the Anc-VI sequence, one Bellman
    application per item.  ``scheme`` is ``"discounted"``, ``"fixed_point"`` or ``"average"``;
    with ``policy`` the consistency operator ``T^pi`` replaces ``T`` (``greedy_k`` is then ``policy``)."""
    U0 = v0
    U = v0.copy()
    TU = np.empty(model.n_states)
    greedy = np.empty(model.n_states, dtype=np.int64)
    k = 0
    while True:
        if policy is None:
            bellman_backup(model, U, gamma=gamma, out=(TU, greedy))
        else:
            policy_backup(model, policy, U, gamma=gamma, out=TU)
            greedy = policy
        yield k, U, TU, greedy
        k += 1
        beta = average_reward_anchor(k) if scheme == "average" else anc_vi_beta(gamma, k)
        U = beta * U0 + (1.0 - beta) * TU  # Eq. (Anc): U^k = beta_k U^0 + (1 - beta_k) T U^{k-1}


def anchored_value_iteration(model: MDP, *, tol: float = 1e-6, max_iter: int = 200_000,
                             v0: np.ndarray | None = None, gamma: float | None = None,
                             policy: np.ndarray | None = None) -> Solution:
    """Anc-VI on a stationary ``model``; returns a :class:`mdplab.Solution`.

    Parameters
    ----------
    tol : target of the stopping rule (module docstring): greedy-policy suboptimality (discounted),
        ``||TU - U||_inf`` (``gamma = 1``), or ``span(TV - V)`` (average reward).
    max_iter : cap on Bellman applications minus one; ``converged=False`` if reached.
    v0 : the anchor ``U^0`` (default zeros).
    gamma : override the model's discount; ``gamma=1.0`` selects the fixed-point scheme
        ``beta_k = 1/(k+1)`` (for undiscounted models that have a fixed point).  For an
        average-reward model, leave ``None`` to get the average-reward scheme ``2/(k+2)``.
    policy : evaluate this policy (deterministic ``(S,)`` or stochastic ``(S, A)``) with the
        consistency operator ``T^pi`` instead of optimising.

    ``residuals[k] = ||T U^k - U^k||_inf`` for ``k = 0..iterations`` (the quantity of the rate theorems;
    average reward: ``span(T V^k - V^k)``, which needs no ``g*``; ``info["span_residuals"]`` holds the
    span in every scheme); ``iterations`` is the last ``k``;
    ``info["bellman_applications"] = iterations + 1``.
    """
    scheme, g = _scheme(model, gamma)
    U0 = _start(model, v0)
    if not (tol >= 0 and np.isfinite(tol)):
        raise ModelError(f"tol must be a finite number >= 0; got {tol!r}")
    if int(max_iter) < 0:
        raise ModelError(f"max_iter must be >= 0; got {max_iter!r}")
    if policy is not None:
        policy = np.asarray(policy)
        policy_backup(model, policy, U0, gamma=g)  # validates the policy at the boundary
    sup, span = [], []
    for k, U, TU, greedy in anchored_iterates(model, U0, g, scheme, policy):
        d = TU - U
        lo, hi = float(d.min()), float(d.max())
        sup.append(max(-lo, hi))
        span.append(hi - lo)
        if not np.isfinite(hi - lo):
            raise ModelError(f"Bellman residual became non-finite at iteration {k} (max |R| = "
                             f"{float(np.abs(model.R).max()):.3g}: rescale R)")
        # The core's certificates (mdplab.solvers._common), rounding of the backup included.
        if scheme == "discounted":
            bounds = macqueen(model, U, TU, g)
            converged = bounds.certifies(tol)
        elif scheme == "fixed_point":
            converged = sup[-1] <= tol
        else:
            bounds = gain_bounds(model, lo, hi, float(np.abs(U).max()), extra_terms=0)
            converged = bounds.certifies(tol)
        if converged or k >= max_iter:
            break
    info = {"bellman_applications": k + 1, "span_residuals": np.asarray(span), "scheme": scheme,
            "anchor": "2/(k+2)" if scheme == "average" else ("1/(k+1)" if scheme == "fixed_point"
                                                                  else "gamma^2k (1-gamma^2)/(1-gamma^(2k+2))")}
    pol = np.array(greedy, copy=True)
    method = "anchored_vi"
    if scheme == "discounted":
        cert = bounds.certificate(TU, pol)
        values = cert.values
        info["policy_gap"] = cert.policy_gap
        return Solution(values=values, q=q_values(model, values, gamma=g), policy=pol, iterations=k,
                        residuals=np.asarray(sup), converged=converged, method=method,
                        error_bound=cert.value_error, info=info)
    if scheme == "fixed_point":
        values = TU.copy()
        return Solution(values=values, q=q_values(model, values, gamma=1.0), policy=pol, iterations=k,
                        residuals=np.asarray(sup), converged=converged, method=method, info=info)
    bias = TU - TU[0]
    return Solution(values=bias, q=q_values(model, bias, gamma=1.0), policy=pol, iterations=k,
                    residuals=np.asarray(span), converged=converged, method=method,
                    error_bound=bounds.error, gain=bounds.gain, bias=bias, info=info)


@dataclass(frozen=True)
class SampledAncVIResult:
    """Last iterate ``values``; ``residuals[k]`` = exact ``span(T V^k - V^k)`` (average reward) or
    ``||T V^k - V^k||_inf`` (discounted), monitored with the exact operator (not charged);
    ``samples[k]`` = cumulative generative-model samples used to build ``V^k``."""

    values: np.ndarray
    residuals: np.ndarray
    samples: np.ndarray


def sampled_anchored_value_iteration(model: MDP, n_iter: int, batch: Callable[[int], int], *,
                                     v0: np.ndarray | None = None,
                                     seed: int | np.random.Generator = 0) -> SampledAncVIResult:
    """Stochastic Halpern iteration on the sampled Bellman operator (Bravo & Contreras 2024):

        V^k = lambda_k V^0 + (1 - lambda_k) T_hat_k V^{k-1},
        T_hat_k V(s) = max_a [R(s, a) + gamma (1/m_k) sum_{j <= m_k} V(s'_j)],  s'_j ~ P(. | s, a) i.i.d.,

    with ``m_k = batch(k)`` fresh samples per ``(s, a)`` (drawn as multinomial counts: the same law as
    ``m_k`` single draws), ``lambda_k = 2/(k+2)`` for average reward and Anc-VI's ``beta_k`` for discounted
    models.  Dense transitions only (small models).  [R]: the papers' exact batch schedules and constants
    are not reproduced; ``batch`` is the caller's choice."""
    if model.criterion not in ("discounted", "average") or model.time_varying:
        raise NotApplicableError("sampled anchored VI needs a stationary discounted or average-reward model")
    if int(n_iter) < 0:
        raise ModelError(f"n_iter must be >= 0; got {n_iter!r}")
    rng = np.random.default_rng(seed) if isinstance(seed, (int, np.integer)) else seed
    S, A = model.shape
    P = model.dense_transitions().reshape(S * A, S)
    gamma = 1.0 if model.criterion == "average" else float(model.gamma)
    V0 = _start(model, v0)
    V = V0.copy()
    residuals, samples, used = [], [], 0
    for k in range(int(n_iter) + 1):
        TV = bellman_backup(model, V, gamma=gamma)[0]  # monitoring only, exact T
        d = TV - V
        residuals.append(float(d.max() - d.min()) if model.criterion == "average" else float(np.abs(d).max()))
        samples.append(used)
        if k == n_iter:
            break
        m = int(batch(k + 1))
        if m < 1:
            raise ModelError(f"batch({k + 1}) = {m}: need at least one sample per (s, a)")
        counts = rng.multinomial(m, P)  # (S*A, S): m i.i.d. next states per (s, a)
        used += m * S * A
        That = (model.R + gamma * (counts @ V).reshape(S, A) / m).max(axis=1)
        lam = average_reward_anchor(k + 1) if model.criterion == "average" else anc_vi_beta(gamma, k + 1)
        V = lam * V0 + (1.0 - lam) * That  # stochastic Halpern step
    return SampledAncVIResult(V, np.asarray(residuals), np.asarray(samples))
