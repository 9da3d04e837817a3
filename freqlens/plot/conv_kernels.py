"""First-layer kernels as pictures (Wang et al., Fig. 7): one column per output filter, one row per input channel."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from freqlens.errors import InputError


def plot_conv_kernel_grid(weights: dict, max_filters: int = 16, title: str | None = None):
    """First-layer kernels of several models as a grid of small pictures (Wang et al. 2020, Fig. 7 layout).

    Columns are output filters (the first ``max_filters``), rows are input channels, one block of rows per model.
    Each k × k cell is min–max scaled on its own (so only its shape, not its size, is comparable), drawn in viridis
    on [0, 1] with one colour bar for the scaled value.

    Args:
        weights: model label → first-layer weight (C_out, C_in, k, k), a tensor or array (weight units).
        max_filters: how many output filters to show.
        title: figure title (default: the layout and the scaling).

    Returns:
        ``(fig, axes)``: the (len(weights)·C_in, F) array of cell axes.

    Raises:
        IndexError: a weight is not 4-D.

    Source:
        Wang et al. 2020 (CVPR), Fig. 7.

    Example:
        >>> import torch
        >>> fig, axes = plot_conv_kernel_grid({"natural": torch.randn(4, 3, 3, 3), "adv": torch.randn(4, 3, 3, 3)})
        >>> axes.shape, fig.axes[-1].get_ylabel()
        ((6, 4), 'weight (min–max per cell)')
    """
    labels = list(weights)
    blocks = [np.asarray(weights[k].detach().cpu() if hasattr(weights[k], "detach") else weights[k], dtype=float)
              for k in labels]
    cin = max(b.shape[1] for b in blocks)
    nf = min(max_filters, max(b.shape[0] for b in blocks))
    rows = cin * len(blocks)
    fig, axes = plt.subplots(rows, nf, figsize=(0.62 * nf + 1.2, 0.62 * rows + 0.8), squeeze=False)
    im = None
    for bi, (label, w) in enumerate(zip(labels, blocks)):
        for c in range(cin):
            for f in range(nf):
                a = axes[bi * cin + c, f]
                a.set_xticks([])
                a.set_yticks([])
                if f < w.shape[0] and c < w.shape[1]:
                    k = w[f, c]
                    k = (k - k.min()) / max(k.max() - k.min(), 1e-12)
                    im = a.imshow(k, cmap="viridis", vmin=0, vmax=1)
                if f == 0:
                    a.set_ylabel(f"{label}\nch {c}" if c == 0 else f"ch {c}", fontsize=6, rotation=0, ha="right",
                                 va="center")
                if bi == 0 and c == 0:
                    a.set_title(str(f), fontsize=6)
    fig.subplots_adjust(left=0.16, right=0.9, top=0.88, bottom=0.03, wspace=0.08, hspace=0.08)
    if im is not None:
        cax = fig.add_axes([0.92, 0.1, 0.015, 0.75])
        fig.colorbar(im, cax=cax).set_label("weight (min–max per cell)", fontsize=7)
    fig.suptitle(title or "First-layer kernels (columns: filters; rows: input channels; each cell min–max scaled)",
                 fontsize=9)
    return fig, axes


def conv_kernel_mosaic(weight, max_filters: int = 16, gap: int = 1) -> np.ndarray:
    """First-layer weight (C_out, C_in, k, k) as one 2-D picture for ``imshow``.

    A row of cells per input channel and a column per output filter (the first ``max_filters``); each k × k cell is
    min–max scaled to [0, 1] on its own, with NaN gaps between cells.

    Args:
        weight: (C_out, C_in, k, k) tensor or array.
        max_filters: how many output filters to lay out.
        gap: NaN cells between neighbouring kernels.

    Returns:
        (C_in·(k + gap) − gap, F·(k + gap) − gap) float array, F = min(max_filters, C_out).

    Raises:
        InputError: ``weight`` is not 4-D.

    Source:
        freqlens.

    Example:
        >>> import numpy as np
        >>> m = conv_kernel_mosaic(np.arange(2 * 1 * 2 * 2.0).reshape(2, 1, 2, 2))
        >>> m.shape, float(m[0, 0]), float(m[1, 1]), bool(np.isnan(m[0, 2]))
        ((2, 5), 0.0, 1.0, True)
    """
    w = np.asarray(weight.detach().cpu() if hasattr(weight, "detach") else weight, dtype=float)
    if w.ndim != 4:
        raise InputError(f"kernel weight must be (C_out, C_in, k, k), got shape {w.shape}")
    nf, cin, kh, kw = min(max_filters, w.shape[0]), w.shape[1], w.shape[2], w.shape[3]
    out = np.full((cin * (kh + gap) - gap, nf * (kw + gap) - gap), np.nan)
    for c in range(cin):
        for f in range(nf):
            k = w[f, c]
            out[c * (kh + gap):c * (kh + gap) + kh, f * (kw + gap):f * (kw + gap) + kw] = \
                (k - k.min()) / max(k.max() - k.min(), 1e-12)
    return out


def plot_conv_kernel_mosaic(weight, ax=None, title: str = "", max_filters: int = 16):
    """Draw :func:`conv_kernel_mosaic` on one axes: viridis on [0, 1], white gaps, a colour bar for the per-cell
    scaled value, output filters along x and input channels along y.

    Args:
        weight: (C_out, C_in, k, k) tensor or array.
        ax: matplotlib axes to draw into (default: a new 8 × 2.2 in figure).
        title: axes title (none when empty).
        max_filters: how many output filters to show.

    Returns:
        ``(fig, ax)``.

    Raises:
        InputError: ``weight`` is not 4-D.

    Source:
        Wang et al. 2020 (CVPR), Fig. 7 (layout).

    Example:
        >>> import torch
        >>> fig, ax = plot_conv_kernel_mosaic(torch.randn(8, 3, 3, 3), title="conv1")
        >>> ax.get_xlabel(), len(ax.get_yticks()), fig.axes[-1].get_ylabel()
        ('output filter', 3, 'weight, min–max per cell')
    """
    from freqlens.plot.style import new_axes

    fig, ax = new_axes(ax, figsize=(8, 2.2))
    w = weight.detach().cpu() if hasattr(weight, "detach") else np.asarray(weight)
    k = w.shape[-1]
    cmap = plt.get_cmap("viridis").with_extremes(bad="white")
    im = ax.imshow(conv_kernel_mosaic(w, max_filters), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
    nf = min(max_filters, w.shape[0])
    ax.set_xticks([f * (k + 1) + (k - 1) / 2 for f in range(nf)])
    ax.set_xticklabels([str(f) for f in range(nf)], fontsize=6)
    ax.set_yticks([c * (k + 1) + (k - 1) / 2 for c in range(w.shape[1])])
    ax.set_yticklabels([f"ch {c}" for c in range(w.shape[1])], fontsize=7)
    ax.set_xlabel("output filter", fontsize=8)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.figure.colorbar(im, ax=ax, fraction=0.025, pad=0.01).set_label("weight, min–max per cell", fontsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return fig, ax


def plot_conv_kernel_panels(panels: list, suptitle: str = "", max_filters: int = 16):
    """Several first-layer kernel mosaics stacked in one figure (e.g. natural and adversarially trained, before and
    after smoothing), each with its own colour bar.

    Args:
        panels: ``(weight, title)`` pairs; weight (C_out, C_in, k, k).
        suptitle: figure title.
        max_filters: output filters shown per mosaic.

    Returns:
        ``(fig, axes)``, one axes per panel (the colour bars are extra axes of ``fig``).

    Raises:
        InputError: no panels, or a weight that is not 4-D.

    Source:
        Wang et al. 2020 (CVPR), Fig. 7 (layout).

    Example:
        >>> import torch
        >>> fig, axes = plot_conv_kernel_panels([(torch.randn(4, 3, 5, 5), "natural"),
        ...                                      (torch.randn(4, 3, 5, 5), "adversarial")], "5×5 kernels")
        >>> [ax.get_title() for ax in axes], len(fig.axes)
        (['natural', 'adversarial'], 4)
    """
    if not panels:
        raise InputError("plot_conv_kernel_panels needs at least one (weight, title) panel")
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 1.9 * len(panels)), constrained_layout=True, squeeze=False)
    axes = list(axes[:, 0])
    for ax, (weight, title) in zip(axes, panels):
        plot_conv_kernel_mosaic(weight, ax, title=title, max_filters=max_filters)
    if suptitle:
        fig.suptitle(suptitle, fontsize=9)
    return fig, axes


def plot_smoothness_penalty_sweep(lambdas, roughness, clean, attacked, weights: dict, attack_label: str,
                                  n_test: int, reference_roughness: float | None = None, suptitle: str = ""):
    """The smoothness-penalty sweep: first-layer roughness and accuracies (clean and under attack) against the
    penalty weight λ, and the kernels at the smallest and largest λ.

    Args:
        lambdas: the penalty weights, ascending (the first may be 0).
        roughness: first-layer roughness per λ (adjacent-weight differences, lower = smoother).
        clean: clean accuracy in [0, 1] per λ.
        attacked: accuracy under ``attack_label`` per λ.
        weights: λ → first-layer weight (C_out, C_in, k, k), at least for the first and last λ.
        attack_label: legend of the attacked curve, e.g. "FGSM ε = 2/255".
        n_test: test images behind the accuracies (axis label).
        reference_roughness: a dashed reference line (e.g. i.i.d. Gaussian kernels), none by default.
        suptitle: figure title.

    Returns:
        ``(fig, axes)``: roughness, accuracy and the two kernel mosaics.

    Raises:
        InputError: lengths of ``lambdas``, ``roughness``, ``clean`` and ``attacked`` differ.

    Source:
        freqlens (the regulariser of Wang et al. 2020's companion study of smooth kernels).

    Example:
        >>> import torch
        >>> fig, axes = plot_smoothness_penalty_sweep([0.0, 0.1], [3.0, 1.0], [0.5, 0.45], [0.2, 0.3],
        ...     {0.0: torch.randn(4, 3, 5, 5), 0.1: torch.randn(4, 3, 5, 5)}, "FGSM ε = 2/255", 100)
        >>> axes[0].get_xlabel(), [t.get_text() for t in axes[0].get_xticklabels()]
        ('λ (penalty weight)', ['0', '1e-1'])
    """
    import math

    if not len(lambdas) == len(roughness) == len(clean) == len(attacked):
        raise InputError("lambdas, roughness, clean and attacked must have one value per λ")
    fig = plt.figure(figsize=(10, 7.5), constrained_layout=True)
    grid = fig.add_gridspec(3, 2, height_ratios=[1.3, 1, 1])
    ax_r, ax_a = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    pos = np.arange(len(lambdas))
    labels = [f"1e{int(round(math.log10(v)))}" if v > 0 else "0" for v in lambdas]
    ax_r.plot(pos, roughness, "o-", label="trained first layer")
    if reference_roughness is not None:
        ax_r.axhline(reference_roughness, ls="--", c="grey", label=f"i.i.d. Gaussian ({reference_roughness:.1f})")
    ax_r.set(xticks=pos, xticklabels=labels, xlabel="λ (penalty weight)", ylabel="roughness (lower = smoother)",
             title="First-layer kernel roughness vs λ")
    ax_r.set_ylim(0, None)
    ax_r.legend(fontsize=8)
    ax_a.plot(pos, clean, "o-", label="clean")
    ax_a.plot(pos, attacked, "s--", label=attack_label)
    ax_a.set(xticks=pos, xticklabels=labels, xlabel="λ (penalty weight)", ylabel=f"accuracy ({n_test} test images)",
             title="Accuracy vs λ")
    ax_a.set_ylim(0, 1)
    ax_a.legend(fontsize=8)
    axes = [ax_r, ax_a]
    for row, i in ((1, 0), (2, len(lambdas) - 1)):
        ax = fig.add_subplot(grid[row, :])
        plot_conv_kernel_mosaic(weights[lambdas[i]], ax, title=f"first-layer kernels, λ = {lambdas[i]:g} (roughness "
                                                              f"{roughness[i]:.2f}; each cell min–max scaled)")
        axes.append(ax)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return fig, axes
