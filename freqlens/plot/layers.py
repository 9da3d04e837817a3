"""Figures for the per-layer frequency response of a CNN and the spectra of its kernels."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from freqlens.plot.style import centred_extent


def _grid(n: int, cols: int = 4):
    cols = min(cols, max(n, 1))
    rows = math.ceil(max(n, 1) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.1 * cols, 2.8 * rows), constrained_layout=True, squeeze=False)
    for a in axes.flat[n:]:
        a.axis("off")
    return fig, axes


def plot_layer_response(resp, max_layers: int | None = None, log: bool = True):
    """One heat map per layer: energy gain per input frequency (centred, DC in the middle), own colour bar."""
    names = resp.layer_names[:max_layers] if max_layers else resp.layer_names
    fig, axes = _grid(len(names))
    for i, name in enumerate(names):
        a = axes.flat[i]
        g = np.asarray(resp.gain[i], dtype=float)
        data = np.log10(np.maximum(g, 1e-12)) if log else g
        im = a.imshow(data, cmap="magma", extent=centred_extent(np.asarray(resp.gain).shape[-2:]))
        a.set_title(f"{name} ({resp.layer_types[i]})", fontsize=8)
        a.set_xlabel("f_v (cycles/image)", fontsize=7)
        a.set_ylabel("f_u", fontsize=7)
        a.tick_params(labelsize=6)
        cb = fig.colorbar(im, ax=a, shrink=0.8)
        cb.set_label("log10 gain" if log else "gain", fontsize=7)
        cb.ax.tick_params(labelsize=6)
    fig.suptitle(f"Energy gain ‖Δout‖/‖Δin‖ per input frequency and layer ({resp.mode} mode, ε={resp.eps:g})",
                 fontsize=10)
    return fig, axes


def plot_kernel_spectra(spec, max_layers: int | None = None):
    """One heat map per conv layer: mean |DFT| of its kernels (zero-padded), centred."""
    names = spec.layer_names[:max_layers] if max_layers else spec.layer_names
    fig, axes = _grid(len(names))
    for i, name in enumerate(names):
        a = axes.flat[i]
        im = a.imshow(spec.spectra[i], cmap="viridis", extent=centred_extent((spec.size, spec.size)))
        k = "×".join(str(s) for s in spec.kernel_sizes[i])
        a.set_title(f"{name} ({k} kernels)", fontsize=8)
        a.set_xlabel("f_v (cycles/image)", fontsize=7)
        a.set_ylabel("f_u", fontsize=7)
        a.tick_params(labelsize=6)
        fig.colorbar(im, ax=a, shrink=0.8).set_label("mean |DFT|", fontsize=7)
    fig.suptitle(f"Kernel DFT magnitude, mean over channels (padded to {spec.size}×{spec.size})", fontsize=10)
    return fig, axes
