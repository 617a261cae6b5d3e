"""Diffusion environments: seeded simulation of ``dX_t = b(t, X_t) dt + sigma(t, X_t) dW_t`` on a time grid.

Models (validated once, immutable):

* :class:`LinearSDE`: ``dX = (B X + b0) dt + Sigma dW`` with constant ``B (d, d)``, ``b0 (d,)``,
  ``Sigma (d, m)``; it has exact Gaussian transitions over a step ``dt``:
  ``X' = F X + f + L Z`` with ``F = expm(B dt)``, ``f = int_0^dt expm(B s) ds b0`` and
  ``L L^T = int_0^dt expm(B s) Sigma Sigma^T expm(B^T s) ds`` (Van Loan 1978, IEEE TAC 23(3)).
  :func:`ornstein_uhlenbeck` and :func:`brownian_motion` build the usual instances.
* :class:`Diffusion`: any drift/dispersion given as numba functions ``drift(t, x, out)`` (writes
  ``b(t, x)`` into ``out (d,)``) and ``dispersion(t, x, out)`` (writes ``sigma(t, x)`` into ``out (d, m)``);
  simulated by Euler-Maruyama only.

Simulation returns :class:`Paths` ``(t (K+1,), X (n, K+1, d))`` with ``t_k = t0 + k dt`` and
``K = T / dt`` (which must be an integer).  ``seed`` is an int (each path gets its own SplitMix64
stream derived from it by ``numpy.random.SeedSequence``) or the ``rng_state`` of an earlier
:class:`Paths`, which continues the same streams (long runs in chunks give the same numbers as one
long run).  The kernels are in :mod:`mdplab._kernels.sde`.

Rewards: :class:`Trajectories` adds the observed running reward ``r_k = r(t_k, X_k)`` and, for a finite
horizon, the terminal reward ``h(X_K)``; :func:`discounted_returns` is the Monte Carlo value
``sum_k e^{-beta (t_k - t_0)} r_k dt + e^{-beta (T - t_0)} h(X_K)`` (left-point rule).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.linalg

from ._kernels import sde as _k
from .arrays import readonly
from .errors import ModelError

__all__ = ["LinearSDE", "Diffusion", "Paths", "Trajectories", "ornstein_uhlenbeck", "brownian_motion",
           "simulate_exact", "simulate_euler_maruyama", "observe", "discounted_returns", "time_grid",
           "standard_normals"]


def _finite_array(name: str, a, ndim: int) -> np.ndarray:
    arr = np.array(a, dtype=np.float64)
    if arr.ndim != ndim:
        raise ModelError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    bad = np.argwhere(~np.isfinite(arr))
    if bad.size:
        raise ModelError(f"{name} has a non-finite entry at index {tuple(bad[0])}: {arr[tuple(bad[0])]}")
    return readonly(arr)


@dataclass(frozen=True)
class LinearSDE:
    """``dX = (B X + b0) dt + Sigma dW``, time-homogeneous; ``B (d, d)``, ``b0 (d,)``, ``Sigma (d, m)``."""

    B: np.ndarray
    b0: np.ndarray
    Sigma: np.ndarray

    def __post_init__(self):
        B = _finite_array("B", self.B, 2)
        b0 = _finite_array("b0", self.b0, 1)
        Sigma = _finite_array("Sigma", self.Sigma, 2)
        d = B.shape[0]
        if B.shape != (d, d) or d == 0:
            raise ModelError(f"B must be square and non-empty, got shape {B.shape}")
        if b0.shape != (d,):
            raise ModelError(f"b0 must have shape ({d},) to match B, got {b0.shape}")
        if Sigma.shape[0] != d or Sigma.shape[1] == 0:
            raise ModelError(f"Sigma must have shape ({d}, m) with m >= 1, got {Sigma.shape}")
        object.__setattr__(self, "B", B)
        object.__setattr__(self, "b0", b0)
        object.__setattr__(self, "Sigma", Sigma)

    @property
    def d(self) -> int:
        return self.B.shape[0]

    @property
    def m(self) -> int:
        return self.Sigma.shape[1]

    def exact_transition(self, dt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(F, f, L)`` with ``X_{t+dt} | X_t ~ N(F X_t + f, L L^T)`` exactly (Van Loan's block exponential)."""
        dt = _positive("dt", dt)
        d = self.d
        # Van Loan (1978): expm([[-B, S S^T], [0, B^T]] dt) holds F^{-1} Q in its upper-right block.
        C = np.zeros((2 * d, 2 * d))
        C[:d, :d] = -self.B
        C[:d, d:] = self.Sigma @ self.Sigma.T
        C[d:, d:] = self.B.T
        E = scipy.linalg.expm(C * dt)
        F = E[d:, d:].T
        Q = F @ E[:d, d:]
        Q = 0.5 * (Q + Q.T)
        # f = int_0^dt expm(B s) ds b0 from the augmented exponential expm([[B, b0], [0, 0]] dt).
        Baug = np.zeros((d + 1, d + 1))
        Baug[:d, :d] = self.B
        Baug[:d, d] = self.b0
        f = scipy.linalg.expm(Baug * dt)[:d, d]
        w, V = np.linalg.eigh(Q)
        L = V * np.sqrt(np.clip(w, 0.0, None))  # L L^T = Q, valid for singular Q too
        return F, f, L

    def euler_transition(self, dt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(F, f, L) = (I + B dt, b0 dt, Sigma sqrt(dt))``: one Euler-Maruyama step."""
        dt = _positive("dt", dt)
        return np.eye(self.d) + self.B * dt, self.b0 * dt, self.Sigma * np.sqrt(dt)


@dataclass(frozen=True)
class Diffusion:
    """A general diffusion for Euler-Maruyama: ``drift(t, x, out_d)`` and ``dispersion(t, x, out_dm)`` must
    be numba ``@njit`` functions writing ``b(t, x)`` and ``sigma(t, x)`` into the preallocated output.
    ``drift`` must write every entry; ``dispersion``'s output starts at zero once per path and is reused
    across steps, so it may skip entries that are always zero (a sparse constant ``sigma``)."""

    drift: Callable
    dispersion: Callable
    d: int
    m: int

    def __post_init__(self):
        for name in ("drift", "dispersion"):
            fn = getattr(self, name)
            if not hasattr(fn, "py_func"):
                raise ModelError(f"Diffusion.{name} must be a numba @njit function writing into its out array")
        if int(self.d) < 1 or int(self.m) < 1:
            raise ModelError(f"Diffusion dimensions must be >= 1, got d={self.d}, m={self.m}")
        # One probe call at the origin catches wrong signatures and NaN here instead of in the kernel.
        x = np.zeros(self.d)
        b = np.full(self.d, np.nan)
        S = np.zeros((self.d, self.m))  # the kernel's dispersion scratch also starts at zero
        try:
            self.drift(0.0, x, b)
            self.dispersion(0.0, x, S)
        except Exception as exc:  # numba typing errors and IndexErrors alike
            raise ModelError(f"Diffusion drift/dispersion failed on a probe call at t=0, x=0: {exc}") from exc
        if not (np.all(np.isfinite(b)) and np.all(np.isfinite(S))):
            raise ModelError("Diffusion drift/dispersion left a NaN/inf in its output at t=0, x=0 "
                             "(it must write every entry of out)")


@dataclass(frozen=True)
class Paths:
    """Simulated paths: ``t (K+1,)``, ``X (n, K+1, d)``, the mesh ``dt`` and the streams' final state
    ``rng_state (n,)`` (pass it as ``seed=`` to continue the same random streams)."""

    t: np.ndarray
    X: np.ndarray
    dt: float
    rng_state: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class Trajectories:
    """Observed data for policy evaluation: ``t (K+1,)`` grid, states ``X (E, K+1, d)``, running reward
    ``r (E, K+1)`` at the grid points (``r[:, K]`` is unused by left-point sums), ``terminal (E,)`` the
    terminal reward ``h(X_K)`` or None (infinite horizon / truncated run), mesh ``dt`` and optional
    non-negative episode ``weights (E,)`` (e.g. quadrature weights; default equal)."""

    t: np.ndarray
    X: np.ndarray
    r: np.ndarray
    dt: float
    terminal: np.ndarray | None = None
    weights: np.ndarray | None = None

    def __post_init__(self):
        t = _finite_array("t", self.t, 1)
        X = np.asarray(self.X, dtype=np.float64)
        if X.ndim == 2:
            X = X[:, :, None]
        X = _finite_array("X", X, 3)
        r = _finite_array("r", self.r, 2)
        E, K1, _ = X.shape
        if K1 < 2 or E < 1:
            raise ModelError(f"Trajectories need at least one episode of at least one step, got X shape {X.shape}")
        if t.shape != (K1,):
            raise ModelError(f"t must have shape ({K1},) to match X, got {t.shape}")
        if r.shape != (E, K1):
            raise ModelError(f"r must have shape ({E}, {K1}) to match X, got {r.shape}")
        dt = _positive("dt", self.dt)
        if not np.allclose(np.diff(t), dt, rtol=1e-9, atol=1e-12 * max(1.0, abs(t[-1]))):
            raise ModelError(f"t must be an equispaced grid with step dt={dt}")
        object.__setattr__(self, "t", t)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "r", r)
        object.__setattr__(self, "dt", dt)
        if self.terminal is not None:
            h = _finite_array("terminal", self.terminal, 1)
            if h.shape != (E,):
                raise ModelError(f"terminal must have shape ({E},), got {h.shape}")
            object.__setattr__(self, "terminal", h)
        if self.weights is not None:
            w = _finite_array("weights", self.weights, 1)
            if w.shape != (E,) or np.any(w < 0) or w.sum() <= 0:
                raise ModelError(f"weights must be non-negative with shape ({E},) and a positive sum")
            object.__setattr__(self, "weights", w)

    @property
    def n_episodes(self) -> int:
        return self.X.shape[0]

    @property
    def n_steps(self) -> int:
        return self.X.shape[1] - 1

    def episode_weights(self) -> np.ndarray:
        """Normalised episode weights (sum 1): expectations are ``weights @ per-episode quantity``."""
        w = np.full(self.n_episodes, 1.0) if self.weights is None else self.weights
        return w / w.sum()


def _positive(name: str, x) -> float:
    x = float(x)
    if not np.isfinite(x) or x <= 0:
        raise ModelError(f"{name} must be a positive finite number, got {x}")
    return x


def time_grid(T: float, dt: float, t0: float = 0.0) -> np.ndarray:
    """``t_k = t0 + k dt`` for ``k = 0..K`` with ``K = T / dt`` (must be an integer up to 1e-9)."""
    T, dt = _positive("T", T), _positive("dt", dt)
    try:
        t0 = float(t0)
    except (TypeError, ValueError):
        raise ModelError(f"t0 must be a finite number, got {type(t0).__name__}") from None
    if not np.isfinite(t0):
        raise ModelError(f"t0 must be a finite number, got {t0}")
    if T / dt > MAX_GRID_POINTS:
        raise ModelError(f"T={T} with dt={dt} needs {T / dt:.3g} time steps, above MAX_GRID_POINTS="
                         f"{MAX_GRID_POINTS}; use a larger dt or a shorter T")
    K = int(round(T / dt))
    if K < 1 or abs(K * dt - T) > 1e-9 * T:
        raise ModelError(f"horizon T={T} is not an integer multiple of dt={dt}")
    return t0 + dt * np.arange(K + 1)


#: Most time steps of one grid (10^8 float64 = 0.8 GB for the grid alone).
MAX_GRID_POINTS = 100_000_000


def _path_array(n_paths: int, n_times: int, d: int) -> np.ndarray:
    """The ``(n, K+1, d)`` path array, after checking its size against :func:`mdplab.io.memory_budget`."""
    from .io import memory_budget

    need = 8 * int(n_paths) * int(n_times) * int(d)
    if need > memory_budget():
        raise ModelError(f"{n_paths} paths of {n_times} times in dimension {d} need {need / 2**30:.3g} GiB, above the "
                         f"memory budget of {memory_budget() / 2**30:.3g} GiB (MDPLAB_MAX_BYTES); use fewer paths, a "
                         f"larger dt or a shorter T")
    return np.empty((int(n_paths), int(n_times), int(d)))


def _check_finite_paths(X: np.ndarray, t: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(X).all(axis=(0, 2))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ModelError(f"{what} paths overflowed to a non-finite state at t={float(t[k]):g} (step {k}): the process "
                         f"is explosive on this horizon (e.g. an Ornstein-Uhlenbeck kappa < 0); shorten T or check the "
                         f"parameters")


def ornstein_uhlenbeck(kappa, sigma, mean=0.0) -> LinearSDE:
    """``dX = -kappa (X - mean) dt + sigma dW``; scalars give the 1-d process, ``kappa (d, d)``,
    ``sigma (d, m)``, ``mean (d,)`` the vector one."""
    K = np.atleast_2d(np.asarray(kappa, dtype=np.float64))
    S = np.atleast_2d(np.asarray(sigma, dtype=np.float64))
    mu = np.broadcast_to(np.asarray(mean, dtype=np.float64), (K.shape[0],))
    return LinearSDE(-K, K @ mu, S)


def brownian_motion(sigma=1.0, d: int = 1) -> LinearSDE:
    """``dX = sigma dW`` in ``d`` dimensions (``sigma`` scalar or ``(d, m)``)."""
    S = np.asarray(sigma, dtype=np.float64)
    S = S * np.eye(d) if S.ndim == 0 else S
    return LinearSDE(np.zeros((d, d)), np.zeros(d), S)


def _initial_states(x0, n_paths: int, d: int) -> np.ndarray:
    n_paths = int(n_paths)
    if n_paths < 1:
        raise ModelError(f"n_paths must be >= 1, got {n_paths}")
    x = np.asarray(x0, dtype=np.float64)
    if x.ndim == 0:
        x = np.full((n_paths, d), float(x))
    elif x.ndim == 1 and x.shape == (d,):
        x = np.broadcast_to(x, (n_paths, d))
    elif x.ndim == 1 and d == 1 and x.shape == (n_paths,):
        x = x[:, None]
    elif x.shape != (n_paths, d):
        raise ModelError(f"x0 must be a scalar, shape ({d},) or ({n_paths}, {d}); got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ModelError("x0 has a non-finite entry")
    return x


def _streams(seed, n_paths: int) -> np.ndarray:
    if isinstance(seed, np.ndarray):
        if seed.dtype != np.uint64 or seed.shape != (n_paths,):
            raise ModelError(f"a stream state passed as seed must be uint64 of shape ({n_paths},), "
                             f"got {seed.dtype} {seed.shape}")
        return seed.copy()
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ModelError(f"seed must be a non-negative int or an rng_state array, got {seed!r}")
    return np.random.SeedSequence(int(seed)).generate_state(n_paths, np.uint64)


def _run_linear(F, f, L, x0, t, n_paths, seed) -> Paths:
    d = F.shape[0]
    X0 = _initial_states(x0, n_paths, d)
    X = _path_array(n_paths, t.size, d)
    X[:, 0] = X0
    state = _streams(seed, n_paths)
    z = np.empty((n_paths, L.shape[1]))
    _k.linear_gaussian_paths(np.ascontiguousarray(F), np.ascontiguousarray(f), np.ascontiguousarray(L),
                             state, _k.KN, _k.WN, _k.FN, z, X)
    _check_finite_paths(X, t, "linear SDE")
    return Paths(t, X, float(t[1] - t[0]), state)


def simulate_exact(sde: LinearSDE, x0, T: float, dt: float, n_paths: int, seed, t0: float = 0.0) -> Paths:
    """Paths of a linear SDE sampled with its exact Gaussian transitions on the grid ``t0 + k dt``."""
    if not isinstance(sde, LinearSDE):
        raise ModelError(f"simulate_exact needs a LinearSDE (exact transitions), got {type(sde).__name__}")
    t = time_grid(T, dt, t0)
    F, f, L = sde.exact_transition(dt)
    return _run_linear(F, f, L, x0, t, n_paths, seed)


def simulate_euler_maruyama(sde: LinearSDE | Diffusion, x0, T: float, dt: float, n_paths: int, seed,
                            t0: float = 0.0) -> Paths:
    """Euler-Maruyama paths ``X_{k+1} = X_k + b(t_k, X_k) dt + sigma(t_k, X_k) (W_{k+1} - W_k)``."""
    t = time_grid(T, dt, t0)
    if isinstance(sde, LinearSDE):
        F, f, L = sde.euler_transition(dt)
        return _run_linear(F, f, L, x0, t, n_paths, seed)
    if not isinstance(sde, Diffusion):
        raise ModelError(f"simulate_euler_maruyama needs a LinearSDE or Diffusion, got {type(sde).__name__}")
    d, m = int(sde.d), int(sde.m)
    X0 = _initial_states(x0, n_paths, d)
    X = _path_array(int(n_paths), t.size, d)
    X[:, 0] = X0
    state = _streams(seed, int(n_paths))
    x = np.empty((int(n_paths), d))
    b = np.empty((int(n_paths), d))
    S = np.zeros((int(n_paths), d, m))
    z = np.empty((int(n_paths), m))
    _k.euler_maruyama_paths(sde.drift, sde.dispersion, float(t[0]), float(t[1] - t[0]), state,
                            _k.KN, _k.WN, _k.FN, x, b, S, z, X)
    if not np.all(np.isfinite(X[:, -1])):
        raise ModelError("Euler-Maruyama paths blew up (non-finite states): reduce dt or check the drift")
    return Paths(t, X, float(t[1] - t[0]), state)


def standard_normals(n_streams: int, n_draws: int, seed) -> np.ndarray:
    """``(n_streams, n_draws)`` N(0, 1) draws from the simulators' generator (for checking it)."""
    state = _streams(seed, int(n_streams))
    out = np.empty((int(n_streams), int(n_draws)))
    _k.standard_normals(state, _k.KN, _k.WN, _k.FN, out)
    return out


def observe(paths: Paths, reward: Callable, terminal: Callable | None = None) -> Trajectories:
    """Turn paths into :class:`Trajectories`: ``reward(t (K+1,), X (n, K+1, d)) -> (n, K+1)`` is the
    running reward, ``terminal(X_K (n, d)) -> (n,)`` the terminal reward (None: infinite horizon)."""
    r = np.asarray(reward(paths.t, paths.X), dtype=np.float64)
    if r.shape != paths.X.shape[:2]:
        raise ModelError(f"reward(t, X) must return shape {paths.X.shape[:2]}, got {r.shape}")
    h = None
    if terminal is not None:
        h = np.asarray(terminal(paths.X[:, -1]), dtype=np.float64)
        if h.shape != (paths.X.shape[0],):
            raise ModelError(f"terminal(X_T) must return shape ({paths.X.shape[0]},), got {h.shape}")
    return Trajectories(paths.t, paths.X, r, paths.dt, h)


def discounted_returns(traj: Trajectories, beta: float) -> np.ndarray:
    """Per-episode ``sum_{k<K} e^{-beta (t_k - t_0)} r_k dt + e^{-beta (t_K - t_0)} h(X_K)``: a Monte Carlo
    sample of the value at ``(t_0, X_0)`` (left-point rule; bias O(dt))."""
    beta = float(beta)
    if not np.isfinite(beta) or beta < 0:
        raise ModelError(f"discount rate beta must be >= 0, got {beta}")
    disc = np.exp(-beta * (traj.t - traj.t[0]))
    G = traj.r[:, :-1] @ disc[:-1] * traj.dt
    if traj.terminal is not None:
        G = G + disc[-1] * traj.terminal
    return G
