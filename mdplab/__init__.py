"""mdplab: exact finite MDPs on numba kernels, and the core every mdplab algorithm builds on.

Public API (names are contracts: other packages and checks rely on them):

* models: :class:`MDP` (and, from the POMDP work, ``POMDP`` / ``LatentMDP``),
* :func:`solve` and the named solvers in :mod:`mdplab.solvers`,
* :class:`Solution`, the immutable result,
* Bellman operators in :mod:`mdplab.operators`,
* I/O: :func:`save_npz`, :func:`load_npz`, :func:`load`.
"""
from .errors import ConvergenceError, FileFormatError, ModelError, NotApplicableError
from .models import MDP
from .solution import Solution
from .solvers import solve

__version__ = "0.1.0"

__all__ = ["MDP", "Solution", "solve", "ModelError", "FileFormatError", "NotApplicableError", "ConvergenceError", "__version__"]
