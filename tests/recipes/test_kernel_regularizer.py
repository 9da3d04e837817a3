"""kernel-regularizer (spec proposal A5.3) on tiny stand-in data: one cached model per λ, the penalty lowers
roughness, and the λ = 0 seed pair (the null) fails the paired sign-flip gate; each λ trains its own model."""
from pathlib import Path

import torch
from recipe_stubs import assert_status_contract, synthetic_cifar

from freqlens.interventions.conv_kernels import SmoothnessRegularizer
from freqlens.recipes.base import RecipeContext
from freqlens.recipes.kernel_regularizer import FGSM_EPS, LAMBDAS, regularized_classifier, sizes


def test_sizes_and_the_lambda_grid():
    assert sizes(RecipeContext(quick=True, out_dir=Path("r"))) == {"n_train": 2000, "epochs": 4, "n_test": 500}
    assert sizes(RecipeContext(quick=False, out_dir=Path("r"))) == {"n_train": 10000, "epochs": 15, "n_test": 1000}
    assert LAMBDAS[0] == 0.0 and list(LAMBDAS) == sorted(LAMBDAS) and FGSM_EPS == 2 / 255


def test_each_lambda_is_its_own_model_with_the_penalty_only_when_positive(monkeypatch, tmp_path):
    import freqlens.recipes.kernel_regularizer as kreg

    calls = []

    def fake_trained(ctx, dataset, arch, variant, **kw):
        calls.append(kw)
        return torch.nn.Identity()

    monkeypatch.setattr(kreg, "trained_classifier", fake_trained)
    ctx = RecipeContext(quick=True, out_dir=tmp_path)
    for lam in LAMBDAS:
        regularized_classifier(ctx, lam, n_train=40, epochs=1)
    assert calls[0]["regularizer"] is None
    assert all(isinstance(c["regularizer"], SmoothnessRegularizer) for c in calls[1:])
    assert len({c["tag"] for c in calls}) == len(LAMBDAS)             # one cache entry per λ
    assert all(c["arch_kwargs"] == {"first_kernel_size": 5} for c in calls)


def test_kernel_regularizer_recipe_path_trains_and_caches_one_model_per_lambda(monkeypatch, tmp_path):
    import freqlens.recipes._trained as trained
    import freqlens.recipes.kernel_regularizer as kreg

    monkeypatch.setattr(kreg, "image_data", synthetic_cifar)
    monkeypatch.setattr(trained, "image_data", synthetic_cifar)   # the training data, inside trained_classifier
    monkeypatch.setattr(kreg, "sizes", lambda ctx: {"n_train": 40, "epochs": 3, "n_test": 12})
    ctx = RecipeContext(quick=True, out_dir=tmp_path / "r", progress=False)
    out = kreg.kernel_regularizer(ctx)
    rough = out.numbers["roughness"]
    assert len(rough) == 4 and len(out.numbers["clean_accuracy"]) == 4 and len(out.numbers["fgsm_accuracy"]) == 4
    assert rough[-1] < rough[0]                           # λ = 0.1 already smooths in 3 SGD steps
    assert len(list(ctx.cache_dir.glob("cifar10-convnet-small-natural-smoothreg-*.pt"))) == 5  # + λ = 0 seed 1
    assert out.checks[0].metric.startswith("sign-flip z of FGSM") and out.controls[0].metric == out.checks[0].metric
    assert_status_contract(out)
    assert not any(c.passed for c in out.controls), [(c.name, c.value) for c in out.controls]
    again = kreg.kernel_regularizer(ctx)                  # second run loads the cached models
    assert again.numbers["roughness"] == rough
