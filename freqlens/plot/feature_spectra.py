"""Figure of :class:`freqlens.probes.feature_spectra.FeatureSpectra`: Δ log amplitude against depth."""
from __future__ import annotations

from freqlens.plot.style import new_axes


def plot_feature_spectra(res, ax=None):
    """Relative log amplitude of the high-frequency part (log A(1.0π) − log A(0)) of every layer, in depth order."""
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
