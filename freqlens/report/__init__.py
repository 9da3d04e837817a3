"""One report about a user's image classifier: every frequency probe that applies, each with a figure and a
plain-language reading computed from its numbers, in a self-contained ``report.html`` plus ``report.json``.

Call it as ``freqlens.report(model, images, labels, out="report/")`` (this module is callable) or
``from freqlens.report import report``. Each probe's result is saved under ``<out>/probes/`` as soon as it
is done, and the heat map checkpoints as it goes, so an interrupted report resumes where it stopped. Figures
and results of sections an earlier report left in ``<out>`` but this run does not have are moved to ``<out>/old/``.

The sections are a registry (:mod:`freqlens.report.sections`, one module per probe); this module only drives
them: it checks the inputs, runs each section, marks one that raises as failed, and writes the page.

Example (a model without conv layers: the per-layer section is skipped with its reason, the page is written)::

    >>> import tempfile, torch
    >>> import freqlens
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 10))
    >>> r = freqlens.report(model, torch.rand(8, 3, 8, 8), torch.arange(8), out=tempfile.mkdtemp(),
    ...                     probes=["layers"], progress=False)
    >>> Path(r.html_path).name, r.sections[0]["skipped"].split(";")[0]
    ('report.html', 'Sequential has no convolutional layer (nn.Conv1d/2d/3d)')
"""
from __future__ import annotations

import sys
import time
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.device import eval_mode, model_device
from freqlens.errors import CheckpointError, ConfigError, FreqlensError
from freqlens.inference import OutputSelector, accuracy, forward_logits, gather
from freqlens.normalization import NormalizeArg, as_normalize
from freqlens.report import readings  # noqa: F401 - sections read through freqlens.report.readings
from freqlens.report import sections as _sections
from freqlens.report.html import render_report
from freqlens.results import Result, atomic_write_bytes, load
from freqlens.validation import check_images, check_labels_fit

#: Names of the registered sections, in order, and those run by default (see :mod:`freqlens.report.sections`).
PROBES = tuple(s.name for s in _sections.sections())
DEFAULT_PROBES = tuple(s.name for s in _sections.sections() if s.default)


@dataclass
class ReportResult(Result):
    """What the report found: per section its reading, numbers, figure file and seconds (saved as report.json).

    Args:
        title: the page title.
        meta: the header entries (model, clean accuracy, images, image size, bounds, seed, device, version, and a
            ``warning`` when the clean accuracy is near chance).
        sections: one dict per section run, in order: ``name``, ``title``, ``caption`` and either ``reading``,
            ``numbers``, ``figure`` (path under the report folder), ``seconds`` (and ``note`` when a saved result
            was recomputed), or ``skipped`` / ``failed`` with a one-line reason.
        html_path: path of report.html.

    Attributes:
        The arguments.

    Raises:
        FreqlensError: from :meth:`plot` (a report has one figure per section: open report.html).

    Source:
        freqlens.

    Example:
        >>> r = ReportResult(title="t", meta={"images": 8}, sections=[{"name": "noise", "title": "Noise",
        ...                  "skipped": "no images"}])
        >>> [s["name"] for s in r.sections if "skipped" in s]
        ['noise']
    """

    title: str
    meta: dict
    sections: list = field(default_factory=list)
    html_path: str = ""

    def plot(self, ax=None):  # the report's figures are per section
        raise FreqlensError("a report has one figure per section: open report.html")


def _model_name(model: nn.Module) -> str:
    inner = model
    while isinstance(inner, nn.Sequential) and len(inner) > 0:  # Sequential(Normalize, Net) → Net
        inner = inner[-1]
    n = sum(p.numel() for p in model.parameters())
    return (f"{type(inner).__name__} ({n / 1e3:.0f} k parameters)" if n >= 1000
            else f"{type(inner).__name__} ({n} parameters)")


def _save_fig(fig, path: Path) -> str:
    from freqlens.plot.style import save_figure

    save_figure(fig, path)
    return path.name


def _move_old_section_files(out: Path, probes: Sequence[str]) -> set[str]:
    """Move the figures and saved results (``figures/<name>.png``, ``probes/<name>.*``) of every registered section
    not in ``probes`` — left by an earlier report into the same folder — to ``<out>/old/`` (same layout); returns the
    names of the sections whose files were moved."""
    moved = set()
    for section in _sections.sections():
        if section.name in probes:
            continue
        for sub, pattern in (("figures", f"{section.name}.png"), ("probes", f"{section.name}.*")):
            for path in sorted((out / sub).glob(pattern)):
                if not path.is_file():
                    continue
                target = out / "old" / sub / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                path.replace(target)
                moved.add(section.name)
    return moved


def _saved(path: Path, result_name: str, compute, fingerprint: dict | None = None,
           stale_files: tuple = ()) -> tuple[Result, str | None]:
    """The probe result saved at ``path`` when it was made by the same model, data, settings and freqlens version
    (:func:`freqlens.report.reuse.reuse_or_compute`), else compute and save it; returns ``(result, note)`` with a
    note saying why a saved result was recomputed."""
    from freqlens.report.reuse import reuse_or_compute
    from freqlens.results import result_class

    if fingerprint is None:  # no fingerprint: the plain resume of an earlier freqlens
        if path.exists():
            res = load(path)
            if type(res).__name__ != result_name:
                raise ConfigError(f"{path} holds a {type(res).__name__}, not the {result_name} this section writes; "
                                  "delete it to recompute")
            return res, None
        res = compute()
        res.save(path)
        return res, None
    return reuse_or_compute(path, result_class(result_name), compute, fingerprint, stale_files)


def section_fingerprint(section: _sections.Section, ctx: _sections.SectionContext) -> dict:
    """What a section's numbers depend on: the model weights, the images and labels, the normalisation, bounds,
    seed, output selector, amp, the section's own flags and the freqlens version
    (:func:`freqlens.fingerprint.fingerprint`)."""
    from freqlens.fingerprint import fingerprint

    own = {f.dest: ctx.options.get(f.dest) for f in section.flags}
    return fingerprint(ctx.model, ctx.images, ctx.labels, probe=section.name, normalize=ctx.normalize,
                       bounds=list(ctx.bounds) if ctx.bounds is not None else None, seed=int(ctx.seed),
                       output=ctx.output, amp=bool(ctx.amp), **own)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if isinstance(exc, FreqlensError) else f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _run_section(section: _sections.Section, ctx: _sections.SectionContext) -> dict:
    """Runs (or reloads) one section and saves its figure; returns its entry of ``ReportResult.sections``.

    A FreqlensError marks the section skipped (it does not apply), or stops the report when the section says
    input errors are the user's; any other exception marks it failed with a one-line reason.
    """
    start = time.perf_counter()
    entry = {"name": section.name, "title": section.title, "caption": section.caption_for(ctx)}
    note, notes = None, []
    ckpt = ctx.probe_path(section.name, ".ckpt")

    def compute():
        try:
            return section.run(ctx)
        except CheckpointError as exc:  # an interrupted run of another model, data or setting left it
            if not ckpt.exists():
                raise
            notes.append(f"recomputed from scratch: {str(exc).split(';')[0]}")
            ckpt.unlink()
            return section.run(ctx)

    try:
        # reused only when made by the same model, data and settings; a stale one is recomputed with a note
        res, note = _saved(ctx.probe_path(section.name), section.result, compute, section_fingerprint(section, ctx),
                           stale_files=(ckpt,))
        note = note or (notes[0] if notes else None)
        if ctx.rank != 0:  # a helper rank of a sharded section: rank 0 writes the reading and the figure
            return {**entry, "seconds": round(time.perf_counter() - start, 2)}
        reading, numbers = section.reading(res, ctx)
        figure = _save_fig(section.figure(res), ctx.out / "figures" / f"{section.name}.png")
    except FreqlensError as exc:
        if section.input_errors_stop_the_report:
            raise
        return {**entry, "skipped": _one_line(exc)}
    except Exception as exc:  # noqa: BLE001 - a broken section must not lose the others
        return {**entry, "failed": _one_line(exc)}
    entry = {**entry, "reading": reading, "numbers": numbers, "figure": f"figures/{figure}",
             "seconds": round(time.perf_counter() - start, 2)}
    if note:
        entry["note"] = note
        tqdm.write(f"freqlens report: {section.name}: {note}", file=sys.stderr)
    return entry


#: how long a helper rank waits for rank 0 at a collective: rank 0 alone runs the sections that are not sharded
GROUP_TIMEOUT_HOURS = 48


def _init_report_group(dev: torch.device) -> bool:
    """Under ``torchrun`` (WORLD_SIZE > 1, no process group yet): start one whose collectives wait up to
    :data:`GROUP_TIMEOUT_HOURS` (the other ranks idle while rank 0 runs the unsharded sections). True when this
    call started it (the caller then destroys it)."""
    import datetime
    import os

    import torch.distributed as dist

    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or not dist.is_available() or dist.is_initialized():
        return False
    dist.init_process_group("nccl" if dev.type == "cuda" else "gloo",
                            timeout=datetime.timedelta(hours=GROUP_TIMEOUT_HOURS))
    from freqlens.probes.heatmap import keep_process_group

    keep_process_group(dist)
    return True


def report(model: nn.Module, images, labels=None, out: str | Path = "report", probes: Sequence[str] = DEFAULT_PROBES,
           normalize: NormalizeArg = None, bounds: tuple[float, float] = (0.0, 1.0),
           eps: float = 4.0, heatmap_images: int = 200, limit: int | None = 1000, seed: int = 0,
           max_batch: int | None = None, progress: bool = True, title: str | None = None, output: OutputSelector = None,
           amp: bool | str = False, memory_budget: str | int | None = None, channels_last: bool = False,
           compile: bool = False, **options) -> ReportResult:
    """Run the frequency probes that apply to an image classifier and write ``<out>/report.html`` and
    ``report.json``.

    Args:
        model: any ``nn.Module`` mapping images (N, C, H, W) to logits (N, classes).
        images, labels: tensors (images in ``bounds``, before ``normalize``) or a DataLoader of (x, y).
        probes: names of registered sections (:mod:`freqlens.report.sections`): heatmap, filtering, noise, hfc,
            layers, corruptions, post_averaging, and any added there. Probes that do not apply (e.g. per-layer
            response of a model without conv layers) are reported as skipped with the reason; a section that
            breaks is reported as failed with its one-line reason, and the others are still written.
        eps: ℓ2 norm per channel of the heat map's Fourier-basis perturbations (input units, e.g. 4 on [0, 1]).
        heatmap_images: images used by the heat map (its cost is 1 + H·W/2 forward passes per image).
        limit: images used by the other probes.
        normalize: a callable or a (mean, std) pair applied right before the model.
        output: picks the class scores from the model's output in every probe (a dict key, a tuple index or a
            callable; :func:`freqlens.inference.select_output`). A single binary logit predicts class 1 where > 0.
        amp: run the model under :func:`torch.autocast` in every probe (True, "bf16", "fp16").
        max_batch: images per forward pass in every probe; None: each probe sizes its batches from
            ``memory_budget`` and the measured throughput.
        memory_budget: bytes (or "2G") one batch may use; default a fraction of the free RAM / GPU memory.
        channels_last: run the probes with channels-last weights and inputs (the model is restored after each).
        compile: call the model through ``torch.compile`` in the probes (eager fallback with a notice).
        options: the flags other sections declare (``Section.flags``), by keyword.

    Returns:
        A :class:`ReportResult`; each entry of ``sections`` has ``reading``/``numbers``/``figure``, or
        ``skipped`` or ``failed`` with a reason.

    Raises:
        ConfigError: unknown probe or option, labels beyond the model's classes, output folder not writable.
        InputError: images outside ``bounds`` or of the wrong shape.

    Source:
        freqlens.

    Example:
        >>> import tempfile, torch
        >>> _ = torch.manual_seed(0)
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 10))
        >>> r = report(model, torch.rand(8, 3, 8, 8), torch.arange(8), out=tempfile.mkdtemp(), probes=["layers"],
        ...            progress=False)
        >>> sorted(r.meta)[:3], list(r.sections[0])
        (['bounds', 'clean accuracy', 'device'], ['name', 'title', 'caption', 'skipped'])

    A section's result is saved under ``<out>/probes/`` when done, with a fingerprint of the model weights, the
    images, the settings and the freqlens version; a rerun reuses it only when the fingerprint matches, and
    otherwise recomputes it and notes why in the section (and on stderr).
    Launched with ``torchrun``, the sharded sections (heat map, layers) split their frequencies over the processes
    (counts all-reduced: the same numbers as one process); every other section runs on rank 0 only, and only
    rank 0 writes the report. The other ranks return a :class:`ReportResult` without ``html_path``.
    """
    known = [s.name for s in _sections.sections()]
    unknown = [p for p in probes if p not in known]
    if unknown:
        raise ConfigError(f"unknown probe(s) {unknown}; expected some of {', '.join(known)}")
    flags = {f.dest: f.default for f in _sections.all_flags()}
    bad = sorted(set(options) - set(flags))
    if bad:
        raise ConfigError(f"unknown report option(s) {bad}; the sections take {', '.join(sorted(flags)) or 'none'}")
    options = {**flags, **options, "eps": eps, "heatmap_images": heatmap_images}
    normalize = as_normalize(normalize)
    x, y = gather(images, labels, limit)
    check_images(x, y, bounds)
    dev = model_device(model)
    with eval_mode(model), torch.inference_mode():
        logits = forward_logits(model, x[:2].to(dev), normalize, output=output, amp=amp)
    check_labels_fit(logits, y)
    from freqlens.report.readings import chance_level

    chance = chance_level(y)   # the labels' chance, not the model's output count (10 outputs, 3 classes: 33 %)
    out = Path(out)
    from freqlens.probes.heatmap import _distributed_context

    own_group = _init_report_group(dev)
    rank, world, _ = _distributed_context("auto", dev)
    if rank != 0:
        # under torchrun the sharded sections (heat map, layers) split their frequencies and all-reduce the counts
        # (every rank gets the full result); every other section runs on rank 0 alone. Only rank 0 writes the
        # report; the other ranks keep their shard files (checkpoints, results) in a folder of their own.
        out = out / ".ranks" / f"rank{rank}of{world}"
        probes = [p for p in probes if _sections.get(p).sharded]
        clean = float("nan")
    else:
        clean = accuracy(model, x, y, normalize=normalize, batch_size=max_batch, output=output, amp=amp)
    try:
        (out / "probes").mkdir(parents=True, exist_ok=True)
        if rank == 0:
            (out / "figures").mkdir(exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"output folder {out} is not writable: {exc.strerror}") from exc
    ctx = _sections.SectionContext(model=model, images=x, labels=y, normalize=normalize, bounds=bounds, seed=seed,
                                   max_batch=max_batch, progress=progress and rank == 0, out=out, chance=chance,
                                   options=options, output=output, amp=amp, memory_budget=memory_budget,
                                   channels_last=channels_last, compile=compile, rank=rank, world_size=world)
    try:
        for name in probes:                   # a section's bad flag stops the report before anything runs
            check = _sections.get(name).check
            if check is not None:
                check(ctx)
        sections = [_run_section(_sections.get(name), ctx)
                    for name in tqdm(probes, desc="report", disable=not progress or rank != 0)]
    finally:
        if own_group:
            import torch.distributed as dist

            dist.barrier()                      # the group stays for later calls (heatmap.keep_process_group)
    if rank != 0:
        return ReportResult(title=title or "", meta={"rank": rank, "world_size": world}, sections=sections)
    moved = _move_old_section_files(out, probes)
    if moved:
        tqdm.write(f"freqlens report: moved the figures and results of earlier sections not in this run "
                   f"({', '.join(sorted(moved))}) into {out / 'old'}/", file=sys.stderr)
    clean_text = f"{100 * clean:.1f} % on {int(x.shape[0])} images"
    heat = next((s for s in sections if s["name"] == "heatmap" and "numbers" in s), None)
    if heat is not None and min(heatmap_images, len(x)) < len(x):
        # the heat map runs on a subset: say its own clean accuracy beside the header's, never a silent mismatch
        clean_text += (f" (heat map: {100 - heat['numbers']['clean_error']:.1f} % on its first "
                       f"{min(heatmap_images, len(x))})")
    meta = {"model": _model_name(model), "clean accuracy": clean_text, "images": int(x.shape[0]),
            "heat-map images": int(min(heatmap_images, len(x))),
            "image size": "×".join(map(str, x.shape[1:])), "bounds": list(bounds), "eps (heat map)": eps,
            "seed": seed, "device": str(dev), "freqlens": __import__("freqlens").__version__}
    if clean < 1.5 * chance:
        meta["warning"] = (f"clean accuracy {100 * clean:.1f} % is near chance ({100 * chance:.0f} %): the model "
                           "has not learned these images, so the readings say little (wrong weights or data?)")
    title = title or f"freqlens report: {_model_name(model)}"
    html_path = out / "report.html"
    atomic_write_bytes(html_path, render_report(title, meta, sections, out).encode("utf-8"))
    result = ReportResult(title=title, meta=meta, sections=sections, html_path=str(html_path))
    result.save(out / "report.json")
    return result


class _CallableModule(types.ModuleType):
    """Lets ``freqlens.report(...)`` call :func:`report` while ``freqlens.report`` stays a package."""

    def __call__(self, *args, **kwargs) -> ReportResult:
        return report(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["report", "ReportResult", "PROBES", "DEFAULT_PROBES"]
