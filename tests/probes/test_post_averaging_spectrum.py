"""line_attenuation: the base model's spectrum along random lines is computed exactly as documented (probability
of the predicted class, mean removed, Hann window, mean power over lines); post-averaging attenuates an
oscillating model's high line frequencies more than its low ones; bad settings are refused in one line."""
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from freqlens.errors import InputError
from freqlens.interventions.post_averaging import PostAveraged
from freqlens.probes.post_averaging_spectrum import LineAttenuation, line_attenuation


class Wave(nn.Module):
    """Two logits ±3·sin(ω·⟨w, x⟩): its class probability oscillates along any line not orthogonal to w."""

    def __init__(self, omega: float):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        w = torch.randn(12, generator=g)
        self.omega = omega
        self.register_buffer("w", w / w.norm())

    def forward(self, x):
        z = 3 * torch.sin(self.omega * (x.flatten(1) * self.w).sum(1))
        return torch.stack([z, -z], 1)


def _images():
    return torch.rand(8, 3, 2, 2, generator=torch.Generator().manual_seed(1))


def test_base_spectrum_and_frequency_grid_are_as_documented():
    model, x = Wave(20.0), _images()
    pa = PostAveraged(model, 0.5, n_directions=4, radius_space="input", bounds=None)
    res = line_attenuation(model, pa, x, n_points=32, span_radii=3.0, seed=7)
    g = torch.Generator().manual_seed(7)                   # the line directions come first from the seeded generator
    v = torch.randn(x.shape, generator=g)
    v = v / v.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    t = (torch.arange(32) / 32 * 2 - 1) * 3.0 * 0.5
    with torch.no_grad():
        cls = model(x).argmax(1)
        probs = torch.stack([torch.softmax(model(x[i] + t.view(-1, 1, 1, 1) * v[i]), 1)[:, cls[i]]
                             for i in range(8)]).double()
    window = torch.hann_window(32, periodic=False, dtype=torch.float64)
    power = (torch.fft.rfft((probs - probs.mean(1, keepdim=True)) * window, dim=1).abs() ** 2).mean(0).numpy()
    np.testing.assert_allclose(res.power_base, power, rtol=1e-4, atol=1e-9)
    np.testing.assert_allclose(res.frequency, np.fft.rfftfreq(32, d=3.0 / 32))   # t steps of 2·span·r / n
    np.testing.assert_allclose(res.attenuation, res.power_averaged / res.power_base)
    assert res.low_band == [1, 2] and res.high_band == list(range(8, 17))
    assert res.selectivity == pytest.approx(res.attenuation[8:].mean() / res.attenuation[[1, 2]].mean())
    assert (res.n_lines, res.n_points, res.radius_pixel, res.span_radii) == (8, 32, 0.5, 3.0)


def test_averaging_is_a_low_pass_filter_of_an_oscillating_model():
    model = Wave(20.0)
    pa = PostAveraged(model, 0.5, n_directions=4, radius_space="input", bounds=None)
    res = line_attenuation(model, pa, _images(), n_points=32)
    assert res.selectivity < 0.5                           # high band attenuated at least twice as much as the low
    assert np.all(res.attenuation[res.high_band] < res.attenuation[res.low_band].min())


def test_seeded_and_deterministic():
    model = Wave(20.0)
    pa = PostAveraged(model, 0.5, n_directions=2, radius_space="input", bounds=None)
    a = line_attenuation(model, pa, _images(), n_points=16, seed=1)
    b = line_attenuation(model, pa, _images(), n_points=16, seed=1)
    c = line_attenuation(model, pa, _images(), n_points=16, seed=2)
    assert np.array_equal(a.attenuation, b.attenuation) and not np.array_equal(a.power_base, c.power_base)


def test_plot_draws_the_attenuation():
    a = np.array([1.0, 0.9, 0.2, 0.1])
    res = LineAttenuation(frequency=np.arange(4.0), power_base=np.ones(4), power_averaged=a, attenuation=a,
                          low_band=[1], high_band=[2, 3], selectivity=0.15 / 0.9, radius_pixel=1.5, span_radii=4.0,
                          n_points=64, n_lines=8)
    fig, ax = res.plot()
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), a[1:])
    assert ax.get_ylabel() == "power after / before averaging" and ax.get_yscale() == "log"
    plt.close(fig)


@pytest.mark.parametrize("kwargs,message", [
    ({"n_points": 8}, "n_points ≥ 16"),
    ({"span_radii": 0.0}, "span_radii > 0"),
    ({"span_radii": math.nan}, "span_radii > 0"),
])
def test_bad_settings_are_refused(kwargs, message):
    model = Wave(1.0)
    pa = PostAveraged(model, 0.5, n_directions=2, radius_space="input", bounds=None)
    with pytest.raises(InputError, match=message):
        line_attenuation(model, pa, _images(), **kwargs)
    with pytest.raises(InputError, match="PostAveraged wrapper, got Wave"):
        line_attenuation(model, model, _images())
