"""Figures of Fourier heat maps and centred spectra (Yin et al.): frequency axes, DC in the middle, colour bars.

Fourier heat maps are drawn in the authors' convention (the official code's figures): the error *rate* in
[0, 1] on a **linear** colour scale with the ``RdBu`` map, so **small error is red and large error is blue**.
The paper's figures use the range [0.1, 1]; the recipes pass ``vmin=0.1, vmax=1``. Without a range the
colour scale follows the data (finite minimum and maximum).
"""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from freqlens.plot.style import centred_extent, new_axes

HEATMAP_CMAP = "RdBu"
"""Red (low values) → white → blue (high values): small error red, large error blue, as in Yin et al."""

PAPER_RANGE = (0.1, 1.0)
"""The colour range of the paper's heat maps (error rate)."""


def plot_centred_map(values, ax=None, title: str = "", colorbar_label: str = "", vmin=None, vmax=None,
                     cmap: str = "viridis", log: bool = False):
    """Show a centred (H, W) map with axes in cycles per image (f_v horizontal, f_u vertical).

    Args:
        values: (H, W) array in the centred layout (DC at (H//2, W//2)).
        ax: axes to draw on (a new figure when None).
        title, colorbar_label: texts.
        vmin, vmax: colour range (None: the data's).
        cmap: matplotlib colour map name.
        log: logarithmic colour scale.

    Returns:
        ``(fig, ax)``; a colour bar labelled ``colorbar_label`` is added next to ``ax``.

    Raises:
        ValueError: ``values`` is not 2-D, or ``log`` with a non-positive ``vmin``.

    Source:
        freqlens.

    Example:
        >>> import numpy as np
        >>> fig, ax = plot_centred_map(np.zeros((4, 4)), title="zeros")
        >>> ax.get_title()
        'zeros'
    """
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


def heatmap_range(result, vmin: float | None = None, vmax: float | None = None) -> tuple[float, float]:
    """The colour range of a heat map in error-rate units [0, 1]: the given bounds, else the finite data range.

    Args:
        result: a :class:`~freqlens.probes.heatmap.HeatmapResult` (``error`` in percent).
        vmin, vmax: fixed bounds (error rate, e.g. the paper's 0.1 and 1), or None for the data's.

    Returns:
        ``(vmin, vmax)`` with vmin < vmax (vmax is nudged up by 1e-6 when they meet); (0, 1) without finite data.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> from types import SimpleNamespace
        >>> heatmap_range(SimpleNamespace(error=np.array([[20.0, 60.0]])))
        (0.2, 0.6)
        >>> heatmap_range(SimpleNamespace(error=np.array([[20.0, 60.0]])), 0.1, 1.0)
        (0.1, 1.0)
    """
    err = np.asarray(result.error, dtype=float) / 100.0
    finite = err[np.isfinite(err)]
    lo = float(vmin) if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = float(vmax) if vmax is not None else (float(finite.max()) if finite.size else 1.0)
    if hi <= lo:
        hi = lo + 1e-6
    return lo, hi


def plot_heatmap(result, ax=None, vmin: float | None = None, vmax: float | None = None, title: str | None = None):
    """A :class:`~freqlens.probes.heatmap.HeatmapResult` as an image in the authors' convention: error rate,
    linear ``RdBu`` scale, small error red, large error blue.

    Args:
        result: the heat map (``error`` in percent; drawn as a rate in [0, 1]).
        ax: axes to draw on (a new figure when None).
        vmin, vmax: colour range in error-rate units (the paper: 0.1 and 1); None: the data's range.
        title: figure title (default: label, ε, N and clean error).

    Returns:
        ``(fig, ax)``.

    Raises:
        Nothing of its own.

    Source:
        Yin et al. 2019 (NeurIPS), Fig. 1 and 2 (colour convention of the official code).

    Example:
        >>> from freqlens.probes.heatmap import HeatmapResult
        >>> res = HeatmapResult(error=np.full((4, 4), 50.0), eps=4.0, n_images=1, clean_error=0.0, bounds=None, seed=0)
        >>> fig, ax = plot_heatmap(res, vmin=0.1, vmax=1.0)
        >>> ax.images[0].get_cmap().name, ax.images[0].get_clim()
        ('RdBu', (0.1, 1.0))
    """
    name = f"{result.label}: " if result.label else ""
    title = title or (f"{name}error rate under Fourier-basis noise, ℓ2 = {result.eps:g}/channel\n"
                      f"N = {result.n_images}, clean error {result.clean_error / 100:.2f} (red: small, blue: large)")
    lo, hi = heatmap_range(result, vmin, vmax)
    return plot_centred_map(np.asarray(result.error, dtype=float) / 100.0, ax=ax, title=title,
                            colorbar_label="error rate", vmin=lo, vmax=hi, cmap=HEATMAP_CMAP)


def plot_heatmaps(results: Sequence, titles: Sequence[str] | None = None, vmin: float | None = None,
                  vmax: float | None = None):
    """Several heat maps side by side with one shared colour range: the given bounds, else the range of all maps
    together, so that equal colours mean equal error rates across the panels.

    Args:
        results: heat maps to draw.
        titles: one title per map (default: each map's own).
        vmin, vmax: shared colour range in error-rate units (the paper: 0.1 and 1).

    Returns:
        ``(fig, axes)``: one axes per map.

    Raises:
        ValueError: ``results`` is empty.

    Source:
        Yin et al. 2019 (NeurIPS), Fig. 2 (colour convention of the official code).

    Example:
        >>> from freqlens.probes.heatmap import HeatmapResult
        >>> maps = [HeatmapResult(error=np.full((4, 4), v), eps=4.0, n_images=1, clean_error=0.0, bounds=None,
        ...                       seed=0) for v in (20.0, 80.0)]
        >>> fig, axes = plot_heatmaps(maps)
        >>> [round(a.images[0].get_clim()[1], 2) for a in axes]
        [0.8, 0.8]
    """
    k = len(results)
    if vmin is None or vmax is None:
        from types import SimpleNamespace

        every = np.concatenate([np.asarray(r.error, dtype=float).ravel() for r in results])
        vmin, vmax = heatmap_range(SimpleNamespace(error=every), vmin, vmax)
    fig, axes = plt.subplots(1, k, figsize=(4.4 * k, 3.9), constrained_layout=True, squeeze=False)
    for i, (res, ax) in enumerate(zip(results, axes[0])):
        t = titles[i] if titles else None
        plot_heatmap(res, ax=ax, vmin=vmin, vmax=vmax, title=t)
    return fig, axes[0]


__all__ = ["HEATMAP_CMAP", "PAPER_RANGE", "plot_centred_map", "heatmap_range", "plot_heatmap", "plot_heatmaps"]
