"""Stand-ins shared by the recipe tests (tests/recipes/): tiny models and data in place of the trained shared
classifiers and CIFAR-10, and the status contract every recipe output must keep."""
from __future__ import annotations

import torch

from freqlens.recipes.base import recipe_status


def tiny_patch(monkeypatch, module):
    """Replace ``module``'s shared_classifier and image_data with tiny seeded ConvNets and 12 random images."""
    from freqlens.models import ConvNet, with_normalization

    def fake_classifier(ctx, variant="natural", *args, **kw):
        torch.manual_seed({"natural": 0, "gaussian": 1, "adversarial": 2}[variant])
        return with_normalization(ConvNet(3, 10, widths=(4, 4, 4)), (0.5,) * 3, (0.25,) * 3).eval()

    def fake_data(ctx, dataset, n_train, n_test, seed=0):
        g = torch.Generator().manual_seed(0)
        x, y = torch.rand(12, 3, 32, 32, generator=g), torch.randint(0, 10, (12,), generator=g)
        return x, y, x, y

    monkeypatch.setattr(module, "shared_classifier", fake_classifier)
    monkeypatch.setattr(module, "image_data", fake_data)


def synthetic_cifar(ctx, dataset, n_train, n_test, seed=0):
    """Stand-in for image_data: 40 tiny 16×16 images whose class is a bright quadrant (learnable)."""
    g = torch.Generator().manual_seed(0)
    y = torch.arange(40) % 4
    x = 0.3 * torch.rand(40, 3, 16, 16, generator=g)
    for c in range(4):
        x[y == c, :, (c // 2) * 8:(c // 2) * 8 + 8, (c % 2) * 8:(c % 2) * 8 + 8] += 0.6
    return x, y, x[:12], y[:12]


def assert_status_contract(out):
    """Every control measured with its check's own comparison; the status follows base.recipe_status."""
    assert out.controls, "a recipe must measure at least one null"
    by_metric = {c.metric: c for c in out.checks}
    guarded = {c.metric for c in out.controls}
    assert not [m for m in by_metric if m not in guarded], "every check needs a null measured on its metric"
    for ctl in out.controls:
        assert ctl.metric in by_metric
        assert ctl.passed == by_metric[ctl.metric].holds_for(ctl.value)
    return recipe_status(out.checks, out.controls, out.smoke)
