"""Numba kernels of LOOP's continuing loop (used by :mod:`algorithms.loop.tabular` and
:mod:`algorithms.loop.linear_mixture` only; the papers and rules are in those modules).

One kernel runs the stationary policy of the incumbent hypothesis until its update rule fires; it
validates nothing, writes into the caller's preallocated arrays, and samples exactly as the core's
continuing rollout does (row ``t`` of the pre-drawn uniforms ``u (T, 2)``: column 0 the next state by
inverse CDF, column 1 the Bernoulli reward when ``bernoulli``), so one seed gives one trajectory for
every learner.

Update rules (``rule``):

* ``DOUBLING = 0``: stop right after the step at which the within-segment count of the visited pair
  reaches ``max(1, counts[s, a])`` (count doubling);
* ``EVERY_STEP = 1``: stop after one step (re-plan every step: the broken variant);
* ``DISC = 2``: LOOP's lazy rule on the segment's data: stop right after the step at which
  ``Disc = sum_c n_c (m_c - ybar_c)^2`` exceeds ``threshold`` (``m_c``: the incumbent's prediction of
  ``r + V(s')`` in cell ``c``; ``ybar_c``: the segment mean of the targets ``y = r + v_tag(s')``);
* ``DET = 3``: stop right after the step at which ``det(Lambda) > threshold * det(Lambda_tau)``
  (linear mixture; the caller passes the feature rows ``x[s, a, s_next?]``: see :func:`lm_segment`).
"""
import numpy as np
from numba import njit

from mdplab.interaction import draw_categorical  # the core's inverse-CDF draw (one sampling convention)

DOUBLING = 0
EVERY_STEP = 1
DISC = 2
DET = 3


@njit(cache=True)
def tabular_segment(P, R, s0, pi, u, t0, max_steps, bernoulli, rule, counts, m_pred, v_tag, threshold,
                    states, rbar, next_counts, visits, reward_sums, y_sums):
    """Run ``pi (S,)`` from ``s0`` reading uniforms ``u[t0 + i]`` for at most ``max_steps`` steps until the
    update rule fires.  Accumulates ``next_counts (S, A, S)``, ``visits (S, A)``, ``reward_sums (S, A)``,
    ``y_sums (S, A)`` (targets ``r + v_tag(s')``; zeroed by the caller); writes ``states``, ``rbar``
    from index ``t0``.  Returns ``(steps, final_state, disc)``."""
    s = s0
    i = 0
    disc = 0.0
    while i < max_steps:
        t = t0 + i
        a = pi[s]
        states[t] = s
        r = R[s, a]
        rbar[t] = r
        if bernoulli:
            obs = 1.0 if u[t, 1] < r else 0.0
        else:
            obs = r
        s_next = draw_categorical(P[s, a], u[t, 0])
        n_old = visits[s, a]
        if rule == 2 and n_old > 0:
            yb = y_sums[s, a] / n_old
            disc -= n_old * (m_pred[s, a] - yb) ** 2
        next_counts[s, a, s_next] += 1
        visits[s, a] += 1
        reward_sums[s, a] += obs
        y_sums[s, a] += obs + v_tag[s_next]
        i += 1
        fire = False
        if rule == 0:
            fire = visits[s, a] >= max(1, counts[s, a])
        elif rule == 1:
            fire = True
        elif rule == 2:
            n = visits[s, a]
            yb = y_sums[s, a] / n
            disc += n * (m_pred[s, a] - yb) ** 2   # Disc of the incumbent on this cell (inf over f'' = 0 misfit)
            fire = disc > threshold
        s = s_next
        if fire:
            break
    return i, s, disc


@njit(cache=True)
def lm_segment(P, R, s0, pi, u, t0, max_steps, bernoulli, rule, phi_v, Lam_inv, threshold,
               states, rbar, next_states, rewards, ldet_gain):
    """Linear-mixture loop: run ``pi (S,)`` from ``s0`` until the update rule fires.  ``rule``:
    ``DET`` (stop right after the step at which ``log det(Lambda) - log det(Lambda_tau)`` exceeds
    ``threshold = log 2``: determinant doubling; ``Lam_inv`` (d, d) is updated in place by Sherman-Morrison
    with ``x = phi_v[s, a]``, the value-targeted feature of the incumbent's value), ``EVERY_STEP``,
    or ``DOUBLING`` is not available here (use DET).  Writes ``states``, ``rbar``, ``next_states``,
    ``rewards`` from index ``t0``; ``ldet_gain[0]`` accumulates ``log det`` growth.  Returns
    ``(steps, final_state)``."""
    s = s0
    i = 0
    d = Lam_inv.shape[0]
    z = np.empty(d)
    while i < max_steps:
        t = t0 + i
        a = pi[s]
        states[t] = s
        r = R[s, a]
        rbar[t] = r
        if bernoulli:
            obs = 1.0 if u[t, 1] < r else 0.0
        else:
            obs = r
        rewards[t] = obs
        s_next = draw_categorical(P[s, a], u[t, 0])
        next_states[t] = s_next
        # Sherman-Morrison: (Lam + x x^T)^{-1}; log det grows by log(1 + x^T Lam^{-1} x)
        q = 0.0
        for j in range(d):
            acc = 0.0
            for k in range(d):
                acc += Lam_inv[j, k] * phi_v[s, a, k]
            z[j] = acc
            q += phi_v[s, a, j] * acc
        for j in range(d):
            for k in range(d):
                Lam_inv[j, k] -= z[j] * z[k] / (1.0 + q)
        ldet_gain[0] += np.log1p(q)
        i += 1
        s = s_next
        if rule == 1:
            break
        if rule == 3 and ldet_gain[0] > threshold:
            break
    return i, s
