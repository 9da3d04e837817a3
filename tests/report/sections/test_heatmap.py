"""The report's heat-map section with --quantity: the map, its reading and caption follow the quantity; a bad
quantity stops the report before any section runs; a saved map of another quantity is recomputed."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import freqlens
from freqlens.cli import main
from freqlens.errors import InputError
from freqlens.probes.heatmap import fourier_heatmap


def _model_and_images():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 2))
    return model, torch.rand(6, 3, 8, 8), torch.arange(6) % 2


def test_report_heat_map_of_another_quantity_reads_and_captions_it(tmp_path):
    model, x, y = _model_and_images()
    res = freqlens.report(model, x, y, out=tmp_path / "r", probes=["heatmap"], progress=False,
                          quantity="logit_change", window=2)
    entry = res.sections[0]
    assert entry["numbers"]["quantity"] == "logit_change" and "‖Δ logits‖₂" in entry["reading"]
    assert "move the logits most" in entry["caption"]
    saved = freqlens.load(tmp_path / "r" / "probes" / "heatmap.json")
    ref = fourier_heatmap(model, x, y, eps=4.0, window=2, quantity="logit_change", progress=False)
    np.testing.assert_allclose(saved.error, ref.error, atol=1e-9)
    assert "move the logits most" in (tmp_path / "r" / "report.html").read_text()
    # the same folder with the default quantity: the saved logit-change map is not reused as an error map
    res = freqlens.report(model, x, y, out=tmp_path / "r", probes=["heatmap"], progress=False, window=2)
    assert res.sections[0]["numbers"]["clean_error"] >= 0 and "quantity" not in res.sections[0]["numbers"]
    assert freqlens.load(tmp_path / "r" / "probes" / "heatmap.json").quantity == "error"


def test_bad_quantity_stops_the_report_at_once_and_the_cli_exits_2(tmp_path, capsys):
    model, x, y = _model_and_images()
    with pytest.raises(InputError, match="no module named 'head'") as info:
        freqlens.report(model, x, y, out=tmp_path / "r", probes=["hfc", "heatmap"], progress=False,
                        quantity="feature_change:head")
    assert "\n" not in str(info.value)
    assert not (tmp_path / "r" / "probes" / "hfc.json").exists()          # nothing ran before the check
    np.savez(tmp_path / "d.npz", images=x.numpy(), labels=y.numpy())
    (tmp_path / "m_report_q.py").write_text("from torch import nn\n\ndef build():\n"
                                            "    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 2))\n")
    code = main(["report", "--model", f"{tmp_path / 'm_report_q.py'}:build", "--data", str(tmp_path / "d.npz"),
                 "--out", str(tmp_path / "o"), "--probes", "heatmap", "--quantity", "gradient", "--no-progress"])
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("freqlens: error")]
    assert code == 2 and len(err) == 1 and "unknown quantity 'gradient'" in err[0]
