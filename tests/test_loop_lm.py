"""Linear-mixture LOOP and the UCRL2-VTR-style baseline (algorithms.loop.linear_mixture): the batched
relative value iteration against the exact gain of the core, the feasible-parameter geometry, the exact
planner against the closed form of the hard family, the Sherman-Morrison/log-det kernel against numpy,
the determinant-doubling switch bound, optimism, hostile input and the CLI with a Phi/theta .npz."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from algorithms.loop import _kernels as K
from algorithms.loop.linear_mixture import (affine_parameter_set, batched_relative_vi, ellipsoid_grid, exact_plan,
                                            run_loop_lm, run_loop_lm_model, run_ucrl2_vtr, valid_box)
from bounds.core import get_bound
from mdplab.errors import ModelError
from mdplab.interaction import continuing_uniforms
from mdplab.regret import optimal_gain
from scenarios.instances.average_reward import (linear_mixture_from_basis, linear_mixture_hard,
                                               linear_mixture_hard_closed_form)

#: tolerances (one table)
TOL_RVI = 1e-8        # relative value iteration stopped at sp(Th - h) < 1e-10
TOL_LINALG = 1e-9     # Sherman-Morrison vs a direct inverse, on well-conditioned matrices


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batched_relative_vi_matches_the_exact_gain(seed):
    rng = np.random.default_rng(seed)
    n, S, A = 4, 5, 3
    P = rng.dirichlet(np.ones(S), size=(n, S, A))
    R = rng.random((S, A))
    gain, h, q, done = batched_relative_vi(P, R)
    assert done.all()
    for i in range(n):
        og = optimal_gain(P[i], R)
        assert gain[i] == pytest.approx(og.gain, abs=TOL_RVI)
        assert h[i].max() - h[i].min() == pytest.approx(og.span, abs=1e-6)


def test_affine_parameter_set_of_a_kernel_mixture():
    inst = linear_mixture_from_basis(3, 5, 2, 0)
    theta0, N = affine_parameter_set(inst.Phi)
    assert N.shape == (3, 2)                                   # rows sum to 1 iff sum(theta) = 1
    rng = np.random.default_rng(0)
    for z in rng.normal(size=(5, 2)):
        P = inst.Phi @ (theta0 + N @ z)
        assert np.allclose(P.sum(axis=2), 1.0)


def test_valid_box_of_the_hard_family():
    # valid parameters: theta_0 = 1 and |theta_1| + |theta_2| <= delta (every P(x1 | x0, a) in [0, 1]);
    # along a unit direction n the extremes of <n, theta> over that L1 ball are +-delta max(|n_1|, |n_2|)
    delta = 0.1
    inst = linear_mixture_hard(3, delta, 0.02)
    theta0, N = affine_parameter_set(inst.Phi)
    assert theta0[0] == pytest.approx(1.0) and np.allclose(N[0], 0.0)
    box = valid_box(inst.Phi, theta0, N)
    for j in range(2):
        expected = delta * np.abs(N[1:, j]).max()              # max of <n_j, theta> over the L1 ball
        assert box[j, 1] == pytest.approx(expected, abs=1e-9)
        assert box[j, 0] == pytest.approx(-expected, abs=1e-9)


def test_exact_plan_on_the_true_parameter_gives_the_closed_form():
    d, delta, Delta = 3, 0.1, 0.02
    inst = linear_mixture_hard(d, delta, Delta)
    pi, J, V, th, n_ok = exact_plan(inst.Phi, inst.R, inst.theta[None, :], B=10.0, rng=np.random.default_rng(0))
    cf = linear_mixture_hard_closed_form(d, delta, Delta)
    assert J == pytest.approx(cf["gain"], abs=TOL_RVI)
    assert V.max() - V.min() == pytest.approx(cf["span"], abs=1e-6)
    assert pi[0] == 3                                            # action (+1, +1) aligns with theta's signs
    assert exact_plan(inst.Phi, inst.R, inst.theta[None, :], B=0.5 * cf["span"], rng=np.random.default_rng(0)) is None


def test_ellipsoid_grid_points_lie_in_the_ellipsoid_and_the_affine_set():
    inst = linear_mixture_from_basis(3, 4, 2, 1)
    theta0, N = affine_parameter_set(inst.Phi)
    rng = np.random.default_rng(3)
    M = rng.normal(size=(3, 3))
    Lam = M @ M.T + np.eye(3)
    th_hat = inst.theta + 0.05 * rng.normal(size=3)
    grid = ellipsoid_grid(th_hat, Lam, 0.3, theta0, N, 9)
    assert grid.shape[0] > 1
    dev = grid - th_hat
    assert np.all(np.einsum("ni,ij,nj->n", dev, Lam, dev) <= 0.3 ** 2 * (1 + 1e-9))
    assert np.allclose(grid.sum(axis=1), 1.0)


def test_sherman_morrison_kernel_matches_numpy():
    inst = linear_mixture_hard(3, 0.1, 0.02)
    P, R = inst.P, inst.R
    S, A = R.shape
    rng = np.random.default_rng(0)
    pi = rng.integers(0, A, S)
    phi_v = rng.normal(size=(S, A, 3))
    Lam0 = 2.0 * np.eye(3)
    Li = np.linalg.inv(Lam0)
    T = 200
    u = continuing_uniforms(rng, T)
    states, nexts = np.empty(T, dtype=np.int64), np.empty(T, dtype=np.int64)
    rbar, robs, ld = np.empty(T), np.empty(T), np.zeros(1)
    steps, _ = K.lm_segment(P, R, 0, pi, u, 0, T, False, K.EVERY_STEP + 99, phi_v, Li, 0.0, states, rbar, nexts, robs, ld)
    assert steps == T                                           # an unknown rule never fires
    X = phi_v[states, pi[states]]
    Lam = Lam0 + X.T @ X
    assert np.allclose(Li, np.linalg.inv(Lam), atol=TOL_LINALG)
    assert ld[0] == pytest.approx(np.linalg.slogdet(Lam)[1] - np.linalg.slogdet(Lam0)[1], abs=1e-9)


@pytest.fixture(scope="module")
def hard():
    return linear_mixture_hard(3, 0.1, 0.02)


def _L(inst, B):
    return float(np.sqrt((np.abs(inst.Phi).sum(axis=2) ** 2).sum(axis=2)).max()) * B


@pytest.mark.parametrize("planner", ["exact", "bonus"])
def test_det_doubling_switch_bound(hard, planner):
    T, B = 2 ** 11, 1.5 * hard.span
    run = run_loop_lm(hard.Phi, hard.theta, hard.R, 0, T, 0, B=B, planner=planner)
    bound = get_bound("he2024loop.switches_det").evaluate({"d": 3, "T": T, "L": _L(hard, B), "lam": 1.0})
    assert run.extras["n_updates"] <= bound
    assert run.extras["max_feature_norm"] <= _L(hard, B) + 1e-12
    assert np.max(run.extras["planned_span"]) <= B + 1e-9


def test_every_step_breaks_the_det_bound(hard):
    T, B = 2 ** 7, 1.5 * hard.span
    run = run_loop_lm(hard.Phi, hard.theta, hard.R, 0, T, 0, B=B, planner="bonus", update_rule="every_step")
    assert run.extras["n_updates"] == T - 1
    assert T - 1 > get_bound("he2024loop.switches_det").evaluate({"d": 3, "T": T, "L": _L(hard, B), "lam": 1.0})


@pytest.mark.parametrize("seed", [0, 1])
def test_exact_planner_is_optimistic_with_the_theory_width(hard, seed):
    run = run_loop_lm(hard.Phi, hard.theta, hard.R, 0, 2 ** 11, seed, B=1.5 * hard.span)
    assert np.all(run.extras["J_opt_hi"] >= hard.gain)
    assert run.extras["fallbacks"] == 0


def test_no_bonus_loses_optimism(hard):
    run = run_loop_lm(hard.Phi, hard.theta, hard.R, 0, 2 ** 11, 0, B=1.5 * hard.span, planner="bonus", bonus_scale=0.0)
    assert np.any(run.extras["J_opt_hi"] < hard.gain)


def test_learns_with_a_narrow_width_on_a_kernel_mixture():
    inst = linear_mixture_from_basis(2, 6, 2, 1)
    T = 2 ** 13
    run = run_loop_lm(inst.Phi, inst.theta, inst.R, 0, T, 0, B=1.5 * inst.span, c_beta=0.01)
    og = optimal_gain(inst.P, inst.R)
    pol = run.policies[-1]
    from mdplab.regret import policy_gain
    assert np.allclose(policy_gain(inst.P, inst.R, np.asarray(pol, dtype=np.int64))[0], og.gain, atol=1e-9)


def test_ucrl2_vtr_runs_unclipped(hard):
    run = run_ucrl2_vtr(hard.Phi, hard.theta, hard.R, 0, 2 ** 10, 0, B=1.5 * hard.span)
    assert run.learner == "ucrl2-vtr" and run.params["span_clip"] is False


@pytest.mark.parametrize("kw, word", [(dict(), "B"), (dict(B=1.0, planner="grid"), "planner"),
                                      (dict(B=1.0, update_rule="doubling"), "update_rule"),
                                      (dict(B=1.0, lam=0.0), "lam"), (dict(B=1.0, delta=0.0), "delta")])
def test_hostile_arguments(hard, kw, word):
    with pytest.raises(ModelError, match=word):
        run_loop_lm(hard.Phi, hard.theta, hard.R, 0, 10, 0, **kw)


def test_exact_planner_refuses_large_parameter_sets():
    inst = linear_mixture_from_basis(5, 4, 2, 0)
    with pytest.raises(ModelError, match="bonus"):
        run_loop_lm(inst.Phi, inst.theta, inst.R, 0, 10, 0, B=1.0, planner="exact")


def test_model_wrapper_checks_phi_against_p(hard):
    with pytest.raises(ModelError, match="Phi"):
        run_loop_lm_model(hard.P, hard.R, 0, 10, 0, B=1.0)
    with pytest.raises(ModelError, match="Phi @ theta"):
        run_loop_lm_model(hard.P[::-1].copy(), hard.R, 0, 10, 0, Phi=hard.Phi, theta=hard.theta, B=1.0)


def test_cli_linear_mixture_npz(tmp_path, hard):
    path = tmp_path / "lm.npz"
    np.savez(path, Phi=hard.Phi, theta=hard.theta, R=hard.R)
    res = subprocess.run([sys.executable, "-m", "mdplab.cli", "regret", str(path), "--learner", "loop-lm", "--steps",
                          "1000", "--seeds", "2", "--param", "B=6", "--json"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert len(out["gain_regret"]) == 2 and len(out["switches"]) == 2
    path2 = tmp_path / "noR.npz"
    np.savez(path2, Phi=hard.Phi, theta=hard.theta)
    res = subprocess.run([sys.executable, "-m", "mdplab.cli", "regret", str(path2), "--learner", "loop-lm", "--steps",
                          "100", "--seeds", "1", "--param", "B=6", "--json"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "rewards" in res.stderr and "Traceback" not in res.stderr
