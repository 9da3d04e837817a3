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
