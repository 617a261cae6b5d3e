"""The Halpern-family scenarios register, their cells run, and on one cell each the checked bound holds.

(The full verdicts come from ``mdplab reproduce NAME --quick``; this only guards the cell code in CI.)"""
from __future__ import annotations

import math

import pytest

from bounds.core import get_bound
import scenarios.halpern  # noqa: F401  (registers the scenarios without discovering every module)
from scenarios.registry import get_scenario

NAMES = ["halpern_rotation", "halpern_cocoercive", "anc_vi_upper", "anc_vi_lower_chain", "anc_vi_gamma_one_affine",
         "anc_vi_gamma_one_optimality", "avg_anc_vi", "avg_anc_vi_periodic", "eg_gap", "mirror_prox_gap",
         "vr_halpern_sqrt_n"]


@pytest.mark.parametrize("name", NAMES)
def test_first_quick_cell(name):
    sc = get_scenario(name)
    assert sc.cell.__module__ == "scenarios.theorems.halpern"
    out = sc.cell(sc.grid["quick"][0], 12345)
    for check in sc.checks:
        measured = out[check.measured_key]
        assert math.isfinite(measured)
        if check.kind == "rate":
            continue
        b = out[check.bound_key]
        relation = get_bound(check.bound).relation
        slack = (b - measured) if relation == "<=" else (measured - b)
        assert slack >= -check.tolerance.allowance(b), (check.bound, measured, b)
