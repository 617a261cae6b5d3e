"""Range of a difference ``x - y``: its minimum, maximum and largest magnitude in one pass.

The solvers' stopping rules read these numbers after every backup (the MacQueen-Porteus bounds use
``min`` and ``max`` of ``T v - v``; the reported residual is its sup norm); three numpy passes with a
temporary took 3-4x as long as this pass on the 1e5-state benchmark model.  Threaded and serial builds
of the same loop: on short vectors (dense models) the threaded one loses more to waking threads, and to
BLAS threads still spinning after a dense backup, than it gains."""
import numpy as np
from numba import njit, prange


@njit(parallel=True, fastmath=True, cache=True)
def difference_range(x, y):
    lo = np.inf
    hi = -np.inf
    for i in prange(x.shape[0]):
        d = x[i] - y[i]
        lo = min(lo, d)
        hi = max(hi, d)
    return lo, hi, max(abs(lo), abs(hi))


@njit(cache=True)
def difference_range_serial(x, y):
    # A separate function, not a second njit of the one above: numba's on-disk cache keys compilations by
    # function and signature, so both builds of one function would share (and swap) a cache entry.
    d = x - y
    lo, hi = d.min(), d.max()
    return lo, hi, max(abs(lo), abs(hi))
