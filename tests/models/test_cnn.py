"""freqlens/models/cnn.py: SmallCNN and ConvNet."""
import pytest
import torch

from freqlens.errors import ConfigError
from freqlens.models import ConvNet, SmallCNN


@pytest.mark.parametrize("size,channels", [(28, 1), (32, 3)])
def test_cnns_accept_mnist_and_cifar_sizes(size, channels):
    assert SmallCNN(channels, 10, size)(torch.zeros(2, channels, size, size)).shape == (2, 10)
    assert ConvNet(channels, 10)(torch.zeros(2, channels, size, size)).shape == (2, 10)


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
