"""Optimistic planning over histories for latent MDPs, and exact evaluation of the resulting plans.

Planning (one call per re-plan of :mod:`algorithms.lmdp_hf.learner`).  Frozen statistics per context
``m`` and pair ``(s, a)``: count ``n``, ``Phat_m(.|s, a)``, observed reward ``Rhat_m(s, a)``.  A history
``tau_h = (s_1, a_1, r_1, ..., s_h)`` is summarised by ``(h, s_h, C)`` with ``C`` the **consistent set**: the
contexts whose frozen model gives the history positive probability at every step where the pair was
visited (``n > 0``, ``Rhat_m = r``, ``Phat_m(s'|s, a) > 0``).  The set of optimistic alpha vectors reachable
from ``(h, s)`` depends only on ``(h, s, C)`` (components outside ``C`` never reach the objective), so plans
are memoised on that key.  Backup (docs/theory/zhou2023lmdp.md, reconstructed; per context, truncated at 1 in every backup):

    alphabar_m(tau_h) = min{1, Rhat_m(s, a) + Phat_m(.|s, a)^T alphabar_m(tau_h, a, .) + b_m(n, alphabar_m(tau_h, a, .))}

with ``alphabar_m = 1`` when ``n_m(s, a) = 0``.  The bonus is nonlinear in the continuation, so the exact
maximiser over history-dependent policies needs the **Pareto set** of alpha vectors at each ``(h, s, C)``:
candidates are cross-sums over the observations ``(r, s')`` of the children's Pareto sets, pruned by
pointwise dominance only (safe because the monotone bonus makes the backup non-decreasing; LP pruning is not).
When ``C`` is one context the set is one number, computed for all ``(m, h, s)`` at once by the numba sweep
:func:`~algorithms.lmdp_hf._kernels.context_backups`.  At the root the plan picks, for each ``s_1``, the vector
maximising ``sum_m what_m nuhat_m(s_1) alphabar_m``; the optimistic value is the sum of these maxima.

Execution: a plan node is ``(h, s, C, k)`` (``k`` the vector index in the set of ``(h, s, C)``).  After the
observation ``(r, s')`` the consistent set becomes ``C'`` as above (``C' = C`` if no context is consistent),
and ``k'`` is the planned continuation when ``(r, s')`` was planned for, else the vector of ``(h + 1, s', C')``
maximising ``sum_{m in C'} what_m alphabar_m`` (off-plan default).  Either way the action depends on the
observed history only; the context is never an argument of :class:`HistoryPlan`.

Exact evaluation (:func:`plan_context_values`): per context, the distribution over plan nodes is pushed
forward through the true ``P_m`` and ``R_m`` (policy-graph evaluation); no sampling.

Part of the ``zhou2023lmdp`` learner (reconstruction; see :mod:`algorithms.lmdp_hf.learner` for the source and
the Deviations line).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from mdplab.errors import BudgetExceededError, ModelError
from mdplab.lmdp import LatentMDP

from ._kernels import EXACT, HOEFFDING, MODEL_OPT, VALUE_OPT, context_backups, markov_backups, optimistic_backup

#: solver names -> kernel codes
SOLVER_CODES = {"value_opt": VALUE_OPT, "hoeffding": HOEFFDING, "model_opt": MODEL_OPT, "exact": EXACT}


@dataclass(frozen=True)
class BackupConstants:
    """Everything a backup needs besides the statistics (logged with every run)."""

    solver: int
    iota: float
    gamma: float
    c1: float
    c2: float
    c3: float
    scale: float
    cap: float = 1.0        # truncation of every backup (inf: the broken variant without truncation)


@dataclass
class NodeSet:
    """Pareto set at ``(h, s, C)``: ``vecs (K, |C|)``, ``actions (K,)``, ``children[k]`` maps a planned
    observation ``(r, s')`` to the continuation index in the child's set; ``default`` the off-plan index."""

    vecs: np.ndarray
    actions: np.ndarray
    children: list
    default: int


def pareto_prune(vecs: np.ndarray) -> np.ndarray:
    """Indices of the vectors not pointwise dominated by another (of equal vectors the first is kept)."""
    n = vecs.shape[0]
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        if not keep[i]:
            continue
        ge = np.all(vecs >= vecs[i], axis=1)
        gt = np.any(vecs > vecs[i], axis=1)
        dominated_by = ge & (gt | (np.arange(n) < i)) & keep
        dominated_by[i] = False
        if dominated_by.any():
            keep[i] = False
    return np.flatnonzero(keep)


class HistoryPlanner:
    """Optimistic (or, with ``solver=EXACT`` on the true model, exact) planner over histories; see the module
    docstring.  Statistics are copied: the plan stays valid after the learner's counts move on."""

    def __init__(self, n_f: np.ndarray, P_f: np.ndarray, R_f: np.ndarray, weights: np.ndarray, nu: np.ndarray,
                 H: int, constants: BackupConstants, rng: np.random.Generator, *, rewards_observed: bool = True,
                 markov: bool = False, max_vectors: int = 100_000) -> None:
        self.n_f, self.P_f, self.R_f = n_f.copy(), P_f.copy(), R_f.copy()
        self.weights, self.nu = np.asarray(weights, float).copy(), np.asarray(nu, float).copy()
        self.M, self.S, self.A = n_f.shape
        self.H, self.k, self.rng = int(H), constants, rng
        self.rewards_observed, self.markov, self.max_vectors = rewards_observed, markov, int(max_vectors)
        self.memo: dict = {}
        self.ties = 0
        self.seed = int(rng.integers(1 << 62))     # per-node generators: tie-breaks independent of build order
        c = constants
        if markov:
            self.alpha1 = np.empty((self.M, self.H + 1, self.S))
            self.pi_markov = np.empty((self.H, self.S), dtype=np.int64)
            self.ties += markov_backups(c.solver, self.n_f, self.P_f, self.R_f, c.iota, c.gamma, c.c1, c.c2, c.c3,
                                        c.scale, c.cap, self.weights, rng.random((self.H, self.S)), self.alpha1, self.pi_markov)
        else:
            self.alpha1 = np.empty((self.M, self.H + 1, self.S))    # singleton sets C = {m}
            self.pi1 = np.empty((self.M, self.H, self.S), dtype=np.int64)
            self.ties += context_backups(c.solver, self.n_f, self.P_f, self.R_f, c.iota, c.gamma, c.c1, c.c2, c.c3,
                                         c.scale, c.cap, rng.random((self.M, self.H, self.S)), self.alpha1, self.pi1)

    # ------------------------------------------------------------------ consistent sets
    def consistent(self, C: tuple, s: int, a: int, r: float, s1: int) -> tuple:
        """``C'``: the contexts of ``C`` whose frozen model explains ``(r, s')`` after ``(s, a)``; ``C`` if none."""
        out = tuple(m for m in C if self.n_f[m, s, a] > 0 and self.P_f[m, s, a, s1] > 0
                    and (not self.rewards_observed or self.R_f[m, s, a] == r))
        return out if out else C

    # ------------------------------------------------------------------ Pareto sets
    def node_set(self, h: int, s: int, C: tuple) -> NodeSet:
        key = (h, s, C)
        got = self.memo.get(key)
        if got is not None:
            return got
        d = len(C)
        if h == self.H:
            ns = NodeSet(np.zeros((1, d)), np.full(1, -1), [{}], 0)
        elif self.markov or d == 1:
            raise ModelError("internal: singleton and Markov nodes are not materialised")
        else:
            ns = self._backup_node(h, s, C)
        self.memo[key] = ns
        return ns

    def child_vecs(self, h: int, s1: int, Cc: tuple) -> np.ndarray:
        """The child's vectors as ``(K, |Cc|)`` (singletons and Markov nodes from the sweeps)."""
        if h == self.H:
            return np.zeros((1, len(Cc)))
        if self.markov:
            return self.alpha1[list(Cc), h, s1][None, :]
        if len(Cc) == 1:
            return np.array([[self.alpha1[Cc[0], h, s1]]])
        return self.node_set(h, s1, Cc).vecs

    def _backup_node(self, h: int, s: int, C: tuple) -> NodeSet:
        c = self.k
        d = len(C)
        pos = {m: i for i, m in enumerate(C)}
        rng = np.random.default_rng([self.seed, h, s, *C])
        all_vecs, all_acts, all_children = [], [], []
        for a in range(self.A):
            known = [m for m in C if self.n_f[m, s, a] > 0]
            classes: dict = {}
            for m in known:
                classes.setdefault(float(self.R_f[m, s, a]) if self.rewards_observed else 0.0, []).append(m)
            per_class = []                        # for each class: list of (values over its contexts, pointers)
            for r, Cm in classes.items():
                succ = sorted({int(y) for m in Cm for y in np.flatnonzero(self.P_f[m, s, a] > 0)})
                kids = []
                for y in succ:
                    Cc = tuple(m for m in Cm if self.P_f[m, s, a, y] > 0)
                    kids.append((y, Cc, self.child_vecs(h + 1, y, Cc)))
                n_comb = int(np.prod([kv.shape[0] for _, _, kv in kids], dtype=float))
                if n_comb > self.max_vectors:
                    raise BudgetExceededError(
                        f"optimistic planning: {n_comb} continuation combinations at stage {h}, state {s}, action {a} "
                        f"exceed max_vectors={self.max_vectors}; pass max_vectors= (larger) or use a family whose "
                        f"beliefs collapse")
                cand, ptrs = [], []
                v = np.zeros(self.S)
                for combo in itertools.product(*[range(kv.shape[0]) for _, _, kv in kids]):
                    vals = np.empty(len(Cm))
                    for i, m in enumerate(Cm):
                        v[:] = 0.0
                        for (y, Cc, kv), j in zip(kids, combo):
                            if m in Cc:
                                v[y] = kv[j, Cc.index(m)]
                        vals[i] = optimistic_backup(c.solver, self.n_f[m, s, a], self.P_f[m, s, a], self.R_f[m, s, a],
                                                    v, c.iota, c.gamma, c.c1, c.c2, c.c3, c.scale, c.cap)
                    cand.append(vals)
                    ptrs.append({(r, y): j for (y, _, _), j in zip(kids, combo)})
                cand = np.asarray(cand)
                order = rng.permutation(cand.shape[0])          # uniform tie-break among equal vectors
                keep = order[pareto_prune(cand[order])]
                per_class.append((Cm, cand[keep], [ptrs[i] for i in keep]))
            n_comb = int(np.prod([len(x[1]) for x in per_class], dtype=float))
            if n_comb > self.max_vectors:
                raise BudgetExceededError(f"optimistic planning: {n_comb} cross-sum vectors at stage {h}, state {s}, "
                                          f"action {a} exceed max_vectors={self.max_vectors}; pass max_vectors= (larger)")
            for combo in itertools.product(*[range(len(x[1])) for x in per_class]):
                vec = np.ones(d)                                      # unvisited pairs: fully optimistic
                ptr: dict = {}
                for (Cm, vals, pl), j in zip(per_class, combo):
                    for i, m in enumerate(Cm):
                        vec[pos[m]] = vals[j, i]
                    ptr.update(pl[j])
                all_vecs.append(vec)
                all_acts.append(a)
                all_children.append(ptr)
        V = np.asarray(all_vecs)
        order = rng.permutation(V.shape[0])
        keep = order[pareto_prune(V[order])]
        V = V[keep]
        score = V @ self.weights[list(C)]
        best = np.flatnonzero(score >= score.max())
        return NodeSet(V, np.asarray(all_acts)[keep], [all_children[i] for i in keep],
                       int(best[rng.integers(best.size)]))

    # ------------------------------------------------------------------ the plan
    def plan(self) -> "HistoryPlan":
        """Root choice per ``s_1`` and the optimistic value ``sum_s max_k sum_m what_m nuhat_m(s) alphabar_k(m)``."""
        start: dict = {}
        value = 0.0
        for s in range(self.S):
            joint = self.weights * self.nu[:, s]
            C = tuple(int(m) for m in np.flatnonzero(joint > 0))
            if not C:
                continue
            vecs = self.child_vecs(0, s, C)
            score = vecs @ joint[list(C)]
            best = np.flatnonzero(score >= score.max())
            k = int(best[self.rng.integers(best.size)]) if best.size > 1 else int(best[0])
            self.ties += int(best.size > 1)
            start[s] = (0, s, C, k)
            value += float(score[k])
        return HistoryPlan(self, start, value)


class HistoryPlan:
    """A deterministic history-dependent policy: ``start(s_1) -> node``, ``action(node) -> a``,
    ``next(node, r, s') -> node``.  Nodes are ``(h, s, C, k)`` (module docstring); calls are memoised."""

    def __init__(self, planner: HistoryPlanner, start: dict, value: float) -> None:
        self.planner, self._start, self.optimistic_value = planner, start, value
        self._next: dict = {}

    def start(self, s: int) -> tuple:
        node = self._start.get(int(s))
        if node is None:     # a first state the frozen initial law rules out: plan for every context
            C = tuple(range(self.planner.M))
            node = (0, int(s), C, self._default(0, int(s), C))
            self._start[int(s)] = node
        return node

    def _default(self, h: int, s: int, C: tuple) -> int:
        pl = self.planner
        if h == pl.H or pl.markov or len(C) == 1:
            return 0
        return pl.node_set(h, s, C).default

    def action(self, node: tuple) -> int:
        h, s, C, k = node
        pl = self.planner
        if pl.markov:
            return int(pl.pi_markov[h, s])
        if len(C) == 1:
            return int(pl.pi1[C[0], h, s])
        return int(pl.node_set(h, s, C).actions[k])

    def next(self, node: tuple, r: float, s1: int) -> tuple:
        key = (node, r, s1)
        got = self._next.get(key)
        if got is not None:
            return got
        h, s, C, k = node
        pl = self.planner
        a = self.action(node)
        C1 = pl.consistent(C, s, a, r, s1)
        if pl.markov or len(C) == 1:
            k1 = 0
        else:
            k1 = pl.node_set(h, s, C).children[k].get((float(r) if pl.rewards_observed else 0.0, int(s1)))
            if k1 is None or h + 1 == pl.H:
                k1 = self._default(h + 1, s1, C1)
        out = (h + 1, int(s1), C1, int(k1))
        self._next[key] = out
        return out

    def alpha_range(self) -> tuple[float, float]:
        """Smallest and largest optimistic alpha component the plan computed (all must lie in ``[0, 1]``)."""
        pl = self.planner
        lo, hi = float(pl.alpha1.min()), float(pl.alpha1.max())
        for ns in pl.memo.values():
            lo, hi = min(lo, float(ns.vecs.min())), max(hi, float(ns.vecs.max()))
        return lo, hi


def plan_context_values(lmdp: LatentMDP, plan) -> np.ndarray:
    """``(M, S)``: ``E[sum_h R_m(s_h, a_h) | m, s_1 = s, plan]`` on the TRUE model, by pushing each context's
    distribution over plan nodes forward (policy-graph evaluation; exact, no sampling)."""
    M, S, H = lmdp.n_contexts, lmdp.n_states, lmdp.horizon
    out = np.zeros((M, S))
    for m in range(M):
        for s0 in range(S):
            if lmdp.nu[m, s0] == 0:
                continue
            layer = {plan.start(s0): 1.0}
            total = 0.0
            for _h in range(H):
                nxt: dict = {}
                for node, prob in layer.items():
                    s = node[1]
                    a = plan.action(node)
                    r = float(lmdp.R[m, s, a])
                    total += prob * r
                    row = lmdp.P[m, s, a]
                    for y in np.flatnonzero(row > 0):
                        n1 = plan.next(node, r, int(y))
                        nxt[n1] = nxt.get(n1, 0.0) + prob * float(row[y])
                layer = nxt
            out[m, s0] = total
    return out


def plan_value(lmdp: LatentMDP, plan) -> float:
    """``V^pi = sum_m w_m sum_s nu_m(s) V^pi_m(s)`` on the true model."""
    return float(np.sum(lmdp.weights[:, None] * lmdp.nu * plan_context_values(lmdp, plan)))


def exact_planner(lmdp: LatentMDP, rng: np.random.Generator | None = None, max_vectors: int = 100_000) -> HistoryPlanner:
    """The planner above on the TRUE model with no bonus (``solver=EXACT``, ``n = 1`` everywhere): Pareto sets over
    consistent sets give the exact optimum over history-dependent policies (a second exact algorithm beside
    :func:`mdplab.lmdp.lmdp_value_iteration`)."""
    M, S, A = lmdp.n_contexts, lmdp.n_states, lmdp.n_actions
    consts = BackupConstants(EXACT, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0)
    return HistoryPlanner(np.ones((M, S, A), dtype=np.int64), np.asarray(lmdp.P), np.asarray(lmdp.R),
                          np.asarray(lmdp.weights), np.asarray(lmdp.nu), lmdp.horizon, consts,
                          rng or np.random.default_rng(0), rewards_observed=lmdp.rewards_observed,
                          max_vectors=max_vectors)
