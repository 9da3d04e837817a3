"""`freqlens spectra` end to end on a tiny user model and an .npz, and its one-line error."""
import csv
import importlib
import sys

import numpy as np
import torch

from freqlens.cli import main
from freqlens.results import load


def _write_model(tmp_path):
    src = tmp_path / "tinymodels_spectra.py"
    src.write_text("from torch import nn\n\ndef build():\n    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), "
                   "nn.AvgPool2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))\n")
    sys.path.insert(0, str(tmp_path))
    mod = importlib.reload(importlib.import_module("tinymodels_spectra"))
    torch.manual_seed(0)
    w = tmp_path / "w.pt"
    torch.save(mod.build().state_dict(), w)
    data = tmp_path / "d.npz"
    np.savez(data, images=np.random.default_rng(0).random((4, 3, 8, 8)).astype("float32"), labels=np.arange(4) % 3)
    return w, data


def test_spectra_command_writes_result_csv_and_figure(tmp_path, capsys):
    w, data = _write_model(tmp_path)
    out = tmp_path / "out"
    code = main(["spectra", "--model", "tinymodels_spectra:build", "--weights", str(w), "--data", str(data),
                 "--out", str(out), "--layers", "0,1", "--no-progress"])
    assert code == 0
    res = load(out / "feature_spectra.json")
    assert res.layers == ["0", "1"] and res.shapes["1"] == [4, 4, 4]
    with open(out / "feature_spectra.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(res.frequency["0"]) + len(res.frequency["1"])
    assert (out / "feature_spectra.png").stat().st_size > 1000
    assert "Δ log amplitude" in capsys.readouterr().out


def test_spectra_command_flat_layer_is_a_one_line_error(tmp_path, capsys):
    w, data = _write_model(tmp_path)
    code = main(["spectra", "--model", "tinymodels_spectra:build", "--weights", str(w), "--data", str(data),
                 "--out", str(tmp_path / "o"), "--layers", "4", "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "outputs shape" in err and "\n" not in err
