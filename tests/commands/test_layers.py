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


def test_layers_command_uses_low_high_in_summary_and_figure_with_a_window(tmp_path, monkeypatch, capsys):
    import freqlens.plot.layers as plot_layers

    w, data = _write_model(tmp_path)
    monkeypatch.chdir(tmp_path)
    labels = []
    real = plot_layers.plot_layer_response

    def spy(resp, **kw):
        fig, axes = real(resp, **kw)
        labels.append(axes[-1].get_ylabel())
        return fig, axes

    monkeypatch.setattr(plot_layers, "plot_layer_response", spy)
    out = tmp_path / "out"
    code = main(["layers", "--model", "tinymodels_layers:build", "--weights", str(w), "--data", str(data),
                 "--out", str(out), "--images", "2", "--no-progress", "--window", "2", "--low", "1", "--high", "1"])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["basis"]["band"] == "low 0<r≤1, high r>1"
    assert labels and all("high (r > 1) / low (0 < r ≤ 1)" in lab for lab in labels)


def test_layers_command_default_bands_fit_the_window(tmp_path, monkeypatch):
    w, data = _write_model(tmp_path)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    code = main(["layers", "--model", "tinymodels_layers:build", "--weights", str(w), "--data", str(data),
                 "--out", str(out), "--images", "2", "--no-progress", "--window", "1", "--mode", "basis"])
    assert code == 0
    assert json.loads((out / "summary.json").read_text())["basis"]["band"] == "low 0<r≤1, high r>1"


def test_layers_command_empty_band_fails_before_writing(tmp_path, monkeypatch, capsys):
    w, data = _write_model(tmp_path)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    code = main(["layers", "--model", "tinymodels_layers:build", "--weights", str(w), "--data", str(data),
                 "--out", str(out), "--no-progress", "--window", "2", "--high", "12"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "radius > 12" in err and "window 2" in err and "\n" not in err
    assert not out.exists()


def test_layers_command_model_that_cannot_take_the_images_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    src = tmp_path / "graymodel_layers.py"
    src.write_text("from torch import nn\n\ndef build():\n    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten())\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    data = tmp_path / "d.npz"
    np.savez(data, images=np.random.default_rng(0).random((4, 3, 8, 8)).astype("float32"), labels=np.arange(4) % 3)
    out = tmp_path / "out"
    code = main(["layers", "--model", "graymodel_layers:build", "--data", str(data), "--out", str(out),
                 "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "cannot take images of shape (3, 8, 8)" in err and "\n" not in err
    assert not out.exists()
