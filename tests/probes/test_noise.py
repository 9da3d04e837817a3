"""Spec B5: error under band-limited Gaussian noise."""
import pytest
import torch
from torch import nn

from freqlens.errors import InputError
from freqlens.fourier.filters import highpass_filter
from freqlens.probes.noise import bandlimited_noise_error


class HighFrequencyDetector(nn.Module):
    """Class 0 when the image has almost no energy at high frequencies (a smooth image), else class 1."""

    def forward(self, x):
        e = highpass_filter(x, 15).pow(2).sum(dim=(1, 2, 3))
        s = e - 0.5
        return torch.stack([-s, s], 1)


def test_highpass_noise_fools_a_high_frequency_detector_lowpass_noise_does_not():
    x = torch.full((30, 3, 32, 32), 0.5)
    y = torch.zeros(30, dtype=torch.long)
    res = bandlimited_noise_error(HighFrequencyDetector(), x, y, bandwidths=[3, 7], norm=2.0, seed=1, progress=False)
    assert res.clean_error == 0.0
    assert res.error["low"] == [0.0, 0.0]        # LP_3, LP_7 noise has no energy at |f| ≥ 9
    assert res.error["high"] == [100.0, 100.0]   # HP noise of norm 2 per channel: energy 12 ≫ 0.5
    assert res.full_error == 100.0
    again = bandlimited_noise_error(HighFrequencyDetector(), x, y, bandwidths=[3, 7], norm=2.0, seed=1, max_batch=7,
                                    progress=False)
    assert again.error == res.error


def test_bad_inputs():
    x, y = torch.rand(4, 3, 8, 8), torch.zeros(4, dtype=torch.long)
    with pytest.raises(InputError, match="norm"):
        bandlimited_noise_error(HighFrequencyDetector(), x, y, norm=0, progress=False)
    with pytest.raises(InputError, match="rank"):
        bandlimited_noise_error(HighFrequencyDetector(), x[0], y, progress=False)
