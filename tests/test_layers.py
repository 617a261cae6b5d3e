"""The layering of the repository (STYLE.md "Layout", issue 14), checked by parsing every module with ``ast``
(nothing is imported, so a lazy import inside a function counts as much as a top-level one):

(a) ``core``: a module of ``mdplab/`` other than its CLI (``mdplab/cli.py`` or the package ``mdplab/cli/``)
    imports nothing of ``algorithms``, ``bounds`` or ``scenarios``;
(b) ``private-kernels``: no module outside ``mdplab/`` (``tests/`` and ``benchmarks/`` aside) imports
    ``mdplab._kernels``; a kernel used by one paper package lives in that package;
(c) ``bounds``: a module of ``bounds/`` imports only the standard library (``sys.stdlib_module_names``),
    numpy, sympy and ``bounds``.

Import forms seen: ``import x``, ``from x import y`` (both ``x`` and ``x.y`` are checked), relative imports
(resolved against the module's package; a relative import reaching above the top-level package is resolved
against the repository root, so ``from .. import algorithms`` inside ``mdplab/`` is caught although Python
would refuse it), and calls of ``importlib.import_module`` / ``import_module`` / ``__import__`` with a string
literal (or an f-string whose literal head names the package, ``f"algorithms.{name}"``).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path, PurePosixPath

import pytest

REPO = Path(__file__).resolve().parents[1]

#: directories never scanned (generated, hidden or results)
SKIP_DIRS = {"__pycache__", "mdplab.egg-info", "mdplab-results", "build", "dist"}
#: packages the core must not import (rule a)
UPPER_LAYERS = ("algorithms", "bounds", "scenarios")
#: top-level directories allowed to import ``mdplab._kernels`` besides ``mdplab/`` itself (rule b)
KERNEL_USERS = ("mdplab", "tests", "benchmarks")
#: what ``bounds/`` may import besides the standard library (rule c)
BOUNDS_ALLOWED = frozenset({"numpy", "sympy", "bounds"})
IMPORT_FUNCTIONS = {"import_module", "__import__"}


def _within(name: str, package: str) -> bool:
    """``name`` is ``package`` or one of its submodules (dotted boundary: ``algorithms_x`` is not ``algorithms``)."""
    return name == package or name.startswith(package + ".")


def _package_parts(path: PurePosixPath) -> tuple[str, ...]:
    """The package a module's relative imports are resolved against: its directory's dotted parts."""
    return tuple(path.parent.parts) if path.parent != PurePosixPath(".") else ()


def _resolve(level: int, module: str | None, package: tuple[str, ...]) -> str:
    """Absolute dotted name of ``from <level dots><module> import ...`` in ``package`` (beyond the top: the root)."""
    base = package[:max(len(package) - (level - 1), 0)] if level else ()
    return ".".join(base + tuple(module.split(".") if module else ()))


def _literal_module(call: ast.Call) -> tuple[str, str | None] | None:
    """``(name, package)`` of an ``import_module(...)`` / ``__import__(...)`` call with a literal name, else None."""
    func = call.func
    fname = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if fname not in IMPORT_FUNCTIONS or not call.args:
        return None
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        name = arg.value
    elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant) \
            and "." in str(arg.values[0].value):
        name = str(arg.values[0].value).rsplit(".", 1)[0]  # f"algorithms.{x}" -> "algorithms"
    else:
        return None
    package = None
    if fname == "import_module":
        pkg = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "package"), None)
        if isinstance(pkg, ast.Constant) and isinstance(pkg.value, str):
            package = pkg.value
    return name, package


def imported_names(path: PurePosixPath, source: str) -> list[tuple[int, str]]:
    """``(line, absolute dotted name)`` for everything a module imports (``from x import y`` gives ``x`` and ``x.y``)."""
    package = _package_parts(path)
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.level, node.module, package)
            if base:
                out.append((node.lineno, base))
            out += [(node.lineno, f"{base}.{alias.name}" if base else alias.name)
                    for alias in node.names if alias.name != "*"]
        elif isinstance(node, ast.Call) and (found := _literal_module(node)) is not None:
            name, pkg = found
            if name.startswith("."):
                level = len(name) - len(name.lstrip("."))
                # import_module(".x", "pkg") is pkg.x; without a literal package, resolve against the module's own
                name = _resolve(level, name.lstrip(".") or None, tuple(pkg.split(".")) if pkg else package)
            if name:
                out.append((node.lineno, name))
    return out


def _is_cli(path: PurePosixPath) -> bool:
    return path == PurePosixPath("mdplab/cli.py") or path.parts[:2] == ("mdplab", "cli")


def layer_violations(path: PurePosixPath | str, source: str) -> list[str]:
    """Every breach of rules (a)-(c) by the module at repository-relative ``path`` with text ``source``,
    one message per (line, rule): ``path:line: [rule] imports name: why``."""
    path = PurePosixPath(path)
    top = path.parts[0] if len(path.parts) > 1 else ""
    found: dict[tuple[int, str], str] = {}
    for line, name in imported_names(path, source):
        if top == "mdplab" and not _is_cli(path) and any(_within(name, p) for p in UPPER_LAYERS):
            found.setdefault((line, "core"), f"{path}:{line}: [core] imports {name}: the core never imports "
                                              f"{'/'.join(UPPER_LAYERS)} (only its CLI may, lazily)")
        if top not in KERNEL_USERS and _within(name, "mdplab._kernels"):
            found.setdefault((line, "private-kernels"),
                             f"{path}:{line}: [private-kernels] imports {name}: mdplab._kernels is private to the "
                             "core; call the core's public function or move the kernel into your package")
        if top == "bounds" and name.split(".")[0] not in sys.stdlib_module_names | BOUNDS_ALLOWED:
            found.setdefault((line, "bounds"), f"{path}:{line}: [bounds] imports {name}: bounds/ imports only the "
                                                "standard library, numpy, sympy and bounds")
    return [found[k] for k in sorted(found)]


def python_modules(root: Path) -> list[Path]:
    """Every ``*.py`` under ``root`` outside hidden, generated and results directories."""
    return sorted(p for p in root.rglob("*.py")
                  if not any(part in SKIP_DIRS or part.startswith(".") for part in p.relative_to(root).parts[:-1]))


def scan_tree(root: Path) -> list[str]:
    """:func:`layer_violations` of every module under ``root`` (paths relative to ``root``)."""
    out: list[str] = []
    for p in python_modules(root):
        out += layer_violations(PurePosixPath(p.relative_to(root).as_posix()), p.read_text(encoding="utf-8"))
    return out


# ------------------------------------------------------------------------------------------ the repository
def test_the_scan_sees_every_layer():
    """Guard against a vacuous pass: the walk finds the modules it is meant to check."""
    seen = {p.relative_to(REPO).as_posix() for p in python_modules(REPO)}
    for expected in ("mdplab/__init__.py", "mdplab/_kernels/bellman.py", "algorithms/__init__.py",
                     "bounds/core.py", "scenarios/__init__.py", "tests/test_layers.py"):
        assert expected in seen, f"the layer scan missed {expected}"
    assert not any(s.startswith(("mdplab.egg-info/", ".git/")) for s in seen)


def test_the_repository_respects_its_layers():
    violations = scan_tree(REPO)
    assert not violations, "layer violations:\n" + "\n".join(violations)


# ------------------------------------------------------------------------------------------ the checker itself
#: (repository-relative path, source, rule): each plants one violation in one import form
PLANTED = [
    # (a) the core imports an upper layer
    ("mdplab/x.py", "import algorithms\n", "core"),
    ("mdplab/x.py", "import bounds.core\n", "core"),
    ("mdplab/x.py", "import scenarios.harness.runner as runner\n", "core"),
    ("mdplab/x.py", "import numpy as np, scenarios\n", "core"),
    ("mdplab/x.py", "from algorithms import srrw\n", "core"),
    ("mdplab/x.py", "from bounds.core import Bound\n", "core"),
    ("mdplab/x.py", "from scenarios import instances\n", "core"),
    ("mdplab/x.py", "from .. import algorithms\n", "core"),
    ("mdplab/solvers/x.py", "from ...scenarios import registry\n", "core"),
    ("mdplab/_kernels/x.py", "from ...bounds.core import Bound\n", "core"),
    ("mdplab/x.py", "import importlib\nimportlib.import_module('algorithms.srrw')\n", "core"),
    ("mdplab/x.py", "from importlib import import_module\nimport_module('bounds')\n", "core"),
    ("mdplab/x.py", "import importlib\nimportlib.import_module('.theorems', 'scenarios')\n", "core"),
    ("mdplab/x.py", "import importlib\nimportlib.import_module(f'algorithms.{NAME}')\n", "core"),
    ("mdplab/x.py", "__import__('scenarios.theorems')\n", "core"),
    ("mdplab/x.py", "def solve():\n    from algorithms import anchored_vi\n    return anchored_vi\n", "core"),
    ("mdplab/x.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import bounds\n", "core"),
    ("mdplab/pomdp_cli.py", "from scenarios.harness import runner\n", "core"),
    ("mdplab/cli_tools.py", "import algorithms\n", "core"),
    ("mdplab/__init__.py", "from bounds import core\n", "core"),
    # (b) outside the core, the core's private kernels
    ("algorithms/x.py", "import mdplab._kernels\n", "private-kernels"),
    ("algorithms/x.py", "import mdplab._kernels.bellman as kb\n", "private-kernels"),
    ("algorithms/srrw/walk.py", "from mdplab import _kernels\n", "private-kernels"),
    ("algorithms/x.py", "from mdplab import MDP, _kernels\n", "private-kernels"),
    ("scenarios/theorems/x.py", "from mdplab._kernels import bellman\n", "private-kernels"),
    ("paper_figs/x.py", "from mdplab._kernels.bellman import bellman_optimality_dense\n", "private-kernels"),
    ("docs/x.py", "from mdplab._kernels.span import *\n", "private-kernels"),
    ("x.py", "import importlib\nimportlib.import_module('mdplab._kernels.sde')\n", "private-kernels"),
    ("algorithms/x.py", "from importlib import import_module\nimport_module('._kernels', package='mdplab')\n",
     "private-kernels"),
    ("algorithms/x.py", "def f():\n    from mdplab._kernels import srrw\n", "private-kernels"),
    # (c) bounds/ imports beyond stdlib, numpy, sympy, bounds
    ("bounds/x.py", "import scipy\n", "bounds"),
    ("bounds/x.py", "import mdplab\n", "bounds"),
    ("bounds/x.py", "from mdplab.operators import bellman_backup\n", "bounds"),
    ("bounds/x.py", "from algorithms import srrw\n", "bounds"),
    ("bounds/x.py", "import numpy_financial\n", "bounds"),
    ("bounds/x.py", "import sympy.abc, networkx\n", "bounds"),
    ("bounds/x.py", "from .. import mdplab\n", "bounds"),
    ("bounds/sub/x.py", "from ... import scenarios\n", "bounds"),
    ("bounds/x.py", "import importlib\nimportlib.import_module('scipy.linalg')\n", "bounds"),
    ("bounds/x.py", "def f():\n    import matplotlib.pyplot as plt\n", "bounds"),
]

#: (repository-relative path, source): allowed imports, including near misses of each rule
CLEAN = [
    ("mdplab/cli.py", "def main():\n    from algorithms import srrw\n    import scenarios.harness.runner\n"),
    ("mdplab/cli.py", "import importlib\nimportlib.import_module('bounds.core')\n"),
    ("mdplab/cli/__init__.py", "from scenarios.harness.runner import reproduce\n"),
    ("mdplab/cli/reproduce.py", "import importlib\nimportlib.import_module(f'scenarios.theorems.{name}')\n"),
    ("mdplab/operators.py", "from ._kernels.bellman import bellman_optimality_dense\nfrom . import _kernels\n"),
    ("mdplab/solvers/x.py", "from .._kernels import bellman\nfrom ..errors import ModelError\n"),
    ("mdplab/x.py", "import numpy as np\nimport algorithms_util\nimport scenariosplus\nimport boundsy\n"),
    ("mdplab/x.py", "ENTRY = 'algorithms.anchored_vi:anchored_value_iteration'\n"),
    ("mdplab/x.py", "import importlib\nimportlib.import_module(f'{__name__}.sub')\nimportlib.import_module(MODULE)\n"),
    ("mdplab/x.py", "from .chains import spectral_decomposition\nfrom mdplab import errors\n"),
    ("tests/test_x.py", "from mdplab._kernels import bellman\nimport mdplab._kernels.sde as K\n"),
    ("benchmarks/x.py", "from mdplab._kernels.span import difference_range\n"),
    ("algorithms/srrw/walk.py", "from . import _kernels as _k\nfrom ._kernels import walk_runs\n"),
    ("algorithms/distributional/stock_dp.py", "from algorithms.distributional import _kernels\n"),
    ("algorithms/x.py", "from mdplab import MDP, chains\nimport mdplab.errors\nfrom mdplab._kernelsx import y\n"),
    ("scenarios/theorems/x.py", "from algorithms import srrw\nfrom bounds.core import Bound\nimport mdplab\n"),
    ("paper_figs/x.py", "from scenarios.harness.runner import reproduce\nimport mdplab.sde\n"),
    ("bounds/x.py", "from __future__ import annotations\nimport math, fractions\nimport numpy as np\n"
                    "import sympy as sp\nfrom sympy.abc import x\nfrom .core import Bound\nfrom bounds import core\n"),
    ("bounds/x.py", "import importlib\nimportlib.import_module('bounds.core')\nimport importlib.metadata\n"),
    ("bounds/sub/x.py", "from .. import core\nfrom ..core import Bound\nfrom . import y\n"),
]


def _plant(root: Path, rel: str, source: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


@pytest.mark.parametrize("rel, source, rule", PLANTED, ids=[f"{r}-{p}-{i}" for i, (p, _, r) in enumerate(PLANTED)])
def test_each_rule_fails_on_a_planted_import(tmp_path, rel, source, rule):
    _plant(tmp_path, rel, source)
    found = scan_tree(tmp_path)
    assert len(found) == 1, f"expected one [{rule}] violation in {rel!r} for {source!r}, got {found}"
    assert f"[{rule}]" in found[0] and found[0].startswith(f"{rel}:"), found[0]


@pytest.mark.parametrize("rel, source", CLEAN, ids=[f"{p}-{i}" for i, (p, _) in enumerate(CLEAN)])
def test_the_checker_passes_allowed_imports(tmp_path, rel, source):
    _plant(tmp_path, rel, source)
    assert scan_tree(tmp_path) == []


def test_a_violation_names_the_file_and_line():
    found = layer_violations("mdplab/sub/x.py", "import numpy\n\nfrom algorithms import srrw\n")
    assert found == ["mdplab/sub/x.py:3: [core] imports algorithms: the core never imports "
                     "algorithms/bounds/scenarios (only its CLI may, lazily)"]


def test_the_scan_skips_generated_and_hidden_directories(tmp_path):
    for rel in ("mdplab.egg-info/x.py", ".git/x.py", "mdplab/__pycache__/x.py", "mdplab-results/x.py"):
        _plant(tmp_path, rel, "import mdplab._kernels\nimport algorithms\n")
    _plant(tmp_path, "mdplab/y.py", "import algorithms\n")
    assert [v.split(":")[0] for v in scan_tree(tmp_path)] == ["mdplab/y.py"]
