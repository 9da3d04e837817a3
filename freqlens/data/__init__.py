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
    """Images and labels from an ``.npz`` holding an image array and a label array.

    Keys: images under ``images`` (or image, x, X, pixel_values, inputs, data), labels under ``labels`` (or label,
    targets, y, Y). uint8 (0..255), channels-last (N, H, W, C) and (N, H, W) arrays are converted, one-hot labels
    are read by argmax, each with a one-line notice.

    Args:
        path: the ``.npz`` file.

    Returns:
        ``(images, labels)``: (N, C, H, W) float32 in [0, 1] and (N,) int64.

    Raises:
        DataError: a missing file, a ``.npy`` (one array, no labels; the message gives the fix), missing keys, an
            unreadable file, or labels of the wrong shape or dtype.

    Source: freqlens.

    Example:
        >>> import numpy as np, tempfile, warnings
        >>> p = tempfile.mkdtemp() + "/d.npz"
        >>> np.savez(p, x=np.zeros((2, 8, 8, 3), np.uint8), y=np.array([0, 1]))
        >>> with warnings.catch_warnings(record=True):
        ...     [tuple(t.shape) for t in load_npz_images(p)]
        [(2, 3, 8, 8), (2,)]
    """
    from freqlens.data.inputs import IMAGE_KEYS, LABEL_KEYS, images_from_array

    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file {path} does not exist")
    if path.suffix == ".npy":
        raise DataError(f"{path} is a .npy (one array, no labels); save images and labels together with "
                        "np.savez('data.npz', images=images, labels=labels) and pass --data data.npz")
    try:
        with np.load(path, allow_pickle=False) as data:
            files = list(data.files)
            ik = next((k for k in IMAGE_KEYS if k in files), None)
            lk = next((k for k in LABEL_KEYS if k in files), None)
            if ik is None or lk is None:
                missing = [k for k, v in (("images", ik), ("labels", lk)) if v is None]
                raise DataError(f"{path} lacks array(s) {missing} (it holds {files}); expected 'images' (N, C, H, W) "
                                "and 'labels' (N,): np.savez('data.npz', images=images, labels=labels)")
            images, labels = data[ik], data[lk]
    except (ValueError, OSError) as exc:
        raise DataError(f"{path} is not a readable .npz file: {exc}") from exc
    x = images_from_array(images, f"{path.name}[{ik!r}]")
    if labels.ndim == 2 and labels.shape[0] == x.shape[0] and labels.shape[1] > 1:
        from freqlens.notices import notice

        notice(f"{path.name}[{lk!r}] has shape {labels.shape}: read as one-hot labels (argmax per row)")
        labels = labels.argmax(1)
    labels = labels.reshape(-1) if labels.ndim == 2 and labels.shape[1] == 1 else labels
    if labels.shape != (x.shape[0],):
        raise DataError(f"{path}: {lk!r} has shape {labels.shape}; expected ({x.shape[0]},) class indices")
    if labels.dtype.kind not in "iub":
        raise DataError(f"{path}: {lk!r} has dtype {labels.dtype}; expected integer class indices")
    return x, torch.as_tensor(labels.astype(np.int64))


def load_dataset(name: str, root=None, train_limit: int | None = None, test_limit: int | None = None, seed: int = 0,
                 img_size: int | None = None, crop_pct: float = 0.875):
    """``(x_train, y_train, x_test, y_test)`` for a named data set, an ``.npz`` file or an image folder.

    Files and folders come back as the test split, with empty training tensors. For CIFAR-10 a test request
    beyond the shared test file's length is refused rather than silently cut.

    Args:
        name: "mnist" or "cifar10" (read from the data root), "mnist1d" or "digits" (embedded), a path to an
            ``.npz`` with images/labels, or a folder in the ImageFolder layout (``<class>/<image>.png``).
        root: the data root (see :func:`resolve_data_root`).
        train_limit: keep the first ``train_limit`` training images.
        test_limit: keep the first ``test_limit`` test images.
        seed: seed of the embedded sets.
        img_size: image folders: resize and centre-crop to this size (like timm).
        crop_pct: image folders: centre-crop fraction.

    Returns:
        Four tensors: images (N, C, H, W) float32 in [0, 1] (MNIST-1D: (N, 40)) and labels (N,) int64.

    Raises:
        ConfigError: an unknown name.
        DataError: missing or corrupt files.

    Source: freqlens.

    Example:
        >>> xtr, ytr, xte, yte = load_dataset("digits", train_limit=100, test_limit=10)
        >>> xtr.shape, xte.shape
        (torch.Size([100, 1, 8, 8]), torch.Size([10, 1, 8, 8]))
        >>> load_dataset("imagenet")
        Traceback (most recent call last):
        ...
        freqlens.errors.ConfigError: unknown dataset 'imagenet'; expected one of mnist, cifar10, mnist1d, digits, ...
    """
    if Path(name).is_dir():
        from freqlens.data.folder import load_image_folder

        x, y, _ = load_image_folder(name, img_size=img_size, crop_pct=crop_pct, limit=test_limit)
        return x[:0], y[:0], x, y
    if name.endswith((".npz", ".npy")):
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
        raise ConfigError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}, "
                          "a path to an .npz or an image folder")
    return xtr, ytr, xte, yte


def dataset_class_names(name: str) -> list[str] | None:
    """The class names of a data set given as ``--data``, for figure titles: an image folder's sub-folder names,
    CIFAR-10's ten names, the digits of MNIST and the embedded sets; ``None`` where the source has none (``.npz``).

    Args:
        name: as for :func:`load_dataset`.

    Returns:
        Names in label order (label ``i`` is ``names[i]``), or ``None``.

    Raises:
        DataError: an image folder without class sub-folders.

    Source: freqlens.

    Example:
        >>> dataset_class_names("cifar10")[:3]
        ['airplane', 'automobile', 'bird']
        >>> dataset_class_names("mnist")[7], dataset_class_names("data.npz")
        ('7', None)
    """
    if Path(name).is_dir():
        from freqlens.data.folder import folder_classes

        return folder_classes(name)
    if name == "cifar10":
        from freqlens.data.vision import CIFAR10_CLASSES

        return list(CIFAR10_CLASSES)
    if name in ("mnist", "mnist1d", "digits"):
        return [str(k) for k in range(10)]
    return None


__all__ = [
    "DATASETS", "load_dataset", "dataset_class_names", "load_npz_images", "load_mnist", "load_cifar10", "load_mnist1d",
    "load_digits_images", "resolve_data_root", "sinusoid_target_1d", "sum_of_sines", "periodic_grid",
    "gaussian_projection_data", "Regression1D", "MNIST_MEAN", "MNIST_STD", "CIFAR10_MEAN", "CIFAR10_STD",
]
