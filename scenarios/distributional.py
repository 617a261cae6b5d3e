"""Moved to :mod:`scenarios.theorems.distributional` (issue 14).

This old name stays importable: it is the same module object."""
import importlib as _importlib
import sys as _sys

_sys.modules[__name__] = _importlib.import_module("scenarios.theorems.distributional")
