"""Null models and null statistics (freqlens.probes.nulls)."""
import numpy as np
import pytest
import torch
from torch import nn

from freqlens.errors import InputError
from freqlens.fourier.basis import fourier_basis
from freqlens.probes.nulls import InputFilter, paired_difference_bound, permutation_quantile, untrained_copy


def test_input_filter_is_blind_to_removed_frequencies_and_passes_kept_ones():
    blind = InputFilter(nn.Identity(), "low", 7)           # keeps ρ ≤ 3
    x = torch.rand(2, 3, 16, 16)
    hi = fourier_basis(16, 16, torch.tensor([[8 + 6, 8 + 1]]))[0]   # ρ = 6: removed
    lo = fourier_basis(16, 16, torch.tensor([[8 + 2, 8 - 1]]))[0]   # ρ = 2: kept
    assert torch.allclose(blind(x + hi), blind(x), atol=1e-5)
    assert torch.allclose(blind(x + lo) - blind(x), lo.expand(2, 3, 16, 16), atol=1e-5)
    with pytest.raises(InputError, match="kind"):
        InputFilter(nn.Identity(), "band", 3)


def test_untrained_copy_reinitialises_every_layer_and_leaves_the_model_alone():
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.LazyLinear(2))
    net(torch.rand(2, 3, 8, 8))
    net[1].running_mean.fill_(3.0)
    before = [p.clone() for p in net.parameters()]
    fresh = untrained_copy(net, seed=1)
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))
    assert not torch.equal(fresh[0].weight, net[0].weight) and float(fresh[1].running_mean.abs().sum()) == 0
    assert torch.equal(untrained_copy(net, seed=1)[0].weight, fresh[0].weight)     # seeded
    assert not fresh.training
    with pytest.raises(InputError, match="reset_parameters"):
        untrained_copy(nn.ReLU())


def test_permutation_quantile_of_the_correlation():
    corr = lambda a, b: float(np.corrcoef(a, b)[0, 1])  # noqa: E731
    x = np.arange(14.0)
    q = permutation_quantile(x, x, corr, q=0.95, n_permutations=2000)
    assert 0.3 < q < 0.6                     # n = 14: a random pairing reaches r ≈ 0.45 one time in 20
    assert permutation_quantile(x[:7], x[:7], corr, 0.95, 2000) > q   # fewer points: a larger chance r
    with pytest.raises(InputError):
        permutation_quantile(x, x[:5], corr)
    with pytest.raises(InputError):
        permutation_quantile(x, x, corr, q=1.0)


def test_paired_difference_bound():
    m, low = paired_difference_bound([1] * 50 + [0] * 50, [0] * 100)
    assert m == pytest.approx(0.5) and 0.4 < low < 0.5
    m, low = paired_difference_bound([1, 0] * 10, [0, 1] * 10)
    assert m == 0 and low < 0
    with pytest.raises(InputError):
        paired_difference_bound([1], [0])
