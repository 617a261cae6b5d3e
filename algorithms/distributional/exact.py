"""Exact stock-augmented distributional DP on the reachable tree, and brute-force oracles.

Avila Pires et al. (2025), JMLR, arXiv:2501.13028v2 (``avilapires2025``).  Implements, with exact
finite-support return laws (``docs/theory/avilapires2025.md``):

* :func:`exact_backward_induction`: greedy finite-horizon DP of Sec. 2.4 ([D]) for ANY functional
  ``K`` of ``c + G``, memoised on ``(t, s, c)`` over the stocks reachable from ``(s_0, c_0)``; with
  Fraction inputs every number is exact.  For ``K`` satisfying (M) and (S_gamma) this is the optimum
  over all history-dependent policies (T2, [D]); for ``K`` outside the class it is the greedy DP
  value that the counterexamples of T6 compare against brute force;
* :func:`achievable_return_laws` / :func:`brute_force_optimum`: every return law of a deterministic
  history-dependent policy (children of a history node choose independently), the oracle for V3/V4;
* :func:`history_tree_optimum`: the expected-utility optimum over histories without any stock
  (``V(h) = max_a E V(h + step)``, terminal ``f(c_0 + sum_t gamma^t r_t)``), the oracle of V2;
* :func:`exact_cvar`, :func:`exact_var`, :func:`exact_threshold`, :func:`exact_homeostasis`: the
  Sec. 4 objectives by the outer searches of :mod:`.objectives` on this engine.

Deviations: in float mode stocks are merged on keys rounded to 9 decimals.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Sequence

from mdplab.errors import BudgetExceededError, ModelError

from .representations import FiniteDistribution

Outcomes = Sequence[Sequence[Sequence[tuple]]]  # outcomes[s][a] = [(p, r, s'), ...]
Functional = Callable[[FiniteDistribution], object]

#: Refuse trees larger than this (reachable (t, s, c) nodes) with a clear error instead of hanging.
MAX_NODES = 2_000_000
#: Largest number of return-law atoms the tree engine may combine (summed over every look-ahead it builds),
#: checked as it goes: the laws grow with the horizon, so a tree under ``MAX_NODES`` can still take hours
#: (measured: about 7 us per atom in pure Python on one core, 7.9e5 atoms in 5.4 s at H = 25 on a 2-state
#: model with non-lattice rewards, so this budget is about half a minute).
MAX_ATOM_WORK = 5_000_000


def expected_utility_functional(f: Callable) -> Functional:
    """``K(nu) = E_nu f(X)``."""
    return lambda law: law.expect(f)


def _key(c):
    return c if isinstance(c, Fraction) else round(float(c), 9)


def _is_better(a, b) -> bool:
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a > b
    return float(a) > float(b) + 1e-10 * (1.0 + abs(float(b)))


@dataclass
class ExactStockDP:
    """Memoised greedy DP ``(t, s, c) -> (K value, law of G, action)`` for one functional ``K``."""

    outcomes: Outcomes
    horizon: int
    gamma: object
    K: Functional
    memo: dict = field(default_factory=dict)
    work: int = 0  # atoms combined so far (budget MAX_ATOM_WORK)

    def node(self, t: int, s: int, c) -> tuple:
        key = (t, s, _key(c))
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        if len(self.memo) > MAX_NODES:
            raise ModelError(f"the reachable stock tree exceeds MAX_NODES={MAX_NODES} nodes; use a smaller "
                             f"horizon or the stock-grid engine (gamma = 1, lattice rewards)")
        if t == self.horizon:
            law = FiniteDistribution.dirac(0 if isinstance(self.gamma, Fraction) else 0.0)
            res = (self.K(law.shift(c)), law, -1)
        else:
            best = None
            for a, outs in enumerate(self.outcomes[s]):
                comps, weights = [], []
                for p, r, sn in outs:
                    _, law_n, _ = self.node(t + 1, sn, (c + r) / self.gamma)  # Sec. 1.2: c' = (c + r)/gamma
                    self.work += len(law_n.atoms)
                    if self.work > MAX_ATOM_WORK:
                        raise BudgetExceededError(
                            f"the exact tree engine combined more than MAX_ATOM_WORK={MAX_ATOM_WORK} return-law atoms "
                            f"(horizon {self.horizon}; the laws grow with it); use a smaller horizon, rewards on a "
                            f"lattice with gamma = 1 (the stock-grid engine), or raise "
                            f"algorithms.distributional.exact.MAX_ATOM_WORK if time allows")
                    comps.append(law_n.pushforward(r, self.gamma))  # b_{r,gamma}
                    weights.append(p)
                Z = FiniteDistribution.mixture(comps, weights)  # look-ahead Z_eta(s, c, a), Sec. 2.1
                score = self.K(Z.shift(c))  # Q_K = K(c + Z)
                if best is None or _is_better(score, best[0]):
                    best = (score, Z, a)
            res = best
        self.memo[key] = res
        return res

    def action(self, t: int, s: int, c) -> int:
        return self.node(t, s, c)[2]


def exact_backward_induction(outcomes: Outcomes, horizon: int, gamma, K: Functional, s0: int, c0) -> tuple:
    """``(K(c_0 + G), law of G, ExactStockDP)`` of the greedy stock-augmented DP from ``(s_0, c_0)``."""
    dp = ExactStockDP(outcomes, horizon, gamma, K)
    v, law, _ = dp.node(0, s0, c0)
    return v, law, dp


def policy_law(dp: ExactStockDP, s0: int, c0) -> FiniteDistribution:
    """Law of ``G`` when the read-off stock policy of ``dp`` is executed from ``(s_0, c_0)`` (forward)."""
    g = dp.gamma
    mass = {(s0, _key(c0)): (1, c0, 0 * c0)}
    for t in range(dp.horizon):
        nxt: dict = {}
        for (s, _), (p, c, acc) in mass.items():
            for q, r, sn in dp.outcomes[s][dp.action(t, s, c)]:
                cn = (c + r) / g
                key = (sn, _key(cn))
                old = nxt.get(key)
                nxt[key] = (q * p + (old[0] if old else 0), cn, acc + g ** t * r)
        mass = nxt
    return FiniteDistribution.from_pairs((acc, p) for p, _, acc in mass.values())


def achievable_return_laws(outcomes: Outcomes, horizon: int, gamma, s0: int, limit: int = 200_000) -> list[FiniteDistribution]:
    """All return laws of deterministic history-dependent policies from ``s_0`` (deduplicated)."""
    memo: dict = {}

    def laws(t: int, s: int) -> list[FiniteDistribution]:
        if t == horizon:
            return [FiniteDistribution.dirac(0 if isinstance(gamma, Fraction) else 0.0)]
        if (t, s) in memo:
            return memo[(t, s)]
        found: dict = {}
        for outs in outcomes[s]:
            partial = [FiniteDistribution((), ())]
            for p, r, sn in outs:
                child = [L.pushforward(r, gamma) for L in laws(t + 1, sn)]
                partial = [FiniteDistribution.mixture([A, B], [1, p]) for A in partial for B in child]
                if len(partial) > limit:
                    raise ModelError(f"more than {limit} achievable laws; brute force is for tiny instances")
            for L in partial:
                found[(L.atoms, L.probs)] = L
        memo[(t, s)] = list(found.values())
        return memo[(t, s)]

    return laws(0, s0)


def brute_force_optimum(outcomes: Outcomes, horizon: int, gamma, K: Functional, s0: int, c0) -> tuple:
    """``max over deterministic history-dependent pi of K(c_0 + G^pi)`` and a maximising law."""
    best = None
    for L in achievable_return_laws(outcomes, horizon, gamma, s0):
        v = K(L.shift(c0))
        if best is None or _is_better(v, best[0]):
            best = (v, L)
    return best


def history_tree_optimum(outcomes: Outcomes, horizon: int, gamma, f: Callable, s0: int, c0):
    """Expected-utility optimum over full histories, no stock and no memo: ``V(h) = max_a E V(h + step)``."""

    def V(t: int, s: int, acc):
        if t == horizon:
            return f(c0 + acc)
        best = None
        for outs in outcomes[s]:
            v = sum(p * V(t + 1, sn, acc + gamma ** t * r) for p, r, sn in outs)
            if best is None or _is_better(v, best):
                best = v
        return best

    return V(0, s0, 0 * c0)


# ----------------------------------------------------------------------------- Sec. 4 objectives
def return_atoms(outcomes: Outcomes, horizon: int, gamma, s0: int) -> list:
    """Every return value reachable from ``s_0`` under some action sequence and outcome (sorted)."""
    level = {(_key(0 * gamma), s0): 0 * gamma}
    for t in range(horizon):
        nxt = {}
        for (_, s), acc in level.items():
            for outs in outcomes[s]:
                for _, r, sn in outs:
                    v = acc + gamma ** t * r
                    nxt[(_key(v), sn)] = v
        level = nxt
        if len(level) > MAX_NODES:
            raise ModelError(f"more than {MAX_NODES} reachable (return, state) pairs; horizon too long for the exact engine")
    return sorted({_key(v): v for v in level.values()}.values())


def _min0(x):
    return x if x < 0 else 0 * x


def exact_cvar(outcomes: Outcomes, horizon: int, gamma, s0: int, tau) -> tuple:
    """``(max_pi CVaR_tau(G^pi), c_0*)`` by the outer search over negated return atoms (Sec. 4.1, 2.7)."""
    K = expected_utility_functional(_min0)
    dp = ExactStockDP(outcomes, horizon, gamma, K)
    best = None
    for g in return_atoms(outcomes, horizon, gamma, s0):
        c = -g
        v = -c + dp.node(0, s0, c)[0] / tau  # -c + tau^{-1} max_pi E min(c + G, 0)
        if best is None or _is_better(v, best[0]):
            best = (v, c)
    return best


def exact_threshold(outcomes: Outcomes, horizon: int, gamma, s0: int, theta, dp: ExactStockDP | None = None):
    """``max_pi P(G >= theta)``: ``c_0 = -theta``, ``f = 1{x >= 0}`` (Sec. 4.3)."""
    if dp is None:
        dp = ExactStockDP(outcomes, horizon, gamma, expected_utility_functional(_step(theta)))
    return dp.node(0, s0, -theta)[0]


def _step(theta):
    if isinstance(theta, Fraction):
        return lambda x: Fraction(1) if x >= 0 else Fraction(0)
    return lambda x: 1.0 if x >= -1e-9 else 0.0


def exact_var(outcomes: Outcomes, horizon: int, gamma, s0: int, tau):
    """``max_pi VaR_tau(G^pi)`` (lower quantile) by bisection over return atoms (Sec. 4.3)."""
    atoms = return_atoms(outcomes, horizon, gamma, s0)
    dp = ExactStockDP(outcomes, horizon, gamma, expected_utility_functional(_step(atoms[0])))
    ok = lambda i: exact_threshold(outcomes, horizon, gamma, s0, atoms[i], dp) > 1 - tau + (0 if isinstance(tau, Fraction) else 1e-12)  # noqa: E731
    lo, hi = 0, len(atoms) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid - 1
    return atoms[lo]


def exact_homeostasis(outcomes: Outcomes, horizon: int, gamma, s0: int, target, square: bool = False):
    """``max_pi -E|G - target|`` (or ``-E(G - target)^2``): ``c_0 = -target`` (Sec. 4.4)."""
    f = (lambda x: -x * x) if square else (lambda x: -abs(x))
    return exact_backward_induction(outcomes, horizon, gamma, expected_utility_functional(f), s0, -target)[0]
