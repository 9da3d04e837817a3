"""Heat maps of other quantities: closed-form loss and logit-change maps of a linear model, per-class maps,
feature change, and one-line errors."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from freqlens.errors import InputError
from freqlens.fourier.basis import fourier_basis, position_grid, unique_positions
from freqlens.probes.heatmap import basis_signs, fourier_heatmap

H = W = 6
C = 2
K0 = 5           # the basis the linear model reads


class _Linear(nn.Module):
    """Logits (0, z) with z = Σ_c <a, x_c> + b: a linear model whose weights are one Fourier basis a = U_K0."""

    def __init__(self, bias=0.3):
        super().__init__()
        self.a = fourier_basis(H, W, unique_positions(H, W)[K0:K0 + 1])[0].float()
        self.b = bias
        self.body = nn.Identity()

    def forward(self, x):
        z = (self.body(x) * self.a).sum((1, 2, 3)) + self.b
        return torch.stack([torch.zeros_like(z), z], 1)


def _data(n=10):
    g = torch.Generator().manual_seed(1)
    return torch.rand(n, C, H, W, generator=g), torch.tensor([1, 0] * (n // 2))


def test_loss_map_of_a_linear_model_matches_the_closed_form():
    x, y = _data()
    eps = 0.7
    model = _Linear()
    res = fourier_heatmap(model, x, y, eps=eps, bounds=None, quantity="loss", progress=False, max_batch=64)
    z0 = (x * model.a).sum((1, 2, 3)).double() + model.b
    sign = (2 * y - 1).double()                               # CE of (0, z): softplus(−z) for y=1, softplus(z) for 0
    # orthonormal bases: only U_K0 (and its conjugate cell) moves z, by eps · Σ_c r_c
    r = basis_signs(0, K0, x.shape[0], C).double().sum(1)
    at_k0 = torch.nn.functional.softplus(-sign * (z0 + eps * r)).mean().item()
    elsewhere = torch.nn.functional.softplus(-sign * z0).mean().item()
    grid = position_grid(H, W).numpy()
    expected = np.where(grid == K0, at_k0, elsewhere)
    assert res.quantity == "loss"
    assert np.allclose(res.values, expected, atol=1e-5)
    assert res.clean_value == pytest.approx(elsewhere, abs=1e-6)
    assert (grid == K0).sum() in (1, 2)


def test_logit_change_map_is_eps_times_the_sign_sum_at_the_read_frequency_only():
    x, y = _data()
    res = fourier_heatmap(_Linear(), x, y, eps=0.5, bounds=None, quantity="logit_change", progress=False)
    r = basis_signs(0, K0, x.shape[0], C).double().sum(1)
    grid = position_grid(H, W).numpy()
    expected = np.where(grid == K0, (0.5 * r.abs()).mean().item(), 0.0)
    assert np.allclose(res.values, expected, atol=1e-5)


def test_per_class_error_maps_average_to_the_error_map():
    x, y = _data(12)
    res = fourier_heatmap(_Linear(bias=0.0), x, y, eps=3.0, bounds=None, per_class=True, progress=False)
    assert res.per_class.shape == (2, H, W)
    n_k = np.bincount(y.numpy())
    weighted = (res.per_class * n_k[:, None, None]).sum(0) / n_k.sum()
    assert np.allclose(weighted, res.error)
    assert res.quantity == "error" and np.nanmax(res.error) <= 100.0


def test_feature_change_of_an_identity_layer_is_eps_over_the_image_norm():
    x, y = _data(4)
    res = fourier_heatmap(_Linear(), x, y, eps=0.5, bounds=None, quantity="feature_change:body", progress=False)
    # ‖r·eps·U‖ over C channels = eps·√C for every basis; relative to ‖x‖
    expected = (0.5 * np.sqrt(C) / x.flatten(1).norm(dim=1).double()).mean().item()
    assert np.allclose(res.values, expected, rtol=1e-4)


@pytest.mark.parametrize("quantity,match", [("entropy", "unknown quantity"), ("feature_change", "unknown quantity"),
                                            ("feature_change:nope", "no module named 'nope'")])
def test_bad_quantities_are_one_line_errors(quantity, match):
    x, y = _data(2)
    with pytest.raises(InputError, match=match) as e:
        fourier_heatmap(_Linear(), x, y, eps=0.5, bounds=None, quantity=quantity, progress=False)
    assert "\n" not in str(e.value)


def test_loss_map_plots_on_its_own_scale_and_round_trips(tmp_path):
    x, y = _data(4)
    res = fourier_heatmap(_Linear(), x, y, eps=0.5, bounds=None, quantity="loss", per_class=True, progress=False)
    _fig, ax = res.plot()
    lo, hi = ax.images[0].get_clim()
    assert (lo, hi) == pytest.approx((np.nanmin(res.values), np.nanmax(res.values)))
    res.save(tmp_path / "hm.json")
    back = type(res).load(tmp_path / "hm.json")
    assert back.quantity == "loss" and np.allclose(back.per_class, res.per_class, equal_nan=True)
