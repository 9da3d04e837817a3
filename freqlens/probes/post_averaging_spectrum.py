"""How much post-averaging attenuates a network's output spectrum, measured along random lines through images.

Along a line x + t·v (v a random unit direction in input space, t over ``span`` radii of the defense), the base
model's probability of the class it predicts at x, g(t), and the post-averaged model's, g_C(t), are sampled at
``n_points`` points; their power spectra (mean removed, Hann window) give the measured attenuation
A(k) = ⟨|G_C(k)|²⟩ / ⟨|G(k)|²⟩ per line frequency k (mean over lines). A low-pass filter passes the lowest
frequencies (A ≈ 1) and attenuates the highest; ``selectivity`` = mean A over the high band / mean A over the low
band is ≪ 1 for a low-pass and ≈ 1 for a function whose samples are independent (white noise).

Example (a trained CIFAR model)::

    res = line_attenuation(model, PostAveraged(model, 4.4), x_test[:8])
    res.selectivity        # ≪ 1: averaging is a low-pass filter of the network's output
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from freqlens.device import eval_mode, model_device
from freqlens.errors import InputError
from freqlens.interventions.post_averaging import PostAveraged
from freqlens.results import Result


@dataclass
class LineAttenuation(Result):
    """Measured attenuation of the model's output spectrum by post-averaging along lines through test images.

    ``frequency`` (F,) in cycles per unit of input-space L2 distance along the line; ``power_base``,
    ``power_averaged`` (F,) mean power over lines; ``attenuation`` (F,) their ratio; ``low_band`` / ``high_band``
    index lists; ``selectivity`` = mean high-band / mean low-band attenuation.

    Args:
        frequency, power_base, power_averaged, attenuation, low_band, high_band, selectivity: as above.
        radius_pixel: the averaging radius in input units.
        span_radii: line length in radii.
        n_points: points per line.
        n_lines: lines measured.
        label: model name for plots.

    Attributes:
        The arguments; :meth:`plot` draws :func:`~freqlens.plot.post_averaging.plot_line_attenuation`.

    Raises:
        Nothing of its own.

    Source:
        freqlens (a measurement of Lin et al. 2019's low-pass claim).

    Example:
        >>> import numpy as np
        >>> a = np.array([1.0, 0.9, 0.2, 0.1])
        >>> r = LineAttenuation(frequency=np.arange(4.0), power_base=np.ones(4), power_averaged=a, attenuation=a,
        ...                     low_band=[1], high_band=[2, 3], selectivity=0.15 / 0.9, radius_pixel=1.5,
        ...                     span_radii=4.0, n_points=64, n_lines=8)
        >>> bool(np.isclose(r.attenuation[r.high_band].mean() / r.attenuation[r.low_band].mean(), r.selectivity))
        True
    """

    frequency: np.ndarray
    power_base: np.ndarray
    power_averaged: np.ndarray
    attenuation: np.ndarray
    low_band: list
    high_band: list
    selectivity: float
    radius_pixel: float
    span_radii: float
    n_points: int
    n_lines: int
    label: str = ""

    def plot(self, ax=None):
        from freqlens.plot.post_averaging import plot_line_attenuation

        return plot_line_attenuation([self], ax=ax)


def _probabilities(model, points, cls, max_batch):
    out = []
    dev = model_device(model)
    with eval_mode(model), torch.inference_mode():
        for s in range(0, points.shape[0], max_batch):
            o = model(points[s:s + max_batch].to(dev))
            out.append(torch.softmax(o.float(), 1).cpu())
    return torch.cat(out).gather(1, cls[:, None]).squeeze(1)


def _offsets(defended: PostAveraged, shape, generator) -> torch.Tensor:
    """The defense's sample offsets (S, C, H, W) in input units for one fixed draw of K random directions:
    0 (if the original is included) and ±c·r·v_k (v_k unit in the radius space, scaled by the std there)."""
    k = defended.n_directions
    v = torch.randn((k, *shape), generator=generator)
    v = v / v.flatten(1).norm(dim=1).view(-1, *([1] * len(shape)))
    if defended.radius_space == "normalized":
        v = v * defended.input_std.view(1, -1, *([1] * (len(shape) - 1))).to(v.dtype).cpu()
    steps = [sign * c * defended.radius for c in defended.scales for sign in (1.0, -1.0)]
    offs = [step * v for step in steps]
    if defended.include_original:
        offs.insert(0, torch.zeros((1, *shape)))
    return torch.cat(offs)


def line_attenuation(model: nn.Module, defended: PostAveraged, images: torch.Tensor, n_points: int = 64,
                     span_radii: float = 4.0, seed: int = 0, max_batch: int = 256, label: str = "") -> LineAttenuation:
    """Measure the attenuation of ``model``'s output spectrum by ``defended`` (a PostAveraged wrapper of it) along one
    random line through each image. The defense's estimator (its radius, scales, K, radius space, original point)
    is applied with one fixed draw of K random directions per line, so that g_C(t) is a deterministic function of t.

    Args:
        model: classifier, (N, C, H, W) → logits (N, classes).
        defended: ``PostAveraged`` of ``model`` ("random" mode): its settings define the average; its pixel-space
            radius sets the line length. Its own generator is not used (directions come from ``seed``).
        images: (L, C, H, W) line centres (one line per image).
        n_points: samples per line (≥ 16).
        span_radii: the line covers t ∈ [−span·r, span·r) in pixel-space L2 units, r = ``defended.radius_pixel``.
        seed: seeds the line directions.
        max_batch: points per forward pass of the base model (the defense batches its own samples).
        label: a name for plots.

    Returns:
        :class:`LineAttenuation`; low band = line frequencies 1–2, high band = the upper half of the spectrum.

    Raises:
        InputError: if ``n_points`` < 16, ``span_radii`` ≤ 0, or ``defended`` is not a PostAveraged.

    Source:
        Lin, Kasra Ahmadi, Jiang 2019 (post-averaging as a low-pass filter of the network function);
        the line measurement is freqlens.

    Example:
        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 3))
        >>> pa = PostAveraged(net, 0.5, n_directions=2, radius_space="input", bounds=None)
        >>> res = line_attenuation(net, pa, torch.rand(2, 3, 2, 2), n_points=16)
        >>> res.attenuation.shape
        (9,)
    """
    if not isinstance(defended, PostAveraged):
        raise InputError(f"defended must be a PostAveraged wrapper, got {type(defended).__name__}")
    if int(n_points) < 16 or not span_radii > 0:
        raise InputError(f"line_attenuation needs n_points ≥ 16 and span_radii > 0, got {n_points}, {span_radii}")
    x = images.detach().cpu().float()
    n_lines = x.shape[0]
    g = torch.Generator().manual_seed(int(seed))
    v = torch.randn(x.shape, generator=g)
    v = v / v.flatten(1).norm(dim=1).view(-1, *([1] * (x.ndim - 1)))
    r = float(defended.radius_pixel)
    t = (torch.arange(n_points, dtype=torch.float32) / n_points * 2 - 1) * span_radii * r
    pts = (x[:, None] + t.view(1, -1, *([1] * (x.ndim - 1))) * v[:, None]).reshape(-1, *x.shape[1:])
    with eval_mode(model), torch.inference_mode():
        cls = model(x.to(model_device(model))).argmax(1).cpu()
    cls_pts = cls.repeat_interleave(n_points)
    base = _probabilities(model, pts, cls_pts, max_batch).view(n_lines, n_points)
    # one fixed draw of directions per line (common random numbers): the averaged output is then a deterministic
    # function of t, and fresh Monte-Carlo noise at every point does not add a white floor to its spectrum
    avg = torch.zeros(n_lines, n_points)
    for i in range(n_lines):
        offs = _offsets(defended, tuple(x.shape[1:]), g)
        line = pts.view(n_lines, n_points, *x.shape[1:])[i]
        samples = (line[:, None] + offs[None]).reshape(-1, *x.shape[1:])
        p = _probabilities(model, samples, cls[i].repeat(samples.shape[0]), max_batch)
        avg[i] = p.view(n_points, offs.shape[0]).mean(1)
    window = torch.hann_window(n_points, periodic=False, dtype=torch.float64)

    def power(sig):
        s = sig.to(torch.float64)
        s = (s - s.mean(1, keepdim=True)) * window
        return (torch.fft.rfft(s, dim=1).abs() ** 2).mean(0).numpy()

    pb, pa = power(base), power(avg)
    att = pa / np.maximum(pb, 1e-30)
    freq = np.fft.rfftfreq(n_points, d=float(t[1] - t[0]))
    low = [1, 2]
    high = list(range(n_points // 4, n_points // 2 + 1))
    sel = float(np.mean(att[high]) / max(np.mean(att[low]), 1e-30))
    return LineAttenuation(frequency=freq, power_base=pb, power_averaged=pa, attenuation=att, low_band=low,
                           high_band=high, selectivity=sel, radius_pixel=r, span_radii=float(span_radii),
                           n_points=int(n_points), n_lines=int(n_lines), label=label)


__all__ = ["LineAttenuation", "line_attenuation"]
