import pytest
import torch

from freqlens.errors import ConfigError
from freqlens.models import MLP, ConvNet, SmallCNN, with_normalization


def test_mlp_shapes_and_init_scale():
    net = MLP(1, 1, width=200, depth=2, activation="tanh", init_scale=0.05)
    assert [m.out_features for m in net.modules() if isinstance(m, torch.nn.Linear)] == [200, 200, 1]
    w = torch.cat([p.detach().flatten() for p in net.parameters()])
    assert abs(float(w.std()) - 0.05) < 0.005
    assert MLP(784, 10, widths=[400, 200])(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    with pytest.raises(ConfigError, match="activation"):
        MLP(2, 2, activation="swishy")


@pytest.mark.parametrize("size,channels", [(28, 1), (32, 3)])
def test_cnns_accept_mnist_and_cifar_sizes(size, channels):
    assert SmallCNN(channels, 10, size)(torch.zeros(2, channels, size, size)).shape == (2, 10)
    assert ConvNet(channels, 10)(torch.zeros(2, channels, size, size)).shape == (2, 10)


def test_normalization_wrapper():
    m = with_normalization(torch.nn.Identity(), [0.5], [0.25])
    assert torch.allclose(m(torch.ones(1, 1, 2, 2)), torch.full((1, 1, 2, 2), 2.0))


def test_convnet_first_kernel_size_keeps_the_image_size_and_default_weights():
    net = ConvNet(3, 10, widths=(4, 4, 4), first_kernel_size=5)
    assert net.features[0].weight.shape == (4, 3, 5, 5) and net.features[3].kernel_size == (3, 3)
    assert net.features[:3](torch.zeros(2, 3, 32, 32)).shape == (2, 4, 32, 32)   # padding keeps 32×32
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    torch.manual_seed(0)
    a = ConvNet(3, 10).state_dict()
    torch.manual_seed(0)
    b = ConvNet(3, 10, first_kernel_size=3).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)   # the default is the old network (cached weights stay valid)
    for bad in (4, 0, 2.0):
        with pytest.raises(ConfigError, match="first_kernel_size"):
            ConvNet(3, 10, first_kernel_size=bad)


def test_with_input_transform_applies_the_transform_first():
    from freqlens.models.wrappers import Normalize, with_input_transform

    net = torch.nn.Linear(3, 2)
    x = torch.rand(4, 3)
    assert with_input_transform(net, None) is net
    torch.testing.assert_close(with_input_transform(net, lambda t: 2 * t)(x), net(2 * x))
    norm = Normalize([0.5], [0.25])
    img = torch.rand(2, 1, 4, 4)
    conv = torch.nn.Conv2d(1, 1, 1)
    wrapped = with_input_transform(conv, norm)
    assert wrapped[0] is norm
    torch.testing.assert_close(wrapped(img), conv((img - 0.5) / 0.25))
