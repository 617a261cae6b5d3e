"""README.md is the front door: at most 300 lines, its three commands are the ones CI runs, and every Python
example in it runs."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()
SETUP = 'python3 -m pip install -e ".[test,dask]"'
TESTS = 'python3 -m pytest -q -m "not slow"'


def test_readme_is_short():
    assert len(README.splitlines()) <= 300


def test_readme_shows_the_three_commands_and_ci_runs_exactly_two_of_them():
    for command in (SETUP, "mdplab reproduce --all --quick", TESTS):
        assert f"    {command}\n" in README, command
    ci = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.lstrip().startswith(("#", "set ", "cd "))]
    assert ci == [SETUP, TESTS]


def test_readme_links_point_to_existing_files():
    missing = [t for t in re.findall(r"\]\(([^)#]+)\)", README) if not (REPO / t).exists()]
    assert not missing, f"README links to missing files: {missing}"


@pytest.mark.parametrize("block", re.findall(r"```python\n(.*?)```", README, re.S),
                         ids=lambda b: b.splitlines()[0][:40])
def test_readme_example_runs(block, monkeypatch):
    monkeypatch.chdir(REPO)
    exec(compile(block, "README.md", "exec"), {})
