"""DeepFool-L2 and C&W-L2 (freqlens/attacks/minimal.py): on linear classifiers the minimal L2
perturbation is known in closed form — the distance to the nearest pairwise decision hyperplane,
min_k |z_k − z_y| / ‖w_k − w_y‖ — so both attacks are checked against it."""
import pytest
import torch
from torch import nn

from freqlens.attacks.minimal import DEEPFOOL_STEP_PAST, carlini_wagner_l2, deepfool
from freqlens.errors import InputError, ModelOutputError

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def _adv_ok(result):
    return result.adversarial, result.success


def linear_model(classes: int, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(12, classes)).eval()


def images(n: int = 20, seed: int = 0) -> torch.Tensor:
    """Mid-range images, so the minimal perturbations stay inside [0, 1] and the analytic answer applies."""
    return torch.rand(n, 3, 2, 2, generator=torch.Generator().manual_seed(seed)) * 0.2 + 0.4


def analytic_l2(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Exact minimal L2 distance to misclassification of a linear classifier (no bounds)."""
    lin = model[1]
    w, z = lin.weight.detach(), model(x).detach()
    dist = []
    for i in range(x.shape[0]):
        others = [k for k in range(w.shape[0]) if k != int(y[i])]
        dist.append(min(float((z[i, y[i]] - z[i, k]).abs() / (w[k] - w[y[i]]).norm()) for k in others))
    return torch.tensor(dist)


def l2(adv, x):
    return (adv - x).flatten(1).norm(dim=1)


@pytest.mark.parametrize("classes", [2, 5])
def test_deepfool_first_step_is_the_exact_projection_onto_the_boundary(classes):
    model = linear_model(classes)
    x = images()
    y = model(x).argmax(1)
    exact = analytic_l2(model, x, y)
    adv, ok = _adv_ok(deepfool(model, x, y, steps=1, overshoot=0.0, candidates=classes))
    d = l2(adv, x)
    # without overshoot the step lands on the boundary (Foolbox's tiny step past it aside): the analytic minimum
    assert torch.all((d - exact).abs() <= 1e-4), (d - exact).abs().max()
    z = model(adv).detach()
    top2 = z.topk(2, dim=1).values
    assert torch.all((top2[:, 0] - top2[:, 1]) / model[1].weight.norm() < 1e-4)     # on a decision boundary
    # with overshoot the first step crosses it: misclassified, at (1 + overshoot) × the projection
    adv, ok = _adv_ok(deepfool(model, x, y, steps=1, overshoot=0.02, candidates=classes))
    assert ok.all() and torch.all(model(adv).argmax(1) != y)
    torch.testing.assert_close(l2(adv, x), 1.02 * (exact + DEEPFOOL_STEP_PAST), rtol=1e-4, atol=1e-5)


def test_deepfool_candidates_restrict_the_classes_it_linearises():
    model = linear_model(5, seed=3)
    x = images(40, seed=1)
    y = model(x).argmax(1)
    exact = analytic_l2(model, x, y)
    adv, ok = _adv_ok(deepfool(model, x, y, steps=1, overshoot=0.0, candidates=2))       # only the runner-up class
    d = l2(adv, x)
    assert torch.all(d >= exact - 1e-5)                      # a restricted search cannot beat the true minimum
    z = model(x).detach()
    runner_up = z.topk(2, dim=1).indices[:, 1]
    w = model[1].weight.detach()
    margin = (z.gather(1, y[:, None]) - z.gather(1, runner_up[:, None])).squeeze(1)
    expected = margin / (w[runner_up] - w[y]).norm(dim=1)
    torch.testing.assert_close(d, expected + DEEPFOOL_STEP_PAST, rtol=1e-4, atol=2e-5)


@pytest.mark.parametrize("classes, steps", [(2, 1000), (4, 1000)])
def test_carlini_wagner_finds_the_analytic_minimum_on_a_linear_model(classes, steps):
    model = linear_model(classes, seed=1)
    x = images(12, seed=2)
    y = model(x).argmax(1)
    exact = analytic_l2(model, x, y)
    # Foolbox defaults: 5 constants × 1000 Adam steps
    adv, ok = _adv_ok(carlini_wagner_l2(model, x, y, steps=steps))
    assert ok.all() and torch.all(model(adv).argmax(1) != y)
    d = l2(adv, x)
    assert torch.all(d <= 1.05 * exact), (d / exact).max()
    assert torch.all(d >= exact - 1e-5)


def test_carlini_wagner_binary_search_needs_enough_constants():
    """With one small constant the hinge cannot outweigh the distance: no adversarial; the search finds one."""
    model = linear_model(2, seed=1)
    x = images(8, seed=2)
    y = model(x).argmax(1)
    _, ok_small = _adv_ok(carlini_wagner_l2(model, x, y, binary_search_steps=1, steps=200, initial_const=1e-4))
    _, ok_search = _adv_ok(carlini_wagner_l2(model, x, y, binary_search_steps=6, steps=200, initial_const=1e-4))
    assert not ok_small.any() and ok_search.all()


class TinyConv(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 6 * 6, 4))

    def forward(self, x):
        return self.net(x) * 5


def test_attacks_stay_in_bounds_are_deterministic_and_do_not_depend_on_the_batch():
    model = TinyConv().train()                             # the attacks evaluate in eval mode and restore it
    g = torch.Generator().manual_seed(0)
    x = torch.rand(16, 3, 6, 6, generator=g)
    x[:, :, :2] = (x[:, :, :2] > 0.5).float()             # pixels at 0 and 1, where clipping matters
    with torch.no_grad():
        y = model.eval()(x).argmax(1)
    model.train()
    for attack, kw in ((deepfool, {}), (carlini_wagner_l2, {"steps": 25, "binary_search_steps": 3})):
        adv, ok = _adv_ok(attack(model, x, y, **kw))
        assert model.training
        assert float(adv.min()) >= 0.0 and float(adv.max()) <= 1.0
        assert ok.float().mean() >= 0.5
        with torch.no_grad():
            assert torch.equal(model.eval()(adv).argmax(1) != y, ok)
        model.train()
        assert torch.equal(adv[~ok], x[~ok])              # failures come back clean
        adv2, ok2 = _adv_ok(attack(model, x, y, max_batch=5, **kw))
        torch.testing.assert_close(adv2, adv, atol=1e-5, rtol=0)
        assert torch.equal(ok2, ok)
    assert all(p.grad is None for p in model.parameters())


def test_already_misclassified_images_come_back_unchanged():
    model = linear_model(3)
    x = images(6)
    wrong = (model(x).argmax(1) + 1) % 3
    for attack in (deepfool, carlini_wagner_l2):
        adv, ok = _adv_ok(attack(model, x, wrong, **({"steps": 5} if attack is carlini_wagner_l2 else {})))
        assert ok.all()
        # DeepFool returns them exactly; C&W's tanh round trip moves them by < 1e-6
        torch.testing.assert_close(adv, x, atol=1e-6 if attack is carlini_wagner_l2 else 0, rtol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_attacks_run_on_the_model_device_and_match_the_cpu():
    cpu_model = linear_model(3)
    model = linear_model(3).cuda()
    model.load_state_dict(cpu_model.state_dict())
    x = images(8)
    y = model(x.cuda()).argmax(1).cpu()
    for attack in (deepfool, carlini_wagner_l2):
        kwargs = {"steps": 200} if attack is carlini_wagner_l2 else {}
        adv, ok = _adv_ok(attack(model, x, y, **kwargs))
        adv_cpu, ok_cpu = _adv_ok(attack(cpu_model, x, y, **kwargs))
        assert adv.device == x.device and ok.all() and ok_cpu.all()
        torch.testing.assert_close(adv, adv_cpu, atol=1e-4, rtol=0)


@pytest.mark.parametrize("attack, kwargs, match", [
    (deepfool, {"steps": 0}, "steps"),
    (deepfool, {"steps": 2.5}, "steps"),
    (deepfool, {"candidates": 1}, "candidates"),
    (deepfool, {"overshoot": -0.1}, "overshoot"),
    (deepfool, {"max_batch": 0}, "max_batch"),
    (carlini_wagner_l2, {"steps": 0}, "steps"),
    (carlini_wagner_l2, {"binary_search_steps": 0}, "binary_search_steps"),
    (carlini_wagner_l2, {"lr": 0.0}, "lr"),
    (carlini_wagner_l2, {"lr": -1e-3}, "lr"),
    (carlini_wagner_l2, {"initial_const": 0.0}, "initial_const"),
    (carlini_wagner_l2, {"confidence": -1.0}, "confidence"),
    (carlini_wagner_l2, {"lr": float("nan")}, "lr"),
])
def test_bad_arguments_raise_one_line_errors(attack, kwargs, match):
    model = linear_model(3)
    x = images(4)
    with pytest.raises(InputError, match=match) as info:
        attack(model, x, torch.zeros(4, dtype=torch.long), **kwargs)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("attack", [deepfool, carlini_wagner_l2])
@pytest.mark.parametrize("bad, labels, error, match", [
    (torch.rand(4, 3, 2, 2) + 1.0, torch.zeros(4, dtype=torch.long), InputError, "outside bounds"),
    (torch.rand(4, 3, 2, 2) - 1.0, torch.zeros(4, dtype=torch.long), InputError, "outside bounds"),
    (torch.rand(4, 12), torch.zeros(4, dtype=torch.long), InputError, "N, C, H, W"),
    (torch.rand(4, 3, 2, 2), torch.full((4,), 7), ModelOutputError, "classes"),
    (torch.rand(4, 3, 2, 2), torch.zeros(3, dtype=torch.long), InputError, "samples"),
])
def test_bad_images_and_labels(attack, bad, labels, error, match):
    with pytest.raises(error, match=match) as info:
        attack(linear_model(3), bad, labels)
    assert "\n" not in str(info.value)
