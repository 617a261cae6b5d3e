"""Average-reward instances for LOOP and the linear-mixture learners, each with exact ``J*`` and ``sp(V*)``.
Pure builders: they register nothing.

* :func:`two_state` (re-exported from :mod:`scenarios.instances.learning`): ``TwoState(p, q)``,
  ``J* = p / (p + q)``, ``sp(V*) = 1 / (p + q)``.
* :func:`riverswim_start04`: a RiverSwim VARIANT used in mdplab's LOOP working notes (right from state 0
  with probability 0.4, stay 0.6; interior 0.35 / 0.6 / 0.05; last state 0.6 stay / 0.4 back; rewards
  0.005 at ``(0, left)`` and 1 at ``(n-1, right)``).  It is NOT a published parameterisation (Osband, Russo,
  Van Roy 2013 move right from state 0 with probability 0.6: :func:`scenarios.instances.learning.riverswim`);
  use the published one for comparisons with published numbers.  For ``n = 6``: ``J* = 0.428597``,
  ``sp(V*) = 6.7266`` (computed independently in those notes, checked in tests).
* :func:`random_communicating` (re-exported): random communicating AMDPs.
* :func:`linear_mixture_from_basis`: a linear-mixture AMDP built from ``d`` basis kernels ``P_1..P_d``
  (each drawn like the rows of :func:`random_communicating`: communicating by construction) and a weight
  ``theta*`` on the simplex; ``Phi[s, a, s', k] = P_k(s' | s, a)``, so ``P = Phi @ theta*``.
* :func:`linear_mixture_hard`: the two-state hard family of the linear-mixture AMDP literature (Wu, Zhou,
  Gu 2022, bibkey ``wu2022vtr``, lower-bound construction; our reconstruction): states ``x0, x1``, actions
  ``a in {-1, 1}^(d-1)``, ``P(x1 | x0, a) = delta + <a, theta>``, ``P(x0 | x1, a) = delta``, reward 1 in
  ``x1``; ``theta in {-Delta, Delta}^(d-1)``.  Closed form (derived: stationary law of the two-state chain):
  ``J* = (delta + (d-1) Delta) / (2 delta + (d-1) Delta)``, ``sp(V*) = 1 / (2 delta + (d-1) Delta)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from mdplab.errors import ModelError
from mdplab.linear_mixture import LinearMixtureMDP, linear_mixture_mdp
from mdplab.regret import diameter, optimal_gain

from .learning import LearningInstance, _instance, random_communicating, two_state, two_state_closed_form

BIBKEYS = ("he2024loop", "wu2022vtr", "osband2013")


def riverswim_start04(n: int = 6) -> LearningInstance:
    """The working-note RiverSwim variant (module docstring; NOT Osband et al. 2013); action 0 = left,
    1 = right; start state 0."""
    if n < 3:
        raise ModelError(f"riverswim_start04 needs n >= 3 states; got {n}")
    P = np.zeros((n, 2, n))
    R = np.zeros((n, 2))
    for s in range(n):
        P[s, 0, max(s - 1, 0)] = 1.0
    P[0, 1, 1], P[0, 1, 0] = 0.4, 0.6
    for s in range(1, n - 1):
        P[s, 1, s + 1], P[s, 1, s], P[s, 1, s - 1] = 0.35, 0.6, 0.05
    P[n - 1, 1, n - 1], P[n - 1, 1, n - 2] = 0.6, 0.4
    R[0, 0], R[n - 1, 1] = 0.005, 1.0
    return _instance(f"riverswim_start04:{n}", P, R, 0, None, "derived")


@dataclass(frozen=True)
class LinearMixtureInstance:
    """A linear-mixture AMDP with its exact quantities: ``model`` (:class:`mdplab.linear_mixture.LinearMixtureMDP`),
    ``P (S, A, S)``, ``R (S, A)``, exact ``gain`` J*, ``span`` sp(V*), ``diameter``, ``name``, ``source``."""

    name: str
    model: LinearMixtureMDP
    P: np.ndarray
    R: np.ndarray
    gain: float
    span: float
    diameter: float
    source: str

    @property
    def Phi(self) -> np.ndarray:
        return self.model.Phi

    @property
    def theta(self) -> np.ndarray:
        return self.model.theta


def _lm_instance(name: str, Phi: np.ndarray, theta: np.ndarray, R: np.ndarray, source: str) -> LinearMixtureInstance:
    model = linear_mixture_mdp(Phi, theta, R)
    P = np.ascontiguousarray(np.clip(model.P, 0.0, None))
    P /= P.sum(axis=2, keepdims=True)
    D = diameter(P)
    if not np.isfinite(D):
        raise ModelError(f"{name}: the model is not communicating")
    og = optimal_gain(P, model.R)
    return LinearMixtureInstance(name, model, P, np.asarray(model.R), og.gain, og.span, D, source)


def linear_mixture_from_basis(d: int, S: int, A: int, seed: int, k: int = 2, eta: float = 0.3,
                              theta: np.ndarray | None = None) -> LinearMixtureInstance:
    """``d`` basis kernels drawn with ``seed`` (rows ``(1 - eta) Dirichlet(1)`` on ``k`` random successors
    ``+ eta`` on ``(s + 1) mod S``), rewards U[0, 1], ``theta*`` uniform on the simplex (or given)."""
    if not (d >= 1 and S >= 2 and A >= 1 and 1 <= k <= S and 0 < eta <= 1):
        raise ModelError(f"linear_mixture_from_basis: bad parameters d={d}, S={S}, A={A}, k={k}, eta={eta}")
    rng = np.random.default_rng(seed)
    Phi = np.zeros((S, A, S, d))
    for j in range(d):
        for s in range(S):
            for a in range(A):
                succ = rng.choice(S, size=k, replace=False)
                Phi[s, a, succ, j] += (1.0 - eta) * rng.dirichlet(np.ones(k))
                Phi[s, a, (s + 1) % S, j] += eta
    R = rng.random((S, A))
    th = rng.dirichlet(np.ones(d)) if theta is None else np.asarray(theta, dtype=float)
    return _lm_instance(f"linear_mixture:{d},{S},{A},{seed}", Phi, th, R, "derived")


def linear_mixture_hard_closed_form(d: int, delta: float, Delta: float) -> dict[str, float]:
    """``{"gain": (delta + (d-1) Delta) / (2 delta + (d-1) Delta), "span": 1 / (2 delta + (d-1) Delta)}``."""
    g = (d - 1) * Delta
    return {"gain": (delta + g) / (2 * delta + g), "span": 1.0 / (2 * delta + g)}


def linear_mixture_hard(d: int, delta: float, Delta: float, signs: np.ndarray | None = None) -> LinearMixtureInstance:
    """The two-state hard family (module docstring) with ``theta = Delta * signs`` (default all +1); the
    feature tensor ``Phi (2, 2^(d-1), 2, d)`` has coordinate 0 for the constant part (parameter 1) and
    coordinates ``1..d-1`` for ``<a, theta>``; actions enumerate ``{-1, 1}^(d-1)``."""
    if not (d >= 2 and 0 < delta and Delta >= 0 and 2 * delta + (d - 1) * Delta <= 1 and (d - 1) * Delta <= delta):
        raise ModelError(f"linear_mixture_hard needs d >= 2, delta > 0, (d-1) Delta <= delta, 2 delta + (d-1) Delta <= 1; "
                         f"got d={d}, delta={delta}, Delta={Delta}")
    sg = np.ones(d - 1) if signs is None else np.sign(np.asarray(signs, dtype=float))
    if sg.shape != (d - 1,) or np.any(sg == 0):
        raise ModelError(f"signs must be d-1 = {d - 1} values in {{-1, +1}}")
    actions = np.array(list(product((-1.0, 1.0), repeat=d - 1)))
    A = actions.shape[0]
    Phi = np.zeros((2, A, 2, d))
    for i, a in enumerate(actions):
        Phi[0, i, 0, 0], Phi[0, i, 1, 0] = 1.0 - delta, delta          # constant part (theta_0 = 1)
        Phi[0, i, 0, 1:], Phi[0, i, 1, 1:] = -a, a                      # <a, theta> moves mass x0 -> x1
        Phi[1, i, 0, 0], Phi[1, i, 1, 0] = delta, 1.0 - delta
    R = np.zeros((2, A))
    R[1, :] = 1.0
    theta = np.concatenate([[1.0], Delta * sg])
    return _lm_instance(f"linear_mixture_hard:{d},{delta},{Delta}", Phi, theta, R, "wu2022vtr")


__all__ = ["two_state", "two_state_closed_form", "riverswim_start04", "random_communicating", "LinearMixtureInstance",
           "linear_mixture_from_basis", "linear_mixture_hard", "linear_mixture_hard_closed_form"]
