"""Doctest collection over freqlens/: modules whose examples cannot run here are left out, by name and reason.

The examples of every other module run as doctests in `make test` (pyproject: --doctest-modules).
"""
from __future__ import annotations

import importlib.util

# Import the report package (and with it its section registry) before any doctest module is collected: pytest's
# importlib mode re-executes a package __init__ collected before its parent is imported, and a second copy of
# freqlens.report.sections would hold an empty registry (its Section class differs from the sections' own).
import freqlens.report  # noqa: E402,F401

# Optional extras: their modules are not imported (nor their examples run) when the extra is absent.
_EXTRAS = {"freqlens/integrations/lightning.py": "lightning"}

# Modules whose `>>>` examples still use names they never define (model, x, images...): they are illustrations, not
# examples. Remove a line once the module's examples build their own tiny inputs and run in well under a second.
DOCTEST_DEBT = [
]

collect_ignore = list(DOCTEST_DEBT)
collect_ignore += [path for path, module in _EXTRAS.items() if importlib.util.find_spec(module) is None]

