"""SRRW (algorithms.srrw, algorithms.srrw._kernels): spec B5 items 1-4 (deterministic) and 6 (slow).

Independent oracles: the Lyapunov form of V(alpha) (spec B3.2), brute-force finite differences, a
plain-numpy reference walk that replays the kernel's generator stream (the kernel's per-run MT19937
and numba's ``np.random`` are the same stream as numpy's legacy ``np.random.seed``), numpy's
``RandomState`` for that generator, and the spec's [D] numbers (spec B4.2, computed by the spec author
with separate numpy/scipy code).
"""
from __future__ import annotations

import numba
import numpy as np
import pytest
import scipy.linalg
from hypothesis import given
from hypothesis import strategies as st

from algorithms import srrw
from algorithms.srrw import _kernels as K
from mdplab import chains
from mdplab.errors import ModelError
from scenarios.instances import graphs as instances

#: named tolerances (one table, STYLE.md)
TOL = {"closed_form": 1e-10, "stochastic": 1e-12, "fd_jacobian": 1e-6, "loewner": 1e-12}


def _g8():
    P = chains.metropolis_hastings_chain(instances.toy_graph_g8())
    return P, np.full(8, 1 / 8)


def _karate():
    P = chains.metropolis_hastings_chain(instances.named_graph("karate"))
    return P, np.full(34, 1 / 34)


CHAINS = {"g8": _g8, "karate": _karate}


def lyapunov_oracle(P, mu, alpha, a):
    """Spec B3.2: (J + sI) V + V (J + sI)^T + U_b = 0, s = 1/2 if a = 1 else 0 (scipy, independent)."""
    J = srrw.srrw_jacobian(P, mu, alpha) + (0.5 if a == 1.0 else 0.0) * np.eye(P.shape[0])
    return scipy.linalg.solve_continuous_lyapunov(J, -chains.chain_asymptotic_covariance(P, mu))


# ---------------------------------------------------------------- B5.1 closed form vs Lyapunov
@pytest.mark.parametrize("chain", ["g8", "karate"])
@pytest.mark.parametrize("a", [1.0, 0.8])
@pytest.mark.parametrize("alpha", [0.0, 1.0, 5.0, 20.0])
def test_covariance_closed_form_equals_lyapunov(chain, a, alpha):
    P, mu = CHAINS[chain]()
    V = srrw.asymptotic_covariance(P, mu, alpha, a=a)
    W = lyapunov_oracle(P, mu, alpha, a)
    assert np.abs(V - W).max() <= TOL["closed_form"] * np.abs(W).max()


# spec B4.2 [D], G8 with f = (0, ..., 7): f^T V f and tr V (theory columns)
G8_TABLE = [(1.0, 0, 88.181, 2.99375), (1.0, 1, 18.448, 0.70570), (1.0, 5, 4.4347, 0.17914),
            (0.8, 0, 44.091, 1.49688), (0.8, 1, 15.252, 0.56500), (0.8, 5, 4.2212, 0.16740)]


@pytest.mark.parametrize("a, alpha, fvf, trace", G8_TABLE)
def test_g8_table(a, alpha, fvf, trace):
    P, mu = _g8()
    V = srrw.asymptotic_covariance(P, mu, alpha, a=a)
    f = np.arange(8.0)
    assert f @ V @ f == pytest.approx(fvf, rel=1e-4)
    assert np.trace(V) == pytest.approx(trace, rel=1e-5)


# spec B4.2 [D], karate tr V(alpha) for alpha = 0, 1, 5, 10, 20, 50
KARATE_TRACE = {1.0: [8.335436, 1.809520, 0.439954, 0.226127, 0.114670, 0.046263],
                0.8: [4.167718, 1.483576, 0.417337, 0.219977, 0.113063, 0.045999]}


@pytest.mark.parametrize("a", [1.0, 0.8])
def test_karate_traces(a):
    P, mu = _karate()
    got = [np.trace(srrw.asymptotic_covariance(P, mu, al, a=a)) for al in (0, 1, 5, 10, 20, 50)]
    np.testing.assert_allclose(got, KARATE_TRACE[a], rtol=0, atol=5e-7)  # printed to 6 decimals


# ---------------------------------------------------------------- B5.2 Loewner order and O(1/alpha)
@pytest.mark.parametrize("chain", ["g8", "karate"])
@pytest.mark.parametrize("a", [1.0, 0.8])
def test_loewner_monotone_in_alpha(chain, a):
    P, mu = CHAINS[chain]()
    alphas = [0, 0.5, 1, 2, 5, 10, 50, 200]
    Vs = [srrw.asymptotic_covariance(P, mu, al, a=a) for al in alphas]
    for V1, V2 in zip(Vs, Vs[1:]):
        assert np.linalg.eigvalsh(V1 - V2).min() >= -TOL["loewner"]
        assert np.trace(V1 - V2) > 0


def test_trace_slope_minus_one_and_alpha_trace_converges():
    P, mu = _karate()
    alphas = np.geomspace(10, 100, 10)
    tr = np.array([np.trace(srrw.asymptotic_covariance(P, mu, al)) for al in alphas])
    slope = np.polyfit(np.log(alphas), np.log(tr), 1)[0]
    assert slope == pytest.approx(-1.0, abs=0.05)            # spec: -0.989
    # alpha tr V(alpha) -> 1/2 sum_{i>=2} ||u_i||^2 / (1 - lambda_i) (mode-wise limit)
    spec = chains.spectral_decomposition(P, mu)
    limit = 0.5 * np.sum((spec.left[:, 1:] ** 2).sum(0) / (1 - spec.lambdas[1:]))
    big = [al * np.trace(srrw.asymptotic_covariance(P, mu, al)) for al in (1e3, 1e4, 1e5)]
    assert abs(big[2] - limit) < abs(big[1] - limit) < abs(big[0] - limit)
    assert big[2] == pytest.approx(limit, rel=1e-4)


# ---------------------------------------------------------------- B5.3 i.i.d. threshold
@pytest.mark.parametrize("chain, expected", [("g8", 4.63), ("karate", 14.67)])
def test_alpha_crit_value_and_threshold(chain, expected):
    P, mu = CHAINS[chain]()
    ac = srrw.alpha_crit(P, mu)
    assert ac == pytest.approx(expected, abs=0.005)
    iid = chains.iid_covariance(mu)
    top = lambda al: np.linalg.eigvalsh(srrw.asymptotic_covariance(P, mu, al) - iid).max()  # noqa: E731
    assert top(ac * (1 + 1e-6)) <= TOL["loewner"]
    assert top(ac * (1 - 1e-3)) > 0
    assert top(ac * 3) <= TOL["loewner"]


@pytest.mark.parametrize("chain", ["g8", "karate"])
def test_alpha_crit_step_below_one_by_bisection(chain):
    # a < 1: i.i.d. sampling with the same step has covariance (D_mu - mu mu^T)/2; find the threshold by bisection.
    P, mu = CHAINS[chain]()
    iid = 0.5 * chains.iid_covariance(mu)
    top = lambda al: np.linalg.eigvalsh(srrw.asymptotic_covariance(P, mu, al, a=0.8) - iid).max()  # noqa: E731
    lo, hi = 0.0, 1000.0
    for _ in range(45):                    # 1000 / 2^45 < 1e-10
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if top(mid) <= 1e-14 else (mid, hi)
    assert srrw.alpha_crit(P, mu, a=0.8) == pytest.approx(hi, rel=1e-6)


# ---------------------------------------------------------------- B5.4 kernel properties
@given(seed=st.integers(0, 10_000), alpha=st.floats(0, 50), chain=st.sampled_from(["g8", "karate"]))
def test_kernel_stochastic_and_reversible_wrt_pi(seed, alpha, chain):
    P, mu = CHAINS[chain]()
    x = np.random.default_rng(seed).dirichlet(np.ones(P.shape[0]))
    x = np.maximum(x, 1e-8)
    K = srrw.srrw_kernel(P, mu, x, alpha)
    pi = srrw.srrw_stationary(P, mu, x, alpha)
    np.testing.assert_allclose(K.sum(axis=1), 1.0, atol=TOL["stochastic"])
    flow = pi[:, None] * K
    assert np.abs(flow - flow.T).max() <= TOL["stochastic"]
    assert np.all(K[P == 0] == 0)
    np.testing.assert_allclose(srrw.srrw_kernel(P, mu, 37.0 * x, alpha), K, atol=1e-14)   # scale invariance


def test_kernel_fixed_points_and_extremes():
    P, mu = _karate()
    np.testing.assert_allclose(srrw.srrw_stationary(P, mu, mu, 7.0), mu, atol=1e-15)
    np.testing.assert_allclose(srrw.srrw_kernel(P, mu, np.random.default_rng(0).dirichlet(np.ones(34)), 0.0), P,
                               atol=1e-15)
    x = np.full(34, 1e-300)
    x[0] = 1.0
    K = srrw.srrw_kernel(P, mu, x, 1000.0)                     # (x/mu)^-alpha overflows without logs
    assert np.all(np.isfinite(K)) and np.allclose(K.sum(1), 1)
    assert K[0, 0] < 1e-100                                     # the self-loop is repelled too


@pytest.mark.parametrize("chain", ["g8", "karate"])
@pytest.mark.parametrize("alpha", [0.5, 3.0])
def test_jacobian_by_finite_differences(chain, alpha):
    P, mu = CHAINS[chain]()
    n = P.shape[0]
    h = 1e-6
    fd = np.empty((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        up = srrw.srrw_stationary(P, mu, mu + e, alpha) - (mu + e)
        dn = srrw.srrw_stationary(P, mu, mu - e, alpha) - (mu - e)
        fd[:, j] = (up - dn) / (2 * h)
    J = srrw.srrw_jacobian(P, mu, alpha)
    assert np.abs(fd - J).max() <= TOL["fd_jacobian"] * max(1.0, np.abs(J).max())
    spec = chains.spectral_decomposition(P, mu)
    for i in range(1, n):     # J u_i = -(alpha (1 + lambda_i) + 1) u_i
        np.testing.assert_allclose(J @ spec.left[:, i], -(alpha * (1 + spec.lambdas[i]) + 1) * spec.left[:, i],
                                   atol=1e-10)


# ---------------------------------------------------------------- sampler = numpy reference walk
def reference_walk(P, mu, alpha, a, X0, x0, n_steps, seed):
    """Plain-numpy SRRW replaying numba's generator: dense K[x] each step, dense x update."""
    np.random.seed(seed)
    x, X = x0 / x0.sum(), int(X0)
    for n in range(n_steps):
        support = np.flatnonzero(P[X] > 0)
        w = srrw.srrw_kernel(P, mu, x, alpha)[X, support]
        X = int(support[np.searchsorted(np.cumsum(w), np.random.random() * w.sum(), side="right")])
        gamma = (n + 2.0) ** (-a)
        x = (1 - gamma) * x
        x[X] += gamma
    return x, X


@pytest.mark.parametrize("a, alpha", [(1.0, 0.0), (1.0, 4.0), (0.8, 2.0), (0.6, 10.0)])
def test_sampler_replays_numpy_reference(a, alpha):
    P, mu = _g8()
    x0 = np.random.default_rng(1).dirichlet(np.ones(8))
    runs = srrw.sample_srrw(P, mu, alpha, 300, 3, seed=5, a=a, x0=x0, X0=[0, 3, 7], checkpoints=[0, 150, 300])
    seeds = srrw.run_seeds(5, 3)
    for r, X0 in enumerate([0, 3, 7]):
        x_ref, X_ref = reference_walk(P, mu, alpha, a, X0, x0, 300, int(seeds[r]))
        np.testing.assert_allclose(runs.x[r, -1], x_ref, atol=1e-12)
        assert runs.final_node[r] == X_ref
        np.testing.assert_allclose(runs.x[r, 0], x0 / x0.sum(), atol=1e-15)


# ---------------------------------------------------------------- per-run MT19937 and interleaved runs
@pytest.mark.parametrize("seed", [0, 1, 5489, 123_456_789, 2 ** 32 - 1])
def test_mt19937_matches_numpy_legacy_stream(seed):
    # 2000 doubles = 4000 words: crosses six regenerations of the 624-word block
    got = np.empty(2000)
    K.mt_random_fill(seed, got)
    np.testing.assert_array_equal(got, np.random.RandomState(seed).random_sample(2000))
    mt, pos = np.empty((1, 624), dtype=np.uint32), np.empty(1, dtype=np.int64)
    K.mt_seed(seed, mt, pos, 0)
    name, key, ref_pos = np.random.RandomState(seed).get_state()[:3]
    np.testing.assert_array_equal(mt[0], key)
    assert name == "MT19937" and pos[0] == ref_pos


@numba.njit
def _one_run_reference(indptr, indices, logP, log_mu, alpha, a, X, x0, n_steps, seed):
    """One SRRW run, one step at a time with numba's global generator (the pre-interleaving loop,
    built from the kernel's per-step helpers, which SA-SRRW still uses). Also counts how often the
    rare paths ran: log-space rows, rescales of y, re-anchorings of the cached weights."""
    np.random.seed(seed)
    N = x0.shape[0]
    maxdeg = 1
    for i in range(N):
        maxdeg = max(maxdeg, indptr[i + 1] - indptr[i])
    y, logy, rep, wbuf = np.empty(N), np.empty(N), np.empty(N), np.empty(maxdeg)
    Plin = np.exp(logP)
    sum_y = K._init_measure(x0, y, logy)
    inv_s = 1.0
    ref = K._refresh_weights(0, alpha, logy, log_mu, rep, 0.0, True)
    n_log_rows = n_rescales = n_anchors = 0
    for n in range(n_steps):
        total = 0.0
        for k in range(indptr[X], indptr[X + 1]):
            total += Plin[k] * rep[indices[k]]
        n_log_rows += not (total > 1e-250 and total < 1e250)
        X = K._srrw_next_cached(X, indptr, indices, Plin, rep, logP, log_mu, alpha, y, wbuf)
        inv_s, sum_y = K._measure_step(X, K._step_size(n, a), y, logy, inv_s, sum_y)
        n_rescales += inv_s == 1.0
        new_ref = K._refresh_weights(X, alpha, logy, log_mu, rep, ref, inv_s == 1.0)
        n_anchors += new_ref != ref
        ref = new_ref
    return y / sum_y, X, n_log_rows, n_rescales, n_anchors


# (alpha, a, n_steps, x0 concentration): ordinary; y rescaled (a = 0.55 passes 1e150 near n = 75_000);
# extreme alpha from a very uneven x0 (cached weights over/underflow: log-space rows, re-anchoring)
RARE_PATH_CASES = [(3.0, 1.0, 3000, 1.0), (2.0, 0.55, 100_000, 1.0), (400.0, 1.0, 3000, 0.05)]


@pytest.mark.parametrize("alpha, a, n_steps, conc", RARE_PATH_CASES)
@pytest.mark.parametrize("group", [1, 3, 4, 8])
def test_interleaved_runs_equal_one_run_loop_bit_for_bit(alpha, a, n_steps, conc, group):
    P, mu = _karate()
    N = P.shape[0]
    x0 = np.maximum(np.random.default_rng(3).dirichlet(np.full(N, conc)), 1e-200)
    x0 /= x0.sum()
    indptr, indices, logP = chains.transition_csr(P)
    R = 7                                                       # groups of unequal size
    X0 = np.arange(R, dtype=np.int64) * 5 % N
    seeds = srrw.run_seeds(31, R)
    x_out, X_out = np.empty((R, 1, N)), np.empty(R, dtype=np.int64)
    empty = np.zeros(2, dtype=np.int64), np.zeros(1, dtype=np.int64)
    K.walk_runs(K.WALK_SRRW, indptr, indices, logP, np.log(mu), alpha, *empty, np.cumsum(mu), a, X0, x0,
                n_steps, np.array([n_steps]), seeds, x_out, X_out, group=group)
    counts = np.zeros(3, dtype=np.int64)
    for r in range(R):
        x_ref, X_ref, *c = _one_run_reference(indptr, indices, logP, np.log(mu), alpha, a, X0[r], x0, n_steps,
                                              seeds[r])
        np.testing.assert_array_equal(x_out[r, 0], x_ref)
        assert X_out[r] == X_ref
        counts += c
    if a < 1:
        assert counts[1] == R                                   # one rescale per run
    if alpha > 100:
        assert counts[0] > 0 and counts[2] > R                 # log-space rows and re-anchorings ran


def test_measure_rescaling_over_long_runs():
    # a = 0.55 drives 1/s_n past 1e150 near n = 75_000 (kernel rescales y); i.i.d. draws replay exactly.
    mu = np.random.default_rng(2).dirichlet(np.ones(6))
    n, seed = 100_000, 9
    runs = srrw.sample_iid(mu, n, 1, seed=seed, a=0.55)
    np.random.seed(int(srrw.run_seeds(seed, 1)[0]))
    draws = np.searchsorted(np.cumsum(mu), np.random.random(n) * np.cumsum(mu)[-1], side="right")
    x = np.full(6, 1 / 6)
    for k, X in enumerate(draws):
        g = (k + 2.0) ** -0.55
        x *= 1 - g
        x[X] += g
    np.testing.assert_allclose(runs.x[0, -1], x, atol=1e-12)


def test_nbrw_never_backtracks_on_a_cycle():
    # On a cycle the NBRW keeps its direction: after m full laps from a uniform prior, x_n is exactly uniform.
    import networkx as nx
    g = nx.cycle_graph(7)
    runs = srrw.sample_nbrw(g, 7 * 50, 4, seed=3, X0=0, checkpoints=[7 * 10, 7 * 50])
    np.testing.assert_allclose(runs.x, 1 / 7, atol=1e-12)
    np.testing.assert_allclose(srrw.nbrw_stationary(instances.named_graph("karate")).sum(), 1.0)


def test_same_seed_same_numbers_any_thread_count():
    P, mu = _karate()
    a = srrw.sample_srrw(P, mu, 3.0, 2000, 6, seed=11)
    b = srrw.sample_srrw(P, mu, 3.0, 2000, 6, seed=11)
    old = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        c = srrw.sample_srrw(P, mu, 3.0, 2000, 6, seed=11)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.x, c.x)
    d = srrw.sample_srrw(P, mu, 3.0, 2000, 6, seed=12)
    assert not np.array_equal(a.x, d.x)


def test_estimators():
    mu = np.array([0.1, 0.2, 0.3, 0.4])
    x = np.array([[0.25, 0.25, 0.25, 0.25]])
    f = np.array([1.0, 2.0, 3.0, 4.0])
    assert srrw.estimate_mean(x, f)[0] == pytest.approx(2.5)
    # reweighting a walk whose empirical measure equals its stationary pi recovers mu^T f exactly
    pi = np.array([0.4, 0.3, 0.2, 0.1])
    assert srrw.estimate_mean(pi, f, mu=mu, pi=pi) == pytest.approx(mu @ f)


def test_bad_input_raises_model_error():
    P, mu = _g8()
    with pytest.raises(ModelError, match="alpha"):
        srrw.asymptotic_covariance(P, mu, -1.0)
    with pytest.raises(ModelError, match=r"\(1/2, 1\]"):
        srrw.asymptotic_covariance(P, mu, 1.0, a=0.5)
    with pytest.raises(ModelError, match="strictly positive"):
        srrw.srrw_kernel(P, mu, np.r_[0.0, np.ones(7)], 1.0)
    with pytest.raises(ModelError, match="checkpoints"):
        srrw.sample_srrw(P, mu, 1.0, 10, 2, seed=0, checkpoints=[5, 3])
    with pytest.raises(ModelError, match="X0"):
        srrw.sample_srrw(P, mu, 1.0, 10, 2, seed=0, X0=8)
    with pytest.raises(ModelError, match="reversible"):
        srrw.sample_srrw(P, np.r_[0.3, np.full(7, 0.1)], 1.0, 10, 2, seed=0)


# ---------------------------------------------------------------- B5.6 Monte Carlo CLT (slow)
@pytest.mark.slow
@pytest.mark.parametrize("a", [1.0, 0.8])
@pytest.mark.parametrize("alpha", [0.0, 1.0, 5.0])
def test_clt_variance_g8(a, alpha):
    """gamma_n^{-1} Var(f^T x_n) over R = 2000 runs, n = 2e4, vs f^T V f: within 3 SE + 5% (SE of a
    variance ~ sqrt(2/R) value; 3 SE is a ~99.7% normal band, 5% allows the finite-n bias)."""
    P, mu = _g8()
    f = np.arange(8.0)
    R, n = 2000, 20_000
    runs = srrw.sample_srrw(P, mu, alpha, n, R, seed=2023, a=a)
    emp = srrw.estimate_mean(runs.x[:, -1], f).var(ddof=1) / (n + 1.0) ** (-a)
    V = srrw.asymptotic_covariance(P, mu, alpha, a=a)
    theory = f @ V @ f
    assert abs(emp - theory) <= (3 * np.sqrt(2 / R) + 0.05) * theory
    # the whole N x N covariance of gamma_n^{-1/2}(x_n - mu): relative Frobenius error within 3 SE + 5%,
    # SE of a Gaussian sample covariance: sqrt((tr V^2 + ||V||_F^2) / R) / ||V||_F (Wishart second moment)
    C = np.cov(((runs.x[:, -1] - mu) / np.sqrt((n + 1.0) ** (-a))).T)
    fro = np.linalg.norm(V)
    se = np.sqrt((np.trace(V) ** 2 + fro ** 2) / R) / fro
    assert np.linalg.norm(C - V) / fro <= 3 * se + 0.05


@pytest.mark.slow
def test_tvd_decays_like_inverse_sqrt_n():
    """B3.1: TVD(x_n, mu) -> 0; slope of log mean TVD vs log n on [1e3, 5e4] is -1/2 +- 0.1 (200 runs)."""
    P, mu = _karate()
    cps = np.array([1000, 3000, 10_000, 30_000, 50_000])
    for alpha in (0.0, 5.0):
        runs = srrw.sample_srrw(P, mu, alpha, int(cps[-1]), 200, seed=7, checkpoints=cps)
        tvd = chains.total_variation(runs.x, mu).mean(axis=0)
        assert np.all(np.diff(tvd) < 0)
        assert np.polyfit(np.log(cps), np.log(tvd), 1)[0] == pytest.approx(-0.5, abs=0.1)


# ---------------------------------------------------------------- registered bounds and scenarios
THEORY_SCENARIOS = ["srrw_alpha_envelope", "srrw_loewner", "srrw_beats_iid", "sa_srrw_regime1_alpha",
                    "sa_srrw_regime2_alpha", "sa_srrw_regime3_alpha", "sa_srrw_ordering"]
MC_SCENARIOS = ["srrw_clt", "srrw_tvd", "sa_srrw_clt"]


def _verdicts(name, tmp_path):
    from scenarios.runner import reproduce
    return reproduce([name], "quick", out_dir=tmp_path, report=False)


@pytest.mark.parametrize("name", THEORY_SCENARIOS)
def test_theory_scenarios_pass_quick(name, tmp_path):
    rows = _verdicts(name, tmp_path)
    assert rows and all(r["verdict"] == "PASS" for r in rows), rows


@pytest.mark.slow
@pytest.mark.parametrize("name", MC_SCENARIOS)
def test_monte_carlo_scenarios_pass_quick(name, tmp_path):
    rows = _verdicts(name, tmp_path)
    assert rows and all(r["verdict"] == "PASS" for r in rows), rows


def test_broken_covariance_fails_the_clt_check():
    """A deliberately wrong theory (the a < 1 constant used for a = 1: halves V at alpha = 0) must fail."""
    from bounds.checkers import check_bound
    from bounds.doshi2023 import CLT_VARIANCE
    P, mu = _g8()
    f = np.arange(8.0)
    R, n = 300, 3000
    runs = srrw.sample_srrw(P, mu, 0.0, n, R, seed=4)
    emp = srrw.estimate_mean(runs.x[:, -1], f).var(ddof=1) * (n + 1.0)
    allowed = CLT_VARIANCE.evaluate({"R": R, "z": 3.0, "delta": 0.1})
    right = f @ srrw.asymptotic_covariance(P, mu, 0.0, a=1.0) @ f
    wrong = f @ srrw.asymptotic_covariance(P, mu, 0.0, a=0.8) @ f
    assert check_bound([abs(emp / right - 1)] * 2, [allowed] * 2).status == "PASS"
    assert check_bound([abs(emp / wrong - 1)] * 2, [allowed] * 2).status == "FAIL"


def test_package_reexports_the_walk_module():
    """``algorithms.srrw.<name>`` (the module before issue 14, now a package) still names every walk function."""
    from algorithms.srrw import walk

    assert set(srrw.__all__) == set(walk.__all__)
    assert all(getattr(srrw, name) is getattr(walk, name) for name in walk.__all__)
