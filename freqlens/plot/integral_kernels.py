"""Figures of kernel spectra and kernel gradient flow (F-Principle regimes)."""
from __future__ import annotations

import numpy as np

from freqlens.plot.style import new_axes


def plot_kernel_flow(result, ax=None, title: str | None = None):
    """Eigenvalues λ_k of the periodic kernel: closed form (line), kernel-matrix eigenvalues (dots), measured
    convergence rates of the flow (crosses), and k* = √2/h separating the reversed (k < k*) and F-Principle
    (k > k*) regimes."""
    fig, ax = new_axes(ax)
    k = np.asarray(result.frequencies)
    kmax = max(int(3 * result.peak), max(result.modes) + 2)
    sel = k <= kmax
    ax.plot(k[sel], result.formula_eigenvalues[sel], "k-", lw=1, label="λ_k = (πh²k²/2)·exp(−h²k²/2)")
    ax.plot(k[sel], result.numeric_eigenvalues[sel], "o", ms=3, mfc="none", label="eigenvalues of K (N × N)")
    ax.plot(result.modes, result.rates, "x", c="tab:red", ms=8, label="measured decay rate of mode k")
    ax.axvline(result.peak, ls=":", c="tab:gray")
    ax.axvspan(0, result.peak, color="tab:orange", alpha=0.08, label="k < k*: order reversed")
    ax.set_xlim(0, kmax)
    ax.set_xlabel("frequency k on the circle")
    ax.set_ylabel("eigenvalue / rate")
    ax.set_title(title or f"Periodic kernel (h = {result.h:g}): λ_k peaks at k* = √2/h = {result.peak:.2f}")
    ax.legend(fontsize=7)
    return fig, ax


def plot_mode_residuals(result, ax=None, title: str | None = None):
    """|r̂_k(t)|/|r̂_k(0)| of each target mode over time (log y)."""
    fig, ax = new_axes(ax)
    for i, k in enumerate(result.modes):
        ax.semilogy(result.times, result.residuals[:, i], label=f"k = {k} (λ = {result.eigenvalues[i]:.3g})")
    ax.set_xlabel("gradient-flow time t")
    ax.set_ylabel("relative residual of mode k")
    ax.set_title(title or f"Kernel gradient flow per mode (h = {result.h:g})")
    ax.legend(fontsize=7)
    return fig, ax
