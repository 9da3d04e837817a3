"""freqlens/models/lookup.py: the frequency-blind lookup table and its shrinking SGD."""
import pytest
import torch

from freqlens.errors import InputError
from freqlens.models.lookup import LookupTable, shrinking_sgd


def test_lookup_returns_the_nearest_training_output():
    x = torch.tensor([[0.0], [1.0], [2.0]])
    table = LookupTable(x, 2, init=torch.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]))
    assert table(torch.tensor([[0.9], [2.6], [-5.0]])).tolist() == [[2.0, 3.0], [4.0, 5.0], [0.0, 1.0]]
    with pytest.raises(InputError, match="at least one"):
        LookupTable(torch.zeros(0, 1))
    with pytest.raises(InputError, match=r"init must have shape \(3, 1\)"):
        LookupTable(x, 1, init=torch.zeros(2, 1))


def test_shrinking_sgd_removes_the_same_fraction_of_every_residual():
    # every frequency of the residual decays at the same rate: the model is frequency-blind
    x = torch.arange(8.0)[:, None]
    y = torch.sin(torch.arange(8.0) * 3)[:, None] + 0.5
    table = LookupTable(x, 1)
    opt = shrinking_sgd(8, 1, 0.25)(table.parameters())
    for _ in range(3):
        opt.zero_grad()
        ((table(x) - y) ** 2).mean().backward()
        opt.step()
    assert torch.allclose(y - table(x), 0.75 ** 3 * y, atol=1e-6)
    with pytest.raises(InputError, match="shrink"):
        shrinking_sgd(8, 1, 0.0)
