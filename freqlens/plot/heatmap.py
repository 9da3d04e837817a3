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


def data_range(arrays, vmin: float | None = None, vmax: float | None = None) -> tuple[float, float]:
    """The colour range of one or more maps: ``vmin``/``vmax`` where given, else the finite data's min and max
    (widened by ±0.5 when the data is constant, so a flat map is still drawn with a readable colour bar).

    Args:
        arrays: one array or a sequence of arrays (NaN cells ignored).
        vmin, vmax: fixed ends, or ``None`` for the data's.

    Returns:
        ``(vmin, vmax)`` with ``vmin < vmax``.

    Raises:
        Nothing (no finite value gives (0, 1) unless fixed).

    Source: freqlens.

    Example:
        >>> data_range([np.array([2.0, np.nan, 5.0])])
        (2.0, 5.0)
        >>> data_range(np.array([3.0, 3.0]))
        (2.5, 3.5)
    """
    if isinstance(arrays, np.ndarray):
        arrays = [arrays]
    vals = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays]) if len(arrays) else np.array([])
    vals = vals[np.isfinite(vals)]
    lo = float(vals.min()) if vmin is None and vals.size else (0.0 if vmin is None else float(vmin))
    hi = float(vals.max()) if vmax is None and vals.size else (1.0 if vmax is None else float(vmax))
    if hi <= lo:
        lo, hi = (lo - 0.5, hi + 0.5) if vmin is None and vmax is None else (lo, lo + 1.0) if vmax is None else \
            (hi - 1.0, hi)
    return lo, hi


def plot_heatmap(result, ax=None, vmin: float | None = None, vmax: float | None = None, title: str | None = None):
    """A :class:`~freqlens.probes.heatmap.HeatmapResult` as an image. The colour range is the map's own (min to
    max error) unless ``vmin``/``vmax`` fix it (e.g. 0 and 100 to compare maps drawn separately)."""
    name = f"{result.label}: " if result.label else ""
    title = title or (f"{name}error (%) under Fourier-basis noise, ℓ2 = {result.eps:g}/channel\n"
                      f"N = {result.n_images}, clean error {result.clean_error:.1f} %")
    lo, hi = data_range(result.error, vmin, vmax)
    return plot_centred_map(result.error, ax=ax, title=title, colorbar_label="error rate (%)", vmin=lo, vmax=hi,
                            cmap="jet")


def plot_heatmaps(results: Sequence, titles: Sequence[str] | None = None, vmin: float | None = None,
                  vmax: float | None = None):
    """Several heat maps side by side with one shared colour range (spec D18): the range of all maps together
    unless ``vmin``/``vmax`` fix it. Returns (fig, axes)."""
    k = len(results)
    lo, hi = data_range([r.error for r in results], vmin, vmax)
    fig, axes = plt.subplots(1, k, figsize=(4.4 * k, 3.9), constrained_layout=True, squeeze=False)
    for i, (res, ax) in enumerate(zip(results, axes[0])):
        t = titles[i] if titles else None
        plot_heatmap(res, ax=ax, vmin=lo, vmax=hi, title=t)
    return fig, axes[0]


__all__ = ["plot_centred_map", "plot_heatmap", "plot_heatmaps", "data_range"]
