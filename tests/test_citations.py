"""Every bound and every ``algorithms/`` module cites a key of ``references.bib`` (convention in
:mod:`bounds.core`)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bounds.core import all_bounds

REPO = Path(__file__).resolve().parents[1]
ATTRIBUTES = ("BIBKEY", "BIBKEYS", "__citation__")
#: Docstring forms: ``[@key]``, a ``Bibkey: key`` line, or a bibkey-shaped literal in (single or double) backticks.
DOC_PATTERNS = (re.compile(r"\[@([A-Za-z][\w:-]*)\]"), re.compile(r"(?im)^\s*bibkey:\s*([A-Za-z][\w:-]*)"),
                re.compile(r"(?<!`)`{1,2}([a-z]+[0-9]{4}[a-z0-9]*)`{1,2}(?!`)"))


def bib_keys() -> set[str]:
    text = (REPO / "references.bib").read_text()
    return set(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", text))


def cited_keys(path: Path) -> set[str]:
    """Keys a module declares (module-level BIBKEY/BIBKEYS/__citation__), else names in its docstring."""
    tree = ast.parse(path.read_text(), filename=str(path))
    keys: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id in ATTRIBUTES for t in targets):
                value = ast.literal_eval(node.value)
                keys |= {value} if isinstance(value, str) else set(value)
    if keys:
        return keys
    doc = ast.get_docstring(tree) or ""
    return {m for pat in DOC_PATTERNS for m in pat.findall(doc)}


def algorithm_modules() -> list[Path]:
    return sorted(p for p in (REPO / "algorithms").rglob("*.py")
                  if not p.name.startswith("_") and p.name != "cli.py")


def test_bib_parses_and_has_the_core_key():
    keys = bib_keys()
    assert "puterman1994" in keys and len(keys) >= 10


def test_every_bound_cites_a_key_in_references_bib():
    keys = bib_keys()
    missing = {b.name: b.source.bibkey for b in all_bounds() if b.source.bibkey not in keys}
    assert not missing, f"bounds cite keys absent from references.bib: {missing}"


@pytest.mark.parametrize("path", algorithm_modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_algorithms_module_cites_keys_in_references_bib(path):
    cited = cited_keys(path)
    assert cited, (f"{path.relative_to(REPO)} names no bibkey: add BIBKEY = 'key' (or BIBKEYS) or cite "
                   "``key`` in its docstring (see bounds/core.py)")
    missing = cited - bib_keys()
    assert not missing, f"{path.relative_to(REPO)} cites {sorted(missing)}, absent from references.bib"


@pytest.mark.parametrize("path", sorted(p for p in (REPO / "bounds").glob("*.py")
                                        if p.stem not in {"__init__", "core", "checkers"}),
                         ids=lambda p: p.name)
def test_every_bounds_module_has_the_citation_docstring(path):
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert "Deviations" in doc, f"{path.name}: the module docstring needs a 'Deviations:' line (STYLE.md)"
    assert cited_keys(path) & bib_keys() or path.stem in bib_keys(), f"{path.name} names no key of references.bib"


@pytest.mark.parametrize("source, expected", [
    ('"""Doc."""\nBIBKEY = "nosuch2020"\n', {"nosuch2020"}),
    ('"""Doc."""\nBIBKEYS = ("a2020", "b2021x")\n', {"a2020", "b2021x"}),
    ('"""Implements Eq. (3) of ``lee2023anchoring``; see [@cai2024].\n\nBibkey: doshi2023\n"""\n',
     {"lee2023anchoring", "cai2024", "doshi2023"}),
    ('"""Source: Zhou et al. (`zhou2023lmdp`)."""\n', {"zhou2023lmdp"}),
    ('"""No citation, ``not_a_key`` and ``v_k``."""\n', set()),
])
def test_cited_keys_finds_the_declared_forms(tmp_path, source, expected):
    path = tmp_path / "m.py"
    path.write_text(source)
    assert cited_keys(path) == expected


def resolve(dotted: str):
    """The object a dotted name points to: the longest importable module prefix, then attributes."""
    import importlib

    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(dotted)


def test_every_bound_names_an_existing_measuring_function():
    broken = {}
    for b in all_bounds():
        try:
            resolve(b.measured_by)
        except (ImportError, AttributeError) as exc:
            broken[b.name] = f"{b.measured_by}: {exc}"
    assert not broken, f"measured_by names nothing importable: {broken}"
