"""Instances for online learners, each reported with its exact quantities (diameter ``D``, optimal gain
``J*``, bias span ``sp(h*)``, and for episodic use ``V*``).  Pure builders: they register nothing.

* :func:`riverswim`: RiverSwim in its published parameterisations, kept apart (built by
  :func:`scenarios.instances.classic.riverswim`): ``"osband2013"`` (Osband, Russo, Van Roy 2013: right
  from s1 0.6 forward / 0.4 stay, interior 0.35 forward / 0.6 stay / 0.05 back, last state 0.6 stay / 0.4
  back, rewards 0.005 at s1-left and 1 at s6-right; start state s1) and ``"strehl_littman2008"`` (Strehl &
  Littman 2008: 0.3 / 0.6 / 0.1, rewards 5 and 10000 on the staying transition, start 1/2 on s2, s3).
* :func:`two_state`: ``TwoState(p, q)``, closed forms ``J* = p / (p + q)``, ``sp(h*) = 1 / (p + q)``,
  ``D = max(1/p, 1/q)`` (derived in ``docs/theory/learning_instances.md``).
* :func:`jaksch_two_state`: the building block of Jaksch, Ortner, Auer (2010)'s lower bound (Sec. 6):
  ``s0 -> s1`` with probability ``delta`` under every action but the best one (``delta + eps``),
  ``s1 -> s0`` with probability ``delta``, reward 1 in ``s1``; ``J* = (delta + eps) / (2 delta + eps)``,
  ``D = 1 / delta``.  :func:`jaksch_lower_bound` joins ``S/2`` blocks (see its docstring).
* :func:`domingues_hard`: the episodic hard family of Domingues, Menard, Kaufmann, Valko (2021,
  arXiv:2010.03531): waiting state, binary tree of depth ``d``, leaves whose actions reach a rewarding
  absorbing state with probability ``1/2`` (``1/2 + eps`` for one leaf-action at one stage).
* :func:`random_communicating`: random MDPs with a diameter in a given range (rejection sampling).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mdplab.errors import ModelError
from mdplab.interaction import initial_distribution
from mdplab.regret import diameter, optimal_gain, optimal_values

from .classic import riverswim as _riverswim_mdp

RIVERSWIM_VARIANTS = {"osband2013": "osband2013", "strehl_littman2008": "strehl2008", "strehl2008": "strehl2008"}


@dataclass(frozen=True)
class LearningInstance:
    """A learner's test bed: ``P (S, A, S)`` or ``(H, S, A, S)``, ``R (S, A)``, ``mu (S,)``, optional ``H``;
    exact ``diameter`` (``inf`` if not communicating; ``None`` for stage-dependent ``P``), ``gain`` J* and
    ``span`` sp(h*) (``None`` when not defined), ``v_star`` = ``mu . V*_0`` when ``H`` is given; ``source``."""

    name: str
    P: np.ndarray
    R: np.ndarray
    mu: np.ndarray
    H: int | None
    diameter: float | None
    gain: float | None
    span: float | None
    v_star: float | None
    source: str


def _instance(name: str, P: np.ndarray, R: np.ndarray, mu: Any, H: int | None, source: str) -> LearningInstance:
    P = np.ascontiguousarray(P, dtype=np.float64)
    R = np.ascontiguousarray(R, dtype=np.float64)
    mu_v = np.asarray(initial_distribution(mu, P.shape[-1]))
    D = gain = sp_h = None
    if P.ndim == 3:
        D = diameter(P)
        if np.isfinite(D):
            og = optimal_gain(P, R)
            gain, sp_h = og.gain, og.span
    v_star = None
    if H is not None:
        v_star = float(mu_v @ optimal_values(P, R, H)[0])
    return LearningInstance(name, P, R, mu_v, H, D, gain, sp_h, v_star, source)


def riverswim(n: int = 6, variant: str = "osband2013", H: int | None = None, normalise: bool = False) -> LearningInstance:
    """RiverSwim with ``n`` states (actions 0 = left, 1 = right).  ``normalise`` divides the rewards by
    their maximum (the Strehl-Littman rewards are 5 and 3000 in expectation; learners need ``[0, 1]``)."""
    if variant not in RIVERSWIM_VARIANTS:
        raise ModelError(f"unknown RiverSwim variant {variant!r}; choose 'osband2013' or 'strehl_littman2008'")
    m = _riverswim_mdp(RIVERSWIM_VARIANTS[variant], n_states=n, average_reward=True)
    P, R = m.P, np.array(m.R)
    if normalise:
        R = R / R.max()
    mu = 0 if variant == "osband2013" else np.eye(n)[1] * 0.5 + np.eye(n)[2] * 0.5
    src = "osband2013" if variant == "osband2013" else "strehl2008"
    return _instance(f"riverswim:{variant}", P, R, mu, H, src)


def two_state_arrays(p: float, q: float) -> tuple[np.ndarray, np.ndarray]:
    """``TwoState(p, q)``: state 0: action 0 stays (reward 0), action 1 moves to 1 w.p. ``p`` (reward 0);
    state 1: both actions pay 1 and return to 0 w.p. ``q``."""
    if not (0 < p <= 1 and 0 < q <= 1):
        raise ModelError(f"two_state needs 0 < p, q <= 1; got p={p!r}, q={q!r}")
    P = np.zeros((2, 2, 2))
    P[0, 0] = [1.0, 0.0]
    P[0, 1] = [1.0 - p, p]
    P[1, :] = [q, 1.0 - q]
    R = np.array([[0.0, 0.0], [1.0, 1.0]])
    return P, R


def two_state(p: float, q: float, H: int | None = None) -> LearningInstance:
    """TwoState(p, q); closed forms in the module docstring (``p = q = 1/(2 s)`` gives ``sp(h*) = s`` at ``J* = 1/2``)."""
    P, R = two_state_arrays(p, q)
    return _instance(f"two_state:{p},{q}", P, R, 0, H, "derived")


def two_state_closed_form(p: float, q: float) -> dict[str, float]:
    """``{"gain": p/(p+q), "span": 1/(p+q), "diameter": max(1/p, 1/q)}``."""
    return {"gain": p / (p + q), "span": 1.0 / (p + q), "diameter": max(1.0 / p, 1.0 / q)}


def jaksch_two_state(A: int, delta: float, eps: float, best: int = 0) -> LearningInstance:
    """Jaksch, Ortner, Auer (2010) lower-bound block with ``A`` actions (Sec. 6): from ``s0`` every action
    reaches ``s1`` w.p. ``delta`` (action ``best``: ``delta + eps``), ``s1`` returns w.p. ``delta``; reward 1
    in ``s1``, 0 in ``s0``."""
    if not (0 < delta and 0 <= eps and 2 * delta + eps <= 1 + 1e-15 and delta + eps <= 1):
        raise ModelError(f"jaksch_two_state needs delta > 0, eps >= 0, delta + eps <= 1; got delta={delta!r}, eps={eps!r}")
    if not 0 <= best < A:
        raise ModelError(f"best action {best} outside 0..{A - 1}")
    P = np.zeros((2, A, 2))
    P[0, :, 1] = delta
    P[0, best, 1] = delta + eps
    P[0, :, 0] = 1.0 - P[0, :, 1]
    P[1, :, 0] = delta
    P[1, :, 1] = 1.0 - delta
    R = np.zeros((2, A))
    R[1, :] = 1.0
    return _instance(f"jaksch2:{A},{delta},{eps}", P, R, 0, None, "jaksch2010")


def jaksch_lower_bound(S: int, A: int, delta: float, eps: float, seed: int) -> LearningInstance:
    """``S/2`` Jaksch blocks (``S`` even), each with its best action drawn with ``seed`` among actions
    ``0..A-2``; action ``A-1`` of every ``s0`` moves deterministically to the next block's ``s0`` (a ring).
    The paper joins the blocks by a tree of extra actions; the ring is our simpler choice (it changes the
    diameter, which is computed exactly; the gain ``(delta + eps)/(2 delta + eps)`` is unchanged)."""
    if S < 2 or S % 2 or A < 2:
        raise ModelError(f"jaksch_lower_bound needs even S >= 2 and A >= 2; got S={S}, A={A}")
    rng = np.random.default_rng(seed)
    k = S // 2
    P = np.zeros((S, A, S))
    R = np.zeros((S, A))
    for b in range(k):
        s0, s1 = 2 * b, 2 * b + 1
        best = int(rng.integers(A - 1))
        for a in range(A - 1):
            p = delta + (eps if a == best else 0.0)
            P[s0, a, s1], P[s0, a, s0] = p, 1.0 - p
        P[s0, A - 1, (2 * (b + 1)) % S] = 1.0
        P[s1, :, s0], P[s1, :, s1] = delta, 1.0 - delta
        R[s1, :] = 1.0
    return _instance(f"jaksch:{S},{A},{delta},{eps}", P, R, 0, None, "jaksch2010")


def domingues_hard(A: int, depth: int, H: int, eps: float, seed: int, wait_stages: int | None = None,
                   stage_dependent: bool = True) -> LearningInstance:
    """Domingues et al. (2021) hard episodic MDP (reconstructed layout).  States: ``0`` waiting, ``1`` root,
    tree nodes down to ``L = A^depth`` leaves (actions pick a child), then ``good`` (reward 1, absorbing)
    and ``bad`` (absorbing, reward 0).  In the waiting state action 0 waits, others go to the root
    (after ``wait_stages`` stages every action goes).  At a leaf, every action reaches ``good`` w.p. 1/2,
    except the drawn ``(leaf*, a*)`` at the drawn stage ``h*`` (w.p. ``1/2 + eps``; at every stage when
    ``stage_dependent=False``, which gives a time-homogeneous ``P``)."""
    if A < 2 or depth < 0 or H < depth + 3 or not 0 <= eps <= 0.5:
        raise ModelError(f"domingues_hard needs A >= 2, depth >= 0, H >= depth + 3, 0 <= eps <= 1/2; "
                         f"got A={A}, depth={depth}, H={H}, eps={eps}")
    rng = np.random.default_rng(seed)
    wait = H - depth - 2 if wait_stages is None else int(wait_stages)
    n_tree = sum(A ** d for d in range(depth + 1))          # root .. leaves
    S = 1 + n_tree + 2
    wait_s, root, good, bad = 0, 1, S - 2, S - 1
    first_leaf = 1 + n_tree - A ** depth
    leaf_star = first_leaf + int(rng.integers(A ** depth))
    a_star = int(rng.integers(A))
    h_star = 1 + depth + int(rng.integers(max(wait, 0) + 1))  # a stage at which a leaf can be reached
    h_star = min(h_star, H - 2)
    P = np.zeros((H, S, A, S))
    R = np.zeros((S, A))
    R[good, :] = 1.0
    for h in range(H):
        P[h, wait_s, :, root] = 1.0
        if h < wait:
            P[h, wait_s, 0] = 0.0
            P[h, wait_s, 0, wait_s] = 1.0
        for node in range(1, first_leaf):                   # internal nodes: node i's children
            idx = node - 1
            for a in range(A):
                P[h, node, a, 1 + idx * A + a + 1] = 1.0
        for leaf in range(first_leaf, first_leaf + A ** depth):
            for a in range(A):
                bias = eps if (leaf == leaf_star and a == a_star and (h == h_star or not stage_dependent)) else 0.0
                P[h, leaf, a, good] = 0.5 + bias
                P[h, leaf, a, bad] = 0.5 - bias
        P[h, good, :, good] = 1.0
        P[h, bad, :, bad] = 1.0
    if not stage_dependent:
        P = P[0] if wait == 0 else P
    return _instance(f"domingues:{A},{depth},{H},{eps}", P, R, 0, H, "domingues2021")


def random_communicating(S: int, A: int, seed: int, diameter_range: tuple[float, float] = (1.0, np.inf), k: int = 2,
                         eta: float = 0.3, max_tries: int = 1000, H: int | None = None) -> LearningInstance:
    """Random MDP with ``D`` in ``diameter_range``: rows ``(1 - eta) Dirichlet(1)`` on ``k`` random successors
    ``+ eta`` on ``(s + 1) mod S`` (communicating by construction), rewards U[0, 1]; draws with the seed's
    generator until ``D`` falls in the range, at most ``max_tries`` draws (raise it, or widen the range)."""
    lo, hi = diameter_range
    if not (S >= 2 and A >= 1 and 1 <= k <= S and 0 < eta <= 1 and lo <= hi):
        raise ModelError(f"random_communicating: bad parameters S={S}, A={A}, k={k}, eta={eta}, range={diameter_range}")
    rng = np.random.default_rng(seed)
    for _ in range(int(max_tries)):
        P = np.zeros((S, A, S))
        for s in range(S):
            for a in range(A):
                succ = rng.choice(S, size=k, replace=False)
                P[s, a, succ] += (1.0 - eta) * rng.dirichlet(np.ones(k))
                P[s, a, (s + 1) % S] += eta
        R = rng.random((S, A))
        D = diameter(P)
        if lo <= D <= hi:
            return _instance(f"random:{S},{A},{seed}", P, R, 0, H, "derived")
    raise ModelError(f"random_communicating: no draw in {max_tries} had a diameter in {diameter_range}; "
                     "raise max_tries, widen diameter_range or change eta")


def horizon_bandit(H: int, gap: float = 1.0) -> LearningInstance:
    """One state, two actions, horizon ``H``: action 0 pays ``1/H`` per step, action 1 pays ``(1 - gap)/H``,
    so the total reward of an episode is at most 1 (the horizon-free normalisation) and the optimal
    value is ``V* = 1`` (derived).  A step of action 1 costs ``gap / H`` of regret.  Ours: the smallest
    instance on which a bonus built on the range of the value (Hoeffding) pays ``H`` times more than one
    built on its variance (here the next value is deterministic, so the variance term vanishes)."""
    if not 0.0 < gap <= 1.0:
        raise ModelError(f"gap must be in (0, 1]; got {gap!r}")
    H = int(H)
    P = np.ones((1, 2, 1))
    R = np.array([[1.0 / H, (1.0 - gap) / H]])
    return _instance(f"horizon_bandit:H={H},gap={gap:g}", P, R, 0, H, "derived")
