"""Turning what a user holds into probe inputs: image tensors (N, C, H, W) in [0, 1] and integer labels (N,).

* uint8 images (0..255) are divided by 255, with a one-line notice;
* channels-last arrays from NumPy files (N, H, W, C) are transposed, and (N, H, W) gets a channel axis, with a
  notice; a channels-last *tensor* passed to a probe is refused with the exact fix (a tensor's layout is the
  user's choice, so freqlens does not guess it);
* any ``torch.utils.data.Dataset`` (map-style or iterable), DataLoader or iterable of ``(x, y)`` pairs or
  ``{"image"/"pixel_values"/..., "label"/...}`` dicts is read batch by batch.
"""
from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset

from freqlens.errors import InputError
from freqlens.notices import notice

IMAGE_KEYS = ("images", "image", "pixel_values", "x", "X", "inputs", "input", "data", "img")
LABEL_KEYS = ("labels", "label", "targets", "target", "y", "Y", "class", "classes")
_CHANNELS = (1, 2, 3, 4)


def looks_channels_last(shape: tuple[int, ...]) -> bool:
    """True when a rank-4 ``shape`` reads as (N, H, W, C): the last axis is 1–4 channels and the second is not.

    Args:
        shape: an array shape.

    Returns:
        ``True`` for e.g. (10, 32, 32, 3); ``False`` for (10, 3, 32, 32) and for any rank other than 4.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> looks_channels_last((10, 32, 32, 3)), looks_channels_last((10, 3, 32, 32))
        (True, False)
    """
    return len(shape) == 4 and shape[-1] in _CHANNELS and shape[1] not in _CHANNELS


def images_from_array(arr: Any, source: str) -> torch.Tensor:
    """Images (N, C, H, W) float32 in [0, 1] from an array read from a file, converting with a notice.

    Args:
        arr: (N, C, H, W), (N, H, W, C) or (N, H, W); float in [0, 1] or uint8 in 0..255.
        source: where it came from, for the messages (e.g. ``"data.npz['images']"``).

    Returns:
        float32 tensor (N, C, H, W).

    Raises:
        InputError: another rank, or a dtype that is not numeric.

    Source: freqlens.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True):
        ...     images_from_array(np.full((2, 8, 8, 3), 255, np.uint8), "a.npz").shape
        torch.Size([2, 3, 8, 8])
    """
    a = np.asarray(arr)
    if a.dtype.kind not in "uif":
        raise InputError(f"{source} has dtype {a.dtype}; expected numeric images (uint8 0..255 or float in [0, 1])")
    if a.ndim == 3:
        notice(f"{source} has shape {a.shape}: read as (N, H, W) grayscale images with one channel")
        a = a[:, None]
    elif looks_channels_last(a.shape):
        notice(f"{source} has shape {a.shape}: read as channels-last (N, H, W, C) and transposed to (N, C, H, W)")
        a = a.transpose(0, 3, 1, 2)
    if a.ndim != 4:
        raise InputError(f"{source} has shape {a.shape}; expected images (N, C, H, W), (N, H, W, C) or (N, H, W)")
    t = torch.from_numpy(np.ascontiguousarray(a))
    if a.dtype == np.uint8:
        notice(f"{source} is uint8: divided by 255 to [0, 1]")
        return t.float() / 255.0
    return t.float()


def coerce_image_tensor(x: torch.Tensor, name: str = "images") -> torch.Tensor:
    """A probe's image tensor: uint8 becomes float in [0, 1] (notice); channels-last is refused with the fix.

    Args:
        x: images as given by the user.
        name: how the messages call them.

    Returns:
        ``x`` itself, or ``x.float() / 255`` for uint8.

    Raises:
        InputError: for (N, H, W, C) tensors, naming ``x.permute(0, 3, 1, 2)``.

    Source: freqlens.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True):
        ...     coerce_image_tensor(torch.full((1, 1, 2, 2), 255, dtype=torch.uint8)).max().item()
        1.0
    """
    if x.ndim == 4 and looks_channels_last(tuple(x.shape)):
        raise InputError(f"{name} has shape {tuple(x.shape)}, which looks channels-last (N, H, W, C); pass "
                         f"{name}.permute(0, 3, 1, 2) for (N, C, H, W)")
    if x.dtype == torch.uint8:
        notice(f"{name} are uint8: divided by 255 to [0, 1] (pass float images in [0, 1] to avoid this note)")
        return x.float() / 255.0
    return x


def _pick(item: dict, keys: tuple[str, ...], what: str):
    for k in keys:
        if k in item:
            return item[k]
    raise InputError(f"a data item is a dict with keys {sorted(item)}; expected one of {', '.join(keys[:4])} "
                     f"for the {what}")


def split_item(item: Any) -> tuple[Any, Any]:
    """``(images, labels)`` of one batch or sample: a pair ``(x, y, ...)`` or a dict with image and label keys.

    Args:
        item: ``(x, y)``, ``[x, y, extra...]`` or ``{"image": x, "label": y}`` (also pixel_values, targets, ...).

    Returns:
        The pair ``(x, y)``.

    Raises:
        InputError: anything else, naming what was found.

    Source: freqlens.

    Example:
        >>> split_item({"pixel_values": 1, "labels": 2})
        (1, 2)
    """
    if isinstance(item, dict):
        return _pick(item, IMAGE_KEYS, "images"), _pick(item, LABEL_KEYS, "labels")
    if isinstance(item, (tuple, list)) and len(item) >= 2:
        return item[0], item[1]
    raise InputError(f"each item of the data must be (images, labels) or a dict with image and label keys, got "
                     f"{type(item).__name__}")


def iterate_batches(data: Any, batch_size: int = 256) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Batches ``(x, y)`` as tensors from a Dataset, DataLoader or iterable of batches.

    Args:
        data: a map-style or iterable ``Dataset`` (read through a DataLoader of ``batch_size``), a DataLoader,
            or any iterable of batches (pairs or dicts).
        batch_size: batch size used for a bare Dataset.

    Returns:
        An iterator of ``(images, labels)`` tensors.

    Raises:
        InputError: items that are not pairs or dicts with image and label keys.

    Source: freqlens.

    Example:
        >>> from torch.utils.data import TensorDataset
        >>> [b[0].shape[0] for b in iterate_batches(TensorDataset(torch.zeros(5, 1, 2, 2), torch.zeros(5)), 2)]
        [2, 2, 1]
    """
    if isinstance(data, (Dataset, IterableDataset)) and not isinstance(data, DataLoader):
        try:
            first = next(iter(data)) if isinstance(data, IterableDataset) else data[0]
        except (IndexError, StopIteration) as exc:
            raise InputError("the dataset is empty") from exc
        split_item(first)  # a clear message before collation fails on an odd item
        data = DataLoader(data, batch_size=batch_size, shuffle=False)
    for batch in data:
        x, y = split_item(batch)
        yield torch.as_tensor(x) if not isinstance(x, torch.Tensor) else x, \
            torch.as_tensor(y) if not isinstance(y, torch.Tensor) else y
