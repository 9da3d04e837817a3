"""Report section: accuracy on the low- and high-frequency components of images (Wang et al. 2020)."""
from __future__ import annotations

from freqlens.report import readings
from freqlens.report.sections import Section, SectionContext


def _run(ctx: SectionContext):
    from freqlens.probes.hfc import lfc_hfc_accuracy

    h, w = ctx.images.shape[-2:]
    radii = [round(r * max(h, w) / 32, 2) for r in (4, 8, 12, 16)]
    return lfc_hfc_accuracy(ctx.model, ctx.images, ctx.labels, radii=radii, bounds=ctx.bounds,
                            max_batch=ctx.max_batch, normalize=ctx.normalize, progress=ctx.progress,
                            **ctx.model_options, **ctx.speed_options)


SECTION = Section(
    name="hfc",
    title="Accuracy on low- and high-frequency components (LFC / HFC)",
    caption='If the HFC (high-pass) curve sits above chance at large radii, the model predicts from details a '
            'human cannot see.',
    run=_run,
    result="HFCAccuracy",
    figure=lambda res: res.plot()[0],
    reading=lambda res, ctx: readings.read_hfc(res, ctx.chance),
    default=True,
    order=40,
    input_errors_stop_the_report=True,
)
