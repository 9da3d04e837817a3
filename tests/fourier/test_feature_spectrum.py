"""freqlens/fourier/feature_spectrum.py: tokens back to grids, summed amplitude spectra, log-amplitude profiles and
the relative high-frequency log amplitude of Park & Kim 2022 (Fig. 2)."""
import math

import pytest
import torch

from freqlens.errors import InputError
from freqlens.fourier.feature_spectrum import (
    log_amplitude_profile,
    mean_amplitude_sum,
    relative_high_frequency,
    tokens_to_grid,
)


def test_vit_tokens_reshape_to_their_grid_with_the_class_token_dropped():
    maps = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).reshape(2, 3, 4, 4)
    tokens = maps.flatten(2).transpose(1, 2)                      # (N, 16, D)
    with_cls = torch.cat([torch.full((2, 1, 3), 99.0), tokens], 1)
    assert torch.equal(tokens_to_grid(with_cls), maps)
    assert torch.equal(tokens_to_grid(tokens), maps)
    with pytest.raises(InputError, match="square grid"):
        tokens_to_grid(torch.zeros(1, 7, 3))
    with pytest.raises(InputError, match="batch first"):
        tokens_to_grid(torch.zeros(16, 3))


def test_mean_amplitude_sum_adds_over_batches_and_centres_dc():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(6, 2, 8, 8, generator=g)
    whole = mean_amplitude_sum(x)
    assert torch.allclose(whole, mean_amplitude_sum(x[:2]) + mean_amplitude_sum(x[2:]))
    wave = torch.cos(2 * math.pi * 2 * torch.arange(8.0) / 8)[None, None, None, :].expand(1, 1, 8, 8)
    amp = mean_amplitude_sum(wave)
    assert sorted(torch.nonzero(amp > 1).tolist()) == [[4, 2], [4, 6]]         # f_v = ±2, DC at (4, 4)
    with pytest.raises(InputError, match="expected \\(N, C, H, W\\)"):
        mean_amplitude_sum(torch.zeros(8, 8))


def test_log_amplitude_profile_and_relative_high_frequency():
    r = torch.sqrt(torch.arange(-4.0, 4.0)[:, None] ** 2 + torch.arange(-4.0, 4.0)[None, :] ** 2)
    amp = torch.exp(-r)                                       # log amplitude falls by 1 per unit radius
    f, la = log_amplitude_profile(amp)
    assert f.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    # ring 1 holds the radii 1 and √2 (rounded Euclidean radius), four cells each
    assert la[0].item() == pytest.approx(0.0)
    assert la[1].item() == pytest.approx(math.log((math.exp(-1) + math.exp(-math.sqrt(2))) / 2), rel=1e-6)
    assert relative_high_frequency(la) < -3                  # low-pass maps: negative Δ log amplitude
    _, flat = log_amplitude_profile(torch.ones(8, 8))
    assert relative_high_frequency(flat) == 0.0              # white maps: flat spectrum
    assert log_amplitude_profile(torch.zeros(4, 4))[1][0].item() == pytest.approx(math.log(1e-30))
    with pytest.raises(InputError, match="H, W ≥ 2"):
        log_amplitude_profile(torch.ones(1, 5))
    with pytest.raises(InputError, match="at least 2 radii"):
        relative_high_frequency(torch.tensor([1.0]))
