"""Doctest collection over freqlens/: modules whose examples cannot run here are left out, by name and reason.

The examples of every other module run as doctests in `make test` (pyproject: --doctest-modules).
"""
from __future__ import annotations

import importlib.util

# Optional extras: their modules are not imported (nor their examples run) when the extra is absent.
_EXTRAS = {"freqlens/integrations/lightning.py": "lightning"}

# Modules whose `>>>` examples still use names they never define (model, x, images...): they are illustrations, not
# examples. Remove a line once the module's examples build their own tiny inputs and run in well under a second.
DOCTEST_DEBT = [
    "freqlens/interventions/augment.py",
    "freqlens/interventions/conv_kernels.py",
    "freqlens/interventions/mixup.py",
    "freqlens/interventions/post_averaging.py",
    "freqlens/probes/corruptions.py",
    "freqlens/probes/defense.py",
    "freqlens/probes/filtering.py",
    "freqlens/probes/heatmap.py",
    "freqlens/probes/hfc.py",
    "freqlens/probes/layers.py",
    "freqlens/probes/noise.py",
    "freqlens/report/__init__.py",
]

collect_ignore = list(DOCTEST_DEBT)
collect_ignore += [path for path, module in _EXTRAS.items() if importlib.util.find_spec(module) is None]

