"""Latent-MDP files (issue 17 §1): the ``.npz`` layout, validation naming each defect, ``mdplab solve`` on an
LMDP, and the exact planner's ``V*`` against an exhaustive search over history-dependent policies."""
from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from mdplab import io
from mdplab.cli import main
from mdplab.errors import FileFormatError
from mdplab.lmdp import LatentMDP, check_total_reward, load_lmdp, lmdp_value_iteration, save_lmdp


def random_lmdp(seed: int, M: int = 2, S: int = 3, A: int = 2, H: int = 4) -> LatentMDP:
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(M, S, A))
    P[P < 0.15] = 0.0                                   # sparse supports: observations can rule contexts out
    P /= P.sum(axis=3, keepdims=True)
    R = rng.integers(0, 3, size=(M, S, A)) / (2.0 * H)   # total reward <= 1, repeated values (classes)
    return LatentMDP(P, R, rng.dirichlet(np.ones(M)), rng.dirichlet(np.ones(S), size=M), horizon=H)


def history_search(L: LatentMDP) -> float:
    """Exhaustive search over the history tree: a deterministic history-dependent policy is one action per
    history (s_1, a_1, r_1, ..., s_h); choices at distinct histories are independent, so the best policy takes
    the best action at every history.  Histories carry the joint probability Pr(m, history) per context,
    computed by multiplying transition probabilities and reward indicators along the path (no beliefs, no
    alpha vectors, no pruning)."""
    M, S, A, H = L.n_contexts, L.n_states, L.n_actions, L.horizon

    def best(h: int, s: int, joint: np.ndarray) -> float:
        if h == H or not joint.any():
            return 0.0
        out = -np.inf
        for a in range(A):
            v = float(joint @ L.R[:, s, a])
            for r in np.unique(L.R[:, s, a]):
                for s1 in range(S):
                    nxt = joint * (L.R[:, s, a] == r) * L.P[:, s, a, s1]
                    v += best(h + 1, s1, nxt)
            out = max(out, v)
        return out

    return sum(best(0, s, L.weights * L.nu[:, s]) for s in range(S))


def enumerate_two_step_policies(L: LatentMDP) -> float:
    """H = 2 only: literally every deterministic history-dependent policy (a_1 per s_1, a_2 per (s_1, a_1, r_1,
    s_2)), each evaluated by summing over contexts and trajectories."""
    M, S, A = L.n_contexts, L.n_states, L.n_actions
    second = [(s, a, r, s1) for s in range(S) for a in range(A) for r in np.unique(L.R[:, s, a]) for s1 in range(S)]
    best = -np.inf
    for first in itertools.product(range(A), repeat=S):
        for acts in itertools.product(range(A), repeat=len(second)):
            table = dict(zip(second, acts))
            v = 0.0
            for m in range(M):
                for s in range(S):
                    a = first[s]
                    tot = L.R[m, s, a]
                    for s1 in range(S):
                        tot += L.P[m, s, a, s1] * L.R[m, s1, table[(s, a, L.R[m, s, a], s1)]]
                    v += L.weights[m] * L.nu[m, s] * tot
            best = max(best, v)
    return best


@pytest.mark.parametrize("seed", range(4))
def test_planner_equals_exhaustive_history_search(seed):
    L = random_lmdp(seed)                               # S = 3, A = 2, H = 4, M = 2
    assert lmdp_value_iteration(L).value == pytest.approx(history_search(L), abs=1e-9)


@pytest.mark.parametrize("seed", range(2))
def test_planner_equals_enumeration_of_every_policy(seed):
    L = random_lmdp(10 + seed, M=2, S=2, A=2, H=2)
    assert lmdp_value_iteration(L).value == pytest.approx(enumerate_two_step_policies(L), abs=1e-12)


def test_npz_round_trip_and_dispatch(tmp_path):
    L = random_lmdp(3)
    path = tmp_path / "l.npz"
    save_lmdp(L, path)
    back = io.load(path)
    assert isinstance(back, LatentMDP) and back.horizon == L.horizon
    for a, b in ((back.P, L.P), (back.R, L.R), (back.weights, L.weights), (back.nu, L.nu)):
        np.testing.assert_array_equal(a, b)


def _write(tmp_path, **arrays):
    L = random_lmdp(5)
    base = dict(P=np.asarray(L.P), R=np.asarray(L.R), w=np.asarray(L.weights), nu=np.asarray(L.nu), horizon=4)
    base.update(arrays)
    base = {k: v for k, v in base.items() if v is not None}
    path = tmp_path / "bad.npz"
    np.savez(path, **base)
    return path


@pytest.mark.parametrize("arrays, match", [
    (dict(w=np.array([0.3, 0.6])), "weights sum to"),
    (dict(w=np.array([1.2, -0.2])), "weights must be > 0"),
    (dict(nu=np.array([[1.0, 0.0, 0.0], [0.5, 0.6, 0.0]])), r"nu\[m=1\]"),
    (dict(horizon=None), "lacks array"),
    (dict(horizon=2.5), "integer"),
    (dict(gamma=np.float64(0.9)), "unknown array"),
    (dict(R=np.zeros((2, 3))), "R must have shape"),
])
def test_validation_names_the_defect(tmp_path, arrays, match):
    with pytest.raises(FileFormatError, match=match):
        io.load(_write(tmp_path, **arrays))


def test_total_reward_scale_is_checked_where_required(tmp_path):
    L = random_lmdp(6)
    R = np.asarray(L.R).copy()
    R[1] = 0.5                                          # context 1 can collect 4 * 0.5 = 2 > 1
    path = _write(tmp_path, R=R)
    assert isinstance(load_lmdp(path), LatentMDP)       # planning does not need the scale
    with pytest.raises(FileFormatError, match=r"context m=1 can collect a total reward of 2"):
        load_lmdp(path, total_reward_le_1=True)
    check_total_reward(L)                               # the valid one passes


def test_solve_cli_prints_the_exact_value(tmp_path, capsys):
    L = random_lmdp(7)
    path = tmp_path / "l.npz"
    save_lmdp(L, path)
    assert main(["solve", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["value"] == pytest.approx(history_search(L), abs=1e-9) and out["seconds"] >= 0
    assert main(["solve", str(_write(tmp_path, w=np.array([0.5, 0.6]))), "--json"]) == 2
    assert "weights sum to" in capsys.readouterr().err
