"""EOT-PGD (freqlens/attacks/eot.py) on any randomised model: the gradient of the draw-averaged loss beats the
gradient of one draw, and a deterministic model reduces it to PGD on the cross-entropy."""
import pytest
import torch
from torch import nn

from freqlens.attacks import eot_pgd, pgd_attack
from freqlens.errors import ConfigError, InputError

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


class NoisyGradient(nn.Module):
    """A linear 2-class model whose logits carry a large random term with a zero-mean input gradient: one draw's
    gradient is mostly noise, the average over draws points to the true direction."""

    def __init__(self, d: int, noise: float = 0.2):
        super().__init__()
        torch.manual_seed(0)
        self.lin = nn.Linear(d, 2)
        self.noise = noise

    def forward(self, x):
        flat = x.flatten(1)
        r = torch.randn(flat.shape[1], 2) * self.noise                   # fresh random direction every call
        return self.lin(flat) + (flat - flat.detach()) @ r                 # value unchanged, gradient randomised


def test_eot_on_a_deterministic_model_is_pgd_on_cross_entropy():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 3)).eval()
    x, y = torch.rand(6, 3, 2, 2), torch.tensor([0, 1, 2, 0, 1, 2])
    a = eot_pgd(model, x, y, eps=0.1, steps=4, scores="logits", seed=2)
    b = pgd_attack(model, x, y, eps=0.1, steps=4, seed=2)
    assert torch.allclose(a.adversarial, b.adversarial, atol=1e-6)
    assert a.params["scores"] == "logits" and eot_pgd(model, x, y, eps=0.1, steps=1).params["scores"] == "logits"


def test_more_draws_make_a_stronger_attack_on_a_randomised_model():
    # per coordinate the true gradient of the logit gap is ~0.1 and one draw's noise has std ~0.28: one draw's sign
    # is barely better than a coin, 16 draws (std ~0.07) mostly agree with the noise-free gradient
    x = torch.rand(200, 3, 4, 4, generator=torch.Generator().manual_seed(3)) * 0.4 + 0.3
    rates = {}
    for noise, draws in ((0.0, 1), (0.2, 1), (0.2, 16)):
        torch.manual_seed(1)
        model = NoisyGradient(48, noise)
        with torch.no_grad():
            y = model(x).argmax(1)
        res = eot_pgd(model, x, y, eps=0.1, steps=5, eot_draws=draws, seed=0)
        assert float(res.linf.max()) <= 0.1 + 1e-6
        rates[noise, draws] = res.success_rate          # logits' values are not random: predictions are exact
    # measured: noise-free 0.745, one draw 0.05, 16 draws 0.62
    assert rates[0.2, 16] > rates[0.2, 1]
    assert rates[0.2, 16] >= 0.5 * rates[0.0, 1]


def test_eot_bad_arguments():
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 3))
    x, y = torch.rand(2, 3, 2, 2), torch.tensor([0, 1])
    with pytest.raises(InputError, match="eot_draws"):
        eot_pgd(model, x, y, eot_draws=0)
    with pytest.raises(ConfigError, match="scores"):
        eot_pgd(model, x, y, scores="margins")
    with pytest.raises(InputError, match="nn.Module"):
        eot_pgd(lambda t: t, x, y)
