"""Shared figure helpers: a non-interactive backend, new axes on demand, and saving."""
from __future__ import annotations

import os
from pathlib import Path

import matplotlib

if not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def new_axes(ax=None, figsize=(6, 4)):
    """``(fig, ax)``: the given axes and their figure, or a new figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    return fig, ax


def save_figure(fig, path: str | os.PathLike, dpi: int = 130) -> Path:
    """Save ``fig`` to ``path`` (PNG), creating the folder, and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def centred_extent(shape: tuple[int, int]) -> list[float]:
    """``imshow`` extent of a centred (H, W) frequency map: cell centres at the frequencies −(H//2) … H−1−H//2
    (vertical) and −(W//2) … W−1−W//2 (horizontal), DC in the middle, for odd and even sizes."""
    h, w = shape
    fu0, fv0 = -(h // 2), -(w // 2)
    return [fv0 - 0.5, fv0 + w - 0.5, fu0 + h - 0.5, fu0 - 0.5]

