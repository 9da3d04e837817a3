"""freqlens/models/fast_cifar.py: the conv group and the whitened fast CIFAR-10 network (training is tested in
tests/test_train_fast.py)."""
import pytest
import torch

from freqlens.errors import ConfigError
from freqlens.models.fast_cifar import ConvGroup, FastCifarNet


def test_conv_group_halves_the_resolution():
    g = ConvGroup(3, 8)
    assert g(torch.zeros(2, 3, 16, 10)).shape == (2, 8, 8, 5)
    assert sum(p.numel() for p in g.conv1.parameters()) == 8 * 3 * 9         # no bias before BatchNorm


def test_fast_cifar_net_shapes_whitening_channels_and_logit_scale():
    torch.manual_seed(0)
    net = FastCifarNet(widths=(4, 8, 8), whiten_kernel=2, logit_scale=0.5)
    assert net.whiten.out_channels == 2 * 3 * 2 * 2 and not net.whiten.weight.requires_grad
    x = torch.rand(2, 3, 32, 32)
    net.eval()
    out = net(x)
    assert out.shape == (2, 10)
    net.logit_scale = 1.0
    assert torch.allclose(net(x), 2 * out, atol=1e-6)
    with pytest.raises(ConfigError, match="three positive widths"):
        FastCifarNet(widths=(4, 8))
    with pytest.raises(ConfigError, match="whiten_kernel"):
        FastCifarNet(whiten_kernel=0)
