"""Report section: Fourier heat map (error, or loss / logit change / feature change, under single-frequency
perturbations), Yin et al. 2019."""
from __future__ import annotations

from freqlens.report import readings
from freqlens.report.sections import Flag, Section, SectionContext


def _quantity(ctx: SectionContext):
    from freqlens.probes.heatmap_quantities import parse_quantity

    return parse_quantity(ctx.options.get("quantity") or "error", ctx.model)


def _run(ctx: SectionContext):
    from freqlens.probes.heatmap import fourier_heatmap

    n = ctx.options["heatmap_images"]
    return fourier_heatmap(ctx.model, ctx.images[:n], ctx.labels[:n], eps=ctx.options["eps"], bounds=ctx.bounds,
                           max_batch=ctx.max_batch, seed=ctx.seed, checkpoint=ctx.probe_path("heatmap", ".ckpt"),
                           normalize=ctx.normalize, progress=ctx.progress, window=ctx.options.get("window"),
                           quantity=_quantity(ctx).name, **ctx.model_options, **ctx.speed_options)


def _caption(ctx: SectionContext) -> str:
    q = _quantity(ctx)
    where = "Each cell is one frequency (DC in the centre): "
    if q.kind == "error":
        return where + ("blue (high-error) cells far from the centre mean the model is fragile to high-frequency "
                        "noise.")
    what = {"loss": "raise the cross-entropy loss most", "logit_change": "move the logits most"}.get(
        q.kind, f"change the output of {q.layer} most")
    return where + (f"bright cells are the frequencies whose perturbation would {what} (colour: mean {q.label}); "
                    "bright cells far from the centre mean high-frequency noise moves the model.")


SECTION = Section(
    name="heatmap",
    sharded=True,
    title="Fourier heat map: the model under single-frequency perturbations",
    caption=_caption,
    check=_quantity,
    run=_run,
    result="HeatmapResult",
    figure=lambda res: res.plot()[0],
    reading=lambda res, ctx: readings.read_heatmap(res, ctx.chance),
    flags=(Flag("eps", float, 4.0, "heat-map perturbation ℓ2 norm per channel (input units)"),
           Flag("heatmap_images", int, 200, "images for the heat map (default 200)"),
           Flag("window", int, None, "heat map and layers: only frequencies with max(|f_u|,|f_v|) ≤ WINDOW "
                                     "(31: the ImageNet 63×63 map; default: all)"),
           Flag("quantity", str, "error", "what each heat-map cell measures: error (default), loss, logit_change "
                                          "or feature_change:<layer> (a module name)")),
    default=True,
    order=10,
    input_errors_stop_the_report=True,
)
