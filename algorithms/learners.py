"""Registry of mdplab's online learners: CLI name -> setting, runner, default constants.

Each runner has the signature of its setting:

* ``"episodic"``: ``runner(P, R, mu, H, K, seed, **constants) -> mdplab.regret.LearnerRun``;
* ``"average"``: ``runner(P, R, s0, T, seed, **constants) -> mdplab.regret.LearnerRun``;
* ``"lmdp"``: ``runner(lmdp: mdplab.lmdp.LatentMDP, K, seed, **constants) -> mdplab.regret.LearnerRun``
  (episodic latent MDP, context revealed after each episode; the horizon is the model's).

``defaults`` lists the constants a user may override (``--param KEY=VALUE``) with the paper's values;
:func:`learner` looks a name up with an error that lists the known names.  Sources are in each
learner's module (``BIBKEY``); this module only indexes them (bibkeys ``azar2017``, ``zhang2021mvp``,
``jin2018``, ``osband2013``, ``jaksch2010``, ``filippi2010``, ``bourel2020``, ``ouyang2017``,
``fruit2018scal``, ``he2024loop``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from mdplab.errors import ModelError

from . import lmdp_hf, kl_ucrl, loop, mvp, psrl, q_learning_ucb, scal, tsde, ucbvi, ucrl2, ucrl3

BIBKEYS = ("azar2017", "zhang2021mvp", "jin2018", "osband2013", "jaksch2010", "filippi2010", "bourel2020",
           "ouyang2017", "fruit2018scal", "he2024loop", "zhou2023lmdp", "wu2022vtr")
SETTINGS = ("episodic", "average", "lmdp")
#: average-reward learners that need the linear-mixture arrays (``Phi``, ``theta``) of their model, passed as
#: keyword constants by the caller (``scenarios.harness.regret_runs``)
LINEAR_MIXTURE_LEARNERS = ("loop-lm", "ucrl2-vtr")


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
    "loop": LearnerEntry("loop", "average", loop.run_loop,
                         dict(B=None, delta=0.05, c_r=14.0, radius_scale=1.0, update_rule="doubling", c_sw=4.0,
                              c_beta=1.0, tau=0.5, stop_scale=1.0, tie_break="random"),
                         "LOOP, tabular instantiation (ours): span clipping at B (required), low switching "
                         "(He, Zhong, Yang 2024)"),
    "loop-value": LearnerEntry("loop-value", "average", loop.run_loop_value,
                               dict(B=None, delta=0.05, c_beta=1.0, update_rule="doubling", max_policies=64),
                               "LOOP, tabular value-based instantiation (ours), tiny instances: policy enumeration "
                               "+ one SOCP per policy (He, Zhong, Yang 2024)"),
    "loop-lm": LearnerEntry("loop-lm", "average", loop.run_loop_lm_model,
                            dict(B=None, delta=0.05, planner="auto", update_rule="det", lam=1.0, W=2.0, c_beta=1.0,
                                 n_grid=15, tau=0.5, stop_scale=1.0, bonus_scale=1.0),
                            "LOOP, linear-mixture instantiation (ours): value-targeted ellipsoid, B required; "
                            "needs a Phi/theta .npz (He, Zhong, Yang 2024)"),
    "ucrl2-vtr": LearnerEntry("ucrl2-vtr", "average", loop.run_ucrl2_vtr_model,
                              dict(B=1.0, delta=0.05, update_rule="det", lam=1.0, W=2.0, c_beta=1.0, tau=0.5,
                                   stop_scale=1.0, bonus_scale=1.0),
                              "UCRL2-VTR-style baseline, Hoeffding width (Wu, Zhou, Gu 2022); needs a Phi/theta .npz"),
    # latent-MDP learners (setting "lmdp")
    "lmdp-hf": LearnerEntry("lmdp-hf", "lmdp", lmdp_hf.run_lmdp_hf,
                            dict(delta=0.05, solver="value_opt", bonus="bernstein", policy_class="history",
                                 c1=lmdp_hf.C1, c2=lmdp_hf.C2, c3=lmdp_hf.C3, bonus_scale=1.0, gamma=None, iota=None,
                                 known_init=True),
                            "Horizon-free LMDP learner, context in hindsight, reconstruction (Zhou, Wang, Du 2023)"),
}


def learner(name: str) -> LearnerEntry:
    """The registry entry of ``name``; a ModelError listing the known names otherwise."""
    try:
        return LEARNERS[name]
    except KeyError:
        raise ModelError(f"unknown learner {name!r}; choose from {', '.join(sorted(LEARNERS))}") from None


__all__ = ["LEARNERS", "LearnerEntry", "learner", "SETTINGS", "LINEAR_MIXTURE_LEARNERS"]
