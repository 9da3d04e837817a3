import json
import sys

import numpy as np
import torch

from freqlens.cli import main


def _write_model(tmp_path, with_conv=True):
    src = tmp_path / "tinymodels_layers.py"
    body = ("nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 3))"
            if with_conv else "nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 3))")
    src.write_text(f"from torch import nn\n\ndef build():\n    return {body}\n")
    sys.path.insert(0, str(tmp_path))
    torch.manual_seed(0)
    import importlib

    mod = importlib.import_module("tinymodels_layers")
    importlib.reload(mod)
    w = tmp_path / "w.pt"
    torch.save(mod.build().state_dict(), w)
    data = tmp_path / "d.npz"
    np.savez(data, images=np.random.default_rng(0).random((4, 3, 8, 8)).astype("float32"), labels=np.arange(4) % 3)
    return w, data


def test_layers_command_writes_maps_and_summary(tmp_path, monkeypatch, capsys):
    w, data = _write_model(tmp_path)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    code = main(["layers", "--model", "tinymodels_layers:build", "--weights", str(w), "--data", str(data),
                 "--out", str(out), "--images", "2", "--no-progress", "--low", "1.5", "--high", "3"])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) == {"basis", "perturbation"}
    assert set(summary["basis"]["high_over_low_gain"]) == {"0", "3"}
    for f in ("layer_response_basis.png", "layer_response_perturbation.png", "kernel_spectra.png"):
        assert (out / f).stat().st_size > 1000
    assert "high/low-band gain" in capsys.readouterr().out


def test_layers_command_without_conv_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    w, data = _write_model(tmp_path, with_conv=False)
    monkeypatch.chdir(tmp_path)
    code = main(["layers", "--model", "tinymodels_layers:build", "--weights", str(w), "--data", str(data),
                 "--out", str(tmp_path / "o"), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "no convolutional layer" in err and "\n" not in err
