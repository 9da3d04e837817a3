"""Figures for LFC/HFC analysis (Wang et al.): accuracy by radius, curves over epochs, HFC examples."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from freqlens.plot.style import new_axes

_COLOURS = plt.get_cmap("viridis")


def plot_hfc_accuracy(res, ax=None):
    """LFC and HFC accuracy against radius, with the clean accuracy as a dashed line."""
    fig, ax = new_axes(ax)
    ax.plot(res.radii, res.lfc_accuracy, "o-", label="LFC (low-pass)")
    ax.plot(res.radii, res.hfc_accuracy, "s:", label="HFC (high-pass)")
    ax.axhline(res.clean_accuracy, color="k", ls="--", lw=1, label="clean")
    ax.set_xlabel("radius r (cycles per image)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1)
    ax.set_title(f"Accuracy on LFC / HFC images (rescale={res.rescale}, n={res.n_images})")
    ax.legend()
    return fig, ax


def plot_hfc_curves(curves, ax=None, split: str = "test", title: str | None = None, legend: bool = True):
    """Accuracy over epochs: clean train/test, LFC (solid) and HFC (dotted) per radius on ``split``."""
    fig, ax = new_axes(ax)
    ep = np.asarray(curves.epochs)
    if not np.all(np.isnan(curves.clean_train)):
        ax.plot(ep, curves.clean_train, "k-", lw=2, label="train (clean)")
    if not np.all(np.isnan(curves.clean_test)):
        ax.plot(ep, curves.clean_test, "k--", lw=2, label="test (clean)")
    lfc, hfc = np.asarray(getattr(curves, f"lfc_{split}")), np.asarray(getattr(curves, f"hfc_{split}"))
    n = len(curves.radii)
    for i, r in enumerate(curves.radii):
        col = _COLOURS(i / max(n - 1, 1) * 0.85)
        if not np.all(np.isnan(lfc[:, i])):
            ax.plot(ep, lfc[:, i], "-", color=col, label=f"L({r:g})")
        if not np.all(np.isnan(hfc[:, i])):
            ax.plot(ep, hfc[:, i], ":", color=col, lw=2, label=f"H({r:g})")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(f"accuracy ({split} set)")
    ax.set_ylim(0, 1.02)
    ax.set_title(title or f"{curves.label or 'model'}: LFC solid, HFC dotted ({split})")
    if legend:
        ax.legend(fontsize=7, ncol=2)
    return fig, ax


def plot_hfc_examples(ex, max_rows: int = 6, class_names=None):
    """One row per example: image, LFC, HFC (min–max scaled for display only) and the three softmax bars."""
    k = min(max_rows, len(ex.indices))
    rows = max(k, 1)
    fig, axes = plt.subplots(rows, 4, figsize=(9, 2.0 * rows), constrained_layout=True, squeeze=False)
    if k == 0:
        axes[0, 0].text(0.5, 0.5, f"no image classified by its HFC at r={ex.radius:g} "
                        f"(0 of {ex.n_evaluated})", ha="center", va="center")
        for a in axes[0]:
            a.axis("off")
        return fig, axes

    def show(a, img, title):
        img = np.asarray(img, dtype=float)
        img = (img - img.min()) / max(img.max() - img.min(), 1e-12)
        a.imshow(np.transpose(img, (1, 2, 0)).squeeze(), cmap="gray" if img.shape[0] == 1 else None)
        a.set_title(title, fontsize=8)
        a.axis("off")

    for i in range(k):
        y = int(ex.labels[i])
        show(axes[i, 0], ex.images[i], f"image (label {y})")
        show(axes[i, 1], ex.lfc[i], f"LFC r<{ex.radius:g}: pred {int(np.argmax(ex.probs_lfc[i]))}")
        show(axes[i, 2], ex.hfc[i], f"HFC: pred {int(np.argmax(ex.probs_hfc[i]))}")
        a = axes[i, 3]
        c = np.arange(len(ex.probs_image[i]))
        a.bar(c - 0.27, ex.probs_image[i], 0.27, label="image")
        a.bar(c, ex.probs_lfc[i], 0.27, label="LFC")
        a.bar(c + 0.27, ex.probs_hfc[i], 0.27, label="HFC")
        a.axvline(y, color="k", lw=0.5)
        a.set_ylim(0, 1)
        a.set_xticks(c)
        a.tick_params(labelsize=6)
        a.set_ylabel("softmax", fontsize=7)
        if i == 0:
            a.legend(fontsize=6)
    fig.suptitle(f"Correct on image and HFC, wrong on LFC (r={ex.radius:g}): {ex.count} of {ex.n_evaluated} "
                 f"test images (display: per-image min–max scaling)", fontsize=9)
    return fig, axes
