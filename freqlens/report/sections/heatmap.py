"""Report section: Fourier heat map (error under single-frequency perturbations), Yin et al. 2019."""
from __future__ import annotations

from freqlens.report import readings
from freqlens.report.sections import Flag, Section, SectionContext


def _run(ctx: SectionContext):
    from freqlens.probes.heatmap import fourier_heatmap

    n = ctx.options["heatmap_images"]
    return fourier_heatmap(ctx.model, ctx.images[:n], ctx.labels[:n], eps=ctx.options["eps"], bounds=ctx.bounds,
                           max_batch=ctx.max_batch, seed=ctx.seed, checkpoint=ctx.probe_path("heatmap", ".ckpt"),
                           normalize=ctx.normalize, progress=ctx.progress, window=ctx.options.get("window"),
                           **ctx.model_options, **ctx.speed_options)


SECTION = Section(
    name="heatmap",
    sharded=True,
    title="Fourier heat map: error under single-frequency perturbations",
    caption=('Each cell is one frequency (DC in the centre): blue (high-error) cells far from the centre mean the model '
             'is fragile to high-frequency noise.'),
    run=_run,
    result="HeatmapResult",
    figure=lambda res: res.plot()[0],
    reading=lambda res, ctx: readings.read_heatmap(res, ctx.chance),
    flags=(Flag("eps", float, 4.0, "heat-map perturbation ℓ2 norm per channel (input units)"),
           Flag("heatmap_images", int, 200, "images for the heat map (default 200)"),
           Flag("window", int, None, "heat map and layers: only frequencies with max(|f_u|,|f_v|) ≤ WINDOW "
                                     "(31: the ImageNet 63×63 map; default: all)")),
    default=True,
    order=10,
    input_errors_stop_the_report=True,
)
