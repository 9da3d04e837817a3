"""Spec B3 square band masks and filtered noise (additions to freqlens/fourier/filters.py)."""
import pytest
import torch

from freqlens.errors import InputError
from freqlens.fourier.filters import (
    band_mask,
    filtered_noise,
    highpass_filter,
    highpass_mask,
    lowpass_filter,
    lowpass_mask,
)
from freqlens.fourier.grid import chebyshev_radius


def test_lowpass_mask_is_the_centred_square():
    m = lowpass_mask(32, 32, 3)
    assert int(m.sum()) == 9 and bool(m[0, 0]) and bool(m[1, -1]) and not bool(m[2, 0])
    assert int(lowpass_mask(32, 32, 1).sum()) == 1
    assert int(lowpass_mask(32, 32, 15).sum()) == 225
    assert bool(lowpass_mask(32, 32, 32).all())


def test_highpass_frame_bandwidths():
    # B = 31 removes only DC; B = 3 keeps |f| >= 15 on either axis; B = 1 keeps only the Nyquist row/column
    assert int(highpass_mask(32, 32, 31).sum()) == 1023 and not bool(highpass_mask(32, 32, 31)[0, 0])
    m3 = highpass_mask(32, 32, 3)
    assert int(m3.sum()) == 32 * 32 - 29 * 29
    assert int(highpass_mask(32, 32, 1).sum()) == 32 * 32 - 31 * 31
    # odd size: B = 2 keeps the two outermost frequencies ±15 of a 31-pixel axis
    assert int(highpass_mask(31, 31, 2).sum()) == 31 * 31 - 29 * 29


def test_masks_are_conjugate_symmetric_so_filtered_images_are_real_and_idempotent():
    x = torch.rand(4, 3, 32, 32, dtype=torch.float64)
    for b in (1, 3, 7, 15):
        lp = lowpass_filter(x, b)
        assert torch.allclose(lowpass_filter(lp, b), lp, atol=1e-12)
        mask = lowpass_mask(32, 32, b).double()
        complex_out = torch.fft.ifft2(torch.fft.fft2(x) * mask)
        assert complex_out.imag.abs().max() < 1e-12  # symmetric mask: nothing discarded by taking .real
        hp = highpass_filter(x, 32 - b)
        # LP_b + HP_(32-b) is the identity exactly when the two squares are complementary (odd b)
        assert torch.allclose(lp + hp, x, atol=1e-10)
    # high-pass images have zero mean (DC removed)
    assert highpass_filter(x, 31).mean(dim=(-2, -1)).abs().max() < 1e-10


def test_filtered_noise_norm_and_band():
    g = torch.Generator().manual_seed(0)
    n = filtered_noise((6, 3, 32, 32), "low", 7, norm=8.0, generator=g, dtype=torch.float64)
    assert torch.allclose(n.flatten(2).norm(dim=2), torch.full((6, 3), 8.0, dtype=torch.float64))
    spec = torch.fft.fft2(n).abs()
    outside = ~lowpass_mask(32, 32, 7)
    assert spec[..., outside].max() < 1e-9
    m = filtered_noise((2, 3, 32, 32), "high", 3, norm=8.0, per_channel=False, generator=g)
    assert torch.allclose(m.flatten(1).norm(dim=1), torch.full((2,), 8.0), atol=1e-4)


def test_band_mask_and_radius():
    rho = chebyshev_radius(8, 8)
    assert int(rho.max()) == 4 and int(rho[0, 0]) == 0
    assert int(band_mask(8, 8, 1, 1).sum()) == 8


def test_bad_bandwidth_kind_and_norm():
    with pytest.raises(InputError, match="bandwidth"):
        lowpass_mask(32, 32, 0)
    with pytest.raises(InputError, match="kind"):
        filtered_noise((1, 1, 8, 8), "middle", 3)
    with pytest.raises(InputError, match="norm"):
        filtered_noise((1, 1, 8, 8), "low", 3, norm=0)
    with pytest.raises(InputError, match="low ≤ high"):
        band_mask(8, 8, 3, 1)
