"""Input checks shared by every module: one-line errors that name the bad value."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from freqlens.errors import InputError


def as_tensor(value, name: str, dtype: torch.dtype | None = None) -> torch.Tensor:
    """Convert ``value`` (tensor, array, list) to a tensor, refusing non-numeric input with an :class:`InputError`."""
    if isinstance(value, torch.Tensor):
        out = value
    else:
        try:
            out = torch.as_tensor(np.asarray(value))
        except (TypeError, ValueError) as exc:
            raise InputError(f"{name}: expected a tensor or array of numbers, got {type(value).__name__}") from exc
    if dtype is not None:
        out = out.to(dtype)
    return out


def check_finite(t: torch.Tensor, name: str) -> torch.Tensor:
    """Raise if ``t`` holds NaN or infinite values."""
    if t.is_floating_point() or t.is_complex():
        bad = ~torch.isfinite(t)
        if bool(bad.any()):
            raise InputError(f"{name} contains {int(bad.sum())} NaN or infinite value(s); expected finite numbers")
    return t


def check_rank(t: torch.Tensor, name: str, ranks: int | Sequence[int], shape_doc: str) -> torch.Tensor:
    """Raise unless ``t.ndim`` is one of ``ranks``; ``shape_doc`` says what was expected, e.g. ``"(N, C, H, W)"``."""
    allowed = (ranks,) if isinstance(ranks, int) else tuple(ranks)
    if t.ndim not in allowed:
        raise InputError(f"{name} has shape {tuple(t.shape)} (rank {t.ndim}); expected {shape_doc}")
    return t


def check_same_length(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    """Raise unless ``a`` and ``b`` have the same first dimension."""
    if a.shape[0] != b.shape[0]:
        raise InputError(f"{name_a} has {a.shape[0]} samples but {name_b} has {b.shape[0]}; they must match")


def check_number(value, name: str, minimum: float = 0.0, strict: bool = True) -> float:
    """Raise unless ``value`` is a finite number above ``minimum`` (``strict``) or at least ``minimum``."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a number, got {value!r}") from exc
    if not np.isfinite(v) or (v <= minimum if strict else v < minimum):
        raise InputError(f"{name} must be {'>' if strict else '≥'} {minimum:g}, got {value!r}")
    return v


def check_positive(value: float, name: str) -> float:
    """Raise unless ``value`` is a finite number > 0."""
    return check_number(value, name, 0.0, strict=True)


def check_integer(value, name: str, minimum: int = 1) -> int:
    """Raise unless ``value`` is a whole number (not a bool) ≥ ``minimum``; returns it as an ``int``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer)) or int(value) != value \
            or value < minimum:
        raise InputError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value)


def check_bounds(images: torch.Tensor, bounds: tuple[float, float], name: str = "images", tol: float = 1e-6) -> None:
    """Raise if ``images`` leave ``bounds`` (the input space before normalisation, e.g. (0, 1))."""
    lo, hi = bounds
    if lo >= hi:
        raise InputError(f"bounds must be (low, high) with low < high, got {bounds}")
    mn, mx = float(images.min()), float(images.max())
    if mn < lo - tol or mx > hi + tol:
        raise InputError(
            f"{name} range [{mn:.4g}, {mx:.4g}] is outside bounds {tuple(bounds)}; pass images before "
            "normalisation (e.g. in [0, 1]) and give the normalisation as `normalize`"
        )


def check_images(images: torch.Tensor, labels: torch.Tensor | None = None,
                 bounds: tuple[float, float] | None = (0.0, 1.0), name: str = "images") -> None:
    """Check a batch of images (and labels): rank 4, non-empty, floating point, finite, inside ``bounds``; labels
    (N,) non-negative integers of the same length.

    Args:
        images: (N, C, H, W) floating-point tensor. labels: (N,) integer class indices, or None.
        bounds: (low, high) the pixels must lie in (with tolerance 1e-6), or None for no range check.
        name: the argument's name in error messages.

    Returns:
        None.

    Raises:
        InputError: the first violated condition, in one line naming it.

    Source:
        freqlens.

    Example:
        >>> import torch
        >>> check_images(torch.rand(2, 3, 4, 4), torch.tensor([0, 1]))
        >>> check_images(torch.rand(2, 4, 4))
        Traceback (most recent call last):
        ...
        freqlens.errors.InputError: images has shape (2, 4, 4) (rank 3); expected (N, C, H, W)
    """
    check_rank(images, name, 4, "(N, C, H, W)")
    if images.shape[0] == 0:
        raise InputError(f"{name} is empty")
    if not images.is_floating_point():
        raise InputError(f"{name} has dtype {images.dtype}; expected floating point images (e.g. in [0, 1])")
    check_finite(images, name)
    if bounds is not None:
        check_bounds(images, bounds, name)
    if labels is not None:
        check_rank(labels, "labels", 1, "(N,)")
        check_same_length(images, labels, name, "labels")
        if labels.is_floating_point() or int(labels.min()) < 0:
            raise InputError("labels must be non-negative integer class indices")
