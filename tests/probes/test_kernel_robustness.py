"""Measurements of first-layer kernel interventions: per-kernel roughness on constructed kernels, the "scale only"
null, per-image correctness, the minimal-ε FGSM sweep (Foolbox semantics), fixed-ε FGSM and PGD, the margin loss."""
import pytest
import torch
from torch import nn

from freqlens.errors import InputError
from freqlens.interventions.conv_kernels import conv_kernel_roughness
from freqlens.probes.kernel_robustness import (
    correct,
    fgsm_correct,
    fgsm_sweep_accuracy,
    margin_loss,
    per_kernel_roughness,
    pgd_correct,
    scale_first_conv,
)


def test_roughness_of_constructed_kernels():
    w = torch.zeros(3, 1, 3, 3)
    w[0] = 2.0                                             # constant: no adjacent differences
    w[1, 0, 1, 1] = 1.0                                    # a spike: 4 neighbours differ by 1, Σw² = 1
    w[2, 0] = torch.tensor([[1.0, -1, 1], [-1, 1, -1], [1, -1, 1]])   # checkerboard: 12 pairs differ by 2, Σw² = 9
    r = per_kernel_roughness(w)
    assert r.dtype == torch.float64 and r.tolist() == pytest.approx([0.0, 4.0, 48 / 9])
    assert float(r.mean()) == pytest.approx(conv_kernel_roughness(w))
    assert per_kernel_roughness(torch.randn(4, 2, 5, 5)).shape == (8,)
    with pytest.raises(InputError, match="C_out, C_in, k, k"):
        per_kernel_roughness(torch.zeros(3, 3, 3))


def test_scale_first_conv_scales_only_the_first_weight_of_a_copy():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Conv2d(2, 2, 3))
    w0, b0 = net[0].weight.clone(), net[0].bias.clone()
    out = scale_first_conv(net, 9.0)
    torch.testing.assert_close(out[0].weight, 9 * w0)
    assert torch.equal(out[0].bias, b0) and torch.equal(out[2].weight, net[2].weight)
    assert torch.equal(net[0].weight, w0)                  # the original is untouched
    with pytest.raises(InputError):
        scale_first_conv(nn.Linear(2, 2), 2.0)


def _linear():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 2))


def test_correct_is_the_per_image_argmax_match():
    model = _linear()
    x = torch.rand(10, 3, 8, 8)
    with torch.no_grad():
        pred = model(x).argmax(1)
    y = pred.clone()
    y[:3] = 1 - y[:3]
    ok = correct(model, x, y, max_batch=4)
    assert ok.dtype == torch.bool and ok.tolist() == [False] * 3 + [True] * 7
    with pytest.raises(InputError, match="10 images but 9 labels"):
        correct(model, x, y[:9])


def _fgsm_direction(model, x, y):
    x = x.clone().requires_grad_(True)
    nn.functional.cross_entropy(model(x), y, reduction="sum").backward()
    return x.grad.sign()


def test_fgsm_sweep_is_the_minimal_eps_accuracy_with_one_gradient_sign():
    model = _linear()
    x = torch.rand(40, 3, 8, 8) * 0.5 + 0.25
    with torch.no_grad():
        y = model(x).argmax(1)
    y[:4] = 1 - y[:4]                                      # 4 images wrong from the start
    grid = (0.2, 0.01, 0.05)
    acc, zero = fgsm_sweep_accuracy(model, x, y, grid)
    d = _fgsm_direction(model, x, y)
    ok = correct(model, x, y)
    expected = []
    for e in sorted(grid):                                 # sorted, and robust only if robust at every smaller ε
        ok = ok & correct(model, (x + e * d).clamp(0, 1), y)
        expected.append(float(ok.float().mean()))
    assert acc == pytest.approx(expected) and acc[0] <= 36 / 40
    assert all(b <= a for a, b in zip(acc, acc[1:])) and acc[-1] < 0.2 and zero == 0.0


def test_zero_gradient_fraction_counts_saturated_images():
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 2))
    with torch.no_grad():
        model[1].weight.zero_()                            # the output ignores the input: zero gradient everywhere
    x = torch.rand(5, 3, 8, 8)
    acc, zero = fgsm_sweep_accuracy(model, x, torch.zeros(5, dtype=torch.long), (0.1,))
    assert zero == 1.0


def test_fixed_eps_fgsm_is_one_clipped_sign_step():
    model = _linear()
    x = torch.rand(20, 3, 8, 8)
    with torch.no_grad():
        y = model(x).argmax(1)
    d = _fgsm_direction(model, x, y)
    for eps in (0.01, 0.1):
        assert torch.equal(fgsm_correct(model, x, y, eps), correct(model, (x + eps * d).clamp(0, 1), y))


def test_margin_loss_is_the_summed_best_other_minus_true_logit():
    logits = torch.tensor([[2.0, 0.5, 1.0], [0.0, 3.0, -1.0]])
    assert float(margin_loss(logits, torch.tensor([0, 2]))) == pytest.approx((1.0 - 2.0) + (3.0 - -1.0))


@pytest.mark.parametrize("margin", [False, True])
def test_pgd_breaks_a_linear_model_at_large_eps_and_is_seeded(margin):
    model = _linear()
    x = torch.rand(30, 3, 8, 8) * 0.5 + 0.25
    with torch.no_grad():
        y = model(x).argmax(1)
    small = pgd_correct(model, x, y, eps=1e-4, steps=2, margin=margin)
    big = pgd_correct(model, x, y, eps=0.2, steps=5, margin=margin, seed=3)
    assert small.all() and big.float().mean() < 0.2
    assert torch.equal(big, pgd_correct(model, x, y, eps=0.2, steps=5, margin=margin, seed=3))
