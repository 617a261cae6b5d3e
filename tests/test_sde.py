"""Tests of the diffusion simulators (mdplab.sde, mdplab._kernels.sde).

Oracles: closed-form OU / Euler moments, Gauss-Hermite quadrature (exact for polynomials), numerical
integration of the Van Loan covariance, the kernels' own ``py_func`` (interpreted Python).  Monte Carlo
assertions use z-bounds at the stated two-sided confidence level.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg
from numba import njit
from scipy import stats

from mdplab import sde
from mdplab._kernels import sde as K
from mdplab.errors import ModelError

Z999 = stats.norm.ppf(1 - 0.001 / 2)  # two-sided 99.9% confidence: a correct simulator fails 1 in 1000


@njit
def _ou_drift(t, x, out):
    out[0] = -x[0]


@njit
def _unit_dispersion(t, x, out):
    out[0, 0] = 1.0


@njit
def _nan_drift(t, x, out):
    out[0] = np.nan


@njit
def _rotation_drift(t, x, out):  # 2-d linear drift B x with B = [[-1, 2], [-2, -1]] (damped rotation)
    out[0] = -x[0] + 2.0 * x[1]
    out[1] = -2.0 * x[0] - x[1]


@njit
def _diag_dispersion(t, x, out):
    out[0, 0] = 0.5
    out[1, 0] = 0.3
    out[1, 1] = 0.4


def test_ziggurat_normals_moments_and_ks():
    """1e6 draws: mean, variance, kurtosis within 99.9% z-bounds; KS p-value above 0.001."""
    z = sde.standard_normals(100, 10_000, seed=11).ravel()
    n = z.size
    assert abs(z.mean()) < Z999 / np.sqrt(n)
    assert abs(z.var() - 1.0) < Z999 * np.sqrt(2.0 / n)
    assert abs(stats.kurtosis(z)) < Z999 * np.sqrt(24.0 / n)
    assert stats.kstest(z, "norm").pvalue > 1e-3
    # tail beyond the ziggurat's base layer r: frequency matches 2 P(Z > r) (binomial z-bound)
    p = 2 * stats.norm.sf(K._ZIG_R)
    assert abs((np.abs(z) > K._ZIG_R).mean() - p) < Z999 * np.sqrt(p * (1 - p) / n)


def test_ziggurat_tables_cover_unit_area():
    """Each of the 127 upper layers has area v (Marsaglia & Tsang 2000): x_i (f(x_{i-1}) - f(x_i)) = v with
    x_0 = 0, x_127 = r; the recursion accumulates rounding, hence rtol 1e-8."""
    kn, wn, fn = K.ziggurat_tables()
    x = wn * 2147483648.0  # layer right edges x_i for i >= 1
    areas = x[1:128] * (fn[0:127] - fn[1:128])
    np.testing.assert_allclose(areas, K._ZIG_V, rtol=1e-8)
    assert x[127] == pytest.approx(K._ZIG_R, rel=1e-15)


def test_same_seed_same_numbers_and_thread_independence():
    ou = sde.ornstein_uhlenbeck(1.0, 1.0)
    a = sde.simulate_exact(ou, 0.5, 1.0, 0.01, 64, seed=3)
    b = sde.simulate_exact(ou, 0.5, 1.0, 0.01, 64, seed=3)
    c = sde.simulate_exact(ou, 0.5, 1.0, 0.01, 64, seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)
    # path p depends only on (seed, p): the first 8 of 64 paths equal a run with 64 paths truncated
    d = sde.simulate_exact(ou, 0.5, 1.0, 0.01, 64, seed=3)
    np.testing.assert_array_equal(a.X[:8], d.X[:8])


def test_chunked_run_continues_the_streams():
    ou = sde.ornstein_uhlenbeck(1.0, 1.0)
    whole = sde.simulate_exact(ou, 1.0, 2.0, 0.01, 5, seed=9)
    first = sde.simulate_exact(ou, 1.0, 1.0, 0.01, 5, seed=9)
    second = sde.simulate_exact(ou, first.X[:, -1], 1.0, 0.01, 5, seed=first.rng_state, t0=1.0)
    np.testing.assert_array_equal(np.concatenate([first.X, second.X[:, 1:]], axis=1), whole.X)
    np.testing.assert_allclose(second.t, whole.t[100:], atol=1e-12)


def test_splitmix64_reference_vectors():
    """SplitMix64 from state 0 (Vigna's splitmix64.c, also Java's SplittableRandom mixing): first three outputs."""
    state, got = 0, []
    for _ in range(3):
        state, z = K.splitmix64(np.uint64(state % 2 ** 64))
        got.append(int(z) % 2 ** 64)
    assert got == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


@pytest.mark.parametrize("d", [1, 2])
def test_linear_kernel_matches_numpy_recursion(d):
    """The path kernel (d = 1: its scalar fast path) equals X_{k+1} = F X_k + f + L Z_k in numpy with Z_k drawn
    from the same streams (L.shape[1] normals per step, path p from stream p): the kernel adds no error."""
    if d == 2:
        lin = sde.LinearSDE(np.array([[-1.0, 2.0], [-2.0, -1.0]]), np.array([0.2, -0.1]),
                            np.array([[0.5, 0.0, 0.1], [0.3, 0.4, 0.0]]))
    else:
        lin = sde.ornstein_uhlenbeck(1.3, 0.7, mean=0.4)
    n, K_, dt = 4, 7, 0.1
    x0 = np.array([[0.0, 1.0], [1.0, -2.0], [3.0, 0.5], [-1.0, -1.0]])[:, :d]
    paths = sde.simulate_exact(lin, x0, K_ * dt, dt, n, seed=13)
    F, f, L = lin.exact_transition(dt)
    m = L.shape[1]  # the exact transition factor is (d, d) whatever Sigma's m
    Z = sde.standard_normals(n, K_ * m, seed=13).reshape(n, K_, m)
    X = np.empty((n, K_ + 1, d))
    X[:, 0] = x0
    for k in range(K_):
        X[:, k + 1] = X[:, k] @ F.T + f + Z[:, k] @ L.T
    np.testing.assert_allclose(paths.X, X, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dt", [0.01, 0.1, 0.7])
def test_exact_ou_transition_closed_form(dt):
    kappa, sigma, mu = 1.3, 0.7, 0.4
    F, f, L = sde.ornstein_uhlenbeck(kappa, sigma, mean=mu).exact_transition(dt)
    rho = np.exp(-kappa * dt)
    np.testing.assert_allclose(F, [[rho]], rtol=1e-13)
    np.testing.assert_allclose(f, [mu * (1 - rho)], rtol=1e-12)
    np.testing.assert_allclose(L @ L.T, [[sigma ** 2 * (1 - rho ** 2) / (2 * kappa)]], rtol=1e-12)


def test_exact_transition_of_a_2d_linear_sde_against_quadrature():
    """Van Loan covariance vs direct numerical integration of expm(Bs) S S^T expm(B^T s) over [0, dt]."""
    B = np.array([[-1.0, 2.0], [-2.0, -1.0]])
    S = np.array([[0.5, 0.0], [0.3, 0.4]])
    b0 = np.array([0.2, -0.1])
    lin = sde.LinearSDE(B, b0, S)
    dt = 0.3
    F, f, L = lin.exact_transition(dt)
    Q = scipy.integrate.quad_vec(lambda s: scipy.linalg.expm(B * s) @ S @ S.T @ scipy.linalg.expm(B.T * s), 0, dt,
                                 epsabs=1e-14, epsrel=1e-12)[0]
    fint = scipy.integrate.quad_vec(lambda s: scipy.linalg.expm(B * s) @ b0, 0, dt, epsabs=1e-14, epsrel=1e-12)[0]
    np.testing.assert_allclose(F, scipy.linalg.expm(B * dt), rtol=1e-12)
    np.testing.assert_allclose(L @ L.T, Q, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(f, fint, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("dt", [0.05, 0.5])
def test_exact_transition_moments_by_gauss_hermite(dt):
    """E[X'^2], E[X'^4] from X ~ N(m, v), X' = F X + f + L Z on a 40x40 Gauss-Hermite grid equal the OU
    closed forms to 1e-10 (the quadrature is exact for these polynomials)."""
    kappa, sigma, m, v = 0.8, 1.1, 0.3, 0.6
    F, f, L = sde.ornstein_uhlenbeck(kappa, sigma).exact_transition(dt)
    z, w = np.polynomial.hermite_e.hermegauss(40)
    w = w / w.sum()
    x = m + np.sqrt(v) * z
    xn = F[0, 0] * x[:, None] + f[0] + L[0, 0] * z[None, :]
    W = np.outer(w, w)
    rho = np.exp(-kappa * dt)
    mean = rho * m
    var = rho ** 2 * v + sigma ** 2 * (1 - rho ** 2) / (2 * kappa)
    assert abs((W * xn ** 2).sum() - (mean ** 2 + var)) < 1e-10
    assert abs((W * xn ** 4).sum() - (mean ** 4 + 6 * mean ** 2 * var + 3 * var ** 2)) < 1e-10


def test_simulate_exact_terminal_moments_monte_carlo():
    """X_T of exact OU paths: mean and variance within 99.9% z-bounds of the closed form."""
    kappa, sigma, x0, T, n = 1.0, 1.0, 1.5, 2.0, 40_000
    X = sde.simulate_exact(sde.ornstein_uhlenbeck(kappa, sigma), x0, T, 0.25, n, seed=21).X[:, -1, 0]
    mean, var = x0 * np.exp(-kappa * T), sigma ** 2 * (1 - np.exp(-2 * kappa * T)) / (2 * kappa)
    assert abs(X.mean() - mean) < Z999 * np.sqrt(var / n)
    assert abs(X.var() - var) < Z999 * var * np.sqrt(2.0 / n)


def test_euler_maruyama_moments_monte_carlo():
    """Euler OU: E X_K = x0 (1 - kappa dt)^K and Var_{k+1} = (1 - kappa dt)^2 Var_k + sigma^2 dt exactly."""
    kappa, sigma, x0, dt, K_, n = 1.0, 1.0, 1.0, 0.1, 10, 40_000
    D = sde.Diffusion(_ou_drift, _unit_dispersion, 1, 1)
    X = sde.simulate_euler_maruyama(D, x0, K_ * dt, dt, n, seed=5).X[:, -1, 0]
    a = 1 - kappa * dt
    var = sum(a ** (2 * j) for j in range(K_)) * sigma ** 2 * dt
    assert abs(X.mean() - x0 * a ** K_) < Z999 * np.sqrt(var / n)
    assert abs(X.var() - var) < Z999 * var * np.sqrt(2.0 / n)


def test_generic_euler_equals_linear_euler():
    """The callback kernel and the linear kernel take the same Euler step from the same streams."""
    B = np.array([[-1.0, 2.0], [-2.0, -1.0]])
    S = np.array([[0.5, 0.0], [0.3, 0.4]])
    a = sde.simulate_euler_maruyama(sde.Diffusion(_rotation_drift, _diag_dispersion, 2, 2), [1.0, -1.0], 1.0, 0.01,
                                    50, seed=8)
    b = sde.simulate_euler_maruyama(sde.LinearSDE(B, np.zeros(2), S), [1.0, -1.0], 1.0, 0.01, 50, seed=8)
    np.testing.assert_allclose(a.X, b.X, rtol=1e-12, atol=1e-12)


def test_monte_carlo_value_of_finite_horizon_ou():
    """Spec A4.2 check: kappa = sigma = T = 1, beta = 0.5, J(0, 1) = 0.92136 (closed form).  20k exact paths at
    dt = 1e-3: within the 99.9% z-bound plus the left-point rule's O(dt) bias (|bias| <= 2 dt here)."""
    paths = sde.simulate_exact(sde.ornstein_uhlenbeck(1.0, 1.0), 1.0, 1.0, 1e-3, 20_000, seed=2)
    tr = sde.observe(paths, lambda t, X: X[..., 0] ** 2, lambda x: x[:, 0] ** 2)
    G = sde.discounted_returns(tr, 0.5)
    assert abs(G.mean() - 0.92136) < Z999 * G.std() / np.sqrt(G.size) + 2e-3


@pytest.mark.parametrize("call, match", [
    (lambda: sde.time_grid(1.0, 0.3), "integer multiple"),
    (lambda: sde.time_grid(1.0, -0.1), "positive"),
    (lambda: sde.LinearSDE(np.eye(2), np.zeros(3), np.eye(2)), "b0"),
    (lambda: sde.LinearSDE(np.array([[np.nan]]), np.zeros(1), np.eye(1)), "non-finite"),
    (lambda: sde.simulate_exact(sde.ornstein_uhlenbeck(1, 1), np.zeros(3), 1.0, 0.1, 4, seed=0), "x0"),
    (lambda: sde.simulate_exact(sde.ornstein_uhlenbeck(1, 1), 0.0, 1.0, 0.1, 4, seed=-1), "seed"),
    (lambda: sde.simulate_exact(sde.ornstein_uhlenbeck(1, 1), 0.0, 1.0, 0.1, 4, seed=np.zeros(3, np.uint64)),
     "stream state"),
    (lambda: sde.Diffusion(lambda t, x, o: None, _unit_dispersion, 1, 1), "njit"),
    (lambda: sde.Diffusion(_nan_drift, _unit_dispersion, 1, 1), "NaN"),
    (lambda: sde.Trajectories(np.arange(3.0), np.zeros((2, 3)), np.zeros((2, 2)), 1.0), "r must have shape"),
    (lambda: sde.Trajectories(np.array([0.0, 1.0, 3.0]), np.zeros((2, 3)), np.zeros((2, 3)), 1.0), "equispaced"),
])
def test_bad_input_raises_model_error(call, match):
    with pytest.raises(ModelError, match=match):
        call()
