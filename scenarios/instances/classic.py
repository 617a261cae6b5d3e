"""Classic MDP instance families, built from their published definitions.

Every generator is a plain function returning an :class:`mdplab.MDP`; random ones take a ``seed``.

* :func:`random_dense`: Dirichlet(``concentration``) rows, U[0, 1] rewards (PERFORMANCE.md's dense instance).
* :func:`random_sparse`: ``k`` distinct uniformly chosen successors per (s, a), Dirichlet(1) weights.
* :func:`gridworld`: ``n x n`` grid, 4 moves, slip; reward 1 on reaching the goal corner, which absorbs.
* :func:`riverswim`: Strehl & Littman (2008) original, or the Osband et al. (2013) variant, kept apart
  (parameters as in ``tests/data/riverswim.json``, written here from the definitions).
* :func:`sixarms`: Strehl & Littman (2008).
* :func:`forest`: pymdptoolbox's forest-management example (Cordwell, ``mdptoolbox.example.forest``).
* :func:`chain`: an ``n``-state deterministic chain (left/right) with a reward at the right end.
* :func:`from_gymnasium`: toy-text models (FrozenLake, Taxi, CliffWalking) from their ``P`` dict.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import scipy.sparse as sp

from mdplab.errors import ModelError
from mdplab.models import MDP


def _criterion(discount: float | None, horizon: int | None, average_reward: bool) -> dict:
    if not average_reward and discount is None and horizon is None:
        raise ModelError("give discount=, horizon= or average_reward=True")
    return {"discount": discount, "horizon": horizon, "average_reward": average_reward}


def random_dense(S: int, A: int, seed: int, *, discount: float | None = 0.99, concentration: float = 1.0,
                 horizon: int | None = None, average_reward: bool = False) -> MDP:
    """Dense random MDP: ``P[s, a] ~ Dirichlet(concentration * 1_S)``, ``R[s, a] ~ U[0, 1]``."""
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.full(S, concentration), size=(S, A))
    R = rng.random((S, A))
    if average_reward or horizon is not None:
        discount = None if average_reward else discount
    return MDP(P, R, **_criterion(discount, horizon, average_reward))


def random_sparse(S: int, A: int, k: int, seed: int, *, discount: float | None = 0.99,
                  average_reward: bool = False) -> MDP:
    """Sparse random MDP: each (s, a) has ``k`` distinct successors drawn uniformly, weights
    Dirichlet(1), rewards U[0, 1]; stored as CSR (row ``s*A + a``)."""
    if not 1 <= k <= S:
        raise ModelError(f"k successors must be in 1..S={S}; got {k}")
    rng = np.random.default_rng(seed)
    rows = S * A
    # k distinct columns per row: sample with rejection-free trick (random offsets modulo S)
    cols = np.empty((rows, k), dtype=np.int64)
    cols[:, 0] = rng.integers(0, S, rows)
    if k > 1:
        steps = np.stack([rng.choice(S - 1, size=k - 1, replace=False) + 1 for _ in range(rows)]) if S <= 64 else None
        if steps is None:
            offs = rng.integers(1, S, size=(rows, k - 1))
            offs.sort(axis=1)
            # make offsets distinct: bump duplicates deterministically
            for j in range(1, k - 1):
                offs[:, j] = np.maximum(offs[:, j], offs[:, j - 1] + 1)
            over = offs[:, -1] >= S
            if over.any():  # rare: redraw those rows exactly
                for i in np.flatnonzero(over):
                    offs[i] = np.sort(rng.choice(S - 1, size=k - 1, replace=False) + 1)
            steps = offs
        cols[:, 1:] = (cols[:, :1] + steps) % S
    w = rng.dirichlet(np.ones(k), size=rows)
    P = sp.csr_matrix((w.ravel(), cols.ravel(), np.arange(0, rows * k + 1, k)), shape=(rows, S))
    R = rng.random((S, A))
    return MDP(P, R, **_criterion(None if average_reward else discount, None, average_reward))


#: action order of :func:`gridworld`
GRID_MOVES = ((-1, 0), (1, 0), (0, -1), (0, 1))  # up, down, left, right


def gridworld(n: int, slip: float = 0.1, *, discount: float | None = 0.99, goal: tuple[int, int] | None = None,
              step_reward: float = 0.0, goal_reward: float = 1.0, average_reward: bool = False,
              horizon: int | None = None) -> MDP:
    """``n x n`` gridworld, state ``s = row * n + col``; actions up/down/left/right.

    With probability ``1 - slip`` the intended move happens, with ``slip`` a uniformly random one of the
    four (so the intended move has total probability ``1 - slip + slip/4``); moves into a wall stay.
    Entering ``goal`` (default bottom-right) pays ``goal_reward``; the goal is absorbing with reward 0.
    Every other step pays ``step_reward``.  Stored sparse (<= 5 successors per (s, a)).
    """
    if n < 2 or not (0.0 <= slip <= 1.0):
        raise ModelError(f"gridworld needs n >= 2 and slip in [0, 1]; got n={n}, slip={slip}")
    gr, gc = goal if goal is not None else (n - 1, n - 1)
    S, A = n * n, 4
    r, c = np.divmod(np.arange(S), n)

    def dest(dr, dc):
        rr, cc = np.clip(r + dr, 0, n - 1), np.clip(c + dc, 0, n - 1)
        return rr * n + cc

    targets = [dest(*m) for m in GRID_MOVES]
    goal_s = gr * n + gc
    P = sp.lil_matrix((S * A, S))
    Pcoo_rows, Pcoo_cols, Pcoo_vals = [], [], []
    for a in range(A):
        for b in range(A):
            p = (1 - slip) * (a == b) + slip / 4
            if p == 0:
                continue
            Pcoo_rows.append(np.arange(S) * A + a)
            Pcoo_cols.append(targets[b])
            Pcoo_vals.append(np.full(S, p))
    rows, cols, vals = (np.concatenate(x) for x in (Pcoo_rows, Pcoo_cols, Pcoo_vals))
    absorbing = rows // A == goal_s
    cols = np.where(absorbing, goal_s, cols)
    P = sp.csr_matrix((vals, (rows, cols)), shape=(S * A, S))  # duplicates summed
    enter = sp.csr_matrix((vals * (cols == goal_s) * (~absorbing), (rows, cols)), shape=(S * A, S))
    R = step_reward + (goal_reward - step_reward) * np.asarray(enter.sum(axis=1)).reshape(S, A)
    R[goal_s] = 0.0
    return MDP(P, R, **_criterion(None if average_reward else discount, horizon, average_reward))


def riverswim(variant: str = "strehl2008", *, n_states: int = 6, discount: float | None = 0.95,
              average_reward: bool = False) -> MDP:
    """RiverSwim.  Actions: 0 = left (with the current), 1 = right (against it).

    ``variant="strehl2008"`` (Strehl & Littman 2008, Fig. 2; 6 states): left moves left
    deterministically, paying 5 when it stays in s0; right from s0 stays 0.7 / moves 0.3; from interior
    states back 0.1 / stay 0.6 / forward 0.3; from the last state stays 0.3 (reward 10000) / back 0.7.

    ``variant="osband2013"`` (Osband, Russo, Van Roy 2013, TabulaRL ``make_riverSwim``): left in s0 pays
    0.005; right: s0 stays 0.4 / moves 0.6; interior back 0.05 / stay 0.6 / forward 0.35; last state
    stays 0.6 / back 0.4, and right in the last state pays 1 whatever the outcome.
    """
    n = int(n_states)
    if n < 3:
        raise ModelError("riverswim needs at least 3 states")
    P = np.zeros((n, 2, n))
    R = np.zeros((n, 2))
    for s in range(n):
        P[s, 0, max(s - 1, 0)] = 1.0
    if variant == "strehl2008":
        left_r, right_r = 5.0, 10000.0
        s0 = (0.7, 0.3)
        mid = (0.1, 0.6, 0.3)
        last = (0.7, 0.3)  # back, stay
    elif variant == "osband2013":
        left_r, right_r = 5.0 / 1000.0, 1.0
        s0 = (0.4, 0.6)
        mid = (0.05, 0.6, 0.35)
        last = (0.4, 0.6)
    else:
        raise ModelError(f"unknown RiverSwim variant {variant!r}: 'strehl2008' or 'osband2013'")
    R[0, 0] = left_r
    P[0, 1, 0], P[0, 1, 1] = s0
    for s in range(1, n - 1):
        P[s, 1, s - 1], P[s, 1, s], P[s, 1, s + 1] = mid
    P[n - 1, 1, n - 2], P[n - 1, 1, n - 1] = last
    # Strehl-Littman pay 10000 on the "stay" transition of the last state (expected 0.3 * 10000);
    # the Osband variant pays r(s, a) = 1 whatever the outcome.
    R[n - 1, 1] = last[1] * right_r if variant == "strehl2008" else right_r
    return MDP(P, R, **_criterion(None if average_reward else discount, None, average_reward))


def sixarms(*, discount: float | None = 0.95, average_reward: bool = False) -> MDP:
    """SixArms (Strehl & Littman 2008): hub state 0 and rooms 1..6; six actions.

    In the hub, action ``a`` moves to room ``a+1`` with probability ``(1, 0.15, 0.1, 0.05, 0.03,
    0.01)[a]``, else stays (reward 0).  Room 1: actions 0, 1, 2, 3, 5 stay and pay 50; action 4 returns
    to the hub.  Room ``i`` (2..6): action ``i-1`` stays and pays ``(133, 300, 800, 1660, 6000)[i-2]``;
    every other action returns to the hub with reward 0.  (Parameters as in ``sixarms.json``, the
    consensus of three public implementations.)
    """
    p = (1.0, 0.15, 0.1, 0.05, 0.03, 0.01)
    room_r = (50.0, 133.0, 300.0, 800.0, 1660.0, 6000.0)
    S, A = 7, 6
    P = np.zeros((S, A, S))
    R = np.zeros((S, A))
    for a in range(A):
        P[0, a, a + 1] = p[a]
        P[0, a, 0] = 1.0 - p[a]
    for room in range(1, 7):
        stays = [a for a in range(A) if a != 4] if room == 1 else [room - 1]
        for a in range(A):
            if a in stays:
                P[room, a, room] = 1.0
                R[room, a] = room_r[room - 1]
            else:
                P[room, a, 0] = 1.0
    return MDP(P, R, **_criterion(None if average_reward else discount, None, average_reward))


def forest(S: int = 3, r1: float = 4.0, r2: float = 2.0, p: float = 0.1, *, discount: float | None = 0.9,
           horizon: int | None = None, average_reward: bool = False) -> MDP:
    """pymdptoolbox's forest management (``mdptoolbox.example.forest``): actions 0 = wait, 1 = cut.

    Wait: with probability ``p`` a fire resets the forest to age 0, else age increases (capped at
    ``S-1``); reward ``r1`` when waiting in the oldest state.  Cut: back to age 0; reward 1 in ages
    1..S-2, ``r2`` in the oldest state, 0 at age 0.
    """
    if S < 2 or not (0 <= p <= 1) or r1 <= 0 or r2 <= 0:
        raise ModelError(f"forest needs S >= 2, 0 <= p <= 1, r1, r2 > 0; got S={S}, p={p}, r1={r1}, r2={r2}")
    P = np.zeros((S, 2, S))
    for s in range(S):
        P[s, 0, 0] = p
        P[s, 0, min(s + 1, S - 1)] += 1 - p
        P[s, 1, 0] = 1.0
    R = np.zeros((S, 2))
    R[S - 1, 0] = r1
    R[1:, 1] = 1.0
    R[S - 1, 1] = r2
    return MDP(P, R, **_criterion(None if average_reward else discount, horizon, average_reward))


def chain(n: int, *, discount: float | None = 0.9, right_reward: float = 1.0, horizon: int | None = None,
          average_reward: bool = False) -> MDP:
    """Deterministic chain 0..n-1; action 0 = left, 1 = right (walls stay); taking ``right`` in the last
    state pays ``right_reward``.  V*(s) = gamma^(n-1-s) right_reward / (1 - gamma) (discounted)."""
    if n < 2:
        raise ModelError("chain needs n >= 2")
    P = np.zeros((n, 2, n))
    for s in range(n):
        P[s, 0, max(s - 1, 0)] = 1.0
        P[s, 1, min(s + 1, n - 1)] = 1.0
    R = np.zeros((n, 2))
    R[n - 1, 1] = right_reward
    return MDP(P, R, **_criterion(None if average_reward else discount, horizon, average_reward))


def from_gymnasium(env_or_P: Any, *, discount: float | None = 0.99, horizon: int | None = None,
                   average_reward: bool = False) -> tuple[MDP, np.ndarray]:
    """Build an MDP from a gymnasium toy-text model's ``P`` dict
    (``P[s][a] = [(prob, next_state, reward, terminated), ...]``), or from an environment whose
    ``unwrapped.P`` is one.  gymnasium itself is not needed (pass the dict).

    Terminal transitions go to their ``next_state`` and that state is made absorbing with reward 0
    (the gymnasium episode ends there).  Returns ``(model, terminal_mask)``.
    """
    P_dict: Mapping = getattr(getattr(env_or_P, "unwrapped", env_or_P), "P", env_or_P)
    S = len(P_dict)
    A = len(P_dict[0])
    P = np.zeros((S, A, S))
    R = np.zeros((S, A))
    terminal = np.zeros(S, dtype=bool)
    for s in range(S):
        if len(P_dict[s]) != A:
            raise ModelError(f"P[{s}] has {len(P_dict[s])} actions, expected {A}")
        for a in range(A):
            for prob, s2, rew, done in P_dict[s][a]:
                P[s, a, s2] += prob
                R[s, a] += prob * rew
                if done:
                    terminal[s2] = True
    for s in np.flatnonzero(terminal):
        P[s] = 0.0
        P[s, :, s] = 1.0
        R[s] = 0.0
    return MDP(P, R, **_criterion(None if average_reward else discount, horizon, average_reward)), terminal


#: FrozenLake action order (gymnasium): 0 = left, 1 = down, 2 = right, 3 = up.
_FL_MOVES = ((0, -1), (1, 0), (0, 1), (-1, 0))

#: The two gymnasium maps (FrozenLake-v1 4x4 and FrozenLake8x8-v1).
FROZENLAKE_MAPS = {
    "4x4": ("SFFF", "FHFH", "FFFH", "HFFG"),
    "8x8": ("SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF", "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"),
}


def frozenlake(map_name: str | tuple[str, ...] = "4x4", *, slippery: bool = True, discount: float | None = None,
               horizon: int | None = 100, average_reward: bool = False) -> tuple[MDP, int]:
    """FrozenLake from its definition (gymnasium ``FrozenLake-v1``): ``s = row * ncol + col``; actions
    left/down/right/up; when slippery the executed direction is ``(a-1)%4, a, (a+1)%4`` with probability
    1/3 each; moving off the grid stays; H and G are terminal (absorbing here, value 0); reward 1 on
    entering G.  Default criterion: undiscounted, horizon 100 (the registered episode limit).
    Returns ``(model, start_state)``."""
    rows = FROZENLAKE_MAPS[map_name] if isinstance(map_name, str) else tuple(map_name)
    nr, nc = len(rows), len(rows[0])
    S, A = nr * nc, 4
    P = np.zeros((S, A, S))
    R = np.zeros((S, A))
    start = None
    for r in range(nr):
        for c in range(nc):
            s = r * nc + c
            tile = rows[r][c]
            if tile == "S":
                start = s
            if tile in "HG":
                P[s, :, s] = 1.0
                continue
            for a in range(A):
                dirs = ((a - 1) % 4, a, (a + 1) % 4) if slippery else (a,)
                for d in dirs:
                    rr = min(max(r + _FL_MOVES[d][0], 0), nr - 1)
                    cc = min(max(c + _FL_MOVES[d][1], 0), nc - 1)
                    s2 = rr * nc + cc
                    P[s, a, s2] += 1.0 / len(dirs)
                    if rows[rr][cc] == "G":
                        R[s, a] += 1.0 / len(dirs)
    if start is None:
        raise ModelError("FrozenLake map has no start tile 'S'")
    if average_reward:
        return MDP(P, R, average_reward=True), start
    return MDP(P, R, discount=discount if discount is not None else (1.0 if horizon is not None else None),
               horizon=horizon), start
