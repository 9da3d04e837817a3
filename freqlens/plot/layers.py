"""Figures for the per-layer frequency response of a CNN and the spectra of its kernels."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from freqlens.plot.style import centred_extent


def _grid(n: int, cols: int = 4):
    cols = min(cols, max(n, 1))
    rows = math.ceil(max(n, 1) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.1 * cols, 2.8 * rows), constrained_layout=True, squeeze=False)
    for a in axes.flat[n:]:
        a.axis("off")
    return fig, axes


def plot_layer_response(resp, max_layers: int | None = None, log: bool = True, low: float | None = None,
                        high: float | None = None):
    """Every layer's energy gain per input frequency (centred, DC in the middle) on one shared colour scale with
    one colour bar, and below them the high/low band gain ratio against depth.

    The gain is cumulative from the input: layer l's map describes the network from the input up to layer l.

    Args:
        resp: a :class:`~freqlens.probes.layers.LayerResponse`.
        max_layers: show only the first ``max_layers`` maps (default: every layer); the ratio line always has all.
        log: colour by log10 gain.
        low, high: the bands of the ratio, in cycles/image (default: max(H, W)/8 and 3·max(H, W)/8).

    Returns:
        ``(fig, axes)``: the maps' axes (grid) and, last, the ratio axis.
    """
    from matplotlib.colors import Normalize

    names = list(resp.layer_names[:max_layers] if max_layers else resp.layer_names)
    n = len(names)
    cols = min(6, max(n, 1))
    rows = math.ceil(max(n, 1) / cols)
    fig = plt.figure(figsize=(2.6 * cols + 1.0, 2.3 * rows + 2.8), constrained_layout=True)
    gs = fig.add_gridspec(rows + 1, cols, height_ratios=[1.0] * rows + [1.25])
    h, w = resp.image_size[-2:]
    gains = np.asarray(resp.gain[:n], dtype=float)
    data = np.log10(np.maximum(gains, 1e-12)) if log else gains
    finite = data[np.isfinite(data)]
    norm = Normalize(vmin=float(finite.min()) if finite.size else 0.0, vmax=float(finite.max()) if finite.size else 1.0)
    axes, im = [], None
    for i, name in enumerate(names):
        a = fig.add_subplot(gs[i // cols, i % cols])
        im = a.imshow(data[i], cmap="magma", norm=norm, extent=centred_extent((h, w)))
        short = name if len(name) <= 24 else "…" + name[-23:]
        a.set_title(f"{i + 1}. {short}\n({resp.layer_types[i]})", fontsize=6)
        a.set_xlabel("f_v (cycles/image)", fontsize=6)
        a.set_ylabel("f_u", fontsize=6)
        a.tick_params(labelsize=5)
        axes.append(a)
    if im is not None:
        cb = fig.colorbar(im, ax=axes, shrink=0.9, location="right")
        cb.set_label("log10 gain ‖Δout‖/‖Δin‖ (shared scale)" if log else "gain (shared scale)", fontsize=7)
        cb.ax.tick_params(labelsize=6)
    lo = max(h, w) / 8 if low is None else low
    hi = max(h, w) * 3 / 8 if high is None else high
    ratios = resp.band_ratio(low=lo, high=hi)
    ax = fig.add_subplot(gs[rows, :])
    depth = np.arange(1, len(ratios) + 1)
    ax.plot(depth, ratios, marker="o", lw=1.2)
    ax.axhline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_yscale("log")
    ax.set_xticks(depth)
    ax.set_xticklabels([f"{i}. {nm}" for i, nm in zip(depth, resp.layer_names)], rotation=60, ha="right", fontsize=6)
    ax.set_xlabel("layer (input → output)", fontsize=8)
    ax.set_ylabel(f"gain ratio high (r > {hi:g}) / low (0 < r ≤ {lo:g})", fontsize=7)
    ax.set_title("High/low band gain ratio against depth (< 1: high frequencies attenuated so far)", fontsize=8)
    axes.append(ax)
    fig.suptitle(f"Energy gain per input frequency, cumulative from the input to each layer ({resp.mode} mode, "
                 f"ε={resp.eps:g}, {len(resp.layer_names)} layers)", fontsize=10)
    return fig, np.array(axes, dtype=object)


def plot_kernel_spectra(spec, max_layers: int | None = None):
    """One heat map per conv layer: mean |DFT| of its kernels (zero-padded), centred."""
    names = spec.layer_names[:max_layers] if max_layers else spec.layer_names
    fig, axes = _grid(len(names))
    for i, name in enumerate(names):
        a = axes.flat[i]
        im = a.imshow(spec.spectra[i], cmap="viridis", extent=centred_extent((spec.size, spec.size)))
        k = "×".join(str(s) for s in spec.kernel_sizes[i])
        a.set_title(f"{name} ({k} kernels)", fontsize=8)
        a.set_xlabel("f_v (cycles/image)", fontsize=7)
        a.set_ylabel("f_u", fontsize=7)
        a.tick_params(labelsize=6)
        fig.colorbar(im, ax=a, shrink=0.8).set_label("mean |DFT|", fontsize=7)
    fig.suptitle(f"Kernel DFT magnitude, mean over channels (padded to {spec.size}×{spec.size})", fontsize=10)
    return fig, axes
