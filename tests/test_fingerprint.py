"""Saved results are reused only when the model, data, settings and freqlens version that produced them match."""
from __future__ import annotations

import json
import warnings

import pytest
import torch
from torch import nn

import freqlens
from freqlens.errors import CheckpointError
from freqlens.fingerprint import difference, fingerprint, model_digest, value_digest


class _Net(nn.Module):
    def __init__(self, seed: int, favour: int | None = None):
        super().__init__()
        torch.manual_seed(seed)
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.head = nn.Linear(4, 3)
        if favour is not None:  # always predicts class ``favour``
            with torch.no_grad():
                self.head.weight.zero_()
                self.head.bias.zero_()
                self.head.bias[favour] = 5.0

    def forward(self, x):
        return self.head(torch.relu(self.conv(x)).mean((2, 3)))


def _data(n=12):
    g = torch.Generator().manual_seed(0)
    return torch.rand(n, 1, 8, 8, generator=g), torch.tensor([0, 0, 1, 2] * n)[:n]   # half class 0


def test_fingerprint_names_each_kind_of_difference():
    x, y = _data()
    a = fingerprint(_Net(0), x, y, eps=4.0, normalize=(0.5, 0.2))
    assert difference(a, fingerprint(_Net(0), x, y, eps=4.0, normalize=(0.5, 0.2))) is None
    assert difference(a, fingerprint(_Net(1), x, y, eps=4.0, normalize=(0.5, 0.2))) == "the model weights"
    assert difference(a, fingerprint(_Net(0), x.flip(0), y, eps=4.0, normalize=(0.5, 0.2))) == "the data"
    assert difference(a, fingerprint(_Net(0), x, y, eps=8.0, normalize=(0.5, 0.2))).startswith("settings.eps")
    assert difference(a, fingerprint(_Net(0), x, y, eps=4.0, normalize=(0.4, 0.2))).startswith("settings.normalize")
    assert "freqlens version" in difference(dict(a, freqlens="0.0.1"), a)
    # one weight changed by one ulp is another model
    m = _Net(0)
    before = model_digest(m)
    with torch.no_grad():
        m.head.bias[0] = torch.nextafter(m.head.bias[0], torch.tensor(1.0))
    assert model_digest(m) != before
    assert value_digest(lambda t: t) != value_digest(lambda t: t * 2)


def _accuracy(model, x, y):
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def test_report_rerun_with_other_weights_recomputes_every_section(tmp_path):
    """The reported failure: a rerun into the same folder with other weights kept the old sections."""
    x, y = _data()
    probes = ("filtering", "hfc", "noise")
    first = freqlens.report(_Net(0, favour=1), x, y, out=tmp_path, probes=probes, progress=False)
    assert first.meta["clean accuracy"] == "25.0 % on 12 images"
    other = _Net(5, favour=0)
    r = freqlens.report(other, x, y, out=tmp_path, probes=probes, progress=False)
    clean = _accuracy(other, x, y)
    assert clean == 0.5 and r.meta["clean accuracy"] == "50.0 % on 12 images"
    for s in r.sections:
        assert s["note"] == "recomputed: the saved result differs in the model weights"
    filt = next(s for s in r.sections if s["name"] == "filtering")
    hfc = next(s for s in r.sections if s["name"] == "hfc")
    assert filt["numbers"]["clean_accuracy"] == pytest.approx(clean)
    assert hfc["numbers"]["clean_accuracy"] == pytest.approx(clean)
    assert "Recomputed: the saved result differs in the model weights" in (tmp_path / "report.html").read_text()
    # and a third run with the same weights reuses them without a note
    r3 = freqlens.report(other, x, y, out=tmp_path, probes=probes, progress=False)
    assert all("note" not in s for s in r3.sections)


def test_report_rerun_with_other_eps_recomputes_only_the_heat_map(tmp_path):
    x, y = _data(6)
    freqlens.report(_Net(0), x, y, out=tmp_path, probes=("heatmap", "filtering"), eps=2.0, progress=False)
    r = freqlens.report(_Net(0), x, y, out=tmp_path, probes=("heatmap", "filtering"), eps=6.0, progress=False)
    notes = {s["name"]: s.get("note") for s in r.sections}
    assert notes["heatmap"].startswith("recomputed: the saved result differs in settings.eps (2.0 saved, 6.0")
    assert notes["filtering"] is None
    saved = json.loads((tmp_path / "probes" / "heatmap.json").read_text())
    assert saved["fields"]["eps"] == 6.0 and saved["fingerprint"]["settings"]["eps"] == 6.0


def test_report_rerun_with_other_data_or_normalize_recomputes(tmp_path):
    x, y = _data()
    freqlens.report(_Net(0), x, y, out=tmp_path, probes=("hfc",), progress=False)
    r = freqlens.report(_Net(0), x[:9], y[:9], out=tmp_path, probes=("hfc",), progress=False)
    assert r.sections[0]["note"].endswith("the data")
    r = freqlens.report(_Net(0), x[:9], y[:9], out=tmp_path, probes=("hfc",), normalize=lambda t: t - 0.5,
                        progress=False)
    assert "settings.normalize" in r.sections[0]["note"]


def test_heatmap_checkpoint_of_another_normalize_is_refused(tmp_path):
    from freqlens.probes.heatmap import fourier_heatmap

    x, y = _data(4)
    ck = tmp_path / "h.ckpt"
    fourier_heatmap(_Net(0), x, y, checkpoint=ck, progress=False)
    fourier_heatmap(_Net(0), x, y, checkpoint=ck, progress=False)  # same configuration: resumes
    with pytest.raises(CheckpointError, match=r"^heat-map checkpoint .*\(normalize: .*refusing to resume"):
        fourier_heatmap(_Net(0), x, y, checkpoint=ck, normalize=lambda t: t * 2, progress=False)
    with pytest.raises(CheckpointError, match=r"\(model: "):
        fourier_heatmap(_Net(1), x, y, checkpoint=ck, progress=False)


def test_report_replaces_a_foreign_heatmap_checkpoint_with_a_note(tmp_path):
    from freqlens.probes.heatmap import fourier_heatmap

    x, y = _data(4)
    (tmp_path / "probes").mkdir()
    fourier_heatmap(_Net(1), x, y, checkpoint=tmp_path / "probes" / "heatmap.ckpt", progress=False)
    r = freqlens.report(_Net(0), x, y, out=tmp_path, probes=("heatmap",), progress=False)
    assert r.sections[0]["note"].startswith("recomputed from scratch: heat-map checkpoint")


def test_model_cache_refuses_replaced_weights_and_keys_on_architecture(tmp_path):
    from freqlens.models.cache import cached_model, save_weights

    calls = []

    def train(model, ckpt):
        calls.append(1)
        with torch.no_grad():
            model.head.bias.fill_(0.25)

    config = {"name": "t", "epochs": 1}
    m = cached_model(lambda: _Net(0), train, config, tmp_path)
    m2 = cached_model(lambda: _Net(0), train, config, tmp_path)
    assert len(calls) == 1 and model_digest(m2) == model_digest(m)
    # a different architecture under the same config is another cache entry
    class Wider(_Net):
        def __init__(self):
            super().__init__(0)
            self.head = nn.Linear(4, 5)

    cached_model(Wider, train, config, tmp_path)
    assert len(calls) == 2
    # someone overwrote the cached weights: retrained with a warning, not silently used
    first_arch = json.loads(next(tmp_path.glob("t-*.json")).read_text())["fingerprint"]["architecture"]
    pt = next(p for p in tmp_path.glob("t-*.pt")
              if json.loads(p.with_suffix(".json").read_text())["fingerprint"]["architecture"] == first_arch)
    save_weights(_Net(7), pt)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        cached_model(lambda: _Net(0), train, config, tmp_path)
    assert len(calls) == 3 and any("retraining" in str(x.message) for x in w)


def test_fit_checkpoint_of_other_data_is_refused(tmp_path):
    from freqlens.train import fit

    x, y = _data()
    ck = tmp_path / "c.pt"
    fit(_Net(0), (x.flatten(1)[:, :8].reshape(-1, 1, 2, 4), y), 1, loss="cross_entropy", checkpoint=ck, progress=False)
    with pytest.raises(CheckpointError, match="another configuration"):
        fit(_Net(0), (x.flatten(1)[:, 8:16].reshape(-1, 1, 2, 4), y), 2, loss="cross_entropy", checkpoint=ck,
            resume=True, progress=False)
