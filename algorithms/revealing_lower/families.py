"""Episodic layered POMDPs and the hard families for the revealing-POMDP lower bounds.

Source: F. Chen, H. Wang, C. Xiong, S. Mei, Y. Bai, *Lower Bounds for Learning in Revealing POMDPs*, ICML 2023
(PMLR 202:5104-5161), arXiv:2302.01333 (version not recorded), bibkey ``chen2023revealing``.  The paper's hard
instances adapt distribution testing (Paninski's uniformity-testing family) to m-step revealing POMDPs; the
paper's exact construction was NOT retrieved, so the families below are mdplab RECONSTRUCTIONS that reproduce
the mechanism the abstract names (docs/theory/chen2023revealing.md, "Hard families"):

* :func:`reveal_test` ("RevealTest(A, Dtree, n, alpha, eps)"): an A-ary, fully revealing navigation tree of
  depth ``Dtree`` whose leaf actions pick one of ``K = A^(Dtree+1)`` candidates; a candidate leads to a test
  layer of ``2n`` latent states ``(i, sigma)`` that emit only ``i``; a bet (actions 0, 1) or, when ``A >= 3``,
  a reveal action moves to an outcome layer ``{WIN, LOSE, COPY+, COPY-}`` whose emissions are alpha-noisy.
  Null: every candidate's test law is uniform; alternative ``(c*, z)``: candidate ``c*`` has
  ``mu(i, sigma) = (1 + sigma eps z_i) / (2n)`` (Paninski's family).  The test layer is not 1-step revealing
  (``rank = n < 2n``); the 2-step emission-action matrix is.  Reward 1 on the last observation ``W``.
  ``delay = d`` inserts ``d`` blank layers before the outcome layer: ``m = d + 2``-step revealing.
* :func:`reveal_test` with ``control=True`` ("1-step control"): the test layer emits ``(i, sigma)``; the
  instance is 1-step revealing and no search is needed.
* :func:`leaky` : the BROKEN environment: the first observation also carries the hidden index (``c*``, ``z``);
  used to show that the ``lower`` check fires when a learner beats the bound with leaked information.
* :func:`costly_reveal` : the costly-information bandit-POMDP of the regret experiment (H = 2, a hidden sign
  ``z``, per-episode latent ``sigma`` with ``P(sigma = z) = (1 + eps)/2``; bets pay ``1[bet = sigma]`` in the
  LATENT reward and emit nothing informative; the probe pays 0 and emits ``sigma`` with alpha noise).  With
  ``control=True`` the bet's outcome is emitted (``W``/``L`` with alpha noise), so betting itself is informative.

Model conventions (the paper's episodic model, B1.1 of our notes): step ``h`` latent ``s_h`` emits
``o_h ~ E[h][:, s_h]``; the agent plays ``a_h``; ``s_{h+1} ~ T[h][s_h, a_h, :]``.  Per-step state spaces differ
(layered).  Rewards: ``r[h][o]`` a known function of the observation (the paper's convention), or, for
:func:`costly_reveal` only, a latent reward ``rs[h][s, a]`` (partial monitoring: the reward is not observed).
The total reward is at most 1 (the paper's normalisation).

Exact planning and evaluation by enumeration of observation histories (:func:`optimal_value`,
:func:`policy_value`); :func:`to_pomdp` writes the time-expanded model as an :class:`mdplab.pomdp.POMDP` with
horizon ``H + 1`` so :func:`mdplab.pomdp_planning.finite_horizon_value_iteration` gives an independent value.

Deviations: the families are reconstructions (see above); :func:`costly_reveal` uses unobserved latent rewards,
which the paper's model (rewards a function of observations) does not allow -- it is our partial-monitoring
illustration of costly information, not the paper's Theorem 4.1 instance.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from mdplab.arrays import readonly
from mdplab.errors import BudgetExceededError, ModelError

BIBKEY = "chen2023revealing"

#: enumeration budget (number of (history, observation) nodes) for exact planning / evaluation / laws
MAX_NODES = 2_000_000

History = tuple  # ((o_0, a_0), (o_1, a_1), ...) of the steps already played
Policy = Callable[[History, int, int], int]     # policy(history, h, o_h) -> a_h


@dataclass(frozen=True)
class EpisodicPOMDP:
    """Layered episodic POMDP: ``T[h]`` ``(S_h, A, S_{h+1})`` for ``h < H - 1``, ``E[h]`` ``(O_h, S_h)``,
    observation rewards ``r[h]`` ``(O_h,)``, optional latent rewards ``rs[h]`` ``(S_h, A)``, ``mu`` ``(S_0,)``."""

    T: tuple
    E: tuple
    r: tuple
    mu: np.ndarray
    A: int
    rs: tuple | None = None
    meta: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        ro = lambda xs: tuple(readonly(np.array(x, dtype=np.float64)) for x in xs)    # noqa: E731
        object.__setattr__(self, "T", ro(self.T))
        object.__setattr__(self, "E", ro(self.E))
        object.__setattr__(self, "r", ro(self.r))
        object.__setattr__(self, "mu", readonly(np.array(self.mu, dtype=np.float64)))
        if self.rs is not None:
            object.__setattr__(self, "rs", ro(self.rs))
        H = len(self.E)
        if H < 1 or len(self.T) != H - 1 or len(self.r) != H:
            raise ModelError(f"need H emission matrices, H rewards and H - 1 transitions; got {len(self.E)}, "
                             f"{len(self.r)}, {len(self.T)}")
        for h, E in enumerate(self.E):
            if not np.allclose(E.sum(axis=0), 1.0, atol=1e-12) or (E < 0).any():
                raise ModelError(f"E[{h}] columns must be probability vectors")
            if self.r[h].shape != (E.shape[0],):
                raise ModelError(f"r[{h}] must have shape (O_{h},) = ({E.shape[0]},); got {self.r[h].shape}")
        for h, T in enumerate(self.T):
            if T.shape != (self.E[h].shape[1], self.A, self.E[h + 1].shape[1]):
                raise ModelError(f"T[{h}] must have shape (S_{h}, A, S_{h + 1}); got {T.shape}")
            if not np.allclose(T.sum(axis=2), 1.0, atol=1e-12) or (T < 0).any():
                bad = np.argwhere(np.abs(T.sum(axis=2) - 1.0) > 1e-12)
                raise ModelError(f"T[{h}] rows must be probability vectors (first bad (s, a): {bad[:1].tolist()})")

    @property
    def H(self) -> int:
        return len(self.E)

    @property
    def n_states(self) -> int:
        """Total number of latent states over all layers (the S of the bounds)."""
        return int(sum(E.shape[1] for E in self.E))

    def reward(self, h: int, o: int, f: np.ndarray, a: int | None) -> float:
        """Expected step-h reward given observation ``o``, the unnormalised belief ``f`` (already conditioned on
        ``o``) and action ``a``, times the mass of ``f``."""
        val = float(self.r[h][o] * f.sum())
        if self.rs is not None and a is not None:
            val += float(f @ self.rs[h][:, a])
        return val


def _reveal_emissions(alpha: float) -> np.ndarray:
    """Outcome layer emissions over {W, Lo, P, M} of states {WIN, LOSE, COPY+, COPY-}: alpha-noisy copies."""
    hi, lo = (1 + alpha) / 2, (1 - alpha) / 2
    E = np.zeros((4, 4))
    E[[0, 1], 0] = hi, lo          # WIN emits W w.p. (1 + alpha)/2
    E[[0, 1], 1] = lo, hi          # LOSE: the reverse
    E[[2, 3], 2] = hi, lo          # COPY+ emits P w.p. (1 + alpha)/2
    E[[2, 3], 3] = lo, hi
    return E


def paninski_law(n: int, eps: float, z: Sequence[int] | None) -> np.ndarray:
    """Paninski's law on the 2n points (i, sigma), index ``2 i + (0 if sigma = +1 else 1)``:
    ``(1 + sigma eps z_i) / (2n)``; uniform when ``z`` is None."""
    if z is None:
        return np.full(2 * n, 1.0 / (2 * n))
    z = np.asarray(z, dtype=float)
    if z.shape != (n,) or not np.all(np.abs(z) == 1):
        raise ModelError(f"z must be a sign vector of length n = {n}")
    p = np.empty(2 * n)
    p[0::2] = (1 + eps * z) / (2 * n)
    p[1::2] = (1 - eps * z) / (2 * n)
    return p


def reveal_test(A: int, Dtree: int, n: int, alpha: float, eps: float, c_star: int | None = None,
                z: Sequence[int] | None = None, *, control: bool = False, delay: int = 0) -> EpisodicPOMDP:
    """RevealTest(A, Dtree, n, alpha, eps) with special candidate ``c_star`` (None: the null ``M_0``) and sign
    vector ``z``.  Candidate ``c = l * A + a`` for leaf ``l`` (row-major over the tree) and leaf action ``a``.
    ``delay = d`` inserts ``d`` blank layers between the test and outcome layers (the outcome state is carried
    through them whatever the action): the test layer is then ``m = d + 2``-step revealing and no fewer."""
    for name, v in (("A", A), ("Dtree", Dtree), ("n", n), ("delay", delay)):
        if isinstance(v, bool) or not float(v).is_integer():
            raise ModelError(f"reveal_test: {name} must be an integer; got {v!r}")
    A, Dtree, n, delay = int(A), int(Dtree), int(n), int(delay)
    if A < 2 or Dtree < 0 or n < 1 or delay < 0:
        raise ModelError(f"reveal_test needs A >= 2, Dtree >= 0, n >= 1, delay >= 0; got A={A}, Dtree={Dtree}, "
                         f"n={n}, delay={delay}")
    if not (np.isfinite(alpha) and np.isfinite(eps)) or not (0 < alpha <= 1) or not (0 <= eps <= 1):
        raise ModelError(f"reveal_test needs 0 < alpha <= 1 and 0 <= eps <= 1; got alpha={alpha}, eps={eps}")
    L = A ** Dtree
    K = L * A
    if (c_star is None) != (z is None):
        raise ModelError("give both c_star and z (an alternative) or neither (the null)")
    if c_star is not None and not (0 <= c_star < K):
        raise ModelError(f"c_star must lie in [0, K) = [0, {K}); got {c_star}")
    T, E, r = [], [], []
    for d in range(Dtree + 1):                       # tree layers: node j at depth d emits its own id
        E.append(np.eye(A ** d))
        r.append(np.zeros(A ** d))
        if d < Dtree:
            Td = np.zeros((A ** d, A, A ** (d + 1)))
            for j in range(A ** d):
                for a in range(A):
                    Td[j, a, j * A + a] = 1.0
            T.append(Td)
    Tleaf = np.zeros((L, A, 2 * n))                  # leaf l, action a -> candidate c's test law mu_c
    for l in range(L):
        for a in range(A):
            c = l * A + a
            Tleaf[l, a] = paninski_law(n, eps, z if c == c_star else None)
    T.append(Tleaf)
    if control:                                      # 1-step control: (i, sigma) emitted
        E.append(np.eye(2 * n))
    else:
        Et = np.zeros((n, 2 * n))                    # test state (i, sigma) emits "pair i" only
        for i in range(n):
            Et[i, 2 * i] = Et[i, 2 * i + 1] = 1.0
        E.append(Et)
    r.append(np.zeros(E[-1].shape[0]))
    Ttest = np.zeros((2 * n, A, 4))
    for i in range(n):
        for k, sigma in enumerate((+1, -1)):
            s = 2 * i + k
            Ttest[s, 0, 0 if sigma == +1 else 1] = 1.0       # bet + wins iff sigma = +
            Ttest[s, 1, 0 if sigma == -1 else 1] = 1.0       # bet - wins iff sigma = -
            for a in range(2, A):
                Ttest[s, a, 2 if sigma == +1 else 3] = 1.0   # reveal -> COPY_sigma
    T.append(Ttest)
    for _ in range(delay):                          # blank layers carrying WIN / LOSE / COPY+ / COPY-
        E.append(np.ones((1, 4)))
        r.append(np.zeros(1))
        T.append(np.repeat(np.eye(4)[:, None, :], A, axis=1))
    E.append(_reveal_emissions(alpha))
    r.append(np.array([1.0, 0.0, 0.0, 0.0]))                # reward 1 on W at the last step
    meta = dict(family="reveal_test", A=A, Dtree=Dtree, n=n, alpha=alpha, eps=eps, K=K, L=L, c_star=c_star,
                z=None if z is None else tuple(int(v) for v in z), control=control, delay=delay, m=1 if control and delay == 0 else delay + 2,
                test_step=Dtree + 1, normalisation="stacked")
    return EpisodicPOMDP(tuple(T), tuple(E), tuple(r), np.ones(1), A, meta=meta)


def leaky(model: EpisodicPOMDP) -> EpisodicPOMDP:
    """BROKEN variant: the root emits the hidden index, observation ``1 + c*`` (0 for the null), at step 0;
    nothing else changes (values are those of ``model``).  A learner that reads its first observation skips the
    search.  Used only to show the ``lower`` check fires."""
    K = model.meta["K"]
    c = model.meta.get("c_star")
    E0 = np.zeros((K + 1, 1))
    E0[0 if c is None else 1 + c, 0] = 1.0
    E = (E0,) + model.E[1:]
    r = (np.zeros(K + 1),) + model.r[1:]
    meta = dict(model.meta, leak=True)
    return EpisodicPOMDP(model.T, E, r, model.mu, model.A, rs=model.rs, meta=meta)


def costly_reveal(alpha: float, eps: float, z: int, *, control: bool = False) -> EpisodicPOMDP:
    """Costly-information bandit-POMDP (H = 2), hidden sign ``z`` in {+1, -1}.

    Step 0: latent ``sigma`` with ``P(sigma = z) = (1 + eps)/2``, emits one blank symbol.  Actions: bet ``+``
    (0), bet ``-`` (1), probe (2).  Step 1 latent: ``WIN``/``LOSE`` after a bet (reward 1 on ``WIN``, latent,
    not observed), ``COPY_sigma`` after the probe (reward 0); emissions: the probe's ``COPY_sigma`` emits
    ``sigma`` with alpha noise; ``WIN``/``LOSE`` emit one blank symbol (costly information), or, with
    ``control=True``, ``W``/``L`` with alpha noise (betting is informative)."""
    if z not in (1, -1):
        raise ModelError(f"z must be +1 or -1; got {z}")
    if not (0 < alpha <= 1) or not (0 <= eps <= 1):
        raise ModelError(f"costly_reveal needs 0 < alpha <= 1 and 0 <= eps <= 1; got alpha={alpha}, eps={eps}")
    mu = np.array([(1 + eps * z) / 2, (1 - eps * z) / 2])        # sigma = +, -
    E0 = np.ones((1, 2))
    T0 = np.zeros((2, 3, 4))                                      # -> WIN, LOSE, COPY+, COPY-
    T0[0, 0, 0] = T0[1, 1, 0] = 1.0
    T0[0, 1, 1] = T0[1, 0, 1] = 1.0
    T0[0, 2, 2] = T0[1, 2, 3] = 1.0
    E1 = _reveal_emissions(alpha)                                 # {W, Lo, P, M}
    if not control:
        E1 = np.vstack([E1[[0, 1]].sum(axis=0, keepdims=True), E1[[2, 3]]])   # {blank, P, M}
    rs0 = np.zeros((2, 3))
    rs1 = np.zeros((4, 3))
    rs1[0, :] = 1.0                                               # latent reward 1 in WIN (any final action)
    meta = dict(family="costly_reveal", alpha=alpha, eps=eps, z=z, control=control)
    return EpisodicPOMDP((T0,), (E0, E1), (np.zeros(1), np.zeros(E1.shape[0])), mu, 3, rs=(rs0, rs1), meta=meta)


# ---------------------------------------------------------------------------------------- exact planning
def _budget(count: list) -> None:
    count[0] += 1
    if count[0] > MAX_NODES:
        raise BudgetExceededError(f"history enumeration exceeded {MAX_NODES} nodes; raise "
                                  "algorithms.revealing_lower.families.MAX_NODES or shrink the instance")


def _value(model: EpisodicPOMDP, h: int, f: np.ndarray, hist: History, policy: Policy | None, count: list) -> float:
    """Sum over o_h of max_a (or policy's a) of [reward + continuation], for the unnormalised belief ``f``."""
    total = 0.0
    E = model.E[h]
    for o in range(E.shape[0]):
        g = f * E[o]
        if g.sum() <= 0.0:
            continue
        _budget(count)
        if h == model.H - 1:
            if policy is None:
                total += max(model.reward(h, o, g, a) for a in range(model.A)) if model.rs is not None \
                    else model.reward(h, o, g, None)
            else:
                total += model.reward(h, o, g, policy(hist, h, o) if model.rs is not None else None)
            continue
        acts = range(model.A) if policy is None else (policy(hist, h, o),)
        best = -np.inf
        for a in acts:
            v = model.reward(h, o, g, a) + _value(model, h + 1, g @ model.T[h][:, a, :], hist + ((o, a),),
                                                  policy, count)
            best = max(best, v)
        total += best
    return total


def optimal_value(model: EpisodicPOMDP) -> float:
    """V* = max over history-dependent policies, by exact enumeration of observation histories (Eq. of the
    finite-horizon belief Bellman equation, written on unnormalised beliefs)."""
    return _value(model, 0, np.asarray(model.mu, dtype=float), (), None, [0])


def policy_value(model: EpisodicPOMDP, policy: Policy) -> float:
    """V(pi) of a deterministic history-dependent policy ``policy(history, h, o_h) -> a_h``, exactly."""
    return _value(model, 0, np.asarray(model.mu, dtype=float), (), policy, [0])


def to_pomdp(model: EpisodicPOMDP):
    """The time-expanded :class:`mdplab.pomdp.POMDP` (horizon ``H + 1``): a start state whose every action
    draws ``s_0 ~ mu`` and emits ``o_0``; layer states are stacked; observation rewards are folded through
    ``R[s, a, s', o]``, latent rewards ``rs[h][s, a]`` enter ``R[s, a]`` directly.  A sink absorbs the last
    layer.  Only for models whose observations fit one alphabet (the union of the layers' alphabets)."""
    from mdplab.pomdp import POMDP

    sizes = [E.shape[1] for E in model.E]
    off = np.concatenate([[1], 1 + np.cumsum(sizes)])            # state 0 = start; sink = last
    S = int(off[-1]) + 1
    nO = max(E.shape[0] for E in model.E)
    A = model.A
    P = np.zeros((S, A, S))
    O = np.zeros((A, S, nO))
    R4 = np.zeros((S, A, S, nO))
    R2 = np.zeros((S, A))
    P[0, :, off[0]:off[0] + sizes[0]] = model.mu
    for h in range(model.H):
        sl = slice(off[h], off[h] + sizes[h])
        O[:, sl, :model.E[h].shape[0]] = model.E[h].T[None]
        if h < model.H - 1:
            P[sl, :, off[h + 1]:off[h + 1] + sizes[h + 1]] = model.T[h]
        else:
            P[sl, :, S - 1] = 1.0
        if model.rs is not None:
            R2[sl] = model.rs[h]
    O[:, S - 1, 0] = 1.0
    O[:, 0, 0] = 1.0
    P[S - 1, :, S - 1] = 1.0
    for h in range(model.H):                                     # reward r_h(o_h) on arrival in layer h
        src = slice(0, 1) if h == 0 else slice(off[h - 1], off[h - 1] + sizes[h - 1])
        dst = slice(off[h], off[h] + sizes[h])
        R4[src, :, dst, :model.E[h].shape[0]] += model.r[h][None, None, None, :]
    Rsa = np.einsum("sat,ato,sato->sa", P, O, R4) + R2
    b0 = np.zeros(S)
    b0[0] = 1.0
    return POMDP(P, O, Rsa, b0=b0, horizon=model.H + 1)


def all_histories(model: EpisodicPOMDP) -> int:
    """Number of (observation, action) histories of full length (size of the enumeration), without enumerating."""
    return int(np.prod([E.shape[0] * model.A for E in model.E]))


def value_gap(A: int, Dtree: int, n: int, alpha: float, eps: float, c_star: int, z: Sequence[int]) -> float:
    """Exact ``V*(M_{c*, z}) - V*(M_0)`` by enumeration (the claim is ``alpha eps / 2``)."""
    return optimal_value(reveal_test(A, Dtree, n, alpha, eps, c_star, z)) - optimal_value(reveal_test(A, Dtree, n, alpha, eps))


def sign_vectors(n: int) -> list[tuple[int, ...]]:
    """All ``2^n`` sign vectors (for mixtures over z)."""
    return [tuple(v) for v in itertools.product((1, -1), repeat=n)]
