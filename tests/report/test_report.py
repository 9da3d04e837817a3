"""The HTML report on a user's model: numbers, readings, a page that renders, resume."""
from __future__ import annotations

import base64
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import torch
from torch import nn

import freqlens
from freqlens.errors import ConfigError, InputError


def _images(n=24, seed=0):
    """Two classes told apart only by a high-frequency checkerboard: a model that learns them relies on HFC."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    base = 0.3 + 0.4 * torch.rand(n, 3, 1, 1, generator=g)
    checker = ((torch.arange(16)[:, None] + torch.arange(16)[None, :]) % 2).float() - 0.5
    x = (base + 0.25 * y.view(-1, 1, 1, 1) * checker).clamp(0, 1)
    x = x + 0.02 * torch.randn(n, 3, 16, 16, generator=g)
    return x.clamp(0, 1), y


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(torch.relu(self.conv(x)).mean((2, 3)))


@pytest.fixture(scope="module")
def trained():
    torch.manual_seed(0)
    from freqlens.train import fit

    x, y = _images(64)
    net = _Net()
    fit(net, (x, y), 150, loss="cross_entropy", lr=3e-2, progress=False)
    return net


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources, self.scripts, self.links = [], 0, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.sources.append(a["src"])
        if tag == "script":
            self.scripts += 1
        if tag in ("link",) or (tag == "a" and a.get("href", "").startswith("http")):
            self.links.append(a)


def test_report_numbers_readings_and_self_contained_html(trained, tmp_path):
    x, y = _images(24, seed=1)
    r = freqlens.report(trained, x, y, out=tmp_path, heatmap_images=8, progress=False)
    names = [s["name"] for s in r.sections]
    assert names == ["heatmap", "filtering", "noise", "hfc", "layers"]
    data = json.loads((tmp_path / "report.json").read_text())["fields"]
    hfc = next(s for s in data["sections"] if s["name"] == "hfc")
    # the classes differ only by a Nyquist checkerboard (radius 8√2 > every radius used): the model is right on
    # clean images, and every low-frequency component loses the label
    assert hfc["numbers"]["clean_accuracy"] > 0.9
    assert max(hfc["numbers"]["lfc_accuracy"]) < 0.75
    heat = next(s for s in data["sections"] if s["name"] == "heatmap")
    assert len(heat["numbers"]["error_by_radius"]) == 9  # ρ = 0..8 on 16×16
    for s in r.sections:
        assert s["reading"] and any(ch.isdigit() for ch in s["reading"])  # computed from numbers
    parser = _Images()
    parser.feed((tmp_path / "report.html").read_text())
    assert len(parser.sources) == 5 and parser.scripts == 0 and not parser.links
    page = (tmp_path / "report.html").read_text()
    assert page.count("<figcaption>") == 5 and '<nav class="toc"' in page
    for src in parser.sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_resumes_from_saved_sections(trained, tmp_path):
    x, y = _images(16, seed=2)
    freqlens.report(trained, x, y, out=tmp_path, probes=("filtering", "hfc"), progress=False)
    stamp = (tmp_path / "probes" / "hfc.json").stat().st_mtime_ns
    r2 = freqlens.report(trained, x, y, out=tmp_path, probes=("filtering", "hfc"), progress=False)
    assert (tmp_path / "probes" / "hfc.json").stat().st_mtime_ns == stamp
    assert r2.sections[1]["numbers"]["radii"]


def test_files_of_earlier_sections_not_in_this_run_move_to_old(trained, tmp_path, capsys):
    x, y = _images(8, seed=3)
    freqlens.report(trained, x, y, out=tmp_path, probes=("filtering", "hfc"), progress=False)
    hfc_files = sorted(p.name for p in (tmp_path / "probes").glob("hfc.*"))
    assert hfc_files and (tmp_path / "figures" / "hfc.png").exists()
    capsys.readouterr()
    freqlens.report(trained, x, y, out=tmp_path, probes=("filtering",), progress=False)
    assert "earlier sections not in this run (hfc)" in capsys.readouterr().err
    assert not list((tmp_path / "probes").glob("hfc.*")) and not (tmp_path / "figures" / "hfc.png").exists()
    assert sorted(p.name for p in (tmp_path / "old" / "probes").iterdir()) == hfc_files
    assert (tmp_path / "old" / "figures" / "hfc.png").exists()
    assert (tmp_path / "figures" / "filtering.png").exists() and (tmp_path / "probes" / "filtering.json").exists()


def test_probe_that_does_not_apply_is_skipped_with_reason(tmp_path):
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 16 * 16, 2))
    x, y = _images(8)
    r = freqlens.report(model, x, y, out=tmp_path, probes=("filtering", "layers"), progress=False)
    assert "skipped" not in r.sections[0]
    assert r.sections[1].get("skipped") and "conv" in r.sections[1]["skipped"].lower()


def test_bad_inputs(trained, tmp_path):
    x, y = _images(8)
    with pytest.raises(ConfigError, match="unknown probe"):
        freqlens.report(trained, x, y, out=tmp_path, probes=("spectrogram",), progress=False)
    with pytest.raises(InputError, match="bounds"):
        freqlens.report(trained, x * 255, y, out=tmp_path, progress=False)
    with pytest.raises(freqlens.ModelOutputError, match="classes"):
        freqlens.report(trained, x, y + 5, out=tmp_path, progress=False)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt install chromium)")
def test_page_loads_in_a_real_browser_without_console_errors(trained, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    x, y = _images(16, seed=3)
    freqlens.report(trained, x, y, out=tmp_path, heatmap_images=4, progress=False)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page()
        errors, requests = [], []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None)
        page.goto(Path(tmp_path / "report.html").as_uri())
        rendered = page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth > 100)")
        toc = page.evaluate("Array.from(document.querySelectorAll('nav.toc a')).map(a => a.getAttribute('href'))")
        targets = page.evaluate("Array.from(document.querySelectorAll('nav.toc a'))"
                                ".map(a => !!document.getElementById(a.getAttribute('href').slice(1)))")
        captions = page.evaluate("Array.from(document.images).map(i => { const f = i.closest('figure'); "
                                 "const c = f && f.querySelector('figcaption'); "
                                 "return c ? c.innerText.trim() : ''; })")
        page.click("nav.toc a[href='#hfc']")
        scrolled = page.evaluate("window.scrollY")
        browser.close()
    assert errors == [] and requests == []
    assert rendered == [True] * 5
    assert toc == ["#heatmap", "#filtering", "#noise", "#hfc", "#layers"] and all(targets)
    # every figure has a one-line caption telling the reader what to look for
    assert len(captions) == 5 and all(len(c) > 40 and "\n" not in c for c in captions)
    assert scrolled > 0                                # the contents link jumps down to its section


def test_post_averaging_section_runs_the_model_on_normalised_images(trained, tmp_path):
    # `inner` expects normalised inputs z = 2x − 1; given normalize=that map, every section must see trained(x)
    from freqlens.inference import accuracy
    from freqlens.models.wrappers import InputTransform

    x, y = _images(40, seed=3)
    inner = nn.Sequential(InputTransform(lambda z: (z + 1) / 2), trained)
    freqlens.report(inner, x, y, out=tmp_path / "r", probes=("post_averaging",), normalize=lambda t: 2 * t - 1,
                    progress=False)
    from freqlens.probes.defense import RadiusTradeoff

    saved = RadiusTradeoff.load(tmp_path / "r" / "probes" / "post_averaging.json")
    assert saved.base_accuracy == pytest.approx(accuracy(trained, x, y))
    assert accuracy(inner, x, y) != pytest.approx(accuracy(trained, x, y))  # the section would differ without it


def test_feature_spectra_section_reads_the_layers_by_depth(trained, tmp_path):
    r = freqlens.report(trained, *_images(8), out=tmp_path, probes=("feature_spectra",), progress=False,
                        spectra_layers="conv")
    (sec,) = r.sections
    page = (tmp_path / "report.html").read_text()
    assert "Feature-map spectra by depth" in page and "nepers" in page
    res = freqlens.load(tmp_path / "probes" / "feature_spectra.json")
    assert res.layers == ["conv"]
    assert sec["numbers"]["high_frequency_amplitude"]["conv"] == pytest.approx(
        res.high_frequency_amplitude["conv"], abs=1e-3)


def test_speed_options_reach_the_sections_and_leave_the_model_as_it_was(tmp_path):
    """channels_last in the report: the same numbers as without, and the user's weights keep their memory format."""
    import torch
    from torch import nn

    from freqlens.report import report

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                          nn.Linear(16, 3))
    g = torch.Generator().manual_seed(1)
    x, y = torch.rand(16, 3, 32, 32, generator=g), torch.randint(0, 3, (16,), generator=g)   # corruptions: ≥ 32
    strides = [p.stride() for p in model.parameters()]
    kw = dict(probes=["filtering", "corruptions"], progress=False)
    plain = report(model, x, y, out=tmp_path / "plain", **kw)
    fast = report(model, x, y, out=tmp_path / "fast", channels_last=True, memory_budget="64M", **kw)
    assert [p.stride() for p in model.parameters()] == strides
    assert all("numbers" in s for s in plain.sections), plain.sections
    import json

    as_text = lambda res: json.dumps([s["numbers"] for s in res.sections], sort_keys=True)  # NaN == NaN as text
    assert as_text(fast) == as_text(plain)
