"""Robustness to band-limited Gaussian noise (Yin et al. 2019, band-limited Gaussian noise).

Noise n ~ N(0, 1) per pixel and channel is low- or high-pass filtered with a square mask of bandwidth B
(:mod:`freqlens.fourier.filters`), rescaled to ℓ2 norm ``norm`` per channel (8 for CIFAR-10; ``per_channel=
False`` reads it as a whole-image norm), added in input space, clipped to ``bounds``, then ``normalize``d.
One fresh draw per image from a generator seeded by (seed, kind, bandwidth), so results do not depend on
``max_batch`` or on the device.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.device import eval_mode, model_device
from freqlens.fourier.filters import filtered_noise
from freqlens.inference import NormalizeArg, OutputSelector, forward_logits, gather
from freqlens.results import Result
from freqlens.validation import check_images, check_labels_fit, check_nonempty, check_positive

_KIND_CODE = {"low": 1, "high": 2, "full": 3}


@dataclass
class BandNoiseResult(Result):
    """Error rate (%) under band-limited noise: ``error[kind][i]`` for ``bandwidths[i]``; "full" is unfiltered."""

    bandwidths: list
    error: dict = field(default_factory=dict)
    full_error: float = float("nan")
    clean_error: float = float("nan")
    norm: float = 8.0
    per_channel: bool = True
    n_images: int = 0
    seed: int = 0
    label: str = ""

    def plot(self, ax=None):
        from freqlens.plot.robustness import plot_band_noise

        return plot_band_noise([self], ax=ax)


def _errors(model, x, y, normalize, max_batch, output=None, amp=False) -> int:
    wrong = 0
    for i in range(0, x.shape[0], max_batch):
        logits = forward_logits(model, x[i:i + max_batch], normalize, output=output, amp=amp)
        wrong += int((logits.argmax(1) != y[i:i + max_batch]).sum())
    return wrong


def bandlimited_noise_error(model: nn.Module, images, labels: torch.Tensor | None = None,
                            bandwidths: Sequence[int] = tuple(range(1, 32, 2)), kinds: Sequence[str] = ("low", "high"),
                            norm: float = 8.0, per_channel: bool = True, bounds: tuple[float, float] | None = (0.0, 1.0),
                            normalize: NormalizeArg = None, seed: int = 0, max_batch: int = 1024, limit: int | None = None,
                            progress: bool = True, label: str = "", output: OutputSelector = None,
                            amp: bool = False) -> BandNoiseResult:
    """Error rate (%) of ``model`` on images (N, C, H, W) plus band-limited Gaussian noise of ℓ2 norm ``norm``.

    Args:
        normalize: a callable or a (mean, std) pair applied right before the model.
        output: picks the class scores from the model's output (a dict key, a tuple index or a callable;
            :func:`freqlens.inference.select_output`). A single binary logit predicts class 1 where it is > 0.
        amp: run the model under :func:`torch.autocast`.

    Example::

        >>> res = bandlimited_noise_error(model, x_test, y_test, bandwidths=[3, 7, 15, 31])
        >>> res.error["high"][0] - res.error["low"][0]   # natural models: large
    """
    x, y = gather(images, labels, limit)
    check_images(x, y, bounds)
    check_positive(norm, "norm")
    bandwidths = check_nonempty(bandwidths, "bandwidths", "(1, 3, 7, 15, 31)")
    dev = model_device(model)
    x, y = x.to(dev), y.to(dev)
    n = x.shape[0]
    out: dict[str, list[float]] = {}
    with eval_mode(model), torch.inference_mode():
        check_labels_fit(forward_logits(model, x[:2], normalize, output=output, amp=amp), y)
        clean = 100.0 * _errors(model, x, y, normalize, max_batch, output, amp) / n
        jobs = [(k, int(b)) for k in kinds for b in bandwidths] + [("full", 0)]
        for kind, b in tqdm(jobs, desc="band-limited noise", disable=not progress, leave=False):
            g = torch.Generator().manual_seed(int(seed) * 1009 + _KIND_CODE.get(kind, 0) * 101 + b)
            noise = filtered_noise(tuple(x.shape), kind, b if kind != "full" else None, norm, per_channel,
                                   generator=g).to(dev)
            xn = x + noise
            if bounds is not None:
                xn = xn.clamp(*bounds)
            err = 100.0 * _errors(model, xn, y, normalize, max_batch, output, amp) / n
            out.setdefault(kind, []).append(err)
    full = out.pop("full")[0]
    return BandNoiseResult(bandwidths=[int(b) for b in bandwidths], error=out, full_error=full, clean_error=clean,
                           norm=float(norm), per_channel=bool(per_channel), n_images=n, seed=int(seed), label=label)


__all__ = ["BandNoiseResult", "bandlimited_noise_error"]
