"""Figures of the post-averaging defense: transfer functions, clean accuracy vs radius, attack evaluations."""
from __future__ import annotations

import numpy as np

from freqlens.plot.style import new_axes, plt

_LABELS = {"fgsm_sweep": "FGSM sweep\n(transfer)", "pgd_minimal": "minimal PGD\n(transfer, paper)",
           "pgd_fixed": "fixed-ε PGD\n(transfer)", "eot_pgd": "EOT-PGD\n(adaptive)",
           "deepfool": "DeepFool-L2\n(transfer, paper)", "cw": "C&W-L2\n(transfer, paper)",
           "square": "Square Attack\n(adaptive, black-box)"}


def plot_transfer_function(result, ax=None):
    """Gain of a plane wave cos(ω·x) after averaging over a ball of radius r, against r‖ω‖/√d: the Bessel formulas of
    the exact ball average (solid) and of the paper's direction-and-scale estimator (dashed), their Monte-Carlo
    measurements (circles and squares, ± 2 standard errors) per dimension d, and the floor 1/(6K+1) of K directions.

    With ``ax=None`` and a 2-D disk profile in the result, a second panel compares the measured radial ratio
    |FFT(f_C)|/|FFT(f)| of a random ReLU network with 2J₁(s)/s.

    Args:
        result: a :class:`~freqlens.fourier.ball_average.TransferFunctionResult`.
        ax: matplotlib axes to draw into (default: a new figure, with the 2-D panel when available).

    Returns:
        ``(fig, ax)``: ``ax`` is the first panel.

    Raises:
        Nothing of its own.

    Source:
        Lin, Kasra Ahmadi and Jiang 2019 (arXiv 1905.12797), post-averaging as a low-pass filter.

    Example:
        >>> from freqlens.fourier.ball_average import ball_average_response, paper_estimator_response
        >>> from freqlens.fourier.ball_average import TransferFunctionResult
        >>> s = [0.0, 1.0, 2.0]
        >>> c = {"s": s, "ball": ball_average_response(s, 2).tolist(), "paper": paper_estimator_response(s, 2).tolist(),
        ...      "mc_ball": [1, .8, .4], "se_ball": [0, 0, 0], "mc_paper": [1, .8, .4], "se_paper": [0, 0, 0]}
        >>> fig, ax = plot_transfer_function(TransferFunctionResult(dims=[2], curves={"2": c}))
        >>> ax.get_xlabel(), len(fig.axes)
        ('r‖ω‖ / √d', 1)
    """
    has2d = bool(result.disk2d) and ax is None
    if ax is None:
        fig, axes = plt.subplots(1, 2 if has2d else 1, figsize=(11 if has2d else 6, 4), constrained_layout=True)
        axes = np.atleast_1d(axes)
        ax = axes[0]
    else:
        fig, axes = ax.figure, np.array([ax])
    colours = plt.cm.viridis(np.linspace(0, 0.85, len(result.dims)))
    for d, c in zip(result.dims, colours):
        cur = result.curves[str(d)]
        x = np.asarray(cur["s"]) / np.sqrt(d)
        ax.plot(x, cur["ball"], color=c, lw=1.8, label=f"ball, d={d} (Bessel)")
        ax.plot(x, cur["paper"], color=c, lw=1.2, ls="--", label=f"paper estimator, d={d}")
        ax.errorbar(x, cur["mc_ball"], yerr=2 * np.asarray(cur["se_ball"]), fmt="o", ms=3, color=c)
        ax.errorbar(x, cur["mc_paper"], yerr=2 * np.asarray(cur["se_paper"]), fmt="s", ms=3, color=c, mfc="none")
    ax.axhline(1 / (6 * result.n_directions + 1), color="grey", lw=0.8, ls=":", label="floor 1/(6K+1)")
    ax.axhline(0, color="black", lw=0.5)
    ax.set_xlabel("r‖ω‖ / √d")
    ax.set_ylabel("gain of cos(ω·x) after averaging")
    ax.set_title("Post-averaging as a low-pass filter: formulas (lines) vs Monte Carlo (markers)", fontsize=9)
    ax.legend(fontsize=6, ncol=2)
    if has2d:
        ax2 = axes[1]
        s = np.asarray(result.disk2d["s"])
        ax2.plot(s, result.disk2d["measured"], "o", ms=3, label="FFT(f_C) / FFT(f) (ReLU MLP on a 256×256 grid)")
        ax2.plot(s, result.disk2d["bessel"], lw=1.5, label="2J₁(s)/s")
        ax2.axhline(0, color="black", lw=0.5)
        ax2.set_xlabel("s = r‖ω‖ (radius in grid cells × angular frequency)")
        ax2.set_ylabel("radial mean of the spectrum ratio")
        ax2.set_title(f"2-D disk average (r = {result.disk2d.get('radius', [0])[0]:g} cells) of a random ReLU network",
                      fontsize=9)
        ax2.legend(fontsize=7)
    return fig, ax


def plot_radius_tradeoff(result, ax=None):
    """Clean accuracy of the post-averaged model against the averaging radius, one line per sampling mode, with the
    base model's accuracy dashed and the default radius dotted.

    Args:
        result: a :class:`~freqlens.probes.defense.RadiusTradeoff` (radii in ``radius_space`` input units,
            accuracies in [0, 1], drawn in %).
        ax: matplotlib axes to draw into (default: a new figure).

    Returns:
        ``(fig, ax)``.

    Raises:
        KeyError: a mode of ``result.accuracy`` has no radii.

    Source:
        Lin, Kasra Ahmadi and Jiang 2019 (arXiv 1905.12797), clean accuracy against radius.

    Example:
        >>> from freqlens.probes.defense import RadiusTradeoff
        >>> r = RadiusTradeoff(base_accuracy=0.9, default_radius=0.5, radius_space="pixel", n_directions=15,
        ...                    n_images=10, radii={"paper": [0.25, 0.5, 1.0]}, accuracy={"paper": [0.9, 0.85, 0.6]})
        >>> fig, ax = plot_radius_tradeoff(r)
        >>> ax.get_xlabel(), ax.get_ylabel()
        ('radius r (pixel input units)', 'clean test accuracy (%)')
    """
    fig, ax = new_axes(ax)
    for mode, accs in result.accuracy.items():
        radii = result.radii[mode]
        ax.plot(radii, np.asarray(accs) * 100, "o-", label=mode)
    ax.axhline(result.base_accuracy * 100, color="black", ls="--", lw=1, label="base model")
    ax.axvline(result.default_radius, color="grey", ls=":", lw=1, label=f"default r = {result.default_radius:.2f}")
    ax.set_xlabel(f"radius r ({result.radius_space} input units)")
    ax.set_ylabel("clean test accuracy (%)")
    ax.set_title(f"Post-averaging: clean accuracy vs radius (K = {result.n_directions}, {result.n_images} images)",
                 fontsize=9)
    ax.legend(fontsize=8)
    return fig, ax


def plot_defense_evaluation(ev, ax=None):
    """Accuracy of the base and the post-averaged model, in %, on clean images and on each attack's attacked set
    (grey: base, blue: post-averaged, with the defended value printed above its bar).

    Transfer attacks show how many adversarials passed the L∞ filter; an attack evaluated on fewer images than
    the rest (e.g. Square Attack) shows its image count and a dashed line at the defended clean accuracy of that
    subset.

    Args:
        ev: a :class:`~freqlens.probes.defense.DefenseEvaluation` (accuracies in [0, 1]; ``linf_budget`` in input
            units of [0, 1] images, shown in /255).
        ax: matplotlib axes to draw into (default: a new figure sized to the number of attacks).

    Returns:
        ``(fig, ax)``.

    Raises:
        KeyError: an attack entry lacks ``base_accuracy`` or ``defended_accuracy`` (or a transfer attack its
            ``n_counted`` / ``n_attacked``).

    Source:
        Lin, Kasra Ahmadi and Jiang 2019 (arXiv 1905.12797), defense evaluation; adaptive attacks: freqlens.

    Example:
        >>> from freqlens.probes.defense import DefenseEvaluation
        >>> ev = DefenseEvaluation(protocol="paper", radius=0.5, radius_space="pixel", radius_pixel=0.5,
        ...                        n_directions=15, n_samples=1, n_images=10, clean_accuracy_base=0.9,
        ...                        clean_accuracy_defended=0.85, linf_budget=8 / 255,
        ...                        attacks={"pgd_fixed": {"base_accuracy": 0.0, "defended_accuracy": 0.6}})
        >>> fig, ax = plot_defense_evaluation(ev)
        >>> len(ax.patches), ax.get_ylabel().splitlines()[0]
        (4, 'accuracy (%)')
    """
    fig, ax = new_axes(ax, figsize=(max(7.0, 1.3 * (len(ev.attacks) + 1)), 4))
    names = ["clean"] + list(ev.attacks)
    base = [ev.clean_accuracy_base] + [a["base_accuracy"] for a in ev.attacks.values()]
    dfd = [ev.clean_accuracy_defended] + [a["defended_accuracy"] for a in ev.attacks.values()]
    x = np.arange(len(names))
    ax.bar(x - 0.2, np.asarray(base) * 100, 0.4, label="base model", color="#999999")
    ax.bar(x + 0.2, np.asarray(dfd) * 100, 0.4, label="post-averaged", color="#1f77b4")
    for xi, v in zip(x + 0.2, dfd):
        ax.text(xi, v * 100 + 1, f"{v * 100:.0f}", ha="center", fontsize=7)
    subset_label = "clean accuracy (post-averaged) on the attack's images"
    for xi, n in zip(x[1:], names[1:]):
        a = ev.attacks[n]
        if a.get("n_images", ev.n_images) != ev.n_images and "clean_accuracy_defended" in a:
            ax.hlines(a["clean_accuracy_defended"] * 100, xi - 0.4, xi + 0.4, colors="black", linestyles="--", lw=1,
                      label=subset_label)
            subset_label = None
    labels = [_LABELS.get(n, n) for n in names]
    for i, n in enumerate(names[1:], 1):
        a = ev.attacks[n]
        if a.get("threat") == "transfer":                                  # how many passed the L∞ filter
            labels[i] += f"\n{a['n_counted']}/{a['n_attacked']} counted"
        if a.get("n_images", ev.n_images) != ev.n_images:                  # e.g. Square Attack on a subset
            labels[i] += f"\n({a['n_images']} images)"
    ax.set_xticks(x, labels, fontsize=7)
    ax.set_xlabel("evaluated set", fontsize=8)
    ax.set_ylabel("accuracy (%)\n(attacked set: the counted adversarial, else the clean image)", fontsize=8)
    ax.set_ylim(0, 105)
    ax.set_title(f"{ev.protocol} evaluation, L∞ ≤ {ev.linf_budget * 255:.0f}/255, r = {ev.radius:.3g} "
                 f"({ev.radius_space}), {ev.n_images} images", fontsize=9)
    ax.legend(fontsize=8)
    return fig, ax


def plot_side_by_side(paper_ev, adaptive_ev):
    """Two panels sharing the accuracy axis: the paper's defense-unaware evaluation (attacks on the base model,
    transferred) and the adaptive one (PGD through the averaged model with EOT, and Square Attack when present).

    Args:
        paper_ev: the :class:`~freqlens.probes.defense.DefenseEvaluation` of the paper protocol.
        adaptive_ev: the adaptive evaluation of the same model and radius.

    Returns:
        ``(fig, axes)``: two axes.

    Raises:
        KeyError: as :func:`plot_defense_evaluation`.

    Source:
        Lin, Kasra Ahmadi and Jiang 2019 (arXiv 1905.12797); adaptive evaluation: freqlens (Athalye et al. 2018, EOT).

    Example:
        >>> from freqlens.probes.defense import DefenseEvaluation
        >>> ev = DefenseEvaluation(protocol="paper", radius=0.5, radius_space="pixel", radius_pixel=0.5,
        ...                        n_directions=15, n_samples=1, n_images=10, clean_accuracy_base=0.9,
        ...                        clean_accuracy_defended=0.85, linf_budget=8 / 255)
        >>> fig, axes = plot_side_by_side(ev, ev)
        >>> axes[0].get_title().splitlines()[0]
        'paper protocol: attacks on the base model, transferred'
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), constrained_layout=True, sharey=True)
    plot_defense_evaluation(paper_ev, ax=axes[0])
    plot_defense_evaluation(adaptive_ev, ax=axes[1])
    axes[0].set_title("paper protocol: attacks on the base model, transferred\n" + axes[0].get_title(), fontsize=9)
    head = "adaptive: PGD through the averaged model (EOT over directions)"
    if "square" in adaptive_ev.attacks:
        head += "\nand score-based Square Attack (black-box queries of the averaged softmax)"
    axes[1].set_title(head + "\n" + axes[1].get_title(), fontsize=9)
    return fig, axes


def plot_line_attenuation(results, ax=None):
    """Measured attenuation ⟨|G_C(k)|²⟩/⟨|G(k)|²⟩ of post-averaging along random lines through test images, against
    line frequency × radius (cycles per radius), one curve per model, log y; the DC bin is left out.

    Args:
        results: :class:`~freqlens.probes.post_averaging_spectrum.LineAttenuation` objects (``frequency`` in cycles
            per unit of input-space L2 distance along the line; ``radius_pixel`` in the same units).
        ax: matplotlib axes to draw into (default: a new figure).

    Returns:
        ``(fig, ax)``.

    Raises:
        Nothing of its own.

    Source:
        freqlens (a measurement of Lin et al. 2019's low-pass claim on a trained model).

    Example:
        >>> import numpy as np
        >>> from freqlens.probes.post_averaging_spectrum import LineAttenuation
        >>> f = np.array([0.0, 0.1, 0.2])
        >>> r = LineAttenuation(frequency=f, power_base=np.ones(3), power_averaged=np.array([1, .5, .1]),
        ...                     attenuation=np.array([1, .5, .1]), low_band=[0, .1], high_band=[.2, .5],
        ...                     selectivity=0.2, radius_pixel=2.0, span_radii=4.0, n_points=64, n_lines=8,
        ...                     label="resnet")
        >>> fig, ax = plot_line_attenuation([r])
        >>> ax.get_xlabel(), len(ax.get_lines())
        ('line frequency × r (cycles per radius)', 2)
    """
    import numpy as np

    fig, ax = new_axes(ax)
    for res in results:
        x = np.asarray(res.frequency) * res.radius_pixel
        ax.semilogy(x[1:], np.asarray(res.attenuation)[1:], "o-", ms=3,
                    label=f"{res.label or 'model'} (selectivity {res.selectivity:.2g})")
    ax.axhline(1.0, color="k", lw=0.5, ls=":")
    ax.set_xlabel("line frequency × r (cycles per radius)")
    ax.set_ylabel("power after / before averaging")
    ax.set_title("Post-averaging as a filter, measured along random lines through test images", fontsize=9)
    ax.legend(fontsize=7)
    return fig, ax
