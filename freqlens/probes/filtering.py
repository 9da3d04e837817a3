"""Accuracy of a classifier on low-/high-pass filtered images (Yin et al. 2019, low-/high-pass filtering).

Filters are the square masks of :mod:`freqlens.fourier.filters`: low-pass bandwidth B keeps the centred B × B
square of frequencies; high-pass bandwidth B keeps the outer frame of B frequencies per axis (our
"HP-frame" reading). Filtered images are *not* clipped (high-pass images are ≈ zero-mean); ``normalize`` is
applied afterwards, right before the model.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.device import eval_mode, model_device
from freqlens.fourier.filters import apply_mask, filter_mask, image_spectrum
from freqlens.inference import NormalizeArg, OutputSelector, accuracy, forward_logits, gather
from freqlens.results import Result
from freqlens.validation import check_images, check_labels_fit, check_nonempty, check_rank


@dataclass
class FilteredAccuracy(Result):
    """Accuracy (fraction in [0, 1]) on filtered test images per bandwidth, one list per filter kind."""

    bandwidths: list
    accuracy: dict = field(default_factory=dict)   # kind -> [accuracy per bandwidth]
    clean_accuracy: float = float("nan")
    n_images: int = 0
    label: str = ""

    def plot(self, ax=None):
        from freqlens.plot.robustness import plot_filtering

        return plot_filtering(self, ax=ax)


def filter_images(images: torch.Tensor, kind: str, bandwidth: int, spectrum: torch.Tensor | None = None) -> torch.Tensor:
    """Low- ("low") or high-pass ("high") filter images (N, C, H, W) per channel with a square mask; not clipped.

    Example::

        >>> hp = filter_images(x, "high", 15)   # keeps |f_u| ≥ 9 or |f_v| ≥ 9 on 32 × 32 images

    ``spectrum``: ``fourier.filters.image_spectrum(images)``, to filter the same images several times with one FFT.
    """
    check_rank(images, "images", 4, "(N, C, H, W)")
    mask = filter_mask(images.shape[-2], images.shape[-1], kind, bandwidth, device=images.device)
    return apply_mask(images, mask, spectrum)


def filtered_accuracy(model: nn.Module, images, labels: torch.Tensor | None = None,
                      bandwidths: Sequence[int] = (3, 7, 11, 15, 23, 31), kinds: Sequence[str] = ("low", "high"),
                      bounds: tuple[float, float] | None = (0.0, 1.0), normalize: NormalizeArg = None,
                      max_batch: int = 1024, limit: int | None = None, progress: bool = True,
                      label: str = "", output: OutputSelector = None, amp: bool = False) -> FilteredAccuracy:
    """Top-1 accuracy of ``model`` on images (N, C, H, W) filtered by each kind × bandwidth.

    Args:
        normalize: a callable or a (mean, std) pair applied right before the model.
        output: picks the class scores from the model's output (a dict key, a tuple index or a callable;
            :func:`freqlens.inference.select_output`). A single binary logit predicts class 1 where it is > 0.
        amp: run the model under :func:`torch.autocast`.

    Example::

        >>> res = filtered_accuracy(model, x_test, y_test, bandwidths=[3, 7, 15, 31])
        >>> res.accuracy["high"]   # one accuracy per bandwidth
    """
    x, y = gather(images, labels, limit)
    check_images(x, y, bounds)
    bandwidths = check_nonempty(bandwidths, "bandwidths", "(3, 7, 15, 31)")
    dev = model_device(model)
    x = x.to(dev)
    with eval_mode(model), torch.inference_mode():
        check_labels_fit(forward_logits(model, x[:2], normalize, output=output, amp=amp), y)
    clean = accuracy(model, x, y, normalize=normalize, batch_size=max_batch, output=output, amp=amp)
    acc: dict[str, list[float]] = {}
    jobs = [(k, int(b)) for k in kinds for b in bandwidths]
    spectrum = image_spectrum(x)  # one FFT for every kind and bandwidth
    for kind, b in tqdm(jobs, desc="filtered accuracy", disable=not progress, leave=False):
        xf = filter_images(x, kind, b, spectrum)
        acc.setdefault(kind, []).append(accuracy(model, xf, y, normalize=normalize,
                                                        batch_size=max_batch, output=output, amp=amp))
    return FilteredAccuracy(bandwidths=[int(b) for b in bandwidths], accuracy=acc, clean_accuracy=clean,
                           n_images=int(x.shape[0]), label=label)


__all__ = ["FilteredAccuracy", "filter_images", "filtered_accuracy"]
