"""kernel-roughness-5x5 (HFC-K3) on tiny stand-in models: smoother "adversarial" kernels pass the paired sign-flip
gate, the natural seed pair does not; the model set and the initial weights are the ones the recipe documents."""
from pathlib import Path

import pytest
import torch
from recipe_stubs import assert_status_contract, synthetic_cifar

from freqlens.models import ConvNet
from freqlens.recipes.base import RecipeContext
from freqlens.recipes.kernel_roughness_5x5 import (
    ARCH,
    ARCH_KWARGS,
    _initial_weight,
    roughness_5x5_models,
    sizes,
)


def test_sizes_quick_and_full():
    assert sizes(RecipeContext(quick=True, out_dir=Path("r"))) == {"n_train": 3000, "epochs": 5, "n_test": 500}
    assert sizes(RecipeContext(quick=False, out_dir=Path("r"))) == {"n_train": 10000, "epochs": 15, "n_test": 1000}


def test_models_are_natural_adversarial_and_a_natural_seed_pair(monkeypatch, tmp_path):
    import freqlens.recipes.kernel_roughness_5x5 as kr

    calls = []

    def fake_trained(ctx, dataset, arch, variant, **kw):
        calls.append((ctx.seed, dataset, arch, variant, kw))
        return torch.nn.Identity()

    monkeypatch.setattr(kr, "trained_classifier", fake_trained)
    models = roughness_5x5_models(RecipeContext(quick=True, out_dir=tmp_path, seed=4))
    assert list(models) == ["natural", "adversarial", "natural seed+1"]
    assert [(c[0], c[3]) for c in calls] == [(4, "natural"), (4, "adversarial"), (5, "natural")]
    assert all(c[1:3] == ("cifar10", ARCH) and c[4]["arch_kwargs"] == ARCH_KWARGS and c[4]["n_train"] == 3000
               and c[4]["epochs"] == 5 for c in calls)


def test_initial_weight_is_the_seeded_5x5_first_layer():
    w = _initial_weight(RecipeContext(quick=True, out_dir=Path("r"), seed=2))
    torch.manual_seed(2)
    ref = ConvNet(3, 10, widths=(16, 32, 64), **ARCH_KWARGS).features[0].weight
    assert w.shape == (16, 3, 5, 5) and torch.equal(w, ref.detach())


def test_kernel_roughness_5x5_recipe_path_on_tiny_models(monkeypatch, tmp_path):
    import freqlens.recipes.kernel_roughness_5x5 as kr
    from freqlens.interventions.conv_kernels import lowpass_conv_kernels
    from freqlens.models import ConvNet, with_normalization

    def fake_trained(ctx, dataset, arch, variant, **kw):
        assert kw["arch_kwargs"] == {"first_kernel_size": 5} and arch == "convnet-small"
        torch.manual_seed(ctx.seed)
        net = with_normalization(ConvNet(3, 10, widths=(16, 4, 4), **kw["arch_kwargs"]), (0.5,) * 3, (0.25,) * 3)
        # the "adversarial" stand-in gets low-passed (smoother) first-layer kernels: the check must see it
        return (lowpass_conv_kernels(net, 2, "square") if variant == "adversarial" else net).eval()

    monkeypatch.setattr(kr, "trained_classifier", fake_trained)
    monkeypatch.setattr(kr, "image_data", synthetic_cifar)
    # untrained stand-ins are not robust: the premise (tested in tests/recipes/test_trained.py) is met by fiat here
    monkeypatch.setattr(kr, "robustness_premise", lambda *a, **k: ({"premise_gap_points": 50.0}, ""))
    out = kr.kernel_roughness_5x5(RecipeContext(quick=True, out_dir=tmp_path, progress=False))
    r, after = out.numbers["roughness"], out.numbers["roughness_after_rho1"]
    assert r["natural"] == pytest.approx(out.numbers["roughness_init"])   # the natural stand-in is the initialisation
    assert r["adversarial"] < r["natural"] and out.checks[0].passed and out.checks[1].passed
    assert all(after[k] < r[k] for k in r)
    assert len(out.figure.axes) == 8   # 4 kernel mosaics, each with its colour bar
    assert out.numbers["roughness_of_update_from_init"]["natural"] == 0
    # the seed null: two random initialisations differ by chance only, well inside 2 sign-flip SDs
    seed_ctl = out.controls[0]
    assert seed_ctl.value < kr.Z_MARGIN and not seed_ctl.passed
    # the roughness difference's null: the untrained initialisation in place of the adversarial model, measured on
    # that check's metric (here the natural stand-in is the initialisation: difference 0, which fails "< 0")
    init_ctl = out.controls[1]
    assert init_ctl.metric == out.checks[1].metric and init_ctl.name.startswith("the untrained first layer")
    assert init_ctl.value == pytest.approx(out.numbers["roughness_init"] - r["natural"]) and not init_ctl.passed
    assert assert_status_contract(out) == "PASS"
