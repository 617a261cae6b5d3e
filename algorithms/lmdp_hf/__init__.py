"""Horizon-free, variance-dependent learning in latent MDPs (Zhou, Wang, Du, ICML 2023, arXiv:2210.11604,
``zhou2023lmdp``): a reconstruction in the MVP style.  :func:`run_lmdp_hf` is the learner (value- or
model-optimistic solver, Hoeffding and Markov-policy variants); :mod:`.planner` plans over histories and
evaluates plans exactly; :mod:`._kernels` holds its numba backups.  Deviations: see :mod:`.learner`."""
from .learner import (BIBKEY, C1, C2, C3, ContextLeakError, LatentEpisodes, check_monotone, confidence_log,
                      play_episode, run_lmdp_hf)
from .planner import HistoryPlan, HistoryPlanner, exact_planner, plan_context_values, plan_value

__all__ = ["run_lmdp_hf", "LatentEpisodes", "ContextLeakError", "play_episode", "check_monotone", "confidence_log",
           "HistoryPlan", "HistoryPlanner", "exact_planner", "plan_context_values", "plan_value", "BIBKEY", "C1",
           "C2", "C3"]
