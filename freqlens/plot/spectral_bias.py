"""Figures of the spectral-bias paper: frequency × iteration heat maps, spectral norms, perturbation robustness."""
from __future__ import annotations

import numpy as np

from freqlens.plot.style import new_axes


def plot_spectrum_history(history, ax=None, title: str | None = None, colorbar: bool = True):
    """Heat map of the normalised amplitude a_i(t) = 2|f̂(k_i)|/A_i (colour, viridis clipped to [0, 1]) over frequency
    (x) and training iteration (y, iteration 0 at the bottom).

    Args:
        history: a :class:`~freqlens.dynamics.spectral_bias.SpectrumHistory` (``magnitudes``: (T, K) |DFT| of the
            output at the target frequencies, in cycles per unit).
        ax: matplotlib axes to draw into (default: a new figure).
        title: axes title (default: the quantity and the history's label).
        colorbar: add the colour bar.

    Returns:
        ``(fig, ax)``.

    Raises:
        Nothing of its own.

    Source:
        Rahaman et al. 2019 (ICML), learning dynamics of a sum of sinusoids (the frequency × iteration heat map).

    Example:
        >>> import numpy as np
        >>> from freqlens.dynamics.spectral_bias import SpectrumHistory
        >>> h = SpectrumHistory(steps=[0, 100], frequencies=[5, 10], target_amplitudes=[1.0, 1.0],
        ...                     magnitudes=np.array([[0.0, 0.0], [0.5, 0.1]]))
        >>> fig, ax = plot_spectrum_history(h)
        >>> ax.images[0].get_clim(), fig.axes[-1].get_ylabel()
        ((0.0, 1.0), '2|f̂(k)|/A_k (clipped at 1)')
    """
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
    """One curve per layer: the largest singular value σ_max(W) of its weight (log y) over training iterations.

    Args:
        history: a :class:`~freqlens.dynamics.spectral_bias.SpectralNormHistory` (``norms``: (T, layers)).
        ax: matplotlib axes to draw into (default: a new figure).
        title: axes title.

    Returns:
        ``(fig, ax)``.

    Raises:
        Nothing of its own.

    Source:
        Rahaman et al. 2019 (ICML), layer spectral norms during the sum-of-sinusoids experiment.

    Example:
        >>> import numpy as np
        >>> from freqlens.dynamics.spectral_bias import SpectralNormHistory
        >>> h = SpectralNormHistory(steps=[0, 10], layers=["0.weight", "2.weight"],
        ...                         norms=np.array([[1.0, 2], [1.5, 3]]))
        >>> fig, ax = plot_spectral_norms(h)
        >>> [t.get_text() for t in ax.get_legend().get_texts()], ax.get_yscale()
        (['0', '2'], 'log')
    """
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
    """Heat map of the mean amplitude ratio |f̂_θ+δu(k)| / |f̂_θ(k)| over frequency (x) and perturbation norm δ of the
    parameters (y), colour clipped to [0, 1]: low frequencies keep their amplitude under larger perturbations.

    Args:
        result: a :class:`~freqlens.dynamics.spectral_bias.PerturbationRobustness` (``ratio``: (len(deltas), K)).
        ax: matplotlib axes to draw into (default: a new figure).
        title: axes title.
        colorbar: add the colour bar.

    Returns:
        ``(fig, ax)``.

    Raises:
        Nothing of its own.

    Source:
        Rahaman et al. 2019 (ICML), robustness of frequency components to parameter perturbation.

    Example:
        >>> import numpy as np
        >>> from freqlens.dynamics.spectral_bias import PerturbationRobustness
        >>> r = PerturbationRobustness(deltas=[0.0, 1.0], frequencies=[5, 10], ratio=np.array([[1, 1], [0.9, 0.4]]),
        ...                            difference=np.zeros((2, 2)), base_magnitudes=np.ones(2), n_directions=3, seed=0)
        >>> fig, ax = plot_perturbation_robustness(r)
        >>> ax.get_ylabel(), fig.axes[-1].get_ylabel()
        ('perturbation norm δ = ‖Δθ‖₂', 'mean |f̂_θ+δu(k)| / |f̂_θ(k)| (clipped at 1)')
    """
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
    """The sum-of-sinusoids figure: a_k(t) for equal amplitudes and for increasing amplitudes 0.1…1.0, and the true
    σ_max of every layer over training (equal amplitudes).

    Args:
        histories: ``{"equal": SpectrumHistory, "increasing": SpectrumHistory}``.
        norm_history: ``{"equal": SpectralNormHistory}``.
        width: hidden width of the 6-layer ReLU MLP (for the title).
        iterations: full-batch iterations (for the title).

    Returns:
        ``(fig, axes)``: three axes.

    Raises:
        KeyError: a history above is missing.

    Source:
        Rahaman et al. 2019 (ICML), learning dynamics of a sum of sinusoids.

    Example:
        >>> import numpy as np
        >>> from freqlens.dynamics.spectral_bias import SpectralNormHistory, SpectrumHistory
        >>> h = SpectrumHistory(steps=[0, 1], frequencies=[5, 10], target_amplitudes=[1.0, 1.0],
        ...                     magnitudes=np.ones((2, 2)))
        >>> n = SpectralNormHistory(steps=[0, 1], layers=["0.weight"], norms=np.ones((2, 1)))
        >>> fig, axes = plot_sinusoid_learning({"equal": h, "increasing": h}, {"equal": n}, width=16, iterations=2)
        >>> [a.get_title() for a in axes][2]
        'True σ_max per layer (equal amplitudes)'
    """
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
    """The flower-manifold figure: the curves γ_L(z) = (1 + ½ sin(2πLz))·(cos 2πz, sin 2πz) for each L, then a_k(t)
    along each curve, with the high-frequency area under the curve AUC_hi in the panel titles.

    Args:
        petals: the petal counts L (0 = the circle).
        histories: L → :class:`~freqlens.dynamics.spectral_bias.SpectrumHistory` along γ_L.
        auc_high: L → AUC of the high frequencies (dimensionless).
        width: hidden width of the MLP (for the title).

    Returns:
        ``(fig, axes)``: 1 + len(petals) axes.

    Raises:
        KeyError: a history or AUC of ``petals`` is missing.

    Source:
        Rahaman et al. 2019 (ICML), regression on flower-shaped manifolds.

    Example:
        >>> import numpy as np
        >>> from freqlens.dynamics.spectral_bias import SpectrumHistory
        >>> h = SpectrumHistory(steps=[0, 1], frequencies=[20, 40], target_amplitudes=[1.0, 1.0],
        ...                     magnitudes=np.ones((2, 2)))
        >>> fig, axes = plot_manifold_learning([0, 4], {0: h, 4: h}, {0: 0.2, 4: 0.6}, width=16)
        >>> len(axes), axes[0].get_title()
        (3, 'Flower manifolds γ_L')
    """
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
    """The binary-classification-on-a-manifold figure: the class regions 1[f > 0] of a network trained on γ_20 over
    [−1.6, 1.6]² with contours of |f|, the curve points coloured by label, and the training accuracy over iterations
    for each manifold against the majority-class rate.

    Args:
        model: maps (N, 2) points to (N, 1) logits (evaluated on a 200 × 200 grid, on the model's device).
        curve_points: (N, 2) points of the training curve; labels: (N,) their 0/1 labels.
        curves: L → [(iteration, training accuracy in [0, 1]), ...].
        majority: the majority-class rate (dotted line).
        k: the target frequency along the curve (for the title).

    Returns:
        ``(fig, axes)``: two axes.

    Raises:
        Nothing of its own.

    Source:
        Rahaman et al. 2019 (ICML), binarised high-frequency sine on a flower manifold.

    Example:
        >>> import numpy as np, torch
        >>> _ = torch.manual_seed(0)
        >>> net = torch.nn.Linear(2, 1)
        >>> pts = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
        >>> fig, axes = plot_binary_manifold(net, pts, [0, 1, 0], {20: [(0, 0.5), (10, 0.9)]}, majority=0.5, k=200)
        >>> axes[1].get_ylabel(), fig.axes[-1].get_ylabel()
        ('training accuracy', '|f(x)| (logit magnitude)')
    """
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
    """Decay of the Fourier coefficients of 1-D networks: |c_k| of a few networks against k (log-log, with k⁻² for
    reference), and the octave-envelope slope of every network by activation with the accepted band [−2.2, −1.7]
    shaded and the theorem's −(d + 1) = −2 dotted.

    Args:
        coefficients: label → a :func:`~freqlens.dynamics.spectral_bias.fourier_decay` dict (``"coefficients"``:
            |c_k| for k = 1, 2, …, cycles on [0, 1)).
        slopes: activation → list of envelope slopes (one per network).

    Returns:
        ``(fig, axes)``: two axes.

    Raises:
        UnboundLocalError: ``coefficients`` is empty (the reference line needs one network's k).

    Source:
        Rahaman et al. 2019 (ICML), Fourier spectrum of ReLU networks and its k^−(d+1) decay.

    Example:
        >>> import numpy as np
        >>> k = np.arange(1, 65)
        >>> fig, axes = plot_decay_slopes({"relu": {"coefficients": 1e-2 * k ** -2.0}}, {"relu": [-2.0, -1.9]})
        >>> axes[0].get_xscale(), axes[1].get_ylabel()
        ('log', 'octave-envelope slope')
    """
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
    """Validation (solid) and training (dotted) MSE over iterations for each label-noise run on two MNIST digits; the
    run named ``"low_cos"`` is labelled as the cosine null and ``"none"`` as the noise-free run.

    Args:
        curves: run name → ``{"k": frequency, "kappa": κ, "val": validation MSE recorded every 10 iterations,
            "train": training MSE every iteration}`` (at most four runs get distinct colours).
        dataset: dataset name for the title.

    Returns:
        ``(fig, ax)``; y on a log scale.

    Raises:
        KeyError: a run lacks ``"val"`` or ``"train"`` (or, when noisy, ``"k"`` / ``"kappa"``).

    Source:
        Rahaman et al. 2019 (ICML), MNIST with low- and high-frequency label noise.

    Example:
        >>> c = {"none": {"val": [1.0, 0.5], "train": [1.0, 0.8, 0.6]},
        ...      "high": {"k": 2.0, "kappa": 1.0, "val": [1.0, 0.9], "train": [1.0, 0.7, 0.4]}}
        >>> fig, ax = plot_noise_curves(c)
        >>> len(ax.get_lines()), ax.get_yscale()
        (4, 'log')
    """
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
    """Kernel eigenbasis figure: the top six eigenvectors of an RBF kernel on 1-D points, the rfft amplitude of the
    first 20 eigenvectors (colour bar), and binned |coefficients| of targets and network outputs in the data's RBF
    eigenbasis (log y).

    Args:
        xs: (n,) points of the 1-D kernel; vectors: (n, m ≥ 6) eigenvectors sorted by decreasing eigenvalue.
        sign_changes: sign changes of each eigenvector (at least six).
        spectra: label → binned mean |coefficient| curve (at most four get distinct styles).
        bin_size: eigen-indices per bin (for the axis label).
        dataset: dataset name for the title.

    Returns:
        ``(fig, axes)``: three axes.

    Raises:
        IndexError: fewer than six eigenvectors or sign-change counts.

    Source:
        Rahaman et al. 2019 (ICML), the spectrum of MNIST targets in a kernel eigenbasis and the eigenvectors of a
        Gaussian RBF kernel.

    Example:
        >>> import numpy as np
        >>> xs = np.linspace(0, 1, 16)
        >>> vecs = np.linalg.eigh(np.exp(-(xs[:, None] - xs[None]) ** 2 / 0.02))[1][:, ::-1]
        >>> fig, axes = plot_kernel_eigenbasis(xs, vecs, list(range(16)), {"target": np.ones(5)}, bin_size=20)
        >>> axes[2].get_xlabel(), fig.axes[-1].get_ylabel()
        ('kernel eigenfunction index [/20]', '|rfft(v_m)|')
    """
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
