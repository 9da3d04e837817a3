"""Batch transforms for :func:`freqlens.train.fit`: crop/flip, Gaussian-noise augmentation, composition.

Each is a callable ``(model, x, y) -> (x, y)`` acting on a batch of images (N, C, H, W) in input space
(before normalisation). Randomness comes from the RNG that ``fit`` seeds per epoch, so training stays
reproducible and resumable.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from freqlens.validation import check_positive

BatchTransform = Callable[[nn.Module, torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


class RandomCropFlip:
    """Random crop with zero padding ``pad`` and horizontal flip with probability 1/2 (standard CIFAR augmentation)."""

    def __init__(self, pad: int = 4, flip: bool = True):
        self.pad, self.flip = int(pad), flip

    def __call__(self, model, x: torch.Tensor, y: torch.Tensor):
        n, _, h, w = x.shape
        if self.pad > 0:
            padded = nn.functional.pad(x, (self.pad,) * 4)
            dy = torch.randint(0, 2 * self.pad + 1, (n,)).tolist()
            dx = torch.randint(0, 2 * self.pad + 1, (n,)).tolist()
            x = torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])
        if self.flip:
            mask = (torch.rand(n) < 0.5).to(x.device)
            x = torch.where(mask.view(-1, 1, 1, 1), x.flip(-1), x)
        return x, y


class GaussianNoiseAugmentation:
    """Add i.i.d. N(0, σ²) noise per pixel with σ ~ U[0, sigma_max] drawn per image, then clip to ``bounds``
    (Yin et al.'s Gaussian data augmentation; σ in [0, 1] pixel units, e.g. 0.1 for CIFAR-10)."""

    def __init__(self, sigma_max: float = 0.1, bounds: tuple[float, float] = (0.0, 1.0)):
        self.sigma_max = check_positive(sigma_max, "sigma_max")
        self.bounds = bounds

    def __call__(self, model, x: torch.Tensor, y: torch.Tensor):
        sigma = torch.rand(x.shape[0], 1, 1, 1) * self.sigma_max
        noise = torch.randn(x.shape) * sigma
        return (x + noise.to(x.device)).clamp(*self.bounds), y


class Compose:
    """Apply batch transforms in order."""

    def __init__(self, *transforms: BatchTransform):
        self.transforms = [t for t in transforms if t is not None]

    def __call__(self, model, x, y):
        for t in self.transforms:
            x, y = t(model, x, y)
        return x, y


class FourierFilterTransform:
    """Train on low- or high-pass filtered images (Yin et al. 2019, low-/high-pass filtering): each batch (N, C, H, W) is filtered
    per channel with a square mask of ``bandwidth`` (:func:`freqlens.fourier.filters.filter_mask`, "low" keeps
    the centred B × B square, "high" the outer frame of B frequencies per axis). Filtered images are not
    clipped (high-pass images are ≈ zero-mean), as in the evaluation by
    :func:`freqlens.probes.filtering.filtered_accuracy`.

    Example::

        >>> fit(model, (x, y), 10, loss="cross_entropy", batch_transform=FourierFilterTransform("high", 15))
    """

    def __init__(self, kind: str, bandwidth: int):
        from freqlens.fourier.filters import filter_mask

        filter_mask(8, 8, kind, bandwidth)  # validates kind and bandwidth (one-line InputError)
        self.kind, self.bandwidth = kind, int(bandwidth)

    def __call__(self, model, x: torch.Tensor, y: torch.Tensor):
        from freqlens.fourier.filters import apply_mask, filter_mask

        return apply_mask(x, filter_mask(x.shape[-2], x.shape[-1], self.kind, self.bandwidth, device=x.device)), y
