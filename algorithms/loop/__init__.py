"""LOOP (He, Zhong, Yang, ICLR 2024, arXiv:2404.12648, bibkey ``he2024loop``): our tractable
instantiations for average-reward MDPs (the paper's general algorithm is not computable as written and
ships no code).

* :mod:`algorithms.loop.tabular`: tabular model-based LOOP (rectangular optimism, span clipping at ``B``,
  count-doubling / lazy-discrepancy updates): :func:`run_loop`;
* :mod:`algorithms.loop.value_based`: tabular value-based LOOP on tiny instances (policy enumeration, one
  convex program per policy): :func:`run_loop_value`;
* :mod:`algorithms.loop.linear_mixture`: linear-mixture LOOP (value-targeted ridge regression, ellipsoid,
  exact grid planning for ``d <= 3`` or the per-pair bonus relaxation, determinant-doubling updates) and
  the UCRL2-VTR-style baseline: :func:`run_loop_lm`, :func:`run_ucrl2_vtr`.
"""
from .linear_mixture import run_loop_lm, run_loop_lm_model, run_ucrl2_vtr, run_ucrl2_vtr_model
from .tabular import UPDATE_RULES, loop_beta, optimistic_plan, run_loop
from .value_based import run_loop_value

__all__ = ["run_loop", "optimistic_plan", "loop_beta", "UPDATE_RULES", "run_loop_lm", "run_ucrl2_vtr",
           "run_loop_lm_model", "run_ucrl2_vtr_model", "run_loop_value"]
