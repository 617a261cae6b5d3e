"""Instances for stock-augmented distributional DP (plain builders and their reference values; nothing
is registered here: the scenarios are in :mod:`scenarios.theorems.distributional`).

Avila Pires et al. (2025), JMLR, arXiv:2501.13028v2 (``avilapires2025``).  The paper's own gridworld
settings were NOT recovered (``docs/theory/avilapires2025.md``); the instances below are our own
small reproduction ("our design"), with reference numbers tagged [X] (computed by us, checked here):

* :func:`slippery_cliff` (E1, CVaR), :func:`forage` (E2, homeostasis), :func:`threshold_route` (E3),
* :func:`random_joint_kernel`: random MDPs with finite reward supports (V2/V3/V9-V11 families),
* :func:`cvar_worked_example` (Sec. 4.1), :func:`variance_counterexample` (T6(a)),
  :func:`exponential_counterexample` (T6(b)) as exact (Fraction) outcome lists.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from algorithms.distributional.model import JointKernel, joint_kernel_from_outcomes

#: E1 layout (docs/theory/avilapires2025.md): 4 x 7 grid, row 0 on top; actions up, right, down, left.
CLIFF_ROWS, CLIFF_COLS = 4, 7
MOVES4 = ((-1, 0), (0, 1), (1, 0), (0, -1))
MOVES5 = MOVES4 + ((0, 0),)


def slippery_cliff(slip: float = 0.1, cliff_reward: float = -20.0, step_reward: float = -1.0) -> JointKernel:
    """E1 "slippery cliff": start (3,0) = state 21, goal (3,6), cliff (3,1)..(3,5).

    With probability ``slip`` the move is uniform over the 4 directions (intended move 1 - 3 slip/4);
    off-grid moves stay.  Every step pays -1; entering the cliff pays -20 and ends; entering the goal
    pays -1 and ends.  Ending = the absorbing state ``28`` (reward 0).  States: ``row * 7 + col``.
    """
    S = CLIFF_ROWS * CLIFF_COLS + 1
    end = S - 1
    cliff = {(3, c) for c in range(1, 6)}
    goal = (3, 6)
    outs = []
    for s in range(S):
        rc = divmod(s, CLIFF_COLS) if s != end else None
        acts = []
        for a in range(4):
            if s == end or rc in cliff or rc == goal:
                acts.append([(1.0, 0.0, end)])
                continue
            probs: dict = {}
            for d in range(4):
                p = (1 - slip) * (d == a) + slip / 4
                r, c = rc[0] + MOVES4[d][0], rc[1] + MOVES4[d][1]
                if not (0 <= r < CLIFF_ROWS and 0 <= c < CLIFF_COLS):
                    r, c = rc
                key = (cliff_reward, end) if (r, c) in cliff else (step_reward, end) if (r, c) == goal \
                    else (step_reward, r * CLIFF_COLS + c)
                probs[key] = probs.get(key, 0.0) + p
            acts.append([(p, r, t) for (r, t), p in probs.items()])
        outs.append(acts)
    return joint_kernel_from_outcomes(outs)


CLIFF_START = 3 * CLIFF_COLS
CLIFF_HORIZON = 20
#: E1 reference values [X] (docs/theory/avilapires2025.md table): tau -> (c_0*, CVaR_tau, mean of the CVaR policy).
CLIFF_REFERENCE = {0.05: (16, -19.416, -13.062), 0.10: (14, -17.022, -11.596), 0.25: (12, -14.473, -11.546),
                   0.50: (10, -12.923, -11.461)}
CLIFF_MEAN = -10.946                     # risk-neutral mean [X]
CLIFF_RISK_NEUTRAL_CVAR = {0.05: -25.851, 0.10: -24.544, 0.25: -18.288, 0.50: -13.893}  # [X]


def forage(n: int = 5, p_food: float = 0.8) -> JointKernel:
    """E2 "forage": ``n x n`` grid, start (2,0), food (2, n-1); actions up, right, down,
    left, stay, deterministic; "stay" on the food pays +1 with probability ``p_food``, else 0."""
    food = (2, n - 1)
    outs = []
    for s in range(n * n):
        r0, c0 = divmod(s, n)
        acts = []
        for a in range(5):
            r, c = r0 + MOVES5[a][0], c0 + MOVES5[a][1]
            if not (0 <= r < n and 0 <= c < n):
                r, c = r0, c0
            t = r * n + c
            if a == 4 and (r0, c0) == food:
                acts.append([(p_food, 1.0, t), (1 - p_food, 0.0, t)])
            else:
                acts.append([(1.0, 0.0, t)])
        outs.append(acts)
    return joint_kernel_from_outcomes(outs)


FORAGE_START = 2 * 5
FORAGE_HORIZON = 20
#: E2 reference values [X]: h* -> (-E|G - h*|, E G, P(G = h*)).
FORAGE_REFERENCE = {0: (0.0, 0.0, 1.0), 3: (0.0, 3.0, 1.0), 6: (0.0, 6.0, 1.0), 10: (-0.0354, 9.965, 0.9733),
                    14: (-1.3689, 12.631, 0.3518), 16: (-3.2000, 12.800, 0.0281), 20: (-7.2000, 12.800, 0.0)}


def threshold_route(second_decision: bool = True, exact: bool = False) -> list:
    """E3 "threshold route" as outcome lists ``out[s][a] = [(p, r, s')]`` (our design).

    State 0: action 0 "safe" pays 5 and ends (state 2); action 1 "gamble" pays 10 or 0 with probability
    1/2 each and moves to state 1.  State 1 (the inserted second decision): action 0 stops (reward 0);
    action 1 gambles again, +4 or -4 with probability 1/2 (without ``second_decision`` both actions
    stop).  State 2 absorbs with reward 0.  Horizon 2.
    """
    h = Fraction(1, 2) if exact else 0.5
    n = (lambda x: Fraction(x)) if exact else float
    stop = [(n(1), n(0), 2)]
    again = [(h, n(4), 2), (h, n(-4), 2)] if second_decision else stop
    return [[[(n(1), n(5), 2)], [(h, n(10), 1), (h, n(0), 1)]], [stop, again], [stop, stop]]


def random_joint_kernel(S: int, A: int, seed: int, n_outcomes: int = 2, rewards: tuple = (-1, 0, 1, 2),
                        exact: bool = False) -> list:
    """Random outcome lists: each ``(s, a)`` has ``n_outcomes`` equiprobable outcomes with a uniformly
    drawn next state and a reward drawn from ``rewards`` (our V2/V3/T3 families)."""
    rng = np.random.default_rng(seed)
    p = Fraction(1, n_outcomes) if exact else 1.0 / n_outcomes
    conv = (lambda x: Fraction(int(x))) if exact else float
    return [[[(p, conv(rng.choice(rewards)), int(rng.integers(S))) for _ in range(n_outcomes)] for _ in range(A)]
            for _ in range(S)]


def cvar_worked_example() -> list:
    """Worked CVaR example [X], gamma = 1, H = 2: state 0 pays +-2 (prob 1/2) then state 1; at state 1 "safe"
    (action 0) pays 0, "risky" (action 1) pays +4 w.p. 3/4 and -6 w.p. 1/4; state 2 absorbs."""
    F = Fraction
    end = [(F(1), F(0), 2)]
    return [[[(F(1, 2), F(2), 1), (F(1, 2), F(-2), 1)]] * 2,
            [end, [(F(3, 4), F(4), 2), (F(1, 4), F(-6), 2)]], [end, end]]


def variance_counterexample() -> list:
    """T6(a) [X], gamma = 1, H = 2: 0 -> 1 or 2 (prob 1/2, reward 0); at 1, action 0 pays 0, action 1 pays
    1 or 3 (prob 1/2); at 2 reward 2; state 3 absorbs.  K = -Var: greedy DP -1, optimum -1/2."""
    F = Fraction
    end = [(F(1), F(0), 3)]
    return [[[(F(1, 2), F(0), 1), (F(1, 2), F(0), 2)]] * 2, [end, [(F(1, 2), F(1), 3), (F(1, 2), F(3), 3)]],
            [[(F(1), F(2), 3)]] * 2, [end, end]]


def exponential_counterexample() -> list:
    """T6(b) [X], gamma = 1/2, H = 2, lam = 1: 0 -> 1 (reward 0); at 1, action 0 pays -1.1, action 1 pays
    +-2 (prob 1/2); state 2 absorbs.  Greedy DP -e^0.55 = -1.73325, optimum -cosh(1) = -1.54308."""
    F = Fraction
    end = [(F(1), F(0), 2)]
    return [[[(F(1), F(0), 1)]] * 2, [[(F(1), F(-11, 10), 2)], [(F(1, 2), F(2), 2), (F(1, 2), F(-2), 2)]], [end, end]]
