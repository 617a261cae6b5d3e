"""Lower bounds for learning in revealing POMDPs (Chen, Wang, Xiong, Mei, Bai, ICML 2023, arXiv:2302.01333,
bibkey ``chen2023revealing``): hard families (:mod:`.families`), exact divergences and Ingster's chi-square
(:mod:`.divergences`), learners held to the bounds (:mod:`.learners`).  See docs/revealing.md."""
from .divergences import (chi_square, hellinger_sq, kl_divergence, mixture_chi_square, n_lb_total, n_star,
                          observation_law, paninski_mixture_chi_square, product_divergences, total_variation)
from .families import (EpisodicPOMDP, costly_reveal, leaky, optimal_value, paninski_law, policy_value,
                       reveal_test, to_pomdp)
from .learners import (collision_tester, episodes_to_eps, etc_regret_curve, greedy_regret_curve, omle_lite)

BIBKEY = "chen2023revealing"
