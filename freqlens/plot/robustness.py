"""Figures of the Fourier-robustness probes: filtered accuracy, band-limited noise, perturbation spectra,
corruption spectra, the robustness-vs-HF-energy scatter, and the Fourier-basis attack."""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from freqlens.plot.heatmap import plot_centred_map
from freqlens.plot.style import new_axes


def plot_filtering(result, ax=None):
    """Accuracy (%) on low-pass and high-pass filtered test images against the bandwidth, one line per filter kind,
    with the unfiltered accuracy dashed and chance for 10 classes dotted.

    Args:
        result: a :class:`~freqlens.probes.filtering.FilteredAccuracy` (``bandwidths``: frequencies kept per axis;
            accuracies in [0, 1], drawn in %).
        ax: matplotlib axes to draw into (default: a new figure).

    Returns:
        ``(fig, ax)``; y fixed to [0, 100].

    Raises:
        Nothing of its own.

    Source:
        Yin et al. 2019 (NeurIPS), Sec. 3 (low-pass and high-pass filtered test images).

    Example:
        >>> from freqlens.probes.filtering import FilteredAccuracy
        >>> r = FilteredAccuracy(bandwidths=[3, 15, 31], accuracy={"low": [0.2, 0.6, 0.9], "high": [0.1, 0.1, 0.8]},
        ...                      clean_accuracy=0.9, n_images=10)
        >>> fig, ax = plot_filtering(r)
        >>> ax.get_xlabel(), ax.get_ylabel()
        ('bandwidth B (frequencies kept per axis)', 'test accuracy (%)')
    """
    fig, ax = new_axes(ax)
    for kind, acc in result.accuracy.items():
        ax.plot(result.bandwidths, 100 * np.asarray(acc), "o-", label=f"{kind}-pass filtered")
    ax.axhline(100 * result.clean_accuracy, color="k", ls="--", lw=1, label="unfiltered")
    ax.axhline(10, color="grey", ls=":", lw=1, label="chance (10 classes)")
    ax.set_xlabel("bandwidth B (frequencies kept per axis)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"{result.label + ': ' if result.label else ''}accuracy on filtered test images "
                 f"(N = {result.n_images})", fontsize=9)
    ax.legend(fontsize=8)
    return fig, ax


def plot_band_noise(results: Sequence, ax=None):
    """Test error (%) under band-limited Gaussian noise against the noise bandwidth: low-pass noise solid, high-pass
    noise dashed, one colour per model, each model's clean error dotted.

    Args:
        results: :class:`~freqlens.probes.noise.BandNoiseResult` objects (``error[kind]``: errors in % per
            bandwidth; the title uses the first one's ℓ2 norm and normalisation).
        ax: matplotlib axes to draw into (default: a new figure).

    Returns:
        ``(fig, ax)``; y fixed to [0, 100].

    Raises:
        IndexError: ``results`` is empty.

    Source:
        Yin et al. 2019 (NeurIPS), Sec. 3 (band-limited noise).

    Example:
        >>> from freqlens.probes.noise import BandNoiseResult
        >>> r = BandNoiseResult(bandwidths=[4, 16], error={"low": [30.0, 50.0], "high": [10.0, 20.0]}, clean_error=5.0)
        >>> fig, ax = plot_band_noise([r])
        >>> len(ax.get_lines()), ax.get_ylabel()
        (3, 'test error (%)')
    """
    fig, ax = new_axes(ax)
    for i, res in enumerate(results):
        col = f"C{i}"
        name = res.label or (f"model {i}" if len(results) > 1 else "")
        for kind, style in (("low", "o-"), ("high", "s--")):
            if kind in res.error:
                ax.plot(res.bandwidths, res.error[kind], style, color=col,
                        label=f"{name}, {kind}-pass noise" if name else f"{kind}-pass noise")
        ax.axhline(res.clean_error, color=col, lw=0.8, ls=":")
    ax.set_xlabel("noise bandwidth B")
    ax.set_ylabel("test error (%)")
    ax.set_ylim(0, 100)
    r0 = results[0]
    ax.set_title(f"error under band-limited Gaussian noise, ℓ2 = {r0.norm:g} "
                 f"{'per channel' if r0.per_channel else 'per image'} (dotted: clean)", fontsize=9)
    ax.legend(fontsize=7)
    return fig, ax


def plot_perturbation_spectrum(result, ax=None):
    """Mean |F(δ)| of adversarial perturbations as a centred map on a log colour scale (magma) over the positive
    values, with the low-frequency energy share in the title.

    Args:
        result: a :class:`~freqlens.probes.perturbation_spectra.PerturbationSpectrumResult` (``spectrum``: (H, W),
            centred, in input units × pixels).
        ax: matplotlib axes to draw into (default: a new figure).

    Returns:
        ``(fig, ax)``; a colour bar labelled "mean |F(δ)|".

    Raises:
        Nothing of its own.

    Source:
        Yin et al. 2019 (NeurIPS), Fourier spectrum of adversarial perturbations.

    Example:
        >>> import numpy as np
        >>> from freqlens.probes.perturbation_spectra import PerturbationSpectrumResult
        >>> r = PerturbationSpectrumResult(spectrum=np.arange(1.0, 17.0).reshape(4, 4), low_energy_fraction=0.5)
        >>> fig, ax = plot_perturbation_spectrum(r)
        >>> fig.axes[-1].get_ylabel(), ax.get_xlabel()
        ('mean |F(δ)|', 'horizontal frequency f_v (cycles/image)')
    """
    s = np.asarray(result.spectrum)
    pos = s[s > 0]
    return plot_centred_map(s, ax=ax, log=True, vmin=float(pos.min()) if pos.size else None,
                            vmax=float(pos.max()) if pos.size else None, cmap="magma",
                            title=f"{result.label + ': ' if result.label else ''}mean |FFT| of PGD perturbations\n"
                                  f"energy share at ρ ≤ {result.low_radius}: {result.low_energy_fraction:.2f}",
                            colorbar_label="mean |F(δ)|")


def plot_spectra_grid(spectra: dict, ncols: int = 5, log: bool = True, suptitle: str = ""):
    """Several centred spectra in a grid, each with its own colour scale and colour bar (magma; log over the positive
    values when ``log`` and any value is positive); axes in cycles per image.

    Args:
        spectra: name → (H, W) centred map (e.g. mean |FFT| of a corruption).
        ncols: panels per row.
        log: logarithmic colour scales.
        suptitle: figure title (none when empty).

    Returns:
        ``(fig, axes)``: the (rows, ncols) axes array; unused cells are hidden.

    Raises:
        ValueError: a map is not 2-D.

    Source:
        Yin et al. 2019 (NeurIPS), Fourier spectra of natural images and corruptions.

    Example:
        >>> import numpy as np
        >>> fig, axes = plot_spectra_grid({"fog": np.ones((4, 4)), "noise": np.full((4, 4), 2.0)}, ncols=3)
        >>> axes.shape, axes[0, 1].get_title(), axes[0, 0].get_xlabel()
        ((1, 3), 'noise', 'f_v (cycles/image)')
    """
    names = list(spectra)
    nrows = int(np.ceil(len(names) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.0 * ncols, 2.7 * nrows), constrained_layout=True,
                             squeeze=False)
    for ax in axes.flat[len(names):]:
        ax.axis("off")
    for name, ax in zip(names, axes.flat):
        s = np.asarray(spectra[name], dtype=float)
        pos = s[s > 0]
        plot_centred_map(s, ax=ax, log=log and pos.size > 0, vmin=float(pos.min()) if pos.size else None,
                         vmax=float(pos.max()) if pos.size else None, cmap="magma", title=name,
                         colorbar_label="mean |FFT|")
        ax.set_xlabel("f_v (cycles/image)")
        ax.set_ylabel("f_u (cycles/image)")
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return fig, axes


def plot_scatter(ax, x, y, names, slope: float, intercept: float, r: float, rms: float, title: str):
    """Accuracy change of a model against the high-frequency energy fraction of each corruption, with the OLS line,
    its slope k, Pearson r and RMS residual in the title; draws on the given axes.

    Args:
        ax: matplotlib axes to draw into.
        x: (P,) fraction of the corruption's energy at high frequency, in [0, 1].
        y: (P,) accuracy change against the natural model, in percentage points.
        names: P corruption names (annotations).
        slope, intercept: the fitted line y = slope·x + intercept.
        r: Pearson correlation; rms: RMS residual (points).
        title: first title line.

    Returns:
        ``ax``.

    Raises:
        Nothing of its own.

    Source:
        Yin et al. 2019 (NeurIPS), robustness change against high-frequency energy of corruptions.

    Example:
        >>> fig, ax = plt.subplots()
        >>> ax = plot_scatter(ax, [0.1, 0.9], [-1.0, 5.0], ["fog", "noise"], 7.5, -1.75, 1.0, 0.0, "GA − natural")
        >>> ax.get_xlabel(), ax.get_title().splitlines()[1]
        ('fraction of high-frequency energy of the corruption', 'k = 7.5, Pearson r = 1.00, RMS residual = 0.0')
    """
    x, y = np.asarray(x), np.asarray(y)
    ax.scatter(x, y, s=18)
    for xi, yi, n in zip(x, y, names):
        ax.annotate(n, (xi, yi), fontsize=6, xytext=(2, 2), textcoords="offset points")
    xs = np.linspace(0, 1, 2)
    ax.plot(xs, slope * xs + intercept, "r-", lw=1)
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_xlabel("fraction of high-frequency energy of the corruption")
    ax.set_ylabel("accuracy change vs natural (points)")
    ax.set_title(f"{title}\nk = {slope:.1f}, Pearson r = {r:.2f}, RMS residual = {rms:.1f}", fontsize=9)
    return ax


def plot_attack(results: Sequence, ax=None):
    """Success rate (%) of the Fourier-basis attack for all candidate bases, low-frequency bases only and
    high-frequency bases only, one bar group per model.

    Args:
        results: :class:`~freqlens.attacks.result.AttackResult` objects of
            :func:`~freqlens.attacks.fourier_basis.fourier_basis_attack` (``stats["success_low"]``,
            ``stats["success_high"]`` and ``params["low"/"high"/"eps"]``, ρ in cycles per image).
        ax: matplotlib axes to draw into (default: a new figure).

    Returns:
        ``(fig, ax)``; y fixed to [0, 100].

    Raises:
        KeyError: a result is not a Fourier-basis attack (no low/high statistics).

    Source:
        Yin et al. 2019 (NeurIPS), Fourier-basis black-box attack.

    Example:
        >>> import torch
        >>> from freqlens.attacks.fourier_basis import fourier_basis_attack
        >>> _ = torch.manual_seed(0)
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 2))
        >>> res = fourier_basis_attack(model, torch.rand(4, 3, 8, 8), torch.tensor([0, 1, 0, 1]), eps=2.0, low=1,
        ...                            high=3, progress=False)
        >>> fig, ax = plot_attack([res])
        >>> [t.get_text() for t in ax.get_xticklabels()]
        ['all bases', 'low (ρ ≤ 1)', 'high (ρ ≥ 3)']
    """
    fig, ax = new_axes(ax)
    labels = ["all bases", "low only", "high only"]
    width = 0.8 / max(len(results), 1)
    for i, res in enumerate(results):
        vals = [res.success_rate, res.stats["success_low"], res.stats["success_high"]]
        ax.bar(np.arange(3) + i * width, 100 * np.asarray(vals), width, label=res.label or f"model {i}")
    ax.set_xticks(np.arange(3) + width * (len(results) - 1) / 2)
    r0 = results[0]
    ax.set_xticklabels([labels[0], f"low (ρ ≤ {r0.params['low']})", f"high (ρ ≥ {r0.params['high']})"])
    ax.set_ylabel("attack success rate (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"Fourier-basis black-box attack, ℓ2 = {r0.params['eps']:g} per channel", fontsize=9)
    ax.legend(fontsize=8)
    return fig, ax


def plot_filtering_figure(natural, images, trained_points: dict, examples: Sequence[tuple[str, int]], filter_fn):
    """Filtering figure: accuracy vs bandwidth of the natural model with the accuracies of models trained
    and tested on filtered images as stars, then example images (top: original, bottom: filtered).

    Args:
        natural: a :class:`~freqlens.probes.filtering.FilteredAccuracy` of the natural model.
        images: (N, 3, H, W) images in [0, 1] (the first 4 are shown).
        trained_points: label → (bandwidth, accuracy in [0, 1]) of the models trained on filtered images.
        examples: (kind, bandwidth) of the two example panels.
        filter_fn: ``filter_fn(images, kind, bandwidth)`` (e.g. :func:`freqlens.probes.filtering.filter_images`).

    Returns:
        ``(fig, axes)``: 1 + len(examples) axes.

    Raises:
        Nothing of its own.

    Source:
        Yin et al. 2019 (NeurIPS), Sec. 3 (training and testing on filtered images).

    Example:
        >>> import torch
        >>> from freqlens.probes.filtering import FilteredAccuracy, filter_images
        >>> nat = FilteredAccuracy(bandwidths=[3, 31], accuracy={"low": [0.2, 0.7], "high": [0.1, 0.6]},
        ...                       clean_accuracy=0.7, n_images=4)
        >>> fig, axes = plot_filtering_figure(nat, torch.rand(4, 3, 8, 8), {"HP 5": (5, 0.5)}, [("low", 3)],
        ...                                   filter_images)
        >>> len(axes)
        2
    """
    import torch

    fig, axes = plt.subplots(1, 1 + len(examples), figsize=(4.4 * (1 + len(examples)), 3.8), constrained_layout=True)
    axes = np.atleast_1d(axes)
    natural.plot(ax=axes[0])
    for i, (label, (b, acc)) in enumerate(trained_points.items()):
        axes[0].plot([b], [100 * acc], "*", color=f"C{i + 3}", ms=12, label=f"trained + tested on {label}")
    axes[0].legend(fontsize=7)
    x = images[:4]
    for ax, (kind, b) in zip(axes[1:], examples):
        img = filter_fn(x, kind, b)
        if kind == "high":
            img = img - img.amin(dim=(1, 2, 3), keepdim=True)
            img = img / img.amax(dim=(1, 2, 3), keepdim=True).clamp_min(1e-8)
        row = torch.cat([torch.cat(list(x), 2), torch.cat(list(img.clamp(0, 1)), 2)], 1)
        ax.imshow(row.permute(1, 2, 0).numpy())
        stretched = " (contrast stretched)" if kind == "high" else ""
        ax.set_title(f"top: original; bottom: {kind}-pass B = {b}{stretched}", fontsize=9)
        ax.axis("off")
    return fig, axes


def plot_scatter_panels(panels: dict, names: Sequence[str]):
    """One robustness-vs-HF-energy scatter per panel, side by side.

    Args:
        panels: title → dict with ``x`` (HF fractions), ``y`` (accuracy change, points) and the fit
            (``slope``, ``intercept``, ``pearson_r``, ``rms_residual``).
        names: the corruption of every point.

    Returns:
        ``(fig, axes)``: one axes per panel.

    Raises:
        KeyError: a panel lacks one of the keys above.

    Source:
        Yin et al. 2019 (NeurIPS), robustness change against high-frequency energy of corruptions.

    Example:
        >>> p = {"GA − natural": dict(x=[0.1, 0.9], y=[-1.0, 5.0], slope=7.5, intercept=-1.75, pearson_r=1.0,
        ...                           rms_residual=0.0)}
        >>> fig, axes = plot_scatter_panels(p, ["fog", "noise"])
        >>> len(axes)
        1
    """
    k = len(panels)
    fig, axes = plt.subplots(1, k, figsize=(5.5 * k, 4.2), constrained_layout=True, squeeze=False)
    for ax, (title, p) in zip(axes[0], panels.items()):
        plot_scatter(ax, p["x"], p["y"], names, p["slope"], p["intercept"], p["pearson_r"], p["rms_residual"], title)
    return fig, axes[0]


def plot_perturbation_spectra(results: Sequence):
    """Mean |FFT| of adversarial perturbations, one panel per model, each with its own colour scale.

    Args:
        results: :class:`~freqlens.probes.perturbation_spectra.PerturbationSpectrumResult` objects.

    Returns:
        ``(fig, axes)``: one axes per result.

    Raises:
        Nothing of its own.

    Source:
        Yin et al. 2019 (NeurIPS), Fourier spectrum of adversarial perturbations.

    Example:
        >>> from freqlens.probes.perturbation_spectra import PerturbationSpectrumResult
        >>> r = PerturbationSpectrumResult(spectrum=np.ones((4, 4)), low_energy_fraction=0.5, label="natural")
        >>> fig, axes = plot_perturbation_spectra([r, r])
        >>> len(axes)
        2
    """
    fig, axes = plt.subplots(1, len(results), figsize=(4.8 * len(results), 4), constrained_layout=True, squeeze=False)
    for ax, r in zip(axes[0], results):
        r.plot(ax=ax)
    return fig, axes[0]


__all__ = ["plot_filtering", "plot_band_noise", "plot_perturbation_spectrum", "plot_spectra_grid", "plot_scatter",
           "plot_attack", "plot_filtering_figure", "plot_scatter_panels", "plot_perturbation_spectra"]
