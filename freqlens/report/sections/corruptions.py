"""Report section: accuracy under common corruptions (severity 3) against their high-frequency energy."""
from __future__ import annotations

from dataclasses import dataclass

from tqdm.auto import tqdm

from freqlens.report import readings
from freqlens.report.sections import Section, SectionContext
from freqlens.results import Result


@dataclass
class CorruptionRows(Result):
    """Accuracy and high-frequency energy fraction per common corruption (severity 3), with a scatter plot of one
    against the other.

    Args:
        rows: ``[{"name", "hf_fraction" (in [0, 1]), "accuracy" (in [0, 1])}, ...]``, one per corruption.

    Attributes:
        rows: as given; :meth:`plot` draws accuracy (%) against ``hf_fraction`` with the names as annotations.

    Raises:
        Nothing of its own.

    Source:
        freqlens (after Yin et al. 2019's corruption analysis).

    Example:
        >>> res = CorruptionRows(rows=[{"name": "fog", "hf_fraction": 0.1, "accuracy": 0.8},
        ...                            {"name": "noise", "hf_fraction": 0.9, "accuracy": 0.3}])
        >>> fig, ax = res.plot()
        >>> ax.get_xlabel(), ax.get_ylabel()
        ('high-frequency energy fraction of the corruption', 'accuracy under the corruption (%)')
    """

    rows: list

    def plot(self, ax=None):
        from freqlens.plot.style import new_axes

        fig, ax = new_axes(ax, figsize=(6.5, 4.5))
        ax.scatter([r["hf_fraction"] for r in self.rows], [100 * r["accuracy"] for r in self.rows])
        for r in self.rows:
            ax.annotate(r["name"], (r["hf_fraction"], 100 * r["accuracy"]), fontsize=7)
        ax.set_xlabel("high-frequency energy fraction of the corruption")
        ax.set_ylabel("accuracy under the corruption (%)")
        ax.set_title("Corruptions (severity 3): accuracy vs frequency content")
        return fig, ax


def _run(ctx: SectionContext) -> CorruptionRows:
    from freqlens.acceleration import accelerated
    from freqlens.device import eval_mode
    from freqlens.fourier.spectrum import high_frequency_fraction
    from freqlens.inference import accuracy
    from freqlens.probes.corruptions import corrupt, corruption_names

    x = ctx.images.cpu()
    rows, cutoff = [], max(x.shape[-2:]) / 4 - 1
    # one channels-last conversion / compiled module for all corruptions (the model is restored afterwards)
    with eval_mode(ctx.model), accelerated(ctx.model, ctx.channels_last, ctx.compile) as net:
        for cname in tqdm(corruption_names(), desc="corruptions", disable=not ctx.progress, leave=False):
            xc = corrupt(x, cname, severity=3, seed=ctx.seed)
            rows.append({"name": cname, "hf_fraction": high_frequency_fraction(xc - x, cutoff=cutoff),
                         "accuracy": accuracy(net, xc, ctx.labels, normalize=ctx.normalize,
                                              batch_size=ctx.batch, **ctx.model_options)})
    return CorruptionRows(rows)


SECTION = Section(
    name="corruptions",
    title="Corruptions: accuracy against high-frequency energy",
    caption='Each point is one corruption: a downward slope means the model fails as corruptions add '
            'high-frequency energy.',
    run=_run,
    result="CorruptionRows",
    figure=lambda res: res.plot()[0],
    reading=lambda res, ctx: readings.read_corruptions(res.rows),
    order=60,
)
