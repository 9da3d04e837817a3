"""The report's sections as a registry: one module per probe in this package, each defining ``SECTION``.

A :class:`Section` says everything the report and the ``freqlens report`` command need about one probe: its
name and title, the function that runs it, the Result class it saves, the figure and the reading drawn from
that result, and the command-line flags it adds. Adding a probe to the report is one new file here::

    # freqlens/report/sections/my_probe.py
    SECTION = Section(name="my_probe", title="...", run=..., result="MyResult", figure=..., reading=...)

Modules are discovered on first use (:func:`sections`), in the order given by ``Section.order``.
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch


@dataclass(frozen=True)
class Flag:
    """One command-line flag a section adds to ``freqlens report`` (also a keyword of ``freqlens.report``).

    Args:
        dest: the keyword name, ``snake_case`` (``heatmap_images`` for ``--heatmap-images``).
        type: the value's type, used by argparse to convert the command line.
        default: the value when the flag is not given, on the command line and as a keyword.
        help: the help text of ``freqlens report --help``.

    Attributes:
        option: the command-line spelling, ``"--" + dest`` with ``_`` → ``-``.

    Raises:
        Nothing (a frozen dataclass: assigning a field raises ``FrozenInstanceError``).

    Source:
        freqlens.

    Example:
        >>> Flag("heatmap_images", int, 200, "images used by the heat map").option
        '--heatmap-images'
    """

    dest: str
    type: type
    default: Any
    help: str

    @property
    def option(self) -> str:
        return "--" + self.dest.replace("_", "-")


@dataclass
class SectionContext:
    """What a section's ``run`` and ``reading`` get: the model, the checked images and labels, the shared settings,
    and ``options`` (every section flag's value by ``dest``).

    Args:
        model: the classifier.
        images: (N, C, H, W) images in ``bounds``, before ``normalize``.
        labels: (N,) int64 class labels.
        normalize: applied right before the model (None: none).
        bounds: (low, high) valid pixel range of the images.
        seed: random seed of every probe.
        max_batch: images per forward pass; None: each probe's default.
        progress: show progress bars.
        out: the report folder.
        chance: the labels' chance accuracy: max(1 / classes present, majority-class rate)
            (:func:`freqlens.report.readings.chance_level`).
        options: every section flag's value, by ``dest``.
        output: the ``output=`` selector applied to the model's output (:func:`freqlens.inference.select_output`).
        amp: run the model under :func:`torch.autocast`.

    Attributes:
        batch: ``max_batch``, or 1024 for the probes that need a number.
        model_options: ``{"output": ..., "amp": ...}`` as keywords for the probes.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> import torch
        >>> from pathlib import Path
        >>> ctx = SectionContext(model=torch.nn.Identity(), images=torch.zeros(1, 1, 4, 4), labels=torch.zeros(1),
        ...                      normalize=None, bounds=(0.0, 1.0), seed=0, max_batch=None, progress=False,
        ...                      out=Path("report"), chance=0.1)
        >>> ctx.batch, ctx.probe_path("noise").as_posix(), ctx.probe_path("heatmap", ".ckpt").name
        (1024, 'report/probes/noise.json', 'heatmap.ckpt')
    """

    model: torch.nn.Module
    images: torch.Tensor
    labels: torch.Tensor
    normalize: Callable[[torch.Tensor], torch.Tensor] | None
    bounds: tuple[float, float]
    seed: int
    max_batch: int | None
    """Images per forward pass; None: each probe's default (heat map, noise, filtering: from a memory budget)."""
    progress: bool
    out: Path
    chance: float
    options: dict = field(default_factory=dict)
    output: Any = None
    """The ``output=`` selector (:func:`freqlens.inference.select_output`) every section applies to the model."""
    amp: bool | str = False
    """Run the model under :func:`torch.autocast` in every section."""
    memory_budget: str | int | None = None
    """Bytes (or "2G") one batch may use where ``max_batch`` is None (:mod:`freqlens.batching`)."""
    channels_last: bool = False
    """Run the probes with channels-last weights and inputs (the model is restored after each)."""
    compile: bool = False
    """Call the model through ``torch.compile`` in the probes that run many forward passes."""
    rank: int = 0
    """This process's rank under ``torchrun`` (0 alone)."""
    world_size: int = 1
    """Number of processes under ``torchrun`` (1 alone)."""

    @property
    def batch(self) -> int:
        """``max_batch``, or 1024 for the probes that need a number."""
        return self.max_batch or 1024

    @property
    def model_options(self) -> dict:
        """``output`` and ``amp`` as keywords for the probes."""
        return {"output": self.output, "amp": self.amp}

    @property
    def speed_options(self) -> dict:
        """``memory_budget``, ``channels_last`` and ``compile`` as keywords for the probes that take them."""
        return {"memory_budget": self.memory_budget, "channels_last": self.channels_last, "compile": self.compile}

    def probe_path(self, name: str, suffix: str = ".json") -> Path:
        """Where section ``name`` saves its result (``<out>/probes/<name>.json``) or checkpoint."""
        return self.out / "probes" / f"{name}{suffix}"


@dataclass(frozen=True)
class Section:
    """One report section: everything the report and the ``freqlens report`` command need about one probe.

    Args:
        name: identifier, used in ``--probes``, file names and report.json (``snake_case``).
        title: heading in the HTML page.
        run: ``run(ctx) -> Result``: computes the probe's result.
        result: the class name of that result (resolved with :func:`freqlens.results.result_class`, so a
            finished section is reloaded with :func:`freqlens.load` when the report is rerun).
        figure: ``figure(result) -> matplotlib Figure``.
        reading: ``reading(result, ctx) -> (sentence, numbers)``: the plain-language reading and the numbers
            behind it.
        flags: command-line flags (and keywords of ``freqlens.report``) this section adds.
        default: whether the section runs when ``probes`` is not given.
        order: position among the sections (smaller first).
        input_errors_stop_the_report: a ``FreqlensError`` in this section means the user's input is wrong
            (the probe applies to every image classifier), so it stops the report; otherwise it marks the
            section skipped with its reason. Any other exception marks the section failed.
        caption: one line under the figure saying what a reader should see, or ``caption(ctx) -> str`` when it
            depends on the section's flags.
        check: ``check(ctx)``: validates the section's flags before any section runs (raises a one-line
            ``FreqlensError``), so a bad flag stops the report at once.
    Attributes:
        The arguments, unchanged (a frozen dataclass).

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> from freqlens.report import sections as registry
        >>> s = registry.get("heatmap")
        >>> s.result, s.default, [f.option for f in s.flags]
        ('HeatmapResult', True, ['--eps', '--heatmap-images', '--window', '--quantity'])
    """

    name: str
    title: str
    run: Callable[[SectionContext], Any]
    result: str
    figure: Callable[[Any], Any]
    reading: Callable[[Any, SectionContext], tuple[str, dict]]
    flags: tuple[Flag, ...] = ()
    default: bool = False
    order: int = 100
    input_errors_stop_the_report: bool = False
    caption: str | Callable[[SectionContext], str] = ""
    """One line under the figure saying what a reader should see in it."""
    sharded: bool = False
    """Under ``torchrun`` the section splits its work over the processes (every rank runs it and takes part in
    the collective); a section that is not sharded runs on rank 0 only."""
    check: Callable[[SectionContext], None] | None = None

    def caption_for(self, ctx: SectionContext) -> str:
        """The caption with this context's flags applied."""
        return self.caption(ctx) if callable(self.caption) else self.caption


_REGISTRY: dict[str, Section] = {}
_DISCOVERED = False


def register(section: Section) -> Section:
    """Add ``section`` to the registry, replacing a registered section of the same name.

    Args:
        section: the :class:`Section` to register.

    Returns:
        ``section`` (so a module can write ``SECTION = register(Section(...))``).

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> from freqlens.report import sections as registry
        >>> noise = registry.get("noise")
        >>> registry.register(noise) is noise and registry.get("noise") is noise
        True
    """
    _REGISTRY[section.name] = section
    return section


def discover(refresh: bool = False) -> None:
    """Import every module of this package (and of any folder added to its ``__path__``) whose name does not start
    with ``_``, and register the ``SECTION`` it defines; runs once unless ``refresh``.

    Args:
        refresh: import and register again (e.g. after adding a folder to ``__path__``).

    Returns:
        None.

    Raises:
        ImportError: a section module fails to import.

    Source:
        freqlens.

    Example:
        >>> from freqlens.report import sections as registry
        >>> registry.discover()
        >>> "heatmap" in [s.name for s in registry.sections()]
        True
    """
    global _DISCOVERED
    if _DISCOVERED and not refresh:
        return
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        section = getattr(module, "SECTION", None)
        if isinstance(section, Section):
            register(section)
    _DISCOVERED = True


def sections() -> list[Section]:
    """Every registered section, ordered by ``(order, name)``; discovers the section modules on first use.

    Args:
        None.

    Returns:
        A list of :class:`Section`.

    Raises:
        ImportError: a section module fails to import.

    Source:
        freqlens.

    Example:
        >>> from freqlens.report import sections as registry
        >>> [s.name for s in registry.sections()][:3]
        ['heatmap', 'filtering', 'noise']
    """
    discover()
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))


def get(name: str) -> Section | None:
    """The registered section called ``name``, or None.

    Args:
        name: the section's name.

    Returns:
        The :class:`Section`, or None when no section has that name.

    Raises:
        ImportError: a section module fails to import (on first use).

    Source:
        freqlens.

    Example:
        >>> from freqlens.report import sections as registry
        >>> registry.get("heatmap") is registry.sections()[0], registry.get("no_such_probe")
        (True, None)
    """
    discover()
    return _REGISTRY.get(name)


def all_flags() -> list[Flag]:
    """The command-line flags of every section, each ``dest`` once (the first section, in order, that declares it wins).

    Args:
        None.

    Returns:
        A list of :class:`Flag`.

    Raises:
        ImportError: a section module fails to import (on first use).

    Source:
        freqlens.

    Example:
        >>> from freqlens.report import sections as registry
        >>> flags = registry.all_flags()
        >>> len({f.dest for f in flags}) == len(flags), "--heatmap-images" in [f.option for f in flags]
        (True, True)
    """
    seen: dict[str, Flag] = {}
    for s in sections():
        for f in s.flags:
            seen.setdefault(f.dest, f)
    return list(seen.values())


__all__ = ["Flag", "Section", "SectionContext", "register", "discover", "sections", "get", "all_flags"]
