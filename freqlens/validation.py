"""Input checks shared by every module: one-line errors that name the bad value."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from freqlens.errors import InputError


def as_tensor(value, name: str, dtype: torch.dtype | None = None) -> torch.Tensor:
    """Convert ``value`` (tensor, array, list) to a tensor, refusing non-numeric input with an :class:`InputError`.

    Args:
        value: a tensor (returned as is, no copy), a NumPy array or a (nested) list of numbers, any shape.
        name: the value's name in the message.
        dtype: if given, the result is cast to it.

    Returns:
        A tensor of the same shape as ``value``.

    Raises:
        InputError: ``value`` cannot be read as an array of numbers (e.g. a string or a dict).

    Source: freqlens.

    Example:
        >>> as_tensor([[1, 2], [3, 4]], "x", torch.float32)
        tensor([[1., 2.],
                [3., 4.]])
    """
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
    """Raise if ``t`` holds NaN or infinite values (integer tensors always pass).

    Args:
        t: any tensor, any shape.
        name: its name in the message.

    Returns:
        ``t`` unchanged.

    Raises:
        InputError: counting the NaN or infinite entries.

    Source: freqlens.

    Example:
        >>> check_finite(torch.tensor([float("nan"), 1.0]), "x")
        Traceback (most recent call last):
        ...
        freqlens.errors.InputError: x contains 1 NaN or infinite value(s); expected finite numbers
    """
    if t.is_floating_point() or t.is_complex():
        bad = ~torch.isfinite(t)
        if bool(bad.any()):
            raise InputError(f"{name} contains {int(bad.sum())} NaN or infinite value(s); expected finite numbers")
    return t


def check_rank(t: torch.Tensor, name: str, ranks: int | Sequence[int], shape_doc: str) -> torch.Tensor:
    """Raise unless ``t.ndim`` is one of ``ranks``.

    Args:
        t: any tensor.
        name: its name in the message.
        ranks: the allowed number(s) of dimensions.
        shape_doc: what was expected, for the message, e.g. ``"(N, C, H, W)"``.

    Returns:
        ``t`` unchanged.

    Raises:
        InputError: giving the shape found and ``shape_doc``.

    Source: freqlens.

    Example:
        >>> check_rank(torch.zeros(2, 3), "images", 4, "(N, C, H, W)")
        Traceback (most recent call last):
        ...
        freqlens.errors.InputError: images has shape (2, 3) (rank 2); expected (N, C, H, W)
    """
    allowed = (ranks,) if isinstance(ranks, int) else tuple(ranks)
    if t.ndim not in allowed:
        raise InputError(f"{name} has shape {tuple(t.shape)} (rank {t.ndim}); expected {shape_doc}")
    return t


def check_same_length(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    """Raise unless ``a`` and ``b`` have the same first dimension (number of samples).

    Args:
        a: (N, ...) tensor.
        b: (M, ...) tensor.
        name_a: ``a``'s name in the message.
        name_b: ``b``'s name in the message.

    Returns:
        None.

    Raises:
        InputError: N ≠ M.

    Source: freqlens.

    Example:
        >>> check_same_length(torch.zeros(3, 2), torch.zeros(4), "images", "labels")
        Traceback (most recent call last):
        ...
        freqlens.errors.InputError: images has 3 samples but labels has 4; they must match
    """
    if a.shape[0] != b.shape[0]:
        raise InputError(f"{name_a} has {a.shape[0]} samples but {name_b} has {b.shape[0]}; they must match")


def check_number(value, name: str, minimum: float = 0.0, strict: bool = True, hint: str = "") -> float:
    """Raise unless ``value`` is a finite number above ``minimum`` (``strict``) or at least ``minimum``.

    Args:
        value: anything ``float()`` accepts (int, float, 0-d tensor, numeric string).
        name: its name in the message.
        minimum: the lower limit.
        strict: True requires ``value > minimum``, False ``value ≥ minimum``.
        hint: added to the message in parentheses, e.g. ``"an ℓ2 norm per channel, e.g. 4"``.

    Returns:
        ``float(value)``.

    Raises:
        InputError: not a number, NaN/infinite, or below the limit.

    Source: freqlens.

    Example:
        >>> check_number(0.5, "eps")
        0.5
        >>> check_number(-1, "eps", hint="in [0, 1] pixel units")
        Traceback (most recent call last):
        ...
        freqlens.errors.InputError: eps must be > 0 (in [0, 1] pixel units), got -1
    """
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a number, got {value!r}") from exc
    if not np.isfinite(v) or (v <= minimum if strict else v < minimum):
        extra = f" ({hint})" if hint else ""
        raise InputError(f"{name} must be {'>' if strict else '≥'} {minimum:g}{extra}, got {value!r}")
    return v


def check_positive(value: float, name: str, hint: str = "") -> float:
    """Raise unless ``value`` is a finite number > 0.

    Args:
        value: the number to check.
        name: its name in the message.
        hint: added to the message in parentheses.

    Returns:
        ``float(value)``.

    Raises:
        InputError: not a finite number > 0.

    Source: freqlens.

    Example:
        >>> check_positive(3, "radius")
        3.0
    """
    return check_number(value, name, 0.0, strict=True, hint=hint)


def check_integer(value, name: str, minimum: int = 1) -> int:
    """Raise unless ``value`` is a whole number (not a bool) ≥ ``minimum``.

    Args:
        value: an int, a NumPy integer or a float with no fractional part.
        name: its name in the message.
        minimum: the smallest allowed value.

    Returns:
        ``int(value)``.

    Raises:
        InputError: a bool, a non-number, a fractional number or a value below ``minimum``.

    Source: freqlens.

    Example:
        >>> check_integer(4.0, "steps")
        4
        >>> check_integer(0, "steps")
        Traceback (most recent call last):
        ...
        freqlens.errors.InputError: steps must be an integer ≥ 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer)) or int(value) != value \
            or value < minimum:
        raise InputError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value)


def check_bounds(images: torch.Tensor, bounds: tuple[float, float], name: str = "images", tol: float = 1e-6) -> None:
    """Raise if ``images`` leave ``bounds`` (the input space before normalisation, e.g. (0, 1)).

    Args:
        images: any tensor of pixel values, any shape.
        bounds: (low, high) with low < high, in pixel units.
        name: its name in the message.
        tol: values up to ``tol`` outside the bounds are accepted (rounding).

    Returns:
        None.

    Raises:
        InputError: low ≥ high, or the images' range leaves the bounds (the message suggests passing images
            before normalisation).

    Source: freqlens.

    Example:
        >>> check_bounds(torch.rand(2, 1, 4, 4), (0.0, 1.0))
        >>> check_bounds(torch.full((1, 4), 2.0), (0.0, 1.0))
        Traceback (most recent call last):
        ...
        freqlens.errors.InputError: images range [2, 2] is outside bounds (0.0, 1.0); ...
    """
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
