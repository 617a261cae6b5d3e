"""Array helpers shared by the core and the paper packages."""
from __future__ import annotations

import numpy as np


def readonly(x: np.ndarray) -> np.ndarray:
    """``x`` as a C-contiguous array with its ``writeable`` flag cleared (the array itself when it is already
    C-contiguous, else a contiguous copy): how immutable models and results hold their arrays."""
    x = np.ascontiguousarray(x)
    x.flags.writeable = False
    return x
