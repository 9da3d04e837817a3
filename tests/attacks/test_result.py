"""The AttackResult contract (freqlens/attacks/result.py): the same fields and shapes from every attack, a
lossless save/load round trip, and a plot."""
import math

import matplotlib
import pytest
import torch
from torch import nn

from freqlens.attacks import (
    AttackResult,
    carlini_wagner_l2,
    deepfool,
    eot_pgd,
    fgsm,
    fgsm_sweep,
    fourier_basis_attack,
    minimal_pgd,
    pgd_attack,
    square_attack,
)

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py

N, C, H, W = 6, 3, 4, 4


def model_and_data():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(C * H * W, 3)).eval()
    x = torch.rand(N, C, H, W, generator=torch.Generator().manual_seed(1))
    return model, x, torch.tensor([0, 1, 2, 0, 1, 2])


ATTACKS = {
    "pgd": lambda m, x, y: pgd_attack(m, x, y, eps=0.1, steps=3),
    "pgd_l2": lambda m, x, y: pgd_attack(m, x, y, eps=0.5, steps=3, norm="l2"),
    "fgsm": lambda m, x, y: fgsm(m, x, y, eps=0.1),
    "fgsm_sweep": lambda m, x, y: fgsm_sweep(m, x, y, eps_max=0.3, n_eps=8),
    "pgd_minimal": lambda m, x, y: minimal_pgd(m, x, y, eps_max=0.3, search_steps=2, steps=3),
    "deepfool": lambda m, x, y: deepfool(m, x, y, steps=10),
    "cw_l2": lambda m, x, y: carlini_wagner_l2(m, x, y, binary_search_steps=2, steps=10),
    "square": lambda m, x, y: square_attack(m, x, y, eps=0.1, n_queries=10),
    "eot_pgd": lambda m, x, y: eot_pgd(m, x, y, eps=0.1, steps=2, eot_draws=2),
    "fourier_basis": lambda m, x, y: fourier_basis_attack(m, x, y, eps=1.0, low=1, high=2, progress=False),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_every_attack_returns_the_same_record(name):
    model, x, y = model_and_data()
    res = ATTACKS[name](model, x, y)
    assert isinstance(res, AttackResult)
    assert res.attack == name.replace("pgd_l2", "pgd")
    assert res.images is res.adversarial and res.adversarial.shape == x.shape
    assert res.perturbation.shape == x.shape and torch.allclose(res.perturbation, res.adversarial - x)
    for field in ("labels", "success", "linf", "l2", "clean_pred", "adv_pred"):
        assert getattr(res, field).shape == (N,), field
    assert res.success.dtype == torch.bool and torch.equal(res.labels, y)
    assert torch.allclose(res.linf, res.perturbation.flatten(1).abs().amax(1))
    assert torch.allclose(res.l2, res.perturbation.flatten(1).norm(dim=1))
    assert float(res.adversarial.min()) >= 0 and float(res.adversarial.max()) <= 1
    assert res.params and 0.0 <= res.success_rate <= 1.0
    if name != "eot_pgd":                                                  # a deterministic model: success = flipped
        with torch.no_grad():
            assert torch.equal(res.adv_pred, model(res.adversarial).argmax(1))
    if name in ("deepfool", "cw_l2", "fgsm_sweep", "pgd_minimal"):
        assert res.distance.shape == (N,)
        assert torch.equal(torch.isfinite(res.distance), res.success)


@pytest.mark.parametrize("name", ["pgd", "deepfool", "square", "fourier_basis"])
def test_save_load_round_trip_is_lossless(name, tmp_path):
    model, x, y = model_and_data()
    res = ATTACKS[name](model, x, y)
    res.label = "tiny"
    back = AttackResult.load(res.save(tmp_path / f"{name}.json"))
    assert back.attack == res.attack and back.params == res.params and back.label == "tiny"
    for field in ("adversarial", "perturbation", "labels", "success", "linf", "l2", "clean_pred", "adv_pred",
                  "distance", "queries", "basis_radius"):
        a, b = getattr(res, field), getattr(back, field)
        assert (a is None and b is None) or (isinstance(b, torch.Tensor) and torch.equal(a, b)), field
    for k, v in res.stats.items():
        assert back.stats[k] == v or (math.isnan(v) and math.isnan(back.stats[k]))
    assert back.success_rate == res.success_rate


def test_success_rate_counts_only_images_that_were_right_before():
    model, x, y = model_and_data()
    res = pgd_attack(model, x, y, eps=0.1, steps=2)
    right = res.clean_pred == y
    expected = float((res.success & right).sum()) / int(right.sum()) if bool(right.any()) else float("nan")
    assert res.success_rate == expected or (math.isnan(expected) and math.isnan(res.success_rate))
    assert res.adversarial_accuracy == float((res.adv_pred == y).float().mean())
    assert "adversarial" not in res.to_dict() and res.to_dict()["attack"] == "pgd"


def test_plot_draws_a_histogram_of_successful_perturbations():
    matplotlib.use("Agg")
    model, x, y = model_and_data()
    res = deepfool(model, x, y)
    fig, ax = res.plot()
    assert ax.get_xlabel().startswith("L2")
    assert sum(p.get_height() for p in ax.patches) == int((res.success & (res.clean_pred == y)).sum())
