"""Numba kernel for UCRL2's episode rule as Jaksch, Ortner, Auer (2010) state it (Fig. 1, step 5):

    while v_k(s_t, pi_k(s_t)) < max{1, N_k(s_t, pi_k(s_t))}: play pi_k(s_t), observe, v_k(s_t, a_t) += 1

i.e. the check is made *before* acting: an episode continues after a pair reaches its limit as long as
the policy does not ask for that pair again.  (The core's rollout, :func:`mdplab.interaction.run_segment`,
ends a segment right *after* the step at which the visited pair reaches its limit; our learners expose
that as ``episode_rule="immediate"``.)

Same uniform layout as the core (``u[t, 0]`` draws ``s_{t+1}``, ``u[t, 1]`` a Bernoulli reward), same
inverse-CDF draw (:func:`mdplab.interaction.draw_categorical`), so for a given policy both rules produce
the same trajectory until one of them stops.
"""
from numba import njit

from mdplab.interaction import draw_categorical


@njit(cache=True)
def rollout_until_saturated(P, R, s0, pi, u, max_steps, bernoulli, counts,
                            states, actions, rewards, rbar, next_counts, visits, reward_sums):
    """Run ``pi`` from ``s0`` for at most ``max_steps`` steps, stopping before a step whose pair
    ``(s, pi(s))`` already has ``visits >= max(1, counts)``.  Accumulates the segment's ``next_counts``,
    ``visits``, ``reward_sums`` (zeroed by the caller).  Returns ``(steps, final_state)``."""
    s = s0
    t = 0
    while t < max_steps:
        a = pi[s]
        if visits[s, a] >= max(1, counts[s, a]):
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
        s = s_next
    return t, s
