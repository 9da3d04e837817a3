"""Square Attack L∞ (freqlens/attacks/square.py). On a 2-class linear classifier the smallest L∞
perturbation that flips the decision is |z₁ − z₀| / ‖w₁ − w₀‖₁, so no attack may succeed beyond it, and a
score-based attack should find most of the images that lie well inside ε."""
import pytest
import torch
from torch import nn

from freqlens.attacks.square import _margin, p_selection, square_attack
from freqlens.errors import ConfigError, InputError, ModelOutputError
from freqlens.interventions.post_averaging import PostAveraged

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def linear2(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 2)).eval()


def data(n=40, seed=0):
    x = torch.rand(n, 3, 8, 8, generator=torch.Generator().manual_seed(seed)) * 0.6 + 0.2
    return x


def linf_margin(model, x, y):
    z = model(x).detach()
    w = model[1].weight.detach()
    return (z[:, 0] - z[:, 1]).abs() / (w[0] - w[1]).abs().sum()


def test_square_attack_never_beats_the_exact_linf_margin_and_finds_the_easy_ones():
    model = linear2()
    x = data()
    y = model(x).argmax(1)
    margin = linf_margin(model, x, y)
    eps = float(margin.quantile(0.75))                                # a quarter of the images are out of reach
    assert 0.005 < eps < 0.2
    out = square_attack(model, x, y, eps=eps, n_queries=300, seed=0)
    fooled = model(out.adversarial).argmax(1) != y
    assert torch.equal(fooled, out.success)
    assert not bool((out.success & (margin > eps)).any())           # impossible beyond the exact margin
    easy = margin < 0.5 * eps
    assert easy.sum() >= 8
    assert out.success[easy].float().mean() >= 0.9                  # found within the budget
    assert (out.adversarial - x).abs().amax() <= eps + 1e-6
    assert int(out.queries.max()) <= 300 and int(out.queries.min()) >= 1
    assert torch.all(out.queries[~out.success] == 300)              # unfooled images spend the whole budget


def test_stays_in_the_ball_and_bounds_and_is_reproducible():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 64, 5)).eval()
    x = torch.rand(24, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    x[:, 0] = (x[:, 0] > 0.5).float()                                # pixels at the bounds
    with torch.no_grad():
        y = model(x).argmax(1)
    a = square_attack(model, x, y, eps=0.05, n_queries=60, seed=3)
    b = square_attack(model, x, y, eps=0.05, n_queries=60, seed=3)
    c = square_attack(model, x, y, eps=0.05, n_queries=60, seed=4)
    assert torch.equal(a.adversarial, b.adversarial) and torch.equal(a.queries, b.queries)
    assert not torch.equal(a.adversarial, c.adversarial)
    assert float((a.adversarial - x).abs().max()) <= 0.05 + 1e-6
    assert float(a.adversarial.min()) >= 0 and float(a.adversarial.max()) <= 1
    assert int(a.queries.max()) <= 60


def test_p_schedule_follows_the_paper():
    assert p_selection(0.05, 0, 10000) == 0.05
    assert p_selection(0.05, 11, 10000) == 0.025
    assert p_selection(0.05, 8001, 10000) == pytest.approx(0.05 / 512)
    assert p_selection(0.05, 1, 100) == pytest.approx(0.05 / 4)       # rescaled: iteration 1 of 100 ≙ 100 of 10 000


def test_margin_of_probabilities_equals_the_logit_margin_for_a_softmax():
    z = torch.randn(50, 7, generator=torch.Generator().manual_seed(0)) * 3
    y = torch.randint(0, 7, (50,), generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(_margin(z.softmax(1), y, True), _margin(z, y, False), atol=1e-5, rtol=1e-5)


def test_attacks_the_randomised_post_averaged_model_through_its_probabilities():
    model = linear2(seed=2)
    x = data(16, seed=3)
    y = model(x).argmax(1)
    defended = PostAveraged(model, 0.05, n_directions=2, radius_space="input", seed=0)
    out = square_attack(defended, x, y, eps=0.06, n_queries=60)
    assert float((out.adversarial - x).abs().max()) <= 0.06 + 1e-6
    assert out.success.float().mean() >= 0.5
    with torch.no_grad():
        # the attacker's own verdict was the defense's: the averaged model misclassifies most of those points
        assert (defended(out.adversarial[out.success]).argmax(1) != y[out.success]).float().mean() >= 0.7


def test_plain_callables_work():
    model = linear2()
    x = data(8)
    y = model(x).argmax(1)
    out = square_attack(lambda t: model(t).detach(), x, y, eps=0.05, n_queries=20)
    assert out.adversarial.shape == x.shape


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_queries": 0}, InputError, "n_queries"),
    ({"n_queries": 1.5}, InputError, "n_queries"),
    ({"eps": 0.0}, InputError, "eps"),
    ({"eps": -0.1}, InputError, "eps"),
    ({"p_init": 0.0}, InputError, "p_init"),
    ({"p_init": 1.5}, InputError, "p_init"),
    ({"scores": "softmax"}, ConfigError, "scores"),
    ({"max_batch": 0}, InputError, "max_batch"),
])
def test_bad_arguments_raise_one_line_errors(kwargs, error, match):
    with pytest.raises(error, match=match) as info:
        square_attack(linear2(), data(4), torch.zeros(4, dtype=torch.long), **kwargs)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("images, labels, model, error, match", [
    (data(4) + 1.0, torch.zeros(4, dtype=torch.long), None, InputError, "outside bounds"),
    (data(4) - 1.0, torch.zeros(4, dtype=torch.long), None, InputError, "outside bounds"),
    (torch.rand(4, 3, 1, 8), torch.zeros(4, dtype=torch.long), "any", InputError, "height and width"),
    (data(4), torch.full((4,), 5), None, ModelOutputError, "classes"),
    (data(4), torch.zeros(4, dtype=torch.long), "flat", ModelOutputError, "scores"),
    (data(4), torch.zeros(4, dtype=torch.long), "not callable", InputError, "callable"),
])
def test_bad_images_labels_and_models(images, labels, model, error, match):
    if model is None or model == "any":
        model = linear2() if model is None else (lambda t: torch.zeros(t.shape[0], 2))
    elif model == "flat":
        model = lambda t: torch.zeros(t.shape[0])                             # noqa: E731
    with pytest.raises(error, match=match) as info:
        square_attack(model, images, labels)
    assert "\n" not in str(info.value)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_runs_on_the_model_device():
    model = linear2().cuda()
    x = data(8)
    y = model(x.cuda()).argmax(1).cpu()
    out = square_attack(model, x, y, eps=0.05, n_queries=30)
    assert out.adversarial.device == x.device and out.queries.max() <= 30
    cpu = square_attack(model.cpu(), x, y, eps=0.05, n_queries=30)
    assert out.success.shape == cpu.success.shape
