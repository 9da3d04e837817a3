"""Spectra, radial profiles and the high-frequency energy fraction (Yin et al. 2019, Sec. 4)."""
import math

import numpy as np
import pytest
import torch

from freqlens.errors import InputError
from freqlens.fourier.filters import lowpass_filter
from freqlens.fourier.spectrum import (
    amplitude_spectrum,
    energy_spectrum,
    high_frequency_fraction,
    loglog_slope,
    radial_profile,
)


def test_amplitude_spectrum_of_a_cosine_peaks_at_its_frequency_centred():
    m = torch.arange(32, dtype=torch.float64)
    img = torch.cos(2 * math.pi * 5 * m / 32)[:, None].expand(32, 32)  # f_u = ±5, f_v = 0
    s = amplitude_spectrum(img[None, None])
    assert s.shape == (32, 32)
    peaks = torch.nonzero(s > 1.0).tolist()
    assert sorted(peaks) == [[11, 16], [21, 16]]
    assert s[21, 16] == pytest.approx(32 * 32 / 2)


def test_parseval_energy_spectrum():
    x = torch.randn(5, 3, 16, 16, dtype=torch.float64)
    e = energy_spectrum(x)
    assert float(e.sum()) == pytest.approx(float((x ** 2).sum(dim=(-2, -1)).mean()) * 256, rel=1e-10)


def test_hf_fraction_white_noise_lowpassed_and_constant():
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(64, 3, 32, 32, generator=g, dtype=torch.float64)
    assert high_frequency_fraction(noise, cutoff=7) == pytest.approx(1 - 225 / 1024, abs=0.02)
    assert high_frequency_fraction(lowpass_filter(noise, 15), cutoff=7) < 1e-12
    with pytest.raises(InputError, match="zero energy"):
        high_frequency_fraction(torch.zeros(1, 1, 8, 8))


def test_radial_profile_and_power_law_slope():
    # an image with amplitude 1/f has log-log slope -1
    h = 64
    f = torch.fft.fftfreq(h, d=1 / h)
    r = torch.sqrt(f[:, None] ** 2 + f[None, :] ** 2)
    amp = torch.where(r > 0, 1 / r.clamp_min(1e-9), torch.zeros(()))
    spec = torch.fft.fftshift(amp)
    radii, prof = radial_profile(spec)
    assert radii[0] == 0 and len(radii) == 33
    assert loglog_slope(radii, prof, 2, 20) == pytest.approx(-1.0, abs=0.08)
    radii_c, prof_c = radial_profile(spec, metric="chebyshev")
    assert prof_c[1] > prof_c[10]
    with pytest.raises(InputError, match="metric"):
        radial_profile(spec, metric="manhattan")


def test_binned_radial_profile_bins_the_continuous_radius_and_agrees_with_the_ring_profile():
    from freqlens.fourier.spectrum import binned_radial_profile

    n = 32
    centres, prof = binned_radial_profile(torch.ones(n, n), bins=8)
    assert len(centres) == 8 and np.allclose(prof, 1.0)
    assert centres[-1] == pytest.approx(7.5 / 8 * math.hypot(16, 16), rel=1e-6)   # bins reach the grid's corner
    # a map equal to its own radius: each bin's mean lies inside the bin
    r = torch.sqrt(torch.fft.fftfreq(n, 1 / n)[:, None] ** 2 + torch.fft.fftfreq(n, 1 / n)[None, :] ** 2)
    centres, prof = binned_radial_profile(r, bins=8)
    width = centres[1] - centres[0]
    assert np.all(np.abs(prof - centres) <= width / 2 + 1e-9)
    # centred layout: same numbers as the unshifted map
    c2, p2 = binned_radial_profile(torch.fft.fftshift(r), bins=8, centred=True)
    assert np.allclose(p2, prof)
    # many bins: empty bins are NaN
    _, sparse = binned_radial_profile(torch.ones(4, 4), bins=50)
    assert np.isnan(sparse).any() and np.allclose(sparse[np.isfinite(sparse)], 1.0)
    with pytest.raises(InputError, match="bins"):
        binned_radial_profile(torch.ones(4, 4), bins=0)
    with pytest.raises(InputError, match="expected"):
        binned_radial_profile(torch.ones(4), bins=2)
