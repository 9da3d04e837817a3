"""freqlens/models/mlp.py: the MLP and its activations."""
import pytest
import torch

from freqlens.errors import ConfigError
from freqlens.models import MLP


def test_mlp_shapes_and_init_scale():
    net = MLP(1, 1, width=200, depth=2, activation="tanh", init_scale=0.05)
    assert [m.out_features for m in net.modules() if isinstance(m, torch.nn.Linear)] == [200, 200, 1]
    w = torch.cat([p.detach().flatten() for p in net.parameters()])
    assert abs(float(w.std()) - 0.05) < 0.005
    assert MLP(784, 10, widths=[400, 200])(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    with pytest.raises(ConfigError, match="activation"):
        MLP(2, 2, activation="swishy")
