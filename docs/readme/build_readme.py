"""Assemble README.md from docs/readme/*.md (run: python3 docs/readme/build_readme.py)."""
from pathlib import Path

HERE = Path(__file__).parent
ORDER = ["_top", "core", "core_benchmark", "harness", "pomdp", "distributional", "halpern", "martingale", "srrw"]


def demote(text: str) -> str:
    """Top-level '# ' sections become '## ' (and deeper headings one level deeper)."""
    lines = text.splitlines()
    if not any(line.startswith("# ") for line in lines):
        return text
    out = []
    fence = False
    for line in lines:
        if line.startswith("```"):
            fence = not fence
        out.append("#" + line if (not fence and line.startswith("#")) else line)
    return "\n".join(out)


parts = []
for name in ORDER:
    path = HERE / f"{name}.md"
    if path.exists():
        text = path.read_text().strip()
        parts.append(text if name == "_top" else demote(text))
(HERE.parents[1] / "README.md").write_text("\n\n".join(parts) + "\n")
