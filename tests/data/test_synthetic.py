"""freqlens/data/synthetic.py: sums of sines on grids and the Gaussian projection stand-in."""
import math

import pytest
import torch

from freqlens.data.synthetic import gaussian_projection_data, periodic_grid, sinusoid_target_1d, sum_of_sines
from freqlens.errors import InputError
from freqlens.fourier.nudft import first_principal_component


def test_periodic_grid_excludes_the_right_end_and_endpoint_includes_it():
    z = periodic_grid(8, 0.0, 2.0)
    assert z[0] == 0 and z[-1] == pytest.approx(1.75) and torch.allclose(torch.diff(z), torch.full((7,), 0.25))
    assert periodic_grid(5, -1.0, 1.0, endpoint=True).tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert periodic_grid(4, dtype=torch.float64).dtype == torch.float64
    with pytest.raises(InputError, match="≥ 2"):
        periodic_grid(1)


def test_sum_of_sines_uses_angular_frequencies_and_phases():
    x = torch.tensor([0.0, math.pi / 6], dtype=torch.float64)
    out = sum_of_sines(x, [3.0], [2.0], [math.pi / 2])                     # 2 sin(3x + π/2) = 2 cos 3x
    assert torch.allclose(out, 2 * torch.cos(3 * x))
    with pytest.raises(InputError, match="same length"):
        sum_of_sines(x, [1.0, 2.0], [1.0])


def test_sinusoid_target_puts_each_component_at_its_dft_bin_with_its_amplitude():
    data = sinusoid_target_1d(128, frequencies=(1, 3, 5), amplitudes=(1.0, 2.0, 3.0))
    assert data.x.shape == (128, 1) and data.frequencies == [1.0, 3.0, 5.0]
    spec = torch.fft.rfft(data.y[:, 0].double()).abs() / 64                  # A at bin k for A sin(kx)
    assert spec[[1, 3, 5]].tolist() == pytest.approx([1.0, 2.0, 3.0], abs=1e-5)
    assert float(spec[[0, 2, 4, 6]].max()) < 1e-5


def test_gaussian_projection_data_depends_on_the_dominant_coordinate_only():
    x, y = gaussian_projection_data(n=400, dim=6, frequencies=(0.5,), amplitudes=(2.0,), seed=1)
    assert x.shape == (400, 6) and y.shape == (400, 1)
    assert torch.allclose(y[:, 0], 2 * torch.sin(2 * math.pi * 0.5 * x[:, 0]), atol=1e-5)
    assert int(first_principal_component(x).abs().argmax()) == 0
    x2, _ = gaussian_projection_data(n=400, dim=6, seed=1)
    assert torch.equal(x, x2)                                                 # deterministic per seed
