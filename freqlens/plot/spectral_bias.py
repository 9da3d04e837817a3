"""Figures of the spectral-bias paper: frequency × iteration heat maps, spectral norms, perturbation robustness."""
from __future__ import annotations

import numpy as np

from freqlens.plot.style import new_axes


def plot_spectrum_history(history, ax=None, title: str | None = None, colorbar: bool = True):
    """Heat map of the normalised amplitude ``a_i(t)`` (colour, clipped to [0, 1]) over frequency (x) and
    training iteration (y, iteration 0 at the bottom) — Rahaman et al.'s Fig. 1."""
    fig, ax = new_axes(ax)
    a = np.asarray(history.normalized)
    steps = np.asarray(history.steps)
    ks = list(history.frequencies)
    dy = steps[1] - steps[0] if len(steps) > 1 else 1
    im = ax.imshow(a, aspect="auto", origin="lower", vmin=0, vmax=1, cmap="viridis", interpolation="nearest",
                   extent=(-0.5, len(ks) - 0.5, steps[0] - dy / 2, steps[-1] + dy / 2))
    ax.set_xticks(range(len(ks)))
    ax.set_xticklabels([str(k) for k in ks], fontsize=7)
    ax.set_xlabel("frequency k (cycles per unit)")
    ax.set_ylabel("training iteration")
    label = f" ({history.label})" if history.label else ""
    ax.set_title(title or f"Normalised amplitude 2|f̂(k)|/A_k over training{label}")
    if colorbar:
        fig.colorbar(im, ax=ax, label="2|f̂(k)|/A_k (clipped at 1)")
    return fig, ax


def plot_spectral_norms(history, ax=None, title: str | None = None):
    """One curve per layer: the true largest singular value σ_max(W) (log scale) over training iterations."""
    fig, ax = new_axes(ax)
    norms = np.asarray(history.norms)
    for j, name in enumerate(history.layers):
        ax.semilogy(history.steps, norms[:, j], label=name.replace(".weight", ""))
    ax.set_xlabel("training iteration")
    ax.set_ylabel("spectral norm σ_max(W)")
    ax.set_title(title or "Layer spectral norms over training")
    ax.legend(fontsize=6, ncol=2)
    return fig, ax


def plot_perturbation_robustness(result, ax=None, title: str | None = None, colorbar: bool = True):
    """Heat map of the mean amplitude ratio |f̂_θ+δu(k)| / |f̂_θ(k)| over frequency (x) and perturbation
    norm δ (y), colour clipped to [0, 1] — Rahaman et al.'s robustness figure."""
    fig, ax = new_axes(ax)
    r = np.asarray(result.ratio)
    ks = list(result.frequencies)
    im = ax.imshow(r, aspect="auto", origin="lower", vmin=0, vmax=1, cmap="viridis", interpolation="nearest")
    ax.set_xticks(range(len(ks)))
    ax.set_xticklabels([str(k) for k in ks], fontsize=7)
    ax.set_yticks(range(len(result.deltas)))
    ax.set_yticklabels([f"{d:g}" for d in result.deltas], fontsize=7)
    ax.set_xlabel("frequency k (cycles per unit)")
    ax.set_ylabel("perturbation norm δ = ‖Δθ‖₂")
    ax.set_title(title or f"Frequency robustness to parameter noise ({result.n_directions} directions)")
    if colorbar:
        fig.colorbar(im, ax=ax, label="mean |f̂_θ+δu(k)| / |f̂_θ(k)| (clipped at 1)")
    return fig, ax
