"""Model wrappers: per-channel normalisation inside the model, so probes perturb images in [0, 1]."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class Normalize(nn.Module):
    """``(x − mean) / std`` per channel, as a module, so a model can take images in [0, 1].

    Args:
        mean: C per-channel means (input units).
        std: C per-channel standard deviations (> 0).

    Attributes:
        mean, std: (1, C, 1, 1) float32 buffers (moved with the model, cast to the input's dtype on use).
        ``forward`` maps (N, C, H, W) to the same shape.

    Raises:
        Nothing at construction; mismatched channels fail in torch's broadcasting.

    Source: freqlens.

    Example:
        >>> Normalize([0.5], [0.25])(torch.ones(1, 1, 2, 2)).flatten().tolist()
        [2.0, 2.0, 2.0, 2.0]
    """

    transforms_input = True
    """Marks a module that prepares the input for the model after it (normalisation already inside)."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean.to(x.dtype)) / self.std.to(x.dtype)


def with_normalization(model: nn.Module, mean: Sequence[float], std: Sequence[float]) -> nn.Sequential:
    """``nn.Sequential(Normalize(mean, std), model)``: a model that takes images in [0, 1].

    Args:
        model: a model expecting normalised inputs.
        mean: C per-channel means.
        std: C per-channel standard deviations.

    Returns:
        The wrapped model (``[0]`` is the :class:`Normalize`, ``[1]`` the model).

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> net = with_normalization(nn.Identity(), [0.5], [0.5])
        >>> net(torch.zeros(1, 1, 1, 1)).item()
        -1.0
    """
    return nn.Sequential(Normalize(mean, std), model)


class InputTransform(nn.Module):
    """An ``nn.Module`` around a callable applied to the input (e.g. a user's ``normalize`` function).

    Args:
        transform: a callable tensor → tensor.

    Attributes:
        transform: the callable; ``forward(x)`` returns ``transform(x)``.

    Raises:
        Nothing at construction.

    Source: freqlens.

    Example:
        >>> InputTransform(lambda x: 2 * x)(torch.ones(2)).tolist()
        [2.0, 2.0]
    """

    transforms_input = True
    """Marks a module that prepares the input for the model after it (normalisation already inside)."""

    def __init__(self, transform):
        super().__init__()
        self.transform = transform

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.transform(x)


def with_input_transform(model: nn.Module, transform) -> nn.Module:
    """``model`` applied after ``transform``; ``model`` itself when ``transform`` is None.

    For code that only takes a model, given a probe's ``normalize=`` argument:
    ``with_input_transform(model, normalize)(x) == model(normalize(x))``.

    Args:
        model: the network.
        transform: None, a module, a callable, or a (mean, std) pair (resolved by
            :func:`freqlens.normalization.resolve_normalize`).

    Returns:
        ``model`` or ``nn.Sequential(transform, model)``.

    Raises:
        InputError: a ``transform`` that cannot be resolved (see ``resolve_normalize``).

    Source: freqlens.

    Example:
        >>> net = with_input_transform(nn.Identity(), lambda x: x + 1)
        >>> net(torch.zeros(2)).tolist(), with_input_transform(nn.Identity(), None)
        ([1.0, 1.0], Identity())
    """
    from freqlens.normalization import resolve_normalize

    transform = resolve_normalize(transform, model)
    if transform is None:
        return model
    return nn.Sequential(transform if isinstance(transform, nn.Module) else InputTransform(transform), model)

