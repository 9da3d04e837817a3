"""Figures of a trained random-feature model on the circle (F-Principle regimes)."""
from __future__ import annotations

import numpy as np

from freqlens.plot.style import new_axes


def plot_random_feature_training(result, ax=None, title: str | None = None):
    """Relative residual of each target mode over gradient-descent steps of a trained random-feature model."""
    fig, ax = new_axes(ax)
    for i, k in enumerate(result.modes):
        side = "< k*" if k < result.peak else "≥ k*"
        ax.semilogy(result.steps, np.maximum(result.residuals[:, i], 1e-12), label=f"k = {k} ({side})")
    ax.axhline(np.exp(-1), ls=":", c="grey")
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("|r̂_k(t)| / |r̂_k(0)|")
    kind = "derivative-of-Gaussian features" if result.feature == "dgauss" else "Gaussian features (null)"
    ax.set_title(title or f"Trained random features, {kind}, h = {result.h:g}, k* = {result.peak:.2f}", fontsize=9)
    ax.legend(fontsize=7)
    return fig, ax


def plot_regime_times(trained, null, ax=None):
    """Measured convergence time per mode: the trained rise-then-fall model and the falling-spectrum null."""
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
