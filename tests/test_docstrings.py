"""Every public callable of freqlens documents Args, Returns, Raises, Source and a runnable `>>>` Example.

The public surface is `freqlens.__all__` plus, for every module whose dotted path has no `_`-prefixed part, its
`__all__` (or, without one, the functions and classes it defines under names without a leading underscore).
Callables not yet documented are listed by name in tests/docstring_debt.txt; the list may only shrink: a new
callable without the sections fails, and so does a listed callable that has been documented (remove its line).
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import freqlens

DEBT_FILE = Path(__file__).with_name("docstring_debt.txt")
SECTIONS = ("Args:", "Returns:", "Raises:", "Source:")
# Optional extras: a module that cannot be imported without its extra is skipped, not failed.
OPTIONAL = {"freqlens.integrations.lightning": "lightning"}


def _modules() -> list:
    out = [freqlens]
    for info in pkgutil.walk_packages(freqlens.__path__, "freqlens."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        if info.name in OPTIONAL and importlib.util.find_spec(OPTIONAL[info.name]) is None:
            continue
        out.append(importlib.import_module(info.name))
    return out


BROKEN: list[str] = []   # public names that fail to import (reported by test_surface_is_found)


def public_callables() -> dict[str, object]:
    """Map 'module.qualname' (where each callable is defined) to the callable, over the whole public surface."""
    found: dict[str, object] = {}
    BROKEN.clear()
    for module in _modules():
        names = getattr(module, "__all__", None)
        if names is None:
            names = [n for n, obj in vars(module).items() if not n.startswith("_")
                     and (inspect.isfunction(obj) or inspect.isclass(obj))
                     and getattr(obj, "__module__", None) == module.__name__]
        for name in names:
            try:
                obj = getattr(module, name, None)
            except ImportError as exc:
                BROKEN.append(f"{module.__name__}.{name}: {exc}")
                continue
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            home = getattr(obj, "__module__", "") or ""
            if not home.startswith("freqlens"):
                continue
            found[f"{home}.{obj.__qualname__}"] = obj
    return found


def missing_sections(obj) -> list[str]:
    """The sections `obj`'s own docstring lacks (a class may give Attributes: instead of Returns:)."""
    doc = inspect.getdoc(obj) or ""
    if inspect.isclass(obj) and obj.__doc__ is None:
        doc = ""
    lacks = []
    for section in SECTIONS:
        if section == "Returns:" and inspect.isclass(obj) and "Attributes:" in doc:
            continue
        if not re.search(rf"^\s*{section}", doc, flags=re.M):
            lacks.append(section)
    if not re.search(r"^\s*Examples?:", doc, flags=re.M) or ">>>" not in doc:
        lacks.append("Example (>>>)")
    return lacks


def _debt() -> set[str]:
    lines = DEBT_FILE.read_text().splitlines() if DEBT_FILE.is_file() else []
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_surface_is_found():
    surface = public_callables()
    assert not BROKEN, "public names that do not import:\n  " + "\n  ".join(BROKEN)
    # a walk that finds nothing would pass everything: it must see the library's main entry points
    for name in ("freqlens.probes.heatmap.fourier_heatmap", "freqlens.train.fit", "freqlens.fourier.nudft.nudft"):
        assert name in surface, f"{name} not found on the public surface"
    assert len(surface) > 150


def test_missing_sections_detects_a_bare_docstring():
    def bare(x):
        """Do something."""

    def full(x):
        """Do something.

        Args:
            x: a number.
        Returns:
            x.
        Raises:
            Nothing.
        Source:
            freqlens.
        Example:
            >>> full(1)
            1
        """
        return x

    assert missing_sections(bare) == [*SECTIONS, "Example (>>>)"]
    assert missing_sections(full) == []


def test_every_public_callable_has_the_five_sections():
    debt = _debt()
    problems = {name: missing_sections(obj) for name, obj in public_callables().items()}
    new = {name: lacks for name, lacks in problems.items() if lacks and name not in debt}
    assert not new, "public callables without the docstring sections (Args/Returns/Raises/Source/Example):\n" + \
        "\n".join(f"  {name}: lacks {', '.join(lacks)}" for name, lacks in sorted(new.items()))


def test_docstring_debt_only_shrinks():
    problems = {name: missing_sections(obj) for name, obj in public_callables().items()}
    done = sorted(name for name in _debt() if not problems.get(name))
    assert not done, "documented or removed, delete from tests/docstring_debt.txt:\n  " + "\n  ".join(done)


SPEC_REFERENCE = re.compile(r"\bspecs?/\w+\.md|\bspec (?:PART|Part) [A-F]\b|\bspec [A-F]\d|\bspec \w+\.md"
                            r"|\bspec (?:hfc|fprinciple)")


def test_no_reference_to_a_spec_outside_the_repository():
    # the method specs are not shipped: cite the paper (authors, year, section) or say what the reference meant
    root = Path(__file__).resolve().parents[1]
    files = [*sorted((root / "freqlens").rglob("*.py")), *sorted((root / "tests").rglob("*.py")),
             *sorted((root / "benchmarks").rglob("*.py")), root / "README.md", root / "docs" / "DESIGN.md",
             root / "docs" / "api.md", *sorted((root / "docs" / "guide").glob("*.md"))]
    counts: dict[str, int] = {}
    for path in files:
        if path.is_file():
            n = sum(bool(SPEC_REFERENCE.search(line)) for line in path.read_text().splitlines())
            if n:
                counts[str(path.relative_to(root))] = n
    # files still allowed some references are listed with their counts in tests/spec_reference_debt.txt (empty:
    # none anywhere); the list may only shrink, and a listed count above what is found must be lowered
    debt_file = Path(__file__).with_name("spec_reference_debt.txt")
    allowed = {}
    for line in debt_file.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, n = line.rsplit(" ", 1)
            allowed[name] = int(n)
    grown = {k: (v, allowed.get(k, 0)) for k, v in counts.items() if v > allowed.get(k, 0)}
    assert not grown, ("references to a spec that is not in the repository (file: found, allowed): "
                       f"{grown}; cite the paper instead")
    stale = {k: (counts.get(k, 0), n) for k, n in allowed.items() if counts.get(k, 0) < n}
    assert not stale, f"lower these counts in tests/spec_reference_debt.txt (file: found, listed): {stale}"


# print the current debt list (after a merge renames callables): python tests/test_docstrings.py
if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    lacking = sorted(name for name, obj in public_callables().items() if missing_sections(obj))
    print("# Public callables whose docstrings still lack a section (see tests/test_docstrings.py). Only remove lines.")
    print("\n".join(lacking))
