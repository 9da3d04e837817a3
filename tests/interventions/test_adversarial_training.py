"""AdversarialExamples, the adversarial-training batch transform: the returned batch lies in the ε ball around the
clean one and inside the bounds, the labels come back unchanged, and a seeded global RNG gives the same batch."""
import pytest
import torch
from torch import nn

from freqlens.device import frozen_batchnorm_statistics
from freqlens.interventions.adversarial_training import AdversarialExamples


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 8), nn.ReLU(), nn.Linear(8, 3))


def _batch():
    g = torch.Generator().manual_seed(1)
    return torch.rand(16, 3, 4, 4, generator=g), torch.randint(0, 3, (16,), generator=g)


@pytest.mark.parametrize("norm,eps", [("linf", 8 / 255), ("l2", 0.5)])
def test_perturbation_stays_in_the_eps_ball_and_the_bounds_with_labels_unchanged(norm, eps):
    model, (x, y) = _model(), _batch()
    y_before = y.clone()
    adv, y_out = AdversarialExamples(eps=eps, steps=3, step_size=eps / 2, norm=norm)(model, x, y)
    delta = (adv - x).flatten(1)
    size = delta.abs().amax(1) if norm == "linf" else delta.norm(dim=1)
    assert adv.shape == x.shape and bool((size <= eps + 1e-5).all())
    assert float(size.max()) > 0.5 * eps                     # it does perturb
    assert adv.min() >= 0 and adv.max() <= 1
    assert torch.equal(y_out, y_before) and torch.equal(y, y_before)


def test_narrow_bounds_are_respected():
    model, (x, y) = _model(), _batch()
    x = 0.4 + 0.2 * x                                       # inside (0.4, 0.6)
    adv, _ = AdversarialExamples(eps=0.3, steps=2, step_size=0.2, bounds=(0.4, 0.6))(model, x, y)
    assert adv.min() >= 0.4 and adv.max() <= 0.6


def test_same_global_seed_same_batch_other_seed_other_random_start():
    model, (x, y) = _model(), _batch()
    transform = AdversarialExamples(eps=8 / 255, steps=1, step_size=1 / 255)
    torch.manual_seed(5)
    a, _ = transform(model, x, y)
    torch.manual_seed(5)
    b, _ = transform(model, x, y)
    torch.manual_seed(6)
    c, _ = transform(model, x, y)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_the_attack_raises_the_loss_on_the_batch():
    model, (x, y) = _model(), _batch()
    torch.manual_seed(0)
    adv, _ = AdversarialExamples(eps=0.1, steps=5, step_size=0.03)(model, x, y)
    with torch.no_grad():
        clean = nn.functional.cross_entropy(model(x), y)
        attacked = nn.functional.cross_entropy(model(adv), y)
    assert attacked > clean


def _bn_model():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(),
                        nn.Linear(8 * 4 * 4, 3))
    with torch.no_grad():                    # running statistics far from the batch's (early in training)
        net[1].running_mean.fill_(3.0)
        net[1].running_var.fill_(0.01)
    return net.train()


def test_crafted_against_the_training_network_in_train_mode_with_batchnorm_statistics_untouched():
    net, (x, y) = _bn_model(), _batch()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    torch.manual_seed(0)
    adv, _ = AdversarialExamples(eps=8 / 255, steps=3, step_size=3 / 255)(net, x, y)
    assert net.training and all(m.training for m in net.modules())
    for k, v in net.state_dict().items():                      # running mean/var and the batch counter
        assert torch.equal(v, before[k]), k
    torch.manual_seed(0)
    adv_eval, _ = AdversarialExamples(eps=8 / 255, steps=3, step_size=3 / 255, train_mode=False)(net, x, y)
    assert net.training and not torch.equal(adv, adv_eval)
    # the network as it trains (batch statistics) is fooled more by the train-mode examples than by eval-mode ones
    with torch.no_grad(), frozen_batchnorm_statistics(net):
        loss = {k: float(nn.functional.cross_entropy(net(a), y)) for k, a in (("train", adv), ("eval", adv_eval),
                                                                              ("clean", x))}
    assert loss["train"] > loss["eval"] and loss["train"] > loss["clean"]
