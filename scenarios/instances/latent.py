"""Latent-MDP instance families for the horizon-free LMDP learner (zhou2023lmdp), each with its exact
quantities.  Pure builders: they register nothing.  **These families are ours** (docs/theory/zhou2023lmdp.md, Instances; design
proxies), built to display the rates; none is the paper's lower-bound construction, which we could not read.

* :func:`hidden_tree_bandit`: ``HiddenTreeBandit(M, D, A, q, eps, tail)``.  A shared start ``g0`` and an
  identification gadget of ``T = ceil(log2 M)`` bit states (context ``m``'s path spells ``m`` in binary, so
  after the gadget the belief is a point mass); a complete binary tree of depth ``D`` (actions 0/1 go left/right,
  others copy action 0); at leaf ``l`` action ``a`` reaches ``good`` with probability ``q + eps [(l, a) =
  (l*_m, a*_m)]``, else ``bad``; ``good`` pays 1 and ``bad`` 0 on the way to an absorbing ``sink``; ``tail``
  extra steps in the sink.  ``S = 1 + 2T + (2^(D+1) - 1) + 3`` (independent of ``tail``),
  ``H = T + D + 3 + tail`` (one more than the notes' count: our start state ``g0`` takes a step), Gamma = 2.
  Closed forms: ``V* = q + eps``, ``Var^{pi*} = (q + eps)(1 - q - eps)``, ``Var_max = max_{p in {q, q+eps}}
  p (1 - p)`` (every policy pulls exactly one arm per episode; derivation in docs/theory/zhou2023lmdp.md).
* :func:`det_lmdp`: ``DetLMDP(M, S, A, H)``: random deterministic transitions per context (Gamma = 1), a
  shared start state, rewards ``U[0, 1] / H``; every return is deterministic given the context, so both Var*
  candidates are 0.
* :func:`rand_lmdp`: ``RandLMDP(M, S, A, Gamma, H)``: each ``P_m(.|s, a)`` a Dirichlet(1) draw on a random
  support of size Gamma, rewards ``U[0, 1] / H``, random initial laws.
* :func:`two_branch`: two contexts; a start state reveals the context, then two branches: branch ``b`` reaches
  ``good_b`` with probability ``q + eps [b = m]`` and each branch ends in its own absorbing sink for ``tail``
  steps.  ``V* = q + eps``.  Optimism inflates the value of a rarely visited sink in proportion to
  ``tail`` times the per-step bonus: a Hoeffding bonus (``~ sqrt(1/n)`` per step) keeps the worse branch
  attractive for a number of episodes growing with ``H``; a Bernstein bonus on the deterministic sink is
  ``~ 1/n`` per step and its sum over the tail stays bounded (the horizon-free mechanism).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mdplab.errors import ModelError, check_seed
from mdplab.lmdp import LatentMDP, check_total_reward, lmdp_value_iteration


@dataclass(frozen=True)
class LatentInstance:
    """An LMDP with its quantities: ``v_star`` (closed form where one exists, else the exact planner),
    ``var_star_opt`` = Var^{pi*} and ``var_star_max`` = max_pi Var^pi (``None`` when not available in closed
    form; :mod:`algorithms.horizon_free_quantities` computes both on tiny models), ``gamma`` (from the
    model), ``name``, ``source``."""

    lmdp: LatentMDP
    v_star: float
    var_star_opt: float | None
    var_star_max: float | None
    gamma: int
    name: str
    source: str
    params: dict


def _gamma(P: np.ndarray) -> int:
    return int(np.max(np.sum(P > 0, axis=3)))


def hidden_tree_bandit_sizes(M: int, D: int, tail: int, bits: int | None = None) -> tuple[int, int, int]:
    """``(T, S, H)`` of :func:`hidden_tree_bandit` (``T = bits``, default ``ceil(log2 M)``)."""
    T = (int(math.ceil(math.log2(M))) if M > 1 else 0) if bits is None else int(bits)
    return T, 1 + 2 * T + (2 ** (D + 1) - 1) + 3, T + D + 3 + tail


def hidden_tree_bandit(M: int, D: int, A: int, q: float, eps: float, tail: int = 0, seed: int = 0,
                       bits: int | None = None, distinct: bool = False) -> LatentInstance:
    """See the module docstring; the secret arm ``(l*_m, a*_m)`` of each context is drawn with ``seed``.
    ``bits``: the gadget's width ``T`` (default ``ceil(log2 M)``; a larger value pads the gadget so that ``S``
    and ``H`` stay fixed while ``M`` varies, as the M-rate scenario needs; ``2^bits >= M`` required).
    ``distinct=True``: the ``M`` secret arms are drawn without replacement among the ``2^D A`` arms (needs
    ``M <= 2^D A``), so a context-blind policy can serve one context only: its value is ``q + eps / M``."""
    if isinstance(M, bool) or int(M) != M or M < 1 or int(D) != D or D < 0 or int(A) != A or A < 2:
        raise ModelError(f"hidden_tree_bandit needs integers M >= 1, D >= 0, A >= 2; got M={M}, D={D}, A={A}")
    if not (0 <= q and eps >= 0 and q + eps <= 1):
        raise ModelError(f"hidden_tree_bandit needs 0 <= q, 0 <= eps, q + eps <= 1; got q={q}, eps={eps}")
    if int(tail) != tail or tail < 0:
        raise ModelError(f"tail must be an integer >= 0; got {tail!r}")
    M, D, A, tail = int(M), int(D), int(A), int(tail)
    if bits is not None and (isinstance(bits, bool) or int(bits) != bits or bits < 0 or 2 ** int(bits) < M):
        raise ModelError(f"hidden_tree_bandit needs an integer bits with 2^bits >= M={M}; got bits={bits!r}")
    rng = np.random.default_rng(check_seed(seed))
    T, S, H = hidden_tree_bandit_sizes(M, D, tail, bits)
    bit = lambda t, b: 1 + 2 * t + b                     # noqa: E731  (bit state of level t = 0..T-1)
    root = 1 + 2 * T
    n_tree = 2 ** (D + 1) - 1
    good, bad, sink = root + n_tree, root + n_tree + 1, root + n_tree + 2
    L = 2 ** D
    if distinct:
        if M > L * A:
            raise ModelError(f"hidden_tree_bandit(distinct=True) needs M <= 2^D A = {L * A}; got M={M}")
        flat = rng.choice(L * A, size=M, replace=False)
        secret_leaf, secret_arm = flat // A, flat % A
    else:
        secret_leaf = rng.integers(L, size=M)
        secret_arm = rng.integers(A, size=M)
    P = np.zeros((M, S, A, S))
    R = np.zeros((M, S, A))
    for m in range(M):
        code = [(m >> (T - 1 - t)) & 1 for t in range(T)]
        path = [0] + [bit(t, code[t]) for t in range(T)] + [root]
        for x, y in zip(path[:-1], path[1:]):
            P[m, x, :, y] = 1.0
        for t in range(T):                               # bit states off context m's path: any fixed successor
            for b in range(2):
                if b != code[t]:
                    P[m, bit(t, b), :, root if t == T - 1 else bit(t + 1, 0)] = 1.0
        for i in range(n_tree):
            node = root + i
            if i < L - 1:                                # internal node: 0 left, 1 right, others copy 0
                for a in range(A):
                    P[m, node, a, root + 2 * i + (2 if a == 1 else 1)] = 1.0
            else:
                leaf = i - (L - 1)
                for a in range(A):
                    p = q + (eps if (leaf == secret_leaf[m] and a == secret_arm[m]) else 0.0)
                    P[m, node, a, good] += p
                    P[m, node, a, bad] += 1.0 - p
        P[m, good, :, sink] = P[m, bad, :, sink] = P[m, sink, :, sink] = 1.0
        R[m, good, :] = 1.0
    nu = np.zeros((M, S))
    nu[:, 0] = 1.0
    lmdp = LatentMDP(P, R, np.full(M, 1.0 / M), nu, horizon=H)
    p_star = q + eps
    return LatentInstance(lmdp, p_star, p_star * (1 - p_star), max(q * (1 - q), p_star * (1 - p_star)),
                          _gamma(P), f"HiddenTreeBandit(M={M},D={D},A={A},q={q:g},eps={eps:g},tail={tail})",
                          "ours (docs/theory/zhou2023lmdp.md, Instances; design proxy; not the paper's construction)",
                          dict(M=M, D=D, A=A, q=q, eps=eps, tail=tail, seed=seed, bits=T, distinct=bool(distinct), secret_leaf=secret_leaf.tolist(),
                               secret_arm=secret_arm.tolist()))


def hard_eps(q: float, M: int, D: int, A: int, K: int, c: float = 1.0) -> float:
    """``eps = c sqrt(q L A M / K)`` capped at ``q`` (the minimax regime of :func:`hidden_tree_bandit`, ``L = 2^D``)."""
    return float(min(q, c * math.sqrt(q * (2 ** D) * A * M / K)))


def det_lmdp(M: int, S: int, A: int, H: int, seed: int = 0) -> LatentInstance:
    """See the module docstring; ``V*`` from the exact planner."""
    rng = np.random.default_rng(check_seed(seed))
    nxt = rng.integers(S, size=(M, S, A))
    P = np.zeros((M, S, A, S))
    np.put_along_axis(P, nxt[..., None], 1.0, axis=3)
    R = rng.random((M, S, A)) / H
    nu = np.zeros((M, S))
    nu[:, 0] = 1.0
    lmdp = LatentMDP(P, R, np.full(M, 1.0 / M), nu, horizon=H)
    return LatentInstance(lmdp, lmdp_value_iteration(lmdp).value, 0.0, 0.0, 1, f"DetLMDP(M={M},S={S},A={A},H={H})",
                          "ours (docs/theory/zhou2023lmdp.md)", dict(M=M, S=S, A=A, H=H, seed=seed))


def rand_lmdp(M: int, S: int, A: int, Gamma: int, H: int, seed: int = 0) -> LatentInstance:
    """See the module docstring; ``V*`` from the exact planner, Var* left to the quantity functions."""
    if not 1 <= Gamma <= S:
        raise ModelError(f"rand_lmdp needs 1 <= Gamma <= S; got Gamma={Gamma}, S={S}")
    rng = np.random.default_rng(check_seed(seed))
    P = np.zeros((M, S, A, S))
    for m in range(M):
        for s in range(S):
            for a in range(A):
                supp = rng.choice(S, size=Gamma, replace=False)
                P[m, s, a, supp] = rng.dirichlet(np.ones(Gamma))
    R = rng.random((M, S, A)) / H
    lmdp = LatentMDP(P, R, np.full(M, 1.0 / M), rng.dirichlet(np.ones(S), size=M), horizon=H)
    return LatentInstance(lmdp, lmdp_value_iteration(lmdp).value, None, None, _gamma(P),
                          f"RandLMDP(M={M},S={S},A={A},Gamma={Gamma},H={H})", "ours (docs/theory/zhou2023lmdp.md)",
                          dict(M=M, S=S, A=A, Gamma=Gamma, H=H, seed=seed))


def two_branch(q: float, eps: float, tail: int) -> LatentInstance:
    """See the module docstring.  States: 0 start, 1-2 context states, 3-4 branch states, 5-6 good_b, 7-8 bad_b,
    9-10 sink_b; ``H = 5 + tail``."""
    if not (0 <= q and eps >= 0 and q + eps <= 1) or int(tail) != tail or tail < 0:
        raise ModelError(f"two_branch needs 0 <= q, eps >= 0, q + eps <= 1, integer tail >= 0; got {q}, {eps}, {tail}")
    M, S, A = 2, 11, 2
    P = np.zeros((M, S, A, S))
    R = np.zeros((M, S, A))
    for m in range(M):
        P[m, 0, :, 1 + m] = 1.0
        for x in (1, 2):
            for b in range(2):
                P[m, x, b, 3 + b] = 1.0
        for b in range(2):
            p = q + (eps if b == m else 0.0)
            P[m, 3 + b, :, 5 + b] = p
            P[m, 3 + b, :, 7 + b] = 1.0 - p
            P[m, 5 + b, :, 9 + b] = P[m, 7 + b, :, 9 + b] = P[m, 9 + b, :, 9 + b] = 1.0
            R[m, 5 + b, :] = 1.0
    nu = np.zeros((M, S))
    nu[:, 0] = 1.0
    lmdp = LatentMDP(P, R, np.full(M, 0.5), nu, horizon=5 + int(tail))
    check_total_reward(lmdp)
    p = q + eps
    return LatentInstance(lmdp, p, p * (1 - p), max(q * (1 - q), p * (1 - p)), 2,
                          f"TwoBranch(q={q:g},eps={eps:g},tail={tail})", "ours (issue 17 §3)",
                          dict(q=q, eps=eps, tail=tail))


__all__ = ["LatentInstance", "hidden_tree_bandit", "hidden_tree_bandit_sizes", "hard_eps", "det_lmdp", "rand_lmdp",
           "two_branch"]


#: named latent environments for ``mdplab regret ... --learner lmdp-hf``
NAMED_LATENT_ENVIRONMENTS = {
    "hidden_tree:M,D,A,q,eps,tail,seed": "HiddenTreeBandit (ours; V* = q + eps)",
    "two_branch:q,eps,tail": "TwoBranch (ours; V* = q + eps)",
    "det_lmdp:M,S,A,H,seed": "DetLMDP (ours; Var* = 0)",
}


def lmdp_environment(env: str, horizon: int | None = None) -> tuple[str, LatentMDP]:
    """``(name, LatentMDP)`` for a latent-MDP ``.npz`` file (total reward <= 1 required, :func:`mdplab.lmdp.
    load_lmdp`) or a name of :data:`NAMED_LATENT_ENVIRONMENTS`; ``horizon`` overrides a file's horizon."""
    from pathlib import Path

    from mdplab.lmdp import load_lmdp

    if env.endswith(".npz"):
        if not Path(env).is_file():
            raise ModelError(f"no model file {env}")
        return env, load_lmdp(env, horizon=horizon, total_reward_le_1=True)
    if horizon is not None:
        raise ModelError(f"--horizon applies to .npz latent-MDP files; the named environment {env!r} sets its own")
    head, _, tail = env.partition(":")
    try:
        nums = [float(x) for x in tail.split(",")] if tail else []
    except ValueError:
        raise ModelError(f"environment {env!r}: {tail!r} holds a non-number") from None
    shapes = {"hidden_tree": 7, "two_branch": 3, "det_lmdp": 5}
    if head not in shapes:
        raise ModelError(f"unknown latent environment {env!r}: give a .npz file or one of "
                         f"{sorted(NAMED_LATENT_ENVIRONMENTS)}")
    if len(nums) != shapes[head]:
        raise ModelError(f"environment {env!r}: expected {shapes[head]} comma-separated numbers after ':'")
    if head == "hidden_tree":
        M, D, A, q, eps, tl, seed = nums
        return env, hidden_tree_bandit(int(M), int(D), int(A), q, eps, int(tl), int(seed)).lmdp
    if head == "two_branch":
        return env, two_branch(nums[0], nums[1], int(nums[2])).lmdp
    M, S, A, H, seed = (int(x) for x in nums)
    return env, det_lmdp(M, S, A, H, seed).lmdp
