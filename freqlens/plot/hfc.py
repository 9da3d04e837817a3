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


def plot_curve_panels(curves: dict, split: str = "test", titles: dict | None = None, width: float = 5.0):
    """One :func:`plot_hfc_curves` panel per entry of ``curves`` ({label: HFCCurves}); returns (fig, axes)."""
    fig, axes = plt.subplots(1, len(curves), figsize=(width * len(curves), 4), constrained_layout=True,
                             squeeze=False)
    for i, (ax, (label, c)) in enumerate(zip(axes[0], curves.items())):
        plot_hfc_curves(c, ax=ax, split=split, title=(titles or {}).get(label, str(label)), legend=i == 0)
        ax.title.set_fontsize(9)
    return fig, axes[0]


def plot_component_training(table: dict, radii, ax=None):
    """Bars of train / original-test accuracy of models trained on LFC or HFC images (Table 1 of Wang et al.).
    ``table["LFC(r)"] = {"train": a, "original_test": b}``."""
    fig, ax = new_axes(ax)
    x = np.arange(len(radii))
    for j, comp in enumerate(("LFC", "HFC")):
        for k, split in enumerate(("train", "original_test")):
            vals = [table[f"{comp}({r})"][split] for r in radii]
            ax.bar(x + (2 * j + k - 1.5) * 0.2, vals, 0.2, label=f"{comp}-trained, {split.replace('_', ' ')}",
                   hatch="//" if split == "train" else None, alpha=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels([f"r={r}" for r in radii])
    ax.set_ylabel("accuracy")
    ax.axhline(0.1, color="k", lw=0.5, ls=":")
    ax.set_title("Trained on one component (max-rescaled), tested on original images")
    ax.legend(fontsize=7)
    return fig, ax


def plot_batchnorm_runs(runs: dict, radii):
    """Fig. 6 of Wang et al.: per radius, train (LFC images), original-test and LFC-test accuracy over epochs, BN
    solid vs no BN dashed. ``runs[(r, bn)]`` are HFCCurves with one LFC radius."""
    fig, axes = plt.subplots(1, len(radii), figsize=(5 * len(radii), 4), constrained_layout=True, squeeze=False)
    for ax, r in zip(axes[0], radii):
        for bn, ls in ((True, "-"), (False, "--")):
            c = runs[(r, bn)]
            tag = "BN" if bn else "no BN"
            ax.plot(c.epochs, c.clean_train, ls, color="C0", label=f"train (LFC images), {tag}")
            ax.plot(c.epochs, c.clean_test, ls, color="C1", label=f"test (original), {tag}")
            ax.plot(c.epochs, c.lfc_test[:, 0], ls, color="C2", label=f"test (LFC r={r}), {tag}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy")
        ax.set_ylim(0, 1)
        ax.set_title(f"trained on LFC r={r}: BN solid, no BN dashed")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=7)
    return fig, axes[0]
