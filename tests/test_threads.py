"""The stall guard (mdplab.threads) and the claim it rests on: solver results do not depend on the numba
thread count."""
from __future__ import annotations

import numba
import numpy as np
import pytest

import mdplab
from mdplab.threads import StallGuard
from scenarios.classic import gridworld, random_sparse

needs_two_threads = pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs >= 2 numba threads")


@needs_two_threads
def test_guard_switches_to_one_thread_after_limit_stalls_and_restores():
    before = numba.get_num_threads()
    numba.set_num_threads(2)
    try:
        with StallGuard(ratio=4.0, margin=1e-3, limit=2) as guard:
            guard.record("sweep", 0.5e-3)
            guard.record("sweep", 1.2e-3)   # 2.4x the fastest: jitter, not a stall
            guard.record("sweep", 1.9e-3)   # 3.8x but only 1.4 ms more than the fastest: not a stall
            guard.record("backup", 20e-3)   # first call of its kind: nothing to compare with
            assert guard.stalls == 0 and numba.get_num_threads() == 2
            guard.record("sweep", 2.6e-3)   # > 4x and > 1 ms more: a stall
            assert guard.stalls == 1 and not guard.serial and numba.get_num_threads() == 2
            guard.record("backup", 90e-3)   # second stall (another kind): switch
            assert guard.serial and numba.get_num_threads() == 1
            guard.record("sweep", 50e-3)    # no more counting once serial
            assert guard.stalls == 2
        assert numba.get_num_threads() == 2
        with pytest.raises(RuntimeError):
            with StallGuard(limit=1) as guard:
                guard.record("sweep", 1e-3)
                guard.record("sweep", 10e-3)
                assert numba.get_num_threads() == 1
                raise RuntimeError("solver failed")
        assert numba.get_num_threads() == 2   # restored on the way out of an exception too
    finally:
        numba.set_num_threads(before)


@needs_two_threads
@pytest.mark.parametrize("make", [lambda: random_sparse(30_000, 4, 5, seed=3, discount=0.99),
                                  lambda: gridworld(120, 0.1, discount=0.99)], ids=["random sparse", "gridworld"])
def test_solves_are_bit_identical_on_one_and_two_threads(make):
    """The guard's premise: threaded kernels reduce only by exact min/max, so a solve that switches thread
    counts mid-way returns the same numbers (models above SERIAL_BELOW_ENTRIES, so kernels really thread)."""
    m = make()
    before = numba.get_num_threads()
    try:
        out = {}
        for n in (1, 2):
            numba.set_num_threads(n)
            out[n] = [mdplab.solve(m, method=meth, tol=1e-8) for meth in ("auto", "vi", "mpi")]
        for a, b in zip(out[1], out[2]):
            np.testing.assert_array_equal(a.values, b.values)
            np.testing.assert_array_equal(a.policy, b.policy)
            np.testing.assert_array_equal(a.residuals, b.residuals)
    finally:
        numba.set_num_threads(before)


def test_guard_with_a_huge_limit_never_switches(monkeypatch):
    import mdplab.threads as threads

    monkeypatch.setattr(threads, "STALL_LIMIT", 10**9)
    with StallGuard() as guard:
        for t in (1e-3, 1.0, 2.0, 3.0):
            guard.record("sweep", t)
        assert guard.stalls == 3
        assert guard.serial == (numba.get_num_threads() == 1)   # only if it started on one thread
