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
from freqlens.inference import OutputSelector, forward_logits, gather
from freqlens.normalization import NormalizeArg
from freqlens.results import Result
from freqlens.validation import check_images, check_integer, check_labels_fit, check_nonempty, check_positive

_KIND_CODE = {"low": 1, "high": 2, "full": 3}


@dataclass
class BandNoiseResult(Result):
    """Error rate (%) under band-limited Gaussian noise: ``error[kind][i]`` for ``bandwidths[i]``, kind "low" or "high".

    Args:
        bandwidths: noise bandwidths B (frequencies per axis).
        error: kind → error (%) per bandwidth.
        full_error: error (%) under unfiltered noise of the same norm.
        clean_error: error (%) on the clean images.
        norm: ℓ2 norm of the noise (input units), per channel or per image.
        per_channel: whether ``norm`` is per channel (else per image).
        n_images: images evaluated.
        seed: noise seed.
        label: model name for plots.

    Attributes:
        The arguments; :meth:`plot` draws :func:`~freqlens.plot.robustness.plot_band_noise`.

    Raises:
        Nothing of its own.

    Source:
        Yin et al. 2019 (NeurIPS), Sec. 4 (band-limited noise).

    Example:
        >>> r = BandNoiseResult(bandwidths=[3, 7], error={"low": [40.0, 60.0], "high": [20.0, 30.0]}, clean_error=5.0)
        >>> r.error["high"][1], r.norm, r.per_channel
        (30.0, 8.0, True)
    """

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


#: noise is drawn for fixed blocks of this many images (one generator per block), so it does not depend on
#: ``max_batch`` and is never drawn for all N images at once
NOISE_BLOCK = 64


def _block_noise(shape, kind: str, b: int, norm: float, per_channel: bool, seed: int, first: int, count: int,
                 device) -> torch.Tensor:
    """Noise for images ``first … first + count − 1`` (a whole number of blocks, the last one possibly short)."""
    parts = []
    for s in range(first, first + count, NOISE_BLOCK):
        k = min(NOISE_BLOCK, first + count - s)
        g = torch.Generator().manual_seed(int(seed) * 1009 + _KIND_CODE.get(kind, 0) * 101 + b
                                          + 7_919 * (s // NOISE_BLOCK))
        parts.append(filtered_noise((k, *shape[1:]), kind, b if kind != "full" else None, norm, per_channel,
                                    generator=g))
    return torch.cat(parts).to(device)


def bandlimited_noise_error(model: nn.Module, images, labels: torch.Tensor | None = None,
                            bandwidths: Sequence[int] = tuple(range(1, 32, 2)), kinds: Sequence[str] = ("low", "high"),
                            norm: float = 8.0, per_channel: bool = True,
                            bounds: tuple[float, float] | None = (0.0, 1.0),
                            normalize: NormalizeArg = None, seed: int = 0, max_batch: int | None = None,
                            limit: int | None = None, progress: bool = True, label: str = "",
                            output: OutputSelector = None, amp: bool | str = False,
                            memory_budget: str | int | None = None, channels_last: bool = False,
                            compile: bool = False) -> BandNoiseResult:
    """Error rate (%) of ``model`` on images (N, C, H, W) plus band-limited Gaussian noise of ℓ2 norm ``norm``.

    Noise is drawn per block of :data:`NOISE_BLOCK` images from a generator seeded by (seed, kind, bandwidth,
    block) and added one batch at a time: memory is bounded by the batch and results do not depend on it.

    Args:
        images: (N, C, H, W) within ``bounds``, or a DataLoader/Dataset; labels: (N,) class indices.
        bandwidths: band half-widths (cycles per image); kinds: "low", "high".
        norm: ℓ2 norm of the noise (per channel when ``per_channel``), input units.
        normalize: a callable or a (mean, std) pair applied right before the model.
        output: picks the class scores from the model's output (a dict key, a tuple index or a callable;
            :func:`freqlens.inference.select_output`). A single binary logit predicts class 1 where it is > 0.
        amp: run the model under :func:`torch.autocast` (True, "bf16", "fp16").
        max_batch: images per forward pass; default (None): the largest that fits ``memory_budget``, then the
            fastest of a few sizes timed on the first chunks (:func:`freqlens.batching.run_chunked`); halved on
            CUDA out-of-memory. Noise is drawn per whole block, so the errors do not depend on it.
        memory_budget: bytes (or "2G") one batch may use; default a fraction of the free RAM / GPU memory.
        channels_last: run with channels-last weights and inputs (the user's model is restored afterwards).
        compile: call the model through ``torch.compile`` (eager fallback with a notice when it fails).
        progress: a progress bar, and the forward-pass count with an ETA after the first chunk.

    Returns:
        :class:`BandNoiseResult` (errors in percent per kind and bandwidth).

    Raises:
        InputError: bad images, labels, norm or bandwidths (one line).

    Source: Yin et al. 2019, Sec. 4 (band-limited noise); freqlens for the block seeding.

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 2))
        >>> res = bandlimited_noise_error(net, torch.rand(6, 3, 8, 8), torch.tensor([0, 1] * 3), bandwidths=[1, 3],
        ...                               norm=1.0, progress=False)
        >>> len(res.error["high"]), res.n_images
        (2, 6)
    """
    from freqlens.acceleration import accelerated, as_input_format
    from freqlens.batching import RunAnnouncer, default_max_batch, run_chunked

    x, y = gather(images, labels, limit)
    check_images(x, y, bounds)
    check_positive(norm, "norm")
    bandwidths = check_nonempty(bandwidths, "bandwidths", "(1, 3, 7, 15, 31)")
    if max_batch is not None:
        max_batch = check_integer(max_batch, "max_batch")
    dev = model_device(model)
    n = x.shape[0]
    jobs = [(k, int(b)) for k in kinds for b in bandwidths] + [("full", 0)]
    wrong = {job: 0 for job in jobs}
    clean = 0

    with eval_mode(model), accelerated(model, channels_last, compile) as net, torch.inference_mode():
        def misses(batch: torch.Tensor, yb: torch.Tensor) -> int:
            batch = as_input_format(batch, channels_last)
            return int((forward_logits(net, batch, normalize, output=output, amp=amp).argmax(1) != yb).sum())

        check_labels_fit(forward_logits(model, x[:2].to(dev), normalize, output=output, amp=amp), y)
        limit_batch = max_batch or default_max_batch(model, x[:1].to(dev), memory_budget, input_copies=8,
                                                     run=lambda t: forward_logits(model, t, normalize, output=output,
                                                                                  amp=amp))
        bar = tqdm(total=len(jobs) * n, desc="band-limited noise", disable=not progress, leave=False)

        def work(start: int, size: int):
            # whole noise blocks per chunk (the noise of an image does not depend on the batch size)
            step = max(NOISE_BLOCK, size // NOISE_BLOCK * NOISE_BLOCK)
            xb, yb = x[start:start + step].to(dev), y[start:start + step].to(dev)
            got = {"clean": sum(misses(xb[j:j + size], yb[j:j + size]) for j in range(0, xb.shape[0], size))}
            for kind, b in jobs:
                xn = xb + _block_noise(tuple(x.shape), kind, b, norm, per_channel, seed, start, xb.shape[0], dev)
                if bounds is not None:
                    xn = xn.clamp_(*bounds)
                got[(kind, b)] = sum(misses(xn[j:j + size], yb[j:j + size]) for j in range(0, xn.shape[0], size))
                del xn
            return xb.shape[0], got

        def commit(start: int, count: int, got: dict) -> None:
            nonlocal clean
            clean += got.pop("clean")
            for job, v in got.items():
                wrong[job] += v
            bar.update(count * len(jobs))

        run_chunked(n, work, commit, limit_batch, fixed=max_batch, passes_per_item=1 + len(jobs),
                    announcer=RunAnnouncer("band-limited noise", n * (1 + len(jobs)), enabled=progress))
        bar.close()
    out: dict[str, list[float]] = {}
    for kind, b in jobs:
        out.setdefault(kind, []).append(100.0 * wrong[(kind, b)] / n)
    full = out.pop("full")[0]
    return BandNoiseResult(bandwidths=[int(b) for b in bandwidths], error=out, full_error=full,
                           clean_error=100.0 * clean / n, norm=float(norm), per_channel=bool(per_channel), n_images=n,
                           seed=int(seed), label=label)


__all__ = ["BandNoiseResult", "bandlimited_noise_error"]
