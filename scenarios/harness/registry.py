"""Theorem-reproduction scenarios: which instances, which algorithm, which grid, which checks.

A :class:`Scenario` names an instance family and an algorithm, a parameter grid for the ``"quick"``
(seconds) and ``"full"`` sizes, how many seeds per grid point, and the :class:`Check` s to run: each check
names a registered bound (:mod:`bounds.core`) and a checker kind (``"bound"``: measured vs bound on
every cell; ``"rate"``: fitted slope against ``rate_parameter`` vs the slope sympy derives from the bound;
``"lower"``: measured >= bound on every cell).  The work is a module-level (hence picklable) function
``cell(params: dict, seed: int) -> float | dict`` that builds the instance from ``seed`` with
``np.random.default_rng(seed)``, runs the algorithm and returns the measured value: a float, or a dict of
floats that holds ``measured`` (or the check's ``measured_key``) and optionally the bound's value
(``bound_key``, default ``"bound"``; when absent the runner evaluates the bound at ``params``) and any
other numbers worth keeping (e.g. ``"scale"`` for a scaled tolerance).  The runner derives ``seed``
deterministically from ``(scenario name, seed index)``: all grid points of one seed index share the
seed, hence the instance.

Registering a scenario (every module ``scenarios/theorems/<topic>.py`` is discovered automatically; instances
come from :mod:`scenarios.instances`, which registers nothing)::

    import numpy as np
    from scenarios.harness.registry import Check, Scenario, Tolerance, register_scenario

    def vi_error_cell(params: dict, seed: int) -> dict:
        rng = np.random.default_rng(seed)
        ...                                   # build the model, run k sweeps
        return {"measured": err, "bound": params["gamma"] ** params["k"] * e0, "scale": vmax}

    register_scenario(Scenario(
        name="vi_error", description="VI sup-norm error vs gamma^k ||V_0 - V*||",
        family="random dense MDPs, S states, A actions, Dirichlet(1) rows, U(0,1) rewards",
        algorithm="mdplab.operators.bellman_backup",
        cell=vi_error_cell,
        grid={"quick": [{"S": 10, "A": 3, "gamma": 0.9, "k": k} for k in (5, 10, 20)],
              "full": [{"S": 50, "A": 5, "gamma": 0.9, "k": k} for k in range(0, 100, 5)]},
        seeds={"quick": 5, "full": 30},
        checks=(Check("puterman1994.vi_error", "bound", tolerance=Tolerance(atol=1e-12, scale_key="scale")),
                Check("puterman1994.vi_error", "rate", rate_parameter="k", scale="semilog")),
    ))
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

SIZES = ("quick", "full")
CHECKERS = ("bound", "rate", "lower")
EXPECTED = ("PASS", "FAIL")

#: The package whose every public module is a scenario collection.
THEOREMS_PACKAGE = "scenarios.theorems"


class UnknownScenarioError(ValueError):
    """No registered scenario has this name."""


@dataclass(frozen=True)
class Tolerance:
    """Explicit tolerance rule: a cell passes a ``<=`` bound when
    ``measured <= bound + rtol * |bound| + atol * scale`` (``>=``: ``measured >= bound - ...``), where
    ``scale`` is the cell's ``scale_key`` value (1 when ``scale_key`` is None).  The default is exact:
    a tight cell (slack exactly 0) passes, any positive violation fails.  State why a nonzero tolerance is
    needed in ``reason`` (e.g. float rounding of an exact linear solve, relative to ``||V*||``)."""

    rtol: float = 0.0
    atol: float = 0.0
    scale_key: str | None = None
    reason: str = "exact"

    def __post_init__(self) -> None:
        if not (self.rtol >= 0 and self.atol >= 0):
            raise ValueError(f"tolerances must be >= 0; got rtol={self.rtol}, atol={self.atol}")

    def allowance(self, bound: float, scale: float = 1.0) -> float:
        return self.rtol * abs(bound) + self.atol * scale


@dataclass(frozen=True)
class Check:
    """One verdict: ``kind`` in ``("bound", "rate", "lower")`` applied to the registered bound ``bound``.

    Rate checks: ``rate_parameter`` is the grid key (and bound symbol name) on the x axis, ``scale`` is
    ``"loglog"`` (claimed slope = ``Bound.exponent``) or ``"semilog"`` (``Bound.log_slope``: geometric
    rates), ``alternative`` is ``"equal"`` (the fitted slope must match the claimed one: use it when the
    bound is tight in rate on this family) or ``"less"`` (the fitted slope must not exceed it: the bound
    only promises decay at least that fast), ``slope_atol`` the modelling slack on the slope,
    ``max_ci_width`` the widest confidence interval that still decides, ``min_seeds``/``min_points`` the
    least evidence that decides (less gives INCONCLUSIVE).  ``asymptotic=True``: the claimed slope is the
    limit of the bound's exponent as ``rate_parameter`` tends to infinity (the leading term's exponent;
    lower-order terms, unknown constants and log factors drop out), for bounds with unknown constants.

    ``expected`` is ``"PASS"`` (the default: the theorem's claim) or ``"FAIL"``: the check is applied to a
    deliberately broken variant (another ``measured_key``, or a scenario of broken cells) and must fail,
    which shows the checker has teeth.  :func:`verdict_matches` says when a verdict agrees with it."""

    bound: str
    kind: str
    tolerance: Tolerance = Tolerance()
    measured_key: str = "measured"
    bound_key: str = "bound"
    rate_parameter: str | None = None
    scale: str = "loglog"
    alternative: str = "equal"
    slope_atol: float = 0.0
    max_ci_width: float = 0.5
    min_seeds: int = 3
    min_points: int = 3
    asymptotic: bool = False
    expected: str = "PASS"

    def __post_init__(self) -> None:
        if self.expected not in EXPECTED:
            raise ValueError(f"Check.expected must be one of {EXPECTED}; got {self.expected!r}")
        if self.kind not in CHECKERS:
            raise ValueError(f"Check.kind must be one of {CHECKERS}; got {self.kind!r}")
        if self.kind == "rate" and not self.rate_parameter:
            raise ValueError(f"rate check of {self.bound!r} needs rate_parameter")
        if self.scale not in ("loglog", "semilog"):
            raise ValueError(f"Check.scale must be 'loglog' or 'semilog'; got {self.scale!r}")
        if self.alternative not in ("equal", "less"):
            raise ValueError(f"Check.alternative must be 'equal' or 'less'; got {self.alternative!r}")


@dataclass(frozen=True)
class Scenario:
    """A theorem reproduction (see the module docstring)."""

    name: str
    description: str
    family: str
    algorithm: str
    cell: Callable[[dict, int], "float | dict"]
    grid: Mapping[str, Sequence[dict]]
    seeds: Mapping[str, int]
    checks: tuple[Check, ...]
    notes: str = ""

    def __post_init__(self) -> None:
        for size in SIZES:
            if size not in self.grid or not self.grid[size]:
                raise ValueError(f"scenario {self.name!r}: grid needs a non-empty {size!r} list of params")
            if int(self.seeds.get(size, 0)) < 1:
                raise ValueError(f"scenario {self.name!r}: seeds[{size!r}] must be >= 1")
        if not self.checks:
            raise ValueError(f"scenario {self.name!r}: no checks")
        qualname = getattr(self.cell, "__qualname__", "<lambda>")
        if "<locals>" in qualname or "<lambda>" in qualname:
            raise ValueError(f"scenario {self.name!r}: cell must be a module-level function (picklable)")
        object.__setattr__(self, "checks", tuple(self.checks))
        object.__setattr__(self, "grid", {k: [dict(p) for p in v] for k, v in self.grid.items()})
        object.__setattr__(self, "seeds", {k: int(v) for k, v in self.seeds.items()})

    @property
    def bound_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.bound for c in self.checks))


def verdict_matches(verdict: str, expected: str) -> bool:
    """Whether a check's ``verdict`` agrees with its ``expected`` one (what ``mdplab reproduce``'s exit code
    reads).  Expected PASS: PASS and INCONCLUSIVE agree (INCONCLUSIVE is a lack of evidence at this size,
    never a failure of the code; the row says why), FAIL does not.  Expected FAIL (a broken variant): only
    FAIL agrees; a PASS means the checker lacks teeth, and an INCONCLUSIVE has not shown them."""
    if expected not in EXPECTED:
        raise ValueError(f"expected must be one of {EXPECTED}; got {expected!r}")
    return verdict == "FAIL" if expected == "FAIL" else verdict != "FAIL"


def params_key(params: dict) -> str:
    """Canonical JSON of one grid point (sorted keys, no spaces): how cells and records are matched."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"))


# ---------------------------------------------------------------------------------------- registry
_SCENARIOS: dict[str, Scenario] = {}
_DISCOVERED = False


def register_scenario(scenario: Scenario) -> Scenario:
    """Add ``scenario`` to the registry and return it (names are unique; every check's bound must be
    registered, else :class:`bounds.core.UnknownBoundError`)."""
    from bounds.core import get_bound

    for name in scenario.bound_names:
        get_bound(name)
    old = _SCENARIOS.get(scenario.name)
    if old is not None and old is not scenario and (old.cell.__module__, old.cell.__name__) != \
            (scenario.cell.__module__, scenario.cell.__name__):
        raise ValueError(f"a different scenario named {scenario.name!r} is already registered")
    _SCENARIOS[scenario.name] = scenario
    return scenario


def discover() -> None:
    """Import every module of ``scenarios/theorems/`` (:data:`THEOREMS_PACKAGE`) so its scenarios register."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    from bounds._discovery import import_submodules

    import_submodules(THEOREMS_PACKAGE)
    _DISCOVERED = True


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name`` (discovering the scenario modules only if it is not registered yet)."""
    if name not in _SCENARIOS:
        discover()
    try:
        return _SCENARIOS[name]
    except KeyError:
        raise UnknownScenarioError(f"no scenario named {name!r}; registered: {sorted(_SCENARIOS)}") from None


def all_scenarios() -> list[Scenario]:
    discover()
    return [_SCENARIOS[k] for k in sorted(_SCENARIOS)]


def catalogue() -> list[dict]:
    """Every registered scenario as a plain dict (what ``mdplab list --json`` prints): ``name, description,
    family, algorithm, checks`` (``"kind:bound"``), ``theorems`` (``[{name, source}]``), ``quick_cells``,
    ``full_cells``."""
    from bounds.core import get_bound

    return [{"name": sc.name, "description": sc.description, "family": sc.family, "algorithm": sc.algorithm,
             "checks": [f"{c.kind}:{c.bound}" for c in sc.checks],
             "theorems": [{"name": b, "source": get_bound(b).source.cite()} for b in sc.bound_names],
             "quick_cells": len(sc.grid["quick"]) * sc.seeds["quick"],
             "full_cells": len(sc.grid["full"]) * sc.seeds["full"]} for sc in all_scenarios()]
