"""The four top-level packages import from this repository, never from the unrelated PyPI packages of the
same names (``algorithms``, ``bounds``, ``scenarios`` exist on PyPI)."""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest

#: The repository root: the parent of this test file's directory (no hard-coded path).
REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["mdplab", "algorithms", "bounds", "scenarios"])
def test_package_imports_from_this_repository(name):
    module = importlib.import_module(name)
    path = Path(module.__file__).resolve()
    assert path == REPO / name / "__init__.py", f"{name} imported from {path}, not from {REPO}"
    assert "this repository" in (module.__doc__ or "") or name == "mdplab"
