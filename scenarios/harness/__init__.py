"""The theorem-reproduction harness: the scenario registry (:mod:`.registry`), the runner (:mod:`.runner`:
seeds, cells, backends, JSONL results files), the verdicts (:mod:`.verdicts`) and the report with the
plotting helpers the figure scripts share (:mod:`.report`).  Scenarios themselves live in
:mod:`scenarios.theorems`, instances in :mod:`scenarios.instances`."""
