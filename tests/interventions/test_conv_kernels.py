import numpy as np
import pytest
import torch
from scipy.signal import convolve2d
from torch import nn

from freqlens.errors import InputError
from freqlens.interventions.conv_kernels import (
    SmoothnessRegularizer,
    conv_kernel_roughness,
    conv_smoothness_penalty,
    dct_matrix,
    first_conv,
    lowpass_conv_kernels,
    lowpass_weight,
    smooth_conv_kernels,
    smooth_weight,
    smoothing_mask,
    smoothing_operator,
)


def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 4, 3, padding=1), nn.Flatten(),
                         nn.Linear(4 * 8 * 8, 10))


@pytest.mark.parametrize("rho", [0.1, 0.25, 0.5, 1.0])
def test_smoothing_eigenvalues_match_the_spec(rho):
    a = smoothing_operator(rho)
    assert torch.allclose(a, a.T, atol=1e-12)
    ev = np.sort(torch.linalg.eigvalsh(a).numpy())
    expected = np.sort([1 + 8 * rho, 1 + 5 * rho, 1 + 5 * rho, 1 + 3 * rho] + [1 - rho] * 5)
    assert np.allclose(ev, expected, atol=1e-10)


def test_rank_four_at_rho_one_and_bilinear_outputs():
    assert int(torch.linalg.matrix_rank(smoothing_operator(1.0))) == 4
    w = smooth_weight(torch.randn(5, 3, 3, dtype=torch.float64), 1.0)
    # bilinear a + b x + c y + d xy: second differences along each axis vanish
    assert float((w[:, 0] - 2 * w[:, 1] + w[:, 2]).abs().max()) < 1e-10
    assert float((w[:, :, 0] - 2 * w[:, :, 1] + w[:, :, 2]).abs().max()) < 1e-10


def test_equals_scipy_symm_convolution():
    w = torch.randn(4, 3, 3, 3, dtype=torch.float64)
    out = smooth_weight(w, 0.5)
    m = smoothing_mask(0.5, torch.float64).numpy()
    for o in range(4):
        for i in range(3):
            ref = convolve2d(w[o, i].numpy(), m, mode="same", boundary="symm")
            assert np.allclose(out[o, i].numpy(), ref, atol=1e-12)
    # 5x5 kernels too
    w5 = torch.randn(2, 5, 5, dtype=torch.float64)
    ref5 = convolve2d(w5[0].numpy(), m, mode="same", boundary="symm")
    assert np.allclose(smooth_weight(w5, 0.5)[0].numpy(), ref5)


def test_pytorch_layout_smooths_spatial_axes_only_and_first_layer_only():
    net = _net()
    w0 = net[0].weight.detach().clone()
    w1 = net[2].weight.detach().clone()
    net[0].weight.data[:] = 0
    net[0].weight.data[2, 1, 1, 1] = 1.0  # a single delta in one (out, in) slice
    out = smooth_conv_kernels(net, rho=1.0)
    w = first_conv(out).weight
    assert float(w[2, 1].detach().sum()) == pytest.approx(9.0)  # DC gain 1 + 8ρ, no renormalisation
    # no leak across channels
    assert float(w.detach().abs().sum()) == pytest.approx(float(w[2, 1].detach().abs().sum()))
    assert torch.equal(out[2].weight, net[2].weight) and torch.equal(out[0].bias, net[0].bias)
    assert net[0].weight.data[2, 1, 1, 1] == 1.0  # original untouched (copy)
    net[0].weight.data.copy_(w0)
    smooth_conv_kernels(net, 0.5, layers="all", inplace=True)
    assert not torch.equal(net[2].weight, w1)


def test_normalize_option_keeps_dc_gain():
    w = torch.ones(1, 1, 3, 3)
    assert torch.allclose(smooth_weight(w, 1.0, normalize=True), w)


def test_roughness_reference_values_and_smoothing_lowers_it():
    delta = torch.zeros(1, 1, 3, 3)
    delta[0, 0, 1, 1] = 1
    assert conv_kernel_roughness(delta) == pytest.approx(4.0)
    assert conv_kernel_roughness(torch.ones(2, 2, 3, 3)) == pytest.approx(0.0)
    g = torch.randn(4000, 1, 3, 3, generator=torch.Generator().manual_seed(0))
    assert conv_kernel_roughness(g) == pytest.approx(24 / 9, rel=0.1)
    assert conv_kernel_roughness(smooth_weight(g, 1.0)) < conv_kernel_roughness(g)


def test_penalty_is_a_dct_weighted_quadratic_form():
    w = torch.randn(2, 3, 3, 3, dtype=torch.float64)
    conv = nn.Conv2d(3, 2, 3).double()
    conv.weight.data.copy_(w)
    d = dct_matrix(3)
    c = d @ w @ d.T
    mu = 2 - 2 * torch.cos(torch.pi * torch.arange(3, dtype=torch.float64) / 3)
    expected = ((mu[:, None] + mu[None, :]) * c ** 2).sum()
    assert float(conv_smoothness_penalty(conv).detach()) == pytest.approx(float(expected))
    reg = SmoothnessRegularizer(0.1)
    assert float(reg(conv).detach()) == pytest.approx(0.1 * float(expected))
    assert reg(conv).requires_grad


def test_lowpass_square_cutoff_two_keeps_the_bilinear_subspace():
    w = torch.randn(6, 3, 3, dtype=torch.float64)
    low = lowpass_weight(w, 2, "square")
    a = smoothing_operator(1.0)
    # the range of A_1 is the bilinear subspace; projecting low onto it changes nothing
    ev, vec = torch.linalg.eigh(a)
    q = vec[:, ev.abs() > 1e-9]
    assert q.shape[1] == 4
    flat = low.reshape(6, 9)
    assert torch.allclose(flat @ q @ q.T, flat, atol=1e-10)
    assert torch.allclose(lowpass_weight(w, 10, "radial"), w)
    net = lowpass_conv_kernels(_net(), 1, layers="first")
    assert torch.allclose(first_conv(net).weight, first_conv(net).weight.mean((-2, -1), keepdim=True).expand_as(
        first_conv(net).weight), atol=1e-6)


def test_bad_inputs():
    with pytest.raises(InputError, match="no nn.Conv2d"):
        smooth_conv_kernels(nn.Linear(3, 3))
    with pytest.raises(InputError, match="rho"):
        smooth_conv_kernels(_net(), rho=-1)
    with pytest.raises(InputError, match="no conv layer named"):
        smooth_conv_kernels(_net(), layers=["nope"])
    with pytest.raises(InputError, match="cutoff"):
        lowpass_conv_kernels(_net(), 0)


def _tiny_5x5_run(lam: float, epochs: int = 8) -> float:
    """First-layer roughness after a tiny synthetic training run with penalty weight ``lam``."""
    from freqlens.train import fit

    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 2, (64,), generator=g)
    x = torch.rand(64, 3, 12, 12, generator=g)
    x[y == 1, :, :, 6:] += 0.5          # class 1: bright right half (a learnable, spatially structured cue)
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 5, padding=2), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                        nn.Linear(32, 2))
    fit(net, (x, y), epochs, loss="cross_entropy", batch_size=16, seed=0, progress=False,
        optimizer=lambda p: torch.optim.SGD(p, lr=0.05),
        regularizer=SmoothnessRegularizer(lam) if lam > 0 else None)
    return conv_kernel_roughness(net[0].weight)


def test_regularizer_lowers_trained_roughness_monotonically_in_lambda():
    rough = [_tiny_5x5_run(lam) for lam in (0.0, 1e-2, 1e-1, 1.0)]
    assert all(b < a for a, b in zip(rough, rough[1:])), rough   # strictly smoother with every larger λ
    assert rough[0] > 2.5 and rough[-1] < 0.5 * rough[0], rough     # λ = 0 stays near the random 3.2; λ = 1 is smooth


def test_first_conv_skips_a_frozen_whitening_layer():
    from freqlens.interventions.conv_kernels import smooth_conv_kernels
    from freqlens.models import FastCifarNet

    net = FastCifarNet(widths=(8, 8, 8))
    assert first_conv(net) is net.layers[0].conv1 if hasattr(net, "layers") else first_conv(net) is not net.whiten
    assert first_conv(net, learned=False) is net.whiten
    smoothed = smooth_conv_kernels(net, rho=1.0)
    assert torch.equal(smoothed.whiten.weight, net.whiten.weight)          # the fixed whitening is left alone
    assert not torch.equal(first_conv(smoothed).weight, first_conv(net).weight)
