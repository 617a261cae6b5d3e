"""The reward-free scenarios (scenarios/theorems/reward_free.py): verdicts as declared (theorem checks PASS or
INCONCLUSIVE at quick size, every broken variant FAILs)."""
from __future__ import annotations

import numpy as np
import pytest

from scenarios.registry import get_scenario
from scenarios.runner import evaluate_scenario, run_cells
from scenarios.theorems.reward_free import censored_episodes, checkpoint_grid


def verdicts(name: str, tmp_path, records: list | None = None) -> list[tuple[str, str, str]]:
    sc = get_scenario(name)
    recs = run_cells([sc], out_dir=tmp_path)[name]
    if records is not None:
        records.extend(recs)
    rows = evaluate_scenario(sc, recs)
    assert all(r["matches"] for r in rows), rows
    return [(r["quantity"], r["verdict"], r["expected"]) for r in rows]


def test_certificate_holds_and_the_zero_width_variant_fails(tmp_path):
    from scenarios.theorems.reward_free import CERTIFICATE_BETA_SCALE, CERTIFICATE_CEILING

    recs: list = []
    assert verdicts("rfe_certificate", tmp_path, recs) == [("gap", "PASS", "PASS"), ("gap_broken", "FAIL", "FAIL"),
                                                           ("covered", "PASS", "PASS"),
                                                           ("covered_broken", "FAIL", "FAIL")]
    # the check is not vacuous: at the reduced beta every certificate is below its ceiling 4 (and above the gap)
    low = [r["values"] for r in recs if r["params"]["beta_scale"] == CERTIFICATE_BETA_SCALE]
    assert low and all(v["certificate"] < CERTIFICATE_CEILING and v["informative"] == 1.0 for v in low)
    assert all(v["gap"] <= v["certificate"] for v in low)


@pytest.mark.slow
def test_horizon_free_quick_is_inconclusive_and_unweighted_fails(tmp_path):
    # quick size (24 seeds): the learner's CI is wider than 0.11 (INCONCLUSIVE by design, full size decides)
    assert verdicts("rfe_horizon_free", tmp_path) == [("episodes", "INCONCLUSIVE", "PASS"),
                                                      ("episodes_broken", "FAIL", "FAIL")]


def test_flatness_window_implies_the_issue_window():
    """A PASS of the learner's check implies CI inside [-0.1, 0.2]; a FAIL of the broken variant's check
    implies its CI misses [-0.1, 0.2] (check_rate: PASS iff width <= w and CI meets claimed +- atol)."""
    from bounds.checkers import check_rate
    from bounds.core import get_bound
    from scenarios.theorems import reward_free as rf

    centre = get_bound("zhang2023rfe.horizon_window").slope("H", "loglog")
    assert abs(centre - 0.05) < 1e-12
    assert centre - rf.FLAT_SLOPE_ATOL - rf.FLAT_MAX_CI_WIDTH >= -0.1 - 1e-12
    assert centre + rf.FLAT_SLOPE_ATOL + rf.FLAT_MAX_CI_WIDTH <= 0.2 + 1e-12
    assert centre - rf.BROKEN_SLOPE_ATOL <= -0.1 + 1e-12 and centre + rf.BROKEN_SLOPE_ATOL >= 0.2 - 1e-12
    H = np.array([4.0, 8.0, 16.0, 32.0])
    rng = np.random.default_rng(0)
    for slope, want in ((0.02, "PASS"), (0.08, "PASS"), (0.3, "FAIL"), (-0.2, "FAIL")):
        y = np.exp(slope * np.log(H)[:, None] + 2.0 + 0.01 * rng.standard_normal((4, 50)))
        v = check_rate(H, y, centre, slope_atol=rf.FLAT_SLOPE_ATOL, max_ci_width=rf.FLAT_MAX_CI_WIDTH)
        assert v.status == want, v.reason
