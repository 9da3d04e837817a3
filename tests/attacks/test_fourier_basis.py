"""The Fourier-basis black-box attack (freqlens/attacks/fourier_basis.py): on a projection classifier only the
basis it projects on can fool it, so the query count and the frequency band are known exactly."""
import pytest
import torch
from torch import nn

from freqlens.errors import InputError, ModelOutputError
from freqlens.fourier.basis import fourier_basis, position_grid, unique_positions
from freqlens.attacks.fourier_basis import fourier_basis_attack


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


def test_attack_skipping_fooled_images_gives_the_exhaustive_answer():
    """Images already fooled in a candidate list are not evaluated again; the outcome must equal an exhaustive
    evaluation of every candidate on every image (computed here directly)."""
    torch.manual_seed(0)
    h = w = 8
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * h * w, 3)).eval()
    x = torch.rand(10, 3, h, w) * 0.6 + 0.2
    with torch.no_grad():
        y = model(x).argmax(1)
    res = fourier_basis_attack(model, x, y, eps=1.5, low=1, high=3, sign_patterns=2, progress=False, max_batch=16)
    pos = unique_positions(h, w)
    rho = torch.maximum((pos[:, 0] - h // 2).abs(), (pos[:, 1] - w // 2).abs())
    order = torch.argsort(rho, stable=True)
    pats = torch.stack([torch.ones(3), -torch.ones(3)])
    fooled = torch.zeros(len(order), 2, 10, dtype=torch.bool)
    with torch.no_grad():
        for i, k in enumerate(order):
            u = fourier_basis(h, w, pos[k:k + 1])[0] * 1.5
            for j, p in enumerate(pats):
                fooled[i, j] = model((x + p[:, None, None] * u).clamp(0, 1)).argmax(1) != y
    r = rho[order]
    low = fooled[r <= 1].flatten(0, 1).any(0)
    high = fooled[r >= 3].flatten(0, 1).any(0)
    flat = fooled.flatten(0, 1)
    first = torch.where(flat.any(0), flat.float().argmax(0) + 1, torch.full((10,), -1))
    assert res.stats["success_low"] == pytest.approx(float(low.float().mean()))
    assert res.stats["success_high"] == pytest.approx(float(high.float().mean()))
    diff = low.double() - high.double()
    assert res.stats["low_minus_high"] == pytest.approx(float(diff.mean()))
    assert res.stats["low_minus_high_se"] == pytest.approx(float(diff.std() / 10 ** 0.5))
    assert torch.equal(torch.as_tensor(res.queries), first)
