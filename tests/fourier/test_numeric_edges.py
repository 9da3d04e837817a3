"""Docstring promises of freqlens.fourier at the edges: float32 inputs at large n, near-degenerate spectra and
kernels, even and odd sizes (issue 16)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from freqlens.fourier.filters import (filtered_noise, highpass_mask, lfc_hfc_split, lowpass_filter, lowpass_mask)
from freqlens.fourier.nudft import nudft, nudft_direct
from freqlens.fourier.peaks import find_peaks, relative_error_at
from freqlens.fourier.smoothing import GaussianSmoother


@pytest.mark.parametrize("n", [2**17, 2**17 + 1])
def test_nudft_equals_fft_on_a_uniform_grid_for_float32_values_at_large_n(n):
    """Module promise: on x_i = i/n and integer k, nudft == numpy.fft.fft(y)[k] / n (finufft to eps=1e-12)."""
    x = torch.arange(n, dtype=torch.float64) / n
    y = torch.randn(n, generator=torch.Generator().manual_seed(0)).float()          # float32 values
    k = torch.tensor([0, 1, 7, n // 3, n // 2 - 1, n // 2], dtype=torch.float64)      # up to Nyquist (even n)
    ref = np.fft.fft(y.double().numpy())[k.long().numpy()] / n
    got = nudft(x, y, k).numpy()
    assert np.abs(got - ref).max() <= 1e-9 * np.abs(ref).max()


@pytest.mark.parametrize("n", [4096, 4097])
def test_direct_nudft_is_exact_for_even_and_odd_n(n):
    x = torch.arange(n, dtype=torch.float64) / n
    y = torch.randn(n, generator=torch.Generator().manual_seed(1)).float()
    k = torch.arange(0, n, 97, dtype=torch.float64)
    ref = np.fft.fft(y.double().numpy())[k.long().numpy()] / n
    assert np.abs(nudft_direct(x, y, k).numpy() - ref).max() <= 1e-10 * np.abs(ref).max()


@pytest.mark.parametrize("hw", [(255, 256), (256, 256), (257, 255)])
def test_lfc_plus_hfc_is_the_image_in_float32_for_even_and_odd_sizes(hw):
    """lfc_hfc_split's promise: lfc + hfc == images (atol 1e-5) with rescale='none'."""
    im = torch.rand(1, 3, *hw, generator=torch.Generator().manual_seed(0))
    lfc, hfc = lfc_hfc_split(im, radius=20)
    assert lfc.dtype == torch.float32 and torch.allclose(lfc + hfc, im, atol=1e-5)


@pytest.mark.parametrize("hw", [(255, 256), (257, 255)])
def test_filtered_noise_has_the_promised_norm_in_float32(hw):
    n = filtered_noise((2, 3, *hw), "low", 7, norm=8.0, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(n.flatten(2).norm(dim=2), torch.full((2, 3), 8.0), rtol=2e-5)


@pytest.mark.parametrize("s", [32, 33])
def test_masks_keep_the_documented_counts_for_even_and_odd_sizes(s):
    assert int(lowpass_mask(s, s, 1).sum()) == 1                             # B = 1: only DC
    assert int(lowpass_mask(s, s, 3).sum()) == 9
    assert bool(lowpass_mask(s, s, s).all())                                 # B ≥ S keeps all
    assert int(highpass_mask(s, s, s - 1).sum()) == s * s - 1                # B = S − 1 removes only DC
    assert bool(highpass_mask(s, s, s).all())
    # B counts the kept frequencies across both sides of an axis; for odd S and odd B the symmetric frame is one
    # wider (S − B is even and cannot be centred), as the docstring says
    kept_per_axis = int(highpass_mask(s, s, 3)[:, 0].sum())                   # column f_v = 0: only f_u varies
    assert kept_per_axis == (3 if s % 2 == 0 else 4)
    # a full-width low-pass on an odd size is the identity, exactly up to float32 rounding
    if s % 2:
        im = torch.rand(1, 1, s, s)
        assert torch.allclose(lowpass_filter(im, s), im, atol=1e-6)


def test_gaussian_smoother_near_degenerate_kernel_stays_finite_and_normalised():
    """δ → 0 (every neighbour's weight underflows to 0 in float32): rows must still sum to 1 (identity), no NaN."""
    x = torch.randn(2000, 50, generator=torch.Generator().manual_seed(0)) * 100
    for delta in (1e-12, 1.0, 1e9):
        s = GaussianSmoother(x, delta=delta)                                  # float32 kernel
        assert torch.isfinite(s.kernel).all()
        assert (s.kernel.double().sum(1) - 1).abs().max() < 1e-5
    low, high = GaussianSmoother(x, delta=1e-12).split(torch.arange(2000.0))
    assert torch.allclose(low, torch.arange(2000.0)) and torch.allclose(low + high, torch.arange(2000.0))


def test_peaks_and_relative_error_on_near_degenerate_spectra():
    flat = torch.ones(64)
    assert find_peaks(flat).numel() == 0                                       # strict: a plateau is no peak
    tiny = torch.zeros(64, dtype=torch.float64)
    tiny[10] = 1e-300                                                          # a peak at the edge of float64
    assert find_peaks(tiny).tolist() == [10]
    # amplitude mode's eps keeps a zero target finite; complex mode divides by |ŷ| and says so by being huge
    zero = torch.zeros(3, dtype=torch.complex128)
    out = torch.tensor([1e-3, 0, 0], dtype=torch.complex128)
    assert torch.allclose(relative_error_at(out, zero, mode="amplitude", eps=1e-5),
                          torch.tensor([1e-3 / 1e-5, 0, 0], dtype=torch.float64))
    assert torch.isfinite(relative_error_at(out, zero, mode="complex")).all()
