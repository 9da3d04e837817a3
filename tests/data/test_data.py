"""freqlens/data/__init__.py: load_dataset by name, .npz file or folder, and load_npz_images."""
import warnings

import numpy as np
import pytest
import torch

from freqlens.data import load_dataset, load_npz_images
from freqlens.errors import ConfigError, DataError


def test_load_dataset_digits_limits_and_unknown_names():
    xtr, ytr, xte, yte = load_dataset("digits", train_limit=50, test_limit=20)
    assert xtr.shape == (50, 1, 8, 8) and xte.shape == (20, 1, 8, 8)
    assert 0.0 <= float(xtr.min()) and float(xtr.max()) <= 1.0 and ytr.dtype == torch.int64
    with pytest.raises(ConfigError, match="unknown dataset 'imagenet'.*mnist, cifar10, mnist1d, digits"):
        load_dataset("imagenet")


def test_an_npz_file_is_the_test_split(tmp_path):
    p = tmp_path / "d.npz"
    np.savez(p, images=np.random.default_rng(0).random((6, 3, 4, 4)).astype(np.float32), labels=np.arange(6))
    xtr, ytr, xte, yte = load_dataset(str(p), test_limit=4)
    assert xtr.shape == (0, 3, 4, 4) and ytr.numel() == 0
    assert xte.shape == (4, 3, 4, 4) and yte.tolist() == [0, 1, 2, 3]


def test_load_npz_images_reads_one_hot_labels_and_refuses_what_it_cannot_read(tmp_path):
    p = tmp_path / "oh.npz"
    np.savez(p, x=np.zeros((3, 1, 2, 2), np.float32), y=np.eye(3)[[2, 0, 1]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x, y = load_npz_images(p)
    assert y.tolist() == [2, 0, 1] and any("one-hot" in str(w.message) for w in caught)
    np.save(tmp_path / "a.npy", np.zeros((2, 1, 2, 2)))
    with pytest.raises(DataError, match=r"\.npy .*np\.savez"):
        load_npz_images(tmp_path / "a.npy")
    np.savez(tmp_path / "nolab.npz", images=np.zeros((2, 1, 2, 2)))
    with pytest.raises(DataError, match=r"lacks array\(s\) \['labels'\]"):
        load_npz_images(tmp_path / "nolab.npz")
    np.savez(tmp_path / "float.npz", images=np.zeros((2, 1, 2, 2)), labels=np.array([0.5, 1.0]))
    with pytest.raises(DataError, match="integer class indices"):
        load_npz_images(tmp_path / "float.npz")
    with pytest.raises(DataError, match="does not exist"):
        load_npz_images(tmp_path / "missing.npz")
