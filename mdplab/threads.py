"""Falling back to one numba thread when threaded kernel calls stall.

A ``parallel=True`` kernel returns when its slowest thread does.  On an oversubscribed machine (another
process busy on the second core, a process pool with a worker per core, a busy VM neighbour) the OS may
leave one of its threads unscheduled for a whole time slice, so a sweep that takes 0.5 ms now and then
takes several.  Measured on the 1e5-state random sparse benchmark model with one core kept busy by
another process: the default solve took 66-180 ms with 2 threads and 57 ms with 1 (35 ms with 2 on a
quiet machine).  :class:`StallGuard` watches a solver's threaded calls and, after ``limit`` stalls,
runs the rest of the solve on one thread.

Results do not depend on the thread count (every kernel computes each state's output from its inputs
alone and reduces across threads only by exact ``min``/``max``), so the guard changes timings, never
numbers (tested).

This module is the one place that changes numba's thread count: :func:`numba_threads` (a context manager
that sets a count and restores the previous one) serves the small-model rule of
:mod:`mdplab.operators`, the one-thread-per-cell rule of the scenario runner and :class:`StallGuard`.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

import numba

#: A call is a stall when it takes this many times the fastest call of its kind so far ...
STALL_RATIO = 4.0
#: ... and at least this much longer (seconds): short calls jitter by more than 4x without stalling.
STALL_MARGIN_SECONDS = 1e-3
#: Stalls before the guard switches the rest of the solve to one thread.
STALL_LIMIT = 2


@contextlib.contextmanager
def numba_threads(n: int) -> Iterator[int]:
    """Run the body with ``n`` numba threads, restoring the previous count on exit (also on an exception).
    Yields the previous count.  A no-op when the count is already ``n``."""
    previous = numba.get_num_threads()
    if previous == n:
        yield previous
        return
    numba.set_num_threads(n)
    try:
        yield previous
    finally:
        numba.set_num_threads(previous)


class StallGuard:
    """Context manager for one solve: ``record(kind, seconds)`` after each threaded call of a kind
    (calls of one kind do about the same work); once ``limit`` calls have stalled, numba runs on one
    thread until the context exits, which restores the thread count.  ``serial`` says whether it switched
    (or started on one thread)."""

    def __init__(self, ratio: float | None = None, margin: float | None = None, limit: int | None = None) -> None:
        self._restore: contextlib.ExitStack | None = None
        # None reads the module constants at construction, so setting e.g. ``mdplab.threads.STALL_LIMIT``
        # (a huge value disables the fallback) applies to every later solve.
        self.ratio = STALL_RATIO if ratio is None else ratio
        self.margin = STALL_MARGIN_SECONDS if margin is None else margin
        self.limit = STALL_LIMIT if limit is None else limit
        self.fastest: dict[str, float] = {}
        self.stalls = 0
        self.serial = False

    def __enter__(self) -> StallGuard:
        self.serial = numba.get_num_threads() == 1
        self._restore = contextlib.ExitStack()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._restore is not None:
            self._restore.close()   # restores the thread count if record() switched to one thread
            self._restore = None

    def record(self, kind: str, seconds: float) -> None:
        if self.serial:
            return
        fastest = self.fastest.get(kind)
        if fastest is None or seconds < fastest:
            self.fastest[kind] = seconds
        if fastest is not None and seconds > max(self.ratio * fastest, fastest + self.margin):
            self.stalls += 1
            if self.stalls >= self.limit:
                if self._restore is None:
                    raise RuntimeError("StallGuard.record called outside its with-block")
                self._restore.enter_context(numba_threads(1))
                self.serial = True
