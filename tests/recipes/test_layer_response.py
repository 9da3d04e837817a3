"""layer-response on tiny stand-ins: a "Gaussian-augmented" CNN whose first conv kernels are smooth attenuates high
frequencies relative to a "natural" one with rough kernels; the null (the natural model at another seed, here a
slightly perturbed copy) does not, so the recipe passes; a null with smooth kernels makes it FAIL."""
import copy

import pytest
import torch
from torch import nn

import freqlens.recipes.layer_response as lr
from freqlens.recipes.base import RecipeContext, recipe_status


def _cnn(seed: int, smooth: bool) -> nn.Module:
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Conv2d(3, 6, 5, padding=2), nn.ReLU(), nn.Conv2d(6, 6, 3, padding=1), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 10))
    if smooth:
        with torch.no_grad():   # first layer: a positive blur kernel per filter (low-pass)
            t = torch.arange(-2, 3, dtype=torch.float32)
            blur = torch.exp(-(t[:, None] ** 2 + t[None, :] ** 2) / 4)
            net[0].weight.copy_(net[0].weight.abs().mean() * blur / blur.mean() * torch.sign(torch.randn(6, 3, 1, 1)))
    return net.eval()


def _patch(monkeypatch, seed_model):
    natural = _cnn(0, smooth=False)
    nets = {"natural": natural, "gaussian": _cnn(1, smooth=True), "natural-seed": seed_model(natural)}
    monkeypatch.setattr(lr, "models", lambda ctx: nets)
    images = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    monkeypatch.setattr(lr, "test_images", lambda ctx, n: images)
    monkeypatch.setattr(lr, "LOW", 2.0)
    monkeypatch.setattr(lr, "HIGH", 6.0)


def _perturbed(model):
    other = copy.deepcopy(model)
    with torch.no_grad():
        for p in other.parameters():
            p.add_(0.02 * p.abs().mean() * torch.randn_like(p))
    return other


def test_smooth_first_layer_passes_against_the_seed_null(monkeypatch, tmp_path):
    _patch(monkeypatch, _perturbed)
    out = lr.layer_response(RecipeContext(quick=True, out_dir=tmp_path, progress=False))
    assert len(out.checks) == 2 and len(out.controls) == 2
    assert out.checks[0].threshold == lr.THRESHOLD and out.checks[0].passed
    assert all(c.value == pytest.approx(1.0, abs=0.15) and not c.passed for c in out.controls)
    assert recipe_status(out.checks, out.controls) == "PASS"
    assert out.figure is not None and out.deviations[0].decided == "before"


def test_a_null_with_the_property_makes_it_fail(monkeypatch, tmp_path):
    _patch(monkeypatch, lambda natural: _cnn(2, smooth=True))
    out = lr.layer_response(RecipeContext(quick=True, out_dir=tmp_path, progress=False))
    assert out.controls[0].passed and recipe_status(out.checks, out.controls) == "FAIL"


def test_a_frozen_first_conv_is_skipped_and_the_skip_is_a_recorded_deviation(monkeypatch, tmp_path):
    def frozen_stem(net):   # a fixed conv in front, like FastCifarNet's patch whitening: identical in every model
        stem = nn.Conv2d(3, 3, 1)
        with torch.no_grad():
            stem.weight.copy_(torch.eye(3)[:, :, None, None])
            stem.bias.zero_()
        stem.weight.requires_grad_(False)
        return nn.Sequential(stem, *net)

    natural = frozen_stem(_cnn(0, smooth=False))
    nets = {"natural": natural, "gaussian": frozen_stem(_cnn(1, smooth=True)), "natural-seed": _perturbed(natural)}
    _patch(monkeypatch, _perturbed)
    monkeypatch.setattr(lr, "models", lambda ctx: nets)
    out = lr.layer_response(RecipeContext(quick=True, out_dir=tmp_path, progress=False))
    assert out.numbers["frozen_layers_skipped"] == ["0"]
    assert all("layer 0 " not in c.metric for c in out.checks)       # the checks are on the trained convs 1 and 3
    assert out.deviations[0].what == "layers" and out.deviations[0].decided == "after"
    assert recipe_status(out.checks, out.controls) == "PASS"
