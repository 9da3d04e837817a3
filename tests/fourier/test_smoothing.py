import math

import pytest
import torch

from freqlens.errors import InputError
from freqlens.fourier import GaussianSmoother, gaussian_smooth


@pytest.mark.parametrize("k,delta", [(3.0, 0.1), (1.0, 0.5), (5.0, 0.02)])
def test_sine_is_attenuated_by_the_kernel_fourier_transform(k, delta):
    x = torch.linspace(-10, 10, 4001, dtype=torch.float64)
    y = torch.sin(k * x)
    low = gaussian_smooth(x, y, delta)
    inner = (x.abs() < 6) & (y.abs() > 0.5)  # away from the grid's ends and from zero crossings
    ratio = low[inner] / y[inner]
    expected = math.exp(-delta * k * k / 2)
    assert (ratio / expected - 1).abs().max() < 0.02


def test_constant_labels_have_no_high_part_and_rows_sum_to_one():
    x = torch.randn(300, 5, generator=torch.Generator().manual_seed(0))
    s = GaussianSmoother(x, 2.0)
    low, high = s.split(torch.full((300, 3), 0.7))
    assert high.abs().max() < 1e-5
    assert (s.kernel.sum(1) - 1).abs().max() < 1e-6


def test_delta_limits():
    x = torch.randn(200, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    y = torch.randn(200, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    assert (gaussian_smooth(x, y, 1e-6) - y).abs().max() < 1e-9                 # δ → 0: identity
    assert (gaussian_smooth(x, y, 1e8) - y.mean(0)).abs().max() < 1e-6          # δ → ∞: the mean


def test_blocks_do_not_change_the_result():
    x = torch.randn(500, 3, generator=torch.Generator().manual_seed(3))
    a = GaussianSmoother(x, 1.0, block=64).kernel
    b = GaussianSmoother(x, 1.0, block=4096).kernel
    assert torch.allclose(a, b, atol=1e-6)


def test_bad_inputs():
    with pytest.raises(InputError, match="delta"):
        GaussianSmoother(torch.randn(10, 2), 0.0)
    with pytest.raises(InputError, match="delta"):
        GaussianSmoother(torch.randn(10, 2), -1.0)
    with pytest.raises(InputError, match="NaN"):
        GaussianSmoother(torch.tensor([[0.0], [float("nan")]]), 1.0)
    with pytest.raises(InputError, match="samples"):
        GaussianSmoother(torch.randn(10, 2), 1.0).apply(torch.ones(9))


def test_smoother_from_known_squared_distances_equals_the_direct_one():
    from freqlens.fourier.smoothing import pairwise_squared_distances

    x = torch.randn(60, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    d2 = pairwise_squared_distances(x)
    assert torch.allclose(d2, torch.cdist(x, x).pow(2), atol=1e-10)
    for delta in (0.3, 3.0):
        direct = GaussianSmoother(x, delta, dtype=torch.float64)
        shared = GaussianSmoother.from_squared_distances(d2, delta)
        torch.testing.assert_close(shared.kernel, direct.kernel, rtol=0, atol=1e-14)
    assert torch.equal(d2, pairwise_squared_distances(x))  # building a smoother does not touch the shared matrix
