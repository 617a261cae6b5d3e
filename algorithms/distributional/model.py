"""Joint reward/transition kernels ``P(r, s' | s, a)`` for distributional dynamic programming.

Avila Pires, Rowland, Borsa, Guo, Khetarpal, Barreto, Abel, Munos & Dabney (2025), "Optimizing Return
Distributions with Distributional Dynamic Programming", JMLR, arXiv:2501.13028v2 (``avilapires2025``).
The paper's setting ([R]/[D], ``docs/theory/avilapires2025.md``) is a finite MDP with a joint
kernel over reward and next state; mdplab's core :class:`mdplab.MDP` stores only the expected reward
``R[s, a]``, so a :class:`JointKernel` either wraps a core model (deterministic reward ``R[s, a]`` on
every outcome of ``(s, a)``) or is built from explicit outcome lists (random rewards, rewards that
depend on the next state, as in our E1/E2 instances).

Layout: the core's CSR layout (row ``s*A + a``), with one reward per stored outcome.

Deviations: none in the model; the library's exact mode needs a finite reward support.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np

from mdplab.arrays import readonly
from mdplab.errors import ModelError
from mdplab.models import MDP

#: ``|sum of a row's probabilities - 1|`` accepted by :func:`joint_kernel_from_outcomes`.
ROW_TOL = 1e-9


@dataclass(frozen=True)
class JointKernel:
    """``P(r, s' | s, a)`` in CSR form: outcomes of ``(s, a)`` are entries ``indptr[s*A+a]:indptr[s*A+a+1]``.

    ``indices`` (int32) next states, ``reward`` (float64) rewards, ``data`` (float64) probabilities.
    """

    n_states: int
    n_actions: int
    indptr: np.ndarray
    indices: np.ndarray
    reward: np.ndarray
    data: np.ndarray

    @property
    def reward_range(self) -> tuple[float, float]:
        return float(self.reward.min()), float(self.reward.max())

    def outcomes(self, s: int, a: int) -> list[tuple[float, float, int]]:
        """``[(prob, reward, next_state), ...]`` of ``(s, a)``."""
        row = s * self.n_actions + a
        sl = slice(self.indptr[row], self.indptr[row + 1])
        return [(float(p), float(r), int(t)) for p, r, t in zip(self.data[sl], self.reward[sl], self.indices[sl])]

    def outcome_lists(self, exact: bool = False) -> list[list[list[tuple]]]:
        """``out[s][a] = [(p, r, s'), ...]``; with ``exact`` the numbers become ``Fraction`` (of the floats)."""
        conv = (lambda x: Fraction(x)) if exact else float
        return [[[(conv(p), conv(r), t) for p, r, t in self.outcomes(s, a)] for a in range(self.n_actions)]
                for s in range(self.n_states)]

    def mean_reward(self) -> np.ndarray:
        """``R[s, a] = E[r | s, a]``."""
        rows = np.repeat(np.arange(self.n_states * self.n_actions), np.diff(self.indptr))
        out = np.zeros(self.n_states * self.n_actions)
        np.add.at(out, rows, self.data * self.reward)
        return out.reshape(self.n_states, self.n_actions)

    def to_mdp(self, *, discount: float | None = None, horizon: int | None = None) -> MDP:
        """The core model with the expected reward (for risk-neutral cross-checks)."""
        import scipy.sparse as sp

        P = sp.csr_matrix((self.data.copy(), self.indices.copy(), self.indptr.copy()), shape=(self.n_states * self.n_actions, self.n_states))
        return MDP(P, self.mean_reward(), discount=discount, horizon=horizon)


def joint_kernel_from_mdp(model: MDP, transition_reward: np.ndarray | None = None) -> JointKernel:
    """Wrap a stationary core MDP (dense or sparse): reward ``R[s, a]`` on every outcome of ``(s, a)``, or,
    given ``transition_reward`` of shape ``(S, A, S)``, the reward ``r(s, a, s')`` of each transition (the core
    model keeps only its mean, which distributional objectives must not see)."""
    if model.time_varying:
        raise ModelError("distributional DP needs a stationary model; this MDP is time-varying")
    S, A = model.n_states, model.n_actions
    if transition_reward is not None:
        Rt = np.asarray(transition_reward, dtype=np.float64)
        if Rt.shape != (S, A, S) or not np.isfinite(Rt).all():
            raise ModelError(f"transition_reward must be a finite array of shape ({S}, {A}, {S}); got shape "
                             f"{Rt.shape}")
    if model.sparse is not None:
        t = model.sparse
        indptr, indices, data = np.asarray(t.indptr, dtype=np.int64), np.asarray(t.indices, dtype=np.int32), np.asarray(t.data)
    else:
        flat = model.P.reshape(S * A, S)
        nz = flat > 0
        indptr = np.concatenate([[0], np.cumsum(nz.sum(axis=1))]).astype(np.int64)
        indices = np.nonzero(nz)[1].astype(np.int32)
        data = flat[nz]
    if transition_reward is None:
        reward = np.repeat(np.asarray(model.R).ravel(), np.diff(indptr))
    else:
        rows = np.repeat(np.arange(S * A), np.diff(indptr))
        reward = Rt.reshape(S * A, S)[rows, np.asarray(indices, dtype=np.int64)]
    return JointKernel(S, A, readonly(indptr), readonly(indices), readonly(reward.astype(np.float64)),
                       readonly(data.astype(np.float64)))


def joint_kernel_from_outcomes(outcomes: Sequence[Sequence[Sequence[tuple[float, float, int]]]]) -> JointKernel:
    """Build from ``outcomes[s][a] = [(prob, reward, next_state), ...]`` (validated: finite, a
    probability row summing to 1 within ``ROW_TOL``, next states in range)."""
    S = len(outcomes)
    if S == 0:
        raise ModelError("outcomes must list at least one state")
    A = len(outcomes[0])
    if A == 0 or any(len(row) != A for row in outcomes):
        raise ModelError(f"every state must list the same number (>= 1) of actions; state 0 has {A}")
    indptr, indices, reward, data = [0], [], [], []
    for s in range(S):
        for a in range(A):
            outs = outcomes[s][a]
            if len(outs) == 0:
                raise ModelError(f"(s={s}, a={a}) has no outcome")
            tot = 0.0
            for p, r, t in outs:
                p, r = float(p), float(r)
                if not (np.isfinite(p) and np.isfinite(r)) or p < 0:
                    raise ModelError(f"(s={s}, a={a}) has an invalid outcome (prob={p!r}, reward={r!r})")
                if not (0 <= int(t) < S):
                    raise ModelError(f"(s={s}, a={a}) leads to state {t}, outside 0..{S - 1}")
                if p > 0:
                    indices.append(int(t))
                    reward.append(r)
                    data.append(p)
                tot += p
            if abs(tot - 1.0) > ROW_TOL:
                raise ModelError(f"outcome probabilities of (s={s}, a={a}) sum to {tot!r}, not 1")
            indptr.append(len(indices))
    return JointKernel(S, A, readonly(np.array(indptr, dtype=np.int64)), readonly(np.array(indices, dtype=np.int32)),
                       readonly(np.array(reward, dtype=np.float64)), readonly(np.array(data, dtype=np.float64)))


def reward_lattice(rewards: np.ndarray, max_denominator: int = 1000, tol: float = 1e-12) -> float | None:
    """The largest ``delta`` with every reward an integer multiple of it (rewards read as fractions
    with denominator <= ``max_denominator``), or ``None``.  ``0.0`` when all rewards are 0."""
    fr = [Fraction(float(x)).limit_denominator(max_denominator) for x in np.unique(rewards)]
    if any(abs(float(f) - float(x)) > tol for f, x in zip(fr, np.unique(rewards))):
        return None
    from math import gcd

    den = 1
    for f in fr:
        den = den * f.denominator // gcd(den, f.denominator)
    num = 0
    for f in fr:
        num = gcd(num, abs(int(f * den)))
    return 0.0 if num == 0 else num / den
