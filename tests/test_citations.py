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
                                        if not p.stem.startswith("_") and p.stem not in {"core", "checkers"}),
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


# ------------------------------------------------------------------ theory notes (docs/theory/<bibkey>.md)
def github_slug(heading: str) -> str:
    """GitHub's anchor for a markdown heading: lower case, punctuation other than ``-``/``_`` dropped,
    spaces to hyphens (backticks, dots, colons vanish)."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of every ATX heading of a markdown file (outside fenced code)."""
    out, fenced = set(), False
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m and not fenced:
            out.add(github_slug(m.group(1)))
    return out


@pytest.mark.parametrize("heading, slug", [("`dvi_error`", "dvi_error"), ("Value iteration: error (Thm. 6.3.3)",
                                           "value-iteration-error-thm-633"), ("A.B c", "ab-c")])
def test_github_slug(heading, slug):
    assert github_slug(heading) == slug


def theory_problems(bound) -> list[str]:
    """What is wrong with a bound's ``Source.theory`` reference (empty list: nothing)."""
    ref = bound.source.theory
    if not ref:
        return [f"{bound.name}: Source.theory is not set"]
    path, _, anchor = ref.partition("#")
    if not path.startswith("docs/theory/") or not path.endswith(".md") or not anchor:
        return [f"{bound.name}: Source.theory {ref!r} is not 'docs/theory/<bibkey>.md#<anchor>'"]
    file = REPO / path
    if not file.is_file():
        return [f"{bound.name}: {path} does not exist"]
    if anchor not in anchors(file):
        return [f"{bound.name}: {path} has no heading with anchor #{anchor}"]
    return []


def registered_paper_bounds() -> list:
    """The bounds registered by the ``bounds/<bibkey>.py`` modules (names ``<module>.<name>``), not the
    throw-away bounds other tests register in the same process."""
    modules = {p.stem for p in (REPO / "bounds").glob("*.py") if not p.stem.startswith("_")}
    return [b for b in all_bounds() if b.name.split(".")[0] in modules]


def test_every_bound_has_a_theory_note_with_its_anchor():
    bounds = registered_paper_bounds()
    assert len(bounds) >= 40
    problems = [p for b in bounds for p in theory_problems(b)]
    assert not problems, "\n".join(problems)


def test_theory_check_fails_on_a_missing_anchor_and_a_missing_note():
    import dataclasses

    b = all_bounds()[0]
    path = b.source.theory.partition("#")[0]
    for broken in (f"{path}#no-such-heading", "docs/theory/nosuch1999.md#x", None, "docs/elsewhere.md#x"):
        bad = dataclasses.replace(b, source=dataclasses.replace(b.source, theory=broken))
        assert theory_problems(bad), broken


FORBIDDEN_IN_SOURCE = re.compile(r"shared|spec", re.IGNORECASE)


def test_no_source_field_points_outside_the_repository():
    import dataclasses

    bad = {b.name: f for b in registered_paper_bounds() for f, v in dataclasses.asdict(b.source).items()
           if isinstance(v, str) and FORBIDDEN_IN_SOURCE.search(v)}
    assert not bad, f"Source fields mention 'shared' or 'spec': {bad}"


def test_every_theory_note_is_indexed():
    index = (REPO / "docs" / "theory" / "README.md").read_text()
    notes = sorted(p.name for p in (REPO / "docs" / "theory").glob("*.md") if p.name != "README.md")
    assert notes and all(f"({n})" in index for n in notes), "docs/theory/README.md must link every note"


# ------------------------------------------------------------------ library text stays inside the repository
#: Library packages whose comments and strings must not point at the working notes outside the repository.
LIBRARY = ("mdplab", "algorithms", "bounds", "scenarios", "paper_figs")
#: ``../shared``, ``shared/papers``, ``shared/data``, and the word "spec"/"specs" (not ``file-spec.html``).
OUTSIDE_REFERENCE = re.compile(r"\.\./shared|shared/(?:papers|data)|(?<![\w-])specs?(?![\w-])", re.IGNORECASE)


def outside_references(text: str) -> list[tuple[int, str]]:
    """``(line, text)`` of every comment or string literal of Python source ``text`` that mentions
    ``../shared``, ``shared/papers``/``shared/data`` or "the spec" (identifiers such as a local variable
    ``spec`` are code, not prose, and are not reported)."""
    import io
    import tokenize

    hits = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type in (tokenize.COMMENT, tokenize.STRING) or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            for k, line in enumerate(tok.string.splitlines()):
                if OUTSIDE_REFERENCE.search(line):
                    hits.append((tok.start[0] + k, line.strip()))
    return hits


def library_files() -> list[Path]:
    return sorted(p for pkg in LIBRARY for p in (REPO / pkg).rglob("*.py"))


@pytest.mark.parametrize("source, n_hits", [
    ('"""Implements Eq. (3); see the spec Sec. 2.1."""\n', 1),
    ('x = 1  # from ../shared/papers/halpern.md\n', 1),
    ('"""Spec: martingale_and_srrw.md B3.2"""\nspec = spectral_decomposition(P)\n', 1),
    ("s = 'numbers in shared/data/README.md'\n", 1),
    ('"""Grammar: pomdp-solve ``docs/pomdp-file-spec.html``; see ``docs/theory/jia2022.md``."""\n', 0),
    ('spec = spectral_decomposition(P)  # eigenpairs\nlam = spec.lambdas\n', 0),
])
def test_outside_reference_detector(source, n_hits):
    assert len(outside_references(source)) == n_hits


@pytest.mark.parametrize("path", library_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_library_cites_docs_theory_not_outside_notes(path):
    hits = outside_references(path.read_text())
    assert not hits, (f"{path.relative_to(REPO)} points outside the repository (cite the paper's numbering and "
                      f"docs/theory/<bibkey>.md instead): " + "; ".join(f"line {n}: {t[:90]}" for n, t in hits[:8]))
