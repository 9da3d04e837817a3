"""The filtered-image training transform (Yin et al. 2019's high-pass filtering)."""
import pytest
import torch

from freqlens.errors import InputError
from freqlens.fourier.filters import highpass_mask
from freqlens.interventions.augment import FourierFilterTransform


def test_transform_removes_exactly_the_filtered_frequencies():
    x = torch.rand(4, 3, 32, 32, dtype=torch.float64)
    y = torch.arange(4)
    xf, yf = FourierFilterTransform("high", 17)(None, x, y)
    assert torch.equal(yf, y)
    spec = torch.fft.fft2(xf).abs()
    assert spec[..., ~highpass_mask(32, 32, 17)].max() < 1e-9
    assert torch.allclose(torch.fft.fft2(xf)[..., highpass_mask(32, 32, 17)],
                          torch.fft.fft2(x)[..., highpass_mask(32, 32, 17)])


def test_bad_kind_or_bandwidth():
    with pytest.raises(InputError):
        FourierFilterTransform("mid", 3)
    with pytest.raises(InputError):
        FourierFilterTransform("low", 0)
