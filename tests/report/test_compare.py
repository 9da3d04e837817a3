"""compare(): one report per model, a CSV row per model × probe × parameter holding exactly the report's numbers,
one page with a column per model; flatten_numbers names the parameters by their path."""
import csv
import json

import numpy as np
import pytest
import torch
from torch import nn

from freqlens.errors import InputError
from freqlens.report.compare import ComparisonResult, compare, flatten_numbers


def test_flatten_numbers_names_every_scalar_by_its_path():
    nested = {"acc": {"low": [0.5, 0.25], "r=4": 0.1}, "n": 3, "mode": "basis", "empty": []}
    assert flatten_numbers(nested) == [("acc/low/0", 0.5), ("acc/low/1", 0.25), ("acc/r=4", 0.1), ("n", 3),
                                       ("mode", "basis")]
    assert flatten_numbers(0.5) == [("", 0.5)] and flatten_numbers((1, 2), "x/") == [("x/0", 1), ("x/1", 2)]


def _net(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                         nn.Linear(16, 2))


def test_compare_rows_are_each_reports_numbers_and_the_page_has_one_column_per_model(tmp_path):
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(6, 3, 8, 8, generator=g), torch.arange(6) % 2
    res = compare({"small": _net(0), "other": _net(1)}, x, y, out=tmp_path, probes=("hfc",), progress=False)
    assert isinstance(res, ComparisonResult) and res.labels == ["small", "other"]
    for label in res.labels:
        saved = json.loads((tmp_path / label / "report.json").read_text())["fields"]["sections"]
        expected = [[label, s["name"], p, v] for s in saved for p, v in flatten_numbers(s.get("numbers") or {})]
        assert [r for r in res.rows if r[0] == label] == expected and expected
    with open(tmp_path / "compare.csv") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["model", "probe", "parameter", "value"] and len(rows) == 1 + len(res.rows)
    assert [r[:3] for r in rows[1:]] == [[str(v) for v in r[:3]] for r in res.rows]
    page = (tmp_path / "compare.html").read_text()
    assert "<th></th><th>small</th><th>other</th>" in page and page.count("<img") == 2
    assert "freqlens comparison of 2 models" in page and "<script" not in page
    with pytest.raises(InputError, match="open compare.html"):
        res.plot()


@pytest.mark.parametrize("models,message", [
    ({"only": None}, "at least two models, got 1"),
    ({"a": None, "a/b": None}, "'a/b' cannot be a folder name"),
    ({"a": None, ".hidden": None}, "'.hidden' cannot be a folder name"),
    ({"a": None, "": None}, "'' cannot be a folder name"),
])
def test_compare_refuses_too_few_models_and_unsafe_labels_before_running(tmp_path, models, message):
    with pytest.raises(InputError, match=message) as info:
        compare(models, torch.rand(2, 3, 8, 8), out=tmp_path / "o")
    assert "\n" not in str(info.value) and not (tmp_path / "o").exists()


def test_shared_heatmaps_are_titled_with_model_quantity_and_eps(tmp_path, monkeypatch):
    import freqlens.report.compare as cmp
    from freqlens.probes.heatmap import HeatmapResult

    titles = []
    monkeypatch.setattr(cmp, "_png", lambda fig: titles.append(fig.axes[0].get_title().replace("\n", " ")) or "png")
    for label, value in (("A", 10.0), ("B", 30.0)):
        (tmp_path / label / "probes").mkdir(parents=True)
        HeatmapResult(error=np.full((3, 3), value), eps=4.0, clean_error=5.0, n_images=2, bounds=[0.0, 1.0],
                      seed=0).save(
            tmp_path / label / "probes" / "heatmap.json")
    cmp._shared_heatmaps({"A": tmp_path / "A", "B": tmp_path / "B"})
    assert titles == ["A: error rate under Fourier-basis noise, ε = 4 (shared colour range)",
                      "B: error rate under Fourier-basis noise, ε = 4 (shared colour range)"]
