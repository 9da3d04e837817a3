"""freqlens/models/wrappers.py: normalisation and input-transform wrappers."""
import torch

from freqlens.models import with_normalization


def test_normalization_wrapper():
    m = with_normalization(torch.nn.Identity(), [0.5], [0.25])
    assert torch.allclose(m(torch.ones(1, 1, 2, 2)), torch.full((1, 1, 2, 2), 2.0))


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
