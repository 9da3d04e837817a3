"""Figures of Fourier heat maps and centred spectra (Yin et al.): frequency axes, DC in the middle, colour bars.

Fourier heat maps are drawn in the authors' convention (the official code's figures): the error *rate* in
[0, 1] on a **linear** colour scale with the ``RdBu`` map, so **small error is red and large error is blue**.
The paper's figures use the range [0.1, 1]; the recipes pass ``vmin=0.1, vmax=1``. Without a range the
colour scale follows the data (finite minimum and maximum).

Maps of other quantities (loss, logit change, feature change; :mod:`freqlens.probes.heatmap_quantities`) are
drawn in their own units with ``viridis`` and a colour bar named after the quantity; their colour range is the
data's unless given (in those units): the authors' RdBu 0.1–1 convention applies to error maps only.
"""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from freqlens.plot.style import centred_extent, integer_frequency_ticks, new_axes, plain_colorbar

HEATMAP_CMAP = "RdBu"
"""Red (low values) → white → blue (high values): small error red, large error blue, as in Yin et al."""

PAPER_RANGE = (0.1, 1.0)
"""The colour range of the paper's heat maps (error rate)."""

QUANTITY_CMAP = "viridis"
"""Colour map of heat maps of other quantities than error (low: dark, high: bright)."""


def _quantity(result):
    from freqlens.probes.heatmap_quantities import parse_quantity

    return parse_quantity(getattr(result, "quantity", "error") or "error")


def _drawn(result, values=None) -> np.ndarray:
    """The values as drawn: error maps as a rate in [0, 1], other quantities as they are."""
    arr = np.asarray(result.error if values is None else values, dtype=float)
    return arr / 100.0 if _quantity(result).kind == "error" else arr


def wrap_title(title: str | None, width: int = 62) -> str | None:
    """Wrap each line of a figure title at ``width`` characters, so a long model label is not cut off at the edge of
    a single heat map's figure.

    Args:
        title: the title (lines separated by newlines), or None.
        width: the longest line, in characters.

    Returns:
        The wrapped title (None stays None).

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> len(wrap_title("a " * 40, width=20).splitlines())
        4
    """
    import textwrap

    if not title:
        return title
    return "\n".join(textwrap.fill(line, width) if len(line) > width else line for line in title.split("\n"))


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
    ax.set_title(wrap_title(title), fontsize=9)
    integer_frequency_ticks(ax)
    cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    if not log:
        plain_colorbar(cb)
    cb.set_label(colorbar_label)
    return fig, ax


def heatmap_range(result, vmin: float | None = None, vmax: float | None = None) -> tuple[float, float]:
    """The colour range of a heat map as drawn: the given bounds, else the finite data range; error maps in
    error-rate units [0, 1], other quantities in their own units. A (near) constant map gets a range in which its
    colour means its value: the full range [0, 1] for error maps, else a small range centred on the value
    (± 5 % of it, at least ± 0.05).

    Args:
        result: a :class:`~freqlens.probes.heatmap.HeatmapResult` (``error`` in percent, or the mean quantity).
        vmin, vmax: fixed bounds (error rate, e.g. the paper's 0.1 and 1; or the quantity's units), or None for
            the data's.

    Returns:
        ``(vmin, vmax)`` with vmin < vmax; (0, 1) without finite data.

    Raises:
        InputError: both bounds given and ``vmin >= vmax``.

    Source:
        freqlens.

    Example:
        >>> from types import SimpleNamespace
        >>> heatmap_range(SimpleNamespace(error=np.array([[20.0, 60.0]])))
        (0.2, 0.6)
        >>> heatmap_range(SimpleNamespace(error=np.array([[20.0, 60.0]])), 0.1, 1.0)
        (0.1, 1.0)
        >>> heatmap_range(SimpleNamespace(error=np.full((2, 2), 100.0)))
        (0.0, 1.0)
        >>> heatmap_range(SimpleNamespace(error=np.full((2, 2), 2.0), quantity="loss"))
        (1.9, 2.1)
    """
    if vmin is not None and vmax is not None and float(vmin) >= float(vmax):
        from freqlens.errors import InputError

        raise InputError(f"colour range vmin {float(vmin):g} >= vmax {float(vmax):g}; give vmin < vmax "
                         "(--vmin/--vmax)")
    err = _drawn(result)
    finite = err[np.isfinite(err)]
    is_error = _quantity(result).kind == "error"
    if not finite.size:
        dlo, dhi = 0.0, 1.0
    else:
        dlo, dhi = float(finite.min()), float(finite.max())
    if dhi - dlo <= 1e-6 * max(1.0, abs(dlo), abs(dhi)):     # (near) constant: no data-driven range
        if is_error:
            dlo, dhi = 0.0, 1.0
        else:
            centre = 0.5 * (dlo + dhi)
            half = max(0.05 * abs(centre), 0.05)
            dlo, dhi = round(centre - half, 12), round(centre + half, 12)
    lo = float(vmin) if vmin is not None else dlo
    hi = float(vmax) if vmax is not None else dhi
    if hi <= lo:                      # one bound given, on the far side of the data: keep it, move the other
        width = 1.0 if is_error else max(0.1 * abs(lo if vmin is not None else hi), 0.1)
        if vmin is not None:
            hi = lo + width
        else:
            lo = hi - width
    return lo, hi


def plot_heatmap(result, ax=None, vmin: float | None = None, vmax: float | None = None, title: str | None = None):
    """A :class:`~freqlens.probes.heatmap.HeatmapResult` as an image. Error maps in the authors' convention:
    error rate, linear ``RdBu`` scale, small error red, large error blue. Other quantities in their own units
    (``viridis``, colour bar "cross-entropy loss", "‖Δ logits‖₂" or "‖Δ features‖₂ at <layer>").

    Args:
        result: the heat map (``error`` in percent, drawn as a rate in [0, 1]; or the mean quantity).
        ax: axes to draw on (a new figure when None).
        vmin, vmax: colour range in error-rate units (the paper: 0.1 and 1), or in the quantity's units;
            None: the data's range.
        title: figure title (default: label, quantity, ε, N and clean error).

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
    q = _quantity(result)
    lo, hi = heatmap_range(result, vmin, vmax)
    if q.kind == "error":
        title = title or (f"{name}error rate under Fourier-basis noise, ℓ2 = {result.eps:g}/channel\n"
                          f"N = {result.n_images}, clean error {result.clean_error / 100:.2f} "
                          "(red: small, blue: large)")
        return plot_centred_map(_drawn(result), ax=ax, title=title, colorbar_label="error rate", vmin=lo, vmax=hi,
                                cmap=HEATMAP_CMAP)
    clean = getattr(result, "clean_value", None)
    clean_text = f", clean {clean:.3g}" if q.kind == "loss" and clean is not None else ""
    title = title or (f"{name}{q.label} under Fourier-basis noise, ℓ2 = {result.eps:g}/channel\n"
                      f"N = {result.n_images}{clean_text}, clean error {result.clean_error / 100:.2f}")
    return plot_centred_map(_drawn(result), ax=ax, title=title, colorbar_label=q.label, vmin=lo, vmax=hi,
                            cmap=QUANTITY_CMAP)


def plot_heatmaps(results: Sequence, titles: Sequence[str] | None = None, vmin: float | None = None,
                  vmax: float | None = None):
    """Several heat maps side by side with one shared colour range: the given bounds, else the range of all maps
    together, so that equal colours mean equal error rates across the panels.

    Args:
        results: heat maps to draw.
        titles: one title per map (default: each map's own).
        vmin, vmax: shared colour range in error-rate units (the paper: 0.1 and 1), or in the quantity's units.

    Returns:
        ``(fig, axes)``: one axes per map.

    Raises:
        InputError: maps of different quantities (they have no common scale).

    Source: Yin et al. 2019, Fig. 2 (colour convention of the official code).

    Example:
        >>> from freqlens.probes.heatmap import HeatmapResult
        >>> maps = [HeatmapResult(error=np.full((4, 4), v), eps=4.0, n_images=1, clean_error=0.0, bounds=None,
        ...                       seed=0) for v in (20.0, 80.0)]
        >>> fig, axes = plot_heatmaps(maps)
        >>> [round(a.images[0].get_clim()[1], 2) for a in axes]
        [0.8, 0.8]
    """
    k = len(results)
    kinds = sorted({_quantity(r).name for r in results})
    if len(kinds) > 1:
        from freqlens.errors import InputError

        raise InputError(f"heat maps of different quantities ({', '.join(kinds)}) share no colour scale; "
                         "draw each on its own")
    if vmin is None or vmax is None:
        from types import SimpleNamespace

        every = np.concatenate([np.asarray(r.error, dtype=float).ravel() for r in results])
        vmin, vmax = heatmap_range(SimpleNamespace(error=every, quantity=kinds[0]), vmin, vmax)
    fig, axes = plt.subplots(1, k, figsize=(4.4 * k, 3.9), constrained_layout=True, squeeze=False)
    for i, (res, ax) in enumerate(zip(results, axes[0])):
        t = titles[i] if titles else None
        plot_heatmap(res, ax=ax, vmin=vmin, vmax=vmax, title=t)
    return fig, axes[0]


def plot_per_class_heatmaps(result, class_names: Sequence[str] | None = None, vmin: float | None = None,
                            vmax: float | None = None, ncols: int | None = None):
    """The per-class maps of a heat map (``fourier_heatmap(..., per_class=True)``) as a small grid with one
    shared colour bar, each titled by its class name (or index) and its number of images. Classes without images
    (a model with more outputs than the data has classes, an empty class folder) get no panel; the figure title
    names them ("no images: ...").

    Args:
        result: a :class:`~freqlens.probes.heatmap.HeatmapResult` with ``per_class`` (K, H, W).
        class_names: up to K names in label order (default: ``result.class_names``; classes beyond the names are
            called "class k").
        vmin, vmax: shared colour range (error-rate units for error maps, else the quantity's); None: the
            range of all classes together.
        ncols: maps per row (default: up to 5).

    Returns:
        ``(fig, axes)``: one axes per class with images, in label order.

    Raises:
        InputError: the result has no per-class maps, ``class_names`` has more than K names, or
            ``vmin >= vmax``.

    Source: freqlens (per-class maps); Yin et al. 2019 (colour convention of error maps).

    Example:
        >>> from freqlens.probes.heatmap import HeatmapResult
        >>> res = HeatmapResult(error=np.full((3, 3), 2.0), eps=1.0, n_images=4, clean_error=0.0, bounds=None,
        ...                     seed=0, quantity="loss", per_class=np.stack([np.ones((3, 3)), 3 * np.ones((3, 3)),
        ...                     np.full((3, 3), np.nan)]), class_counts=[2, 1, 0])
        >>> fig, axes = plot_per_class_heatmaps(res, class_names=["cat", "dog"])
        >>> [a.get_title() for a in axes], axes[0].images[0].get_clim()
        (['cat (2 images)', 'dog (1 image)'], (1.0, 3.0))
        >>> fig._suptitle.get_text().endswith("no images: class 2")
        True
    """
    from freqlens.errors import InputError

    maps = getattr(result, "per_class", None)
    if maps is None:
        raise InputError("this heat map has no per-class maps; compute it with per_class=True (--per-class)")
    maps = np.asarray(maps, dtype=float)
    k = maps.shape[0]
    if class_names is None:
        class_names = getattr(result, "class_names", None)
    if class_names is not None and len(class_names) > k:
        raise InputError(f"{len(class_names)} class names for {k} per-class maps; give one name per class")
    names = [str(n) for n in (class_names or [])] + [f"class {i}" for i in range(len(class_names or []), k)]
    q = _quantity(result)
    drawn = _drawn(result, maps)
    from types import SimpleNamespace

    lo, hi = heatmap_range(SimpleNamespace(error=maps, quantity=q.name), vmin, vmax)
    counts = getattr(result, "class_counts", None) or [None] * k
    shown = [i for i in range(k) if counts[i] is None or counts[i] > 0] or list(range(k))
    empty = [names[i] for i in range(k) if i not in shown]
    n = len(shown)
    ncols = int(ncols or min(n, 5))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.3 * ncols + 0.8, 2.3 * nrows + 0.5), squeeze=False,
                             constrained_layout=True)
    cmap = HEATMAP_CMAP if q.kind == "error" else QUANTITY_CMAP
    im = None
    for j, ax in enumerate(axes.ravel()):
        if j >= n:
            ax.set_visible(False)
            continue
        i = shown[j]
        im = ax.imshow(drawn[i], extent=centred_extent(drawn[i].shape), cmap=cmap, vmin=lo, vmax=hi,
                       interpolation="nearest")
        c = counts[i]
        ax.set_title(names[i] if c is None else f"{names[i]} ({c} image{'' if c == 1 else 's'})", fontsize=8)
        ax.tick_params(labelsize=6)
        integer_frequency_ticks(ax)
        if j % ncols == 0:
            ax.set_ylabel("f_u (cycles/image)", fontsize=7)
        if j + ncols >= n:   # the lowest map of its column
            ax.set_xlabel("f_v (cycles/image)", fontsize=7)
    plain_colorbar(fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.8)).set_label(
        "error rate" if q.kind == "error" else q.label)
    missing = ""
    if empty:
        listed = ", ".join(empty[:5]) + (f" and {len(empty) - 5} more" if len(empty) > 5 else "")
        missing = f"\nno images: {listed}"
    fig.suptitle(f"{result.label + ': ' if result.label else ''}{q.label} per true class, "
                 f"ℓ2 = {result.eps:g}/channel{missing}", fontsize=9)
    return fig, axes.ravel()[:n]


__all__ = ["HEATMAP_CMAP", "PAPER_RANGE", "QUANTITY_CMAP", "plot_centred_map", "heatmap_range", "plot_heatmap",
           "plot_heatmaps", "plot_per_class_heatmaps"]
