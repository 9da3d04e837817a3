"""Figures of the Linear Frequency Principle model: min-FP-norm interpolants and LFP dynamics."""
from __future__ import annotations

import numpy as np

from freqlens.plot.style import new_axes


def plot_min_fp_norm(solution, ax=None, title: str | None = None):
    """The minimum-FP-norm interpolant with its data.

    1-D: the interpolant on 400 points over the data range widened by 25 % on each side, with the data points.
    2-D: the interpolant on an 80 × 80 grid over the widened bounding box as an image (``RdBu_r``, colour bar
    "h(x)"), data points on top coloured by their labels.

    Args:
        solution: a :class:`~freqlens.theory.lfp.MinFPNormSolution` (d = 1 or 2).
        ax: matplotlib axes to draw into (default: a new figure).
        title: axes title.

    Returns:
        ``(fig, ax)``.

    Raises:
        Nothing of its own (only the first two input dimensions are drawn).

    Source:
        Zhang, Xu, Luo and Ma 2019 (arXiv 1905.10264), the LFP model's minimum-FP-norm interpolant.

    Example:
        >>> import numpy as np
        >>> from freqlens.theory.lfp import min_fp_norm_interpolation
        >>> sol = min_fp_norm_interpolation([-1.0, 0.0, 1.0], [0.0, 1.0, 0.0], lambda k: 1 / (1 + k ** 4), n_freq=20)
        >>> fig, ax = plot_min_fp_norm(sol)
        >>> ax.get_xlabel(), ax.get_ylabel()
        ('x', 'h(x)')
    """
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
    """The LFP-predicted output h(x, t) of a 1-D problem at each recorded time (viridis: early → late) and the t → ∞
    limit (the minimum-FP-norm interpolant, dashed).

    Args:
        dynamics: a :class:`~freqlens.theory.lfp.LFPDynamics` (``predictions``: (T, M) on ``x_test`` (M, 1);
            ``times`` in gradient-flow time units).
        ax: matplotlib axes to draw into (default: a new figure).
        title: axes title.

    Returns:
        ``(fig, ax)``.

    Raises:
        Nothing of its own.

    Source:
        Zhang, Xu, Luo and Ma 2019 (arXiv 1905.10264), LFP dynamics.

    Example:
        >>> import numpy as np
        >>> from freqlens.theory.lfp import lfp_dynamics
        >>> dyn = lfp_dynamics([-1.0, 0.0, 1.0], [0.0, 1.0, 0.0], lambda k: 1 / (1 + k ** 4), times=[0, 1, 100],
        ...                    x_test=np.linspace(-1, 1, 11), n_freq=20)
        >>> fig, ax = plot_lfp_dynamics(dyn)
        >>> len(ax.get_lines()), ax.get_ylabel()
        (4, 'h(x, t)')
    """
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
    """Generalisation against the target's FP-norm. Left (log-log): mean test MSE of the trained net, the LFP
    interpolant, linear interpolation and a natural cubic spline against ‖f_k‖_γ of the targets √2 sin(2πkx).
    Right: mean relative ℓ2 distance of the trained net from each prediction, with the gate 0.15 dashed.

    Args:
        norms: frequency k → FP-norm of its target.
        mean_mse: method ("net", "lfp", "linear", "spline") → {k: mean test MSE}.
        mean_rel: prediction name → mean relative ℓ2 distance from the trained net (dimensionless).
        n: number of training points (for the axis label).

    Returns:
        ``(fig, axes)``: two axes.

    Raises:
        KeyError: ``mean_mse`` lacks one of the four methods or a k of ``norms``.

    Source:
        Zhang, Xu, Luo and Ma 2019 (arXiv 1905.10264), the a-priori generalisation bound in the FP-norm.

    Example:
        >>> m = {name: {1: 0.01, 4: 0.3} for name in ("net", "lfp", "linear", "spline")}
        >>> fig, axes = plot_lfp_generalization({1: 5.0, 4: 80.0}, m, {"lfp": 0.05, "linear": 0.4}, n=10)
        >>> axes[0].get_ylabel(), axes[0].get_xscale()
        ('mean test MSE (n = 10 training points)', 'log')
    """
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


def plot_lfp_1d(x, y, x_test, lfp, nets: dict, spline, linear, widths, rel, ntk_rel: float, ntk_neurons: int,
                dynamics):
    """The 1-D LFP figure: trained two-layer ReLU nets against the LFP prediction and its two limit interpolants; the
    relative difference from the LFP prediction against width; the LFP dynamics h(x, t).

    Args:
        x: (n,) training inputs; y: (n,) targets.
        x_test: (M,) evaluation points.
        lfp: (M,) LFP minimum-FP-norm prediction on ``x_test``.
        nets: label → (M,) trained-net output on ``x_test``.
        spline: (M,) natural cubic spline (the small-init limit).
        linear: (M,) piecewise-linear interpolant (the large-init limit).
        widths: neurons per half m of the trained nets; rel: their relative ℓ2 difference from the LFP prediction.
        ntk_rel: relative difference of the empirical-NTK interpolant (dotted line); ntk_neurons: its width.
        dynamics: a :class:`~freqlens.theory.lfp.LFPDynamics` for the third panel.

    Returns:
        ``(fig, axes)``: three axes.

    Raises:
        Nothing of its own.

    Source:
        Zhang, Xu, Luo and Ma 2019 (arXiv 1905.10264): LFP prediction vs wide two-layer ReLU training.

    Example:
        >>> import numpy as np
        >>> from freqlens.theory.lfp import lfp_dynamics
        >>> x, y, xt = np.array([-1.0, 0.0, 1.0]), np.array([0.0, 0.5, 0.0]), np.linspace(-1, 1, 11)
        >>> dyn = lfp_dynamics(x, y, lambda k: 1 / (1 + k ** 4), times=[0, 10], x_test=xt, n_freq=20)
        >>> fig, axes = plot_lfp_1d(x, y, xt, dyn.limit, {"m = 100": dyn.limit}, dyn.limit, dyn.limit, [100, 1000],
        ...                         [0.2, 0.05], 0.01, 1000, dyn)
        >>> len(axes), axes[1].get_xlabel()
        (3, 'neurons per half m')
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(17, 4.5), constrained_layout=True)
    ax = axes[0]
    ax.plot(x_test, lfp, "k", lw=2, label="LFP min FP-norm (s_a = 1)")
    for label, h in nets.items():
        ax.plot(x_test, h, lw=1, label=label)
    ax.plot(x_test, spline, ":", c="tab:gray", label="natural cubic spline (s_a → 0 limit)")
    ax.plot(x_test, linear, "--", c="tab:gray", lw=0.8, label="piecewise linear (s_a → ∞ limit)")
    ax.scatter(x, y, c="k", zorder=4)
    ax.set_xlabel("x")
    ax.set_ylabel("h(x)")
    ax.set_title("Trained two-layer ReLU nets vs the LFP prediction")
    ax.set_ylim(-1.5, 1.0)
    ax.legend(fontsize=6, loc="lower center", ncol=2)
    axes[1].loglog(widths, rel, "o-", label="trained net vs LFP (s_a = 1)")
    axes[1].axhline(ntk_rel, ls=":", c="k", label=f"empirical NTK (m = {ntk_neurons}) vs LFP")
    axes[1].axhline(0.15, ls="--", c="tab:red", lw=0.8, label="gate 0.15")
    axes[1].set_xlabel("neurons per half m")
    axes[1].set_ylabel("relative ℓ2 difference on [−1, 1]")
    axes[1].set_title("Trained net vs LFP against width")
    axes[1].legend(fontsize=7)
    plot_lfp_dynamics(dynamics, ax=axes[2], title="LFP dynamics h(x, t) (low frequencies first)")
    axes[2].scatter(x, y, c="k", zorder=4)
    return fig, axes


def plot_xor(x, y, lfp, net, width: int, grid: int = 40):
    """The XOR figure: the LFP solution, the trained net and their difference on a grid × grid test grid over [−1, 1]²,
    each with a symmetric ``RdBu_r`` colour scale and a colour bar; the four training points on top.

    Args:
        x: (4, 2) training points; y: (4,) labels ±1.
        lfp: (grid², ) LFP prediction on the test grid (row-major, x₁ fastest).
        net: (grid², ) trained-net output on the same grid.
        width: neurons per half of the trained net (for the title).
        grid: points per axis of the test grid.

    Returns:
        ``(fig, axes)``: three axes.

    Raises:
        ValueError: ``lfp`` or ``net`` does not hold grid² values.

    Source:
        Zhang, Xu, Luo and Ma 2019 (arXiv 1905.10264), XOR example.

    Example:
        >>> import numpy as np
        >>> x = np.array([[-1.0, -1], [-1, 1], [1, -1], [1, 1]])
        >>> g = np.linspace(-1, 1, 4)
        >>> h = np.outer(g, g).ravel()
        >>> fig, axes = plot_xor(x, x[:, 0] * x[:, 1], h, 0.9 * h, width=10, grid=4)
        >>> [a.get_title() for a in axes][2], len(fig.axes)
        ('Difference net − LFP', 6)
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8), constrained_layout=True)
    vmax = float(np.abs(lfp).max())
    for ax, v, ttl in [(axes[0], lfp, "LFP min FP-norm solution (s_a = 1)"),
                       (axes[1], net, f"Trained ASI ReLU net, width 2×{width}"),
                       (axes[2], net - lfp, "Difference net − LFP")]:
        lim = vmax if ax is not axes[2] else float(np.abs(net - lfp).max())
        im = ax.imshow(v.reshape(grid, grid), origin="lower", extent=(-1, 1, -1, 1), cmap="RdBu_r", vmin=-lim,
                       vmax=lim)
        fig.colorbar(im, ax=ax, label="output")
        ax.scatter(x[:, 0], x[:, 1], c=y, cmap="RdBu_r", edgecolors="k", s=80, vmin=-1, vmax=1, clip_on=False,
                   zorder=5)
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        ax.set_title(ttl)
    fig.suptitle(f"XOR: 4 training points, {grid} × {grid} test grid")
    return fig, axes
