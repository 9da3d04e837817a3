"""Accuracy tables drawn as heat maps (Wang et al. 2020 Table 2 style: rows = model and ρ, columns = attack and ε)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_accuracy_table(rows, columns, title: str = ""):
    """A table of accuracies drawn as a heat map: viridis on the fixed range [0, 1], each cell printed to two
    decimals, with a colour bar labelled "accuracy" (Wang et al. 2020, Table 2 layout).

    Args:
        rows: ``[(row label, [accuracy in [0, 1] per column]), ...]``, all of the same length.
        columns: one label per column (e.g. attack and ε).
        title: axes title.

    Returns:
        ``(fig, ax)``.

    Raises:
        ValueError: the rows have different lengths (numpy cannot stack them).

    Source:
        Wang et al. 2020 (CVPR), Table 2 (layout only).

    Example:
        >>> fig, ax = plot_accuracy_table([("natural", [0.9, 0.1]), ("smoothed", [0.8, 0.3])], ["clean", "PGD ε=4"])
        >>> ax.images[0].get_array().shape, ax.images[0].get_clim(), len(fig.axes)
        ((2, 2), (0.0, 1.0), 2)
    """
    data = np.array([r[1] for r in rows], dtype=float)
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(rows) + 2), constrained_layout=True)
    im = ax.imshow(data, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(data.shape[1]))
    ax.set_xticklabels(columns, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in rows], fontsize=8)
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            ax.text(j, i, f"{data[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="w" if data[i, j] < 0.5 else "k")
    fig.colorbar(im, ax=ax).set_label("accuracy")
    ax.set_title(title, fontsize=9)
    return fig, ax
