"""Exact solvers for :class:`mdplab.MDP` and the :func:`solve` front door.

=================  ==============================================  ===============================
method             function                                        criterion
=================  ==============================================  ===============================
``"vi"``           :func:`value_iteration`                         discounted
``"gs"``           :func:`gauss_seidel_value_iteration`            discounted
``"pi"``           :func:`policy_iteration`                        discounted
``"mpi"``          :func:`modified_policy_iteration`               discounted
``"mpi-adaptive"`` :func:`adaptive_modified_policy_iteration`      discounted
``"lp"``           :func:`linear_programming`                      discounted
``"bi"``           :func:`backward_induction`                      finite horizon
``"rvi"``          :func:`relative_value_iteration`                average reward
``"avg_pi"``       :func:`average_reward_policy_iteration`         average reward
``"total"``        :func:`total_reward_policy_iteration`           undiscounted total reward (SSP; any model's P, R)
``"multichain"``   :func:`multichain_policy_iteration`             average reward, gain varying by state
``"multichain-lp"`` :func:`multichain_linear_programming`         average reward, gain varying by state (LP)
``"auto"``         the default method of the model's criterion     any
other names        entry points of group ``mdplab.solvers``        (e.g. ``"anchored_vi"``)
=================  ==============================================  ===============================
"""
from __future__ import annotations

from typing import Callable

from ..errors import ModelError
from ..models import MDP
from ..solution import Solution
from .adaptive import adaptive_modified_policy_iteration
from ._common import CertificateWarning, GainBounds, MacQueen, gain_bounds, macqueen
from .average import (ChainStructure, average_reward_policy_iteration, classify_chain, evaluate_average_policy,
                      maximal_end_components, recurrent_classes, relative_value_iteration)
from .discounted import (evaluate_policy, gauss_seidel_value_iteration, modified_policy_iteration,
                         policy_iteration, value_iteration)
from .finite import backward_induction
from .lp import linear_programming
from .multichain import multichain_linear_programming, multichain_policy_iteration
from .total import goal_states, proper_policy, total_reward_policy_iteration

METHODS: dict[str, Callable[..., Solution]] = {
    "vi": value_iteration,
    "gs": gauss_seidel_value_iteration,
    "pi": policy_iteration,
    "mpi": modified_policy_iteration,
    "mpi-adaptive": adaptive_modified_policy_iteration,
    "lp": linear_programming,
    "bi": backward_induction,
    "rvi": relative_value_iteration,
    "avg_pi": average_reward_policy_iteration,
    "total": total_reward_policy_iteration,
    "multichain": multichain_policy_iteration,
    "multichain-lp": multichain_linear_programming,
}

#: What ``method="auto"`` picks for each criterion (chosen from benchmarks/solvers.py); for discounted
#: models it is modified PI with the adaptive evaluation schedule (evaluation sweeps sized by the residual
#: span, Jacobi sweeps, exact evaluations of chain-like policies; see :mod:`mdplab.solvers.adaptive`).
DEFAULT_METHOD = {"discounted": "mpi-adaptive", "finite": "bi", "average": "rvi"}


def _entry_point(method: str) -> Callable[..., Solution] | None:
    from importlib.metadata import entry_points

    for ep in entry_points(group="mdplab.solvers"):
        if ep.name == method:
            return ep.load()
    return None


def solve(model: MDP, method: str = "auto", tol: float = 1e-6, **options) -> Solution:
    """Solve ``model`` with ``method`` (table above) to accuracy ``tol``.

    For discounted methods, ``tol`` bounds the returned policy's suboptimality (sup norm) and twice
    the values' error; for average reward, the gain error of the policy; backward induction is exact
    and ignores ``tol``.  ``options`` go to the named function (see its docstring).
    """
    if not isinstance(model, MDP):
        raise ModelError(f"solve() takes an mdplab.MDP; got {type(model).__name__}")
    name = DEFAULT_METHOD[model.criterion] if method == "auto" else method
    fn = METHODS.get(name) or _entry_point(name)
    if fn is None:
        raise ModelError(f"unknown method {method!r}; choose from {sorted(METHODS)} + 'auto' or an installed "
                         "mdplab.solvers entry point")
    if name == "bi":
        return fn(model, **options)
    return fn(model, tol=tol, **options)


__all__ = ["solve", "METHODS", "DEFAULT_METHOD", "value_iteration", "gauss_seidel_value_iteration",
           "policy_iteration", "modified_policy_iteration", "adaptive_modified_policy_iteration", "linear_programming", "backward_induction",
           "relative_value_iteration", "average_reward_policy_iteration", "evaluate_policy",
           "evaluate_average_policy", "classify_chain", "ChainStructure", "maximal_end_components",
           "recurrent_classes", "multichain_policy_iteration", "multichain_linear_programming", "total_reward_policy_iteration", "goal_states", "proper_policy", "macqueen", "MacQueen", "gain_bounds", "GainBounds", "CertificateWarning"]
