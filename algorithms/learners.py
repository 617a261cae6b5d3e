"""Registry of mdplab's online learners: CLI name -> setting, runner, default constants.

Each runner has the signature of its setting:

* ``"episodic"``: ``runner(P, R, mu, H, K, seed, **constants) -> mdplab.regret.LearnerRun``;
* ``"average"``: ``runner(P, R, s0, T, seed, **constants) -> mdplab.regret.LearnerRun``.

``defaults`` lists the constants a user may override (``--param KEY=VALUE``) with the paper's values;
:func:`learner` looks a name up with an error that lists the known names.  Sources are in each
learner's module (``BIBKEY``); this module only indexes them (bibkeys ``azar2017``, ``zhang2021mvp``,
``jin2018``, ``osband2013``, ``jaksch2010``, ``filippi2010``, ``bourel2020``, ``ouyang2017``,
``fruit2018scal``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from mdplab.errors import ModelError

from . import kl_ucrl, mvp, psrl, q_learning_ucb, scal, tsde, ucbvi, ucrl2, ucrl3

BIBKEYS = ("azar2017", "zhang2021mvp", "jin2018", "osband2013", "jaksch2010", "filippi2010", "bourel2020",
           "ouyang2017", "fruit2018scal")
SETTINGS = ("episodic", "average")


@dataclass(frozen=True)
class LearnerEntry:
    name: str
    setting: str
    runner: Callable[..., Any]
    defaults: Mapping[str, Any] = field(default_factory=dict)
    summary: str = ""


LEARNERS: dict[str, LearnerEntry] = {
    "ucbvi-ch": LearnerEntry("ucbvi-ch", "episodic", ucbvi.run_ucbvi_ch,
                             dict(delta=0.05, log_term=True, monotone=True, tie_break="random", bonus_scale=1.0),
                             "UCBVI with the Chernoff-Hoeffding bonus (Azar, Osband, Munos 2017, Alg. 3)"),
    "ucbvi-bf": LearnerEntry("ucbvi-bf", "episodic", ucbvi.run_ucbvi_bf,
                             dict(delta=0.05, log_term=True, monotone=True, tie_break="random", bonus_scale=1.0,
                                  correction_constant=ucbvi.BF_CORRECTION_CONSTANT),
                             "UCBVI with the Bernstein-Freedman bonus (Azar, Osband, Munos 2017, Alg. 4)"),
    "mvp": LearnerEntry("mvp", "episodic", mvp.run_mvp,
                        dict(delta=0.05, c1=mvp.C1, c2=mvp.C2, c3=mvp.C3, bonus="bernstein", tie_break="random"),
                        "Monotonic Value Propagation, total reward <= 1 (Zhang, Ji, Du 2021)"),
    "q-ucb-h": LearnerEntry("q-ucb-h", "episodic", q_learning_ucb.run_q_ucb_hoeffding,
                            dict(delta=0.05, c=1.0, tie_break="random", learning_rate="paper"),
                            "Q-learning with UCB-Hoeffding (Jin et al. 2018, Alg. 1)"),
    "q-ucb-b": LearnerEntry("q-ucb-b", "episodic", q_learning_ucb.run_q_ucb_bernstein,
                            dict(delta=0.05, c1=1.0, c2=1.0, tie_break="random", learning_rate="paper"),
                            "Q-learning with UCB-Bernstein (Jin et al. 2018, Alg. 2)"),
    "psrl": LearnerEntry("psrl", "episodic", psrl.run_psrl,
                         dict(dirichlet_prior=1.0, beta_prior=(1.0, 1.0), tie_break="random", posterior_scale=1.0),
                         "Posterior sampling, episodic (Osband, Russo, Van Roy 2013, Alg. 1)"),
    # average-reward learners
    "ucrl2": LearnerEntry("ucrl2", "average", ucrl2.run_ucrl2,
                          dict(delta=0.05, radius="jaksch", radius_scale=1.0, log_term=True, stop_scale=1.0,
                               tie_break="random", episode_rule="jaksch"),
                          "UCRL2 with extended value iteration (Jaksch, Ortner, Auer 2010, Fig. 1)"),
    "kl-ucrl": LearnerEntry("kl-ucrl", "average", kl_ucrl.run_kl_ucrl,
                            dict(delta=0.05, radius_scale=1.0, stop_scale=1.0, tie_break="random"),
                            "UCRL2 with KL confidence sets (Filippi, Cappe, Garivier 2010)"),
    "ucrl3": LearnerEntry("ucrl3", "average", ucrl3.run_ucrl3,
                          dict(delta=0.05, radius_scale=1.0, stop_scale=1.0, tie_break="random"),
                          "UCRL3-style Bernstein box sets, reconstruction (Bourel, Maillard, Talebi 2020)"),
    "tsde": LearnerEntry("tsde", "average", tsde.run_tsde,
                         dict(alpha0=1.0, plan_tol=1e-8, tie_break="random", length_rule=True),
                         "Thompson sampling with dynamic episodes (Ouyang et al. 2017, Alg. 1)"),
    "scal": LearnerEntry("scal", "average", scal.run_scal,
                         dict(c=None, delta=0.05, radius="jaksch", stop_scale=1.0, tie_break="random", tau=0.5),
                         "UCRL2 with span-truncated EVI, bound c required (Fruit et al. 2018)"),
}


def learner(name: str) -> LearnerEntry:
    """The registry entry of ``name``; a ModelError listing the known names otherwise."""
    try:
        return LEARNERS[name]
    except KeyError:
        raise ModelError(f"unknown learner {name!r}; choose from {', '.join(sorted(LEARNERS))}") from None


__all__ = ["LEARNERS", "LearnerEntry", "learner", "SETTINGS"]
