"""kernel-fprinciple-regimes at tiny size (N = 64, 400 features): the derivative-of-Gaussian model passes the gate
(order reversed below k*, F-Principle above) and the Gaussian null fails it; with the null's features in the
trained model's place the recipe reports FAIL. The numbers are the trained models' own."""
import math

import pytest
from recipe_stubs import assert_status_contract

import freqlens.recipes.kernel_regimes as kr
from freqlens.dynamics.random_features import train_random_features
from freqlens.recipes.base import RecipeContext, recipe_status


def _tiny(monkeypatch, force_feature=None):
    calls = []

    def small(modes, h, n=128, n_features=2000, feature="dgauss", **kw):
        calls.append(feature)
        return train_random_features(modes, h, n=64, n_features=400, feature=force_feature or feature, **kw)

    monkeypatch.setattr(kr, "train_random_features", small)
    return calls


@pytest.mark.usefixtures("one_thread")
def test_trained_model_passes_and_the_gaussian_null_fails_the_gate(monkeypatch, tmp_path):
    calls = _tiny(monkeypatch)
    out = kr.kernel_fprinciple_regimes(RecipeContext(quick=True, out_dir=tmp_path, progress=False))
    assert calls == ["dgauss", "gauss"]
    (check,), (control,) = out.checks, out.controls
    assert check.value == 1.0 and check.passed
    assert control.value == 0.0 and not control.passed and control.metric == check.metric
    assert assert_status_contract(out) == "PASS"
    numbers = out.numbers["h=0.5"]
    assert numbers["k_star"] == pytest.approx(math.sqrt(2) / 0.5) and numbers["modes"] == [1, 2, 3, 5, 8]
    assert numbers["orders_trained"] == {"reversed_below": True, "fprinciple_above": True}
    assert numbers["times_trained"] == out.results["random_features_h=0.5"].times.tolist()
    assert numbers["times_trained"][0] > numbers["times_trained"][1]      # mode 2 (< k*) converges before mode 1
    assert set(out.results) == {"random_features_h=0.5", "null_h=0.5"}
    assert len(out.figure.axes) >= 2


@pytest.mark.usefixtures("one_thread")
def test_gaussian_features_in_the_trained_models_place_fail_the_recipe(monkeypatch, tmp_path):
    _tiny(monkeypatch, force_feature="gauss")
    out = kr.kernel_fprinciple_regimes(RecipeContext(quick=True, out_dir=tmp_path, progress=False))
    assert out.checks[0].value == 0.0 and not out.checks[0].passed
    assert recipe_status(out.checks, out.controls, out.smoke) == "FAIL"
