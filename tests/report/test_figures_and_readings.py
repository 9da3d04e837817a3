"""Figures a user can trust (a fixed colour range from the CLI, every layer on one scale, the ratio against depth)
and one clean-accuracy subset per report (issue 16); the readings themselves are tested in test_readings.py."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch


def test_heatmap_cli_vmin_vmax(tmp_path):
    from PIL import Image

    from freqlens.cli import main

    path = tmp_path / "m.py"
    path.write_text("from torch import nn\ndef build():\n    return nn.Sequential(nn.Conv2d(1, 2, 3), "
                    "nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2, 10))\n")
    args = ["heatmap", "--model", f"{path}:build", "--data", "digits", "--limit", "4", "--no-progress", "--device",
            "cpu", "--seed", "1"]
    assert main(args + ["--out", str(tmp_path / "a"), "--vmin", "0.2", "--vmax", "0.6"]) == 0
    assert main(args + ["--out", str(tmp_path / "b")]) == 0
    a = np.asarray(Image.open(tmp_path / "a" / "heatmap.png"))
    b = np.asarray(Image.open(tmp_path / "b" / "heatmap.png"))
    assert a.shape == b.shape and not np.array_equal(a, b)      # the fixed range draws another picture


def test_layer_response_figure_shows_every_layer_on_one_scale_and_the_ratio_line():
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from models_zoo import TinyResNet

    from freqlens.plot.layers import plot_layer_response
    from freqlens.probes.layers import layer_frequency_response

    torch.manual_seed(0)
    res = layer_frequency_response(TinyResNet(), image_size=(1, 8, 8), progress=False)
    fig, axes = plot_layer_response(res)
    maps = [a for a in axes if a.images]
    assert len(maps) == len(res.layer_names) == 4
    assert len({a.images[0].get_clim() for a in maps}) == 1              # shared colour scale
    line = axes[-1].lines[0]
    np.testing.assert_allclose(line.get_ydata(), res.band_ratio(low=1, high=3))
    assert "cumulative from the input" in fig._suptitle.get_text()
    assert len([a for a in fig.axes if a.get_label() == "<colorbar>"]) == 1


def test_report_header_names_the_heat_map_subset(tmp_path):
    import freqlens

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                              torch.nn.Linear(2, 3))
    x, y = torch.rand(8, 1, 8, 8), torch.arange(8) % 3
    r = freqlens.report(net, x, y, out=tmp_path, probes=("heatmap", "filtering"), heatmap_images=4, progress=False)
    heat = r.sections[0]["numbers"]["clean_error"]
    filt = r.sections[1]["numbers"]["clean_accuracy"]
    assert r.meta["clean accuracy"] == f"{100 * filt:.1f} % on 8 images (heat map: {100 - heat:.1f} % on its first 4)"


def test_every_section_reports_the_headers_clean_accuracy(tmp_path):
    """One clean-accuracy subset per report: every section that states a clean accuracy measures it on the same
    images as the header (the heat map's own subset is named in the header, see above)."""
    import freqlens

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(2),
                              torch.nn.Flatten(), torch.nn.Linear(16, 3))
    x = torch.rand(12, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        y = net(x).argmax(1)
    y[:3] = (y[:3] + 1) % 3          # 9 of 12 right: 75 %
    r = freqlens.report(net, x, y, out=tmp_path, probes=("filtering", "hfc", "noise", "post_averaging"),
                        progress=False)
    assert r.meta["clean accuracy"] == "75.0 % on 12 images"
    numbers = {s["name"]: s["numbers"] for s in r.sections}
    assert numbers["filtering"]["clean_accuracy"] == pytest.approx(0.75)
    assert numbers["hfc"]["clean_accuracy"] == pytest.approx(0.75)
    assert numbers["noise"]["clean_error"] == pytest.approx(25.0)
    assert numbers["post_averaging"]["base_accuracy"] == pytest.approx(0.75)
