"""Self-repellent random walks: the walk of ``doshi2023`` and the SA-SRRW optimiser of ``hu2024``.

Doshi, V., Hu, J. & Eun, D. Y. (2023), ICML 2023, arXiv 2305.05097v1 [``doshi2023``]; Hu, J., Doshi, V.
& Eun, D. Y. (2024), ICLR 2024, arXiv 2401.09665v1 [``hu2024``].

* :mod:`algorithms.srrw.walk`: SRRW kernel, Jacobian, asymptotic covariance ``V(alpha)``, ``alpha_crit``,
  samplers (SRRW, NBRW, i.i.d.) and the estimator; its public names are re-exported here, so
  ``algorithms.srrw.asymptotic_covariance`` and the other names of the former ``algorithms/srrw.py``
  keep working.
* :mod:`algorithms.srrw.sa_srrw`: SA-SRRW and its limiting covariances (also importable as
  :mod:`algorithms.sa_srrw`).
* :mod:`algorithms.srrw._kernels`: the numba walk kernels (private to this package).

Deviations: see the two modules' docstrings.
"""
from .walk import (
    WalkRuns,
    alpha_crit,
    asymptotic_covariance,
    estimate_mean,
    log_checkpoints,
    nbrw_stationary,
    run_seeds,
    sample_iid,
    sample_nbrw,
    sample_srrw,
    srrw_jacobian,
    srrw_kernel,
    srrw_stationary,
)

BIBKEYS = ("doshi2023", "hu2024")

__all__ = [
    "srrw_kernel", "srrw_stationary", "srrw_jacobian", "asymptotic_covariance", "alpha_crit",
    "WalkRuns", "sample_srrw", "sample_nbrw", "sample_iid", "estimate_mean", "nbrw_stationary",
    "log_checkpoints", "run_seeds",
]
