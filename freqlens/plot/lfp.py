"""Figures of the Linear Frequency Principle model: min-FP-norm interpolants and LFP dynamics."""
from __future__ import annotations

import numpy as np

from freqlens.plot.style import new_axes


def plot_min_fp_norm(solution, ax=None, title: str | None = None):
    """1-D: the min-FP-norm interpolant over the data range (± 25 %) with the data points.
    2-D: the interpolant as an image over the data's bounding box with a colour bar, data points on top."""
    fig, ax = new_axes(ax)
    x, y = np.asarray(solution.x_train), np.asarray(solution.y_train)
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = 0.25 * (hi - lo + 1e-9)
    if x.shape[1] == 1:
        xt = np.linspace(lo[0] - pad[0], hi[0] + pad[0], 400)
        ax.plot(xt, solution(xt), label=f"min FP-norm interpolant (‖h‖_γ = {solution.fp_norm:.3g})")
        ax.scatter(x[:, 0], y, c="k", zorder=3, label="data")
        ax.set_xlabel("x")
        ax.set_ylabel("h(x)")
        ax.legend(fontsize=8)
    else:
        g1 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], 80)
        g2 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], 80)
        a, b = np.meshgrid(g1, g2, indexing="xy")
        v = solution(np.stack([a.ravel(), b.ravel()], 1)).reshape(a.shape)
        im = ax.imshow(v, origin="lower", extent=(g1[0], g1[-1], g2[0], g2[-1]), cmap="RdBu_r", aspect="equal")
        fig.colorbar(im, ax=ax, label="h(x)")
        ax.scatter(x[:, 0], x[:, 1], c=y, cmap="RdBu_r", edgecolors="k", zorder=3)
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
    ax.set_title(title or "Minimum FP-norm interpolant (truncated Fourier basis)")
    return fig, ax


def plot_lfp_dynamics(dynamics, ax=None, title: str | None = None):
    """1-D LFP-predicted output h(x, t) at each recorded time (colour = time, log-spaced colour map)."""
    import matplotlib.pyplot as plt

    fig, ax = new_axes(ax)
    xt = np.asarray(dynamics.x_test)[:, 0]
    times = np.asarray(dynamics.times)
    cmap = plt.get_cmap("viridis")
    for i, t in enumerate(times):
        ax.plot(xt, dynamics.predictions[i], color=cmap(i / max(len(times) - 1, 1)), lw=1, label=f"t = {t:.3g}")
    ax.plot(xt, dynamics.limit, "k--", lw=1, label="t → ∞ (min FP-norm)")
    ax.set_xlabel("x")
    ax.set_ylabel("h(x, t)")
    ax.set_title(title or "LFP dynamics: predicted output over training time")
    ax.legend(fontsize=7, ncol=2)
    return fig, ax


def plot_lfp_generalization(norms: dict, mean_mse: dict, mean_rel: dict, n: int):
    """Left: mean test MSE against the target's FP-norm for the trained net, the LFP interpolant, linear
    interpolation and a natural cubic spline. Right: how far the trained net is from each prediction."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    ks = list(norms)
    x = [norms[k] for k in ks]
    for name, style in (("net", "o-"), ("lfp", "s--"), ("linear", "^:"), ("spline", "v:")):
        axes[0].loglog(x, [mean_mse[name][k] for k in ks], style, label=name)
    for k in ks:
        axes[0].annotate(f"k = {k}", (norms[k], mean_mse["net"][k]), textcoords="offset points", xytext=(5, -12),
                         fontsize=8)
    axes[0].set_xlabel("FP-norm ‖f_k‖_γ of the target √2 sin(2πkx)")
    axes[0].set_ylabel(f"mean test MSE (n = {n} training points)")
    axes[0].set_title("Higher FP-norm, worse generalization")
    axes[0].legend(fontsize=8)
    names = list(mean_rel)
    axes[1].bar(names, [mean_rel[k] for k in names], color=["tab:green", "tab:gray", "tab:gray"][:len(names)])
    axes[1].axhline(0.15, ls="--", c="k", label="gate 0.15")
    axes[1].set_ylabel("mean relative ℓ2 distance from the trained net")
    axes[1].set_title("Which prediction does the trained net follow?")
    axes[1].legend(fontsize=8)
    return fig, axes
