"""Report section: accuracy on low-pass and high-pass filtered images (square masks), Yin et al. 2019."""
from __future__ import annotations

from freqlens.report import readings
from freqlens.report.sections import Section, SectionContext


def _run(ctx: SectionContext):
    from freqlens.probes.filtering import filtered_accuracy

    h, w = ctx.images.shape[-2:]
    bws = sorted({b for b in (3, 5, 7, 11, 15, 23, 31, h - 1 if h % 2 == 0 else h) if b <= max(h, w)})
    return filtered_accuracy(ctx.model, ctx.images, ctx.labels, bandwidths=bws, bounds=ctx.bounds,
                             max_batch=ctx.max_batch, normalize=ctx.normalize, progress=ctx.progress,
                             **ctx.model_options, **ctx.speed_options)


SECTION = Section(
    name="filtering",
    title="Accuracy on low-pass and high-pass filtered images",
    caption=('Solid curves fall as the low-pass bandwidth shrinks; where the high-pass curve stays above '
             'chance, the model uses high frequencies.'),
    run=_run,
    result="FilteredAccuracy",
    figure=lambda res: res.plot()[0],
    reading=lambda res, ctx: readings.read_filtering(res, ctx.chance),
    default=True,
    order=20,
    input_errors_stop_the_report=True,
)
