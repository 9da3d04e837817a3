"""The corruptions section: one row per common corruption (severity 3) with the model's accuracy under it and the
corruption's high-frequency energy fraction; its figure plots exactly those rows; its reading names the worst."""
import numpy as np
import pytest
import torch
from torch import nn

import freqlens
from freqlens.fourier.spectrum import high_frequency_fraction
from freqlens.inference import accuracy
from freqlens.probes.corruptions import corrupt, corruption_names
from freqlens.report.sections.corruptions import SECTION, CorruptionRows


def test_plot_draws_accuracy_in_percent_against_hf_fraction_with_names():
    rows = [{"name": "fog", "hf_fraction": 0.1, "accuracy": 0.8}, {"name": "noise", "hf_fraction": 0.9,
                                                                     "accuracy": 0.3}]
    fig, ax = CorruptionRows(rows).plot()
    np.testing.assert_allclose(ax.collections[0].get_offsets(), [[0.1, 80.0], [0.9, 30.0]])
    assert [t.get_text() for t in ax.texts] == ["fog", "noise"]
    assert ax.get_xlabel() == "high-frequency energy fraction of the corruption"
    assert ax.get_ylabel() == "accuracy under the corruption (%)" and "severity 3" in ax.get_title()


def test_section_registration():
    assert SECTION.name == "corruptions" and SECTION.result == "CorruptionRows"
    rows = CorruptionRows([{"name": "fog", "hf_fraction": 0.1, "accuracy": 0.5}] * 3)
    assert SECTION.reading(rows, None)[0].startswith("Worst corruption: fog (50 % accuracy)")


@pytest.mark.usefixtures("one_thread")
def test_section_rows_are_the_models_accuracy_under_each_corruption(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(4, 2)).eval()
    x = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        y = model(x).argmax(1)
    r = freqlens.report(model, x, y, out=tmp_path, probes=("corruptions",), progress=False, seed=3)
    entry = r.sections[0]
    rows = entry["numbers"]["corruptions"]
    assert [row["name"] for row in rows] == list(corruption_names())
    for row in rows[:3]:
        xc = corrupt(x, row["name"], severity=3, seed=3)
        assert row["accuracy"] == pytest.approx(accuracy(model, xc, y))
        assert row["hf_fraction"] == pytest.approx(high_frequency_fraction(xc - x, cutoff=32 / 4 - 1))
        assert 0 <= row["hf_fraction"] <= 1
    assert entry["reading"].startswith("Worst corruption: ") and (tmp_path / entry["figure"]).is_file()
