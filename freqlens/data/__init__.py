"""Data: synthetic targets, built-in sets (no download), and readers for MNIST / CIFAR-10 under a data root.

:func:`load_dataset` is the one entry point the CLI and recipes use::

    x_train, y_train, x_test, y_test = load_dataset("cifar10", root="../shared/data", train_limit=5000)
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from freqlens.data.builtin import load_digits_images, load_mnist1d
from freqlens.data.synthetic import (
    Regression1D,
    gaussian_projection_data,
    periodic_grid,
    sinusoid_target_1d,
    sum_of_sines,
)
from freqlens.data.vision import (
    CIFAR10_MEAN,
    CIFAR10_STD,
    MNIST_MEAN,
    MNIST_STD,
    load_cifar10,
    load_mnist,
    resolve_data_root,
)
from freqlens.errors import ConfigError, DataError

DATASETS = ("mnist", "cifar10", "mnist1d", "digits")


def load_npz_images(path: str | os.PathLike):
    """Images and labels from an ``.npz`` with arrays ``images`` (N, C, H, W) in [0, 1] and ``labels`` (N,)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file {path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = {"images", "labels"} - set(data.files)
            if missing:
                raise DataError(f"{path} lacks array(s) {sorted(missing)}; expected 'images' (N, C, H, W) and 'labels' (N,)")
            images, labels = data["images"], data["labels"]
    except (ValueError, OSError) as exc:
        raise DataError(f"{path} is not a readable .npz file: {exc}") from exc
    if images.ndim != 4:
        raise DataError(f"{path}: 'images' has shape {images.shape}; expected (N, C, H, W)")
    if labels.shape != (images.shape[0],):
        raise DataError(f"{path}: 'labels' has shape {labels.shape}; expected ({images.shape[0]},)")
    return torch.as_tensor(images, dtype=torch.float32), torch.as_tensor(labels, dtype=torch.long)


def load_dataset(name: str, root=None, train_limit: int | None = None, test_limit: int | None = None, seed: int = 0):
    """``(x_train, y_train, x_test, y_test)`` for a named data set or an ``.npz`` file.

    Names: "mnist" and "cifar10" (from the data root), "mnist1d" and "digits" (embedded), or a path to an
    ``.npz`` with ``images``/``labels`` (returned as the test split, with empty training tensors).
    For CIFAR-10 a test request beyond the shared test file's length is refused rather than silently cut.
    """
    if name.endswith(".npz"):
        x, y = load_npz_images(name)
        if test_limit is not None:
            x, y = x[:test_limit], y[:test_limit]
        return x[:0], y[:0], x, y
    if name == "mnist":
        xtr, ytr = load_mnist(root, train=True, limit=train_limit)
        xte, yte = load_mnist(root, train=False, limit=test_limit)
    elif name == "cifar10":
        xtr, ytr = load_cifar10(root, train=True, limit=train_limit)
        xte, yte = load_cifar10(root, train=False, limit=test_limit)
    elif name == "mnist1d":
        xtr, ytr, xte, yte = load_mnist1d(seed=seed)
        xtr, ytr, xte, yte = xtr[:train_limit], ytr[:train_limit], xte[:test_limit], yte[:test_limit]
    elif name == "digits":
        xtr, ytr, xte, yte = load_digits_images(seed=seed)
        xtr, ytr, xte, yte = xtr[:train_limit], ytr[:train_limit], xte[:test_limit], yte[:test_limit]
    else:
        raise ConfigError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)} or a path to an .npz")
    return xtr, ytr, xte, yte


__all__ = [
    "DATASETS", "load_dataset", "load_npz_images", "load_mnist", "load_cifar10", "load_mnist1d",
    "load_digits_images", "resolve_data_root", "sinusoid_target_1d", "sum_of_sines", "periodic_grid",
    "gaussian_projection_data", "Regression1D", "MNIST_MEAN", "MNIST_STD", "CIFAR10_MEAN", "CIFAR10_STD",
]
