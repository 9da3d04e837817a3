"""Spectral-bias recipes: the fast A8 recipe end to end, helpers at tiny size, the rest slow-marked."""
import json

import numpy as np
import pytest
import torch

from freqlens.models import MLP
from freqlens.recipes import get_recipe, run_recipe
from freqlens.recipes.base import RecipeContext
from freqlens.recipes.spectral_bias import _binary_digits, flower, relu_decay_check, sinusoid_problem

NAMES = ["spectral-bias-sinusoids", "spectral-bias-perturbation", "spectral-bias-manifold", "spectral-bias-binary",
         "spectral-bias-mnist-noise", "spectral-bias-kernel-eigvecs", "spectral-bias-relu-decay"]


def test_all_recipes_registered_with_paper_values():
    for name in NAMES:
        rec = get_recipe(name)
        assert rec.paper.startswith("Rahaman") and rec.paper_value


def test_relu_decay_recipe_quick_passes(tmp_path):
    payload = run_recipe("spectral-bias-relu-decay", quick=True, out=tmp_path, progress=False)
    assert payload["passed"], payload["checks"]
    assert (tmp_path / "spectral-bias-relu-decay" / "figure.png").is_file()
    saved = json.loads((tmp_path / "spectral-bias-relu-decay" / "result.json").read_text())
    assert saved["check"]["value"] <= 1.05


def test_relu_decay_bound_holds_and_slope_is_minus_two_for_a_random_net():
    torch.manual_seed(3)
    r = relu_decay_check(MLP(1, 1, widths=[32, 32, 32], activation="relu"))
    assert r["bound_ratio"] <= 1.05
    assert -2.2 <= r["slope"] <= -1.7
    assert r["max_slope"] <= r["prod_spectral_norms"]


def test_sinusoid_problem_and_flower_geometry():
    z, y = sinusoid_problem(200, [5, 10], [1.0, 0.5], seed=0)
    spec = torch.fft.fft(y).abs() / 200
    assert spec[5] == pytest.approx(0.5) and spec[10] == pytest.approx(0.25)
    circle = flower(z, 0)
    np.testing.assert_allclose(circle.norm(dim=1).numpy(), 1.0, atol=1e-6)
    petals = flower(z, 4).norm(dim=1).numpy()
    assert petals.max() == pytest.approx(1.5, abs=1e-3) and petals.min() == pytest.approx(0.5, abs=1e-3)


def test_mnist_noise_falls_back_to_mnist1d_and_says_so(tmp_path):
    ctx = RecipeContext(quick=True, out_dir=tmp_path, data_root=str(tmp_path))
    x, t, source = _binary_digits(ctx, 100)
    assert source.startswith("MNIST-1D") and "not found" in source
    assert x.shape == (100, 40) and set(t.unique().tolist()) == {-1.0, 1.0}


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in NAMES if n != "spectral-bias-relu-decay"])
def test_quick_recipe_passes(name, tmp_path):
    import os

    if name in ("spectral-bias-mnist-noise", "spectral-bias-kernel-eigvecs"):
        root = os.environ.get("FREQLENS_DATA")
        if not root or not os.path.isdir(root):
            pytest.skip("FREQLENS_DATA not set (the recipe would use MNIST-1D)")
    payload = run_recipe(name, quick=True, out=tmp_path, progress=False)
    assert payload["passed"], [c for c in payload["checks"] if not c["passed"]]
    assert (tmp_path / name / "figure.png").is_file()
