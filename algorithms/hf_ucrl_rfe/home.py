"""HOME, the high-order moment estimator (the weights of HF-UCRL-RFE++'s weighted regressions).

J. Zhang, W. Zhang, Q. Gu, ICML 2023, arXiv:2303.10165 (v1), bibkey ``zhang2023rfe``: [thesis Alg. 5]; the
estimator is Zhou & Gu's (2022, arXiv:2205.11507, bibkey ``zhou2022home``).  Notes: ``docs/theory/zhang2023rfe.md``.

For one stack at step ``(k, h)``: features ``x_m = phi_{W^{2^m}}(s_h, a_h)`` for ``m = 0..M-1`` (``W`` the
value the stack regresses), estimates ``theta_m``, in-episode Gram inverses ``Sigma_m^{-1}`` and frozen Gram
inverses ``Sdot_m^{-1}``:

* ``var_m = clip01(<x_{m+1}, theta_{m+1}>) - clip01(<x_m, theta_m>)^2`` (estimate of ``[V W^{2^m}](s, a)``,
  the variance of the ``2^m``-th power: second moment minus the *square* of the first),
* ``E_m = min(1, 2 beta ||x_m||_{Sdot_m^{-1}}) + min(1, beta ||x_{m+1}||_{Sdot_{m+1}^{-1}})``,
* ``sigma_m^2 = max(gamma^2 ||x_m||_{Sigma_m^{-1}}, var_m + E_m, alpha^2)`` for ``m < M - 1``,
* ``sigma_{M-1}^2 = max(gamma^2 ||x_{M-1}||_{Sigma_{M-1}^{-1}}, 1, alpha^2)``.

The epistemic term is a norm (not its square) under the in-episode Gram; ``E`` uses the frozen Grams.

This is the readable reference; the run uses the numba kernel in ``_kernels.py`` (tested equal).  ``square``
False gives the broken variant that drops the square of the first moment (``var = E[W^2] - E[W]``).

Deviations: none.
"""
from __future__ import annotations

import numpy as np


def _norm(x: np.ndarray, A_inv: np.ndarray) -> float:
    """``||x||_{A^{-1}} = sqrt(x^T A^{-1} x)``."""
    return float(np.sqrt(max(float(x @ A_inv @ x), 0.0)))


def home_weights(x: np.ndarray, theta: np.ndarray, Sigma_inv: np.ndarray, Sdot_inv: np.ndarray, beta: float,
                 alpha: float, gamma: float, square: bool = True) -> np.ndarray:
    """``sigma (M,)`` of [thesis Alg. 5] for features ``x (M, d)``, estimates ``theta (M, d)``, in-episode
    Gram inverses ``Sigma_inv (M, d, d)`` and frozen ones ``Sdot_inv (M, d, d)``."""
    M = x.shape[0]
    sigma2 = np.empty(M)
    for m in range(M - 1):
        first = min(max(float(x[m] @ theta[m]), 0.0), 1.0)
        second = min(max(float(x[m + 1] @ theta[m + 1]), 0.0), 1.0)
        var = second - (first * first if square else first)                       # [thesis Alg. 5, Line 3]
        E = min(1.0, 2.0 * beta * _norm(x[m], Sdot_inv[m])) + min(1.0, beta * _norm(x[m + 1], Sdot_inv[m + 1]))
        sigma2[m] = max(gamma ** 2 * _norm(x[m], Sigma_inv[m]), var + E, alpha ** 2)  # [thesis Alg. 5, Line 5]
    sigma2[M - 1] = max(gamma ** 2 * _norm(x[M - 1], Sigma_inv[M - 1]), 1.0, alpha ** 2)  # [thesis Alg. 5, Line 7]
    return np.sqrt(sigma2)


__all__ = ["home_weights"]
