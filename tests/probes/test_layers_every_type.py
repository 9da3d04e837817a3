"""The layer probe on models whose modules do not call their sub-modules (attention) and on a ViT report."""
from __future__ import annotations

import pytest
import torch

import freqlens
from freqlens.probes.layers import layer_frequency_response
from models_zoo import TinyViT


@pytest.mark.parametrize("batch_first", [True, False])
def test_vit_layer_response_skips_uncalled_out_proj(batch_first):
    torch.manual_seed(0)
    model = TinyViT(batch_first=batch_first)
    res = layer_frequency_response(model, image_size=(1, 8, 8), progress=False)
    # the attention's out_proj is used through its weights, never called: reported as skipped, not a crash
    assert "attn.out_proj" in res.skipped_layers
    assert "patch_embed" in res.layer_names and "attn" in res.layer_names and "head" in res.layer_names
    assert res.gain.shape == (len(res.layer_names), 8, 8)
    assert torch.isfinite(torch.as_tensor(res.gain)).all()
    # the patch embedding is linear and fed by the input alone: its gain is positive at every frequency
    assert (res.gain[res.layer_names.index("patch_embed")] > 0).all()


def test_vit_report_writes_every_section(tmp_path):
    torch.manual_seed(0)
    x, y = torch.rand(6, 1, 8, 8), torch.tensor([0, 1, 2, 0, 1, 2])
    r = freqlens.report(TinyViT(), x, y, out=tmp_path, probes=("heatmap", "filtering", "layers"), progress=False,
                        heatmap_images=4)
    assert [s["name"] for s in r.sections] == ["heatmap", "filtering", "layers"]
    assert all("skipped" not in s for s in r.sections)
    assert (tmp_path / "report.html").exists()


def test_a_section_that_breaks_is_marked_and_the_rest_is_written(tmp_path, monkeypatch):
    import dataclasses

    from freqlens.report import sections

    layers = sections.get("layers")

    def boom(ctx):
        raise RuntimeError("hook exploded\nsecond line")

    monkeypatch.setitem(sections._REGISTRY, "layers", dataclasses.replace(layers, run=boom))
    torch.manual_seed(0)
    x, y = torch.rand(6, 1, 8, 8), torch.tensor([0, 1, 2, 0, 1, 2])
    r = freqlens.report(TinyViT(), x, y, out=tmp_path, probes=("filtering", "layers", "hfc"), progress=False)
    by = {s["name"]: s for s in r.sections}
    assert by["layers"]["failed"] == "RuntimeError: hook exploded second line"
    assert "reading" in by["filtering"] and "reading" in by["hfc"]
    assert "Failed: RuntimeError: hook exploded" in (tmp_path / "report.html").read_text()
