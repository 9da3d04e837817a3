"""Data sets that ship inside packages (no download): MNIST-1D (``mnist1d``) and scikit-learn's digits."""
from __future__ import annotations

import contextlib
import io

import numpy as np
import torch

from freqlens.errors import DataError


def load_mnist1d(seed: int = 0, num_samples: int = 5000, train_split: float = 0.8):
    """MNIST-1D generated in memory by ``mnist1d.make_dataset`` (40-point signals, 10 classes), no download.

    Args:
        seed: the generator's seed.
        num_samples: signals in total (train + test).
        train_split: fraction used for training.

    Returns:
        ``(x_train, y_train, x_test, y_test)``: x (N, 40) float32, y (N,) int64 in 0 … 9.

    Raises:
        DataError: the ``mnist1d`` package is missing.

    Source: Greydanus 2020, "Scaling down deep learning" (MNIST-1D).

    Example:
        >>> xtr, ytr, xte, yte = load_mnist1d(num_samples=100)
        >>> xtr.shape, xte.shape, ytr.dtype
        (torch.Size([80, 40]), torch.Size([20, 40]), torch.int64)
    """
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as exc:  # pragma: no cover - hard dependency
        raise DataError("MNIST-1D needs the `mnist1d` package (pip install mnist1d)") from exc
    args = get_dataset_args()
    args.num_samples = num_samples
    args.train_split = train_split
    args.seed = seed
    with contextlib.redirect_stdout(io.StringIO()):
        data = make_dataset(args)
    def t(a, dt):
        return torch.as_tensor(np.asarray(a), dtype=dt)
    return (t(data["x"], torch.float32), t(data["y"], torch.long),
            t(data["x_test"], torch.float32), t(data["y_test"], torch.long))


def load_digits_images(test_fraction: float = 0.2, seed: int = 0):
    """scikit-learn's 8×8 digits (1797 images) as images in [0, 1], split at random into train and test.

    Args:
        test_fraction: fraction of the images in the test split.
        seed: seed of the permutation.

    Returns:
        ``(x_train, y_train, x_test, y_test)``: x (N, 1, 8, 8) float32 in [0, 1] (pixel / 16), y (N,) int64.

    Raises:
        ImportError: scikit-learn is missing (a hard dependency).

    Source: Alpaydin & Kaynak 1998 (UCI optical digits, as shipped by scikit-learn).

    Example:
        >>> xtr, ytr, xte, yte = load_digits_images()
        >>> xtr.shape, xte.shape, float(xtr.max())
        (torch.Size([1438, 1, 8, 8]), torch.Size([359, 1, 8, 8]), 1.0)
    """
    from sklearn.datasets import load_digits

    d = load_digits()
    x = torch.as_tensor(d.images / 16.0, dtype=torch.float32)[:, None]
    y = torch.as_tensor(d.target, dtype=torch.long)
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(y), generator=g)
    n_test = int(round(len(y) * test_fraction))
    te, tr = perm[:n_test], perm[n_test:]
    return x[tr], y[tr], x[te], y[te]
