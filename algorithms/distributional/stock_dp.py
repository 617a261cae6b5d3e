"""Stock-augmented distributional dynamic programming on a stock grid (numba kernels).

Avila Pires, Rowland, Borsa, Guo, Khetarpal, Barreto, Abel, Munos & Dabney (2025), "Optimizing Return
Distributions with Distributional Dynamic Programming", JMLR, arXiv:2501.13028v2 (``avilapires2025``).

What is implemented (``docs/theory/avilapires2025.md``; tags as there):

* the stock-augmented MDP, stock update ``c' = (c + r)/gamma`` (Sec. 1.2, [S]/[R]), on a stock grid
  ``c_j = lo + j*step`` with AFFINE TAILS beyond the grid (Sec. 2.6 (d), [D]): a next stock below
  (above) the grid continues with the return law of the policy that is optimal for the affine piece
  of ``f`` there (maximise or minimise the mean).  Naive clipping of the stock is wrong (Sec. 7 item 3,
  V15) and is offered only in :func:`scalar_shadow_backward_induction` to reproduce that pitfall;
* finite-horizon backward induction (Sec. 2.4, [D]): ``pi_t(s, c) = argmax_a K(c + Z_{eta_{t+1}}(s, c, a))``,
  ``eta_t(s, c) = Z(s, c, pi_t(s, c))``, ``eta_H = delta_0``;
* distributional value iteration (Sec. 2.2; name [P], details [D]) with stopping rule (b) on the
  objective, never on the distributions;
* distributional policy iteration (Sec. 2.3; name [P], details [D]) keeping the current action on ties;
* the scalar shadow recursion for expected utilities (Sec. 2.5, [D]) as a cross-check;
* reading off and executing the stock policy (history-dependent in the base MDP), the exact law of
  ``G`` under it by forward propagation with the stock identity T0 ``c_0 + G = gamma^H C_H`` (Sec. 3 T0, [D]).

Representation: categorical return laws on an evenly spaced support (Sec. 2.6 (b)).  EXACT cases
([D], see the docs): gamma = 1 with rewards on a lattice of spacing delta and a grid/support of the same
spacing (no interpolation, no projection error); gamma = 1/q (integer q) with integer rewards and a
piecewise-linear ``f`` kinked at 0 on an integer stock grid and a support whose spacing divides 1
(the projection then preserves ``E f(c + .)`` at grid stocks).  Otherwise the stock interpolation and
the projection are approximations (snap error <= gamma L step / (2 (1 - gamma)), Sec. 2.6 (d)).

Deviations: ties are broken towards the lowest action index within ``TIE_TOL`` (a documented
deterministic rule); stocks strictly between grid points take the action of the
nearest grid point when a finite-horizon policy is executed (only in the approximate, non-lattice case).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from mdplab.errors import ModelError

from . import _kernels as _k
from .model import JointKernel, reward_lattice
from .objectives import ExpectedUtility
from .representations import CategoricalSupport, FiniteDistribution

#: Absolute tolerance under which two actions' scores count as tied (lowest index wins).
TIE_TOL = 1e-10
#: Tables with fewer (state, stock, atom) cells than this use the one-thread kernel (thread start-up dominates).
PARALLEL_MIN_CELLS = 200_000


def _backup(eta_next: np.ndarray):
    return _k.stock_backup_csr if eta_next.size >= PARALLEL_MIN_CELLS else _k.stock_backup_csr_serial


@dataclass(frozen=True)
class StockGrid:
    """Stocks ``c_j = lo + j*step``, ``j < n``."""

    lo: float
    step: float
    n: int

    def __post_init__(self) -> None:
        if not (np.isfinite(self.lo) and np.isfinite(self.step) and self.step > 0 and int(self.n) >= 1):
            raise ModelError(f"stock grid needs finite lo, step > 0 and n >= 1; got lo={self.lo}, step={self.step}, n={self.n}")
        # plain floats/ints so that the kernels see one type signature (no recompilation per caller type)
        object.__setattr__(self, "lo", float(self.lo))
        object.__setattr__(self, "step", float(self.step))
        object.__setattr__(self, "n", int(self.n))

    @staticmethod
    def integers(lo: int, hi: int) -> "StockGrid":
        return StockGrid(float(lo), 1.0, int(hi - lo + 1))

    @property
    def values(self) -> np.ndarray:
        return self.lo + self.step * np.arange(self.n)

    @property
    def hi(self) -> float:
        return self.lo + self.step * (self.n - 1)

    def index(self, c: float) -> int | None:
        """Grid index of ``c`` when ``c`` is a grid point (within 1e-9 steps), else ``None``."""
        pos = (c - self.lo) / self.step
        j = int(round(pos))
        return j if abs(pos - j) <= 1e-9 and 0 <= j < self.n else None


# ----------------------------------------------------------------------------- helpers
def _sign(x: float) -> float:
    return 1.0 if x >= 0 else -1.0


def return_bounds(kernel: JointKernel, gamma: float, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """``(Gmin, Gmax)`` of shape ``(H+1, S)``: extreme returns over policies and outcomes with ``H - t`` steps left."""
    S, A = kernel.n_states, kernel.n_actions
    rows = np.repeat(np.arange(S * A), np.diff(kernel.indptr))
    lo = np.zeros((horizon + 1, S))
    hi = np.zeros((horizon + 1, S))
    for t in range(horizon - 1, -1, -1):
        xl = kernel.reward + gamma * lo[t + 1][kernel.indices]
        xh = kernel.reward + gamma * hi[t + 1][kernel.indices]
        rl = np.full(S * A, np.inf)
        rh = np.full(S * A, -np.inf)
        np.minimum.at(rl, rows, xl)
        np.maximum.at(rh, rows, xh)
        lo[t] = rl.reshape(S, A).min(axis=1)
        hi[t] = rh.reshape(S, A).max(axis=1)
    return lo, hi


def lattice_support(kernel: JointKernel, horizon: int) -> CategoricalSupport | None:
    """For gamma = 1: the integer-lattice support covering every return (exact representation), or ``None``."""
    delta = reward_lattice(kernel.reward)
    if delta is None:
        return None
    lo, hi = return_bounds(kernel, 1.0, horizon)
    if delta == 0.0:
        return CategoricalSupport(-1.0, 1.0, 3)
    z0 = math.floor(lo.min() / delta + 1e-9) * delta
    z1 = math.ceil(hi.max() / delta - 1e-9) * delta
    m = int(round((z1 - z0) / delta)) + 1
    return CategoricalSupport(float(z0), float(delta), max(m, 2))


def _delta_table(shape: tuple[int, ...], support: CategoricalSupport) -> np.ndarray:
    eta = np.zeros(shape + (support.m,))
    tmp = np.zeros(support.m)
    _k.categorical_projection(np.zeros(1), np.ones(1), support.z0, support.dz, tmp)
    eta[...] = tmp
    return eta


def _tail_signs(utility: ExpectedUtility) -> tuple[float, float]:
    return _sign(utility.slope_below), _sign(utility.slope_above)


def warn_if_outside_class(utility: ExpectedUtility, gamma: float) -> None:
    """Warn (:class:`~algorithms.distributional.diagnostics.ObjectiveWarning`) when ``f`` is known not to be
    scale-consistent at ``gamma < 1`` (no homogeneity degree, e.g. exponential utility: (b));
    custom functionals can be tested numerically with :func:`~algorithms.distributional.diagnostics.diagnose_objective`."""
    if gamma < 1.0 and utility.degree is None:
        import warnings

        from .diagnostics import ObjectiveWarning

        warnings.warn(f"utility {utility.name} is not scale-consistent at gamma={gamma:g} (S_gamma fails): stock-augmented "
                      "DP may be suboptimal (Avila Pires et al. 2025)", ObjectiveWarning, stacklevel=3)


def _kernel_args(kernel: JointKernel) -> tuple:
    return kernel.indptr, kernel.indices, kernel.data, kernel.reward, kernel.n_actions


# ----------------------------------------------------------------------------- finite horizon
@dataclass(frozen=True)
class FiniteHorizonStockSolution:
    """Result of :func:`stock_backward_induction`.

    ``value[t, s, j] = F_K(eta_t)(s, c_j)``, the optimal ``K(c_j + G)`` with ``H - t`` steps left;
    ``policy[t, s, j]`` the greedy action; ``tail_law[side, t, s]`` the return laws used beyond the grid
    (side 0 below, 1 above) and ``tail_policy[side, t, s]`` their actions; ``eta0[s, j]`` the law of G
    from stage 0.  ``exact`` says whether no interpolation/projection error occurred (see module doc).
    """

    kernel: JointKernel
    utility: ExpectedUtility
    gamma: float
    horizon: int
    grid: StockGrid
    support: CategoricalSupport
    value: np.ndarray
    policy: np.ndarray
    tail_law: np.ndarray
    tail_policy: np.ndarray
    eta0: np.ndarray
    exact: bool


def _finite_tails(kernel: JointKernel, gamma: float, horizon: int, support: CategoricalSupport,
                  signs: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    S = kernel.n_states
    laws = np.zeros((2, horizon + 1, S, support.m))
    pols = np.zeros((2, horizon, S), dtype=np.int64)
    work = np.zeros(S)
    ip, ix, d, r, A = _kernel_args(kernel)
    for side in range(2):
        laws[side, horizon] = _delta_table((S,), support)
        for t in range(horizon - 1, -1, -1):
            _k.categorical_mean_greedy_csr(ip, ix, d, r, A, gamma, signs[side], support.z0, support.dz,
                                           laws[side, t + 1], work, laws[side, t], pols[side, t])
    return laws, pols


def stock_backward_induction(kernel: JointKernel, horizon: int, utility: ExpectedUtility, grid: StockGrid,
                             gamma: float = 1.0, support: CategoricalSupport | None = None) -> FiniteHorizonStockSolution:
    """Finite-horizon stock-augmented distributional DP on every grid stock at once.

    ``support`` defaults to the exact reward lattice when ``gamma = 1`` (raises if the rewards have
    none; pass a support then), else 201 atoms spanning the return range.
    """
    if not (isinstance(horizon, (int, np.integer)) and horizon >= 1):
        raise ModelError(f"horizon must be an integer >= 1; got {horizon!r}")
    if not (0.0 < gamma <= 1.0):
        raise ModelError(f"gamma must be in (0, 1]; got {gamma!r}")
    gamma = float(gamma)
    warn_if_outside_class(utility, gamma)
    delta = reward_lattice(kernel.reward)
    if support is None:
        if gamma == 1.0:
            support = lattice_support(kernel, horizon)
            if support is None:
                raise ModelError("rewards are not on a rational lattice; pass a CategoricalSupport explicitly")
        else:
            lo, hi = return_bounds(kernel, gamma, horizon)
            support = CategoricalSupport.spanning(min(lo.min(), 0.0), max(hi.max(), 0.0) + 1e-9, 201)
    exact = bool(gamma == 1.0 and delta is not None and (delta == 0.0 or (
        abs(delta / grid.step - round(delta / grid.step)) < 1e-9 and abs(delta / support.dz - round(delta / support.dz)) < 1e-9)))
    S, nc, m = kernel.n_states, grid.n, support.m
    signs = _tail_signs(utility)
    tail_law, tail_policy = _finite_tails(kernel, gamma, horizon, support, signs)
    value = np.zeros((horizon + 1, S, nc))
    policy = np.zeros((horizon, S, nc), dtype=np.int64)
    value[horizon] = utility(grid.values)[None, :]  # eta_H = delta_0: F = f(c)
    eta_next = _delta_table((S, nc), support)
    eta = np.empty_like(eta_next)
    ip, ix, d, r, A = _kernel_args(kernel)
    params = utility.params_array
    dummy = np.zeros((S, nc), dtype=np.int64)
    for t in range(horizon - 1, -1, -1):  # Sec. 2.4: backward over stages
        _backup(eta_next)(ip, ix, d, r, A, gamma, grid.lo, grid.step, support.z0, support.dz,
                            eta_next, tail_law[0, t + 1], tail_law[1, t + 1], utility.code, params,
                            dummy, _k.MODE_GREEDY, TIE_TOL, eta, value[t], policy[t])
        eta_next, eta = eta, eta_next
    return FiniteHorizonStockSolution(kernel, utility, float(gamma), int(horizon), grid, support, value, policy,
                                      tail_law, tail_policy, eta_next, exact)


def stage_value(sol: FiniteHorizonStockSolution, t: int, s: int, c: float) -> float:
    """``F*_t(s, c)``: on the grid from the table, beyond it from the tail law (affine tails)."""
    j = sol.grid.index(c)
    if j is not None:
        return float(sol.value[t, s, j])
    if sol.grid.lo <= c <= sol.grid.hi:
        return float(np.interp(c, sol.grid.values, sol.value[t, s]))
    side = 0 if c < sol.grid.lo else 1
    return float(sol.tail_law[side, t, s] @ sol.utility(c + sol.support.atoms))


def stock_action(sol: FiniteHorizonStockSolution, t: int, s: int, c: float) -> int:
    """The read-off policy ``pi_t(s, c)`` (Sec. 2.4); beyond the grid, the tail policy."""
    if c < sol.grid.lo - 1e-9 * sol.grid.step:
        return int(sol.tail_policy[0, t, s])
    if c > sol.grid.hi + 1e-9 * sol.grid.step:
        return int(sol.tail_policy[1, t, s])
    j = int(round((c - sol.grid.lo) / sol.grid.step))  # nearest grid point (exact on the lattice)
    return int(sol.policy[t, s, j])


@dataclass(frozen=True)
class PolicyLaw:
    """Exact law of ``G`` under the read-off stock policy from ``(s_0, c_0)`` and state visitation ``(H+1, S)``."""

    law: FiniteDistribution
    visitation: np.ndarray


def policy_return_law(sol: FiniteHorizonStockSolution, s0: int, c0: float) -> PolicyLaw:
    """Forward propagation of ``(S_t, C_t)`` under the read-off policy; ``G = gamma^H C_H - c_0`` (T0)."""
    k = sol.kernel
    S, A = k.n_states, k.n_actions
    mass: dict[tuple[int, float], float] = {(int(s0), float(c0)): 1.0}
    visit = np.zeros((sol.horizon + 1, S))
    for t in range(sol.horizon):
        nxt: dict[tuple[int, float], float] = {}
        for (s, c), p in mass.items():
            visit[t, s] += p
            row = s * A + stock_action(sol, t, s, c)
            for e in range(k.indptr[row], k.indptr[row + 1]):
                key = (int(k.indices[e]), round((c + k.reward[e]) / sol.gamma, 9))  # Sec. 1.2: c' = (c + r)/gamma
                nxt[key] = nxt.get(key, 0.0) + p * k.data[e]
        mass = nxt
    law: dict[float, float] = {}
    for (s, c), p in mass.items():
        visit[sol.horizon, s] += p
        g = sol.gamma ** sol.horizon * c - c0  # T0: c_0 + G = gamma^H C_H
        law[g] = law.get(g, 0.0) + p
    return PolicyLaw(FiniteDistribution.from_pairs(law.items()), visit)


@dataclass(frozen=True)
class Episodes:
    """Sampled episodes: ``states (n, H+1)``, ``actions (n, H)``, ``rewards (n, H)`` (undiscounted
    ``r_t``), ``stocks (n, H+1)``, and the discount ``gamma``."""

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    stocks: np.ndarray
    gamma: float = 1.0

    @property
    def returns(self) -> np.ndarray:
        """``G = sum_t gamma^t r_t`` per episode."""
        return self.rewards @ (self.gamma ** np.arange(self.rewards.shape[1]))


def _stock_actions(sol: FiniteHorizonStockSolution, t: int, s: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Vectorised :func:`stock_action` (same rule: nearest grid point on the grid, tail policy beyond)."""
    g = sol.grid
    j = np.clip(np.rint((c - g.lo) / g.step).astype(np.int64), 0, g.n - 1)
    a = sol.policy[t, s, j]
    below, above = c < g.lo - 1e-9 * g.step, c > g.hi + 1e-9 * g.step
    a[below] = sol.tail_policy[0, t, s[below]]
    a[above] = sol.tail_policy[1, t, s[above]]
    return a


def sample_outcomes(kernel: JointKernel, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One outcome entry index per row ``s*A + a`` (vectorised inverse-CDF sampling)."""
    cum = np.cumsum(kernel.data)
    start = kernel.indptr[rows]
    before = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
    u = rng.random(rows.shape[0]) * (cum[kernel.indptr[rows + 1] - 1] - before)
    e = np.searchsorted(cum, before + u, side="right")
    return np.minimum(np.maximum(e, start), kernel.indptr[rows + 1] - 1)


def sample_episodes(sol: FiniteHorizonStockSolution, s0: int, c0: float, n: int, seed: int) -> Episodes:
    """Execute the read-off stock policy ``n`` times from ``(s_0, c_0)`` (seeded)."""
    rng = np.random.default_rng(seed)
    k, H, A = sol.kernel, sol.horizon, sol.kernel.n_actions
    states = np.zeros((n, H + 1), dtype=np.int64)
    stocks = np.zeros((n, H + 1))
    actions = np.zeros((n, H), dtype=np.int64)
    rewards = np.zeros((n, H))
    states[:, 0], stocks[:, 0] = s0, c0
    for t in range(H):
        a = _stock_actions(sol, t, states[:, t], stocks[:, t])
        e = sample_outcomes(k, states[:, t] * A + a, rng)
        actions[:, t], rewards[:, t] = a, k.reward[e]
        states[:, t + 1] = k.indices[e]
        stocks[:, t + 1] = (stocks[:, t] + rewards[:, t]) / sol.gamma
    return Episodes(states, actions, rewards, stocks, sol.gamma)


# ----------------------------------------------------------------------------- scalar shadow (Sec. 2.5)
def _affine_piece(utility: ExpectedUtility, side: int) -> tuple[float, float]:
    """``f(x) = a x + b`` on the side (0: x < 0, 1: x >= 0) for utilities affine there."""
    c = utility.code
    if c == _k.UTILITY_LINEAR:
        return 1.0, 0.0
    if c == _k.UTILITY_PIECEWISE_LINEAR:
        return (utility.params[1], 0.0) if side == 0 else (utility.params[0], 0.0)
    if c == _k.UTILITY_STEP:
        return (0.0, 0.0) if side == 0 else (0.0, 1.0)
    if c == _k.UTILITY_NEG_ABS:
        return (1.0, 0.0) if side == 0 else (-1.0, 0.0)
    raise ModelError(f"utility {utility.name} is not affine on each side of 0: affine tails do not apply")


def scalar_shadow_backward_induction(kernel: JointKernel, horizon: int, utility: ExpectedUtility, grid: StockGrid,
                                     gamma: float = 1.0, edge: Literal["affine", "clip"] = "affine") -> np.ndarray:
    """``U_t(s, c) = gamma^p max_a sum P(r, s'|s, a) U_{t+1}(s', (c + r)/gamma)``, ``U_H = f`` (Sec. 2.5, [D]).

    Returns ``U (H+1, S, n)``.  Off-grid stocks: ``edge="affine"`` uses ``a (c' + V^{sign a}(s')) + b``
    for the affine piece ``a x + b`` of ``f`` (exact for piecewise-affine ``f`` when the grid covers the
    return range); ``edge="clip"`` clamps the stock to the grid: the pitfall of ,
    kept only to reproduce V15.  Between grid points (gamma < 1): linear interpolation in c.
    """
    if utility.degree is None and gamma != 1.0:
        raise ModelError(f"the scalar shadow needs a homogeneous utility when gamma < 1; {utility.name} is not")
    S, A = kernel.n_states, kernel.n_actions
    scale = gamma ** (utility.degree or 0.0) if gamma != 1.0 else 1.0
    c = grid.values
    rows = np.repeat(np.arange(S * A), np.diff(kernel.indptr))
    Rbar = kernel.mean_reward()
    vmax = np.zeros(S)
    vmin = np.zeros(S)
    U = np.zeros((horizon + 1, S, grid.n))
    U[horizon] = utility(c)[None, :]
    P = kernel.to_mdp(horizon=1).transitions_csr()
    pieces = [_affine_piece(utility, 0), _affine_piece(utility, 1)] if edge == "affine" else None
    for t in range(horizon - 1, -1, -1):
        cn = (c[None, :] + kernel.reward[:, None]) / gamma  # (nnz, n): next stocks
        if edge == "clip":
            W = np.stack([np.interp(np.clip(cn[e], grid.lo, grid.hi), c, U[t + 1, kernel.indices[e]]) for e in range(cn.shape[0])])
        else:
            W = np.empty_like(cn)
            for e in range(cn.shape[0]):
                sn = kernel.indices[e]
                W[e] = np.interp(cn[e], c, U[t + 1, sn])
                for side, mask in ((0, cn[e] < grid.lo - 1e-12), (1, cn[e] > grid.hi + 1e-12)):
                    a, b = pieces[side]
                    v = vmax[sn] if a >= 0 else vmin[sn]
                    W[e, mask] = a * (cn[e, mask] + v) + b
        Q = np.zeros((S * A, grid.n))
        np.add.at(Q, rows, kernel.data[:, None] * W)
        U[t] = scale * Q.reshape(S, A, grid.n).max(axis=1)  # Eq. of Sec. 2.5
        # risk-neutral values with H - t steps left, for the affine tails at stage t
        vmax, vmin = (Rbar + gamma * (P @ vmax).reshape(S, A)).max(axis=1), (Rbar + gamma * (P @ vmin).reshape(S, A)).min(axis=1)
    return U


# ----------------------------------------------------------------------------- infinite horizon
@dataclass(frozen=True)
class StationaryStockSolution:
    """Result of DVI/DPI: stationary ``eta (S, n, m)``, ``value = F_K(eta)`` on the grid, ``policy (S, n)``,
    tails, and per-iteration histories ``values (K+1, S, n)`` and ``policies (K, S, n)``."""

    kernel: JointKernel
    utility: ExpectedUtility
    gamma: float
    grid: StockGrid
    support: CategoricalSupport
    eta: np.ndarray
    value: np.ndarray
    policy: np.ndarray
    tail_law: np.ndarray
    tail_policy: np.ndarray
    values: np.ndarray
    policies: np.ndarray
    method: str
    iterations: int


def default_support(kernel: JointKernel, gamma: float, m: int = 101) -> CategoricalSupport:
    """``m`` atoms spanning ``[R_min, R_max]/(1 - gamma)`` (and 0)."""
    rmin, rmax = kernel.reward_range
    return CategoricalSupport.spanning(min(rmin, 0.0) / (1 - gamma), max(rmax, 0.0) / (1 - gamma) + (1e-9 if rmax == rmin == 0 else 0.0), m)


def stationary_tails(kernel: JointKernel, gamma: float, support: CategoricalSupport,
                     utility: ExpectedUtility, n_iter: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return laws (2, S, m) and actions (2, S) of the mean-maximising / minimising policies for the
    affine tails below / above the grid (iterates the projected mean-greedy operator)."""
    if not 0.0 < gamma < 1.0:
        raise ModelError(f"infinite-horizon DP needs gamma in (0, 1); got {gamma!r}")
    S = kernel.n_states
    n_iter = n_iter or int(math.ceil(math.log(1e-16) / math.log(gamma))) + 5
    laws = np.zeros((2, S, support.m))
    pols = np.zeros((2, S), dtype=np.int64)
    work = np.zeros(S)
    ip, ix, d, r, A = _kernel_args(kernel)
    for side, sign in enumerate(_tail_signs(utility)):
        eta = _delta_table((S,), support)
        out = np.empty_like(eta)
        for _ in range(n_iter):
            _k.categorical_mean_greedy_csr(ip, ix, d, r, A, gamma, sign, support.z0, support.dz, eta, work, out, pols[side])
            eta, out = out, eta
        laws[side] = eta
    return laws, pols


def expected_utility_on_grid(eta: np.ndarray, grid: StockGrid, support: CategoricalSupport, utility: ExpectedUtility) -> np.ndarray:
    """``F_K(eta)(s, c_j) = E f(c_j + G)``."""
    out = np.empty(eta.shape[:2])
    _k.expected_utility_table(eta, grid.lo, grid.step, support.z0, support.dz, utility.code, utility.params_array, out)
    return out


def distributional_value_iteration(kernel: JointKernel, gamma: float, utility: ExpectedUtility, grid: StockGrid,
                                   support: CategoricalSupport | None = None, n_iter: int = 100,
                                   tol: float | None = None) -> StationaryStockSolution:
    """Stock-augmented distributional VI: ``pi_k = G_K(eta_k)``, ``eta_{k+1} = T^{pi_k} eta_k``,
    ``eta_0 = delta_0``.  Stops after ``n_iter`` iterations, or earlier by rule (b) when ``tol`` is given:
    ``sup |F_K(eta_{k+1}) - F_K(eta_k)| <= tol (1 - gamma)/gamma``.  ``values[k] = F_K(eta_k)``."""
    gamma = float(gamma)
    warn_if_outside_class(utility, gamma)
    support = support or default_support(kernel, gamma)
    tails, tail_pol = stationary_tails(kernel, gamma, support, utility)
    S = kernel.n_states
    eta = _delta_table((S, grid.n), support)
    out = np.empty_like(eta)
    values = [expected_utility_on_grid(eta, grid, support, utility)]
    policies = []
    ip, ix, d, r, A = _kernel_args(kernel)
    params = utility.params_array
    dummy = np.zeros((S, grid.n), dtype=np.int64)
    for k in range(n_iter):
        val = np.empty((S, grid.n))
        pol = np.empty((S, grid.n), dtype=np.int64)
        _backup(eta)(ip, ix, d, r, A, gamma, grid.lo, grid.step, support.z0, support.dz, eta, tails[0], tails[1],
                     utility.code, params, dummy, _k.MODE_GREEDY, TIE_TOL, out, val, pol)
        eta, out = out, eta
        values.append(val)
        policies.append(pol)
        if tol is not None and np.max(np.abs(val - values[-2])) <= tol * (1 - gamma) / gamma:  # rule (b)
            break
    return StationaryStockSolution(kernel, utility, float(gamma), grid, support, eta, values[-1], policies[-1], tails,
                                   tail_pol, np.array(values), np.array(policies), "dvi", len(policies))


def evaluate_stock_policy(kernel: JointKernel, gamma: float, utility: ExpectedUtility, grid: StockGrid,
                          support: CategoricalSupport, policy: np.ndarray, tails: np.ndarray,
                          tol: float = 1e-13, eta0: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Fixed point of the (interpolated, projected) ``T^pi`` on the grid by iteration (a gamma-contraction);
    returns ``(eta^pi, F_K(eta^pi))``.  Iterates until the objective changes by <= ``tol (1-gamma)/gamma``."""
    S, gamma = kernel.n_states, float(gamma)
    policy = np.ascontiguousarray(policy, dtype=np.int64)
    if policy.shape != (S, grid.n) or policy.min() < 0 or policy.max() >= kernel.n_actions:
        raise ModelError(f"a stock policy must be integer actions of shape {(S, grid.n)}")
    eta = _delta_table((S, grid.n), support) if eta0 is None else eta0.copy()
    out = np.empty_like(eta)
    ip, ix, d, r, A = _kernel_args(kernel)
    val = np.full((S, grid.n), np.inf)
    new = np.empty((S, grid.n))
    pol_out = np.empty((S, grid.n), dtype=np.int64)
    cap = int(math.ceil(math.log(1e-17) / math.log(gamma))) + 10
    for _ in range(cap):
        _backup(eta)(ip, ix, d, r, A, gamma, grid.lo, grid.step, support.z0, support.dz, eta, tails[0], tails[1],
                     utility.code, utility.params_array, policy, _k.MODE_EVALUATE, TIE_TOL, out, new, pol_out)
        eta, out = out, eta
        done = np.max(np.abs(new - val)) <= tol * (1 - gamma) / gamma
        val, new = new.copy(), val
        if done:
            break
    return eta, val


def distributional_policy_iteration(kernel: JointKernel, gamma: float, utility: ExpectedUtility, grid: StockGrid,
                                    support: CategoricalSupport | None = None, max_iter: int = 100,
                                    policy0: np.ndarray | None = None) -> StationaryStockSolution:
    """Stock-augmented distributional PI: evaluate ``pi_k``, improve greedily keeping
    ``pi_k(s, c)`` among the maximisers, stop when the policy repeats.  ``pi_0`` defaults to the
    mean-greedy (risk-neutral) policy.  ``values[k] = F_K(eta^{pi_k})``."""
    gamma = float(gamma)
    warn_if_outside_class(utility, gamma)
    support = support or default_support(kernel, gamma)
    tails, tail_pol = stationary_tails(kernel, gamma, support, utility)
    S = kernel.n_states
    pi = np.repeat(tail_pol[0][:, None], grid.n, axis=1) if policy0 is None else np.array(policy0, dtype=np.int64)
    ip, ix, d, r, A = _kernel_args(kernel)
    values, policies = [], []
    eta = None
    for _ in range(max_iter):
        eta, val = evaluate_stock_policy(kernel, gamma, utility, grid, support, pi, tails, eta0=eta)
        values.append(val)
        policies.append(pi)
        out = np.empty_like(eta)
        v2 = np.empty((S, grid.n))
        new = np.empty((S, grid.n), dtype=np.int64)
        _backup(eta)(ip, ix, d, r, A, gamma, grid.lo, grid.step, support.z0, support.dz, eta, tails[0], tails[1],
                     utility.code, utility.params_array, pi, _k.MODE_IMPROVE, TIE_TOL, out, v2, new)
        if np.array_equal(new, pi):
            break
        pi = new
    return StationaryStockSolution(kernel, utility, float(gamma), grid, support, eta, values[-1], pi, tails, tail_pol,
                                   np.array(values), np.array(policies), "dpi", len(values))


# ----------------------------------------------------------------------------- no stock
def categorical_policy_evaluation(kernel: JointKernel, pi: np.ndarray, gamma: float, support: CategoricalSupport,
                                  n_sweeps: int, eta0: np.ndarray | None = None) -> np.ndarray:
    """``n_sweeps`` applications of ``Pi_C T^pi`` (no stock) from ``eta0`` (default ``delta_0``); returns ``eta (S, m)``.

    ``Pi_C T^pi`` is a sqrt(gamma)-contraction in the Cramer distance (Rowland et al. 2018), so the
    iterates converge to the categorical fixed point (which differs from ``Pi_C eta^pi``).
    """
    S = kernel.n_states
    pi = np.ascontiguousarray(pi, dtype=np.int64)
    if pi.shape != (S,) or (pi.size and (pi.min() < 0 or pi.max() >= kernel.n_actions)):
        raise ModelError(f"pi must be integer actions in 0..{kernel.n_actions - 1} of shape ({S},)")
    if not 0.0 <= gamma <= 1.0:
        raise ModelError(f"gamma must be in [0, 1]; got {gamma!r}")
    eta = _delta_table((S,), support) if eta0 is None else np.array(eta0, dtype=np.float64)
    if eta.shape != (S, support.m):
        raise ModelError(f"eta0 must have shape {(S, support.m)}; got {eta.shape}")
    out, work = np.empty_like(eta), np.empty_like(eta)
    for _ in range(int(n_sweeps)):
        _k.categorical_evaluation_csr(kernel.indptr, kernel.indices, kernel.data, kernel.reward, kernel.n_actions,
                                      float(gamma), pi, support.z0, support.dz, eta, work, out)
        eta, out = out, eta
    return eta


def quantile_policy_evaluation(kernel: JointKernel, pi: np.ndarray, gamma: float, m: int, n_sweeps: int,
                               theta0: np.ndarray | None = None) -> np.ndarray:
    """``n_sweeps`` applications of ``Pi_Q T^pi`` (no stock) on quantile representations: ``theta (S, m)``,
    each state's law ``(1/m) sum_i delta_{theta[s, i]}``, from ``theta0`` (default all 0).

    ``Pi_Q`` keeps the quantiles at levels ``(2i - 1)/(2m)``; where the CDF jumps exactly
    at a level (common: mixtures of m-atom laws) it takes the midpoint of the lower and upper quantile,
    both of which minimise w_1 (our choice: the lower one alone biases the iterates down).  ``Pi_Q T^pi`` is a
    gamma-contraction in wbar_inf (Dabney et al. 2018), so the iterates converge to its fixed point
    (not in general ``Pi_Q eta^pi``).  numpy, one state at a time: meant for small models.
    """
    S = kernel.n_states
    pi = np.ascontiguousarray(pi, dtype=np.int64)
    if pi.shape != (S,) or (pi.size and (pi.min() < 0 or pi.max() >= kernel.n_actions)):
        raise ModelError(f"pi must be integer actions in 0..{kernel.n_actions - 1} of shape ({S},)")
    if int(m) < 1:
        raise ModelError(f"a quantile representation needs m >= 1 atoms; got {m}")
    theta = np.zeros((S, m)) if theta0 is None else np.array(theta0, dtype=np.float64)
    levels = (2 * np.arange(1, m + 1) - 1) / (2 * m)
    rows = np.arange(S) * kernel.n_actions + pi
    for _ in range(int(n_sweeps)):
        new = np.empty_like(theta)
        for s in range(S):
            sl = slice(kernel.indptr[rows[s]], kernel.indptr[rows[s] + 1])
            x = (kernel.reward[sl][:, None] + gamma * theta[kernel.indices[sl]]).ravel()  # b_{r,gamma}
            w = np.repeat(kernel.data[sl] / m, m)
            order = np.argsort(x, kind="stable")
            cum = np.cumsum(w[order])
            lo = np.searchsorted(cum, levels - 1e-12, side="left")    # lower quantile inf{x : F(x) >= tau}
            hi = np.searchsorted(cum, levels + 1e-12, side="right")   # upper quantile inf{x : F(x) > tau}
            xs = x[order]
            new[s] = 0.5 * (xs[np.minimum(lo, x.size - 1)] + xs[np.minimum(hi, x.size - 1)])
        theta = new
    return theta
