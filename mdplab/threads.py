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
"""
from __future__ import annotations

import numba

#: A call is a stall when it takes this many times the fastest call of its kind so far ...
STALL_RATIO = 4.0
#: ... and at least this much longer (seconds): short calls jitter by more than 4x without stalling.
STALL_MARGIN_SECONDS = 1e-3
#: Stalls before the guard switches the rest of the solve to one thread.
STALL_LIMIT = 2


class StallGuard:
    """Context manager for one solve: ``record(kind, seconds)`` after each threaded call of a kind
    (calls of one kind do about the same work); once ``limit`` calls have stalled, numba runs on one
    thread until the context exits, which restores the thread count.  ``serial`` says whether it switched
    (or started on one thread)."""

    def __init__(self, ratio: float | None = None, margin: float | None = None, limit: int | None = None) -> None:
        # None reads the module constants at construction, so setting e.g. ``mdplab.threads.STALL_LIMIT``
        # (a huge value disables the fallback) applies to every later solve.
        self.ratio = STALL_RATIO if ratio is None else ratio
        self.margin = STALL_MARGIN_SECONDS if margin is None else margin
        self.limit = STALL_LIMIT if limit is None else limit
        self.fastest: dict[str, float] = {}
        self.stalls = 0
        self.serial = False
        self._threads = 0

    def __enter__(self) -> StallGuard:
        self._threads = numba.get_num_threads()
        self.serial = self._threads == 1
        return self

    def __exit__(self, *exc: object) -> None:
        numba.set_num_threads(self._threads)

    def record(self, kind: str, seconds: float) -> None:
        if self.serial:
            return
        fastest = self.fastest.get(kind)
        if fastest is None or seconds < fastest:
            self.fastest[kind] = seconds
        if fastest is not None and seconds > max(self.ratio * fastest, fastest + self.margin):
            self.stalls += 1
            if self.stalls >= self.limit:
                numba.set_num_threads(1)
                self.serial = True
