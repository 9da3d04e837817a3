"""Report section: error under band-limited Gaussian noise."""
from __future__ import annotations

from freqlens.report import readings
from freqlens.report.sections import Section, SectionContext


def _run(ctx: SectionContext):
    from freqlens.probes.noise import bandlimited_noise_error

    h, w = ctx.images.shape[-2:]
    return bandlimited_noise_error(ctx.model, ctx.images, ctx.labels, bandwidths=tuple(range(1, max(h, w), 4)),
                                   bounds=ctx.bounds, seed=ctx.seed, max_batch=ctx.max_batch,
                                   normalize=ctx.normalize, progress=ctx.progress, **ctx.model_options,
                                   **ctx.speed_options)


def _figure(res):
    from freqlens.plot.robustness import plot_band_noise

    return plot_band_noise([res])[0]


SECTION = Section(
    name="noise",
    title="Error under band-limited Gaussian noise",
    caption=('Error rises fastest in the noise band the model is most sensitive to: compare low, mid and '
             'high bands at the same norm.'),
    run=_run,
    result="BandNoiseResult",
    figure=_figure,
    reading=lambda res, ctx: readings.read_noise(res, ctx.chance),
    default=True,
    order=30,
    input_errors_stop_the_report=True,
)
