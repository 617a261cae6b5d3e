"""The reward-free scenarios (scenarios/theorems/reward_free.py): verdicts as declared (theorem checks PASS or
INCONCLUSIVE at quick size, every broken variant FAILs)."""
from __future__ import annotations

import numpy as np
import pytest

from scenarios.registry import get_scenario
from scenarios.runner import evaluate_scenario, run_cells
from scenarios.theorems.reward_free import censored_episodes, checkpoint_grid


def verdicts(name: str, tmp_path) -> list[tuple[str, str, str]]:
    sc = get_scenario(name)
    rows = evaluate_scenario(sc, run_cells([sc], out_dir=tmp_path)[name])
    assert all(r["matches"] for r in rows), rows
    return [(r["quantity"], r["verdict"], r["expected"]) for r in rows]


def test_certificate_holds_and_the_zero_width_variant_fails(tmp_path):
    assert verdicts("rfe_certificate", tmp_path) == [("gap", "PASS", "PASS"), ("gap_broken", "FAIL", "FAIL"),
                                                     ("covered", "PASS", "PASS"), ("covered_broken", "FAIL", "FAIL")]


@pytest.mark.slow
def test_horizon_free_flat_and_unweighted_fails(tmp_path):
    assert verdicts("rfe_horizon_free", tmp_path) == [("episodes", "PASS", "PASS"),
                                                      ("episodes_broken", "FAIL", "FAIL")]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["rfe_lower_bound_d", "rfe_lower_bound_eps"])
def test_lower_bound_oracle_variant_fails(name, tmp_path):
    rows = verdicts(name, tmp_path)
    assert rows[1] == ("episodes_broken", "FAIL", "FAIL")
    assert rows[0][1] in ("PASS", "INCONCLUSIVE")


def test_checkpoint_grid_and_censoring():
    g = checkpoint_grid(16)
    assert g[0] == 1 and g[-1] == 16 and np.all(np.diff(g) > 0)
    assert np.all((g[1:] / g[:-1] <= 2 ** 0.35) | (g[1:] - g[:-1] == 1))

    class Run:
        def episodes_to_epsilon(self, eps):
            return -1
    assert censored_episodes(Run(), 0.1, 64) == 128.0


def test_figure_draws_from_trimmed_runs(tmp_path):
    import dataclasses

    import paper_figs.reward_free as fig

    assert fig.make(tmp_path / "none", tmp_path / "figs") == []
    trims = {"rfe_horizon_free": [{"S": 3, "A": 2, "d": 3, "H": H, "K_max": 16, "eps": 0.05, "beta_scale": 0.001}
                                  for H in (2, 4)],
             "rfe_lower_bound_d": [{"d": d, "H": 3, "eps": 0.1, "K_max": 16, "beta_scale": 0.1} for d in (2, 3)],
             "rfe_lower_bound_eps": [{"d": 2, "H": 3, "eps": e, "K_max": 16, "beta_scale": 0.1} for e in (0.1, 0.2)]}
    for name, grid in trims.items():
        sc = dataclasses.replace(get_scenario(name), grid={"quick": grid, "full": grid}, seeds={"quick": 2, "full": 2})
        run_cells([sc], out_dir=tmp_path / "res")
    out = fig.make(tmp_path / "res", tmp_path / "figs")
    assert len(out) == 1 and out[0].exists() and out[0].stat().st_size > 1000
