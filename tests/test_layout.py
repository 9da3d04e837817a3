"""Tests mirror module paths: freqlens/<package>/<module>.py is tested in tests/<package>/test_<module>.py.

A package's own code (its __init__.py) is tested in tests/<package>/test_<package>.py (a subpackage's in
tests/<package>/<subpackage>/test_<subpackage>.py), freqlens/__init__.py in
tests/test_freqlens.py. Only modules that define public functions or classes need a mirror; private modules (a
`_`-prefixed part) are tested through their public callers.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "freqlens"

def mirror(module: Path) -> Path:
    """The test file that mirrors `module` (a path under freqlens/)."""
    rel = module.relative_to(PACKAGE)
    if rel.name == "__init__.py":
        name = rel.parent.name or "freqlens"
        return ROOT / "tests" / rel.parent / f"test_{name}.py"
    return ROOT / "tests" / rel.parent / f"test_{rel.stem}.py"


def defines_public_callables(module: Path) -> bool:
    tree = ast.parse(module.read_text())
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith("_")
               for node in tree.body)


def modules_needing_a_mirror() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if any(part.startswith("_") and part != "__init__.py" for part in rel.parts):
            continue
        if defines_public_callables(path):
            out.append(str(path.relative_to(ROOT)))
    return out


def test_mirror_names():
    assert mirror(PACKAGE / "probes" / "heatmap.py") == ROOT / "tests" / "probes" / "test_heatmap.py"
    assert mirror(PACKAGE / "report" / "__init__.py") == ROOT / "tests" / "report" / "test_report.py"
    assert mirror(PACKAGE / "train.py") == ROOT / "tests" / "test_train.py"
    assert "freqlens/probes/heatmap.py" in modules_needing_a_mirror()
    assert "freqlens/commands/_common.py" not in modules_needing_a_mirror()


def test_every_module_with_public_callables_has_its_mirror_test_file():
    missing = [m for m in modules_needing_a_mirror() if not mirror(ROOT / m).is_file()]
    assert not missing, "modules without their mirror test file:\n" + "\n".join(
        f"  {m} -> {mirror(ROOT / m).relative_to(ROOT)}" for m in missing)


def design_modules() -> set[str]:
    """Module paths listed in docs/DESIGN.md's package-layout block, as 'freqlens/<package>/<module>.py'."""
    text = (ROOT / "docs" / "DESIGN.md").read_text()
    block = text.split("## Package layout", 1)[1].split("```", 2)[1]
    listed, package = set(), ""
    for line in block.splitlines():
        top = re.match(r"^  (\w+)/\s", line + " ")
        if top:
            package = top[1]
            continue
        module = re.match(r"^  (\S+\.py)\s", line) or re.match(r"^    (\S+\.py)\s", line)
        if module:
            listed.add(f"freqlens/{package}/{module[1]}" if line.startswith("    ") else f"freqlens/{module[1]}")
    return listed


def test_design_lists_every_module_and_only_real_ones():
    modules = {str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
               if p.name != "__init__.py" or p.parent == PACKAGE}
    listed = design_modules()
    assert "freqlens/probes/heatmap.py" in listed
    missing = sorted(modules - listed)
    stale = sorted(m for m in listed if not (ROOT / m).is_file())
    assert not missing, "modules missing from docs/DESIGN.md's package layout:\n  " + "\n  ".join(missing)
    assert not stale, "docs/DESIGN.md lists modules that do not exist:\n  " + "\n  ".join(stale)
