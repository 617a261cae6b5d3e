"""HF-UCRL-RFE++'s parameters as its upper-bound theorem sets them [thesis Thm 2.6.3].

J. Zhang, W. Zhang, Q. Gu, ICML 2023, arXiv:2303.10165 (v1), bibkey ``zhang2023rfe``; notes
``docs/theory/zhang2023rfe.md``.

* ``M = ceil(log2(7 K H))`` moment levels (needs ``K`` in advance), ``alpha = H^{-1/2}``, ``gamma = d^{-1/4}``,
  ``lambda = d / B^2``;
* ``beta_k = 12 sqrt(d eta_k tau_k) + 30 tau_k / gamma^2 + sqrt(lambda) B`` with
  ``eta_k = log(1 + k H / (alpha^2 d lambda))`` and
  ``tau_k = log(32 (log(gamma^2 / alpha) + 1) k^2 H^2 / delta)``.

Deviations: ``log(gamma^2 / alpha) = (1/2) log(H / d)`` is negative when ``d > H``; we use ``max(., 0)``.
``beta_scale`` multiplies every ``beta_k`` (1 = the theorem; smaller values reach the asymptotic regime
within a CPU budget, docs/theory/zhang2023rfe.md#beta-scale).  The constants 12, 30, 32 are the thesis's;
they are not cross-checked against the arXiv text.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class TheoryParameters:
    """The constants of one run (``beta`` through :meth:`beta_k`)."""

    d: int
    H: int
    K: int
    B: float
    delta: float
    M: int
    alpha: float
    gamma: float
    lam: float
    beta_scale: float = 1.0

    def eta(self, k: int) -> float:
        return math.log(1.0 + k * self.H / (self.alpha ** 2 * self.d * self.lam))

    def tau(self, k: int) -> float:
        log_ratio = max(math.log(self.gamma ** 2 / self.alpha), 0.0)  # Deviation: max(., 0) when d > H
        return math.log(32.0 * (log_ratio + 1.0) * k * k * self.H ** 2 / self.delta)

    def beta_k(self, k: int) -> float:
        """``beta_k`` [thesis Thm 2.6.3] times ``beta_scale``; ``k >= 1``."""
        k = max(int(k), 1)
        tau = self.tau(k)
        beta = 12.0 * math.sqrt(self.d * self.eta(k) * tau) + 30.0 * tau / self.gamma ** 2 + math.sqrt(self.lam) * self.B
        return self.beta_scale * beta


def theory_parameters(d: int, H: int, K: int, B: float, delta: float = 0.05, beta_scale: float = 1.0,
                      M: int | None = None) -> TheoryParameters:
    """The parameters of [thesis Thm 2.6.3] for a run of ``K`` episodes (``M`` overridable)."""
    if M is None:
        M = max(1, math.ceil(math.log2(7 * K * H)))
    return TheoryParameters(d=int(d), H=int(H), K=int(K), B=float(B), delta=float(delta), M=int(M),
                            alpha=H ** -0.5, gamma=d ** -0.25, lam=d / B ** 2, beta_scale=float(beta_scale))


__all__ = ["TheoryParameters", "theory_parameters"]
