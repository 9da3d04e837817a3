"""F-Principle figures: Δ_F heat maps, e_low/e_high curves, the 1-D three-panel figure."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from freqlens.plot.style import new_axes


def plot_projection_heatmap(result, ax=None, vmin: float | None = None, vmax: float | None = None, unit: str = "κ",
                            xlabel: str = "epoch"):
    """Heat map of Δ_F in the authors' convention: rows = peaks (low → high frequency, bottom to top), columns =
    epochs, **linear** ``RdBu`` colour scale, so small error (learned) is red and large error is blue.

    Args:
        result: a projection/DFT result with ``deltas`` (records, peaks), ``epochs`` and ``peak_freqs``.
        ax: axes to draw on (a new figure when None).
        vmin, vmax: colour range of Δ_F (Xu et al.'s figures: 0.1 and 1, which the recipes pass); None: the
            finite data range. Values outside are drawn at the ends of the scale.
        unit, xlabel: axis labels.

    Returns:
        ``(fig, ax)``; a colour bar labelled with Δ_F.

    Raises:
        Nothing of its own.

    Source:
        Xu et al. 2019/2020 ("Frequency Principle"), Δ_F figures (colour convention of the authors' code).

    Example:
        >>> from types import SimpleNamespace
        >>> r = SimpleNamespace(deltas=[[1.0, 1.0], [0.05, 0.8]], epochs=[0, 10], peak_freqs=[1.0, 3.0])
        >>> fig, ax = plot_projection_heatmap(r, vmin=0.1, vmax=1.0)
        >>> ax.images[0].get_cmap().name, ax.images[0].get_clim()
        ('RdBu', (0.1, 1.0))
    """
    fig, ax = new_axes(ax)
    d = np.asarray(result.deltas, dtype=float).T
    finite = d[np.isfinite(d)]
    lo = float(vmin) if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = float(vmax) if vmax is not None else (float(finite.max()) if finite.size else 1.0)
    hi = hi if hi > lo else lo + 1e-6
    epochs = np.asarray(result.epochs, dtype=float)
    step = (epochs[-1] - epochs[0]) / (len(epochs) - 1) if len(epochs) > 1 else 1.0
    step = step if step > 0 else 1.0
    # cell centres on the recorded epochs (records are evenly spaced; uneven ones are drawn at even spacing)
    im = ax.imshow(np.clip(d, lo, hi), aspect="auto", origin="lower", cmap="RdBu", vmin=lo, vmax=hi,
                   extent=(epochs[0] - step / 2, epochs[-1] + step / 2, -0.5, d.shape[0] - 0.5),
                   interpolation="nearest")
    ax.set_yticks(range(d.shape[0]))
    ax.set_yticklabels([f"{k:.3g}" for k in result.peak_freqs])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"peak frequency {unit}")
    ax.set_title("Relative error Δ_F at the target's spectral peaks (red: small, blue: large)")
    fig.colorbar(im, ax=ax, label="Δ_F (linear; red = learned)")
    return fig, ax


def plot_filtering_curves(result, ax=None):
    """Filtering-method errors over training: e_low (solid) and e_high (dashed) against epoch, one colour per δ.

    Args:
        result: a :class:`~freqlens.dynamics.fprinciple.FilteringHistory` (``e_low``, ``e_high``: (T, len(deltas))
            relative errors, dimensionless; ``deltas``: Gaussian filter widths in input-space units).
        ax: matplotlib axes to draw into (default: a new figure).

    Returns:
        ``(fig, ax)``; y on a log scale.

    Raises:
        Nothing of its own.

    Source:
        Xu et al. 2019/2020 ("Frequency Principle"), filtering method on high-dimensional data.

    Example:
        >>> import numpy as np
        >>> from freqlens.dynamics.fprinciple import FilteringHistory
        >>> h = FilteringHistory(epochs=[0, 1, 2], deltas=[1.0, 3.0], e_low=np.array([[1, 1], [.3, .4], [.1, .2]]),
        ...                      e_high=np.array([[1, 1], [.9, .8], [.6, .5]]))
        >>> fig, ax = plot_filtering_curves(h)
        >>> len(ax.get_lines()), ax.get_ylabel(), ax.get_yscale()
        (4, 'relative error', 'log')
    """
    fig, ax = new_axes(ax)
    e_low, e_high = np.asarray(result.e_low), np.asarray(result.e_high)
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(result.deltas)))
    for i, (delta, c) in enumerate(zip(result.deltas, colors)):
        ax.plot(result.epochs, e_low[:, i], color=c, lw=2, label=f"e_low, δ={delta:g}")
        ax.plot(result.epochs, e_high[:, i], color=c, lw=2, ls="--", label=f"e_high, δ={delta:g}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("relative error")
    ax.set_title("Filtering method: low- vs high-frequency error")
    ax.legend(fontsize=8)
    return fig, ax


def plot_fprinciple_1d(result, x, y, title: str = "F-Principle on a 1-D target"):
    """The three-panel 1-D F-Principle figure.

    (a) the target and the network output at up to five records spaced geometrically in time, (b) |DFT| of the
    target and of the last recorded output with the target's peaks dotted, (c) the Δ_F heat map at the peaks on the
    fixed range [0.1, 1] (red = learned).

    Args:
        result: a :class:`~freqlens.dynamics.fprinciple.ProjectionResult` of a 1-D run; ``outputs`` (records, n, 1)
            are drawn when stored (``store_outputs=True``), panel (a) shows only the target otherwise.
        x: (n,) or (n, 1) training inputs.
        y: (n,) or (n, 1) targets.
        title: figure title.

    Returns:
        ``(fig, axes)``: three axes.

    Raises:
        Nothing of its own.

    Source:
        Xu et al. 2019/2020 ("Frequency Principle"), the 1-D synthetic examples.

    Example:
        >>> import numpy as np
        >>> from freqlens.dynamics.fprinciple import ProjectionResult
        >>> x = np.linspace(-1, 1, 8)
        >>> r = ProjectionResult(epochs=[0, 1, 2], peak_freqs=[0.5, 1.5],
        ...                      deltas=np.array([[1, 1], [.2, .9], [.05, .3]]),
        ...                      freqs=np.linspace(0, 3, 7), target_amplitude=np.ones(7), output_amplitude=np.ones(7),
        ...                      direction=np.ones(1), outputs=np.zeros((3, 8, 1)))
        >>> fig, axes = plot_fprinciple_1d(r, x, np.sin(3 * x))
        >>> len(axes), axes[2].get_xlabel()
        (3, 'training step (full batch)')
    """
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.3), constrained_layout=True)
    x = np.asarray(x).ravel()
    y = np.asarray(y).ravel()
    order = np.argsort(x)
    ax = axes[0]
    ax.plot(x[order], y[order], "k", lw=2.5, label="target")
    if result.outputs is not None:
        outs = np.asarray(result.outputs)
        # snapshots spaced geometrically in time, where the low-then-high progression is visible
        picks = np.unique(np.geomspace(1, len(outs), 5).round().astype(int) - 1)
        for i, c in zip(picks, plt.cm.plasma(np.linspace(0.1, 0.8, len(picks)))):
            ax.plot(x[order], outs[i, order, 0], color=c, lw=1.5, label=f"output, step {result.epochs[i]}")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("(a) target and network output during training")
    ax.legend(fontsize=7)
    ax = axes[1]
    freqs = np.asarray(result.freqs)
    ax.plot(freqs, result.target_amplitude, "k-o", ms=3, label="|DFT| target")
    ax.plot(freqs, result.output_amplitude, "r--", label="|DFT| output (last record)")
    for k in result.peak_freqs:
        ax.axvline(k, color="grey", lw=0.8, ls=":")
    ax.set_xlim(freqs[0], min(freqs[-1], 2.5 * max(result.peak_freqs)))
    ax.set_xlabel(f"frequency ({'cycles' if result.convention == 'ordinary' else 'radians'} per unit x)")
    ax.set_ylabel("amplitude")
    ax.set_title("(b) spectrum, peaks dotted")
    ax.legend(fontsize=8)
    plot_projection_heatmap(result, ax=axes[2], vmin=0.1, vmax=1.0, unit="(cycles per unit x)",
                            xlabel="training step (full batch)")
    axes[2].set_title("(c) Δ_F at the peaks (red = learned)")
    fig.suptitle(title)
    return fig, axes


def plot_filtering_and_projection(filtering, projection, title: str = ""):
    """Two panels for a trained network: e_low/e_high curves (filtering method) and the projection-method Δ_F heat
    map on the fixed range [0.1, 1].

    Args:
        filtering: a :class:`~freqlens.dynamics.fprinciple.FilteringHistory`.
        projection: a :class:`~freqlens.dynamics.fprinciple.ProjectionResult` along the first principal component
            (peak frequencies κ in cycles per unit along PC1).
        title: figure title.

    Returns:
        ``(fig, axes)``: two axes.

    Raises:
        Nothing of its own.

    Source:
        Xu et al. 2019/2020 ("Frequency Principle"), projection and filtering methods.

    Example:
        >>> import numpy as np
        >>> from freqlens.dynamics.fprinciple import FilteringHistory, ProjectionResult
        >>> f = FilteringHistory(epochs=[0, 1], deltas=[2.0], e_low=np.array([[1.0], [0.2]]), e_high=np.ones((2, 1)))
        >>> p = ProjectionResult(epochs=[0, 1], peak_freqs=[0.1], deltas=np.array([[1.0], [0.2]]), freqs=np.ones(1),
        ...                      target_amplitude=np.ones(1), output_amplitude=np.ones(1), direction=np.ones(4))
        >>> fig, axes = plot_filtering_and_projection(f, p, "MNIST")
        >>> axes[1].get_ylabel()
        'peak frequency κ (cycles per unit along PC1)'
    """
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.3), constrained_layout=True)
    plot_filtering_curves(filtering, ax=axes[0])
    plot_projection_heatmap(projection, ax=axes[1], vmin=0.1, vmax=1.0, unit="κ (cycles per unit along PC1)")
    axes[1].set_title("Projection method: Δ_F at label-spectrum peaks")
    fig.suptitle(title)
    return fig, axes


def plot_init_scale(panels, data_x, data_y, dense_x):
    """Initialisation scale and the F-Principle: one column per init std σ, the Δ_F heat map on the fixed range
    [0.1, 1] (top) and the final output on a dense grid over the training points (bottom).

    Args:
        panels: σ → ``(ProjectionResult, dense output)``, the output an (m,) or (m, 1) array on ``dense_x``.
        data_x: (n,) or (n, 1) training inputs.
        data_y: (n,) or (n, 1) targets.
        dense_x: (m,) or (m, 1) evaluation grid.

    Returns:
        ``(fig, axes)``: a (2, len(panels)) axes array.

    Raises:
        Nothing of its own.

    Source:
        Xu et al. 2019/2020 ("Frequency Principle"), initialisation-scale experiment (small init: F-Principle and
        smooth interpolation; large init: neither).

    Example:
        >>> import numpy as np
        >>> from freqlens.dynamics.fprinciple import ProjectionResult
        >>> p = ProjectionResult(epochs=[0, 1], peak_freqs=[1.0], deltas=np.array([[1.0], [0.2]]), freqs=np.ones(1),
        ...                      target_amplitude=np.ones(1), output_amplitude=np.ones(1), direction=np.ones(1))
        >>> x = np.linspace(-1, 1, 5)
        >>> fig, axes = plot_init_scale({0.1: (p, np.zeros(9)), 1.0: (p, np.ones(9))}, x, x, np.linspace(-1, 1, 9))
        >>> axes.shape, axes[1, 0].get_xlabel()
        ((2, 2), 'x')
    """
    sigmas = list(panels)
    fig, axes = plt.subplots(2, len(sigmas), figsize=(4.2 * len(sigmas), 7), constrained_layout=True, squeeze=False)
    for j, sigma in enumerate(sigmas):
        res, out = panels[sigma]
        plot_projection_heatmap(res, ax=axes[0, j], vmin=0.1, vmax=1.0, unit="(cycles per unit x)",
                                xlabel="training step (full batch)")
        axes[0, j].set_title(f"Δ_F, init std σ = {sigma}")
        axes[1, j].plot(np.asarray(dense_x).ravel(), np.asarray(out).ravel(), "r", lw=1, label="network (dense grid)")
        axes[1, j].plot(np.asarray(data_x).ravel(), np.asarray(data_y).ravel(), "k.", ms=3, label="training points")
        axes[1, j].set_xlabel("x")
        axes[1, j].set_ylabel("y")
        axes[1, j].set_title(f"output at the end, σ = {sigma}")
        axes[1, j].legend(fontsize=7)
    fig.suptitle("Initialisation scale and the F-Principle (tanh 1-200-200-1, all weights N(0, σ²))")
    return fig, axes


def plot_jacobi_vs_network(jac_steps, jac_err, net_steps, net_err, modes):
    """Error in each sine mode over iterations for the 1-D Poisson problem: the Jacobi method (left) converges high
    modes first, a tanh network trained with the Ritz loss (right) converges low modes first.

    Args:
        jac_steps: (T1,) Jacobi iteration numbers.
        jac_err: (T1, len(modes)) relative error E_j in sine mode j (dimensionless).
        net_steps: (T2,) training steps.
        net_err: (T2, len(modes)) relative error E_j of the network.
        modes: the sine modes j (at most four are coloured distinctly).

    Returns:
        ``(fig, axes)``: two axes, log y.

    Raises:
        Nothing of its own.

    Source:
        Xu et al. 2019/2020 ("Frequency Principle"), Jacobi vs DNN on −u'' = g on (−1, 1).

    Example:
        >>> import numpy as np
        >>> fig, axes = plot_jacobi_vs_network([0, 1], np.ones((2, 2)), [0, 1], np.ones((2, 2)), [1, 4])
        >>> axes[0].get_ylabel(), axes[1].get_xlabel()
        ('relative error E_j in sine mode j', 'training step (Adam)')
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), constrained_layout=True)
    jac_err, net_err = np.asarray(jac_err), np.asarray(net_err)
    for k, (mode, c) in enumerate(zip(modes, ("tab:blue", "tab:red", "tab:green", "tab:purple"))):
        axes[0].semilogy(jac_steps, jac_err[:, k], color=c, label=f"mode j = {mode}")
        axes[1].semilogy(net_steps, net_err[:, k], color=c, label=f"mode j = {mode}")
    axes[0].set_title("Jacobi iteration")
    axes[1].set_title("tanh network, Ritz loss")
    for ax, xl in zip(axes, ("Jacobi iteration", "training step (Adam)")):
        ax.set_xlabel(xl)
        ax.set_ylabel("relative error E_j in sine mode j")
        ax.legend()
    fig.suptitle("−u'' = sin x + 4 sin 4x − 8 sin 8x + 16 sin 24x on (−1, 1), n = 100")
    return fig, axes


def plot_band_gradient_ratios(ratios: dict, threshold: float | None = None, ax=None):
    """‖∇θ L⁺‖/‖∇θ L⁻‖ at initialisation per model: one dot per seed and a black bar at the median, log y.

    L⁺ is the loss restricted to frequencies above the cut-off and L⁻ the loss below it; a ratio below 1 means the
    low-frequency loss dominates the gradient.

    Args:
        ratios: model label → list of ratios (one per seed, dimensionless).
        threshold: draw this gate as a dashed line (None: no line).
        ax: matplotlib axes to draw into (default: a new figure).

    Returns:
        ``(fig, ax)``.

    Raises:
        Nothing of its own.

    Source:
        Luo, Ma, Xu and Zhang 2019 ("Theory of the frequency principle for general deep neural networks").

    Example:
        >>> fig, ax = plot_band_gradient_ratios({"tanh": [0.1, 0.2], "relu": [0.3]}, threshold=1.0)
        >>> ax.get_yscale(), [t.get_text() for t in ax.get_xticklabels()]
        ('log', ['tanh', 'relu'])
    """
    fig, ax = new_axes(ax)
    labels = list(ratios)
    for i, lab in enumerate(labels):
        v = np.asarray(ratios[lab], dtype=float)
        ax.scatter(np.full(v.size, i), v, s=12, alpha=0.6)
        ax.plot([i - 0.25, i + 0.25], [np.median(v)] * 2, "k", lw=2)
    if threshold is not None:
        ax.axhline(threshold, ls="--", c="grey", label=f"gate {threshold:g}")
        ax.legend(fontsize=8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=20, fontsize=8)
    ax.set_xlabel("model (one dot per seed)")
    ax.set_ylabel("‖∇θ L⁺‖ / ‖∇θ L⁻‖ at initialisation")
    ax.set_title("Gradient of the high-band loss relative to the low band (black: median)", fontsize=9)
    return fig, ax
