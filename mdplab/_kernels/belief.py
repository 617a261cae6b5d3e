"""Bayes belief update for POMDPs.

``b'(s') = O[a, s', o] sum_s P[s, a, s'] b(s) / Pr(o | b, a)`` (Kaelbling, Littman & Cassandra 1998,
the "state estimator").  ``belief_update`` writes the posterior into ``out`` and returns
``Pr(o | b, a)``; when that probability is 0 the output is all zeros.  ``belief_successors`` does every
``(a, o)`` at once: ``out[a, o]`` the posterior, ``prob[a, o]`` its probability.
"""
from numba import njit


@njit(cache=True)
def belief_update(P, O, b, a, o, out):
    S = b.shape[0]
    for s1 in range(S):
        out[s1] = 0.0
    for s in range(S):
        bs = b[s]
        if bs != 0.0:
            for s1 in range(S):
                out[s1] += bs * P[s, a, s1]
    total = 0.0
    for s1 in range(S):
        out[s1] *= O[a, s1, o]
        total += out[s1]
    if total > 0.0:
        for s1 in range(S):
            out[s1] /= total
    return total


@njit(inline="always", cache=True)
def predict(P, b, a, pred):
    """``pred[s'] = sum_s b(s) P[s, a, s']`` (the states with ``b(s) = 0`` skipped)."""
    S = P.shape[0]
    for s1 in range(S):
        pred[s1] = 0.0
    for s in range(S):
        bs = b[s]
        if bs != 0.0:
            for s1 in range(S):
                pred[s1] += bs * P[s, a, s1]


@njit(cache=True)
def belief_successors(P, O, b, pred, out, prob):
    """``pred (S,)`` is scratch space; ``out (A, O, S)``, ``prob (A, O)``."""
    S, A, _ = P.shape
    nO = O.shape[2]
    for a in range(A):
        predict(P, b, a, pred)
        for o in range(nO):
            total = 0.0
            for s1 in range(S):
                x = pred[s1] * O[a, s1, o]
                out[a, o, s1] = x
                total += x
            prob[a, o] = total
            if total > 0.0:
                for s1 in range(S):
                    out[a, o, s1] /= total
