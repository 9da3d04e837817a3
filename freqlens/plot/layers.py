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
        resp: a :class:`~freqlens.probes.layers.LayerResponse` (``gain``: (layers, H, W) ratios ‖Δout‖/‖Δin‖,
            dimensionless; frequency axes in cycles per image).
        max_layers: show only the first ``max_layers`` maps (default: every layer); the ratio line always has all.
        log: colour by log10 gain.
        low, high: the bands of the ratio, in cycles/image (default: :func:`~freqlens.probes.layers.default_bands`,
            max(H, W)/8 and 3·max(H, W)/8, fitted to a computed window).

    Returns:
        ``(fig, axes)``: the maps' axes (grid) and, last, the ratio axis.

    Raises:
        InputError: no computed frequency lies above ``high`` (from :meth:`LayerResponse.band_ratio`).

    Source:
        freqlens.

    Example:
        >>> import numpy as np
        >>> from freqlens.probes.layers import LayerResponse
        >>> r = LayerResponse(layer_names=["conv", "relu"], layer_types=["Conv2d", "ReLU"], gain=np.ones((2, 8, 8)),
        ...                   gain_pairs=np.ones((2, 2)), positions=np.zeros((2, 2)), mode="basis", eps=1.0,
        ...                   n_images=1, image_size=[1, 8, 8])
        >>> fig, axes = plot_layer_response(r)
        >>> len(axes), axes[0].get_xlabel(), fig.axes[2].get_ylabel()
        (3, 'f_v (cycles/image)', 'log10 gain ‖Δout‖/‖Δin‖ (shared scale)')
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
        im = a.imshow(data[i], cmap="magma", norm=norm, extent=centred_extent(gains.shape[-2:]))  # a window: its size
        short = name if len(name) <= 24 else "…" + name[-23:]
        a.set_title(f"{i + 1}. {short}\n({resp.layer_types[i]})", fontsize=6)
        a.set_xlabel("f_v (cycles/image)", fontsize=6)
        a.set_ylabel("f_u (cycles/image)", fontsize=6)
        a.tick_params(labelsize=5)
        axes.append(a)
    if im is not None:
        cb = fig.colorbar(im, ax=axes, shrink=0.9, location="right")
        cb.set_label("log10 gain ‖Δout‖/‖Δin‖ (shared scale)" if log else "gain (shared scale)", fontsize=7)
        cb.ax.tick_params(labelsize=6)
    from freqlens.probes.layers import default_bands

    d_lo, d_hi = default_bands(resp.image_size, getattr(resp, "window", None))
    lo = d_lo if low is None else low
    hi = d_hi if high is None else high
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
    """One heat map per conv layer: the mean |DFT| of its kernels, zero-padded to ``spec.size`` and centred, each with
    its own colour bar.

    Args:
        spec: a :class:`~freqlens.probes.layers.KernelSpectra` (``spectra``: (layers, size, size), weight units).
        max_layers: show only the first ``max_layers`` layers (default: all).

    Returns:
        ``(fig, axes)``: the (rows, ≤ 4) axes grid; unused cells are hidden.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> import numpy as np
        >>> from freqlens.probes.layers import KernelSpectra
        >>> s = KernelSpectra(layer_names=["conv1"], kernel_sizes=[[3, 3]], spectra=np.ones((1, 8, 8)), size=8)
        >>> fig, axes = plot_kernel_spectra(s)
        >>> axes[0, 0].get_title(), fig.axes[-1].get_ylabel()
        ('conv1 (3×3 kernels)', 'mean |DFT|')
    """
    names = spec.layer_names[:max_layers] if max_layers else spec.layer_names
    fig, axes = _grid(len(names))
    for i, name in enumerate(names):
        a = axes.flat[i]
        im = a.imshow(spec.spectra[i], cmap="viridis", extent=centred_extent((spec.size, spec.size)))
        k = "×".join(str(s) for s in spec.kernel_sizes[i])
        a.set_title(f"{name} ({k} kernels)", fontsize=8)
        a.set_xlabel("f_v (cycles/image)", fontsize=7)
        a.set_ylabel("f_u (cycles/image)", fontsize=7)
        a.tick_params(labelsize=6)
        fig.colorbar(im, ax=a, shrink=0.8).set_label("mean |DFT|", fontsize=7)
    fig.suptitle(f"Kernel DFT magnitude, mean over channels (padded to {spec.size}×{spec.size})", fontsize=10)
    return fig, axes


def plot_layer_response_comparison(basis: dict, perturbation: dict, kernels: dict, low: float, high: float,
                                   show_layers: int = 2):
    """Compare models layer by layer: the basis-mode energy gain maps of the first ``show_layers`` conv layers
    (one row per model, log colour), the high/low band-gain ratio per conv layer (bars: basis mode; ticks:
    image + basis mode), and the first conv layer's kernel spectrum along f_u = 0.

    Args:
        basis: model name → :class:`~freqlens.probes.layers.LayerResponse` (mode "basis").
        perturbation: model name → LayerResponse (mode "perturbation"), may be empty.
        kernels: model name → :class:`~freqlens.probes.layers.KernelSpectra`, may be empty.
        low, high: the bands of the ratio (cycles per image): 0 < r ≤ low and r > high.
        show_layers: conv layers whose gain maps are drawn.

    Returns:
        ``(fig, axes)``: a (max(models, 2), show_layers + 1) axes array.

    Raises:
        InputError: no computed frequency lies above ``high``.

    Source:
        freqlens.

    Example:
        >>> from freqlens.probes.layers import LayerResponse
        >>> r = LayerResponse(layer_names=["c"], layer_types=["Conv2d"], gain=np.ones((1, 8, 8)),
        ...                   gain_pairs=np.ones((1, 2)), positions=np.zeros((2, 2)), mode="basis", eps=1.0,
        ...                   n_images=1, image_size=[1, 8, 8])
        >>> fig, axes = plot_layer_response_comparison({"a": r, "b": r}, {}, {}, 1.0, 2.0, show_layers=1)
        >>> axes.shape
        (2, 2)
    """
    models = list(basis)
    first = next(iter(basis.values()))
    names = first.layer_names
    convs = [i for i, t in enumerate(first.layer_types) if t.startswith("Conv")]
    shown = convs[:show_layers]
    ncols = len(shown) + 1
    fig, axes = plt.subplots(max(len(models), 2), ncols, figsize=(5 * ncols, 4.2 * max(len(models), 2)),
                             constrained_layout=True, squeeze=False)
    h, w = first.image_size[-2:]
    for row, k in enumerate(models):
        for col, i in enumerate(shown):
            a = axes[row, col]
            im = a.imshow(np.log10(np.maximum(basis[k].gain[i], 1e-12)), cmap="magma", extent=centred_extent((h, w)))
            a.set_title(f"{k}: layer {names[i]} energy gain (basis mode)", fontsize=9)
            a.set_xlabel("f_v (cycles/image)")
            a.set_ylabel("f_u (cycles/image)")
            fig.colorbar(im, ax=a, shrink=0.8).set_label("log10 ‖Δout‖/‖Δin‖")
    ax = axes[0, -1]
    x = np.arange(len(convs))
    width = 0.8 / max(len(models), 1)
    for j, k in enumerate(models):
        ratio = basis[k].band_ratio(low, high)
        ax.bar(x + (j - (len(models) - 1) / 2) * width, ratio[convs], width, label=f"{k} (basis)", color=f"C{j}")
        if k in perturbation:
            ax.plot(x + (j - (len(models) - 1) / 2) * width, perturbation[k].band_ratio(low, high)[convs], "_",
                    color="k", ms=12)
    ax.set_xticks(x)
    ax.set_xticklabels([names[i] for i in convs], rotation=45, ha="right", fontsize=7)
    ax.set_yscale("log")
    ax.set_ylabel(f"gain(r > {high:g}) / gain(0 < r ≤ {low:g})")
    ax.set_title("High/low-band gain ratio per conv layer (input → that layer)\nbars: basis mode; ticks: image + basis",
                 fontsize=9)
    ax.legend(fontsize=6, loc="lower right")
    ax = axes[1, -1]
    for j, (k, spec) in enumerate(kernels.items()):
        s = np.asarray(spec.spectra[0])
        c = s.shape[0] // 2
        ax.plot(np.arange(s.shape[1]) - s.shape[1] // 2, s[c], "-" if j == 0 else "--", label=f"{k}: first conv |DFT|")
    ax.set_xlabel("f_v (cycles/image), row f_u = 0")
    ax.set_ylabel("mean |DFT| of kernels")
    ax.set_title("First-layer kernels as a linear filter", fontsize=9)
    if kernels:
        ax.legend(fontsize=7)
    for row in range(len(models), axes.shape[0]):
        for col in range(len(shown)):
            axes[row, col].axis("off")
    return fig, axes
