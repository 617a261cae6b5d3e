"""SA-SRRW (Hu, Doshi & Eun 2024, ``hu2024``, driven by the walk of ``doshi2023``): moved to
:mod:`algorithms.srrw.sa_srrw`. This module re-exports its public names so that
``algorithms.sa_srrw.<name>`` keeps working (see CHANGELOG.md, restructure of issue 14).

Deviations: none here (a re-export); see :mod:`algorithms.srrw.sa_srrw`.
"""
from .srrw.sa_srrw import (
    LinearProblem,
    LogisticProblem,
    SARuns,
    covariance_iid,
    covariance_regime1,
    covariance_regime2,
    covariance_regime3,
    least_squares_problem,
    logistic_problem,
    regime,
    sa_covariance,
    sa_srrw,
    scalar_mean_problem,
)

BIBKEYS = ("doshi2023", "hu2024")

__all__ = [
    "LinearProblem", "LogisticProblem", "scalar_mean_problem", "least_squares_problem",
    "logistic_problem", "regime", "covariance_regime1", "covariance_regime2", "covariance_regime3",
    "covariance_iid", "sa_covariance", "SARuns", "sa_srrw",
]
