import math

import numpy as np
import pytest
import torch

from freqlens.errors import InputError
from freqlens.fourier import first_principal_component, nudft, nudft_direct


def test_matches_numpy_fft_on_uniform_grid():
    n = 64
    x = torch.arange(n, dtype=torch.float64) / n
    y = torch.randn(n, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    k = torch.arange(n, dtype=torch.float64)
    ref = np.fft.fft(y.numpy()) / n
    for backend in ("direct", "finufft"):
        got = nudft(x, y, k, backend=backend).numpy()
        assert np.abs(got - ref).max() < 1e-10


def test_sampled_sinusoid_peaks_at_its_frequency_and_backends_agree():
    g = torch.Generator().manual_seed(1)
    x = torch.rand(3000, generator=g, dtype=torch.float64) * 20
    y = torch.sin(2 * math.pi * 0.7 * x)
    k = torch.linspace(0, 2, 401, dtype=torch.float64)
    fast = nudft(x, y, k, backend="finufft")
    slow = nudft_direct(x, y, k)
    assert (fast - slow).abs().max() / slow.abs().max() < 1e-9
    assert abs(float(k[slow.abs().argmax()]) - 0.7) < 0.01
    assert abs(float(slow.abs().max()) - 0.5) < 0.05  # |ŷ| = 1/2 for a unit sine


def test_angular_convention_and_vector_values():
    x = torch.linspace(-math.pi, math.pi, 201, dtype=torch.float64)[:-1]
    y = torch.stack([torch.sin(3 * x), torch.cos(5 * x)], 1)
    k = torch.tensor([3.0, 5.0], dtype=torch.float64)
    out = nudft(x, y, k, convention="angular")
    assert out.shape == (2, 2)
    assert abs(abs(out[0, 0]) - 0.5) < 1e-9 and abs(abs(out[1, 1]) - 0.5) < 1e-9
    assert abs(out[0, 1]) < 1e-9 and abs(out[1, 0]) < 1e-9


def test_bad_inputs():
    with pytest.raises(InputError, match="NaN"):
        nudft(torch.tensor([0.0, float("nan")]), torch.ones(2), torch.ones(1))
    with pytest.raises(InputError, match="samples"):
        nudft(torch.zeros(3), torch.ones(4), torch.ones(1))
    with pytest.raises(InputError, match="rank"):
        nudft(torch.zeros(3, 2), torch.ones(3), torch.ones(1))
    with pytest.raises(InputError, match="convention"):
        nudft(torch.zeros(3), torch.ones(3), torch.ones(1), convention="hertz")


def test_first_principal_component_finds_dominant_axis():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2000, 8, generator=g) * torch.tensor([0.5, 3.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    p = first_principal_component(x)
    assert abs(float(p.norm()) - 1) < 1e-12
    assert abs(float(p[1])) > 0.99
