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
from freqlens.inference import OutputSelector, forward_logits, gather
from freqlens.normalization import NormalizeArg
from freqlens.results import Result
from freqlens.validation import check_images, check_integer, check_labels_fit, check_nonempty, check_rank


@dataclass
class FilteredAccuracy(Result):
    """Accuracy on low- and high-pass filtered test images per bandwidth, one list per filter kind.

    Args:
        bandwidths: bandwidths B (frequencies kept per axis).
        accuracy: kind ("low", "high") → accuracy in [0, 1] per bandwidth.
        clean_accuracy: accuracy on the unfiltered images.
        n_images: images evaluated.
        label: model name for plots.

    Attributes:
        The arguments; :meth:`plot` draws :func:`~freqlens.plot.robustness.plot_filtering`.

    Raises:
        Nothing of its own.

    Source:
        Yin et al. 2019 (NeurIPS), Sec. 3.

    Example:
        >>> r = FilteredAccuracy(bandwidths=[3, 31], accuracy={"low": [0.2, 0.9]}, clean_accuracy=0.9, n_images=8)
        >>> r.accuracy["low"][-1] == r.clean_accuracy
        True
    """

    bandwidths: list
    accuracy: dict = field(default_factory=dict)   # kind -> [accuracy per bandwidth]
    clean_accuracy: float = float("nan")
    n_images: int = 0
    label: str = ""

    def plot(self, ax=None):
        from freqlens.plot.robustness import plot_filtering

        return plot_filtering(self, ax=ax)


def filter_images(images: torch.Tensor, kind: str, bandwidth: int,
                  spectrum: torch.Tensor | None = None) -> torch.Tensor:
    """Low- ("low") or high-pass ("high") filter images per channel with a square mask; not clipped.

    Args:
        images: (N, C, H, W) images.
        kind: "low" (the centred B × B frequencies), "high" (the outer frame of B frequencies per axis) or "full".
        bandwidth: B, frequencies per axis.
        spectrum: ``fourier.filters.image_spectrum(images)``, to filter the same images several times with one FFT.

    Returns:
        (N, C, H, W) filtered images, same dtype and device (high-pass images are ≈ zero-mean).

    Raises:
        InputError: images that are not 4-D, an unknown ``kind`` or an invalid ``bandwidth``.

    Source:
        Yin et al. 2019 (NeurIPS), Sec. 3 (low- and high-pass filtering).

    Example:
        >>> x = torch.rand(2, 3, 32, 32)
        >>> hp = filter_images(x, "high", 15)   # keeps |f_u| ≥ 9 or |f_v| ≥ 9 on 32 × 32 images
        >>> hp.shape, abs(float(hp.mean())) < 1e-5, torch.allclose(filter_images(x, "low", 32), x, atol=1e-5)
        (torch.Size([2, 3, 32, 32]), True, True)
    """
    check_rank(images, "images", 4, "(N, C, H, W)")
    mask = filter_mask(images.shape[-2], images.shape[-1], kind, bandwidth, device=images.device)
    return apply_mask(images, mask, spectrum)


def filtered_accuracy(model: nn.Module, images, labels: torch.Tensor | None = None,
                      bandwidths: Sequence[int] = (3, 7, 11, 15, 23, 31), kinds: Sequence[str] = ("low", "high"),
                      bounds: tuple[float, float] | None = (0.0, 1.0), normalize: NormalizeArg = None,
                      max_batch: int | None = None, limit: int | None = None, progress: bool = True,
                      label: str = "", output: OutputSelector = None, amp: bool | str = False,
                      memory_budget: str | int | None = None, channels_last: bool = False,
                      compile: bool = False) -> FilteredAccuracy:
    """Top-1 accuracy of ``model`` on images (N, C, H, W) filtered by each kind × bandwidth.

    Images are filtered one batch at a time (one FFT per batch, shared by every kind and bandwidth), so memory
    is bounded by the batch, not by N.

    Args:
        images: (N, C, H, W) within ``bounds``, or a DataLoader/Dataset (gathered; ``limit`` keeps the first).
        labels: (N,) class indices.
        bandwidths: square low-/high-pass half-widths in cycles per image; kinds: "low", "high".
        normalize: a callable or a (mean, std) pair applied right before the model.
        output: picks the class scores from the model's output (a dict key, a tuple index or a callable;
            :func:`freqlens.inference.select_output`). A single binary logit predicts class 1 where it is > 0.
        amp: run the model under :func:`torch.autocast` (True, "bf16", "fp16").
        max_batch: images per forward pass; default (None): the largest that fits ``memory_budget``, then the
            fastest of a few sizes timed on the first chunks (:func:`freqlens.batching.run_chunked`); halved on
            CUDA out-of-memory. The accuracies do not depend on it.
        memory_budget: bytes (or "2G") one batch may use; default a fraction of the free RAM / GPU memory.
        channels_last: run with channels-last weights and inputs (the user's model is restored afterwards).
        compile: call the model through ``torch.compile`` (eager fallback with a notice when it fails).
        progress: a progress bar, and the forward-pass count with an ETA after the first chunk.

    Returns:
        :class:`FilteredAccuracy`: one accuracy in [0, 1] per kind and bandwidth, and the clean accuracy.

    Raises:
        InputError: bad images, labels or bandwidths (one line).

    Source: Yin et al. 2019, Sec. 4 (accuracy on low-/high-pass filtered images).

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 2))
        >>> res = filtered_accuracy(net, torch.rand(6, 3, 8, 8), torch.tensor([0, 1] * 3), bandwidths=[1, 3],
        ...                         progress=False)
        >>> len(res.accuracy["low"]), res.n_images
        (2, 6)
    """
    from freqlens.acceleration import accelerated, as_input_format
    from freqlens.batching import RunAnnouncer, default_max_batch, run_chunked

    x, y = gather(images, labels, limit)
    check_images(x, y, bounds)
    bandwidths = check_nonempty(bandwidths, "bandwidths", "(3, 7, 15, 31)")
    if max_batch is not None:
        max_batch = check_integer(max_batch, "max_batch")
    dev = model_device(model)
    jobs = [(k, int(b)) for k in kinds for b in bandwidths]
    n = x.shape[0]
    correct = {job: 0 for job in jobs}
    clean = 0

    with eval_mode(model), accelerated(model, channels_last, compile) as net, torch.inference_mode():
        def hits(batch: torch.Tensor, yb: torch.Tensor) -> int:
            batch = as_input_format(batch, channels_last)
            return int((forward_logits(net, batch, normalize, output=output, amp=amp).argmax(1) == yb).sum())

        check_labels_fit(forward_logits(model, x[:2].to(dev), normalize, output=output, amp=amp), y)
        # the batch, its complex spectrum (2 floats per value) and a filtered copy
        limit_batch = max_batch or default_max_batch(model, x[:1].to(dev), memory_budget, input_copies=6,
                                                     run=lambda t: forward_logits(model, t, normalize, output=output,
                                                                                  amp=amp))
        bar = tqdm(total=len(jobs) * n, desc="filtered accuracy", disable=not progress, leave=False)

        def work(start: int, size: int):
            xb, yb = x[start:start + size].to(dev), y[start:start + size].to(dev)
            got = {"clean": hits(xb, yb)}
            spectrum = image_spectrum(xb)  # one FFT for every kind and bandwidth
            for job in jobs:
                got[job] = hits(filter_images(xb, job[0], job[1], spectrum), yb)
            return xb.shape[0], got

        def commit(start: int, count: int, got: dict) -> None:
            nonlocal clean
            clean += got.pop("clean")
            for job, v in got.items():
                correct[job] += v
            bar.update(count * len(jobs))

        run_chunked(n, work, commit, limit_batch, fixed=max_batch, passes_per_item=1 + len(jobs),
                    announcer=RunAnnouncer("filtered accuracy", n * (1 + len(jobs)), enabled=progress))
        bar.close()
    acc: dict[str, list[float]] = {}
    for kind, b in jobs:
        acc.setdefault(kind, []).append(correct[(kind, b)] / n)
    return FilteredAccuracy(bandwidths=[int(b) for b in bandwidths], accuracy=acc, clean_accuracy=clean / n,
                            n_images=int(n), label=label)


__all__ = ["FilteredAccuracy", "filter_images", "filtered_accuracy"]
