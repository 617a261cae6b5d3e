"""Revealing constants of POMDP emission(-action) matrices: single-step and m-step, l1 (LP) and l2 (SVD).

Source: F. Chen, H. Wang, C. Xiong, S. Mei, Y. Bai, *Lower Bounds for Learning in Revealing POMDPs*, ICML 2023,
arXiv:2302.01333 (version not recorded) (`chen2023revealing`).  The section marks below (§B1.x, §B6) refer to our
working notes on this paper, which are not yet in ``docs/theory/``.

Implements
    * ``emission_action_matrix(T, E, m)``: M_{h,m}[(o_{h:h+m-1}, a_{h:h+m-2}), s] (§B1.2, [V] display from the
      companion B-stability paper): the probability of the next m observations from latent state s when the
      action sequence is played; the A^{m-1} blocks are stacked, so every column sums to A^{m-1}.
    * ``alpha_l1(M)``: 1 / min{ ||X||_{1->1} : X M = I_S } by one HiGHS LP (§B1.4, [R]/[D]; the l1 definition
      itself is [M]), 0 when rank(M) < S.  ``||X||_{1->1}`` is the largest column l1 norm of X.
    * ``alpha_l2(M)``: sigma_S(M), the S-th singular value (§B1.3, [V] "weakly revealing").
    * ``alpha_pinv(M)``: 1 / ||pinv(M)||_{1->1}, which is only a **lower bound** on ``alpha_l1`` (§B6 warning:
      the pseudo-inverse is not the optimal left inverse); kept for comparison, never as the constant.
    * ``revealing_constants(Ts, Es, m)``: alpha(h) for h = 1..H-m+1 and their minimum (§B1.4 last bullet).

Provenance: the definitions are the paper's as we read them ([V] l2; [M] l1); the LP formulation is our [R]/[D].
Deviations: emissions are current-state emissions ``E_h[o, s] = P(o_h = o | s_h = s)`` as in the paper's
episodic model (not Cassandra's action-dependent O[a, s', o]); stacking normalisation (alpha can exceed 1,
up to A^{m-1}) follows §B1.2, with ``normalise="average"`` dividing the blocks by A^{m-1} (§B6).
"""
from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np
from scipy.optimize import linprog

from mdplab.errors import ConvergenceError, ModelError

#: relative singular-value tolerance for the rank test (§B6 "check rank with a tolerance").
RANK_RTOL = 1e-10


def _rank_deficient(M: np.ndarray) -> bool:
    sv = np.linalg.svd(M, compute_uv=False)
    return sv.shape[0] < M.shape[1] or sv[-1] <= RANK_RTOL * max(1.0, sv[0])


def alpha_l2(M: np.ndarray) -> float:
    """sigma_S(M) = 1 / ||M^dagger||_{2->2} (0 if rank-deficient)."""
    M = np.asarray(M, dtype=float)
    if M.shape[0] < M.shape[1] or _rank_deficient(M):
        return 0.0
    return float(np.linalg.svd(M, compute_uv=False)[M.shape[1] - 1])          # , l2 form


def alpha_pinv(M: np.ndarray) -> float:
    """1 / ||pinv(M)||_{1->1}: a lower bound on :func:`alpha_l1` (the pseudo-inverse is one left inverse)."""
    M = np.asarray(M, dtype=float)
    if M.shape[0] < M.shape[1] or _rank_deficient(M):
        return 0.0
    return float(1.0 / np.abs(np.linalg.pinv(M)).sum(axis=0).max())


def alpha_l1(M: np.ndarray) -> float:
    """alpha_1(M) = 1 / min{ t : X M = I_S, sum_i |X[i, j]| <= t for every column j }.

    LP in (X+, X-, t) with X = X+ - X-, both >= 0; solved by ``linprog(method="highs")``."""
    M = np.asarray(M, dtype=float)
    n, S = M.shape
    if n < S or _rank_deficient(M):
        return 0.0
    nx = S * n                                   # X is (S, n), flattened row-major: X[i, j] -> i * n + j
    c = np.zeros(2 * nx + 1)
    c[-1] = 1.0
    # X M = I: sum_j X[i, j] M[j, k] = delta_ik
    A_eq = np.zeros((S * S, 2 * nx + 1))
    for i in range(S):
        for k in range(S):
            A_eq[i * S + k, i * n:(i + 1) * n] = M[:, k]
            A_eq[i * S + k, nx + i * n: nx + (i + 1) * n] = -M[:, k]
    b_eq = np.eye(S).ravel()
    # column norms: sum_i (X+[i, j] + X-[i, j]) - t <= 0
    A_ub = np.zeros((n, 2 * nx + 1))
    for j in range(n):
        A_ub[j, j:nx:n] = 1.0
        A_ub[j, nx + j::n] = 1.0
        A_ub[j, -1] = -1.0
    res = linprog(c, A_ub=A_ub, b_ub=np.zeros(n), A_eq=A_eq, b_eq=b_eq, bounds=[(0, None)] * (2 * nx + 1),
                  method="highs")                                                   #  LP
    if res.status != 0:
        raise ConvergenceError(f"HiGHS failed on the l1 left-inverse LP: {res.message}")
    return float(1.0 / res.fun)                                                 # alpha = 1 / t*


def emission_action_matrix(T: Sequence[np.ndarray], E: Sequence[np.ndarray], h: int, m: int,
                           normalise: str = "stacked") -> np.ndarray:
    """M_{h,m} (0-based ``h``) for an episodic POMDP with transitions ``T[h][s, a, s']`` and emissions
    ``E[h][o, s]``: rows are (o_h..o_{h+m-1}, a_h..a_{h+m-2}) in lexicographic (action sequence, observation
    sequence) order, columns latent states.  ``normalise="stacked"`` (columns sum to A^{m-1}, §B1.2) or
    ``"average"`` (divided by A^{m-1})."""
    if m < 1:
        raise ModelError(f"m must be >= 1; got {m}")
    if h + m > len(E):
        raise ModelError(f"M_(h,m) needs emissions up to step h+m-1 = {h + m - 1}; only {len(E)} given")
    E0 = np.asarray(E[h], dtype=float)
    nO, S = E0.shape
    A = np.asarray(T[h]).shape[1] if m > 1 else 1
    blocks = []
    for acts in itertools.product(range(A), repeat=m - 1):
        # f(obs seq)(s): forward probabilities, built from the back: f_last = E[h+m-1][o, s]
        rows = None
        for step in range(m - 1, -1, -1):
            Eh = np.asarray(E[h + step], dtype=float)
            if rows is None:
                rows = Eh                                            # (O, S)
            else:
                Ta = np.asarray(T[h + step], dtype=float)[:, acts[step], :]     # (S, S')
                nxt = rows @ Ta.T                                    # (O^k, S): sum_s' T[s, a, s'] f(s')
                rows = (Eh[:, None, :] * nxt[None, :, :]).reshape(-1, Eh.shape[1])
        blocks.append(rows)
    out = np.vstack(blocks)
    if normalise == "average":
        out = out / A ** (m - 1)
    elif normalise != "stacked":
        raise ModelError(f"normalise must be 'stacked' or 'average'; got {normalise!r}")
    return out


def revealing_constants(T: Sequence[np.ndarray], E: Sequence[np.ndarray], m: int, norm: str = "l1",
                        normalise: str = "stacked") -> tuple[float, np.ndarray]:
    """(min_h alpha(h), alpha(h) for h = 0..H-m) with ``norm`` in {"l1", "l2"}; steps after H-m are exempt."""
    f = {"l1": alpha_l1, "l2": alpha_l2}.get(norm)
    if f is None:
        raise ModelError(f"norm must be 'l1' or 'l2'; got {norm!r}")
    H = len(E)
    per_h = np.array([f(emission_action_matrix(T, E, h, m, normalise)) for h in range(H - m + 1)])
    return float(per_h.min()), per_h
