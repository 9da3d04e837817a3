"""Figures of a trained random-feature model on the circle (F-Principle regimes)."""
from __future__ import annotations

import numpy as np

from freqlens.plot.style import new_axes


def plot_random_feature_training(result, ax=None, title: str | None = None):
    """Relative residual of each target mode over gradient-descent steps of a trained random-feature model.

    Args:
        result: a :class:`~freqlens.dynamics.random_features.RandomFeatureTraining` (``residuals``: (T, len(modes)),
            floored at 1e-12 for the log scale).
        ax: matplotlib axes to draw into (default: a new figure).
        title: axes title (default: feature kind, h and k*).

    Returns:
        ``(fig, ax)``; x: step on a symlog scale (linear below 10), y: |r̂_k(t)|/|r̂_k(0)| (log); the dotted line
        is the convergence level e⁻¹.

    Raises:
        Nothing of its own.

    Source:
        freqlens (random-feature illustration of the kernel regimes of E, Ma and Wu 2019/2020).

    Example:
        >>> import numpy as np
        >>> from freqlens.dynamics.random_features import RandomFeatureTraining
        >>> res = RandomFeatureTraining(modes=[1, 5], steps=np.array([0, 10, 100]), residuals=np.array(
        ...     [[1.0, 1.0], [0.9, 0.2], [0.3, 0.01]]), times=np.array([100.0, 10.0]), kernel_eigenvalues=np.ones(2),
        ...     h=0.5, feature="dgauss", n_features=10, lr=0.1)
        >>> fig, ax = plot_random_feature_training(res)
        >>> [t.get_text() for t in ax.get_legend().get_texts()]
        ['k = 1 (< k*)', 'k = 5 (≥ k*)', 'e⁻¹ (converged below)']
    """
    fig, ax = new_axes(ax)
    for i, k in enumerate(result.modes):
        side = "< k*" if k < result.peak else "≥ k*"
        ax.semilogy(result.steps, np.maximum(result.residuals[:, i], 1e-12), label=f"k = {k} ({side})")
    ax.axhline(np.exp(-1), ls=":", c="grey", label="e⁻¹ (converged below)")
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("|r̂_k(t)| / |r̂_k(0)|")
    kind = "derivative-of-Gaussian features" if result.feature == "dgauss" else "Gaussian features (null)"
    ax.set_title(title or f"Trained random features, {kind}, h = {result.h:g}, k* = {result.peak:.2f}", fontsize=9)
    ax.legend(fontsize=7)
    return fig, ax


def plot_regime_times(trained, null, ax=None):
    """Measured convergence time of each mode: the rise-then-fall (trained) kernel against the falling-spectrum null.

    Args:
        trained: :class:`~freqlens.dynamics.random_features.RandomFeatureTraining` of derivative-of-Gaussian features
            (``times``: first step with residual < e⁻¹ per mode; inf = never, not drawn).
        null: the same for Gaussian features.
        ax: matplotlib axes to draw into (default: a new figure).

    Returns:
        ``(fig, ax)``; x: mode k, y: steps (log); the dotted line is k* = √2/h of ``trained``.

    Raises:
        Nothing of its own.

    Source:
        freqlens (random-feature illustration of the kernel regimes of E, Ma and Wu 2019/2020).

    Example:
        >>> import numpy as np
        >>> from freqlens.dynamics.random_features import RandomFeatureTraining
        >>> def res(feature, times):
        ...     return RandomFeatureTraining(modes=[1, 5], steps=np.arange(3), residuals=np.ones((3, 2)),
        ...                                  times=np.array(times), kernel_eigenvalues=np.ones(2), h=0.5,
        ...                                  feature=feature, n_features=10, lr=0.1)
        >>> fig, ax = plot_regime_times(res("dgauss", [50.0, 20.0]), res("gauss", [10.0, np.inf]))
        >>> ax.get_ylabel(), len(ax.get_legend().get_texts())
        ('first step with residual < e⁻¹', 3)
    """
    fig, ax = new_axes(ax)
    for r, style in ((trained, "o-"), (null, "s--")):
        t = np.where(np.isfinite(r.times), r.times, np.nan)
        ax.semilogy(r.modes, t, style, label=f"{r.feature} features (h = {r.h:g})")
    ax.axvline(trained.peak, ls=":", c="grey", label="k* = √2/h")
    ax.set_xlabel("mode k")
    ax.set_ylabel("first step with residual < e⁻¹")
    ax.set_title("Measured convergence time per mode (missing = never)")
    ax.legend(fontsize=7)
    return fig, ax


def plot_kernel_regimes(runs: list, null, title: str | None = None):
    """The kernel-regimes figure: one panel of residual curves per trained random-feature model, then the measured
    convergence times of the last one against its Gaussian-feature null (:func:`plot_regime_times`).

    Args:
        runs: :class:`~freqlens.dynamics.random_features.RandomFeatureTraining` results with derivative-of-Gaussian
            features (one per kernel width h).
        null: the Gaussian-feature run of the last width.
        title: figure title (none by default).

    Returns:
        ``(fig, axes)`` with ``len(runs) + 1`` axes.

    Raises:
        ValueError: ``runs`` is empty.

    Source:
        freqlens (random-feature illustration of the kernel regimes of E, Ma and Wu 2019/2020).

    Example:
        >>> import numpy as np
        >>> from freqlens.dynamics.random_features import RandomFeatureTraining
        >>> def res(feature, times):
        ...     return RandomFeatureTraining(modes=[1, 5], steps=np.arange(3), residuals=np.ones((3, 2)),
        ...                                  times=np.array(times), kernel_eigenvalues=np.ones(2), h=0.5,
        ...                                  feature=feature, n_features=10, lr=0.1)
        >>> fig, axes = plot_kernel_regimes([res("dgauss", [50.0, 20.0])], res("gauss", [10.0, np.inf]))
        >>> len(axes), axes[-1].get_xlabel()
        (2, 'mode k')
    """
    import matplotlib.pyplot as plt

    if not runs:
        raise ValueError("plot_kernel_regimes needs at least one trained run")
    ncol = len(runs) + 1
    fig, axes = plt.subplots(1, ncol, figsize=(5.4 * ncol, 4.3), constrained_layout=True)
    for ax, run in zip(axes, runs):
        plot_random_feature_training(run, ax=ax)
    plot_regime_times(runs[-1], null, ax=axes[-1])
    if title:
        fig.suptitle(title, fontsize=10)
    return fig, list(axes)
