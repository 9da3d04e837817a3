"""The Yin et al. recipes: fast runs of every recipe's real code path on tiny stand-ins (untrained ConvNet,
a few CIFAR-size images), and slow end-to-end quick runs on CIFAR-10 checking the paper's findings."""
import functools

import numpy as np
import pytest
import torch

from freqlens.models import ConvNet, with_normalization
from freqlens.recipes import fourier_robustness as fr
from freqlens.recipes.base import RecipeContext, get_recipe, run_recipe

NAMES = ["fourier-heatmap", "fourier-heatmap-augmented", "lowpass-highpass", "corruption-spectra",
         "bandlimited-noise", "hf-energy-scatter", "adversarial-spectra", "fourier-attack"]


@pytest.fixture
def tiny(monkeypatch):
    """Stand-ins: an untrained small ConvNet per variant and 6 smooth random CIFAR-size images."""
    def model(ctx, variant="natural", *a, **k):
        torch.manual_seed(sum(map(ord, variant)))  # stable across runs (str hash is salted)
        return with_normalization(ConvNet(3, 10, widths=(4, 4, 8)), [0.5] * 3, [0.25] * 3).eval()

    def images(ctx, n):
        g = torch.Generator().manual_seed(0)
        x = torch.nn.functional.interpolate(torch.rand(6, 3, 8, 8, generator=g), size=32, mode="bilinear")
        return x.clamp(0, 1), torch.arange(6) % 10

    monkeypatch.setattr(fr, "trained", model)
    monkeypatch.setattr(fr, "shared_classifier", lambda ctx, variant="natural", **k: model(ctx, k.get("tag", variant)))
    monkeypatch.setattr(fr, "test_images", images)
    # a window of low frequencies keeps the heat-map and attack recipes fast; the code path is the real one
    monkeypatch.setattr(fr, "fourier_heatmap", functools.partial(fr.fourier_heatmap, window=3))
    monkeypatch.setattr(fr, "LOW_BAND", (1, 1))
    monkeypatch.setattr(fr, "HIGH_BAND", (3, 3))
    monkeypatch.setattr(fr, "MID_BAND", (2, 3))
    monkeypatch.setattr(fr, "fourier_basis_attack", functools.partial(fr.fourier_basis_attack, window=5, high=4))


def test_all_recipes_registered_with_cifar10_data():
    for name in NAMES:
        rec = get_recipe(name)
        assert rec.data == "cifar10" and rec.paper.startswith("Yin et al.") and rec.finding


@pytest.mark.parametrize("name", NAMES)
def test_recipe_code_path_on_tiny_stand_ins(name, tiny, tmp_path):
    ctx = RecipeContext(quick=True, out_dir=tmp_path / name, progress=False)
    ctx.out_dir.mkdir()
    if name in ("corruption-spectra", "hf-energy-scatter"):
        # the built-in corruptions keep this fast and independent of the optional extra
        orig = fr.resolve_backend
        fr.resolve_backend = lambda b="auto": "builtin"
        try:
            out = get_recipe(name).run(ctx)
        finally:
            fr.resolve_backend = orig
    else:
        out = get_recipe(name).run(ctx)
    assert out.checks and all(np.isfinite(c.value) for c in out.checks)
    assert out.figure is not None and out.numbers
    for res in out.results.values():
        res.save(tmp_path / "r.json")
        type(res).load(tmp_path / "r.json")


def test_missing_data_is_a_one_line_error(tmp_path):
    from freqlens.errors import DataError

    with pytest.raises(DataError) as info:
        run_recipe("corruption-spectra", quick=True, out=tmp_path, data_root=str(tmp_path / "nowhere"), progress=False)
    assert "\n" not in str(info.value)


# At quick size (ConvNet-small, 10 000 images × 10 epochs, ≈ 67 % clean accuracy) the band-limited-noise recipe's
# Gaussian-augmentation gain (≥ 30 points, calibrated on a Wide-ResNet) is not reached (≈ 21 points, also at full
# size); the threshold stays as written and the check is expected to fail here (a crash is still a failure: only
# AssertionError is expected). See the README's reproduction table.
QUICK_SIZE_SHORTFALL = {"bandlimited-noise"}


@pytest.mark.slow
@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(raises=AssertionError, reason="threshold not reached at quick size"))
    if n in QUICK_SIZE_SHORTFALL else n for n in NAMES])
def test_quick_recipe_reproduces_finding(name, cifar_root, tmp_path_factory):
    out = tmp_path_factory.getbasetemp() / "fr-runs"  # shared: the trained models are cached once
    payload = run_recipe(name, quick=True, out=out, data_root=str(cifar_root), progress=False)
    assert payload["passed"], payload["checks"]
