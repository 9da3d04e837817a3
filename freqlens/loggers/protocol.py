"""The protocol every freqlens logger follows, an in-memory logger, and :func:`log_result`.

Keys are flat and slash-namespaced (``fprinciple/e_low/delta=3``); every call carries an explicit ``step``.
Images go in as arrays (a heat map's values), never as matplotlib objects.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Protocol, runtime_checkable

import numpy as np

from freqlens.errors import InputError


@runtime_checkable
class Logger(Protocol):
    """Anything with these two methods can receive freqlens diagnostics (TensorBoard, MLflow, your own).

    A ``typing.Protocol`` checked at run time: ``isinstance(obj, Logger)`` is True when both methods exist.

    Args:
        (none): a protocol, not instantiated.

    Attributes:
        log_scalars(values, step): record ``{key: float}`` at ``step`` (keys slash-namespaced).
        log_image(key, array, step): record (H, W) values (a heat map) or (H, W, 3) RGB in [0, 1].

    Raises:
        Nothing by itself.

    Source: freqlens.

    Example:
        >>> isinstance(MemoryLogger(), Logger), isinstance(object(), Logger)
        (True, False)
    """

    def log_scalars(self, values: dict[str, float], step: int) -> None:
        """Record ``{key: value}`` at ``step`` (keys slash-namespaced, values plain floats)."""

    def log_image(self, key: str, array: np.ndarray, step: int) -> None:
        """Record an image: (H, W) values (a heat map) or (H, W, 3) RGB in [0, 1]."""


def check_image_array(key: str, array) -> np.ndarray:
    """``array`` as a float (H, W) or (H, W, 3) NumPy array (an (H, W, 1) array is accepted too).

    Args:
        key: the image's key, for the message.
        array: array-like.

    Returns:
        The float64 array.

    Raises:
        InputError: another shape, naming ``key``.

    Source: freqlens.

    Example:
        >>> check_image_array("heatmap/error", np.zeros(4))
        Traceback (most recent call last):
        ...
        freqlens.errors.InputError: image 'heatmap/error' has shape (4,); pass (H, W) values or (H, W, 3) RGB
    """
    arr = np.asarray(array, dtype=float)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (1, 3)):
        raise InputError(f"image {key!r} has shape {arr.shape}; pass (H, W) values or (H, W, 3) RGB")
    return arr


def to_unit_range(array: np.ndarray) -> np.ndarray:
    """Values scaled to [0, 1] by their finite min and max; NaN/infinite cells and constant maps become 0.

    Args:
        array: array-like, any shape.

    Returns:
        float64 array of the same shape.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> to_unit_range([2.0, 4.0, float("nan"), 3.0]).tolist()
        [0.0, 1.0, 0.0, 0.5]
    """
    arr = np.asarray(array, dtype=float)
    finite = np.isfinite(arr)
    if not finite.any():
        return np.zeros_like(arr)
    lo, hi = float(arr[finite].min()), float(arr[finite].max())
    out = np.where(finite, arr - lo, 0.0)
    return out / (hi - lo) if hi > lo else np.zeros_like(arr)


class MemoryLogger:
    """A :class:`Logger` that keeps everything in lists (for tests and notebooks).

    Args:
        (none).

    Attributes:
        scalars: ``[(step, key, value), ...]``.
        images: ``[(step, key, array), ...]`` (arrays checked by :func:`check_image_array`).
        series(key): ``[(step, value), ...]`` of one key.

    Raises:
        InputError: from ``log_image``, on an array that is not (H, W) or (H, W, 3).

    Source: freqlens.

    Example:
        >>> log = MemoryLogger()
        >>> log.log_scalars({"fprinciple/e_low": 0.5}, step=3)
        >>> log.scalars, log.series("fprinciple/e_low")
        ([(3, 'fprinciple/e_low', 0.5)], [(3, 0.5)])
    """

    def __init__(self) -> None:
        self.scalars: list[tuple[int, str, float]] = []
        self.images: list[tuple[int, str, np.ndarray]] = []

    def log_scalars(self, values: dict[str, float], step: int) -> None:
        for k, v in values.items():
            self.scalars.append((int(step), str(k), float(v)))

    def log_image(self, key: str, array: np.ndarray, step: int) -> None:
        self.images.append((int(step), str(key), check_image_array(key, array)))

    def series(self, key: str) -> list[tuple[int, float]]:
        """``[(step, value), ...]`` of one key."""
        return [(s, v) for s, k, v in self.scalars if k == key]


def log_result(logger: Logger, result, step: int = 0, prefix: str = "") -> None:
    """Log a result's numbers: its finite float/int fields as scalars, its 2-D array fields as images.

    Args:
        logger: any :class:`Logger`.
        result: a :class:`freqlens.results.Result` (e.g. a :class:`~freqlens.probes.heatmap.HeatmapResult`:
            its map (H, W) becomes the image ``<prefix><quantity>`` — ``heatmap/error``, ``heatmap/loss``,
            ``heatmap/feature_change/<layer>``, per-class maps ``.../class<k>`` — and ``clean_error`` a scalar).
            A result with a ``logged_arrays()`` method names its own images; otherwise every 2-D array field is
            one image named after the field.
        step: the step both are logged at.
        prefix: prepended to every key (e.g. ``"heatmap/"``).

    Returns:
        None.

    Raises:
        InputError: ``result`` is not a dataclass.

    Source:
        freqlens.

    Example:
        >>> from freqlens.probes.heatmap import HeatmapResult
        >>> log = MemoryLogger()
        >>> res = HeatmapResult(error=np.zeros((4, 4)), eps=4.0, n_images=2, clean_error=0.0, bounds=None, seed=0)
        >>> log_result(log, res, step=1, prefix="heatmap/")
        >>> [k for _, k, _ in log.images], sorted(k for _, k, _ in log.scalars)[:2]
        (['heatmap/error'], ['heatmap/clean_error', 'heatmap/eps'])
    """
    if not dataclasses.is_dataclass(result):
        raise InputError(f"log_result needs a freqlens Result (a dataclass), got {type(result).__name__}")
    scalars = {}
    own = getattr(result, "logged_arrays", None)      # a result may name its maps (a heat map: by quantity)
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)) and math.isfinite(float(value)):
            scalars[prefix + f.name] = float(value)
        elif own is None and isinstance(value, np.ndarray) and value.ndim == 2 and value.size > 1:
            logger.log_image(prefix + f.name, value, step)
    if own is not None:
        for key, value in own().items():
            logger.log_image(prefix + key, value, step)
    if scalars:
        logger.log_scalars(scalars, step)
