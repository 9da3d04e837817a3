"""The Fourier-basis black-box attack (freqlens/attacks/fourier_basis.py): on a projection classifier only the
basis it projects on can fool it, so the query count and the frequency band are known exactly."""
import pytest
import torch
from torch import nn

from freqlens.attacks.fourier_basis import fourier_basis_attack
from freqlens.errors import InputError, ModelOutputError
from freqlens.fourier.basis import fourier_basis, position_grid, unique_positions


class Projection(nn.Module):
    """Two classes by the sign of <w, x_channel0> + b, w a chosen basis image."""

    def __init__(self, w, b):
        super().__init__()
        self.register_buffer("w", w)
        self.b = b

    def forward(self, x):
        s = (x[:, 0] * self.w).sum(dim=(-2, -1)) + self.b
        return torch.stack([s, -s], 1)


@pytest.mark.parametrize("pos,low_hit", [((8, 9), True), ((1, 3), False)])
def test_attack_finds_exactly_the_vulnerable_frequency(pos, low_hit):
    h = w = 16
    weight = fourier_basis(h, w, torch.tensor([pos]))[0]
    model = Projection(weight, 0.5)
    x = torch.full((6, 3, h, w), 0.5)
    y = torch.zeros(6, dtype=torch.long)
    res = fourier_basis_attack(model, x, y, eps=1.0, low=1, high=6, sign_patterns=2, progress=False)
    assert res.stats["n_correct"] == 6 and res.success_rate == 1.0
    assert res.stats["success_low"] == (1.0 if low_hit else 0.0)
    assert res.stats["success_high"] == (0.0 if low_hit else 1.0)
    # the fooling candidate is the (−) sign pattern of that basis: its position in the ρ-sorted order
    pos_all = unique_positions(h, w)
    rho = torch.maximum((pos_all[:, 0] - 8).abs(), (pos_all[:, 1] - 8).abs())
    order = torch.argsort(rho, stable=True)
    unique_index = int(position_grid(h, w)[pos])
    k = int(torch.nonzero(order == unique_index).flatten()[0])
    assert set(res.queries.tolist()) == {2 * k + 2}
    # the returned adversarial is that candidate: x − eps·U on every channel, and the model is fooled by it
    u = fourier_basis(h, w, torch.tensor([pos]))[0]
    assert torch.allclose(res.adversarial, (x - u).clamp(0, 1), atol=1e-6)
    assert torch.equal(res.adv_pred, torch.ones(6, dtype=torch.long))
    expected_rho = max(abs(pos[0] - 8), abs(pos[1] - 8))
    assert set(res.basis_radius.tolist()) == {expected_rho}


def test_attack_bad_inputs():
    model = Projection(torch.zeros(8, 8), 1.0)
    x, y = torch.rand(2, 3, 8, 8), torch.zeros(2, dtype=torch.long)
    with pytest.raises(InputError, match="eps"):
        fourier_basis_attack(model, x, y, eps=0, progress=False)
    with pytest.raises(ModelOutputError, match="classes"):
        fourier_basis_attack(model, x, y + 3, progress=False)
