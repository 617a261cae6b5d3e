"""Moved (issue 14): the runner is :mod:`scenarios.harness.runner` (seeds, cells, backends, results files,
:func:`reproduce`), the verdicts :mod:`scenarios.harness.verdicts` and the report and plotting helpers
:mod:`scenarios.harness.report`.  This old name re-exports their public names."""
from scenarios.harness.registry import params_key
from scenarios.harness.report import plot_bound_curve, save_figure, scenario_figure, write_report
from scenarios.harness.runner import (Cell, cell_seed, execute_cell, plan_cells, read_results, reproduce, results_path,
                                      run_cells)
from scenarios.harness.verdicts import evaluate_scenario, json_rows, run_check, verdict_table

__all__ = ["Cell", "cell_seed", "evaluate_scenario", "execute_cell", "json_rows", "params_key", "plan_cells",
           "plot_bound_curve", "read_results", "reproduce", "results_path", "run_cells", "run_check", "save_figure",
           "scenario_figure", "verdict_table", "write_report"]
