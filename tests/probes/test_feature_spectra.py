"""feature_spectra: the analytic blur test, ViT tokens, any module by name, one-line errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from freqlens.errors import InputError
from freqlens.fourier.feature_spectrum import (
    log_amplitude_profile,
    mean_amplitude_sum,
)
from freqlens.probes.feature_spectra import FeatureSpectra, feature_spectra


def _blur_net(h=16):
    blur = nn.Conv2d(1, 1, 3, padding=1, padding_mode="circular", bias=False)
    k = torch.tensor([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16
    blur.weight.data[:] = k
    return nn.Sequential(nn.Identity(), blur).double(), k


def test_behind_a_blur_the_spectrum_is_the_input_spectrum_times_the_transfer_function():
    net, k = _blur_net()
    x = torch.rand(6, 1, 16, 16, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    res = feature_spectra(net, x, layers=["0", "1"], progress=False)
    # transfer function of the circular 3 × 3 conv (cross-correlation centred at the origin)
    pad = torch.zeros(16, 16, dtype=torch.float64)
    for i in range(3):
        for j in range(3):
            pad[(i - 1) % 16, (j - 1) % 16] = k[i, j]
    transfer = torch.fft.fftshift(torch.fft.fft2(pad).abs())
    amp_in = mean_amplitude_sum(x) / 6
    expected = log_amplitude_profile(amp_in * transfer)[1]
    assert np.allclose(res.log_amplitude["1"], expected.numpy(), atol=1e-9)
    assert np.allclose(res.log_amplitude["0"], log_amplitude_profile(amp_in)[1].numpy(), atol=1e-9)
    # the blur's transfer function is 1 at DC and 0 at the Nyquist corner: high frequencies drop
    assert res.high_frequency_amplitude["1"] < res.high_frequency_amplitude["0"] - 1.0
    # and the identity: the per-frequency ratio out / in is exactly |H|
    out = net(x).detach()
    assert torch.allclose(mean_amplitude_sum(out), mean_amplitude_sum(x) * transfer, rtol=1e-9, atol=1e-9)


class _TinyViT(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Conv2d(3, 8, 4, stride=4)
        self.cls = nn.Parameter(torch.zeros(1, 1, 8))
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)
        self.norm = nn.LayerNorm(8)
        self.head = nn.Linear(8, 10)

    def forward(self, x):
        t = self.embed(x).flatten(2).transpose(1, 2)
        t = torch.cat([self.cls.expand(t.shape[0], -1, -1), t], 1)
        t = t + self.attn(t, t, t)[0]
        return self.head(self.norm(t)[:, 0])


def test_attention_and_norm_modules_by_name_and_result_round_trip(tmp_path):
    torch.manual_seed(0)
    res = feature_spectra(_TinyViT(), torch.rand(3, 3, 16, 16), layers=["norm", "attn", "embed"], progress=False)
    assert res.layers == ["embed", "attn", "norm"]                  # depth order, not argument order
    assert res.shapes["attn"] == [8, 4, 4]
    res.save(tmp_path / "fs.json")
    back = FeatureSpectra.load(tmp_path / "fs.json")
    assert back.high_frequency_amplitude == pytest.approx(res.high_frequency_amplitude)
    _fig, ax = res.plot()
    assert len(ax.lines) >= 1


def test_bad_layer_names_and_outputs_are_one_line_errors():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2 * 6 * 6, 3))
    x = torch.rand(2, 1, 8, 8)
    with pytest.raises(InputError, match="no module named 'nope'") as e:
        feature_spectra(net, x, layers=["nope"], progress=False)
    assert "\n" not in str(e.value)
    with pytest.raises(InputError, match="outputs shape"):
        feature_spectra(net, x, layers=["2"], progress=False)
