"""CIFAR-size ResNet: depth 6n + 2, no ImageNet stem, any channel count, trainable."""
import pytest
import torch

from freqlens.errors import ConfigError
from freqlens.models.resnet import CifarResNet, resnet20, resnet56
from freqlens.recipes._trained import ARCHITECTURES


def test_shapes_parameter_counts_and_registry():
    m = resnet20()
    assert m(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    n20 = sum(p.numel() for p in m.parameters())
    n56 = sum(p.numel() for p in resnet56().parameters())
    assert 0.26e6 < n20 < 0.28e6 and 0.84e6 < n56 < 0.87e6   # He et al.: 0.27 M and 0.85 M
    assert CifarResNet(1, 4, depth=8)(torch.zeros(1, 1, 28, 28)).shape == (1, 4)
    assert isinstance(ARCHITECTURES["resnet20"](3, 10), CifarResNet)


def test_no_early_downsampling_first_stage_keeps_resolution():
    m = resnet20()
    feats = m.layers[0](m.stem(torch.zeros(1, 3, 32, 32)))
    assert feats.shape[-2:] == (32, 32)


def test_learns_a_tiny_problem():
    torch.manual_seed(0)
    x = torch.rand(16, 3, 8, 8)
    y = (x[:, 0].mean(dim=(1, 2)) > x[:, 1].mean(dim=(1, 2))).long()
    m = CifarResNet(3, 2, depth=8)
    opt = torch.optim.Adam(m.parameters(), 1e-2)
    for _ in range(25):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(m(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.3


def test_bad_depth():
    with pytest.raises(ConfigError, match="6n \\+ 2"):
        CifarResNet(depth=21)
