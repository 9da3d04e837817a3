"""Report section: high-frequency content of feature maps layer by layer (Park & Kim 2022, Fig. 2)."""
from __future__ import annotations

from freqlens.report.sections import Flag, Section, SectionContext


def _layers(ctx: SectionContext):
    text = str(ctx.options.get("spectra_layers") or "").strip()
    return [t.strip() for t in text.split(",") if t.strip()] or None


def _run(ctx: SectionContext):
    from freqlens.probes.feature_spectra import feature_spectra

    return feature_spectra(ctx.model, ctx.images, layers=_layers(ctx), normalize=ctx.normalize,
                           batch_size=ctx.max_batch or 64, progress=ctx.progress, **ctx.model_options)


def _reading(res, ctx: SectionContext) -> tuple[str, dict]:
    values = {name: round(float(res.high_frequency_amplitude[name]), 3) for name in res.layers}
    first, last = res.layers[0], res.layers[-1]
    delta = values[last] - values[first]
    trend = "gain" if delta > 0 else "lose"
    sentence = (f"From {first!r} to {last!r} the feature maps {trend} relative high-frequency content "
                f"(Δ log amplitude at Nyquist vs DC: {values[first]:+.2f} → {values[last]:+.2f} nepers); "
                "layers that lower it act as low-pass filters (e.g. pooling, attention), layers that raise it amplify "
                "fine detail (e.g. strided convolutions).")
    return sentence, {"high_frequency_amplitude": values}


SECTION = Section(
    name="feature_spectra",
    title="Feature-map spectra by depth",
    caption=("One point per layer: points below zero mean the layer's maps carry less high-frequency "
             "amplitude than DC; a drop marks a low-pass layer."),
    run=_run,
    result="FeatureSpectra",
    figure=lambda res: res.plot()[0],
    reading=_reading,
    flags=(Flag("spectra_layers", str, "", "feature_spectra: comma-separated module names (default: the model's "
                "direct children)"),),
    default=False,
    order=55,
)
