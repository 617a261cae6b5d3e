"""Indefinite-horizon undiscounted POMDPs with goal states: certified bounds at ``b0``.

Criterion: maximise ``E[sum_{t>=0} R(s_t, a_t)]`` with no discount, the run ending in a *goal state*: a state
that every action keeps with probability 1 at reward 0 (the agent need not know it has arrived, so the goal
must be absorbing under every action).  This is the POMDP form of the stochastic shortest path problem
(Bertsekas & Tsitsiklis 1991, Math. Oper. Res. 16(3)); ZMDP (Smith 2007) solves such models under the name
"undiscounted with absorbing goals".  The model's own discount is ignored: its ``P``, ``O``, ``R``, ``b0`` are
read undiscounted (as :func:`mdplab.pomdp_files.policy_graph_value` does with ``gamma=1.0``).

Refusals (exact, before any search):

* no goal state, or a given goal state that is not absorbing with reward 0 under every action;
* no observation-based policy reaches the goal with probability 1 from ``b0``: decided on the *belief-support
  MDP* of the model in which arrival at the goal is observed (which changes no policy's probability of
  arriving: before arrival the extra signal is constant).  Nodes: the non-goal parts of the supports of
  reachable beliefs, the empty set standing for "arrived"; action ``a`` moves ``B`` to the non-goal support of
  ``b^{a,o}`` for each observation ``o`` of positive probability, and to "arrived" when a goal state is a
  successor.  The almost-sure reachability fixpoint (as in
  :func:`mdplab.solvers.total.almost_sure_goal_states`); belief supports suffice for almost-sure
  reachability in POMDPs (Baier, Bertrand & Groesser 2008, FoSSaCS; Chatterjee, Chmelik & Tracol 2016,
  JCSS 82(5)).  The number of supports is capped by ``max_supports`` (BudgetExceededError);
* the fully observable model, restricted to the states ``W`` from which some policy reaches the goal almost
  surely and to the actions that stay in ``W``, fails the SSP assumptions
  (:func:`mdplab.solvers.total.total_reward_policy_iteration` refuses: a cycle avoiding the goal that earns
  ``>= 0``, where the total reward may be unbounded).

Bounds (HSVI, Smith & Simmons 2004, UAI, Alg. 1-2, with ``gamma = 1``):

* upper: ``V*(b) <= b . V_MDP`` (an agent that sees the state can do anything an observing agent can), where
  ``V_MDP`` is the optimal total reward of the MDP restricted to ``W`` (a belief with mass outside ``W`` has
  ``V* = -inf`` under the SSP assumptions, so any finite entry there, 0, bounds it); then ``n_fib`` sweeps of the fast informed bound operator
  ``Q[s, a] <- R[s, a] + sum_o max_a' sum_s' P[s, a, s'] O[a, s', o] Q[s', a']`` (Hauskrecht 2000, JAIR 13)
  from ``Q_MDP``: the operator dominates the belief Bellman operator ``H`` and is monotone, so from
  ``U >= V* = H V*`` every iterate stays above ``V*`` (and decreases, since the first sweep is below
  ``Q_MDP``); then sawtooth points (Hauskrecht 2000) updated by point backups ``U(b) <- H U (b)``;
* lower: alpha vectors, each the exact value of an executable plan: first the *blind* policies "always
  ``a``", whose value is ``(I - P_a)^{-1} R_a`` on the states from which ``a`` alone reaches the goal with
  probability 1 and ``-inf`` elsewhere (a valid lower bound: that plan may never end there); then HSVI's point
  backups (a conditional plan "play ``a``, then after ``o`` the plan of vector ``k_o``", valued exactly with
  ``0 * (-inf) = 0``).
* search: each trial walks from ``b0``, choosing the action of largest upper Q-value and the observation of
  largest ``Pr(o | b, a) (U - L)(b^{a,o}) - tol`` (Smith & Simmons' excess with ``gamma = 1``), stops when
  that is ``<= 0`` or at ``max_depth``, and backs up both bounds along the path in reverse.  Ties are broken
  uniformly at random with the run's generator (``seed``).

Guarantee: ``lower <= V*(b0) <= upper`` at every step, given the SSP assumptions (Bertsekas & Tsitsiklis 1991,
Assumptions 1-2: a proper policy exists; every improper policy earns ``-inf`` from some state), under which
``V*`` solves the belief Bellman equation ``V* = H V*``.  ``lower`` is the value of a plan (ends with a blind
policy) and may be ``-inf`` when no vector yet terminates from every state of ``b0``'s support.

Deviations: HSVI2's pruning, adaptive depth and lower-bound masking are not implemented; the depth cap
``max_depth`` replaces the discounted depth bound (which does not exist at ``gamma = 1``); the exact refusal
check on belief supports is ours (ZMDP does not check).  Dense arrays; meant for small and medium models.
"""
from __future__ import annotations

import time
from collections import deque

import numpy as np

from ._kernels.belief import belief_successors
from .arrays import readonly
from .errors import BudgetExceededError, ModelError, NotApplicableError, check_seed
from .pomdp import POMDP
from .pomdp_planning import AlphaSet, POMDPSolution, sawtooth

#: Largest number of belief supports the refusal check enumerates (``max_supports``'s default).
MAX_SUPPORTS = 200_000


def pomdp_goal_states(model: POMDP, goal: np.ndarray | list | None = None) -> np.ndarray:
    """Boolean ``(S,)`` goal set: the states absorbing with reward 0 under every action (``goal=None``), or the
    given indices / mask, each checked to be such a state (else :class:`ModelError` naming it)."""
    S, A = model.n_states, model.n_actions
    idx = np.arange(S)
    absorbing = np.all(model.P[idx, :, idx] == 1.0, axis=1) & np.all(model.R == 0.0, axis=1)
    if goal is None:
        mask = absorbing
    else:
        g = np.asarray(goal)
        if g.dtype == bool:
            if g.shape != (S,):
                raise ModelError(f"goal mask must have shape ({S},); got {g.shape}")
            mask = g.copy()
        else:
            if g.ndim != 1 or not np.issubdtype(g.dtype, np.integer) or (g < 0).any() or (g >= S).any():
                raise ModelError(f"goal must be a boolean (S,) mask or state indices in 0..{S - 1}; got {goal!r}")
            mask = np.zeros(S, dtype=bool)
            mask[g] = True
        bad = np.flatnonzero(mask & ~absorbing)
        if bad.size:
            raise ModelError(f"goal state(s) {bad[:10].tolist()} are not absorbing with reward 0 under every action "
                             "(an agent that cannot see it has arrived would leave or keep earning)")
    if not mask.any():
        raise NotApplicableError("no goal state: no state is absorbing with reward 0 under every action, so no "
                                 "policy terminates and the undiscounted total reward is not defined")
    return mask


def almost_sure_goal_from_b0(model: POMDP, goal: np.ndarray, max_supports: int = MAX_SUPPORTS) -> bool:
    """Whether some observation-based policy reaches ``goal`` with probability 1 from ``b0`` (module docstring:
    almost-sure reachability on the belief-support MDP)."""
    A, nO = model.n_actions, model.n_observations
    reach = (model.P > 0)                                       # (S, A, S')
    seen_o = model.O > 0                                        # (A, S', O)
    start = frozenset(np.flatnonzero((model.b0 > 0) & ~goal).tolist())
    index = {start: 0}
    nodes = [start]
    succ: list[list[list[int]]] = []                            # succ[node][a] = successor node ids
    queue = deque([0])
    while queue:
        i = queue.popleft()
        B = np.array(sorted(nodes[i]), dtype=np.int64)
        row: list[list[int]] = []
        if not B.size:                                          # "arrived": absorbing target
            succ.append([[i] for _ in range(A)])
            continue
        for a in range(A):
            nxt = reach[B, a].any(axis=0)                       # successor states
            outcomes = [frozenset()] if (nxt & goal).any() else []
            outcomes += [frozenset(np.flatnonzero(nxt & ~goal & seen_o[a, :, o]).tolist()) for o in range(nO)]
            ids = []
            for k, sup in enumerate(outcomes):
                if k > 0 and not sup:
                    continue
                if sup not in index:
                    if len(nodes) >= max_supports:
                        raise BudgetExceededError(f"the belief-support check met more than max_supports={max_supports} "
                                                  "supports; raise max_supports")
                    index[sup] = len(nodes)
                    nodes.append(sup)
                    queue.append(index[sup])
                ids.append(index[sup])
            row.append(ids)
        succ.append(row)
    n = len(nodes)
    target = np.array([not B for B in nodes])
    W = np.ones(n, dtype=bool)
    while True:                                                 # greatest fixpoint, as for MDPs
        allowed = [[a for a in range(A) if W[succ[i][a]].all()] for i in range(n)]
        ok = target & W
        changed = True
        while changed:
            changed = False
            for i in np.flatnonzero(W & ~ok):
                if any(ok[succ[i][a]].any() for a in allowed[i]):
                    ok[i] = changed = True
        if np.array_equal(ok, W):
            return bool(W[0])
        W = ok


def blind_policy_values(model: POMDP, goal: np.ndarray) -> np.ndarray:
    """``(A, S)``: total reward of "always ``a``" from each state; ``-inf`` where ``a`` alone does not reach the
    goal with probability 1 (there the plan may never end)."""
    S, A = model.n_states, model.n_actions
    out = np.full((A, S), -np.inf)
    for a in range(A):
        adj = model.P[:, a, :] > 0
        can = goal.copy()                                       # states that can reach the goal under a
        while True:
            new = can | adj[:, can].any(axis=1)
            if np.array_equal(new, can):
                break
            can = new
        bad = ~can
        while True:                                             # states that can reach a non-terminating state
            new = bad | adj[:, bad].any(axis=1)
            if np.array_equal(new, bad):
                break
            bad = new
        T = np.flatnonzero(~bad & ~goal)                        # transient states that surely terminate
        out[a, goal] = 0.0
        if T.size:
            out[a, T] = np.linalg.solve(np.eye(T.size) - model.P[np.ix_(T, [a], T)][:, 0, :], model.R[T, a])
    return out


def _values(B: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``B @ alpha.T`` with ``0 * (-inf) = 0`` (a vector's ``-inf`` entries count only where ``b > 0``)."""
    inf = ~np.isfinite(alpha)
    v = B @ np.where(inf, 0.0, alpha).T
    return np.where((B > 0).astype(np.float64) @ inf.T.astype(np.float64) > 0, -np.inf, v)


def _lower_point_backup(PO: np.ndarray, R: np.ndarray, alpha: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, int]:
    """HSVI's lower update at ``b`` (Smith & Simmons 2004): per ``(a, o)`` the best vector at ``b^{a,o}``; the new
    vector is the exact value of the resulting one-step conditional plan."""
    A = R.shape[1]
    best_v, best_vec, best_a = -np.inf, None, 0
    inf = ~np.isfinite(alpha)
    fin = np.where(inf, 0.0, alpha)
    for a in range(A):
        bo = np.einsum("s,sto->ot", b, PO[a])                   # unnormalised b^{a,o}: (O, S')
        k = np.argmax(_values(bo, alpha), axis=1)               # (O,)
        vec = R[:, a] + np.einsum("sto,ot->s", PO[a], fin[k])
        leak = np.einsum("sto,ot->s", PO[a], inf[k].astype(np.float64)) > 0
        vec = np.where(leak, -np.inf, vec)
        v = float(_values(b[None], vec[None])[0, 0])
        if best_vec is None or v > best_v:
            best_v, best_vec, best_a = v, vec, a
    return best_vec, best_a


def _argmax_random(x: np.ndarray, rng: np.random.Generator) -> int:
    ties = np.flatnonzero(x == x.max())
    return int(ties[0]) if ties.size == 1 else int(rng.choice(ties))


def goal_pomdp_bounds(model: POMDP, goal: np.ndarray | list | None = None, *, tol: float = 1e-3,
                      max_trials: int = 1000, max_seconds: float = 60.0, max_depth: int = 200, n_fib: int = 1000,
                      seed: int = 0, max_supports: int = MAX_SUPPORTS) -> POMDPSolution:
    """Certified ``[lower, upper]`` on the optimal undiscounted total reward at ``b0`` (module docstring).

    Stops when ``upper - lower <= tol``, after ``max_trials`` trials (the rule that makes the answer a function of
    ``seed`` alone) or ``max_seconds`` (checked between trials).  Returns a :class:`POMDPSolution` with
    ``value = lower``, ``alpha`` (the lower bound's plan vectors and first actions), ``history`` rows
    ``(seconds, lower, upper)``, ``info``: ``goal`` mask, ``mdp_values`` (``V_MDP``), ``fib_q`` (the upper
    bound's ``Q``), ``n_upper_points``."""
    from .models import MDP
    from .solvers.total import almost_sure_goal_states, total_reward_policy_iteration

    if not isinstance(model, POMDP):
        raise ModelError(f"goal_pomdp_bounds takes an mdplab POMDP; got {type(model).__name__}")
    if not (isinstance(max_seconds, (int, float)) and max_seconds > 0):
        raise ModelError(f"max_seconds must be a number > 0; got {max_seconds!r}")
    if not (isinstance(tol, (int, float)) and np.isfinite(tol) and tol >= 0):
        raise ModelError(f"tol must be a finite number >= 0; got {tol!r}")
    for name, val in (("max_trials", max_trials), ("max_depth", max_depth), ("n_fib", n_fib),
                      ("max_supports", max_supports)):
        if not isinstance(val, (int, np.integer)) or isinstance(val, bool) or val < 0:
            raise ModelError(f"{name} must be an integer >= 0; got {val!r}")
    rng = np.random.default_rng(check_seed(seed))
    t0 = time.perf_counter()
    S, A, nO = model.n_states, model.n_actions, model.n_observations
    P, O, R = np.ascontiguousarray(model.P), np.ascontiguousarray(model.O), np.ascontiguousarray(model.R)
    b0 = np.ascontiguousarray(model.b0)
    goal = pomdp_goal_states(model, goal)
    if not almost_sure_goal_from_b0(model, goal, max_supports):
        raise NotApplicableError("no proper policy: no observation-based policy reaches a goal state with probability "
                                 "1 from b0 (belief-support check), so the undiscounted total reward is not defined "
                                 "for every policy; use a discount")
    # ---- upper bound: V_MDP on the states from which the goal can be reached almost surely, then FIB sweeps
    full = MDP(P, R, average_reward=True)
    W, _ = almost_sure_goal_states(full, goal)
    idx = np.flatnonzero(W)
    keep = np.array([[bool(W[P[s, a] > 0].all()) for a in range(A)] for s in idx])   # actions that stay in W
    P_sub = P[np.ix_(idx, np.arange(A), idx)].copy()
    P_sub[~keep] = np.eye(idx.size)[np.nonzero(~keep)[0]]      # placeholder rows of infeasible actions
    sub = MDP(P_sub, np.where(keep, R[idx], -np.inf), average_reward=True)
    try:
        v_sub = total_reward_policy_iteration(sub).values
    except NotApplicableError as exc:
        raise NotApplicableError(f"the fully observable model fails the stochastic-shortest-path assumptions, so no "
                                 f"finite upper bound is available: {exc}") from None
    # Outside W no policy terminates, so (SSP assumption) V* = -inf on every belief with mass there: any finite
    # entry is an upper bound; 0 is used.
    v_mdp = np.zeros(S)
    v_mdp[idx] = v_sub
    PO = np.einsum("sat,ato->asto", P, O)                       # (A, S, S', O)
    M = np.ascontiguousarray(np.einsum("sat,ato->aost", P, O))  # (A, O, S, S')
    Q = R + np.einsum("sat,t->sa", P, v_mdp)                    # Q_MDP
    for _ in range(n_fib):
        Qn = R + np.max(M @ Q, axis=3).sum(axis=1).T            # FIB operator, gamma = 1
        Qn = np.minimum(Qn, Q)                                  # monotone: never above the previous bound
        done = float(np.max(Q - Qn)) <= 1e-13 * max(1.0, float(np.abs(Q).max()))
        Q = Qn
        if done:
            break
    corners = Q.max(axis=1).copy()
    pts, vals = np.zeros((0, S)), np.zeros(0)
    alpha = np.ascontiguousarray(blind_policy_values(model, goal))
    action = np.arange(A, dtype=np.int64)
    pred, succ, prob = np.empty(S), np.empty((A, nO, S)), np.empty((A, nO))

    def U(B: np.ndarray) -> np.ndarray:
        return np.minimum(np.max(B @ Q, axis=1), sawtooth(pts, vals, corners, B))

    def L(B: np.ndarray) -> np.ndarray:
        return np.max(_values(B, alpha), axis=1)

    def upper_q(b: np.ndarray) -> np.ndarray:
        belief_successors(P, O, b, pred, succ, prob)
        Uo = U(succ.reshape(A * nO, S)).reshape(A, nO)
        return b @ R + np.sum(np.where(prob > 0, prob * Uo, 0.0), axis=1)

    hist = [(time.perf_counter() - t0, float(L(b0[None])[0]), float(U(b0[None])[0]))]
    trials = 0
    while (hist[-1][2] - hist[-1][1] > tol and trials < max_trials and time.perf_counter() - t0 < max_seconds):
        trials += 1
        path = [b0]
        b = b0
        for _ in range(max_depth):
            a = _argmax_random(upper_q(b), rng)
            nxt, p = succ[a].copy(), prob[a].copy()
            with np.errstate(invalid="ignore"):
                gaps = U(nxt) - L(nxt)
                excess = np.where(p > 0, p * (gaps - tol), -np.inf)
            o = _argmax_random(excess, rng)
            if not excess[o] > 0:
                break
            b = nxt[o]
            path.append(b)
        for b in reversed(path):
            vec, a = _lower_point_backup(PO, R, alpha, b)
            if _values(b[None], vec[None])[0, 0] > L(b[None])[0] + 1e-12:
                alpha = np.ascontiguousarray(np.vstack([alpha, vec]))
                action = np.append(action, a)
            v = float(np.max(upper_q(b)))
            if v < float(U(b[None])[0]) - 1e-12:
                pts = np.ascontiguousarray(np.vstack([pts, b]))
                vals = np.append(vals, v)
        hist.append((time.perf_counter() - t0, max(hist[-1][1], float(L(b0[None])[0])),
                     min(hist[-1][2], float(U(b0[None])[0]))))
    lower, upper = hist[-1][1], hist[-1][2]
    V = AlphaSet(alpha=readonly(alpha), action=readonly(action),
                 next=readonly(np.full((alpha.shape[0], nO), -1, dtype=np.int64)))
    return POMDPSolution(value=lower, lower=lower, upper=upper, alpha=V, iterations=trials,
                         converged=upper - lower <= tol, method="goal_hsvi", seconds=time.perf_counter() - t0,
                         history=np.asarray(hist),
                         info={"goal": readonly(goal), "mdp_values": readonly(v_mdp), "fib_q": readonly(Q),
                               "n_upper_points": int(pts.shape[0])})


def goal_pomdp_summary(model: POMDP, goal: np.ndarray | list | None = None, *, tol: float = 1e-3,
                       max_trials: int = 1000, max_seconds: float = 60.0, seed: int = 0) -> dict:
    """:func:`goal_pomdp_bounds` as a plain dict (what ``mdplab solve FILE.POMDP --total-reward`` prints): keys
    ``criterion`` (``"total"``), ``value`` (= ``lower``: the exact value of an executable plan, as for the
    discounted POMDP summary), ``lower``, ``upper`` (``lower <= V*(b0) <= upper``; ``lower`` may be ``-inf``),
    ``converged`` and ``certified`` (both ``upper - lower <= tol``), ``tol``, ``seconds``, ``method``,
    ``iterations`` (trials), ``goal_states`` (indices) and, for a model with state names, ``goal_state_names``."""
    sol = goal_pomdp_bounds(model, goal, tol=tol, max_trials=max_trials, max_seconds=max_seconds, seed=seed)
    g = np.flatnonzero(sol.info["goal"])
    out = {"criterion": "total", "value": sol.value, "lower": sol.lower, "upper": sol.upper,
           "converged": bool(sol.converged), "certified": bool(sol.converged), "tol": tol, "seconds": sol.seconds,
           "method": sol.method, "iterations": sol.iterations, "goal_states": [int(s) for s in g]}
    names = getattr(model, "state_names", None)
    if names:
        out["goal_state_names"] = [str(names[s]) for s in g]
    return out


__all__ = ["goal_pomdp_bounds", "goal_pomdp_summary", "pomdp_goal_states", "almost_sure_goal_from_b0",
           "blind_policy_values", "MAX_SUPPORTS"]
