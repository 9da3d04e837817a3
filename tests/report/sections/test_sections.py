"""Report sections as a registry: a new probe is one new file; a broken section does not lose the report."""
from __future__ import annotations

import json
import textwrap

import pytest
import torch
from torch import nn

import freqlens
from freqlens.errors import ConfigError
from freqlens.report import sections as registry


def _model_and_images():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 2))
    return model, torch.rand(6, 3, 8, 8), torch.arange(6) % 2


@pytest.fixture
def extra_sections(tmp_path):
    """A folder added to the sections package, as if files were dropped into freqlens/report/sections/."""
    folder = tmp_path / "more_sections"
    folder.mkdir()
    import sys

    from freqlens import results

    registry.__path__.append(str(folder))
    before, result_types, modules = dict(registry._REGISTRY), dict(results._REGISTRY), set(sys.modules)
    yield folder
    registry.__path__.remove(str(folder))
    registry._REGISTRY.clear()
    registry._REGISTRY.update(before)
    dummies = {name for name in set(sys.modules) - modules if name.startswith("freqlens.report.sections.")}
    # drop only the dummy sections' result types: real ones first imported during the test stay registered
    for key, cls in list(results._REGISTRY.items()):
        if key not in result_types and getattr(cls, "__module__", "") in dummies:
            del results._REGISTRY[key]
    for name in dummies:
        del sys.modules[name]


DUMMY = '''
from dataclasses import dataclass

from freqlens.report.sections import Flag, Section
from freqlens.results import Result


@dataclass
class {cls}(Result):
    mean_pixel: float


def _run(ctx):
    {body}
    return {cls}(float(ctx.images.mean()) * ctx.options["{flag}"])


def _figure(res):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.bar([0], [res.mean_pixel])
    return fig


SECTION = Section(name="{name}", title="{title}", run=_run, result="{cls}", figure=_figure,
                  reading=lambda res, ctx: (f"mean pixel times scale is {{res.mean_pixel:.3f}}",
                                            {{"m": res.mean_pixel}}),
                  flags=(Flag("{flag}", float, 2.0, "scale"),))
'''


def _write(folder, name, cls, flag, body="pass", title=None):
    (folder / f"{name}.py").write_text(textwrap.dedent(DUMMY.format(name=name, cls=cls, flag=flag, body=body,
                                                                    title=title or f"Dummy section {name}")))
    registry.discover(refresh=True)


def test_a_section_in_a_new_module_is_registered_and_appears_in_the_html(extra_sections, tmp_path):
    _write(extra_sections, "dummy_probe", "DummyProbeResult", "dummy_scale")
    assert registry.get("dummy_probe").flags[0].option == "--dummy-scale"
    model, x, y = _model_and_images()
    r = freqlens.report(model, x, y, out=tmp_path / "r", probes=("filtering", "dummy_probe"), progress=False,
                        dummy_scale=3.0)
    page = (tmp_path / "r" / "report.html").read_text()
    assert "Dummy section dummy_probe" in page and f"{3 * float(x.mean()):.3f}" in page
    assert r.sections[1]["numbers"]["m"] == pytest.approx(3 * float(x.mean()))
    assert (tmp_path / "r" / "probes" / "dummy_probe.json").exists()
    # the command builds its flags from the registry
    from freqlens.cli import build_parser

    args = build_parser().parse_args(["report", "--model", "m:f", "--dummy-scale", "5", "--probes", "dummy-probe"])
    assert args.dummy_scale == 5.0
    with pytest.raises(ConfigError, match="unknown report option"):
        freqlens.report(model, x, y, out=tmp_path / "r2", probes=("dummy_probe",), progress=False, scale=1.0)


def test_a_section_that_raises_is_marked_failed_and_the_rest_is_written(extra_sections, tmp_path):
    _write(extra_sections, "broken_probe", "BrokenProbeResult", "broken_scale",
           body='raise RuntimeError("the probe divided by zero\\n at step 3")')
    model, x, y = _model_and_images()
    r = freqlens.report(model, x, y, out=tmp_path, probes=("broken_probe", "filtering"), progress=False)
    broken, filtering = r.sections
    assert broken["failed"] == "RuntimeError: the probe divided by zero at step 3"   # one line
    assert "reading" not in broken and filtering["reading"]
    page = (tmp_path / "report.html").read_text()
    assert "Failed: RuntimeError: the probe divided by zero at step 3" in page
    saved = json.loads((tmp_path / "report.json").read_text())["fields"]["sections"]
    assert saved[0]["failed"] and saved[1]["numbers"]


def test_the_built_in_sections_are_registered_in_order_with_their_flags():
    names = [s.name for s in registry.sections()]
    assert names == ["heatmap", "filtering", "noise", "hfc", "layers", "feature_spectra", "corruptions",
                     "post_averaging"]
    assert [s.name for s in registry.sections() if s.default] == list(freqlens.report.DEFAULT_PROBES)
    assert {f.dest for f in registry.all_flags()} >= {"eps", "heatmap_images"}
