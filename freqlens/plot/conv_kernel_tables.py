"""Accuracy tables drawn as heat maps (Wang et al. 2020 Table 2 style: rows = model and ρ, columns = attack and ε)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_accuracy_table(rows, columns, title: str = ""):
    """Heat-map table of accuracies. ``rows``: [(label, [values per column])]; ``columns``: column labels.
    Returns (fig, ax)."""
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
