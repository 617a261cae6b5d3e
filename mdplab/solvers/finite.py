"""Finite-horizon backward induction (Puterman 1994, Sec. 4.5, Alg. 4.5.1).

``v_H = 0``; for ``h = H-1, ..., 0``: ``q_h = R_h + gamma P_h v_{h+1}``, ``v_h = max_a q_h``,
``pi_h = argmax_a q_h`` (first maximiser).  Exact: no stopping rule.  Time-varying ``P_h``, ``R_h`` are
used stage by stage.
"""
from __future__ import annotations

import numpy as np

from .._kernels.backward_induction import backward_induction_step_csr, backward_induction_step_dense
from ..errors import NotApplicableError
from ..models import MDP
from ..solution import Solution


def backward_induction(model: MDP, terminal_values: np.ndarray | None = None) -> Solution:
    """Solve a finite-horizon model exactly.

    Returns ``values (H+1, S)`` (``values[h]`` = optimal value-to-go with ``H - h`` steps left;
    ``values[H]`` = ``terminal_values``, default 0), ``q (H, S, A)``, ``policy (H, S)``.
    """
    if model.criterion != "finite":
        raise NotApplicableError(f"backward_induction needs a finite-horizon model (horizon=H); this one is {model.criterion!r}")
    H, S, A = model.horizon, model.n_states, model.n_actions
    V = np.zeros((H + 1, S))
    if terminal_values is not None:
        tv = np.asarray(terminal_values, dtype=np.float64)
        if tv.shape != (S,) or not np.all(np.isfinite(tv)):
            raise NotApplicableError(f"terminal_values must be finite with shape ({S},)")
        V[H] = tv
    Q = np.empty((H, S, A))
    pi = np.empty((H, S), dtype=np.int64)
    gamma = model.gamma
    for h in range(H - 1, -1, -1):
        R_h = model.R[h] if model.R.ndim == 3 else model.R
        if model.sparse is not None:
            t = model.sparse
            backward_induction_step_csr(t.indptr, t.indices, t.data, R_h, gamma, V[h + 1], Q[h], V[h], pi[h])
        else:
            P_h = model.P[h] if model.P.ndim == 4 else model.P
            backward_induction_step_dense(P_h, R_h, gamma, V[h + 1], Q[h], V[h], pi[h])
    return Solution(values=V, q=Q, policy=pi, iterations=H, residuals=np.zeros(0), converged=True,
                    method="bi", error_bound=0.0)
