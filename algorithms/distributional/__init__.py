"""Distributional dynamic programming with stock augmentation (Avila Pires et al., JMLR 2025,
arXiv:2501.13028v2, bibkey ``avilapires2025``).

Modules: :mod:`.model` (joint reward/transition kernels), :mod:`.representations` (exact, categorical,
quantile laws), :mod:`.objectives` (expected utilities of ``c + G``, CVaR/VaR outer searches),
:mod:`.stock_dp` (numba grid engine: backward induction, DVI, DPI, read-off and execution),
:mod:`.exact` (exact reachable-tree engine for any functional, brute-force oracles),
:mod:`.diagnostics` (numerical check of the exactness conditions), :mod:`.ddp` (one ``mdplab ddp`` problem:
:func:`~.ddp.solve_ddp`).
"""
from .model import JointKernel, joint_kernel_from_mdp, joint_kernel_from_outcomes, reward_lattice
from .objectives import (ExpectedUtility, cvar_inner_utility, cvar_outer_search, exponential_utility, mean_cvar_utility,
                         mean_utility, neg_abs_utility, neg_square_utility, oce_outer_search, piecewise_linear_utility,
                         step_utility, var_by_bisection)
from .representations import (CategoricalSupport, FiniteDistribution, categorical_projection, quantile_projection,
                              wasserstein1)
from .stock_dp import (StockGrid, categorical_policy_evaluation, distributional_policy_iteration, distributional_value_iteration, evaluate_stock_policy,
                       policy_return_law, quantile_policy_evaluation, sample_episodes,
                       scalar_shadow_backward_induction, stage_value, stock_action,
                       stock_backward_induction)

__all__ = [
    "JointKernel", "joint_kernel_from_mdp", "joint_kernel_from_outcomes", "reward_lattice",
    "ExpectedUtility", "cvar_inner_utility", "cvar_outer_search", "exponential_utility", "mean_cvar_utility",
    "mean_utility", "neg_abs_utility", "oce_outer_search", "neg_square_utility", "piecewise_linear_utility", "step_utility",
    "var_by_bisection", "CategoricalSupport", "FiniteDistribution", "categorical_projection", "quantile_projection",
    "wasserstein1", "StockGrid", "categorical_policy_evaluation", "distributional_policy_iteration", "distributional_value_iteration",
    "evaluate_stock_policy", "policy_return_law", "quantile_policy_evaluation", "sample_episodes", "scalar_shadow_backward_induction",
    "stage_value", "stock_action", "stock_backward_induction",
]
