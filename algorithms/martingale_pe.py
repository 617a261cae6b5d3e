"""Martingale policy evaluation in continuous time and space.

Yanwei Jia and Xun Yu Zhou (2022), "Policy Evaluation and Temporal-Difference Learning in Continuous
Time and Space: A Martingale Approach", Journal of Machine Learning Research 23(154):1-55,
arXiv:2108.06655 (v2, 1 Feb 2022); bibkey ``jia2022``.  Statements, provenance and
derivations: ``docs/theory/jia2022.md`` (the paper body could not be retrieved; the tags [V] verified /
[R] reconstructed / [D] derived are repeated below).

Setting.  Under the evaluated policy the state follows ``dX = b dt + sigma dW``; the value
is ``J(t, x) = E[int_t^T e^{-beta (s-t)} r(s, X_s) ds + e^{-beta (T-t)} h(X_T) | X_t = x]``.  For a
parametric family ``J^theta`` the process ``M^theta_t = e^{-beta t} J^theta(t, X_t) + int_0^t e^{-beta s} r ds``
is a martingale iff ``J^theta = J`` [V].  Data are trajectories ``(t_k, X_k, r_k)`` on a grid of mesh
``dt`` (:class:`mdplab.sde.Trajectories`).

Discrete conventions ([D]; these are the API's names):

* one-step discount ``gamma_dt = e^{-beta dt}``;
* TD increment, ``form="exponential"`` (default): ``delta_k = r_k dt + gamma_dt J_{k+1} - J_k``;
  ``form="euler"``: ``delta_k = r_k dt + J_{k+1} - (1 + beta dt) J_k``.  In the last increment of a
  finite-horizon episode the terminal reward ``h(X_K)`` replaces ``J^theta(T, X_K)`` (the definition of
  ``M_T``); with no terminal reward (infinite horizon, truncated run) ``J^theta(X_K)`` is bootstrapped;
* return-to-go ``G_k = sum_{j>=k} gamma_dt^{j-k} r_j dt + gamma_dt^{K-k} h(X_K)`` (``h = 0`` if absent);
* gradient features ``g_k = d/dtheta J^theta(t_k, X_k)``; expectations over episodes use the episode
  weights of the :class:`~mdplab.sde.Trajectories` (equal by default, quadrature weights in tests).

What is implemented, with provenance:

* martingale loss (ML, "continuous-time gradient Monte Carlo" [V for the idea, R for the
  1/2 and the weight]): :func:`martingale_loss`, :func:`martingale_loss_gradient`, the offline
  episode-by-episode :func:`martingale_loss_sgd`, and for linear families the exact minimiser
  :func:`martingale_loss_fit` (weighted least squares of ``G_k`` on the features, A2.1 step 4);
  ``weighting="relative"`` (weight 1) or ``"absolute"`` (weight ``e^{-2 beta t_k}``);
* mean-square TD error (MSTDE [V]), the baseline the paper argues against:
  :func:`mean_square_td_error`, :func:`mean_square_td_error_fit`;
* martingale orthogonality conditions (MOC [V]) ``sum_k xi_k delta_k(theta) = 0`` with
  adapted test functions ``xi``: :func:`moc_residual`; TD(0) :func:`td0_online`; TD(lambda)
  :func:`td_lambda_online` and :func:`td_lambda_offline_pass` with ``lambda_dt = e^{-eta dt}`` and trace
  ``e_k = gamma_dt lambda_dt e_{k-1} + g_k dt`` ([R]: the paper's trace kernel is ``lambda^{t-s}``;
  ``lambda = e^{-eta}`` per unit time); LSTD :func:`lstd` (``theta = -A^{-1} b``, with a
  :class:`NearSingularWarning` when ``A`` is nearly singular [D]); GTD/GTD2 :func:`gtd_online`
  ([R]: update forms reconstructed by us).

Step sizes: learning rates are functions ``a(t)`` of continuous time evaluated at ``t_k``
(``a_k = a(t_k)``), not of the step count, so a schedule means the same thing at every mesh; TD
updates are never divided by ``dt`` inside a square.  :func:`power_schedule` gives
``a(t) = a0 (1 + t / t0)^{-p}`` (our reproductions use ``a0 = 0.1, p = 0.6``).

Deviations: the paper's numerical section was not available, so no step size, family or example is
the paper's; the GTD update forms, the TD(lambda) trace parametrisation by ``eta`` and the 1/2 and
weights in ML are our reconstructions [R]; the paper's equation numbers are unknown, so the
comments at implementing lines cite ``docs/theory/jia2022.md`` instead of ``Eq. (k)``; online
methods run one independent learner per episode/chain (``theta`` of shape ``(E, p)``, our
reproductions average them) or one shared learner (``shared=True``); LSTD, GTD, MSTDE and the exact ML fit
are for linear families only.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from mdplab.errors import ModelError
from mdplab.sde import Trajectories

BIBKEY = "jia2022"

__all__ = ["ValueFamily", "LinearValueFamily", "DifferentiableValueFamily", "NearSingularWarning",
           "OnlineState", "one_step_discount", "returns_to_go", "td_increments", "martingale_loss",
           "martingale_loss_gradient", "martingale_loss_step", "martingale_loss_sgd", "martingale_loss_fit",
           "mean_square_td_error", "mean_square_td_error_fit", "moc_residual", "td0_online",
           "td_lambda_online", "td_lambda_offline_pass", "lstd", "gtd_online", "power_schedule"]

FORMS = ("exponential", "euler")


class NearSingularWarning(RuntimeWarning):
    """The LSTD / MOC linear system is nearly singular: the family probably has a null space of the
    estimating equation (e.g. no terminal anchoring ``J^theta(T, .) = h``)."""


class ValueFamily(Protocol):
    """A parametric value family: ``value(theta, t (K+1,), X (E, K+1, d)) -> (E, K+1)`` and
    ``gradient(theta, t, X) -> (E, K+1, p)``; ``theta`` is ``(p,)`` or one row per episode ``(E, p)``."""

    n_params: int

    def value(self, theta: np.ndarray, t: np.ndarray, X: np.ndarray) -> np.ndarray: ...

    def gradient(self, theta: np.ndarray, t: np.ndarray, X: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class LinearValueFamily:
    """``J^theta(t, x) = theta . phi(t, x) + psi(t, x)``: ``features(t, X) -> (E, K+1, p)`` and an optional
    known ``offset(t, X) -> (E, K+1)`` (used to impose ``J^theta(T, .) = h`` for every theta)."""

    features: Callable
    n_params: int
    offset: Callable | None = None

    def phi(self, t: np.ndarray, X: np.ndarray) -> np.ndarray:
        Phi = np.asarray(self.features(t, X), dtype=np.float64)
        if Phi.shape != X.shape[:2] + (self.n_params,):
            raise ModelError(f"features(t, X) must return shape {X.shape[:2] + (self.n_params,)}, got {Phi.shape}")
        return Phi

    def psi(self, t: np.ndarray, X: np.ndarray) -> np.ndarray:
        if self.offset is None:
            return np.zeros(X.shape[:2])
        psi = np.asarray(self.offset(t, X), dtype=np.float64)
        if psi.shape != X.shape[:2]:
            raise ModelError(f"offset(t, X) must return shape {X.shape[:2]}, got {psi.shape}")
        return psi

    def value(self, theta, t, X):
        return _contract(self.phi(t, X), theta) + self.psi(t, X)

    def gradient(self, theta, t, X):
        return self.phi(t, X)


@dataclass(frozen=True)
class DifferentiableValueFamily:
    """Any smooth family given by its two maps (see :class:`ValueFamily` for shapes)."""

    value_fn: Callable
    gradient_fn: Callable
    n_params: int

    def value(self, theta, t, X):
        return np.asarray(self.value_fn(theta, t, X), dtype=np.float64)

    def gradient(self, theta, t, X):
        return np.asarray(self.gradient_fn(theta, t, X), dtype=np.float64)


@dataclass(frozen=True)
class OnlineState:
    """Where an online learner stopped: ``theta (E, p)``, the trace ``(E, p)`` (TD(lambda)) or auxiliary
    ``w (E, L)`` (GTD), and the time ``t`` of the last update; pass it back to continue on the next chunk."""

    theta: np.ndarray
    aux: np.ndarray
    t: float


def _contract(Phi: np.ndarray, theta) -> np.ndarray:
    theta = np.asarray(theta, dtype=np.float64)
    if theta.ndim == 1:
        return Phi @ theta
    return np.einsum("ekp,ep->ek", Phi, theta)


def _check_beta(beta) -> float:
    beta = float(beta)
    if not np.isfinite(beta) or beta < 0:
        raise ModelError(f"discount rate beta must be finite and >= 0, got {beta}")
    return beta


def _check_form(form: str) -> str:
    if form not in FORMS:
        raise ModelError(f"form must be one of {FORMS}, got {form!r}")
    return form


def _check_traj(traj) -> Trajectories:
    if not isinstance(traj, Trajectories):
        raise ModelError(f"expected mdplab.sde.Trajectories, got {type(traj).__name__}")
    return traj


def _check_theta(theta, p: int, E: int | None = None) -> np.ndarray:
    theta = np.array(theta, dtype=np.float64)
    if theta.ndim == 1 and theta.shape == (p,):
        return theta if E is None else np.tile(theta, (E, 1))
    if E is not None and theta.shape == (E, p):
        return theta
    raise ModelError(f"theta must have shape ({p},)" + ("" if E is None else f" or ({E}, {p})") + f", got {theta.shape}")


def one_step_discount(beta: float, dt: float) -> float:
    """``gamma_dt = e^{-beta dt}``."""
    return float(np.exp(-_check_beta(beta) * dt))


def power_schedule(a0: float, power: float = 0.6, t0: float = 1.0) -> Callable[[float], float]:
    """Learning rate per unit of continuous time ``a(t) = a0 (1 + t / t0)^{-power}``."""
    if not (a0 > 0 and power >= 0 and t0 > 0):
        raise ModelError(f"power_schedule needs a0 > 0, power >= 0, t0 > 0; got {a0}, {power}, {t0}")
    return lambda t: a0 * (1.0 + t / t0) ** (-power)


def returns_to_go(traj: Trajectories, beta: float) -> np.ndarray:
    """``G (E, K+1)``: ``G_K = h(X_K)`` (0 without terminal reward), ``G_k = r_k dt + gamma_dt G_{k+1}``."""
    traj = _check_traj(traj)
    gamma = one_step_discount(beta, traj.dt)
    G = np.empty(traj.X.shape[:2])
    G[:, -1] = 0.0 if traj.terminal is None else traj.terminal
    for k in range(traj.n_steps - 1, -1, -1):
        G[:, k] = traj.r[:, k] * traj.dt + gamma * G[:, k + 1]
    return G


def _next_values(J: np.ndarray, traj: Trajectories) -> np.ndarray:
    """``J_{k+1}`` for ``k < K`` with ``h(X_K)`` in place of ``J_K`` when a terminal reward exists."""
    Jn = J[:, 1:].copy()
    if traj.terminal is not None:
        Jn[:, -1] = traj.terminal
    return Jn


def td_increments(values: np.ndarray, traj: Trajectories, beta: float, form: str = "exponential") -> np.ndarray:
    """``delta (E, K)`` from values ``J (E, K+1)`` on the trajectories' grid (conventions in the module doc)."""
    traj = _check_traj(traj)
    beta, form = _check_beta(beta), _check_form(form)
    J = np.asarray(values, dtype=np.float64)
    if J.shape != traj.X.shape[:2]:
        raise ModelError(f"values must have shape {traj.X.shape[:2]}, got {J.shape}")
    Jn = _next_values(J, traj)
    rdt = traj.r[:, :-1] * traj.dt
    if form == "exponential":
        return rdt + one_step_discount(beta, traj.dt) * Jn - J[:, :-1]
    return rdt + Jn - (1.0 + beta * traj.dt) * J[:, :-1]


def _ml_weights(traj: Trajectories, beta: float, weighting: str) -> np.ndarray:
    if weighting == "relative":
        return np.ones(traj.n_steps)
    if weighting == "absolute":
        return np.exp(-2.0 * beta * (traj.t[:-1] - traj.t[0]))
    raise ModelError(f"weighting must be 'relative' or 'absolute', got {weighting!r}")


def martingale_loss(family: ValueFamily, theta, traj: Trajectories, beta: float,
                    weighting: str = "relative") -> float:
    """``ML(theta) = 1/2 E sum_{k<K} w_k (G_k - J^theta(t_k, X_k))^2 dt``."""
    traj, beta = _check_traj(traj), _check_beta(beta)
    theta = _check_theta(theta, family.n_params)
    res = returns_to_go(traj, beta)[:, :-1] - family.value(theta, traj.t, traj.X)[:, :-1]
    w = _ml_weights(traj, beta, weighting)
    return float(0.5 * traj.episode_weights() @ ((res ** 2) @ w) * traj.dt)


def martingale_loss_gradient(family: ValueFamily, theta, traj: Trajectories, beta: float,
                             weighting: str = "relative") -> np.ndarray:
    """``grad ML(theta) = -E sum_{k<K} w_k (G_k - J^theta_k) g_k dt``."""
    traj, beta = _check_traj(traj), _check_beta(beta)
    theta = _check_theta(theta, family.n_params)
    res = returns_to_go(traj, beta)[:, :-1] - family.value(theta, traj.t, traj.X)[:, :-1]
    g = family.gradient(theta, traj.t, traj.X)[:, :-1]
    w = _ml_weights(traj, beta, weighting)
    return -np.einsum("e,ek,k,ekp->p", traj.episode_weights(), res, w, g) * traj.dt


def martingale_loss_step(family: ValueFamily, theta, traj: Trajectories, beta: float, learning_rate: float,
                         weighting: str = "relative") -> np.ndarray:
    """One batch gradient step ``theta - a grad ML(theta)`` (all episodes at once)."""
    return _check_theta(theta, family.n_params) - learning_rate * martingale_loss_gradient(
        family, theta, traj, beta, weighting)


def martingale_loss_sgd(family: ValueFamily, theta0, traj: Trajectories, beta: float,
                        learning_rate: Callable[[int], float], epochs: int = 1,
                        weighting: str = "relative") -> np.ndarray:
    """Offline ML: for each episode ``e`` in turn, ``theta += a_e sum_k w_k (G_k - J^theta_k) g_k dt``; ``learning_rate(e)`` takes the running episode count."""
    traj, beta = _check_traj(traj), _check_beta(beta)
    theta = _check_theta(theta0, family.n_params)
    G = returns_to_go(traj, beta)
    w = _ml_weights(traj, beta, weighting)
    count = 0
    for _ in range(int(epochs)):
        for e in range(traj.n_episodes):
            Xe = traj.X[e:e + 1]
            res = G[e, :-1] - family.value(theta, traj.t, Xe)[0, :-1]
            g = family.gradient(theta, traj.t, Xe)[0, :-1]
            theta = theta + learning_rate(count) * (w * res) @ g * traj.dt  # A2.1 step 3
            count += 1
    return theta


def _require_linear(family) -> LinearValueFamily:
    if not isinstance(family, LinearValueFamily):
        raise ModelError(f"this method has a closed form only for LinearValueFamily, got {type(family).__name__}")
    return family


def _weighted_lstsq(rows: np.ndarray, target: np.ndarray, row_weights: np.ndarray) -> np.ndarray:
    sw = np.sqrt(row_weights)
    theta, *_ = np.linalg.lstsq(rows * sw[:, None], target * sw, rcond=None)
    return theta


def martingale_loss_fit(family: LinearValueFamily, traj: Trajectories, beta: float,
                        weighting: str = "relative") -> np.ndarray:
    """Exact ML minimiser for a linear family: weighted least squares of ``G_k - psi_k`` on ``phi_k`` over
    all (episode, k < K) pairs with weights ``omega_e w_k dt``."""
    family, traj, beta = _require_linear(family), _check_traj(traj), _check_beta(beta)
    Phi = family.phi(traj.t, traj.X)[:, :-1]
    target = (returns_to_go(traj, beta) - family.psi(traj.t, traj.X))[:, :-1]
    rw = np.outer(traj.episode_weights(), _ml_weights(traj, beta, weighting) * traj.dt)
    return _weighted_lstsq(Phi.reshape(-1, family.n_params), target.ravel(), rw.ravel())


def _mstde_residuals(J: np.ndarray, traj: Trajectories, beta: float) -> np.ndarray:
    return (_next_values(J, traj) - J[:, :-1]) / traj.dt + traj.r[:, :-1] - beta * J[:, :-1]  # Eq. A2.2


def mean_square_td_error(family: ValueFamily, theta, traj: Trajectories, beta: float) -> float:
    """``MSTDE_dt(theta) = 1/2 E sum_k [(J_{k+1} - J_k) / dt + r_k - beta J_k]^2 dt``: the
    residual-minimisation baseline whose minimiser tends to a flat function."""
    traj, beta = _check_traj(traj), _check_beta(beta)
    theta = _check_theta(theta, family.n_params)
    res = _mstde_residuals(family.value(theta, traj.t, traj.X), traj, beta)
    return float(0.5 * traj.episode_weights() @ (res ** 2).sum(axis=1) * traj.dt)


def mean_square_td_error_fit(family: LinearValueFamily, traj: Trajectories, beta: float) -> np.ndarray:
    """Exact MSTDE minimiser for a linear family (least squares; the residual is affine in theta)."""
    family, traj, beta = _require_linear(family), _check_traj(traj), _check_beta(beta)
    Phi, psi = family.phi(traj.t, traj.X), family.psi(traj.t, traj.X)
    Phin = Phi[:, 1:].copy()
    if traj.terminal is not None:
        Phin[:, -1] = 0.0
    rows = (Phin - Phi[:, :-1]) / traj.dt - beta * Phi[:, :-1]
    const = _mstde_residuals(psi, traj, beta)
    rw = np.repeat(traj.episode_weights(), traj.n_steps) * traj.dt
    return _weighted_lstsq(rows.reshape(-1, family.n_params), -const.ravel(), rw)


def _test_values(test_functions, family, theta, traj: Trajectories) -> np.ndarray:
    """``xi (E, K+1, L)``: an array, a callable ``xi(t, X)`` of the current state (adapted by
    construction), or None for the gradient features ``g_k``."""
    if test_functions is None:
        xi = family.gradient(theta, traj.t, traj.X)
    elif callable(test_functions):
        xi = np.asarray(test_functions(traj.t, traj.X), dtype=np.float64)
    else:
        xi = np.asarray(test_functions, dtype=np.float64)
    if xi.ndim != 3 or xi.shape[:2] != traj.X.shape[:2]:
        raise ModelError(f"test functions must have shape {traj.X.shape[:2]} + (L,), got {xi.shape}")
    return xi


def moc_residual(family: ValueFamily, theta, traj: Trajectories, beta: float, test_functions=None,
                 form: str = "exponential") -> np.ndarray:
    """``G_hat(theta) = E sum_{k<K} xi_k delta_k(theta)``: zero at the value function (up to
    O(dt)) for every adapted test function."""
    traj, beta = _check_traj(traj), _check_beta(beta)
    theta = _check_theta(theta, family.n_params)
    delta = td_increments(family.value(theta, traj.t, traj.X), traj, beta, form)
    xi = _test_values(test_functions, family, theta, traj)[:, :-1]
    return np.einsum("e,ekl,ek->l", traj.episode_weights(), xi, delta)


def td_lambda_offline_pass(family: ValueFamily, theta, traj: Trajectories, beta: float, eta: float,
                           learning_rate: float, form: str = "exponential") -> np.ndarray:
    """One offline TD(lambda) pass at fixed theta: ``theta + a E sum_k e_k delta_k(theta)`` with
    ``e_k = gamma_dt lambda_dt e_{k-1} + g_k dt``, ``lambda_dt = e^{-eta dt}``.
    With ``eta = 0`` this equals one relative-weight ML step exactly."""
    traj, beta = _check_traj(traj), _check_beta(beta)
    theta = _check_theta(theta, family.n_params)
    if not eta >= 0:
        raise ModelError(f"trace decay rate eta must be >= 0, got {eta}")
    decay = one_step_discount(beta, traj.dt) * np.exp(-eta * traj.dt)
    delta = td_increments(family.value(theta, traj.t, traj.X), traj, beta, form)
    g = family.gradient(theta, traj.t, traj.X)
    e = np.zeros((traj.n_episodes, family.n_params))
    acc = np.zeros_like(e)
    for k in range(traj.n_steps):
        e = decay * e + g[:, k] * traj.dt  # trace, docs/theory/jia2022.md
        acc += e * delta[:, k, None]
    return theta + learning_rate * traj.episode_weights() @ acc


def _start(family, traj: Trajectories, theta0, state: OnlineState | None, shared: bool, aux_dim: int):
    """Initial ``(theta, aux, clock)``: ``theta (p,)`` if shared else ``(E, p)``; ``aux (E, aux_dim)``."""
    E, p = traj.n_episodes, family.n_params
    if state is None:
        theta = _check_theta(np.zeros(p) if theta0 is None else theta0, p, None if shared else E).copy()
        return theta, np.zeros((E, aux_dim)), 0.0
    theta = _check_theta(state.theta, p, None if shared else E).copy()
    aux = np.array(state.aux, dtype=np.float64)
    if aux.shape != (E, aux_dim):
        raise ModelError(f"state.aux has shape {aux.shape}, expected {(E, aux_dim)} for these trajectories")
    return theta, aux, float(state.t)


def _update(theta: np.ndarray, step: float, direction: np.ndarray, weights: np.ndarray, shared: bool) -> None:
    """``theta += step * direction`` per learner, or with the episode-weighted mean direction when shared."""
    if shared:
        theta += step * (weights @ direction)
    else:
        theta += step * direction


def _online_td(family: ValueFamily, traj: Trajectories, beta: float, learning_rate, decay: float,
               scale: float, state: OnlineState | None, theta0, form: str, shared: bool) -> OnlineState:
    """Shared loop of TD(0) (``decay=0, scale=1``) and TD(lambda) (``decay=gamma lambda, scale=dt``):
    ``e_k = decay e_{k-1} + scale g_k``, ``theta += a(clock) e_k delta_k(theta)``.  Linear families precompute
    the features once; other families are evaluated on the two grid points of each transition."""
    p = family.n_params
    theta, e, clock0 = _start(family, traj, theta0, state, shared, p)
    linear = isinstance(family, LinearValueFamily)
    if linear:
        Phi, psi = family.phi(traj.t, traj.X), family.psi(traj.t, traj.X)
    gamma, dt = one_step_discount(beta, traj.dt), traj.dt
    cur, nxt = (1.0 + beta * dt, 1.0) if form == "euler" else (1.0, gamma)
    w = traj.episode_weights()
    K = traj.n_steps
    for k in range(K):
        if linear:
            phi = Phi[:, k:k + 2]
            J = (phi @ theta if shared else (phi * theta[:, None, :]).sum(axis=2)) + psi[:, k:k + 2]
            g = Phi[:, k]
        else:
            J = family.value(theta, traj.t[k:k + 2], traj.X[:, k:k + 2])
            g = family.gradient(theta, traj.t[k:k + 2], traj.X[:, k:k + 2])[:, 0]
        Jn = traj.terminal if (k == K - 1 and traj.terminal is not None) else J[:, 1]
        delta = traj.r[:, k] * dt + nxt * Jn - cur * J[:, 0]  # TD increment, docs/theory/jia2022.md
        e = decay * e + scale * g  # trace (TD(0): e_k = g_k), docs/theory/jia2022.md
        _update(theta, learning_rate(clock0 + k * dt), e * delta[:, None], w, shared)  # docs/theory/jia2022.md
    if traj.terminal is not None:  # episodes ended: the next call starts fresh traces
        e = np.zeros_like(e)
    return OnlineState(theta, e, clock0 + K * dt)


def td0_online(family: ValueFamily, traj: Trajectories, beta: float, learning_rate: Callable[[float], float],
               theta0=None, state: OnlineState | None = None, form: str = "exponential",
               shared: bool = False) -> OnlineState:
    """Online TD(0): ``theta += a(clock) g_k delta_k(theta)`` after each transition.

    ``shared=False``: one learner per episode/chain (``theta (E, p)``; our vectorised chains);
    ``shared=True``: one learner fed the E episodes in parallel (episode-weighted mean update).  The clock
    starts at 0 and advances by ``dt`` per step; pass the returned ``state`` to continue on the next chunk
    (or, for finite-horizon episodes, on the next batch of episodes).  Any differentiable family works (a
    non-linear one is evaluated per transition on ``t[k:k+2]``; with ``shared=False`` its maps must accept
    ``theta`` of shape ``(E, p)``)."""
    traj, beta = _check_traj(traj), _check_beta(beta)
    return _online_td(family, traj, beta, learning_rate, 0.0, 1.0, state, theta0, _check_form(form), shared)


def td_lambda_online(family: ValueFamily, traj: Trajectories, beta: float, eta: float,
                     learning_rate: Callable[[float], float], theta0=None, state: OnlineState | None = None,
                     form: str = "exponential", shared: bool = False) -> OnlineState:
    """Online TD(lambda) with ``e_k = gamma_dt e^{-eta dt} e_{k-1} + g_k dt`` and ``theta += a(clock) e_k delta_k``
    ([R for the eta parametrisation]); ``shared`` and ``state`` as in :func:`td0_online`."""
    traj, beta = _check_traj(traj), _check_beta(beta)
    if not eta >= 0:
        raise ModelError(f"trace decay rate eta must be >= 0, got {eta}")
    decay = one_step_discount(beta, traj.dt) * float(np.exp(-eta * traj.dt))
    return _online_td(family, traj, beta, learning_rate, decay, traj.dt, state, theta0, _check_form(form),
                          shared)


def lstd(family: LinearValueFamily, traj: Trajectories, beta: float, test_functions=None,
         form: str = "exponential", cond_warning: float = 1e3) -> np.ndarray:
    """LSTD: solve the MOC ``A theta + b = 0`` with ``A = E sum_k xi_k (gamma_dt phi_{k+1} - phi_k)^T`` and
    ``b = E sum_k xi_k (r_k dt + gamma_dt psi_{k+1} - psi_k)`` (``form="euler"`` uses
    ``phi_{k+1} - (1 + beta dt) phi_k``).  ``xi`` defaults to ``phi`` (continuous-time LSTD); with more test
    functions than parameters the least-squares solution of the stacked equations is returned.
    Warns :class:`NearSingularWarning` when ``cond(A) > cond_warning``."""
    family, traj, beta = _require_linear(family), _check_traj(traj), _check_beta(beta)
    form = _check_form(form)
    Phi, psi = family.phi(traj.t, traj.X), family.psi(traj.t, traj.X)
    xi = _test_values(test_functions, family, None, traj)[:, :-1]
    Phin = Phi[:, 1:].copy()
    psin = psi[:, 1:].copy()
    if traj.terminal is not None:
        Phin[:, -1] = 0.0
        psin[:, -1] = traj.terminal
    gamma, dt = one_step_discount(beta, traj.dt), traj.dt
    cur, nxt = (1.0 + beta * dt, 1.0) if form == "euler" else (1.0, gamma)
    w = traj.episode_weights()
    wxi = (xi * w[:, None, None]).reshape(-1, xi.shape[2])
    A = wxi.T @ (nxt * Phin - cur * Phi[:, :-1]).reshape(-1, family.n_params)  # Eq. A2.3(c)
    b = wxi.T @ (traj.r[:, :-1] * dt + nxt * psin - cur * psi[:, :-1]).ravel()
    s = np.linalg.svd(A, compute_uv=False)
    cond = np.inf if s[-1] == 0 else s[0] / s[-1]
    if cond > cond_warning:
        warnings.warn(f"LSTD system is near-singular: cond(A) = {cond:.3g} > {cond_warning:.3g} (smallest "
                      f"singular value {s[-1]:.3g}); the family may lack terminal anchoring J(T,.) = h",
                      NearSingularWarning, stacklevel=2)
    if A.shape[0] == A.shape[1] and np.isfinite(cond):
        return -np.linalg.solve(A, b)
    return -np.linalg.lstsq(A, b, rcond=None)[0]


def gtd_online(family: LinearValueFamily, traj: Trajectories, beta: float, learning_rate: Callable[[float], float],
               aux_learning_rate: Callable[[float], float], test_functions=None, variant: str = "gtd2",
               theta0=None, state: OnlineState | None = None, shared: bool = False) -> OnlineState:
    """Two-time-scale GTD for the GMM form ``1/2 G_hat^T W G_hat`` ([R]):
    ``w += b(clock) (xi_k delta_k - xi_k xi_k^T w dt)`` (``variant="gtd2"``, ``W = (E int xi xi^T dt)^{-1}``) or
    ``w += b(clock) (xi_k delta_k - w dt)`` (``"gtd"``, ``W = I``), and simultaneously (with ``w`` before this
    transition's update, as in GTD2 of Sutton et al. 2009) ``theta -= a(clock) (gamma_dt phi_{k+1} - phi_k) (xi_k^T w)``;
    choose ``b >> a``.  ``w`` is per episode;
    ``shared`` and ``state`` as in :func:`td0_online`."""
    family, traj, beta = _require_linear(family), _check_traj(traj), _check_beta(beta)
    if variant not in ("gtd2", "gtd"):
        raise ModelError(f"variant must be 'gtd2' or 'gtd', got {variant!r}")
    Phi, psi = family.phi(traj.t, traj.X), family.psi(traj.t, traj.X)
    xi = _test_values(test_functions, family, None, traj)
    theta, w, clock0 = _start(family, traj, theta0, state, shared, xi.shape[2])
    gamma, dt, K = one_step_discount(beta, traj.dt), traj.dt, traj.n_steps
    ew = traj.episode_weights()
    for k in range(K):
        last = k == K - 1 and traj.terminal is not None
        phin = np.zeros_like(Phi[:, k]) if last else Phi[:, k + 1]
        J = (Phi[:, k] @ theta if shared else (Phi[:, k] * theta).sum(axis=1)) + psi[:, k]
        if last:
            Jn = traj.terminal
        else:
            Jn = (phin @ theta if shared else (phin * theta).sum(axis=1)) + psi[:, k + 1]
        delta = traj.r[:, k] * dt + gamma * Jn - J  # TD increment, docs/theory/jia2022.md
        clock = clock0 + k * dt
        b = aux_learning_rate(clock)
        # theta's step uses w_k, formed before transition k: the updated w would carry delta_k, whose Brownian
        # part is correlated with (gamma phi_{k+1} - phi_k) and biases the root by O(1) (cf. docs/theory/jia2022.md, adaptedness).
        xw = (xi[:, k] * w).sum(axis=1)
        _update(theta, -learning_rate(clock), (gamma * phin - Phi[:, k]) * xw[:, None], ew, shared)
        if variant == "gtd2":
            w = w + b * xi[:, k] * (delta - xw * dt)[:, None]  # docs/theory/jia2022.md, W = (E int xi xi^T)^-1
        else:
            w = w + b * (xi[:, k] * delta[:, None] - w * dt)  # docs/theory/jia2022.md, W = I
    return OnlineState(theta, w, clock0 + K * dt)
