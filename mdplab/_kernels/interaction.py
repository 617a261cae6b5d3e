"""Interaction kernels for online learners: rollouts driven by uniforms drawn outside (from the run's
``numpy.random.Generator``), tie-broken argmax, and exact finite-horizon policy evaluation.

Uniform layouts (fixed, so a seed fixes every number on every backend and thread count):

* episode: ``u`` of length ``1 + 2H``: ``u[0]`` draws ``s_0 ~ mu``; ``u[1 + 2h]`` draws ``s_{h+1}``;
  ``u[2 + 2h]`` draws the Bernoulli reward of step ``h`` (read only when ``bernoulli``).
* continuing: ``u`` of shape ``(n, 2)``: ``u[t, 0]`` draws ``s_{t+1}``, ``u[t, 1]`` the Bernoulli reward.

Transitions and rewards carry a stage axis: ``P (HP, S, A, S)``, ``R (HR, S, A)`` with ``HP, HR`` in
``{1, H}`` (time-homogeneous models pass ``HP = 1``).  Serial kernels: learners call them once per
episode on small models, where a thread pool costs more than the work.
"""
import numpy as np
from numba import njit


@njit(inline="always", cache=True)
def draw_categorical(p, u):
    """Inverse CDF: smallest ``j`` with ``u < p[0] + ... + p[j]``; ``u`` within round-off of 1 falls on
    the last index of positive probability."""
    acc = 0.0
    n = p.shape[0]
    for j in range(n):
        acc += p[j]
        if u < acc:
            return j
    for j in range(n - 1, -1, -1):
        if p[j] > 0.0:
            return j
    return n - 1


@njit(inline="always", cache=True)
def argmax_random_tie(x, u, tol):
    """Index of a maximiser of ``x`` chosen uniformly among the entries within ``tol`` of the maximum,
    by the uniform ``u`` (the ``floor(u m)``-th of the ``m`` tied entries, in index order); returns
    ``(index, m)``.  ``u < 0`` selects the first maximiser (the biased rule kept for broken variants)."""
    n = x.shape[0]
    best = x[0]
    for j in range(1, n):
        if x[j] > best:
            best = x[j]
    m = 0
    for j in range(n):
        if x[j] >= best - tol:
            m += 1
    if u < 0.0:
        k = 0
    else:
        k = int(u * m)
        if k >= m:
            k = m - 1
    c = 0
    for j in range(n):
        if x[j] >= best - tol:
            if c == k:
                return j, m
            c += 1
    return n - 1, m


@njit(cache=True)
def greedy_rows(q, u, tol, pi_out):
    """``pi_out[i] = argmax_random_tie(q[i], u[i], tol)`` for rows ``q (n, A)``; returns the number of
    rows that had a tie."""
    n_ties = 0
    for i in range(q.shape[0]):
        a, m = argmax_random_tie(q[i], u[i], tol)
        pi_out[i] = a
        if m > 1:
            n_ties += 1
    return n_ties


@njit(cache=True)
def rollout_episode_kernel(P, R, mu, pi, u, bernoulli, states, actions, rewards, rbar):
    """One episode of ``H = pi.shape[0]`` steps of the deterministic Markov policy ``pi (H, S)``.
    Writes ``states (H+1,)``, ``actions (H,)``, observed ``rewards (H,)`` and mean rewards ``rbar (H,)``."""
    H = pi.shape[0]
    HP = P.shape[0]
    HR = R.shape[0]
    s = draw_categorical(mu, u[0])
    for h in range(H):
        states[h] = s
        a = pi[h, s]
        actions[h] = a
        r = R[h if HR > 1 else 0, s, a]
        rbar[h] = r
        if bernoulli:
            rewards[h] = 1.0 if u[2 + 2 * h] < r else 0.0
        else:
            rewards[h] = r
        s = draw_categorical(P[h if HP > 1 else 0, s, a], u[1 + 2 * h])
    states[H] = s


@njit(cache=True)
def rollout_continuing_kernel(P, R, s0, pi, u, max_steps, bernoulli, counts, trigger,
                              states, actions, rewards, rbar, next_counts, visits, reward_sums):
    """Run the stationary policy ``pi (S,)`` from ``s0`` for at most ``max_steps`` steps (``P (S, A, S)``,
    ``R (S, A)``).  ``trigger``: 0 no trigger; 1 ("after") stop right after the step at which the
    within-segment count of the visited ``(s, a)`` reaches ``max(1, counts[s, a])``; 2 ("before", the
    doubling rule as Jaksch et al. 2010 print it, Fig. 1 step 5) stop before a step whose pair
    ``(s, pi(s))`` already has ``visits >= max(1, counts)``, so a segment goes on after a pair saturates
    while the policy does not ask for it again.  Accumulates ``next_counts (S, A, S)``, ``visits (S, A)``, ``reward_sums (S, A)`` (zeroed by
    the caller); returns ``(steps, final_state)``."""
    s = s0
    t = 0
    while t < max_steps:
        a = pi[s]
        if trigger == 2 and visits[s, a] >= max(1, counts[s, a]):
            break
        states[t] = s
        actions[t] = a
        r = R[s, a]
        rbar[t] = r
        if bernoulli:
            obs = 1.0 if u[t, 1] < r else 0.0
        else:
            obs = r
        rewards[t] = obs
        s_next = draw_categorical(P[s, a], u[t, 0])
        next_counts[s, a, s_next] += 1
        visits[s, a] += 1
        reward_sums[s, a] += obs
        t += 1
        fire = trigger == 1 and visits[s, a] >= max(1, counts[s, a])
        s = s_next
        if fire:
            break
    return t, s


@njit(cache=True)
def policy_values_kernel(P, R, policies, mu, out_v0):
    """Exact values of deterministic Markov policies: for each ``k``, backward induction
    ``V_h(s) = R_h(s, pi_h(s)) + P_h(s, pi_h(s)) . V_{h+1}``, ``V_H = 0``; writes ``out_v0[k] = mu . V_0``.
    ``policies (M, H, S)``."""
    M, H, S = policies.shape
    HP = P.shape[0]
    HR = R.shape[0]
    v = np.zeros(S)
    w = np.zeros(S)
    for k in range(M):
        for s in range(S):
            v[s] = 0.0
        for h in range(H - 1, -1, -1):
            Ph = P[h if HP > 1 else 0]
            Rh = R[h if HR > 1 else 0]
            for s in range(S):
                a = policies[k, h, s]
                acc = Rh[s, a]
                row = Ph[s, a]
                for t in range(S):
                    acc += row[t] * v[t]
                w[s] = acc
            for s in range(S):
                v[s] = w[s]
        tot = 0.0
        for s in range(S):
            tot += mu[s] * v[s]
        out_v0[k] = tot
