"""pomdp-solve's policy files, and exact evaluation of the policies they hold.

File layouts (Cassandra's pomdp-solve, the ``-o`` outputs; what ZMDP and the ``pomdp`` R package read too):

* ``.alpha``: one alpha vector per block: a line with the action (0-based integer), a line with ``S`` reals,
  then an empty line.  The value function is ``V(b) = max_k alpha_k . b``.
* ``.pg`` (policy graph): one line per node, ``node action next_1 ... next_O``: the node's (0-based) id, its
  action, and the node that follows each observation (``-`` when there is none: the last stage of a
  finite-horizon graph).

Exact evaluation (no sampling):

* a policy graph, discounted (``0 <= gamma < 1``): ``V(n, s) = R[s, a_n] + gamma sum_s' P[s, a_n, s']
  sum_o O[a_n, s', o] V(next(n, o), s')`` -- one sparse linear system in ``nodes * S`` unknowns
  (:func:`policy_graph_value`); the value at ``b`` is ``b . V(start, .)``;
* a policy graph over a finite horizon ``H``: the same recursion from ``V_0 = 0`` for ``H`` stages
  (:func:`policy_graph_finite_value`; a missing successor needed before the last step is an error);
* the greedy policy of alpha vectors over a finite horizon ``H``: the tree of beliefs reachable from ``b0``
  (:func:`alpha_policy_finite_value`, at most ``max_nodes`` beliefs; ties between vectors go to the first).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .arrays import readonly
from .errors import BudgetExceededError, FileFormatError, ModelError, NotApplicableError
from .pomdp import POMDP, validate_belief

#: Largest ``nodes * S`` of the linear system of :func:`policy_graph_value`.
MAX_GRAPH_UNKNOWNS = 2_000_000
#: Default budget of beliefs expanded by :func:`alpha_policy_finite_value`.
MAX_BELIEF_NODES = 1_000_000


# ------------------------------------------------------------------------------------------------ .alpha
def read_alpha(path: str | Path, n_states: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(alpha (K, S), action (K,))`` from a pomdp-solve ``.alpha`` file; errors name the file and line."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"{path}: cannot read ({exc})") from None
    rows = [(i + 1, ln.split()) for i, ln in enumerate(lines) if ln.strip()]
    if not rows or len(rows) % 2:
        raise FileFormatError(f"{path}: an .alpha file holds pairs of lines (action, then the vector); "
                              f"found {len(rows)} non-empty line(s)")
    actions, vectors = [], []
    for k in range(0, len(rows), 2):
        (la, act), (lv, vec) = rows[k], rows[k + 1]
        if len(act) != 1 or not act[0].lstrip("-").isdigit() or int(act[0]) < 0:
            raise FileFormatError(f"{path}, line {la}: expected one action number (integer >= 0); got {' '.join(act)!r}")
        try:
            v = np.array([float(x) for x in vec])
        except ValueError:
            raise FileFormatError(f"{path}, line {lv}: expected {n_states or 'S'} numbers; got {' '.join(vec)[:60]!r}") from None
        if not np.all(np.isfinite(v)):
            raise FileFormatError(f"{path}, line {lv}: non-finite value in an alpha vector")
        if vectors and v.shape != vectors[0].shape or (n_states is not None and v.shape[0] != n_states):
            want = n_states if n_states is not None else vectors[0].shape[0]
            raise FileFormatError(f"{path}, line {lv}: the vector has {v.shape[0]} entries, expected {want}")
        actions.append(int(act[0]))
        vectors.append(v)
    return np.array(vectors), np.array(actions, dtype=np.int64)


def _fmt(x: float) -> str:
    return repr(float(x))


def write_alpha(path: str | Path, alpha: Any, action: Any) -> None:
    """Write alpha vectors in the ``.alpha`` layout (values at full float64 precision)."""
    alpha, action = np.asarray(alpha, dtype=np.float64), np.asarray(action)
    if alpha.ndim != 2 or action.shape != (alpha.shape[0],) or not np.all(np.isfinite(alpha)):
        raise ModelError(f"alpha must be finite (K, S) with one action each; got {alpha.shape} and {action.shape}")
    with open(path, "w") as fh:
        for a, v in zip(action, alpha):
            fh.write(f"{int(a)}\n{' '.join(_fmt(x) for x in v)}\n\n")


# ------------------------------------------------------------------------------------------------ .pg
def read_pg(path: str | Path, n_observations: int | None = None, start: int = 0):
    """A :class:`mdplab.pomdp_planning.PolicyGraph` from a ``.pg`` file (``start`` = the node for ``b0``;
    pomdp-solve does not store it).  Node ids may come in any order but must be ``0..N-1``."""
    from .pomdp_planning import PolicyGraph

    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"{path}: cannot read ({exc})") from None
    rows = {}
    width = None
    for i, ln in enumerate(lines):
        tok = ln.split()
        if not tok:
            continue
        if width is None:
            width = len(tok)
        if len(tok) != width or len(tok) < 3:
            raise FileFormatError(f"{path}, line {i + 1}: expected 'node action next_1 ... next_O' with the same number "
                                  f"of fields on every line; got {ln.strip()[:60]!r}")
        try:
            vals = [int(t) if t != "-" else -1 for t in tok]
        except ValueError:
            raise FileFormatError(f"{path}, line {i + 1}: fields must be integers or '-'; got {ln.strip()[:60]!r}") from None
        if vals[0] < 0 or vals[1] < 0:
            raise FileFormatError(f"{path}, line {i + 1}: node id and action must be integers >= 0")
        if vals[0] in rows:
            raise FileFormatError(f"{path}, line {i + 1}: node {vals[0]} is defined twice")
        rows[vals[0]] = vals[1:]
    if not rows:
        raise FileFormatError(f"{path}: empty policy graph")
    N = len(rows)
    if sorted(rows) != list(range(N)):
        raise FileFormatError(f"{path}: node ids must be 0..{N - 1}; got {sorted(rows)[:10]}")
    nO = width - 2
    if n_observations is not None and nO != n_observations:
        raise FileFormatError(f"{path}: each node lists {nO} successors but the model has {n_observations} observations")
    action = np.array([rows[n][0] for n in range(N)], dtype=np.int64)
    nxt = np.array([rows[n][1:] for n in range(N)], dtype=np.int64)
    if nxt.max() >= N:
        raise FileFormatError(f"{path}: a successor node {int(nxt.max())} does not exist (nodes are 0..{N - 1})")
    if not (0 <= start < N):
        raise ModelError(f"start node {start} outside 0..{N - 1}")
    return PolicyGraph(action=readonly(action), next=readonly(nxt), start=int(start),
                       offsets=readonly(np.zeros(1, dtype=np.int64)), exact=True)


def write_pg(path: str | Path, graph) -> None:
    """Write a policy graph in the ``.pg`` layout (``-`` for a missing successor)."""
    act, nxt = np.asarray(graph.action), np.asarray(graph.next)
    with open(path, "w") as fh:
        for n in range(act.shape[0]):
            succ = " ".join("-" if int(x) < 0 else str(int(x)) for x in nxt[n])
            fh.write(f"{n} {int(act[n])} {succ}\n")


# ------------------------------------------------------------------------------------------------ values
def _check_graph(model: POMDP, graph) -> tuple[np.ndarray, np.ndarray]:
    act, nxt = np.asarray(graph.action, dtype=np.int64), np.asarray(graph.next, dtype=np.int64)
    if nxt.shape != (act.shape[0], model.n_observations):
        raise ModelError(f"policy graph has {nxt.shape[1] if nxt.ndim == 2 else '?'} successors per node; the model "
                         f"has {model.n_observations} observations")
    if act.size and (act.min() < 0 or act.max() >= model.n_actions):
        raise ModelError(f"policy graph actions must be in 0..{model.n_actions - 1}; got {int(act.max())}")
    return act, nxt


def _graph_operator(model: POMDP, act: np.ndarray, nxt: np.ndarray) -> sp.csr_matrix:
    """``M[(n, s), (m, s')] = sum_{o: next(n, o) = m} P[s, a_n, s'] O[a_n, s', o]`` (rows of a missing successor
    are left out: the caller decides what that means)."""
    N, S = act.shape[0], model.n_states
    rows, cols, vals = [], [], []
    for n in range(N):
        a = act[n]
        for o in range(model.n_observations):
            m = nxt[n, o]
            if m < 0:
                continue
            w = model.P[:, a, :] * model.O[a, :, o][None, :]            # (s, s')
            r, c = np.nonzero(w)
            rows.append(n * S + r)
            cols.append(m * S + c)
            vals.append(w[r, c])
    if not rows:
        return sp.csr_matrix((N * S, N * S))
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(N * S, N * S))


def policy_graph_value(model: POMDP, graph, gamma: float | None = None) -> np.ndarray:
    """``V (nodes, S)`` of a policy graph under discount ``gamma < 1`` (module docstring), or, with ``gamma = 1``,
    its undiscounted total reward (indefinite horizon: the run ends in goal states that earn 0): the chain on
    ``(node, state)`` pairs reachable from the start node and the states of ``model.b0`` is evaluated by
    :func:`mdplab.evaluation.total_reward_values`, which refuses a graph whose recurrent pairs earn reward (it
    never terminates: the total diverges); the other pairs are left NaN (not defined from ``b0``)."""
    act, nxt = _check_graph(model, graph)
    g = model.gamma if gamma is None else float(gamma)
    if not (0.0 <= g <= 1.0):
        raise ModelError(f"policy_graph_value needs 0 <= gamma <= 1 (got {g}); use policy_graph_finite_value for a horizon")
    N, S = act.shape[0], model.n_states
    if N * S > MAX_GRAPH_UNKNOWNS:
        raise BudgetExceededError(f"policy graph of {N} nodes x {S} states = {N * S} unknowns exceeds "
                                  f"MAX_GRAPH_UNKNOWNS = {MAX_GRAPH_UNKNOWNS} (mdplab.pomdp_files)")
    if (nxt < 0).any():
        n = int(np.argwhere(nxt < 0)[0][0])
        raise ModelError(f"node {n} has no successor for some observation: an infinite-horizon graph needs one for "
                         "every observation (evaluate it with a horizon instead)")
    M = _graph_operator(model, act, nxt)
    r = np.asarray(model.R)[:, act].T.ravel()                              # r[(n, s)] = R[s, a_n]
    if g == 1.0:                                                           # indefinite horizon (total reward)
        from .evaluation import total_reward_values
        from .models import MDP

        from scipy.sparse.csgraph import breadth_first_order

        seen = np.zeros(N * S, dtype=bool)
        for s in np.flatnonzero(np.asarray(model.b0) > 0):
            seen[breadth_first_order(M, int(graph.start) * S + int(s), directed=True, return_predecessors=False)] = True
        keep = np.flatnonzero(seen)
        sub = M[keep][:, keep].tocsr()
        chain = MDP(sub, r[keep][:, None], average_reward=True, row_tol=1e-9)   # one action: the graph's chain
        try:
            v = total_reward_values(chain, np.zeros(keep.size, dtype=np.int64))
        except NotApplicableError as exc:
            raise NotApplicableError(f"the policy graph does not terminate (undiscounted): {exc} (pair index = "
                                     f"node * S + state among the {keep.size} pairs reachable from b0)") from None
        out = np.full(N * S, np.nan)
        out[keep] = v
        return out.reshape(N, S)
    A_mat = (sp.identity(N * S, format="csc") - g * M.tocsc())
    V = spla.spsolve(A_mat, r) if N * S > 400 else np.linalg.solve(A_mat.toarray(), r)
    return np.asarray(V).reshape(N, S)


def value_at(b: np.ndarray, v: np.ndarray) -> float:
    """``b . v`` over the support of ``b`` (entries of ``v`` outside it may be NaN: not defined from ``b``)."""
    b = np.asarray(b, dtype=np.float64)
    sup = b > 0
    return float(b[sup] @ np.asarray(v)[sup])


def policy_graph_finite_value(model: POMDP, graph, horizon: int, gamma: float | None = None) -> np.ndarray:
    """``V_H (nodes, S)``: the ``H``-step value of starting the graph at each node (``V_0 = 0``)."""
    from .models import validate_horizon

    act, nxt = _check_graph(model, graph)
    H = validate_horizon(horizon)
    g = model.gamma if gamma is None else float(gamma)
    N, S = act.shape[0], model.n_states
    M = _graph_operator(model, act, nxt)
    r = np.asarray(model.R)[:, act].T.ravel()
    if H > 1 and (nxt < 0).any():    # no node played with >= 2 steps left may lack a successor
        _check_finite_reach(nxt, int(graph.start), H)
    V = np.zeros(N * S)
    for _ in range(H):                # V_h = r + gamma M V_{h-1}; a missing successor adds 0 (last step only)
        V = r + g * (M @ V)
    return V.reshape(N, S)


def _check_finite_reach(nxt: np.ndarray, start: int, H: int) -> None:
    frontier = {start}
    for h in range(H - 1):                       # nodes played with H - h steps left, h < H - 1
        new = set()
        for n in frontier:
            if (nxt[n] < 0).any():
                raise ModelError(f"node {n} is reached with {H - h} steps left but has no successor for some "
                                 f"observation: the graph is shorter than the horizon {H}")
            new.update(int(m) for m in nxt[n])
        frontier = new


def alpha_policy_finite_value(model: POMDP, alpha: np.ndarray, action: np.ndarray, horizon: int,
                              b0: Any = None, gamma: float | None = None, max_nodes: int = MAX_BELIEF_NODES) -> float:
    """Exact ``H``-step value at ``b0`` of the policy greedy for ``alpha`` (the belief tree, ``Pr(o | b, a) > 0``
    branches only).  ``alpha`` / ``action`` may also be sequences indexed by the steps to go (``alpha[h]`` used
    with ``h`` steps left, ``1 <= h <= H``: the optimal non-stationary policy of exact finite-horizon value
    iteration's stages)."""
    from ._kernels.belief import belief_update as kernel
    from .models import validate_horizon

    H = validate_horizon(horizon)
    g = model.gamma if gamma is None else float(gamma)
    if isinstance(alpha, (list, tuple)):
        if len(alpha) < H + 1 or len(action) != len(alpha):
            raise ModelError(f"stage-wise alpha sets need one set per steps-to-go 0..{H}; got {len(alpha)}")
        stages = [(np.asarray(al, dtype=np.float64), np.asarray(ac, dtype=np.int64)) for al, ac in zip(alpha, action)]
    else:
        one = (np.asarray(alpha, dtype=np.float64), np.asarray(action, dtype=np.int64))
        stages = [one] * (H + 1)
    b = np.ascontiguousarray(model.b0 if b0 is None else validate_belief(b0, model.n_states), dtype=np.float64)
    count = [0]
    out = np.empty(model.n_states)

    def value(bel: np.ndarray, steps: int) -> float:
        count[0] += 1
        if count[0] > max_nodes:
            raise BudgetExceededError(f"alpha_policy_finite_value expanded more than max_nodes={max_nodes} beliefs; "
                                      "raise max_nodes or lower the horizon")
        al, ac = stages[steps]
        a = int(ac[int(np.argmax(al @ bel))])
        v = float(bel @ model.R[:, a])
        if steps == 1:
            return v
        for o in range(model.n_observations):
            p = kernel(model.P, model.O, bel, a, o, out)
            if p > 0.0:
                v += g * p * value(out.copy(), steps - 1)
        return v

    return value(b, H)


# ------------------------------------------------------------------------------------------------ CLI helper
def policy_graph_start(model: POMDP, path: Path, graph: Any) -> tuple[int, str]:
    """The start node of the ``.pg`` graph at ``path`` and the rule that chose it: node 0, or, when an ``.alpha``
    file of the same name lies beside it with one vector per node (pomdp-solve's pair), the node whose vector is
    best at ``b0``."""
    sibling = Path(path).with_suffix(".alpha")     # pomdp-solve's nodes line up with the vectors of its .alpha file
    if sibling.is_file():
        alpha, _ = read_alpha(sibling, n_states=model.n_states)
        if alpha.shape[0] == graph.action.shape[0]:
            return int(np.argmax(alpha @ model.b0)), f"argmax of {sibling.name} at b0"
    return 0, "node 0"


def evaluate_policy_file(model: POMDP, path: str | Path, horizon: int | None = None) -> dict:
    """What ``mdplab evaluate MODEL.POMDP POLICY`` prints: for a ``.pg`` file the exact value at ``b0`` of the
    graph (discounted, or ``H`` steps with a horizon) started at node 0, or, when an ``.alpha`` file of the same
    name lies beside it with one vector per node (pomdp-solve's pair), at the node whose vector is best at ``b0``; for an ``.alpha`` file the exact
    ``H``-step value of its greedy policy when a horizon is given, and in every case ``max_k alpha_k . b0``
    (the value the file's vectors claim)."""
    path = Path(path)
    text = path.read_text() if path.is_file() else None
    if text is None:
        raise FileFormatError(f"{path}: no such file")
    H = horizon if horizon is not None else (model.horizon if model.criterion == "finite" else None)
    if path.suffix.lower() == ".pg":
        graph = read_pg(path, n_observations=model.n_observations)
        start, how = policy_graph_start(model, path, graph)
        V = policy_graph_finite_value(model, graph, H) if H is not None else policy_graph_value(model, graph)
        return {"policy": "policy_graph", "nodes": int(graph.action.shape[0]), "horizon": H, "start_node": start,
                "start_rule": how, "value_b0": value_at(model.b0, V[start]), "node_values": V}
    if path.suffix.lower() == ".alpha":
        alpha, action = read_alpha(path, n_states=model.n_states)
        if action.max() >= model.n_actions:
            raise FileFormatError(f"{path}: action {int(action.max())} outside 0..{model.n_actions - 1}")
        out = {"policy": "alpha_vectors", "vectors": int(alpha.shape[0]), "alpha_value_b0": float((alpha @ model.b0).max())}
        if H is not None:
            out["horizon"] = H
            out["value_b0"] = alpha_policy_finite_value(model, alpha, action, H)
        return out
    raise FileFormatError(f"{path}: a POMDP policy file must end in .alpha or .pg")


__all__ = ["read_alpha", "write_alpha", "read_pg", "write_pg", "policy_graph_value", "policy_graph_finite_value",
           "alpha_policy_finite_value", "evaluate_policy_file", "value_at"]
