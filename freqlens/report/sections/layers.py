"""Report section: per-layer frequency response of a CNN (skipped for models without conv layers)."""
from __future__ import annotations

from freqlens.report import readings
from freqlens.report.sections import Section, SectionContext


def _run(ctx: SectionContext):
    from freqlens.probes.layers import layer_frequency_response

    return layer_frequency_response(ctx.model, image_size=tuple(ctx.images.shape[1:]), bounds=ctx.bounds,
                                    normalize=ctx.normalize, progress=ctx.progress, amp=ctx.amp,
                                    window=ctx.options.get("window"), max_batch=ctx.max_batch, **ctx.speed_options)


def _figure(res):
    from freqlens.plot.layers import plot_layer_response

    return plot_layer_response(res)[0]  # every layer, one shared colour scale, ratio against depth


SECTION = Section(
    name="layers",
    sharded=True,
    title="Per-layer frequency response",
    caption='Curves above 1 at high radius mean the layer amplifies high frequencies; below 1, it smooths them.',
    run=_run,
    result="LayerResponse",
    figure=_figure,
    reading=lambda res, ctx: readings.read_layers(res),
    default=True,
    order=50,
)
