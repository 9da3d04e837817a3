import math

import torch

from freqlens.data import gaussian_projection_data, load_digits_images, load_mnist1d, sinusoid_target_1d


def test_mnist1d_is_generated_in_memory():
    xtr, ytr, xte, yte = load_mnist1d(num_samples=500)
    assert xtr.shape == (400, 40) and xte.shape == (100, 40)
    assert set(ytr.unique().tolist()) <= set(range(10))


def test_digits_images_in_unit_range():
    x, y, xt, yt = load_digits_images()
    assert x.shape[1:] == (1, 8, 8) and 0 <= float(x.min()) and float(x.max()) <= 1
    assert len(x) + len(xt) == 1797


def test_sinusoid_target_spectrum_peaks_exactly_at_its_frequencies():
    d = sinusoid_target_1d(200, (1, 3, 5))
    amp = torch.fft.rfft(d.y[:, 0].double()).abs() / 200
    assert sorted(torch.topk(amp, 3).indices.tolist()) == [1, 3, 5]
    assert torch.allclose(amp[[1, 3, 5]], torch.full((3,), 0.5, dtype=torch.float64), atol=1e-5)


def test_projection_stand_in_has_dominant_first_axis():
    x, y = gaussian_projection_data(n=500, dim=16)
    assert x.shape == (500, 16) and y.shape == (500, 1)
    assert float(x[:, 0].std()) > 3 * float(x[:, 1:].std())
    _ = math
