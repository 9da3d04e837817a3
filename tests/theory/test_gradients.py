import math

import pytest
import torch

from freqlens.errors import InputError
from freqlens.theory.gradients import (
    gradient_decay_slope,
    log_inverse_sinh_scale,
    low_frequency_dominance,
    tanh_loss_gradients,
)


def test_log_scale_is_exact_where_linear_space_works_and_finite_where_it_underflows():
    w = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64)
    for k in (0.5, 2.0, 5.0):
        direct = 1 / (w.abs() * torch.sinh(math.pi * k / (2 * w.abs())))
        assert torch.allclose(log_inverse_sinh_scale(k, w).exp(), direct, rtol=1e-12)
    tiny = log_inverse_sinh_scale(3.0, torch.tensor([1e-3], dtype=torch.float64))
    assert torch.isfinite(tiny).all() and float(tiny) < -4000


def test_gradient_formulas_match_autograd_of_the_analytic_transform():
    g = torch.Generator().manual_seed(0)
    a, w, b = (torch.randn(1, 4, generator=g, dtype=torch.float64) * 0.8 + 0.3 for _ in range(3))
    k = 1.5
    params = torch.cat([a, w, b], 1).requires_grad_(True)

    def loss(p):
        aa, ww, bb = p[:, :4], p[:, 4:8], p[:, 8:]
        f = -1j * math.pi * torch.exp(1j * k * bb / ww) / (ww * torch.sinh(math.pi * k / (2 * ww)))
        h = (aa * f).sum()
        return (h - 1).abs() ** 2

    (grad,) = torch.autograd.grad(loss(params), params)
    ours = tanh_loss_gradients(k, a, w, b).exp()  # (1, 3, m): rows a, w, b
    ref = grad.abs().view(3, 4)
    assert torch.allclose(ours[0], ref, rtol=1e-8)


def test_dominance_goes_to_one_as_the_ball_shrinks():
    small = low_frequency_dominance(1, 3, 0.5, samples=500)
    large = low_frequency_dominance(1, 3, 4.0, samples=500)
    assert small >= 0.99 > large
    assert low_frequency_dominance(1, 2, 8.0, samples=500) < 0.7


def test_decay_rate_matches_prediction():
    measured, predicted = gradient_decay_slope(0.1)
    assert abs(measured / predicted - 1) < 0.10


def test_bad_frequencies():
    with pytest.raises(InputError):
        low_frequency_dominance(3, 1, 1.0)
    with pytest.raises(InputError):
        low_frequency_dominance(1, 2, 0.0)
