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

    ``dest`` is the keyword name (``heatmap_images`` for ``--heatmap-images``); ``default`` applies to both.
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
    """What a section's ``run`` and ``reading`` get: the model, the checked images (N, C, H, W) in ``bounds``
    with their labels (N,), the shared settings, and ``options`` (every section flag's value by ``dest``)."""

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
    """One report section.

    Attributes:
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
    """Add ``section`` to the registry (replacing one of the same name); returns it."""
    _REGISTRY[section.name] = section
    return section


def discover(refresh: bool = False) -> None:
    """Import every module of this package (and of any folder added to its ``__path__``) and register its
    ``SECTION``."""
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
    """Every registered section, in order."""
    discover()
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))


def get(name: str) -> Section | None:
    """The section called ``name``, or None."""
    discover()
    return _REGISTRY.get(name)


def all_flags() -> list[Flag]:
    """The flags of every section, each ``dest`` once (the first section to declare it wins)."""
    seen: dict[str, Flag] = {}
    for s in sections():
        for f in s.flags:
            seen.setdefault(f.dest, f)
    return list(seen.values())


__all__ = ["Flag", "Section", "SectionContext", "register", "discover", "sections", "get", "all_flags"]
