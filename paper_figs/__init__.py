"""Figure scripts: one module per figure, each with ``make(results_dir, out_dir) -> list[Path]`` reading the
``<scenario>.jsonl`` results files of ``mdplab reproduce``; ``mdplab figures`` runs them all, and each runs
alone as ``python paper_figs/<name>.py RESULTS_DIR OUT_DIR``.  Bound curves come from the registered sympy
bound itself (:func:`scenarios.runner.plot_bound_curve`), with the legend from ``sympy.latex``."""
