"""`freqlens compare`: two tiny models through the same report, one page and one CSV row per number."""
import csv
import importlib
import sys

import numpy as np
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
