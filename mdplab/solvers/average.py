"""Average-reward solvers and chain classification (Puterman 1994, ch. 8-9).

Optimality equation (weakly communicating models, Puterman Eq. (8.4.2)):
``g + h(s) = max_a R[s, a] + sum_s' P[s, a, s'] h(s')`` with constant gain ``g`` and bias ``h``
(normalised here by ``h[ref] = 0``).  ``sp(h*) = max h* - min h*`` is reported as ``info["span"]``.

Classification, from the maximal end components (MECs) of the model (sets of states that some policy
keeps closed and strongly connected; computed by repeated networkx strongly-connected-component
decompositions, the standard MEC algorithm):

* ``communicating``: one MEC that contains every state (Puterman Sec. 8.3.1);
* ``weakly_communicating``: exactly one MEC; every other state is transient under every policy (every
  policy's recurrent classes lie in end components, so all of them lie in that MEC);
* ``multichain``: two or more MECs: the optimal gain may depend on the start state.
* ``unichain`` (every deterministic policy has a single recurrent class) is NP-hard to decide in
  general (Tsitsiklis 2007); it is decided by enumeration when ``A**S <= 4096`` and reported as
  ``None`` (unknown) otherwise.

Relative VI needs a weakly communicating model (constant optimal gain); average-reward policy
iteration needs every policy it visits to be unichain (checked per policy).  Otherwise they raise
:class:`mdplab.errors.NotApplicableError`.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph
import scipy.sparse.linalg as spla

from ..errors import ModelError, NotApplicableError, shown
from ..models import MDP
from ..operators import policy_matrix, q_values, relative_vi_step
from ..solution import Solution
from ._common import check_max_iter, check_scale, check_tol, gain_bounds, initial_policy, not_certified

UNICHAIN_ENUMERATION_LIMIT = 4096


@dataclass(frozen=True)
class ChainStructure:
    kind: str                              # "unichain" | "communicating" | "weakly_communicating" | "multichain"
    communicating: bool
    weakly_communicating: bool
    unichain: bool | None                  # None: not decided (too many policies to enumerate)
    end_components: tuple[frozenset, ...]  # maximal end components (states)


def _support(model: MDP) -> list[list[np.ndarray]]:
    csr = model.transitions_csr()
    S, A = model.shape
    return [[csr.indices[csr.indptr[s * A + a]:csr.indptr[s * A + a + 1]][csr.data[csr.indptr[s * A + a]:csr.indptr[s * A + a + 1]] > 0]
             for a in range(A)] for s in range(S)]


def maximal_end_components(model: MDP) -> list[frozenset]:
    """Maximal end components: iterate SCC decomposition, dropping actions that can leave their SCC."""
    support = _support(model)
    S, A = model.shape
    feasible = np.isfinite(np.asarray(model.R))     # R = -inf: infeasible, no policy takes it
    allowed = {s: {a for a in range(A) if feasible[s, a]} for s in range(S)}
    while True:
        rows, cols = [], []
        for s, acts in allowed.items():
            for a in acts:
                targets = [int(t) for t in support[s][a] if int(t) in allowed]
                rows += [s] * len(targets)
                cols += targets
        adjacency = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(S, S))
        _, labels = csgraph.connected_components(adjacency, directed=True, connection="strong")
        comp_of = {s: int(labels[s]) for s in allowed}
        changed = False
        for s in list(allowed):
            keep = {a for a in allowed[s] if all(int(t) in comp_of and comp_of[int(t)] == comp_of[s] for t in support[s][a])}
            if keep != allowed[s]:
                changed = True
                allowed[s] = keep
            if not keep:
                del allowed[s]
        if not changed:
            comps: dict[int, set] = {}
            for s in allowed:
                comps.setdefault(comp_of[s], set()).add(s)
            return sorted((frozenset(c) for c in comps.values()), key=min)


def recurrent_classes(P_pi: sp.csr_matrix) -> list[frozenset]:
    """Closed strongly connected components of a Markov chain (its recurrent classes)."""
    P_pi = sp.csr_matrix(P_pi, copy=True)
    P_pi.data[P_pi.data < 0] = 0.0
    P_pi.eliminate_zeros()                        # an edge is a transition of positive probability
    n, labels = csgraph.connected_components(P_pi, directed=True, connection="strong")
    coo = P_pi.tocoo()
    leaving = np.zeros(n, dtype=bool)
    leaving[labels[coo.row][labels[coo.row] != labels[coo.col]]] = True
    classes = [frozenset(np.flatnonzero(labels == c).tolist()) for c in range(n) if not leaving[c]]
    return sorted(classes, key=min)


def classify_chain(model: MDP) -> ChainStructure:
    """Classify ``model`` (its ``P`` only) as described in the module docstring."""
    mecs = maximal_end_components(model)
    S, A = model.shape
    communicating = len(mecs) == 1 and len(mecs[0]) == S
    weak = len(mecs) == 1
    unichain: bool | None = None
    if A ** S <= UNICHAIN_ENUMERATION_LIMIT:
        feasible = np.isfinite(np.asarray(model.R))
        unichain = all(len(recurrent_classes(policy_matrix(model, np.array(pi))[0])) == 1
                       for pi in itertools.product(*(np.flatnonzero(feasible[s]).tolist() for s in range(S))))
    if unichain:
        kind = "unichain"
    elif communicating:
        kind = "communicating"
    elif weak:
        kind = "weakly_communicating"
    else:
        kind = "multichain"
    return ChainStructure(kind, communicating, weak, unichain, tuple(mecs))


def _average(model: MDP, method: str) -> None:
    if model.criterion != "average":
        raise NotApplicableError(f"{method} solves the average-reward criterion (MDP(..., average_reward=True)); "
                                 f"this model is {model.criterion!r}")
    check_scale(model)


def _gain_solution(model, method, h, pi, gain, err, iterations, residuals, converged, **info) -> Solution:
    q = q_values(model, h, gamma=1.0) - gain
    return Solution(values=h, q=q, policy=pi, iterations=iterations, residuals=np.asarray(residuals, float),
                    converged=converged, method=method, error_bound=err, gain=float(gain), bias=h,
                    info={"span": float(h.max() - h.min()), **info})


def relative_value_iteration(model: MDP, tol: float = 1e-6, max_iter: int = 1_000_000, tau: float = 0.5,
                             ref: int = 0, check_structure: bool = True) -> Solution:
    """Relative value iteration on the aperiodicity-transformed model ``tau I + (1 - tau) P``
    (Puterman 1994, Alg. 8.5.3 and Sec. 8.5.5; the transform keeps the gain and scales the bias by
    ``1/(1 - tau)``, undone on return).

    Stopping rule (the average-reward span rule of :mod:`mdplab.solvers._common`, :class:`GainBounds`):
    ``sp(T v - v)``, widened by the float64 rounding of the step, ``<= tol``; then ``min(Tv - v) <= g* <=
    max(Tv - v)`` (Puterman Thm 8.5.5) and the greedy policy's gain is within ``tol`` of ``g*``.  Returns
    ``gain`` = midpoint (``error_bound`` = half the widened span), ``bias`` with ``bias[ref] = 0``.
    ``residuals[k] = sp(T v_k - v_k)``.  ``converged=False`` (with a CertificateWarning) when ``max_iter``
    runs out or the rounding alone exceeds ``tol``.
    Needs a weakly communicating model (checked unless ``check_structure=False``).
    """
    _average(model, "relative_value_iteration")
    tol = check_tol(tol)
    max_iter = check_max_iter(max_iter)
    if not (0.0 < tau < 1.0):
        raise ModelError(f"tau (aperiodicity transform) must be in (0, 1); got {shown(tau)}")
    if not (0 <= ref < model.n_states):
        raise ModelError(f"ref state {ref} outside 0..{model.n_states - 1}")
    if check_structure:
        cs = classify_chain(model)
        if not cs.weakly_communicating:
            raise NotApplicableError(f"relative_value_iteration needs a weakly communicating model; this one has "
                                     f"{len(cs.end_components)} maximal end components (multichain): the optimal gain "
                                     "may depend on the start state; use method='multichain' "
                                     "(multichain_policy_iteration)")
    S = model.n_states
    v = np.zeros(S)
    w = np.empty(S)
    pi = np.empty(S, dtype=np.int64)
    residuals = []
    for k in range(1, max_iter + 1):
        v_max = max(abs(float(v.max())), abs(float(v.min())))
        lo, hi = relative_vi_step(model, v, ref, tau, w, pi)
        bounds = gain_bounds(model, lo, hi, v_max)
        residuals.append(hi - lo)
        v, w = w, v
        if bounds.certifies(tol) or bounds.stuck(tol):
            break
    h = (1.0 - tau) * v
    if not np.all(np.isfinite(h)):
        raise ModelError(f"relative_value_iteration: values overflowed float64; max |R| = {float(np.abs(model.R).max()):.3g}")
    converged = bounds.certifies(tol)
    if not converged:
        not_certified("relative_value_iteration",
                      f"certified gain error {bounds.error:.3g} > tol/2 after {k} iterations "
                      + ("(float64 rounding alone exceeds tol; pass a larger tol)" if bounds.stuck(tol)
                         else f"(max_iter={max_iter} reached; pass max_iter= larger)"))
    return _gain_solution(model, "rvi", h, pi.copy(), bounds.gain, bounds.error, k, residuals, converged)


def evaluate_average_policy(model: MDP, pi: np.ndarray, ref: int = 0) -> tuple[float, np.ndarray]:
    """Gain and bias of a unichain policy: solve ``g + h = R_pi + P_pi h``, ``h[ref] = 0``
    (Puterman 1994, Eq. (8.6.1)).  Raises NotApplicableError if ``pi`` has several recurrent classes."""
    P_pi, R_pi = policy_matrix(model, pi)
    P_pi = sp.csr_matrix(P_pi)
    classes = recurrent_classes(P_pi)
    if len(classes) != 1:
        raise NotApplicableError(f"policy has {len(classes)} recurrent classes (multichain); its gain is not constant. "
                                 "Use relative_value_iteration on weakly communicating models, or method='multichain' "
                                 "(multichain_policy_iteration) for any model.")
    S = model.n_states
    # unknowns (h, g); equations: (I - P_pi) h + g 1 = R_pi, and h[ref] = 0
    M = sp.bmat([[sp.identity(S) - P_pi, np.ones((S, 1))],
                 [sp.csr_matrix(([1.0], ([0], [ref])), shape=(1, S)), None]]).tocsc()
    rhs = np.concatenate([R_pi, [0.0]])
    x = spla.spsolve(M, rhs) if S > 500 else np.linalg.solve(M.toarray(), rhs)
    return float(x[S]), np.asarray(x[:S])


def average_reward_policy_iteration(model: MDP, tol: float = 1e-6, max_iter: int = 10_000, ref: int = 0,
                                    pi0: np.ndarray | None = None) -> Solution:
    """Policy iteration for unichain average-reward models (Puterman 1994, Alg. 8.6.1): evaluate
    ``(g, h)`` exactly, improve greedily w.r.t. ``R + P h`` keeping the current action on ties.
    Terminates at an optimal policy; ``error_bound`` = ``sp(T h - h - g)`` at the end (~0)."""
    _average(model, "average_reward_policy_iteration")
    check_tol(tol)
    max_iter = check_max_iter(max_iter)
    S = model.n_states
    pi = initial_policy(model) if pi0 is None else np.asarray(pi0, dtype=np.int64).copy()
    residuals = []
    for k in range(1, max_iter + 1):
        g, h = evaluate_average_policy(model, pi, ref)
        q = q_values(model, h, gamma=1.0)
        best = q.argmax(axis=1)
        rows = np.arange(S)
        atol = 1e-11 * max(1.0, float(np.abs(q[np.isfinite(q)]).max()))   # infeasible pairs have q = -inf
        new_pi = np.where(q[rows, pi] >= q[rows, best] - atol, pi, best)
        d = q.max(axis=1) - h
        residuals.append(float(d.max() - d.min()))
        if np.array_equal(new_pi, pi):
            return _gain_solution(model, "avg_pi", h, pi, g, residuals[-1], k, residuals, True)
        pi = new_pi
    return _gain_solution(model, "avg_pi", h, pi, g, residuals[-1], max_iter, residuals, False)
