"""mdplab.linear_mixture: construction, validation, feature-norm condition, .npz round trip via mdplab.load."""
from __future__ import annotations

import numpy as np
import pytest

import mdplab
from mdplab.errors import FileFormatError, ModelError, NotApplicableError
from mdplab.linear_mixture import (LinearMixtureMDP, box_vertices, check_total_reward, feature_norm_bound,
                                   linear_mixture_mdp, save_linear_mixture, value_features)


def _mixture(S=3, A=2, d=2, seed=0):
    """Phi_i = P_i / sqrt(d) for random kernels P_i and theta = sqrt(d) * (a point of the simplex)."""
    rng = np.random.default_rng(seed)
    kernels = rng.dirichlet(np.full(S, 0.5), size=(d, S, A))  # (d, S, A, S)
    w = rng.dirichlet(np.ones(d))
    Phi = np.moveaxis(kernels, 0, -1) / np.sqrt(d)
    return Phi, np.sqrt(d) * w, kernels, w


def test_P_is_the_mixture_of_kernels():
    Phi, theta, kernels, w = _mixture()
    m = linear_mixture_mdp(Phi, theta, horizon=4)
    want = np.tensordot(w, kernels, axes=1)  # sum_i w_i P_i, computed without Phi
    np.testing.assert_allclose(m.P, want, atol=1e-14)
    assert (m.d, m.n_states, m.n_actions, m.horizon) == (2, 3, 2, 4)
    assert isinstance(m, LinearMixtureMDP) and m.mu is None
    with pytest.raises(Exception):
        m.theta = np.zeros(2)  # frozen
    assert not m.Phi.flags.writeable


def test_hand_computed_two_state_model():
    # phi_1(.|s,a) = e_0, phi_2(.|s,a) = e_1, theta = (0.3, 0.7): every row is (0.3, 0.7)
    Phi = np.zeros((2, 1, 2, 2))
    Phi[:, :, 0, 0] = 1.0
    Phi[:, :, 1, 1] = 1.0
    m = linear_mixture_mdp(Phi, [0.3, 0.7])
    np.testing.assert_allclose(m.P, [[[0.3, 0.7]], [[0.3, 0.7]]])
    # ||phi_V|| = ||(V0, V1)|| <= sqrt(2), attained at V = (1, 1)
    rep = feature_norm_bound(m)
    assert rep.exact and not rep.holds
    assert rep.bound == pytest.approx(np.sqrt(2.0), abs=1e-15)
    assert rep.theta_norm == pytest.approx(np.hypot(0.3, 0.7))


def test_row_that_is_not_a_distribution_is_named():
    Phi, theta, _, _ = _mixture()
    Phi = Phi.copy()
    Phi[1, 0, 2, :] += 0.5  # row (s=1, a=0) now sums to more than 1
    with pytest.raises(ModelError, match=r"s=1, a=0"):
        linear_mixture_mdp(Phi, theta)


def test_negative_probability_is_named():
    Phi = np.zeros((2, 1, 2, 1))
    Phi[0, 0, 0, 0], Phi[0, 0, 1, 0] = 1.5, -0.5
    Phi[1, 0, 1, 0] = 1.0
    with pytest.raises(ModelError, match=r"s=0, a=0.*< 0"):
        linear_mixture_mdp(Phi, [1.0])


@pytest.mark.parametrize("bad, match", [
    (dict(theta=np.ones(3)), "theta must have shape"),
    (dict(R=np.ones((2, 2))), "R must have shape"),
    (dict(horizon=0), "horizon"),
    (dict(horizon=2.5), "horizon"),
    (dict(mu=[0.5, 0.6, 0.0]), "mu"),
    (dict(theta=[np.nan, 1.0]), "non-finite"),
])
def test_hostile_arguments(bad, match):
    Phi, theta, _, _ = _mixture()
    kw = dict(theta=theta, R=None, horizon=None, mu=None)
    kw.update(bad)
    with pytest.raises(ModelError, match=match):
        linear_mixture_mdp(Phi, kw["theta"], kw["R"], horizon=kw["horizon"], mu=kw["mu"])
    with pytest.raises(ModelError, match="shape"):
        linear_mixture_mdp(np.ones((2, 2, 3, 1)), [1.0])


@pytest.mark.parametrize("seed", range(4))
def test_feature_norm_vertex_enumeration_dominates_random_V_and_is_attained(seed):
    Phi, theta, _, _ = _mixture(S=5, A=2, d=3, seed=seed)
    Phi = Phi + np.random.default_rng(seed + 10).normal(0, 0.05, Phi.shape)  # signed features
    rep = feature_norm_bound(Phi)
    rng = np.random.default_rng(seed)
    V = rng.uniform(size=(2000, 5))
    sampled = np.linalg.norm(value_features(Phi, V), axis=3).max(axis=0)
    assert (sampled <= rep.norms + 1e-12).all()
    # attained: the best of the 32 vertices checked one by one
    best = max(np.linalg.norm(value_features(Phi, v)[rep.worst]) for v in box_vertices(5))
    assert best == pytest.approx(rep.bound, rel=1e-12)
    # the coordinate-wise upper bound (large-S route) is never below the exact value
    upper = feature_norm_bound(Phi, max_states=0)
    assert not upper.exact and (upper.norms >= rep.norms - 1e-12).all()


def test_nonnegative_mixture_features_satisfy_the_condition():
    # Phi_i = P_i / sqrt(d): ||phi_V|| <= sqrt(d * (1/sqrt(d))^2) = 1 for V in [0, 1]^S
    Phi, theta, _, _ = _mixture(S=4, A=3, d=4, seed=3)
    rep = feature_norm_bound(linear_mixture_mdp(Phi, theta))
    assert rep.exact and rep.holds and rep.bound <= 1.0


def test_npz_round_trip_through_mdplab_load(tmp_path):
    Phi, theta, _, _ = _mixture()
    R = np.arange(6.0).reshape(3, 2) / 10
    m = linear_mixture_mdp(Phi, theta, R, horizon=5, mu=[1.0, 0.0, 0.0])
    path = tmp_path / "lm.npz"
    save_linear_mixture(m, path)
    back = mdplab.load(path)
    assert isinstance(back, LinearMixtureMDP)
    np.testing.assert_array_equal(back.Phi, m.Phi)
    np.testing.assert_array_equal(back.theta, m.theta)
    np.testing.assert_array_equal(back.R, m.R)
    np.testing.assert_array_equal(back.mu, m.mu)
    assert back.horizon == 5
    assert mdplab.load(path, horizon=7).horizon == 7
    assert mdplab.load(path, average_reward=True).horizon is None
    with pytest.raises(ModelError, match="discount"):
        mdplab.load(path, discount=0.9)


def test_npz_minimal_and_hostile_files(tmp_path):
    Phi, theta, _, _ = _mixture()
    np.savez(tmp_path / "min.npz", Phi=Phi, theta=theta)
    m = mdplab.load(tmp_path / "min.npz")
    assert m.horizon is None and (m.R == 0).all()
    np.savez(tmp_path / "extra.npz", Phi=Phi, theta=theta, gamma=0.9)
    with pytest.raises(FileFormatError, match="gamma"):
        mdplab.load(tmp_path / "extra.npz")
    np.savez(tmp_path / "notheta.npz", Phi=Phi)
    with pytest.raises(FileFormatError, match="theta"):
        mdplab.load(tmp_path / "notheta.npz")
    bad = Phi.copy()
    bad[2, 1, 0] += 1.0
    np.savez(tmp_path / "bad.npz", Phi=bad, theta=theta)
    with pytest.raises(FileFormatError, match=r"bad.npz.*s=2, a=1"):
        mdplab.load(tmp_path / "bad.npz")
    # ordinary MDP files still load as MDPs
    np.savez(tmp_path / "mdp.npz", P=np.full((2, 1, 2), 0.5), R=np.zeros((2, 1)))
    assert isinstance(mdplab.load(tmp_path / "mdp.npz"), mdplab.MDP)


def test_total_reward_check():
    Phi, theta, _, _ = _mixture()
    m = linear_mixture_mdp(Phi, theta, np.full((3, 2), 0.25), horizon=4)
    assert check_total_reward(m) == pytest.approx(1.0)
    with pytest.raises(NotApplicableError, match="total reward"):
        check_total_reward(m, horizon=5)
