"""Figures of Fourier heat maps and centred spectra (Yin et al.): frequency axes, DC in the middle, colour bars."""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np

from freqlens.plot.style import centred_extent, new_axes


def plot_centred_map(values, ax=None, title: str = "", colorbar_label: str = "", vmin=None, vmax=None,
                     cmap: str = "viridis", log: bool = False):
    """Show a centred (H, W) map with axes in cycles per image (f_v horizontal, f_u vertical). Returns (fig, ax)."""
    from matplotlib.colors import LogNorm

    fig, ax = new_axes(ax, figsize=(4.6, 3.8))
    values = np.asarray(values, dtype=float)
    norm = LogNorm(vmin=vmin, vmax=vmax) if log else None
    im = ax.imshow(values, extent=centred_extent(values.shape), cmap=cmap, norm=norm,
                   vmin=None if log else vmin, vmax=None if log else vmax, interpolation="nearest")
    ax.set_xlabel("horizontal frequency f_v (cycles/image)")
    ax.set_ylabel("vertical frequency f_u (cycles/image)")
    ax.set_title(title, fontsize=9)
    cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    cb.set_label(colorbar_label)
    return fig, ax


def plot_heatmap(result, ax=None, vmin: float = 0.0, vmax: float = 100.0, title: str | None = None):
    """A :class:`~freqlens.probes.heatmap.HeatmapResult` as an image, fixed colour range (default 0–100 %)."""
    name = f"{result.label}: " if result.label else ""
    quantity = getattr(result, "quantity", "error")
    if quantity == "error":
        what, unit = "error (%)", "error rate (%)"
    else:
        from freqlens.probes.heatmap_quantities import parse_quantity

        what = unit = parse_quantity(quantity).unit
        what = f"{quantity}: {what}"
    title = title or (f"{name}{what} under Fourier-basis noise, ℓ2 = {result.eps:g}/channel\n"
                      f"N = {result.n_images}, clean error {result.clean_error:.1f} %")
    return plot_centred_map(result.error, ax=ax, title=title, colorbar_label=unit, vmin=vmin, vmax=vmax, cmap="jet")


def plot_heatmaps(results: Sequence, titles: Sequence[str] | None = None, vmin: float = 0.0, vmax: float = 100.0):
    """Several heat maps side by side with one shared colour range (spec D18). Returns (fig, axes)."""
    k = len(results)
    fig, axes = plt.subplots(1, k, figsize=(4.4 * k, 3.9), constrained_layout=True, squeeze=False)
    for i, (res, ax) in enumerate(zip(results, axes[0])):
        t = titles[i] if titles else None
        plot_heatmap(res, ax=ax, vmin=vmin, vmax=vmax, title=t)
    return fig, axes[0]


__all__ = ["plot_centred_map", "plot_heatmap", "plot_heatmaps"]
