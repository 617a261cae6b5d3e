"""Argmax with ties broken uniformly at random by the run's generator, and tie counts.

Breaking ties toward index 0 is a bias, not a neutral default: on an optimistic learner's first episodes
every action of an unvisited state has the same upper bound, and "first index" then walks a fixed path
(it hid a whole horizon dependence in a prototype).  Every learner in mdplab picks greedy actions here.

Reproducibility: one uniform is drawn per row from the ``numpy.random.Generator`` whether or not the
row has a tie, so the generator's stream does not depend on the data; the tied entry chosen is the
``floor(u m)``-th of the ``m`` maximisers in index order.  ``tie_break="first"`` (the biased rule, kept
for deliberately broken variants) draws the same uniforms and ignores them.

Ties are entries within ``tol`` of the row maximum (default ``0``: exact ties, which is what optimistic
learners produce: equal clipped upper bounds, unvisited pairs).

The numba-callable ``argmax_random_tie(x, u, tol) -> (index, n_maximisers)`` is exported for learners'
own planning kernels (``u < 0`` selects the first maximiser).
"""
from __future__ import annotations

import numpy as np

from ._kernels.interaction import argmax_random_tie, greedy_rows
from .errors import ModelError

TIE_BREAKS = ("random", "first")


def _check_tie_break(tie_break: str) -> None:
    if tie_break not in TIE_BREAKS:
        raise ModelError(f"tie_break must be one of {TIE_BREAKS}; got {tie_break!r}")


def random_argmax(x: np.ndarray, rng: np.random.Generator, tol: float = 0.0) -> int:
    """A maximiser of the 1-d array ``x``, uniform among the entries within ``tol`` of its maximum."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ModelError(f"random_argmax needs a non-empty 1-d array; got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ModelError(f"random_argmax: x has a non-finite entry at index {int(np.flatnonzero(~np.isfinite(x))[0])}")
    idx, _ = argmax_random_tie(x, float(rng.random()), float(tol))
    return int(idx)


def greedy_policy(q: np.ndarray, rng: np.random.Generator, tol: float = 0.0,
                  tie_break: str = "random") -> tuple[np.ndarray, int]:
    """Greedy deterministic policy of ``q (S, A)`` or ``(H, S, A)``: ``pi (S,)`` or ``(H, S)`` (int64),
    and the number of states (or stage-state pairs) whose maximum was tied.

    ``tie_break="random"`` (default): uniform among tied maximisers, one uniform per row drawn from
    ``rng``; ``"first"``: the lowest index (biased; for broken variants)."""
    _check_tie_break(tie_break)
    q = np.ascontiguousarray(q, dtype=np.float64)
    if q.ndim not in (2, 3) or q.shape[-1] == 0:
        raise ModelError(f"greedy_policy needs q of shape (S, A) or (H, S, A); got {q.shape}")
    if not np.isfinite(q).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(q))[0])
        raise ModelError(f"greedy_policy: q has a non-finite entry at index {where}")
    rows = q.reshape(-1, q.shape[-1])
    u = rng.random(rows.shape[0])
    if tie_break == "first":
        u[:] = -1.0
    pi = np.empty(rows.shape[0], dtype=np.int64)
    n_ties = greedy_rows(rows, u, float(tol), pi)
    return pi.reshape(q.shape[:-1]), int(n_ties)


__all__ = ["random_argmax", "greedy_policy", "argmax_random_tie", "TIE_BREAKS"]
