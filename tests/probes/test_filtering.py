"""Spec B3: accuracy on low-/high-pass filtered images."""
import pytest
import torch
from torch import nn

from freqlens.errors import InputError, ModelOutputError
from freqlens.probes.filtering import FilteredAccuracy, filter_images, filtered_accuracy


class MeanBrightness(nn.Module):
    """Class 1 if mean intensity > 0.5 else 0: depends only on DC."""

    def forward(self, x):
        s = x.mean(dim=(1, 2, 3)) - 0.5
        return torch.stack([-s, s], 1)


def test_dc_only_model_keeps_accuracy_under_lowpass_and_loses_it_under_highpass(tmp_path):
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 2, (40,), generator=g)
    x = (0.3 + 0.4 * y.float()).view(-1, 1, 1, 1) + 0.05 * torch.rand(40, 3, 16, 16, generator=g)
    res = filtered_accuracy(MeanBrightness(), x, y, bandwidths=[1, 5], progress=False)
    assert res.clean_accuracy == 1.0
    assert res.accuracy["low"] == [1.0, 1.0]                      # DC is kept by every low-pass filter
    assert res.accuracy["high"] == [pytest.approx(float((y == 0).float().mean()))] * 2  # DC removed → all "class 0"
    res.save(tmp_path / "f.json")
    assert FilteredAccuracy.load(tmp_path / "f.json").accuracy == res.accuracy


def test_filter_images_is_not_clipped_and_highpass_is_zero_mean():
    x = torch.rand(3, 3, 8, 8)
    hp = filter_images(x, "high", 7)
    assert hp.min() < 0 and hp.mean(dim=(-2, -1)).abs().max() < 1e-5


def test_bad_inputs():
    x, y = torch.rand(4, 3, 8, 8), torch.tensor([0, 1, 0, 1])
    with pytest.raises(InputError, match="kind"):
        filter_images(x, "band", 3)
    with pytest.raises(InputError, match="outside bounds"):
        filtered_accuracy(MeanBrightness(), x + 2, y, progress=False)
    with pytest.raises(ModelOutputError, match="classes but a label"):
        filtered_accuracy(MeanBrightness(), x, y + 5, progress=False)
    with pytest.raises(InputError, match="empty"):
        filtered_accuracy(MeanBrightness(), x, y, bandwidths=[], progress=False)
