"""Registry discovery shared by :mod:`bounds.core` and :mod:`scenarios.harness.registry`: import every
public module of a package so that its module-level ``register_*`` calls run.

Standard library only (``bounds`` may import nothing of ours but ``bounds``; ``scenarios`` may import
``bounds``), so this one function serves both registries.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Iterable


def import_submodules(package: str, exclude: Iterable[str] = ()) -> list[str]:
    """Import ``package.<name>`` for every module ``name`` directly inside ``package`` that does not start
    with ``_`` and is not in ``exclude``, in sorted order; return the imported module names."""
    pkg = importlib.import_module(package)
    skip = frozenset(exclude)
    names = sorted(info.name for info in pkgutil.iter_modules(pkg.__path__)
                   if not info.name.startswith("_") and info.name not in skip)
    for name in names:
        importlib.import_module(f"{package}.{name}")
    return [f"{package}.{name}" for name in names]
