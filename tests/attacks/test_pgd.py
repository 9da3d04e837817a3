"""PGD, FGSM, the FGSM ε-sweep and minimal PGD (freqlens/attacks/pgd.py): balls and bounds respected, attacks that
raise the error rate over clean, exact answers on linear models, seeds that fix the output."""
import math

import pytest
import torch
from torch import nn

from freqlens.attacks.pgd import fgsm, fgsm_sweep, minimal_pgd, pgd_attack
from freqlens.errors import InputError

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def small_cnn(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 8 * 8, 4)).eval()


def correctly_labelled(model, n=64, seed=1):
    """Images the model classifies 'correctly' by construction: labels are its own predictions."""
    x = torch.rand(n, 3, 8, 8, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        return x, model(x).argmax(1)


def test_l2_pgd_stays_in_its_ball_and_fools_a_random_model():
    model = small_cnn()
    x, y = correctly_labelled(model)
    eps = 0.5
    res = pgd_attack(model, x, y, eps=eps, steps=20, norm="l2", seed=0)
    l2 = (res.adversarial - x).flatten(1).norm(dim=1)
    assert torch.all(l2 <= eps + 1e-5)                                 # the ε-ball, per image
    assert torch.allclose(res.l2, l2) and torch.allclose(res.perturbation, res.adversarial - x)
    assert float(res.adversarial.min()) >= 0 and float(res.adversarial.max()) <= 1
    clean_error = float((res.clean_pred != y).float().mean())
    assert clean_error == 0.0
    # a random 4-class CNN at L2 = 0.5 on 8×8×3 images: most predictions flip (measured 0.95; the check is > 0.5)
    assert res.success_rate > 0.5 and res.success_rate > clean_error
    assert torch.equal(res.success, res.adv_pred != y)
    with torch.no_grad():
        assert torch.equal(res.adv_pred, model(res.adversarial).argmax(1))


def test_linf_pgd_respects_ball_and_is_deterministic_per_seed():
    model = small_cnn()
    x, y = correctly_labelled(model, 16)
    a = pgd_attack(model, x, y, eps=0.03, steps=5, seed=3)
    b = pgd_attack(model, x, y, eps=0.03, steps=5, seed=3)
    c = pgd_attack(model, x, y, eps=0.03, steps=5, seed=4)
    assert torch.equal(a.adversarial, b.adversarial) and not torch.equal(a.adversarial, c.adversarial)
    assert float(a.linf.max()) <= 0.03 + 1e-6
    assert a.params == {"eps": 0.03, "step_size": 2.5 * 0.03 / 5, "steps": 5, "norm": "linf", "random_start": True,
                        "bounds": [0.0, 1.0], "seed": 3}


def test_pgd_without_predictions_and_model_grads_untouched():
    model = small_cnn()
    x, y = correctly_labelled(model, 8)
    res = pgd_attack(model, x, y, eps=0.03, steps=2, predict=False)
    assert res.clean_pred is None and res.adv_pred is None and not bool(res.success.any())
    assert all(p.grad is None for p in model.parameters())
    assert torch.equal(res.adversarial, pgd_attack(model, x, y, eps=0.03, steps=2).adversarial)


def test_fgsm_is_one_exact_sign_step_and_its_random_start_variant_stays_in_the_ball():
    lin = nn.Sequential(nn.Flatten(), nn.Linear(12, 2)).eval()
    x = torch.full((5, 3, 2, 2), 0.5)
    y = torch.zeros(5, dtype=torch.long)
    res = fgsm(lin, x, y, eps=0.1)
    w = lin[1].weight.detach()
    expected = x + 0.1 * (w[1] - w[0]).sign().view(1, 3, 2, 2)      # sign of ∇ CE for class 0 of a linear model
    assert torch.allclose(res.adversarial, expected) and res.attack == "fgsm"
    assert torch.equal(res.adversarial, pgd_attack(lin, x, y, eps=0.1, step_size=0.1, steps=1,
                                                   random_start=False).adversarial)
    rs = fgsm(lin, x, y, eps=0.1, random_start=True, seed=1)
    assert rs.params["step_size"] == pytest.approx(0.125) and float(rs.linf.max()) <= 0.1 + 1e-6
    assert not torch.equal(rs.adversarial, res.adversarial)


@pytest.mark.parametrize("kwargs,match", [({"eps": 0}, "eps"), ({"eps": 0.1, "steps": 0}, "steps"),
                                          ({"eps": 0.1, "norm": "l1"}, "norm")])
def test_pgd_bad_arguments_are_one_line_errors(kwargs, match):
    model = small_cnn()
    x, y = correctly_labelled(model, 2)
    with pytest.raises(InputError, match=match):
        pgd_attack(model, x, y, **kwargs)


def test_attacks_refuse_a_non_module_and_out_of_range_images():
    model = small_cnn()
    x, y = correctly_labelled(model, 2)
    with pytest.raises(InputError, match="nn.Module"):
        pgd_attack(lambda t: model(t), x, y, eps=0.1)
    with pytest.raises(InputError):
        fgsm_sweep(model, x + 2, y)
    with pytest.raises(InputError, match="eps_max"):
        minimal_pgd(model, x, y, eps_max=-1.0)


def test_fgsm_sweep_finds_the_exact_minimal_linf_on_a_linear_model():
    torch.manual_seed(0)
    lin = nn.Sequential(nn.Flatten(), nn.Linear(12, 2)).eval()
    x = torch.rand(20, 3, 2, 2) * 0.2 + 0.4
    y = lin(x).argmax(1)
    w = lin[1].weight.detach()
    dw = (w[0] - w[1]).abs().sum()
    logits = lin(x).detach()
    exact = (logits.max(1).values - logits.min(1).values) / dw      # the L∞ margin of a 2-class linear model
    res = fgsm_sweep(lin, x, y, eps_max=0.4, n_eps=400)
    eps = res.distance
    ok = torch.isfinite(eps)
    assert torch.equal(ok, res.success)
    assert ok.sum() >= 10
    assert torch.all(eps[ok] >= exact[ok] - 1e-6) and torch.all(eps[ok] <= exact[ok] + 0.4 / 400 + 1e-6)
    res2 = minimal_pgd(lin, x, y, eps_max=0.4, search_steps=8, steps=30)
    adv2, eps2 = res2.adversarial, res2.distance
    both = ok & torch.isfinite(eps2)
    assert torch.all(eps2[both] >= exact[both] - 1e-6)                # cannot beat the exact margin
    assert torch.all(lin(adv2[both]).argmax(1) != y[both])
    assert torch.all((adv2 - x).flatten(1).abs().amax(1)[both] <= eps2[both] + 1e-6)




def test_minimal_attacks_report_inf_distance_where_they_fail():
    model = small_cnn()
    x, y = correctly_labelled(model, 8)
    res = fgsm_sweep(model, x, y, eps_max=1e-4, n_eps=2)              # far too small to flip anything
    assert not bool(res.success.any()) and all(math.isinf(d) for d in res.distance.tolist())
    assert torch.equal(res.adversarial, x)
