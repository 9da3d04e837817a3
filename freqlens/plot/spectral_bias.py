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


def plot_sinusoid_learning(histories: dict, norm_history, width: int, iterations: int):
    """A1 figure: a_k(t) for equal and increasing amplitudes, and the true σ_max per layer (equal amplitudes)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), constrained_layout=True)
    histories["equal"].plot(ax=axes[0])
    histories["increasing"].plot(ax=axes[1])
    norm_history["equal"].plot(ax=axes[2])
    axes[0].set_title("a_k(t), equal amplitudes")
    axes[1].set_title("a_k(t), amplitudes 0.1…1.0 (k = 50 largest)")
    axes[2].set_title("True σ_max per layer (equal amplitudes)")
    fig.suptitle(f"Spectral bias: ReLU MLP 6×{width}, Adam 3e-4, {iterations} full-batch iterations")
    return fig, axes


def plot_manifold_learning(petals, histories: dict, auc_high: dict, width: int):
    """A3 figure: the flower manifolds γ_L and a_k(t) along each of them."""
    import math

    import matplotlib.pyplot as plt
    import torch

    fig, axes = plt.subplots(1, len(petals) + 1, figsize=(20, 4), constrained_layout=True,
                             gridspec_kw={"width_ratios": [1] + [1.2] * (len(petals) - 1) + [1.4]})
    zz = torch.linspace(0, 1, 800)
    for L in petals:
        r = 1 + 0.5 * torch.sin(2 * math.pi * L * zz)
        axes[0].plot(r * torch.cos(2 * math.pi * zz), r * torch.sin(2 * math.pi * zz), lw=0.8, label=f"L = {L}")
    axes[0].set_aspect("equal")
    axes[0].set_title("Flower manifolds γ_L")
    axes[0].set_xlabel("x₁")
    axes[0].set_ylabel("x₂")
    axes[0].legend(fontsize=7)
    for i, L in enumerate(petals):
        plot_spectrum_history(histories[L], ax=axes[i + 1], title=f"a_k(t) along γ_{L}, AUC_hi = {auc_high[L]:.2f}",
                              colorbar=(i == len(petals) - 1))
    fig.suptitle(f"Spectral bias on manifolds: target frequency along the curve vs iteration (MLP 6×{width})")
    return fig, axes


def plot_binary_manifold(model, curve_points, labels, curves: dict, majority: float, k: int):
    """A4 figure: class regions of the net trained on γ_20, and training accuracy on γ_20 and the circle."""
    import matplotlib.pyplot as plt
    import torch

    fig, axes = plt.subplots(1, 2, figsize=(12, 5), constrained_layout=True)
    grid = torch.linspace(-1.6, 1.6, 200)
    gx, gy = torch.meshgrid(grid, grid, indexing="xy")
    pts = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)
    dev = next(model.parameters()).device
    with torch.no_grad():
        f = model(pts.to(dev)).reshape(200, 200).cpu().numpy()
    axes[0].contourf(gx, gy, (f > 0).astype(float), levels=[-0.5, 0.5, 1.5], colors=["#dde6f2", "#f6dccc"])
    cs = axes[0].contour(gx, gy, np.abs(f), levels=6, cmap="Greys", linewidths=0.6)
    fig.colorbar(cs, ax=axes[0], label="|f(x)| (logit magnitude)")
    axes[0].scatter(curve_points[:, 0], curve_points[:, 1], c=labels, cmap="coolwarm", s=4)
    axes[0].set_title(f"Class regions 1[f > 0] of the net trained on γ_20 (k = {k})")
    axes[0].set_xlabel("x₁")
    axes[0].set_ylabel("x₂")
    axes[0].set_aspect("equal")
    for L in curves:
        s, a = zip(*curves[L])
        axes[1].plot(s, a, label=f"L = {L}")
    axes[1].axhline(majority, ls=":", c="k", label="majority-class rate")
    axes[1].set_xlabel("training iteration")
    axes[1].set_ylabel("training accuracy")
    axes[1].set_ylim(0.4, 1.02)
    axes[1].set_title("Training accuracy, binarised sin(2πkz) along the curve")
    axes[1].legend()
    return fig, axes


def plot_decay_slopes(coefficients: dict, slopes: dict):
    """A8 figure: |c_k| of a few networks against k (log-log, k⁻² for reference), and the envelope slope of every
    network by activation with the accepted band [−2.2, −1.7]. ``coefficients`` maps a label to a
    :func:`~freqlens.dynamics.spectral_bias.fourier_decay` dict; ``slopes`` maps an activation to its slopes."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), constrained_layout=True)
    for name, r in coefficients.items():
        c = np.asarray(r["coefficients"])
        kk = np.arange(1, c.size + 1)
        axes[0].loglog(kk, np.maximum(c, 1e-20), lw=0.5, label=name)
    axes[0].loglog(kk, 1e-3 * kk ** -2.0, "k--", lw=1, label="k⁻²")
    axes[0].set_xlabel("frequency k (cycles on [0, 1))")
    axes[0].set_ylabel("|c_k| (value- and slope-matched)")
    axes[0].set_title("Fourier coefficients: ReLU nets keep k⁻², smooth nets fall faster")
    axes[0].legend(fontsize=7)
    axes[1].axhspan(-2.2, -1.7, color="0.9", zorder=0, label="accepted band [−2.2, −1.7]")
    x0 = 0
    for lab, vals in slopes.items():
        axes[1].scatter(range(x0, x0 + len(vals)), vals, label=lab, zorder=3)
        x0 += len(vals)
    axes[1].axhline(-2, c="k", ls=":", label="theorem: −(d+1) = −2")
    axes[1].set_xlabel("network")
    axes[1].set_ylabel("octave-envelope slope")
    axes[1].set_title("Decay exponent of the high-frequency envelope")
    axes[1].legend(fontsize=7)
    return fig, axes


def plot_noise_curves(curves: dict, dataset: str = "MNIST"):
    """A5 figure: validation (solid) and training (dotted) MSE per label-noise run. ``curves`` maps a run name to
    ``{"k", "kappa", "val" (every 10 iterations), "train" (every iteration)}``; the run "low_cos" is the null."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    for name, c in zip(curves, ["k", "tab:blue", "tab:red", "tab:cyan"]):
        s = curves[name]
        null = " cos, null" if name == "low_cos" else ""
        lab = "no noise" if name == "none" else f"κ = {s['kappa']:g} (k = {s['k']:.3g}){null}"
        it = 10 * (np.arange(len(s["val"])) + 1)
        ax.semilogy(it, s["val"], c=c, label=f"validation, {lab}")
        ax.semilogy(np.arange(1, len(s["train"]) + 1), s["train"], c=c, ls=":", lw=0.8, label=f"training, {lab}")
    ax.set_xlabel("training iteration")
    ax.set_ylabel("MSE")
    ax.set_title(f"{dataset} 3 vs 8 with label noise sin(2πk‖x‖): validation vs training MSE")
    ax.legend(fontsize=7)
    return fig, ax


def plot_kernel_eigenbasis(xs, vectors, sign_changes, spectra: dict, bin_size: int, dataset: str = "MNIST"):
    """A6/A7 figure: top RBF eigenvectors on 50 points, their rfft spectra, and binned |coefficients| of targets
    and network outputs in the data's RBF eigenbasis (``spectra`` maps a label to the binned curve)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.3), constrained_layout=True)
    for m in range(6):
        axes[0].plot(xs, vectors[:, m], label=f"m = {m} ({sign_changes[m]} sign changes)")
    axes[0].set_xlabel("x")
    axes[0].set_ylabel("eigenvector entry")
    axes[0].set_title("Top eigenvectors of an RBF kernel (50 points, σ = 0.1)")
    axes[0].legend(fontsize=7)
    im = axes[1].imshow(np.abs(np.fft.rfft(vectors[:, :20], axis=0)), aspect="auto", origin="lower", cmap="magma")
    fig.colorbar(im, ax=axes[1], label="|rfft(v_m)|")
    axes[1].set_xlabel("eigenvector index m (decreasing eigenvalue)")
    axes[1].set_ylabel("frequency bin")
    axes[1].set_title("Eigenvector spectra: higher m, higher frequency")
    styles = [dict(c="k"), dict(ls="--", c="tab:purple", lw=2, zorder=5), dict(c="tab:green"), dict(c="tab:red", lw=1)]
    for (label, curve), st in zip(spectra.items(), styles):
        axes[2].semilogy(np.arange(len(curve)), curve, label=label, **st)
    axes[2].set_xlabel(f"kernel eigenfunction index [/{bin_size}]")
    axes[2].set_ylabel("mean |coefficient|")
    axes[2].set_title(f"{dataset} 3 vs 8 in the RBF eigenbasis")
    axes[2].legend(fontsize=7)
    return fig, axes
