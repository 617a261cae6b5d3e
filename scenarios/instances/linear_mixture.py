"""Linear mixture MDP instances for reward-free exploration (pure builders; they register nothing).

* :func:`hard_instance`: the lower-bound instance of Zhang, Zhang & Gu (ICML 2023, arXiv:2303.10165; thesis
  Sec. 2.6.2.2 / 2.8.4), built on Zhou, He & Gu's (2021, arXiv:2012.08507) construction: states
  ``x1, x2, x3`` (indices 0, 1, 2), actions ``a in {-1, +1}^{d-1}`` (``2^{d-1}`` of them, action index ``j``
  has sign ``+1`` in coordinate ``i`` iff bit ``i`` of ``j`` is set), start ``x1``;
  ``P(x3 | x1, a) = delta + <mu, a>``, ``P(x2 | x1, a) = 1 - delta - <mu, a>``, ``x2``, ``x3`` absorbing;
  features ``phi(x2|x1,a) = (fa (1 - delta), -fb a)``, ``phi(x3|x1,a) = (fa delta, fb a)``,
  ``phi(s|s,a) = (fa, 0)`` for ``s in {x2, x3}``; ``theta* = (1/fa, mu/fb)``; ``mu in {-Delta, +Delta}^{d-1}``
  with random signs.  The feature scale constants ``feat_alpha = fa = sqrt(1 / (1 + (d-1) Delta))`` and
  ``feat_beta = fb = sqrt(Delta / (1 + (d-1) Delta))`` (the thesis leaves them unspecified; this choice makes
  ``fa^2 + (d-1) fb^2 = 1``, hence ``||phi_V|| <= 1`` on ``[0, 1]^S``, and ``||theta*|| = 1 + (d-1) Delta``)
  are named apart from the algorithm's ``alpha``, ``beta``.  Reward ``r(x3, .) = 1/H``.
  The value of action ``a`` is ``(H - 1)/H (delta + <mu, a>)`` and the best action is ``sign(mu)``.
  Sample-complexity version (our design, docs/theory/zhang2023rfe.md): ``Delta = kappa * eps / d``.
* :func:`random_linear_mixture`: ``d`` base kernels ``P_i ~ Dirichlet(0.5)``, ``theta*`` a random point of
  the simplex times ``sqrt(d)``, features ``P_i / sqrt(d)`` (so ``||phi_V|| <= 1`` and ``B = sqrt(d)``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mdplab.errors import ModelError
from mdplab.linear_mixture import LinearMixtureMDP, linear_mixture_mdp

#: the hard instance's ``delta`` (probability scale of reaching ``x3``) [thesis Sec. 2.8.4]
HARD_DELTA = 1.0 / 6.0


@dataclass(frozen=True)
class HardInstance:
    """The lower-bound instance: ``model`` (reward ``R`` with ``r(x3) = 1/H``), the sign vector ``mu``,
    ``Delta``, the feature scale constants ``feat_alpha``, ``feat_beta`` and ``delta``."""

    model: LinearMixtureMDP
    mu: np.ndarray
    Delta: float
    feat_alpha: float
    feat_beta: float
    delta: float

    @property
    def best_action(self) -> int:
        """The index of ``sign(mu)``."""
        return action_index(np.sign(self.mu))


def action_signs(d: int) -> np.ndarray:
    """``(2^{d-1}, d-1)`` matrix of the actions ``{-1, +1}^{d-1}``: row ``j`` has ``+1`` where bit ``i`` of
    ``j`` is set."""
    j = np.arange(2 ** (d - 1))
    return np.where((j[:, None] >> np.arange(d - 1)[None, :]) & 1, 1.0, -1.0)


def action_index(signs: np.ndarray) -> int:
    return int(sum(1 << i for i, v in enumerate(np.asarray(signs)) if v > 0))


def hard_instance(d: int, H: int, Delta: float, seed: int, delta: float = HARD_DELTA,
                  max_actions: int = 1 << 12) -> HardInstance:
    """The lower-bound instance (module docstring) with random signs ``mu`` from ``seed``; requires
    ``(d-1) Delta <= delta`` (probabilities in ``[0, 1]``)."""
    if d < 2:
        raise ModelError(f"the hard instance needs d >= 2; got d = {d}")
    if 2 ** (d - 1) > max_actions:
        raise ModelError(f"d = {d} gives 2^{d - 1} actions, above max_actions = {max_actions}")
    if not (Delta > 0 and (d - 1) * Delta <= delta):
        raise ModelError(f"Delta must be in (0, delta / (d - 1)] = (0, {delta / (d - 1):.6g}] so that every "
                         f"probability lies in [0, 1]; got Delta = {Delta}")
    rng = np.random.default_rng(seed)
    mu = Delta * rng.choice([-1.0, 1.0], size=d - 1)
    feat_alpha = math.sqrt(1.0 / (1.0 + (d - 1) * Delta))
    feat_beta = math.sqrt(Delta / (1.0 + (d - 1) * Delta))
    signs = action_signs(d)
    A = signs.shape[0]
    Phi = np.zeros((3, A, 3, d))
    Phi[0, :, 1, 0] = feat_alpha * (1.0 - delta)
    Phi[0, :, 1, 1:] = -feat_beta * signs
    Phi[0, :, 2, 0] = feat_alpha * delta
    Phi[0, :, 2, 1:] = feat_beta * signs
    Phi[1, :, 1, 0] = feat_alpha
    Phi[2, :, 2, 0] = feat_alpha
    theta = np.concatenate([[1.0 / feat_alpha], mu / feat_beta])
    R = np.zeros((3, A))
    R[2, :] = 1.0 / H
    model = linear_mixture_mdp(Phi, theta, R, horizon=H, mu=np.array([1.0, 0.0, 0.0]))
    return HardInstance(model=model, mu=mu, Delta=float(Delta), feat_alpha=feat_alpha, feat_beta=feat_beta,
                        delta=float(delta))


def hard_instance_for_epsilon(d: int, H: int, eps: float, seed: int, kappa: float = 2.0) -> HardInstance:
    """The sample-complexity version: ``Delta = kappa * eps / d`` (our design: a policy with more than about
    ``d / (2 kappa)`` wrong signs is not ``eps``-optimal, and identifying the signs needs ``K ~ d^2 / eps^2``)."""
    return hard_instance(d, H, kappa * eps / d, seed)


def random_linear_mixture(S: int, A: int, d: int, H: int, seed: int, concentration: float = 0.5) -> LinearMixtureMDP:
    """B-rand: ``Phi_i = P_i / sqrt(d)`` with ``P_i(. | s, a) ~ Dirichlet(concentration)`` and
    ``theta* = sqrt(d) w`` with ``w ~ Dirichlet(1)``; start state 0, reward zero (given after exploration)."""
    rng = np.random.default_rng(seed)
    kernels = rng.dirichlet(np.full(S, concentration), size=(d, S, A))
    w = rng.dirichlet(np.ones(d))
    Phi = np.moveaxis(kernels, 0, -1) / math.sqrt(d)
    mu = np.zeros(S)
    mu[0] = 1.0
    return linear_mixture_mdp(Phi, math.sqrt(d) * w, None, horizon=H, mu=mu)


__all__ = ["HardInstance", "hard_instance", "hard_instance_for_epsilon", "random_linear_mixture", "action_signs",
           "action_index", "HARD_DELTA"]
