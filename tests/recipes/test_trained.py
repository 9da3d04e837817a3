from pathlib import Path

import pytest
import torch

from freqlens.errors import ConfigError, DataError
from freqlens.recipes._trained import image_data
from freqlens.recipes.base import RecipeContext


def _test_files_only(mnist_root, tmp_path):
    """A data root holding only MNIST's test files: reading the training split from it fails."""
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (raw / name).symlink_to(mnist_root / "MNIST" / "raw" / name)
    return RecipeContext(quick=True, out_dir=tmp_path / "out", data_root=str(tmp_path), progress=False)


def test_a_split_asked_with_zero_images_is_not_read(mnist_root, tmp_path):
    ctx = _test_files_only(mnist_root, tmp_path)
    xtr, ytr, xte, yte = image_data(ctx, "mnist", 0, 5)
    assert xtr.shape == (0, 1, 28, 28) and ytr.shape == (0,) and ytr.dtype == torch.long
    assert xte.shape == (5, 1, 28, 28) and yte.shape == (5,)
    with pytest.raises(DataError):          # the training split really is missing from this root
        image_data(ctx, "mnist", 20, 0)


def test_balanced_training_subset_and_unknown_dataset(mnist_root, tmp_path):
    ctx = RecipeContext(quick=True, out_dir=tmp_path / "out", data_root=str(mnist_root), progress=False)
    xtr, ytr, xte, yte = image_data(ctx, "mnist", 50, 0)
    assert xtr.shape == (50, 1, 28, 28) and torch.bincount(ytr).tolist() == [5] * 10
    assert xte.shape[0] == 0
    with pytest.raises(ConfigError, match="dataset"):
        image_data(ctx, "svhn", 10, 10)


def _tiny_shared(monkeypatch):
    """Shrink the quick fast-training preset and feed synthetic CIFAR-size data to the shared-model path."""
    import freqlens.recipes._trained as trained
    from freqlens.train_fast import FastTrainConfig

    def fake_cifar(root=None, train=True, limit=None, **kw):
        g = torch.Generator().manual_seed(0 if train else 1)
        n = 64 if train else 16
        return torch.rand(n, 3, 32, 32, generator=g), torch.randint(0, 10, (n,), generator=g)

    monkeypatch.setitem(trained.FAST_PRESETS, "quick",
                        {"widths": (4, 8, 8), "whiten_eps": 0.1, "train": FastTrainConfig(epochs=1, batch_size=32)})
    monkeypatch.setattr(trained, "load_cifar10", fake_cifar)
    monkeypatch.setattr(trained, "cifar_train_batches", lambda root=None: (1,))
    return trained


def test_shared_models_are_cached_with_their_settings_and_accuracy_record(monkeypatch, tmp_path):
    from freqlens.recipes.reproduction import _shared_models_section

    trained = _tiny_shared(monkeypatch)
    ctx = RecipeContext(quick=True, out_dir=tmp_path / "recipe", progress=False)
    model = trained.shared_classifier(ctx, "gaussian")
    assert not model.training and model(torch.rand(2, 3, 32, 32)).shape == (2, 10)
    [weights] = list(ctx.cache_dir.glob("cifar10-fastnet-quick-gaussian-*.pt"))
    again = trained.shared_classifier(ctx, "gaussian")                 # loaded from the cache, same weights
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))
    rows = trained.shared_model_summary(ctx.cache_dir)
    assert [r["variant"] for r in rows] == ["gaussian"] and 0 <= rows[0]["clean_accuracy"] <= 1
    assert rows[0]["setting"]["sigma_max"] == 0.1
    assert "| gaussian | quick |" in _shared_models_section(ctx.cache_dir)
    # every setting keys the cache: another epoch count is another model file
    monkeypatch.setitem(trained.FAST_PRESETS, "quick", {"widths": (4, 8, 8), "whiten_eps": 0.1,
                        "train": trained.FastTrainConfig(epochs=2, batch_size=32)})
    trained.shared_classifier(ctx, "gaussian")
    assert len(list(ctx.cache_dir.glob("cifar10-fastnet-quick-gaussian-*.pt"))) == 2 and weights.exists()


def test_shared_config_names_every_setting_and_labels_single_step_training():
    from freqlens.recipes._trained import SHARED_VERSION, shared_classifier, shared_config

    quick = shared_config(RecipeContext(quick=True, out_dir=Path("runs/x")))
    full = shared_config(RecipeContext(quick=False, out_dir=Path("runs/x")))
    assert quick["adversarial"]["method"] == "fgsm-rs" and quick["adversarial"]["steps"] == 1
    assert full["adversarial"]["method"] == "pgd" and full["adversarial"]["steps"] >= 3   # multi-step at full size
    assert quick["version"] == full["version"] == SHARED_VERSION >= 3
    assert {"epochs", "lr", "batch_size", "label_smoothing", "ema", "translate"} <= set(quick["train"])
    assert quick["widths"] != full["widths"]
    with pytest.raises(ConfigError, match="tag"):
        shared_classifier(RecipeContext(quick=True, out_dir=Path("runs/x")), transform=lambda m, x, y: (x, y))
    with pytest.raises(ConfigError, match="variant"):
        shared_classifier(RecipeContext(quick=True, out_dir=Path("runs/x")), "mixup")


class _AlwaysClassZero(torch.nn.Module):
    """Perfectly robust on class-0 images: its output ignores the input."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return torch.cat([torch.ones(x.shape[0], 1), torch.zeros(x.shape[0], 9)], 1) + 0 * self.w * x.mean()


def _fragile_case():
    """A linear model that predicts class 0 by a hair (any perturbation along its weight flips it), and 6 images of
    class 0 it gets right: PGD at 8/255 fools it on every image."""
    torch.manual_seed(0)
    fragile = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 10))
    with torch.no_grad():
        fragile[1].weight.zero_()
        fragile[1].bias.zero_()
        fragile[1].bias[0] = 0.01
        fragile[1].weight[1] = 1.0
    x = torch.full((6, 3, 8, 8), 0.5) - 0.5 * 0.01 / (3 * 64)
    return fragile, x, torch.zeros(6, dtype=torch.long)


def test_robustness_premise_measures_pgd_and_fails_when_the_adversarial_model_is_no_more_robust():
    from freqlens.recipes._trained import ROBUST_PREMISE_POINTS, robustness_premise

    fragile, x, y = _fragile_case()
    numbers, smoke = robustness_premise(fragile, _AlwaysClassZero(), x, y)
    assert numbers["premise_pgd_accuracy_natural"] == 0.0 and numbers["premise_pgd_accuracy_adversarial"] == 1.0
    assert numbers["premise_gap_points"] == 100.0 and smoke == ""
    # the null: the natural model in the adversarial model's place
    numbers, smoke = robustness_premise(fragile, fragile, x, y)
    assert numbers["premise_gap_points"] == 0.0 < ROBUST_PREMISE_POINTS
    assert smoke.startswith("premise not met") and "\n" not in smoke


def test_robustness_premise_null_measured_in_the_same_run_fails_it_or_the_recipe_is_smoke():
    from freqlens.recipes._trained import robustness_premise

    fragile, x, y = _fragile_case()
    # a natural model at another seed (here: the same fragile one) is attacked too and fails the premise
    numbers, smoke = robustness_premise(fragile, _AlwaysClassZero(), x, y, null=fragile)
    assert numbers["premise_pgd_accuracy_null"] == 0.0 and numbers["premise_null_gap_points"] == 0.0
    assert smoke == ""
    # a null that clears the margin (an attack that fools nothing) makes the premise undiscriminating: SMOKE
    numbers, smoke = robustness_premise(fragile, _AlwaysClassZero(), x, y, null=_AlwaysClassZero())
    assert numbers["premise_null_gap_points"] == 100.0
    assert smoke.startswith("premise null passes") and "\n" not in smoke
    # accuracies the recipe already measured are used as given, the null's included
    numbers, smoke = robustness_premise(None, None, None, None,
                                        accuracies={"natural": 0.0, "adversarial": 0.4, "null": 0.05})
    assert numbers["premise_null_gap_points"] == 5.0 and smoke == ""
