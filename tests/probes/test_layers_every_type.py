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
