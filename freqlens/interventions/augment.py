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
    """Standard CIFAR augmentation as a batch transform: a random crop after zero padding by ``pad`` pixels on each
    side, and a horizontal flip with probability 1/2, drawn per image.

    Args:
        pad: zero padding in pixels (0: no crop).
        flip: apply random horizontal flips.

    Attributes:
        pad, flip: as given; calling ``(model, x, y)`` with x (N, C, H, W) returns ``(augmented x, y)``, same shapes.

    Raises:
        Nothing of its own.

    Source:
        freqlens (the usual CIFAR-10 training augmentation).

    Example:
        >>> _ = torch.manual_seed(0)
        >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
        >>> out, _ = RandomCropFlip(pad=0, flip=True)(None, x.repeat(8, 1, 1, 1), torch.zeros(8))
        >>> out.shape, all(torch.equal(o, x[0]) or torch.equal(o, x[0].flip(-1)) for o in out)
        (torch.Size([8, 1, 4, 4]), True)
    """

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
    """Gaussian data augmentation: i.i.d. N(0, σ²) noise per pixel with σ ~ U[0, sigma_max] drawn per image, then
    clipped to ``bounds``.

    Args:
        sigma_max: largest noise standard deviation, in input units (e.g. 0.1 for CIFAR-10 in [0, 1]).
        bounds: (low, high) the noisy images are clipped to.

    Attributes:
        sigma_max, bounds: as given; calling ``(model, x, y)`` returns ``(noisy x, y)``.

    Raises:
        InputError: ``sigma_max`` ≤ 0.

    Source:
        Yin et al. 2019 (NeurIPS), Gaussian data augmentation.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> x, _ = GaussianNoiseAugmentation(0.1)(None, torch.full((4, 3, 8, 8), 0.5), torch.zeros(4))
        >>> bool(x.min() >= 0.0 and x.max() <= 1.0), bool((x - 0.5).abs().max() > 0)
        (True, True)
    """

    def __init__(self, sigma_max: float = 0.1, bounds: tuple[float, float] = (0.0, 1.0)):
        self.sigma_max = check_positive(sigma_max, "sigma_max")
        self.bounds = bounds

    def __call__(self, model, x: torch.Tensor, y: torch.Tensor):
        sigma = torch.rand(x.shape[0], 1, 1, 1) * self.sigma_max
        noise = torch.randn(x.shape) * sigma
        return (x + noise.to(x.device)).clamp(*self.bounds), y


class Compose:
    """Apply batch transforms in order, skipping None.

    Args:
        transforms: batch transforms ``(model, x, y) -> (x, y)`` (None entries are dropped).

    Attributes:
        transforms: the list applied; calling ``(model, x, y)`` returns the result of the last one.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> double = lambda model, x, y: (2 * x, y)
        >>> Compose(double, None, double)(None, torch.ones(1), torch.zeros(1))[0].item()
        4.0
    """

    def __init__(self, *transforms: BatchTransform):
        self.transforms = [t for t in transforms if t is not None]

    def __call__(self, model, x, y):
        for t in self.transforms:
            x, y = t(model, x, y)
        return x, y


class FourierFilterTransform:
    """Train on low- or high-pass filtered images: each batch (N, C, H, W) is filtered per channel with the square mask
    of ``bandwidth`` (:func:`freqlens.fourier.filters.filter_mask`: "low" keeps the centred B × B frequencies, "high"
    the outer frame of B frequencies per axis, :func:`~freqlens.fourier.filters.highpass_mask`). Filtered images are
    not clipped
    (high-pass images are ≈ zero-mean), as in :func:`freqlens.probes.filtering.filtered_accuracy`.

    Args:
        kind: "low" or "high" ("full" leaves the images unchanged).
        bandwidth: B, frequencies per axis.

    Attributes:
        kind, bandwidth: as given; calling ``(model, x, y)`` returns ``(filtered x, y)``.

    Raises:
        InputError: an unknown ``kind`` or an invalid ``bandwidth`` (at construction).

    Source:
        Yin et al. 2019 (NeurIPS), Sec. 3 (training on filtered images).

    Example:
        >>> x = torch.rand(2, 3, 8, 8)
        >>> low, _ = FourierFilterTransform("low", 1)(None, x, torch.zeros(2))    # B = 1 keeps only DC
        >>> torch.allclose(low, x.mean((-2, -1), keepdim=True).expand_as(x), atol=1e-6)
        True
    """

    def __init__(self, kind: str, bandwidth: int):
        from freqlens.fourier.filters import filter_mask

        filter_mask(8, 8, kind, bandwidth)  # validates kind and bandwidth (one-line InputError)
        self.kind, self.bandwidth = kind, int(bandwidth)

    def __call__(self, model, x: torch.Tensor, y: torch.Tensor):
        from freqlens.fourier.filters import apply_mask, filter_mask

        return apply_mask(x, filter_mask(x.shape[-2], x.shape[-1], self.kind, self.bandwidth, device=x.device)), y
