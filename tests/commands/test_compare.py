"""`freqlens compare`: two tiny models through the same report, one page and one CSV row per number."""
import csv
import importlib
import sys

import numpy as np
import pytest
import torch

from freqlens.cli import main


def _setup(tmp_path):
    (tmp_path / "tinymodels_compare.py").write_text(
        "from torch import nn\n\ndef build():\n    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), "
        "nn.Flatten(), nn.Linear(4 * 8 * 8, 2))\n")
    sys.path.insert(0, str(tmp_path))
    mod = importlib.reload(importlib.import_module("tinymodels_compare"))
    paths = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        paths.append(tmp_path / f"w{seed}.pt")
        torch.save(mod.build().state_dict(), paths[-1])
    data = tmp_path / "d.npz"
    np.savez(data, images=np.random.default_rng(0).random((6, 3, 8, 8)).astype("float32"), labels=np.arange(6) % 2)
    return paths, data


def test_compare_two_models_writes_one_page_and_one_row_per_number(tmp_path, capsys):
    (w0, w1), data = _setup(tmp_path)
    out = tmp_path / "cmp"
    code = main(["compare", "--model", "tinymodels_compare:build", "--weights", str(w0), "--model",
                 "tinymodels_compare:build", "--weights", str(w1), "--label", "a", "--label", "b",
                 "--data", str(data), "--out", str(out), "--probes", "heatmap,hfc", "--heatmap-images", "4",
                 "--no-progress"])
    assert code == 0
    with open(out / "compare.csv") as fh:
        rows = list(csv.DictReader(fh))
    by_model = {m: [(r["probe"], r["parameter"]) for r in rows if r["model"] == m] for m in ("a", "b")}
    for m in ("a", "b"):
        assert {p for p, _ in by_model[m]} == {"heatmap", "hfc"}
        assert ("heatmap", "clean_error") in by_model[m] and ("hfc", "clean_accuracy") in by_model[m]
    assert len(set(by_model["a"])) == len(by_model["a"])            # one row per model × probe × parameter
    page = (out / "compare.html").read_text()
    assert page.count("<img") == 4 and "share one colour scale" in page
    assert (out / "a" / "report.html").exists() and (out / "b" / "report.html").exists()


def test_compare_needs_two_models_and_paired_weights(tmp_path, capsys):
    (w0, _), data = _setup(tmp_path)
    code = main(["compare", "--model", "tinymodels_compare:build", "--data", str(data), "--out", str(tmp_path / "o")])
    assert code == 2 and "at least two models" in capsys.readouterr().err
    code = main(["compare", "--model", "x:y", "--model", "x:z", "--weights", str(w0), "--data", str(data),
                 "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "one --weights per --model" in err and "\n" not in err


def test_compare_with_a_model_that_cannot_take_the_images_fails_before_writing(tmp_path, capsys):
    _, data = _setup(tmp_path)
    (tmp_path / "graymodel_compare.py").write_text(
        "from torch import nn\n\ndef build():\n    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.Flatten())\n")
    out = tmp_path / "cmp"
    code = main(["compare", "--model", "tinymodels_compare:build", "--model",
                 f"{tmp_path / 'graymodel_compare.py'}:build", "--label", "a", "--label", "gray", "--data", str(data),
                 "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "model gray: the model cannot take images of shape (3, 8, 8)" in err and "\n" not in err
    assert not out.exists()


MODEL_FILE = '''
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, width, depth):
        super().__init__()
        layers = [nn.Conv2d(3, width, 3, padding=1), nn.ReLU()]
        for _ in range(depth - 1):
            layers += [nn.Conv2d(width, width, 3, padding=1), nn.ReLU()]
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, 2)

    def forward(self, x):
        f = self.body(x).mean((2, 3))
        return f, self.head(f)            # (features, logits): --output 1 picks the logits


def build(width=4):
    return Net(width, DEPTH)
'''


def _image_folder(root):
    from PIL import Image

    rng = np.random.default_rng(0)
    for cls in ("cat", "dog"):
        (root / cls).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(rng.integers(0, 256, (14, 11, 3), dtype=np.uint8)).save(root / cls / f"{i}.png")
    return root


@pytest.mark.filterwarnings("ignore:no --weights")
def test_compare_loads_user_model_files_weights_folder_and_every_report_flag_like_report(tmp_path, capsys):
    from freqlens.commands._common import load_user_model
    from freqlens.data.folder import load_image_folder
    from freqlens.probes.heatmap import HeatmapResult, fourier_heatmap

    specs, models = [], {}
    for name, depth in (("net_a", 1), ("net_b", 2)):
        (tmp_path / f"{name}.py").write_text(MODEL_FILE.replace("DEPTH", str(depth)))
        model = load_user_model(f"{tmp_path / name}.py:build", kwargs={"width": 3}, seed=7)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.05 * depth)
        torch.save(model.state_dict(), tmp_path / f"{name}.pt")
        models[name] = model
        specs += ["--model", f"{tmp_path / name}.py:build", "--weights", str(tmp_path / f"{name}.pt")]
    folder = _image_folder(tmp_path / "imgs")
    out = tmp_path / "cmp"
    code = main(["compare", *specs, "--label", "a", "--label", "b", "--model-kwargs", "width=3", "--seed", "3",
                 "--data", str(folder), "--img-size", "8", "--crop-pct", "0.8", "--mean", "0.5", "0.4", "0.3",
                 "--std", "0.2", "0.25", "0.3", "--output", "1", "--window", "2", "--quantity", "loss",
                 "--probes", "heatmap", "--heatmap-images", "4", "--amp", "bf16", "--out", str(out), "--no-progress",
                 "--device", "cpu"])
    assert code == 0, capsys.readouterr().err
    x, y, _ = load_image_folder(folder, img_size=8, crop_pct=0.8)
    for label, name in (("a", "net_a"), ("b", "net_b")):
        got = HeatmapResult.load(out / label / "probes" / "heatmap.json")
        ref = fourier_heatmap(models[name], x[:4], y[:4], eps=4.0, seed=3, window=2, quantity="loss", output=1,
                              normalize=((0.5, 0.4, 0.3), (0.2, 0.25, 0.3)), amp="bf16", progress=False)
        assert got.quantity == "loss" and got.error.shape == (5, 5) and got.image_size == [8, 8]
        np.testing.assert_allclose(got.error, ref.error, atol=1e-6)
    with open(out / "compare.csv") as fh:
        rows = [r for r in csv.DictReader(fh) if r["parameter"] == "quantity"]
    assert {(r["model"], r["value"]) for r in rows} == {("a", "loss"), ("b", "loss")}
    assert "cross-entropy loss" in (out / "compare.html").read_text()


@pytest.mark.filterwarnings("ignore:no --weights")
def test_compare_weights_count_must_match_the_models(tmp_path, capsys):
    (tmp_path / "net_c.py").write_text(MODEL_FILE.replace("DEPTH", "1"))
    spec = f"{tmp_path / 'net_c'}.py:build"
    torch.save(load_user_model_state(spec), tmp_path / "w.pt")
    code = main(["compare", "--model", spec, "--model", spec, "--model", spec, "--weights", str(tmp_path / "w.pt"),
                 "--weights", str(tmp_path / "w.pt"), "--data", "digits", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "3 --model but 2 --weights; give one --weights per --model" in err and "\n" not in err


def load_user_model_state(spec):
    from freqlens.commands._common import load_user_model

    return load_user_model(spec, seed=0).state_dict()
