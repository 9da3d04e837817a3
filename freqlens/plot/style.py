"""Shared figure helpers: a non-interactive backend, new axes on demand, and saving."""
from __future__ import annotations

import os
from pathlib import Path

import matplotlib

if not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def new_axes(ax=None, figsize=(6, 4)):
    """The given axes and their figure, or a new constrained-layout figure with one axes.

    Args:
        ax: matplotlib axes to draw into, or None for a new figure.
        figsize: (width, height) of a new figure in inches (ignored when ``ax`` is given).

    Returns:
        ``(fig, ax)``.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> fig, ax = new_axes(figsize=(3, 2))
        >>> new_axes(ax)[1] is ax, fig.get_size_inches().tolist()
        (True, [3.0, 2.0])
    """
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    return fig, ax


def save_figure(fig, path: str | os.PathLike, dpi: int = 130) -> Path:
    """Save ``fig`` to ``path``, creating the parent folder, and close the figure.

    Args:
        fig: the matplotlib figure.
        path: file to write; the format follows the suffix (the recipes use ``.png``).
        dpi: resolution in dots per inch.

    Returns:
        The path written, as a :class:`~pathlib.Path`.

    Raises:
        OSError: the folder cannot be created or the file written.

    Source:
        freqlens.

    Example:
        >>> import tempfile
        >>> fig, ax = new_axes(figsize=(2, 2))
        >>> out = save_figure(fig, Path(tempfile.mkdtemp()) / "sub" / "fig.png", dpi=20)
        >>> out.name, out.is_file(), plt.fignum_exists(fig.number)
        ('fig.png', True, False)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def centred_extent(shape: tuple[int, int]) -> list[float]:
    """``imshow`` extent of a centred (H, W) frequency map, so that the axes read in cycles per image.

    Cell centres fall on the integer frequencies −(H//2) … H−1−H//2 (vertical, f_u, increasing downwards as in
    ``imshow``'s default origin) and −(W//2) … W−1−W//2 (horizontal, f_v), DC in the middle, for odd and even sizes.

    Args:
        shape: (H, W) of the map, in DFT cells.

    Returns:
        ``[left, right, bottom, top]`` in cycles per image (half a cell beyond the outer centres).

    Raises:
        ValueError: ``shape`` does not hold two numbers.

    Source:
        freqlens (the centred layout of :mod:`freqlens.fourier.grid`).

    Example:
        >>> centred_extent((4, 5))
        [-2.5, 2.5, 1.5, -2.5]
    """
    h, w = shape
    fu0, fv0 = -(h // 2), -(w // 2)
    return [fv0 - 0.5, fv0 + w - 0.5, fu0 + h - 0.5, fu0 - 0.5]



def plain_colorbar(cb):
    """Write a colour bar's tick labels without an offset (no "1e-6+8.3e-1" above the bar): each tick reads as
    its value.

    Args:
        cb: a matplotlib colour bar.

    Returns:
        The same colour bar.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> fig, ax = new_axes(figsize=(2, 2))
        >>> cb = plain_colorbar(fig.colorbar(ax.imshow([[0.8333331, 0.8333339]]), ax=ax))
        >>> cb.formatter.get_useOffset()
        False
    """
    from matplotlib.ticker import ScalarFormatter

    fmt = ScalarFormatter(useOffset=False)
    cb.formatter = fmt
    cb.update_ticks()
    return cb


def integer_frequency_ticks(ax):
    """Put ticks only on integer frequencies (cycles/image) on both axes of a frequency map.

    Args:
        ax: matplotlib axes showing a map drawn with :func:`centred_extent`.

    Returns:
        The same axes.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> fig, ax = new_axes(figsize=(2, 2))
        >>> _ = ax.imshow([[0.0] * 3] * 3, extent=centred_extent((3, 3)))
        >>> [float(t) for t in integer_frequency_ticks(ax).get_xticks() if -1.5 <= t <= 1.5]
        [-1.0, 0.0, 1.0]
    """
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return ax
