"""Figures of kernel spectra and kernel gradient flow (F-Principle regimes)."""
from __future__ import annotations

import numpy as np

from freqlens.plot.style import new_axes


def plot_kernel_flow(result, ax=None, title: str | None = None):
    """Eigenvalues λ_k of the periodic Mexican-hat kernel and the measured decay rates of the kernel gradient flow.

    Draws the closed form λ_k = (πh²k²/2)·exp(−h²k²/2) (line), the eigenvalues of the N × N kernel matrix (open
    dots), the measured rate of each target mode (red crosses) and the peak k* = √2/h (dotted), shading k < k*
    where higher frequencies converge first (the reversed order); above k* the F-Principle order holds.

    Args:
        result: a :class:`~freqlens.theory.integral_kernels.KernelFlowResult`.
        ax: matplotlib axes to draw into (default: a new figure).
        title: axes title (default: h and k*).

    Returns:
        ``(fig, ax)``; x: frequency k in cycles around the circle, y: eigenvalue or rate (per unit time).

    Raises:
        Nothing of its own.

    Source:
        E, Ma and Wu 2019/2020 (kernel regimes of the F-Principle); the kernel is freqlens's example.

    Example:
        >>> from freqlens.theory.integral_kernels import periodic_kernel_flow
        >>> res = periodic_kernel_flow(n=32, h=0.5, modes=(1, 3), method="exact", n_records=5)
        >>> fig, ax = plot_kernel_flow(res)
        >>> ax.get_xlabel(), round(res.peak, 3)
        ('frequency k on the circle', 2.828)
    """
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
    """Relative residual |r̂_k(t)|/|r̂_k(0)| of each target mode against gradient-flow time (log y).

    Args:
        result: a :class:`~freqlens.theory.integral_kernels.KernelFlowResult` (``residuals``: (T, len(modes))).
        ax: matplotlib axes to draw into (default: a new figure).
        title: axes title (default: the kernel width h).

    Returns:
        ``(fig, ax)``, one line per mode labelled with its eigenvalue.

    Raises:
        Nothing of its own.

    Source:
        freqlens (kernel gradient flow ``df/dt = −K(f − f*)``, mode by mode).

    Example:
        >>> from freqlens.theory.integral_kernels import periodic_kernel_flow
        >>> res = periodic_kernel_flow(n=32, h=0.5, modes=(1, 3), method="exact", n_records=5)
        >>> fig, ax = plot_mode_residuals(res)
        >>> len(ax.get_lines()), ax.get_ylabel()
        (2, 'relative residual of mode k')
    """
    fig, ax = new_axes(ax)
    for i, k in enumerate(result.modes):
        ax.semilogy(result.times, result.residuals[:, i], label=f"k = {k} (λ = {result.eigenvalues[i]:.3g})")
    ax.set_xlabel("gradient-flow time t")
    ax.set_ylabel("relative residual of mode k")
    ax.set_title(title or f"Kernel gradient flow per mode (h = {result.h:g})")
    ax.legend(fontsize=7)
    return fig, ax
