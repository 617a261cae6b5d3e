"""Linear mixture MDPs: transitions linear in a known feature tensor and an unknown parameter.

Notation (Ayoub et al. 2020; Zhou, Gu & Szepesvari 2021; the reward-free papers of docs/reward_free.md):

* ``Phi[s, a, s', i]`` the ``d`` known (signed) basis measures ``phi_i(s' | s, a)``,
* ``theta (d,)`` the parameter, ``P[s, a, s'] = <Phi[s, a, s', :], theta>`` (Eq. "P = <phi, theta*>"),
* for ``V : S -> R`` the feature of ``V``, ``phi_V(s, a) = sum_s' Phi[s, a, s', :] V[s']`` (a ``d``-vector),
  so that ``[P V](s, a) = <phi_V(s, a), theta>``.

The papers assume ``||phi_V(s, a)||_2 <= 1`` for every ``V`` in ``[0, 1]^S`` (the *feature-norm condition*)
and ``||theta||_2 <= B``.  :func:`feature_norm_bound` computes ``max_{V in [0,1]^S} ||phi_V(s, a)||_2``:
exactly by vertex enumeration when ``S`` is small (a convex function of ``V`` is maximised at a vertex of
the box), else an upper bound.  The constructor validates that ``P`` is a distribution for the given
``theta`` (naming the first bad ``(s, a)``); the feature-norm condition is *reported*, not enforced, because
a model may be useful outside the theorem's assumptions.

``.npz`` layout (read by :func:`mdplab.load`): ``Phi (S, A, S, d)``, ``theta (d,)``, optional ``R (S, A)``
(default all zero: the reward-free setting gives rewards only after exploration), optional 0-d ``horizon``
and optional ``mu (S,)`` (initial distribution).
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .arrays import readonly
from .errors import FileFormatError, ModelError, NotApplicableError, shown
from .models import ROW_TOL

#: the arrays of the linear-mixture ``.npz`` layout (any other key is refused)
LINEAR_MIXTURE_NPZ_KEYS = ("Phi", "theta", "R", "horizon", "mu")
#: largest ``S`` for which :func:`feature_norm_bound` enumerates the ``2^S`` vertices of ``[0, 1]^S``
VERTEX_ENUMERATION_MAX_STATES = 16


@dataclass(frozen=True)
class LinearMixtureMDP:
    """An immutable linear mixture MDP; build it with :func:`linear_mixture_mdp` (which validates).

    ``horizon`` is the episode length ``H`` (``None``: continuing / average-reward use); ``mu`` the initial
    distribution (``None``: unspecified; episodic code then starts from state 0, the papers' fixed ``s_1``).
    """

    Phi: np.ndarray
    theta: np.ndarray
    R: np.ndarray
    horizon: int | None = None
    mu: np.ndarray | None = None

    @property
    def P(self) -> np.ndarray:
        """``P[s, a, s'] = <Phi[s, a, s', :], theta>``, shape ``(S, A, S)`` (a fresh array)."""
        return transition_tensor(self.Phi, self.theta)

    @property
    def d(self) -> int:
        return int(self.Phi.shape[3])

    @property
    def n_states(self) -> int:
        return int(self.Phi.shape[0])

    @property
    def n_actions(self) -> int:
        return int(self.Phi.shape[1])

    def with_theta(self, theta: Any) -> "LinearMixtureMDP":
        """The same features under another parameter, validated."""
        return linear_mixture_mdp(self.Phi, theta, self.R, horizon=self.horizon, mu=self.mu)


def transition_tensor(Phi: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """``P[s, a, s'] = sum_i Phi[s, a, s', i] theta[i]`` (no validation; ``theta`` need not be valid)."""
    return np.asarray(Phi, dtype=np.float64) @ np.asarray(theta, dtype=np.float64)


def value_features(Phi: np.ndarray, V: np.ndarray) -> np.ndarray:
    """``phi_V[s, a, :] = sum_s' Phi[s, a, s', :] V[s']``, shape ``(S, A, d)``; ``V`` of shape ``(S,)``, or
    ``(n, S)`` for ``n`` functions at once (result ``(n, S, A, d)``)."""
    V = np.asarray(V, dtype=np.float64)
    if V.ndim == 1:
        return np.einsum("xasi,s->xai", Phi, V)
    return np.einsum("xasi,ns->nxai", Phi, V)


def _as_real(name: str, x: Any) -> np.ndarray:
    if np.iscomplexobj(x):
        raise ModelError(f"{name} is complex; model arrays must be real numbers")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{name} cannot be read as an array of floats: {exc}") from None
    if not np.isfinite(arr).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ModelError(f"{name} contains a non-finite value ({float(arr[where])!r}) at index {where}")
    return arr


def linear_mixture_mdp(Phi: Any, theta: Any, R: Any = None, horizon: int | None = None, mu: Any = None,
                       row_tol: float = ROW_TOL) -> LinearMixtureMDP:
    """Validate and build a :class:`LinearMixtureMDP`.

    Checks: ``Phi`` real, finite, of shape ``(S, A, S, d)`` with ``S, A, d >= 1``; ``theta`` of shape ``(d,)``;
    every row ``P[s, a, :] = Phi[s, a] @ theta`` non-negative (to ``row_tol``) and summing to 1 within
    ``row_tol`` (the error names the first ``(s, a)`` that is not a distribution); ``R`` of shape ``(S, A)``
    (default zeros), finite; ``horizon`` a positive integer or None; ``mu`` a distribution over ``S``.
    Entries of ``P`` in ``[-row_tol, 0)`` are round-off and are accepted (``P`` is recomputed on access).
    """
    Phi = _as_real("Phi", Phi)
    if Phi.ndim != 4 or Phi.shape[0] != Phi.shape[2] or min(Phi.shape) == 0:
        raise ModelError(f"Phi must have shape (S, A, S, d) with S, A, d >= 1; got shape {Phi.shape}")
    S, A, _, d = Phi.shape
    theta = _as_real("theta", theta)
    if theta.shape != (d,):
        raise ModelError(f"theta must have shape (d,) = ({d},) to match Phi {Phi.shape}; got shape {theta.shape}")
    tol = float(row_tol)
    if not (0.0 <= tol < 1.0):
        raise ModelError(f"row_tol must be in [0, 1); got {row_tol}")
    P = transition_tensor(Phi, theta)
    neg = P < -tol
    if neg.any():
        s, a, s2 = (int(i) for i in np.argwhere(neg)[0])
        raise ModelError(f"P[s={s}, a={a}, :] = Phi[s, a] @ theta is not a distribution: P[s'={s2}] = "
                         f"{float(P[s, a, s2])!r} < 0; {int(neg.any(axis=2).sum())} row(s) have negative entries")
    sums = P.sum(axis=2)
    off = np.abs(sums - 1.0) > tol
    if off.any():
        s, a = (int(i) for i in np.argwhere(off)[0])
        raise ModelError(f"P[s={s}, a={a}, :] = Phi[s, a] @ theta sums to {float(sums[s, a])!r}, not 1 "
                         f"(tolerance {tol:g}); {int(off.sum())} row(s) are off")
    if R is None:
        R = np.zeros((S, A))
    R = _as_real("R", R)
    if R.shape != (S, A):
        raise ModelError(f"R must have shape (S, A) = ({S}, {A}); got shape {R.shape}")
    if horizon is not None:
        if isinstance(horizon, bool) or not float(horizon).is_integer() or int(horizon) < 1:
            raise ModelError(f"horizon must be a positive integer or None; got {shown(horizon)}")
        horizon = int(horizon)
    if mu is not None:
        mu = _as_real("mu", mu)
        if mu.shape != (S,):
            raise ModelError(f"mu must have shape (S,) = ({S},); got shape {mu.shape}")
        if (mu < 0).any() or abs(mu.sum() - 1.0) > tol:
            raise ModelError(f"mu must be a distribution over the {S} states; sums to {float(mu.sum())!r}"
                             + (f", mu[{int(np.argmin(mu))}] < 0" if (mu < 0).any() else ""))
        mu = readonly(mu)
    return LinearMixtureMDP(Phi=readonly(Phi), theta=readonly(theta), R=readonly(R), horizon=horizon, mu=mu)


@dataclass(frozen=True)
class FeatureNormReport:
    """``max_{V in [0,1]^S} ||phi_V(s, a)||_2`` per ``(s, a)`` (``norms (S, A)``), its maximum ``bound``,
    ``exact`` (True: vertex enumeration; False: an upper bound), ``holds`` = ``bound <= 1 + tol``,
    ``theta_norm`` = ``||theta||_2`` (the papers' ``B`` must be at least this)."""

    norms: np.ndarray
    bound: float
    exact: bool
    holds: bool
    theta_norm: float
    worst: tuple[int, int]


def box_vertices(n: int) -> np.ndarray:
    """The ``2^n`` vertices of ``[0, 1]^n`` as rows of a ``(2^n, n)`` float array."""
    return ((np.arange(2 ** n)[:, None] >> np.arange(n)[None, :]) & 1).astype(np.float64)


def feature_norm_bound(model_or_Phi: LinearMixtureMDP | np.ndarray, *, tol: float = 1e-9,
                       max_states: int = VERTEX_ENUMERATION_MAX_STATES) -> FeatureNormReport:
    """Check the feature-norm condition ``||phi_V(s, a)||_2 <= 1`` for all ``V in [0, 1]^S``.

    ``V -> ||phi_V(s, a)||_2`` is convex, so its maximum over the box is attained at a vertex: for
    ``S <= max_states`` the ``2^S`` vertices are enumerated (exact).  Above that, coordinate ``i`` of
    ``phi_V`` lies in ``[sum of negative entries, sum of positive entries]`` of ``Phi[s, a, :, i]``, which
    gives the upper bound ``sqrt(sum_i max(pos_i, |neg_i|)^2)`` (``exact=False``)."""
    if isinstance(model_or_Phi, LinearMixtureMDP):
        Phi, theta = model_or_Phi.Phi, model_or_Phi.theta
    else:
        Phi, theta = np.asarray(model_or_Phi, dtype=np.float64), None
    S, A, _, d = Phi.shape
    if S <= max_states:
        verts = box_vertices(S)
        norms = np.zeros((S, A))
        step = max(1, (1 << 22) // max(1, S * A * d))  # vertices per chunk (bounded memory)
        for lo in range(0, verts.shape[0], step):
            f = value_features(Phi, verts[lo:lo + step])  # (n, S, A, d)
            norms = np.maximum(norms, np.sqrt((f ** 2).sum(axis=3)).max(axis=0))
        exact = True
    else:
        pos = np.clip(Phi, 0, None).sum(axis=2)
        neg = -np.clip(Phi, None, 0).sum(axis=2)
        norms = np.sqrt((np.maximum(pos, neg) ** 2).sum(axis=2))
        exact = False
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(norms)), norms.shape))
    bound = float(norms.max())
    return FeatureNormReport(norms=readonly(norms), bound=bound, exact=exact, holds=bound <= 1.0 + tol,
                             theta_norm=float(np.linalg.norm(theta)) if theta is not None else float("nan"),
                             worst=worst)


def save_linear_mixture(model: LinearMixtureMDP, path: str | Path) -> None:
    """Write ``model`` in the linear-mixture ``.npz`` layout (``Phi``, ``theta``, ``R``, and ``horizon`` /
    ``mu`` when set)."""
    arrays: dict[str, Any] = {"Phi": np.asarray(model.Phi), "theta": np.asarray(model.theta),
                              "R": np.asarray(model.R)}
    if model.horizon is not None:
        arrays["horizon"] = np.int64(model.horizon)
    if model.mu is not None:
        arrays["mu"] = np.asarray(model.mu)
    np.savez(path, **arrays)


def is_linear_mixture_npz(headers: dict) -> bool:
    """Whether the array names of an ``.npz`` (``{key: ...}``) are the linear-mixture layout's."""
    return "Phi" in headers or "theta" in headers


def load_linear_mixture(path: str | Path, *, discount: float | None = None, horizon: int | None = None,
                        average_reward: bool | None = None) -> LinearMixtureMDP:
    """Read the linear-mixture ``.npz`` layout; ``horizon`` overrides the file's, ``average_reward=True``
    drops it.  A linear mixture model has no discount: ``discount`` is refused."""
    from .io import _file_scalar, _npz_headers, memory_budget

    path = Path(path)
    if discount is not None:
        raise ModelError(f"{path}: a linear mixture model has no discount (got discount={discount}); use "
                         f"horizon= or average_reward=")
    if average_reward and horizon is not None:
        raise ModelError("average_reward=True (--average-reward) cannot be combined with horizon= (--horizon)")
    try:
        headers = _npz_headers(path)
        unknown = sorted(set(headers) - set(LINEAR_MIXTURE_NPZ_KEYS))
        if unknown:
            raise FileFormatError(f"{path}: unknown array(s) {', '.join(map(repr, unknown))}; the linear-mixture "
                                  f".npz layout has only {', '.join(LINEAR_MIXTURE_NPZ_KEYS)}")
        missing = [k for k in ("Phi", "theta") if k not in headers]
        if missing:
            raise FileFormatError(f"{path}: linear-mixture .npz lacks array(s) {missing} (needs Phi (S,A,S,d), "
                                  f"theta (d,))")
        total = 0
        for key, (shape, dtype) in headers.items():
            if dtype.kind not in "biuf":
                raise FileFormatError(f"{path}: array {key!r} is of dtype {dtype}; model arrays must be real")
            if key == "horizon" and shape != ():
                raise FileFormatError(f"{path}: 'horizon' must be a single number (a 0-d array); got shape {shape}")
            total += 2 * int(np.prod(shape, dtype=object)) * 8
        if total > memory_budget():
            raise FileFormatError(f"{path}: its arrays need about {total / 2**30:.3g} GiB to load, above the memory "
                                  f"budget (set MDPLAB_MAX_BYTES to raise it)")
        with np.load(path, allow_pickle=False) as f:
            Phi, theta = f["Phi"], f["theta"]
            R = f["R"] if "R" in headers else None
            mu = f["mu"] if "mu" in headers else None
            file_h = _file_scalar(path, "horizon", f["horizon"], True) if "horizon" in headers else None
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
        if isinstance(exc, ModelError):
            raise
        raise FileFormatError(f"{path}: not a readable .npz file ({exc})") from None
    h = None if average_reward else (horizon if horizon is not None else file_h)
    try:
        return linear_mixture_mdp(Phi, theta, R, horizon=h, mu=mu)
    except FileFormatError:
        raise
    except ModelError as exc:
        raise FileFormatError(f"{path}: {exc}") from None


def check_total_reward(model: LinearMixtureMDP, R: np.ndarray | None = None, horizon: int | None = None) -> float:
    """The largest total reward ``max_pi max over trajectories sum_h r_h`` reachable in ``horizon`` steps from
    any state (a longest-path DP on the support graph of ``P``); raises :class:`NotApplicableError` when it
    exceeds 1 (the papers' bounded-total-reward assumption).  ``R`` is ``(S, A)`` or ``(H, S, A)``."""
    H = horizon if horizon is not None else model.horizon
    if H is None:
        raise NotApplicableError("the total-reward check needs a horizon")
    R = model.R if R is None else np.asarray(R, dtype=np.float64)
    Rh = np.broadcast_to(R, (H,) + R.shape[-2:]) if R.ndim == 2 else R
    support = model.P > 1e-12
    v = np.zeros(model.n_states)
    for h in range(H - 1, -1, -1):
        nxt = np.where(support, v[None, None, :], -np.inf).max(axis=2)
        v = (Rh[h] + nxt).max(axis=1)
    worst = float(v.max())
    if worst > 1.0 + 1e-9:
        raise NotApplicableError(f"the total reward over {H} steps can reach {worst:.6g} > 1 (state "
                                 f"{int(np.argmax(v))}); rescale R (the bounded-total-reward assumption)")
    return worst
