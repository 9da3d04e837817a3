"""Report section: the post-averaging (band-limiting) defense's clean accuracy against its radius."""
from __future__ import annotations

from freqlens.report import readings
from freqlens.report.sections import Section, SectionContext


def _run(ctx: SectionContext):
    from freqlens.models.wrappers import with_input_transform
    from freqlens.probes.defense import radius_tradeoff

    # radii as ℓ2 norms in input units (the paper's r = 6 on normalised CIFAR-10 is ≈ 1.5 on [0, 1] pixels),
    # scaled with the input dimension
    scale = (ctx.images[0].numel() / 3072) ** 0.5
    return radius_tradeoff(with_input_transform(ctx.model, ctx.normalize), ctx.images, ctx.labels,
                           radii=[round(r * scale, 3) for r in (0.375, 0.75, 1.5, 3.0, 6.0)], radius_space="input",
                           seed=ctx.seed, max_batch=ctx.max_batch, progress=ctx.progress,
                           **ctx.model_options, **ctx.speed_options)


SECTION = Section(
    name="post_averaging",
    title="Post-averaging (band-limiting) defense: clean accuracy against radius",
    caption='Clean accuracy should stay near its start until the radius is small; a fast fall means the defense '
            'costs accuracy.',
    run=_run,
    result="RadiusTradeoff",
    figure=lambda res: res.plot()[0],
    reading=lambda res, ctx: readings.read_post_averaging(res),
    order=70,
)
