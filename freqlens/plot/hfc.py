"""Figures for LFC/HFC analysis (Wang et al.): accuracy by radius, curves over epochs, HFC examples."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from freqlens.plot.style import new_axes

_COLOURS = plt.get_cmap("viridis")


def plot_hfc_accuracy(res, ax=None):
    """Accuracy on low-frequency-component (LFC) and high-frequency-component (HFC) images against the cut-off radius,
    with the clean accuracy dashed.

    Args:
        res: a :class:`~freqlens.probes.hfc.HFCAccuracy` (``radii`` in cycles per image; accuracies in [0, 1]).
        ax: matplotlib axes to draw into (default: a new figure).

    Returns:
        ``(fig, ax)``; y fixed to [0, 1].

    Raises:
        Nothing of its own.

    Source:
        Wang et al. 2020 (CVPR), Sec. 3 (LFC/HFC decomposition).

    Example:
        >>> import numpy as np
        >>> from freqlens.probes.hfc import HFCAccuracy
        >>> res = HFCAccuracy(radii=[4, 8], clean_accuracy=0.9, lfc_accuracy=np.array([0.3, 0.7]),
        ...                   hfc_accuracy=np.array([0.4, 0.2]), n_images=10, rescale="none", bn_eval="eval",
        ...                   image_size=[3, 32, 32])
        >>> fig, ax = plot_hfc_accuracy(res)
        >>> ax.get_xlabel(), [float(v) for v in ax.get_ylim()]
        ('radius r (cycles per image)', [0.0, 1.0])
    """
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
    """Accuracy over epochs: clean train (solid black) and test (dashed black), LFC (solid) and HFC (dotted) per radius,
    one viridis colour per radius; all-NaN series are skipped.

    Args:
        curves: a :class:`~freqlens.dynamics.hfc.HFCCurves` (accuracies in [0, 1]; ``lfc_<split>``,
            ``hfc_<split>``: (epochs, len(radii))).
        ax: matplotlib axes to draw into (default: a new figure).
        split: ``"test"`` or ``"train"``: which component accuracies to draw.
        title: axes title (default: the curves' label and the split).
        legend: draw the legend.

    Returns:
        ``(fig, ax)``.

    Raises:
        AttributeError: ``split`` is neither "train" nor "test".

    Source:
        Wang et al. 2020 (CVPR), Fig. 3 and 4 (accuracy of LFC/HFC images over training).

    Example:
        >>> import numpy as np
        >>> from freqlens.dynamics.hfc import HFCCurves
        >>> e = np.array([1, 2])
        >>> c = HFCCurves(radii=[4.0], epochs=e, clean_train=np.array([.5, .9]), clean_test=np.array([.4, .7]),
        ...               lfc_train=np.full((2, 1), np.nan), hfc_train=np.full((2, 1), np.nan),
        ...               lfc_test=np.array([[.2], [.5]]), hfc_test=np.array([[.1], [.3]]), rescale="none",
        ...               bn_eval="eval")
        >>> fig, ax = plot_hfc_curves(c)
        >>> ax.get_ylabel(), [t.get_text() for t in ax.get_legend().get_texts()]
        ('accuracy (test set)', ['train (clean)', 'test (clean)', 'L(4)', 'H(4)'])
    """
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
    """Images the model classifies correctly from the image and from its HFC but not from its LFC: one row per example
    with the image, the LFC, the HFC (each min–max scaled for display only) and the three softmax vectors as bars.

    Args:
        ex: a :class:`~freqlens.probes.hfc.HFCExamples` (images, lfc, hfc: (K, C, H, W); probs_*: (K, classes)).
        max_rows: at most this many examples.
        class_names: unused (kept for call compatibility); the bars are indexed by class number.

    Returns:
        ``(fig, axes)``: a (rows, 4) axes array; with no example, one row saying so.

    Raises:
        Nothing of its own.

    Source:
        Wang et al. 2020 (CVPR), Fig. 2.

    Example:
        >>> import numpy as np
        >>> from freqlens.probes.hfc import HFCExamples
        >>> p = np.array([[0.1, 0.9]])
        >>> ex = HFCExamples(radius=4.0, indices=np.array([7]), labels=np.array([1]), images=np.random.rand(1, 1, 8, 8),
        ...                  lfc=np.random.rand(1, 1, 8, 8), hfc=np.random.rand(1, 1, 8, 8), probs_image=p,
        ...                  probs_lfc=p[:, ::-1], probs_hfc=p, count=1, n_evaluated=5, n_correct=4, rescale="none")
        >>> fig, axes = plot_hfc_examples(ex)
        >>> axes.shape, axes[0, 2].get_title(), axes[0, 3].get_ylabel()
        ((1, 4), 'HFC: pred 1', 'softmax')
    """
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
    """One :func:`plot_hfc_curves` panel per model, side by side; the legend only on the first.

    Args:
        curves: label → :class:`~freqlens.dynamics.hfc.HFCCurves`.
        split: ``"test"`` or ``"train"`` component accuracies.
        titles: label → panel title (default: the label).
        width: width of one panel in inches.

    Returns:
        ``(fig, axes)``: one axes per entry.

    Raises:
        AttributeError: ``split`` is neither "train" nor "test".

    Source:
        Wang et al. 2020 (CVPR), Fig. 4 and 5 (one panel per training heuristic).

    Example:
        >>> import numpy as np
        >>> from freqlens.dynamics.hfc import HFCCurves
        >>> z = np.full((2, 1), 0.5)
        >>> c = HFCCurves(radii=[4.0], epochs=np.array([1, 2]), clean_train=np.ones(2), clean_test=np.ones(2),
        ...               lfc_train=z, hfc_train=z, lfc_test=z, hfc_test=z, rescale="none", bn_eval="eval")
        >>> fig, axes = plot_curve_panels({"batch 32": c, "batch 256": c})
        >>> [a.get_title() for a in axes]
        ['batch 32', 'batch 256']
    """
    fig, axes = plt.subplots(1, len(curves), figsize=(width * len(curves), 4), constrained_layout=True,
                             squeeze=False)
    for i, (ax, (label, c)) in enumerate(zip(axes[0], curves.items())):
        plot_hfc_curves(c, ax=ax, split=split, title=(titles or {}).get(label, str(label)), legend=i == 0)
        ax.title.set_fontsize(9)
    return fig, axes[0]


def plot_component_training(table: dict, radii, ax=None):
    """Accuracy of models trained on one component only (LFC or HFC images at each radius): bars of training accuracy
    (hatched) and accuracy on the original test images; the dotted line is chance for 10 classes.

    Args:
        table: ``table[f"{comp}({r})"] = {"train": accuracy, "original_test": accuracy}`` for comp in LFC, HFC and
            every r of ``radii`` (accuracies in [0, 1]).
        radii: the cut-off radii (cycles per image).
        ax: matplotlib axes to draw into (default: a new figure).

    Returns:
        ``(fig, ax)``.

    Raises:
        KeyError: an entry of ``table`` is missing.

    Source:
        Wang et al. 2020 (CVPR), Table 1.

    Example:
        >>> t = {f"{c}({r})": {"train": 0.9, "original_test": 0.3} for c in ("LFC", "HFC") for r in (4, 8)}
        >>> fig, ax = plot_component_training(t, [4, 8])
        >>> len(ax.patches), ax.get_ylabel()
        (8, 'accuracy')
    """
    fig, ax = new_axes(ax)
    x = np.arange(len(radii))
    for j, comp in enumerate(("LFC", "HFC")):
        for k, split in enumerate(("train", "original_test")):
            vals = [table[f"{comp}({r})"][split] for r in radii]
            ax.bar(x + (2 * j + k - 1.5) * 0.2, vals, 0.2, label=f"{comp}-trained, {split.replace('_', ' ')}",
                   hatch="//" if split == "train" else None, alpha=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels([f"r={r}" for r in radii])
    ax.set_xlabel("radius r of the component (cycles per image)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.3)   # room for the legend above the bars
    ax.axhline(0.1, color="k", lw=0.5, ls=":", label="chance (10 classes)")
    ax.set_title("Trained on one component (max-rescaled), tested on original images", fontsize=9)
    ax.legend(fontsize=7, ncol=2, loc="upper center")
    return fig, ax


def plot_batchnorm_runs(runs: dict, radii):
    """BatchNorm and the HFC: per radius, accuracy over epochs on the LFC training images, the original test images and
    the LFC test images, with BatchNorm (solid) and without (dashed).

    Args:
        runs: ``runs[(r, bn)]`` → :class:`~freqlens.dynamics.hfc.HFCCurves` with one LFC radius, for every r in
            ``radii`` and bn in (True, False); ``clean_train`` is the accuracy on the LFC training images.
        radii: the cut-off radii (cycles per image).

    Returns:
        ``(fig, axes)``: one axes per radius.

    Raises:
        KeyError: a (radius, bn) run is missing.

    Source:
        Wang et al. 2020 (CVPR), Fig. 6.

    Example:
        >>> import numpy as np
        >>> from freqlens.dynamics.hfc import HFCCurves
        >>> z = np.full((2, 1), 0.5)
        >>> c = HFCCurves(radii=[4.0], epochs=np.array([1, 2]), clean_train=np.ones(2), clean_test=np.ones(2),
        ...               lfc_train=z, hfc_train=z, lfc_test=z, hfc_test=z, rescale="none", bn_eval="eval")
        >>> fig, axes = plot_batchnorm_runs({(4, True): c, (4, False): c}, [4])
        >>> len(axes), len(axes[0].get_lines())
        (1, 6)
    """
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
