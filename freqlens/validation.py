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


def check_number(value, name: str, minimum: float = 0.0, strict: bool = True, hint: str = "") -> float:
    """Raise unless ``value`` is a finite number above ``minimum`` (``strict``) or at least ``minimum``.

    ``hint`` (e.g. ``"an ℓ2 norm per channel, e.g. 4"``) is added to the message in parentheses."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a number, got {value!r}") from exc
    if not np.isfinite(v) or (v <= minimum if strict else v < minimum):
        extra = f" ({hint})" if hint else ""
        raise InputError(f"{name} must be {'>' if strict else '≥'} {minimum:g}{extra}, got {value!r}")
    return v


def check_positive(value: float, name: str, hint: str = "") -> float:
    """Raise unless ``value`` is a finite number > 0 (``hint`` is added to the message)."""
    return check_number(value, name, 0.0, strict=True, hint=hint)


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


def check_choice(value, name: str, choices: Sequence) -> object:
    """Raise unless ``value`` is one of ``choices``; returns it.

    Args:
        value: the value given by the user.
        name: its name in the message.
        choices: the allowed values.

    Returns:
        ``value`` unchanged.

    Raises:
        InputError: naming the allowed values.

    Source: freqlens.

    Example:
        >>> check_choice("low", "kind", ("low", "high"))
        'low'
    """
    if value not in tuple(choices):
        allowed = ", ".join(repr(c) for c in choices)
        raise InputError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def check_nonempty(values, name: str, example: str = "") -> list:
    """Raise if the sequence ``values`` is empty; returns it as a list.

    Args:
        values: any iterable (radii, bandwidths, δ ...).
        name: its name in the message.
        example: a valid value shown in the message, e.g. ``"(3, 7, 15)"``.

    Returns:
        ``list(values)``.

    Raises:
        InputError: when empty.

    Source: freqlens.

    Example:
        >>> check_nonempty((1, 2), "radii")
        [1, 2]
    """
    out = list(values) if values is not None else []
    if not out:
        raise InputError(f"{name} is empty" + (f"; give at least one value, e.g. {example}" if example else ""))
    return out


def check_images(images: torch.Tensor, labels: torch.Tensor | None = None,
                 bounds: tuple[float, float] | None = (0.0, 1.0), name: str = "images") -> None:
    """Check a batch of images (and its labels) before a probe uses it.

    Args:
        images: (N, C, H, W) floating-point images in input space, before normalisation.
        labels: optional (N,) integer class indices ≥ 0 (convert one-hot or other dtypes with
            :func:`check_labels` first).
        bounds: (low, high) the images must lie in, or None to skip the range check.
        name: the images' name in messages.

    Returns:
        None.

    Raises:
        InputError: wrong rank, empty, integer dtype, NaN/inf, out of ``bounds``, or bad labels.

    Source: freqlens.

    Example:
        >>> check_images(torch.rand(2, 1, 4, 4), torch.tensor([0, 1]))
    """
    if not isinstance(images, torch.Tensor):
        raise InputError(f"{name} must be a tensor (N, C, H, W), got {type(images).__name__}")
    check_rank(images, name, 4, "(N, C, H, W)")
    if images.shape[0] == 0:
        raise InputError(f"{name} is empty")
    if not images.is_floating_point():
        raise InputError(f"{name} has dtype {images.dtype}; expected floating point images (e.g. in [0, 1]); "
                         "for uint8 images pass images.float() / 255")
    check_finite(images, name)
    if bounds is not None:
        check_bounds(images, bounds, name)
    if labels is not None:
        check_rank(labels, "labels", 1, "(N,) class indices")
        check_same_length(images, labels, name, "labels")
        if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool \
                or (labels.numel() and int(labels.min()) < 0):
            raise InputError("labels must be non-negative integer class indices")


def check_labels(labels, n: int | None = None, num_classes: int | None = None,
                 name: str = "labels") -> torch.Tensor:
    """Class labels as (N,) int64 indices, from any integer dtype or from one-hot rows.

    Args:
        labels: (N,) integers of any dtype (uint8, int8, int16, int32, int64), or (N, C) one-hot rows
            (integer or floating, exactly one 1 per row). Arrays and lists are accepted.
        n: the number of samples the labels must have (e.g. the number of images), or None.
        num_classes: labels must be < this, or None.
        name: the labels' name in messages.

    Returns:
        (N,) int64 tensor of class indices on the labels' device.

    Raises:
        InputError: floating (N,) labels, negative labels, soft (N, C) labels, wrong length, a label
            ≥ ``num_classes``.

    Source: freqlens.

    Example:
        >>> check_labels(torch.tensor([[0, 1], [1, 0]]))
        tensor([1, 0])
        >>> check_labels(torch.tensor([2, 0], dtype=torch.uint8))
        tensor([2, 0])
    """
    y = as_tensor(labels, name)
    if y.ndim == 2 and y.shape[1] >= 2:
        yf = y.float()
        one_hot = bool(((yf == 0) | (yf == 1)).all()) and bool((yf.sum(1) == 1).all())
        if not one_hot:
            raise InputError(f"{name} has shape {tuple(y.shape)} but its rows are not one-hot (one 1, the rest 0); "
                             "pass class indices (N,), e.g. labels.argmax(1)")
        y = yf.argmax(1)
    elif y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    check_rank(y, name, 1, "(N,) class indices or (N, C) one-hot rows")
    if y.dtype == torch.bool:
        y = y.long()
    if y.is_floating_point() or y.is_complex():
        raise InputError(f"{name} has dtype {y.dtype}; expected integer class indices (pass labels.long())")
    y = y.long()
    if y.numel() and int(y.min()) < 0:
        raise InputError(f"{name} must be non-negative class indices, got minimum {int(y.min())}")
    if n is not None and y.shape[0] != n:
        raise InputError(f"{name} has {y.shape[0]} samples but the images have {n}; they must match")
    if num_classes is not None and y.numel() and int(y.max()) >= num_classes:
        raise InputError(f"{name} contain class {int(y.max())} but num_classes is {num_classes}")
    return y


def check_labels_fit(logits: torch.Tensor, labels: torch.Tensor) -> None:
    """Raise unless every label indexes a column of ``logits`` (N, C).

    Args:
        logits: (N, C) class scores (a single-logit binary model counts as C = 2).
        labels: (N,) int64 class indices.

    Returns:
        None.

    Raises:
        ModelOutputError: a label ≥ C.

    Source: freqlens.

    Example:
        >>> check_labels_fit(torch.zeros(2, 3), torch.tensor([0, 2]))
    """
    from freqlens.errors import ModelOutputError

    if labels.numel() and int(labels.max()) >= logits.shape[1]:
        raise ModelOutputError(f"model outputs {logits.shape[1]} classes but a label is {int(labels.max())}; expected "
                               "(N, classes) logits covering every label (one binary logit counts as 2 classes); "
                               "pass output= to pick the class scores")
