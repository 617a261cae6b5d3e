"""HF-UCRL-RFE++ (Zhang, Zhang, Gu, ICML 2023, arXiv:2303.10165, bibkey ``zhang2023rfe``) and the UCRL-RFE
baseline (Zhang, Zhou, Gu, NeurIPS 2021, arXiv:2110.06394, bibkey ``zhang2021rfe``): reward-free exploration
in linear mixture MDPs.  Modules: ``exploration`` (Algorithm 4), ``home`` (Algorithm 5), ``planning`` (the
planning phase and the exact reward-free gap), ``parameters`` (Theorem 2.6.3), ``ucrl_rfe`` (baseline).
Notes: ``docs/theory/zhang2023rfe.md``.

Deviations: see each module.
"""
from .exploration import ExplorationRun, run_hf_ucrl_rfe
from .home import home_weights
from .parameters import theory_parameters
from .planning import plan_under_theta, reward_box_vertices, reward_free_gaps, worst_case_gap

__all__ = ["ExplorationRun", "run_hf_ucrl_rfe", "home_weights", "theory_parameters", "plan_under_theta",
           "reward_box_vertices", "reward_free_gaps", "worst_case_gap"]
