"""mdplab: exact finite MDPs on numba kernels, and the core every mdplab algorithm builds on.

Public API (names are contracts: other packages and checks rely on them):

* models: :class:`MDP`, ``POMDP`` (:mod:`mdplab.pomdp`), ``LatentMDP`` (:mod:`mdplab.lmdp`),
* :func:`solve` and the named solvers in :mod:`mdplab.solvers`,
* :class:`Solution`, the immutable result,
* Bellman operators in :mod:`mdplab.operators`,
* I/O: :func:`save_npz`, :func:`load_npz`, :func:`load` (``.npz`` and Cassandra ``.MDP``/``.POMDP``),
* other layouts (:mod:`mdplab.forms`: :func:`sa_pair_mdp`, :func:`from_pymdptoolbox`) and exact policy
  evaluation under every criterion (:func:`evaluate_policy`, :mod:`mdplab.evaluation`),
* planning for POMDPs and latent MDPs in :mod:`mdplab.pomdp_planning` and :mod:`mdplab.lmdp`; undiscounted
  goal POMDPs (certified bounds at ``b0``): :func:`goal_pomdp_bounds` (:mod:`mdplab.pomdp_goal`),
* sampling (:mod:`mdplab.sampling`), continuous-time simulators (:mod:`mdplab.sde`), reversible
  Markov chains on graphs (:mod:`mdplab.chains`).
"""
from .errors import CertificateWarning, ConvergenceError, FileFormatError, ModelError, NotApplicableError
from .models import MDP
from .solution import Solution
from .solvers import solve

__version__ = "0.1.0"

_LAZY = {"POMDP": ("mdplab.pomdp", "POMDP"), "LatentMDP": ("mdplab.lmdp", "LatentMDP"), "load": ("mdplab.io", "load"),
         "save_npz": ("mdplab.io", "save_npz"), "load_npz": ("mdplab.io", "load_npz"),
         "evaluate_policy": ("mdplab.evaluation", "evaluate_policy"), "sa_pair_mdp": ("mdplab.forms", "sa_pair_mdp"),
         "from_pymdptoolbox": ("mdplab.forms", "from_pymdptoolbox"),
         "goal_pomdp_bounds": ("mdplab.pomdp_goal", "goal_pomdp_bounds")}


def __getattr__(name: str):
    """Lazy exports: the POMDP stack pulls in scipy.optimize and HiGHS, which plain MDP users never need."""
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mdplab' has no attribute {name!r}")


__all__ = ["MDP", "POMDP", "LatentMDP", "load", "save_npz", "load_npz", "evaluate_policy", "sa_pair_mdp", "from_pymdptoolbox", "goal_pomdp_bounds", "Solution", "solve", "ModelError", "FileFormatError", "NotApplicableError", "ConvergenceError", "CertificateWarning", "__version__"]
