"""Model wrappers: per-channel normalisation inside the model, so probes perturb images in [0, 1]."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


class Normalize(nn.Module):
    """``(x − mean) / std`` per channel. Shapes: x (N, C, H, W); mean, std length C.

    Example::

        >>> model = nn.Sequential(Normalize(CIFAR10_MEAN, CIFAR10_STD), SmallCNN())
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float]):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean.to(x.dtype)) / self.std.to(x.dtype)


def with_normalization(model: nn.Module, mean: Sequence[float], std: Sequence[float]) -> nn.Sequential:
    """``nn.Sequential(Normalize(mean, std), model)``: a model that takes images in [0, 1]."""
    return nn.Sequential(Normalize(mean, std), model)


class InputTransform(nn.Module):
    """An ``nn.Module`` around a callable applied to the input (e.g. a user's ``normalize`` function)."""

    def __init__(self, transform):
        super().__init__()
        self.transform = transform

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.transform(x)


def with_input_transform(model: nn.Module, transform) -> nn.Module:
    """``model`` applied after ``transform`` (a module or a callable); ``model`` itself when ``transform`` is None.

    For code that only takes a model, given a probe's ``normalize=`` argument:
    ``with_input_transform(model, normalize)(x) == model(normalize(x))``."""
    from freqlens.normalization import resolve_normalize

    transform = resolve_normalize(transform, model)
    if transform is None:
        return model
    return nn.Sequential(transform if isinstance(transform, nn.Module) else InputTransform(transform), model)

