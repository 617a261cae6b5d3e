"""Finite-sum monotone operators with exact oracle accounting, and the problem classes of Cai et al.

See Cai, Alacaoglu & Diakonikolas, "Variance Reduced Halpern Iteration for Finite-Sum Monotone
Inclusions", ICLR 2024, arXiv:2310.02987v2 (`cai2024`); ``docs/theory/cai2024.md``.

Problem: find ``u*`` with ``0 in F(u*) + G(u*)``, ``F(u) = (1/n) sum_i F_i(u)``, ``G`` the
normal cone of a set with a cheap projection (or ``G = 0``).

Oracle model ([V from the official scripts]): one call = one ``F_i(u)`` at one
point.  A :class:`FiniteSumOperator` keeps the counters

* ``calls_component``: +1 per component evaluation (a PAGE / VR difference ``F_j(u) - F_j(v)`` is 2),
* ``calls_full``: +n per full ``F(u)``,
* ``calls_monitor``: residual evaluations for logging and stopping (exact ``F``, never charged),
* ``calls_resolvent``: projections (free, counted separately).

``calls = calls_component + calls_full`` is what algorithms are charged; ``epochs = calls / n``.

Sampling: indices i.i.d. from ``q`` (uniform by default), unbiased estimate
``F_hat_j = F_j / (n q_j)``; ``lipschitz_constant`` is the matching expected (mean-square) constant
``L`` (expected cocoercivity for least squares) and ``lipschitz_full`` is ``L_F``.

Problem classes (components as in the official scripts [V]):

* :class:`LeastSquaresOperator`: ``F_i(x) = a_i (a_i^T x - b_i)``, cocoercive; ``L`` (uniform) =
  ``max_i ||a_i||^2``, ``L_F = lambda_max(A^T A)/n`` [D].  :func:`pm_one_least_squares` builds our
  +-1-row family (Sec. 4.3 [D]).
* :class:`ColumnSampledAffineOperator`: ``F(z) = M z + c`` split by coordinate blocks
  ``F_i(z) = n M[:, B_i] z[B_i] + c``; covers the bilinear matrix game ``min_{x in simplex} max_{y in simplex}
  y^T A x`` (:func:`matrix_game`, :func:`policeman_burglar`) and the convex-concave quadratic Lagrangian
  ``F(x, y) = (Hx - h - A^T y, Ax - b)`` (:func:`quadratic_minmax`, :func:`worst_case_qp`).
  ``L^2 = max_i ||M[:, B_i]||_2^2 / q_i`` [D] (uniform game: ``sqrt(n) max_i max(||A_i,:||, ||A_:,i||)``).

Provenance: operator splits and residuals [V] (official scripts); constants ``L`` [D].
Deviations: PAGE minibatches are i.i.d. with replacement (theory) rather than without replacement (the
scripts); the simplex projection returns its result (the stored script's helper does not).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from mdplab.errors import ModelError

BIBKEY = "cai2024"


def project_simplex(v: np.ndarray) -> np.ndarray:
    """Euclidean projection onto the probability simplex (sort-based; Held, Wolfe & Crowder 1974)."""
    u = np.sort(v)[::-1]
    css = np.cumsum(u) - 1.0
    idx = np.arange(1, v.size + 1)
    rho = np.nonzero(u - css / idx > 0)[0][-1]
    theta = css[rho] / (rho + 1.0)
    return np.maximum(v - theta, 0.0)


@dataclass(frozen=True)
class OracleTrace:
    """What every finite-sum method returns: last iterate ``u``; monitored ``epochs`` (charged calls / n)
    and exact ``residuals`` at the recorded iterations (``iters``); counters at exit."""

    u: np.ndarray
    epochs: np.ndarray
    residuals: np.ndarray
    iters: np.ndarray
    converged: bool
    method: str
    calls: int
    info: dict = field(default_factory=dict)

    def epochs_to(self, eps: float) -> float:
        """First recorded epoch count with residual ``<= eps`` (``inf`` if never reached)."""
        hit = np.flatnonzero(self.residuals <= eps)
        return float(self.epochs[hit[0]]) if hit.size else float("inf")


class FiniteSumOperator(ABC):
    """Base class: accounting and sampling.  Subclasses implement ``_full``, ``_components``,
    ``project`` and set ``n``, ``dim``, ``q``."""

    n: int
    dim: int
    q: np.ndarray | None  # None = uniform
    constrained: bool = False

    def __init__(self) -> None:
        self.reset_counters()

    # ---- accounting ------------------------------------------------------------------------
    def reset_counters(self) -> None:
        self.calls_component = 0
        self.calls_full = 0
        self.calls_monitor = 0
        self.calls_resolvent = 0

    @property
    def calls(self) -> int:
        return self.calls_component + self.calls_full

    @property
    def epochs(self) -> float:
        return self.calls / self.n

    # ---- charged oracle ---------------------------------------------------------------------
    def full(self, u: np.ndarray) -> np.ndarray:
        """``F(u)``, charged ``n`` calls."""
        self.calls_full += self.n
        return self._full(u)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` i.i.d. indices from ``q``."""
        if self.q is None:
            return np.asarray(rng.integers(0, self.n, size=size))
        return np.asarray(rng.choice(self.n, size=size, p=self.q))

    def component_mean(self, idx: np.ndarray, u: np.ndarray) -> np.ndarray:
        """``mean_j F_hat_j(u)`` over the sampled ``idx``; charged ``len(idx)`` calls."""
        self.calls_component += len(idx)
        return self._components(idx, u)

    def component_difference(self, idx: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """``mean_j [F_hat_j(u) - F_hat_j(v)]`` (same index at both points); charged ``2 len(idx)``."""
        self.calls_component += 2 * len(idx)
        return self._components(idx, u) - self._components(idx, v)

    def resolvent(self, u: np.ndarray) -> np.ndarray:
        """``J_{eta G}`` = projection onto the constraint set (free; counted)."""
        self.calls_resolvent += 1
        return self.project(u)

    # ---- free monitoring ---------------------------------------------------------------------
    def monitor(self, u: np.ndarray) -> np.ndarray:
        """Exact ``F(u)`` for logging/stopping; counted in ``calls_monitor`` only."""
        self.calls_monitor += 1
        return self._full(u)

    def residual(self, u: np.ndarray) -> float:
        """The computable optimality measure: ``||F(u)||`` when unconstrained, else the
        natural residual with unit step ``||u - P(u - F(u))||``.  Monitoring: never charged."""
        Fu = self.monitor(u)
        if not self.constrained:
            return float(np.linalg.norm(Fu))
        return float(np.linalg.norm(u - self.project(u - Fu)))

    def project(self, u: np.ndarray) -> np.ndarray:
        return u

    def default_start(self) -> np.ndarray:
        """The official scripts' start: ``1/n`` in every coordinate (uniform strategies for games)."""
        return np.full(self.dim, 1.0 / self.n)

    # ---- subclass hooks -----------------------------------------------------------------------
    @abstractmethod
    def _full(self, u: np.ndarray) -> np.ndarray:
        """``F(u)``, uncounted (the public methods count)."""

    @abstractmethod
    def _components(self, idx: np.ndarray, u: np.ndarray) -> np.ndarray:
        """``F_i(u)`` for each ``i`` in ``idx``, uncounted."""


def _check_q(q: np.ndarray | None, n: int) -> np.ndarray | None:
    if q is None:
        return None
    q = np.asarray(q, dtype=np.float64)
    if q.shape != (n,) or not np.all(np.isfinite(q)) or (q <= 0).any() or abs(q.sum() - 1) > 1e-9:
        raise ModelError(f"sampling distribution q must be positive, of shape ({n},), summing to 1")
    return q


class LeastSquaresOperator(FiniteSumOperator):
    """``F(x) = (1/n) A^T (A x - b)``, components ``F_i(x) = a_i (a_i^T x - b_i)`` (rows ``a_i`` of ``A``).

    Convex smooth finite sum, so ``F`` is (1/L_F)-cocoercive and the components are cocoercive in
    expectation with ``L = max_i ||a_i||^2 / (n q_i)`` [D]."""

    constrained = False

    def __init__(self, A: np.ndarray, b: np.ndarray, q: np.ndarray | None = None) -> None:
        A = np.ascontiguousarray(A, dtype=np.float64)
        b = np.ascontiguousarray(b, dtype=np.float64)
        if A.ndim != 2 or b.shape != (A.shape[0],) or A.shape[0] == 0:
            raise ModelError(f"least squares needs A (n, d) and b (n,); got {A.shape} and {b.shape}")
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(b))):
            raise ModelError("least squares data A, b contain NaN or inf")
        self.A, self.b = A, b
        self.n, self.dim = A.shape
        self.q = _check_q(q, self.n)
        super().__init__()
        self._w = np.ones(self.n) if self.q is None else 1.0 / (self.n * self.q)  # F_hat_j = w_j F_j

    def _full(self, x: np.ndarray) -> np.ndarray:
        return self.A.T @ (self.A @ x - self.b) / self.n

    def _components(self, idx: np.ndarray, x: np.ndarray) -> np.ndarray:
        Ai = self.A[idx]
        return Ai.T @ (self._w[idx] * (Ai @ x - self.b[idx])) / len(idx)

    @property
    def lipschitz_constant(self) -> float:
        """Expected cocoercivity constant ``L`` for the sampling ``q``."""
        return float(np.max(np.einsum("ij,ij->i", self.A, self.A) * self._w))

    @property
    def lipschitz_full(self) -> float:
        """``L_F = lambda_max(A^T A / n)`` (cocoercivity constant of ``F``)."""
        return float(np.linalg.eigvalsh(self.A.T @ self.A / self.n)[-1])

    def default_start(self) -> np.ndarray:
        return np.zeros(self.dim)

    def solution(self) -> np.ndarray:
        """A minimiser (least-norm); exact data gives ``F = 0`` there."""
        return np.linalg.lstsq(self.A, self.b, rcond=None)[0]


def pm_one_least_squares(n: int, d: int = 10, seed: int = 0, decay: float = 3.0) -> LeastSquaresOperator:
    """ [D]: rows ``a_i = s * z_i``, ``z_i`` uniform in ``{+-1}^d``, ``s = logspace(0, -decay, d)``,
    exact right-hand side ``b = A x_true`` with ``x_true ~ N(0, I)``.  ``L_F ~ 1``, ``L`` (uniform) ``= ||s||^2``:
    the regime ``sqrt(n) L_F / L`` large where variance reduction pays."""
    if n < 1 or d < 1:
        raise ModelError(f"need n, d >= 1; got n={n}, d={d}")
    rng = np.random.default_rng(seed)
    s = np.logspace(0.0, -decay, d)
    Z = rng.choice(np.array([-1.0, 1.0]), size=(n, d))
    A = Z * s
    x_true = rng.standard_normal(d)
    return LeastSquaresOperator(A, A @ x_true)


class ColumnSampledAffineOperator(FiniteSumOperator):
    """``F(z) = M z + c`` with components ``F_i(z) = n M[:, B_i] z[B_i] + c`` over coordinate blocks
    ``B_i = {i, n_x + i}`` (one primal and one dual coordinate, as in the official scripts).

    ``simplex_blocks = (n_x, n_y)`` constrains ``z = (x, y)`` to a product of simplices
    (projection = resolvent); ``None`` means unconstrained.
    """

    def __init__(self, M: np.ndarray, c: np.ndarray, n_x: int, *, simplex: bool,
                 q: np.ndarray | None = None, name: str = "affine") -> None:
        M = np.ascontiguousarray(M, dtype=np.float64)
        c = np.ascontiguousarray(c, dtype=np.float64)
        if M.ndim != 2 or M.shape[0] != M.shape[1] or c.shape != (M.shape[0],) or M.shape[0] != 2 * n_x:
            raise ModelError(f"M must be (2n, 2n) and c (2n,) with n = {n_x}; got {M.shape}, {c.shape}")
        if not (np.all(np.isfinite(M)) and np.all(np.isfinite(c))):
            raise ModelError(f"{name}: M or c contain NaN or inf")
        self.M, self.c, self.n_x, self.name = M, c, n_x, name
        self.n, self.dim = n_x, 2 * n_x
        self.constrained = simplex
        self.q = _check_q(q, self.n)
        super().__init__()
        self._w = np.ones(self.n) if self.q is None else 1.0 / (self.n * self.q)
        # columns of block i: i and n_x + i
        self._MT = np.ascontiguousarray(M.T)

    def _full(self, z: np.ndarray) -> np.ndarray:
        return self.M @ z + self.c

    def _components(self, idx: np.ndarray, z: np.ndarray) -> np.ndarray:
        # mean_j F_hat_j(z) = mean_j w_j n (M[:, j] z_j + M[:, n+j] z_{n+j}) + c
        coef_x = self._w[idx] * z[idx]
        coef_y = self._w[idx] * z[self.n_x + idx]
        out = (coef_x @ self._MT[idx] + coef_y @ self._MT[self.n_x + idx]) * (self.n / len(idx))
        return out + self.c

    def project(self, z: np.ndarray) -> np.ndarray:
        if not self.constrained:
            return z
        return np.concatenate([project_simplex(z[: self.n_x]), project_simplex(z[self.n_x:])])

    @property
    def lipschitz_constant(self) -> float:
        """Mean-square Lipschitz constant ``L = sqrt(max_i ||M[:, B_i]||_2^2 / q_i)`` [D]."""
        norms = np.array([np.linalg.norm(self.M[:, [i, self.n_x + i]], 2) for i in range(self.n)])
        qq = np.full(self.n, 1.0 / self.n) if self.q is None else self.q
        return float(np.sqrt(np.max(norms ** 2 / qq)))

    @property
    def lipschitz_full(self) -> float:
        """``L_F = ||M||_2``."""
        return float(np.linalg.norm(self.M, 2))


def matrix_game(A: np.ndarray, q: np.ndarray | None = None) -> ColumnSampledAffineOperator:
    """``min_{x in simplex_n} max_{y in simplex_n} y^T A x``: ``F(x, y) = (A^T y, -A x)``, square ``A``
    (row/column sampling ``F_i = n (A_{i,:}^T y_i, -A_{:,i} x_i)``, Sec. 1.4)."""
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ModelError(f"the finite-sum matrix game needs a square payoff matrix; got shape {A.shape}")
    n = A.shape[0]
    M = np.zeros((2 * n, 2 * n))
    M[:n, n:] = A.T
    M[n:, :n] = -A
    op = ColumnSampledAffineOperator(M, np.zeros(2 * n), n, simplex=True, q=q, name="matrix game")
    op.payoff = A
    return op


def policeman_burglar_matrix(n: int, seed: int = 1) -> np.ndarray:
    """Nemirovski's policeman-and-burglar payoff as in (a)'s script ([V]):
    ``A_ij = w_j (1 - exp(-0.8 |i - j|))``, ``w_j = |N(0,1)|`` from legacy ``RandomState(seed)``."""
    w = np.abs(np.random.RandomState(seed).randn(n))
    i = np.arange(n)
    return w[None, :] * (1.0 - np.exp(-0.8 * np.abs(i[:, None] - i[None, :])))


def policeman_burglar(n: int, seed: int = 1) -> ColumnSampledAffineOperator:
    """The policeman-burglar game as a finite-sum operator (uniform sampling)."""
    return matrix_game(policeman_burglar_matrix(n, seed))


def duality_gap(A: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Exact duality gap of ``min_x max_y y^T A x`` at ``(x, y)``: ``max_i (A x)_i - min_j (A^T y)_j``."""
    return float(np.max(A @ x) - np.min(A.T @ y))


def quadratic_minmax(H: np.ndarray, h: np.ndarray, A: np.ndarray, b: np.ndarray,
                     q: np.ndarray | None = None) -> ColumnSampledAffineOperator:
    """Lagrangian of ``min 1/2 x^T H x - h^T x s.t. A x = b`` (H PSD, A square):
    ``F(x, y) = (H x - h - A^T y, A x - b)``, monotone, not cocoercive ([V])."""
    H, A = np.asarray(H, dtype=np.float64), np.asarray(A, dtype=np.float64)
    n = H.shape[0]
    if H.shape != (n, n) or A.shape != (n, n) or np.shape(h) != (n,) or np.shape(b) != (n,):
        raise ModelError(f"quadratic min-max needs H, A (n, n), h, b (n,); got {H.shape}, {A.shape}, "
                         f"{np.shape(h)}, {np.shape(b)}")
    if np.linalg.eigvalsh(0.5 * (H + H.T))[0] < -1e-10 * max(1.0, np.abs(H).max()):
        raise ModelError("H must be positive semidefinite for a convex-concave Lagrangian")
    M = np.block([[H, -A.T], [A, np.zeros((n, n))]])
    c = np.concatenate([-np.asarray(h, float), -np.asarray(b, float)])
    return ColumnSampledAffineOperator(M, c, n, simplex=False, q=q, name="quadratic min-max")


def worst_case_qp(n: int) -> ColumnSampledAffineOperator:
    """The QP of (a)'s script ([V]): ``A[i, n-1-i] = 1``, ``A[i, n-2-i] = -1`` (``i < n-1``),
    ``A /= 4``; ``H = 2 A^T A``; ``b = 1/4``; ``h = e_n / 4``.  Start the methods at ``1/n``."""
    A = np.zeros((n, n))
    for i in range(n):
        A[i, n - 1 - i] = 1.0
        if i < n - 1:
            A[i, n - 2 - i] = -1.0
    A /= 4.0
    h = np.zeros(n)
    h[-1] = 0.25
    return quadratic_minmax(2.0 * A.T @ A, h, A, np.full(n, 0.25))


class TraceRecorder:
    """Shared bookkeeping of the finite-sum methods: monitors the exact residual (free) once at least
    ``record_every`` epochs have passed since the last record (0: every iteration) and decides when to
    stop (``residual <= tol`` at a record, ``epochs >= max_epochs`` or ``k >= max_iter``)."""

    def __init__(self, op: FiniteSumOperator, *, tol: float, max_epochs: float, record_every: float,
                 max_iter: int | None = None) -> None:
        if not (tol >= 0 and np.isfinite(tol)):
            raise ModelError(f"tol must be a finite number >= 0; got {tol!r}")
        if not (max_epochs > 0):
            raise ModelError(f"max_epochs must be > 0; got {max_epochs!r}")
        if not (record_every >= 0):
            raise ModelError(f"record_every must be >= 0 epochs; got {record_every!r}")
        self.op, self.tol, self.max_epochs, self.every = op, float(tol), float(max_epochs), float(record_every)
        self.max_iter = None if max_iter is None else int(max_iter)
        self.epochs: list[float] = []
        self.residuals: list[float] = []
        self.iters: list[int] = []
        self.converged = False

    def step(self, k: int, u: np.ndarray) -> bool:
        """Record at iteration ``k`` (iterate ``u``) if due; return True when the method must stop."""
        out_of_budget = self.op.epochs >= self.max_epochs or (self.max_iter is not None and k >= self.max_iter)
        if not self.epochs or self.op.epochs - self.epochs[-1] >= self.every or out_of_budget:
            r = self.op.residual(u)
            if not np.isfinite(r):
                raise ModelError(f"residual became {r} at iteration {k}: step size too large?")
            self.epochs.append(self.op.epochs)
            self.residuals.append(r)
            self.iters.append(k)
            if r <= self.tol:
                self.converged = True
                return True
        return out_of_budget

    def finish(self, u: np.ndarray, k: int, method: str, info: dict | None = None) -> OracleTrace:
        if not self.iters or self.iters[-1] != k:
            self.epochs.append(self.op.epochs)
            self.residuals.append(self.op.residual(u))
            self.iters.append(k)
            self.converged = self.residuals[-1] <= self.tol
        op = self.op
        counters = {"calls_component": op.calls_component, "calls_full": op.calls_full,
                    "calls_monitor": op.calls_monitor, "calls_resolvent": op.calls_resolvent}
        return OracleTrace(u=u, epochs=np.asarray(self.epochs), residuals=np.asarray(self.residuals),
                           iters=np.asarray(self.iters), converged=self.converged, method=method,
                           calls=op.calls, info={**counters, **(info or {})})


def as_start(op: FiniteSumOperator, u0: np.ndarray | None) -> np.ndarray:
    """Validate a starting point (default: ``op.default_start()``)."""
    if u0 is None:
        return op.default_start()
    u0 = np.array(u0, dtype=np.float64)
    if u0.shape != (op.dim,) or not np.all(np.isfinite(u0)):
        raise ModelError(f"u0 must be a finite array of shape ({op.dim},); got {u0.shape}")
    return u0


def as_rng(seed: int | np.random.Generator):
    """``np.random.default_rng(seed)``, or the generator itself (tests pass scripted coin sources)."""
    if isinstance(seed, (int, np.integer)):
        return np.random.default_rng(seed)
    return seed
