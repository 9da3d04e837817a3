"""Figure of :class:`freqlens.probes.feature_spectra.FeatureSpectra`: Δ log amplitude against depth."""
from __future__ import annotations

from freqlens.plot.style import new_axes


def plot_feature_spectra(res, ax=None):
    """High-frequency content of every layer's feature maps against depth: ``log A(π) − log A(0)`` per layer.

    Args:
        res: a :class:`~freqlens.probes.feature_spectra.FeatureSpectra` (``high_frequency_amplitude[layer]``: the
            log amplitude at 1.0π radians per pixel minus that at DC, in nepers).
        ax: matplotlib axes to draw into (default: a new figure).

    Returns:
        ``(fig, ax)``; a dotted line marks 0 (as much content at π as at DC).

    Raises:
        KeyError: a name of ``res.layers`` has no entry in ``res.high_frequency_amplitude``.

    Source:
        freqlens.

    Example:
        >>> from freqlens.probes.feature_spectra import FeatureSpectra
        >>> res = FeatureSpectra(layers=["conv1", "conv2"], frequency={}, log_amplitude={},
        ...                      high_frequency_amplitude={"conv1": -1.0, "conv2": -3.0}, shapes={}, n_images=2)
        >>> fig, ax = plot_feature_spectra(res)
        >>> ax.get_ylabel(), [t.get_text() for t in ax.get_xticklabels()]
        ('Δ log amplitude at 1.0π (nepers)', ['conv1', 'conv2'])
    """
    fig, ax = new_axes(ax)
    values = [res.high_frequency_amplitude[n] for n in res.layers]
    ax.plot(range(len(values)), values, "o-", label=res.label or None)
    ax.set_xticks(range(len(values)))
    ax.set_xticklabels(res.layers, rotation=45, ha="right", fontsize=8)
    ax.set_xlabel("layer (depth order)")
    ax.set_ylabel("Δ log amplitude at 1.0π (nepers)")
    ax.set_title(f"High-frequency content of feature maps (n={res.n_images})")
    ax.axhline(0.0, color="k", lw=0.8, ls=":")
    if res.label:
        ax.legend()
    return fig, ax
