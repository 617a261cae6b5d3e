"""Registry of mdplab's reward-free explorers: CLI name -> runner, default constants.

Every runner has the signature ``runner(model, K, seed, **constants) -> ExplorationRun``
(:class:`algorithms.hf_ucrl_rfe.exploration.ExplorationRun`): ``model`` a
:class:`mdplab.linear_mixture.LinearMixtureMDP` with a horizon (other model types may register runners taking
their own model class), ``K`` exploration episodes; the run reports the exact worst-case gap of its planned
policies over a reward family at checkpoints.  ``defaults`` are the constants a user may override
(``--param KEY=VALUE``).  Sources are in each explorer's module (``BIBKEY``); this module only indexes them
(bibkeys ``zhang2023rfe``, ``zhang2021rfe``, ``chen2023revealing``).  ``model`` names the model type an
entry runs on: ``"linear_mixture"`` or ``"revealing_pomdp"`` (an
:class:`algorithms.revealing_lower.families.EpisodicPOMDP` of the RevealTest family; the run is an
:class:`algorithms.revealing_lower.runs.RevealingRun`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from mdplab.errors import ModelError

from .hf_ucrl_rfe.exploration import run_hf_ucrl_rfe
from .hf_ucrl_rfe.ucrl_rfe import run_ucrl_rfe
from .revealing_lower.runs import run_collision_tester, run_omle_lite

BIBKEYS = ("zhang2023rfe", "zhang2021rfe", "chen2023revealing")


@dataclass(frozen=True)
class ExplorerEntry:
    name: str
    runner: Callable[..., Any]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    summary: str = ""
    model: str = "linear_mixture"


EXPLORERS: dict[str, ExplorerEntry] = {
    "hf-ucrl-rfe++": ExplorerEntry(
        "hf-ucrl-rfe++", run_hf_ucrl_rfe,
        dict(delta=0.05, beta_scale=1.0, B=None, M=None, weighted=True, square=True, centre="pooled"),
        "HF-UCRL-RFE++, weighted VTR with HOME, surrogate oracle (Zhang, Zhang, Gu 2023)"),
    "hf-ucrl-rfe++/unweighted": ExplorerEntry(
        "hf-ucrl-rfe++/unweighted", run_hf_ucrl_rfe,
        dict(delta=0.05, beta_scale=1.0, B=None, M=None, weighted=False, square=True, centre="pooled"),
        "broken variant: HF-UCRL-RFE++ with unit regression weights"),
    "ucrl-rfe": ExplorerEntry(
        "ucrl-rfe", run_ucrl_rfe, dict(delta=0.05, beta_scale=1.0, B=None),
        "UCRL-RFE, unweighted (Hoeffding) regression, per-step rewards (Zhang, Zhou, Gu 2021)"),
    # revealing POMDPs (RevealTest family, docs/revealing.md): runner(EpisodicPOMDP, K, seed) -> RevealingRun
    "collision-tester": ExplorerEntry(
        "collision-tester", run_collision_tester, dict(c_commit=1.0),
        "RevealTest: collision tester, explore-then-commit (mdplab's, held to Chen et al. 2023)", "revealing_pomdp"),
    "omle-lite": ExplorerEntry(
        "omle-lite", run_omle_lite, dict(delta=0.1, beta=None),
        "RevealTest: optimistic MLE over the family (mdplab's, held to Chen et al. 2023)", "revealing_pomdp"),
}


def explorer(name: str) -> ExplorerEntry:
    """The registry entry of ``name``; a ModelError listing the known names otherwise."""
    try:
        return EXPLORERS[name]
    except KeyError:
        raise ModelError(f"unknown explorer {name!r}; choose from {', '.join(sorted(EXPLORERS))}") from None


__all__ = ["EXPLORERS", "ExplorerEntry", "explorer"]
