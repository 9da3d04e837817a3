"""The recipe framework: one registered function per paper figure.

A recipe is ``run(ctx: RecipeContext) -> RecipeOutput``. :func:`run_recipe` times it, writes
``<out>/<name>/result.json`` (recipe, paper, finding, quick, seconds, status, check, checks, controls,
deviations, numbers), ``figure.png`` and the saved result objects, and returns the JSON payload.

What a status means (binding for every recipe):

* **PASS**: every check passed, every check has at least one control measured on its metric in the same run, and
  every control FAILED its check (``Control.passed`` is False): each check could have failed, and did not.
* **FAIL**: a check failed, or a control passed its check (the check does not discriminate), or a check has no
  control (``result.json``'s ``unguarded_checks`` names it).
* **SMOKE**: the run is too small to realise the experiment (``RecipeOutput.smoke`` gives the reason). It ran the
  code path; it is never a PASS, whatever its numbers.

Exit codes of ``freqlens reproduce``: 0 PASS, 1 FAIL, 3 SMOKE.

Example::

    @recipe("fprinciple-1d", paper="Xu et al. 2019", finding="low frequencies converge first")
    def fprinciple_1d(ctx):
        ...
        return RecipeOutput(numbers={...}, checks=[Check.less("t1 - t5", t1 - t5, 0)], figure=fig)
"""
from __future__ import annotations

import difflib
import importlib
import pkgutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from freqlens.device import resolve_device
from freqlens.errors import ConfigError, FreqlensError
from freqlens.results import Result, atomic_write_json


@dataclass
class Check:
    """A numeric criterion of a paper's finding: ``value <comparison> threshold``, decided when it is made.

    Build one with :meth:`less`, :meth:`less_equal`, :meth:`greater` or :meth:`greater_equal` (they compute
    ``passed``); :meth:`control` measures the same criterion on a null, :meth:`holds_for` tests any value.

    Args:
        metric: what is measured, in words (with its units).
        value: the measured value.
        threshold: the threshold, fixed before the run (from the paper or the spec of the experiment).
        comparison: ``"<"``, ``"<="``, ``">"`` or ``">="``.
        passed: whether ``value <comparison> threshold``.
        detail: where the threshold comes from, or anything a reader needs.

    Attributes:
        The arguments (written to result.json as they are).

    Raises:
        KeyError: :meth:`holds_for` with a ``comparison`` other than the four above.

    Source:
        freqlens.

    Example:
        >>> c = Check.less("t1 − t5 (steps)", -40.0, 0.0)
        >>> c.passed, c.comparison, c.holds_for(3.0)
        (True, '<', False)
        >>> c.control("frequency-blind lookup table", 10.0).passed
        False
    """

    metric: str
    value: float
    threshold: float
    comparison: str
    passed: bool
    detail: str = ""

    @classmethod
    def less(cls, metric: str, value: float, threshold: float, detail: str = "") -> Check:
        return cls(metric, float(value), float(threshold), "<", bool(value < threshold), detail)

    @classmethod
    def less_equal(cls, metric: str, value: float, threshold: float, detail: str = "") -> Check:
        return cls(metric, float(value), float(threshold), "<=", bool(value <= threshold), detail)

    @classmethod
    def greater(cls, metric: str, value: float, threshold: float, detail: str = "") -> Check:
        return cls(metric, float(value), float(threshold), ">", bool(value > threshold), detail)

    @classmethod
    def greater_equal(cls, metric: str, value: float, threshold: float, detail: str = "") -> Check:
        return cls(metric, float(value), float(threshold), ">=", bool(value >= threshold), detail)

    def holds_for(self, value: float) -> bool:
        """Whether ``value`` would pass this check (same comparison, same threshold)."""
        v, t = float(value), self.threshold
        return bool({"<": v < t, "<=": v <= t, ">": v > t, ">=": v >= t}[self.comparison])

    def control(self, name: str, value: float, detail: str = "") -> Control:
        """The :class:`Control` that measures this check's metric on a null (an untrained or frequency-blind model,
        shuffled labels, a permutation, white noise, a trivial interpolant ...): ``passed`` says whether the null
        passes this same check, which must be False for the recipe to PASS."""
        return Control(name=name, metric=self.metric, value=float(value), passed=self.holds_for(value),
                       detail=detail)


@dataclass
class Control:
    """A null measured in the same run as a check: what the check gives on something without the finding.

    A control that passes the check makes the recipe FAIL: the check could not tell the finding from the null.

    Args:
        name: what the null is ("untrained network", "shuffled labels", "white noise", ...).
        metric: the gated metric (the check's ``metric``).
        value: its value on the null.
        passed: whether the null passes the recipe's check.
        detail: anything a reader needs (e.g. the null's raw numbers).

    Attributes:
        The arguments (written to result.json as they are).

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> Check.greater("accuracy", 0.9, 0.5).control("untrained network", 0.1)
        Control(name='untrained network', metric='accuracy', value=0.1, passed=False, detail='')
    """

    name: str
    metric: str
    value: float
    passed: bool
    detail: str = ""


@dataclass
class Deviation:
    """A difference from the experiment's specification, stated where the reader sees it (result.json and the
    reproduction table).

    Args:
        what: what differs (e.g. "training set size").
        spec: the specified value.
        ours: the value used here.
        why: the reason (e.g. "CPU budget (quick only)").
        decided: "before" (set from the specification's own reasoning before any run) or "after" (changed after
            seeing a run; to be avoided, and marked in the table).

    Attributes:
        The arguments.

    Raises:
        ConfigError: ``decided`` is neither "before" nor "after".

    Source:
        freqlens.

    Example:
        >>> Deviation("epochs", "100", "15", "CPU budget").decided
        'before'
    """

    what: str
    spec: str
    ours: str
    why: str
    decided: str = "before"

    def __post_init__(self) -> None:
        if self.decided not in ("before", "after"):
            raise ConfigError(f"Deviation.decided must be 'before' or 'after', got {self.decided!r}")


@dataclass
class RecipeContext:
    """What a recipe gets: its size, output folder, data root, seed, device and progress switch.

    Args:
        quick: run the small, CPU-friendly size.
        out_dir: the recipe's output folder (``<out>/<name>``).
        data_root: folder with MNIST/ and cifar-10-batches-py/ (None: the default lookup, e.g. FREQLENS_DATA).
        seed: random seed.
        device: torch device to run on.
        progress: show progress bars.

    Attributes:
        cache_dir: ``<out>/cache``, shared by all recipes under the same ``--out``: trained models are cached there
            by configuration.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> from pathlib import Path
        >>> RecipeContext(quick=True, out_dir=Path("runs/fprinciple-1d")).cache_dir.as_posix()
        'runs/cache'
    """

    quick: bool
    out_dir: Path
    data_root: str | None = None
    seed: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    progress: bool = True

    @property
    def cache_dir(self) -> Path:
        """Folder shared by all recipes under the same ``--out``: trained models are cached here by config."""
        return self.out_dir.parent / "cache"


@dataclass
class RecipeOutput:
    """What a recipe returns to :func:`run_recipe`.

    Args:
        numbers: every measured number (JSON-serialisable), written to result.json.
        checks: the criteria of the finding; ``checks[0]`` is the headline check of the reproduction table.
        figure: a matplotlib figure, saved as figure.png (None: no figure).
        results: name → :class:`~freqlens.results.Result`, each saved as ``<name>.json``.
        notes: free text for result.json.
        controls: the nulls measured in the same run (:meth:`Check.control`).
        deviations: differences from the experiment's specification.
        smoke: non-empty when this size cannot realise the experiment (the reason); the status is then SMOKE.

    Attributes:
        The arguments.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> c = Check.greater("accuracy", 0.9, 0.5)
        >>> out = RecipeOutput(numbers={"accuracy": 0.9}, checks=[c], controls=[c.control("untrained", 0.1)])
        >>> recipe_status(out.checks, out.controls, out.smoke)
        'PASS'
    """

    numbers: dict[str, Any]
    checks: list[Check]
    figure: Any = None
    results: dict[str, Result] = field(default_factory=dict)
    notes: str = ""
    controls: list[Control] = field(default_factory=list)
    deviations: list[Deviation] = field(default_factory=list)
    smoke: str = ""
    """Non-empty: why this size cannot realise the experiment; the status is then SMOKE."""


def recipe_status(checks: list[Check], controls: list[Control], smoke: str = "") -> str:
    """The status of a recipe run from its checks and controls.

    SMOKE when ``smoke`` is set (whatever the numbers); FAIL when there is no check, a check failed, a check has no
    control measured on its metric (every gate needs its null), or a control passed its check (the check does not
    discriminate); PASS otherwise.

    Args:
        checks: the run's checks.
        controls: the nulls measured in the same run.
        smoke: why this size cannot realise the experiment ("" when it can).

    Returns:
        ``"PASS"``, ``"FAIL"`` or ``"SMOKE"``.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> c = Check.greater("accuracy", 0.9, 0.5)
        >>> [recipe_status([c], [c.control("untrained", 0.1)]), recipe_status([c], []),
        ...  recipe_status([c], [c.control("shuffled labels", 0.7)]), recipe_status([c], [], smoke="too small")]
        ['PASS', 'FAIL', 'FAIL', 'SMOKE']
        >>> d = Check.less("loss", 0.1, 0.5)   # a second gate without a null of its own
        >>> recipe_status([c, d], [c.control("untrained", 0.1)])
        'FAIL'
    """
    if smoke:
        return "SMOKE"
    if not checks or not all(c.passed for c in checks):
        return "FAIL"
    if not controls or any(c.passed for c in controls):
        return "FAIL"
    if unguarded_checks(checks, controls):
        return "FAIL"
    return "PASS"


def unguarded_checks(checks: list[Check], controls: list[Control]) -> list[str]:
    """The metrics of the checks that have no control measured on them (a gate without its null).

    Args:
        checks: the run's checks.
        controls: the nulls measured in the same run.

    Returns:
        The unguarded checks' metrics, in order (empty when every gate has a null). A control whose value is not
        finite (NaN: the null could not be measured) guards nothing.

    Raises:
        Nothing of its own.

    Source:
        freqlens (issue 14: a null beside every gate).

    Example:
        >>> c, d = Check.greater("accuracy", 0.9, 0.5), Check.less("loss", 0.1, 0.5)
        >>> unguarded_checks([c, d], [c.control("untrained", 0.1)])
        ['loss']
        >>> unguarded_checks([c], [c.control("untrained", float("nan"))])
        ['accuracy']
    """
    import math

    guarded = {c.metric for c in controls if c.value is not None and math.isfinite(c.value)}
    return [c.metric for c in checks if c.metric not in guarded]


EXIT_CODES = {"PASS": 0, "FAIL": 1, "SMOKE": 3}


@dataclass
class Recipe:
    """A registered recipe: one paper experiment and the function that runs it.

    Args:
        name: the registered name (``freqlens reproduce <name>``).
        paper: the paper (authors, year, title).
        finding: the finding the checks test, in one sentence.
        data: what it needs: "embedded", "mnist", "cifar10", ...
        run: ``run(ctx: RecipeContext) -> RecipeOutput``.
        paper_value: the paper's figure or number the recipe compares with.
        module: the module that defines ``run``.

    Attributes:
        The arguments.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> r = get_recipe("fprinciple-1d")
        >>> r.data, r.module
        ('embedded', 'freqlens.recipes.fprinciple')
    """
    name: str
    paper: str
    finding: str
    data: str
    run: Callable[[RecipeContext], RecipeOutput]
    paper_value: str = ""
    module: str = ""


REGISTRY: dict[str, Recipe] = {}


def recipe(name: str, paper: str, finding: str, data: str = "embedded", paper_value: str = ""):
    """Decorator registering a recipe function under ``name``.

    Args:
        name: the registered name (``freqlens reproduce <name>``), unique.
        paper: the paper (authors, year, title).
        finding: the finding the checks test, in one sentence.
        data: what it needs: "embedded", "mnist", "cifar10", ...
        paper_value: the paper's figure or number the recipe compares with (for the reproduction table).

    Returns:
        The decorator; it returns the function unchanged.

    Raises:
        ConfigError: another function is already registered under ``name``.

    Source:
        freqlens.

    Example:
        >>> import tempfile
        >>> @recipe("doc-demo", paper="none", finding="2 > 1")
        ... def demo(ctx):
        ...     check = Check.greater("two", 2.0, 1.0)
        ...     return RecipeOutput(numbers={"two": 2.0}, checks=[check], controls=[check.control("one", 1.0)])
        >>> run_recipe("doc-demo", out=tempfile.mkdtemp(), progress=False)["status"]
        'PASS'
        >>> _ = REGISTRY.pop("doc-demo")
    """

    def deco(fn: Callable[[RecipeContext], RecipeOutput]):
        if name in REGISTRY and REGISTRY[name].run is not fn:
            raise ConfigError(f"recipe {name!r} registered twice")
        REGISTRY[name] = Recipe(name, paper, finding, data, fn, paper_value, fn.__module__)
        return fn

    return deco


def _discover() -> None:
    import freqlens.recipes as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name not in ("base", "reproduction") and not info.name.startswith("_"):
            importlib.import_module(f"freqlens.recipes.{info.name}")


def list_recipes() -> list[Recipe]:
    """Every registered recipe, sorted by name (the recipe modules are imported on first use).

    Args:
        None.

    Returns:
        A list of :class:`Recipe`.

    Raises:
        ImportError: a recipe module fails to import.

    Source:
        freqlens.

    Example:
        >>> names = [r.name for r in list_recipes()]
        >>> names == sorted(names), "spectral-bias-sinusoids" in names
        (True, True)
    """
    _discover()
    return [REGISTRY[k] for k in sorted(REGISTRY)]


def get_recipe(name: str) -> Recipe:
    """The registered recipe called ``name``.

    Args:
        name: the recipe name (see ``freqlens list``).

    Returns:
        The :class:`Recipe`.

    Raises:
        ConfigError: no recipe has that name (the message offers up to three close names).

    Source:
        freqlens.

    Example:
        >>> get_recipe("fprinciple-1d").paper.split(":")[0]
        'Xu, Zhang, Xiao, Luo, Ma'
        >>> get_recipe("fprinciple-1") # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        freqlens.errors.ConfigError: unknown recipe 'fprinciple-1'; did you mean fprinciple-1d...?
    """
    _discover()
    if name not in REGISTRY:
        close = difflib.get_close_matches(name, REGISTRY, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; run `freqlens list`"
        raise ConfigError(f"unknown recipe {name!r}{hint}")
    return REGISTRY[name]


def run_recipe(name: str, quick: bool = False, out: str | Path = "runs", data_root: str | None = None,
               seed: int = 0, device: str | torch.device | None = None, progress: bool = True) -> dict[str, Any]:
    """Run one recipe and write its result folder ``<out>/<name>/``: result.json (recipe, paper, finding, quick, seed,
    device, seconds, status, headline check, checks, controls, deviations, numbers, notes), figure.png and one JSON
    file per saved result.

    Args:
        name: the recipe name.
        quick: the small, CPU-friendly size.
        out: parent folder of the result folder.
        data_root: folder with the data sets (None: the default lookup).
        seed: random seed.
        device: torch device or its name (None: the default device).
        progress: show progress bars.

    Returns:
        The result.json payload (a dict); ``status`` is PASS, FAIL or SMOKE (:func:`recipe_status`).

    Raises:
        ConfigError: unknown recipe, or the output folder cannot be created.
        FreqlensError: the recipe returned no check, or raised one (e.g. DataError for missing data; a result
            folder the run created is then removed).

    Source:
        freqlens.

    Example:
        >>> import tempfile
        >>> @recipe("doc-demo-run", paper="none", finding="2 > 1")
        ... def demo(ctx):
        ...     check = Check.greater("two", 2.0, 1.0)
        ...     return RecipeOutput(numbers={"two": 2.0}, checks=[check], controls=[check.control("one", 1.0)])
        >>> payload = run_recipe("doc-demo-run", out=tempfile.mkdtemp(), progress=False)
        >>> payload["status"], payload["check"], payload["controls"][0]["passed"]
        ('PASS', {'passed': True, 'metric': 'two', 'value': 2.0, 'threshold': 1.0, 'comparison': '>'}, False)
        >>> _ = REGISTRY.pop("doc-demo-run")
    """
    rec = get_recipe(name)
    out_dir = Path(out) / name
    fresh = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create output folder {out_dir}: {exc.strerror}") from exc
    ctx = RecipeContext(quick=quick, out_dir=out_dir, data_root=data_root, seed=seed,
                        device=resolve_device(device), progress=progress)
    start = time.perf_counter()
    try:
        output = rec.run(ctx)
    except FreqlensError:
        if fresh:  # bad input or missing data: leave no partial result folder behind
            import shutil

            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    seconds = time.perf_counter() - start
    if not output.checks:
        raise FreqlensError(f"recipe {name} returned no check")
    head = output.checks[0]
    status = recipe_status(output.checks, output.controls, output.smoke)
    payload = {
        "recipe": name,
        "paper": rec.paper,
        "finding": rec.finding,
        "paper_value": rec.paper_value,
        "quick": quick,
        "seed": seed,
        "device": str(ctx.device),
        "seconds": round(seconds, 3),
        "status": status,
        "passed": status == "PASS",
        "smoke": output.smoke,
        "check": {"passed": head.passed, "metric": head.metric, "value": head.value, "threshold": head.threshold,
                  "comparison": head.comparison},
        "checks": [asdict(c) for c in output.checks],
        "controls": [asdict(c) for c in output.controls],
        "unguarded_checks": unguarded_checks(output.checks, output.controls),
        "deviations": [asdict(d) for d in output.deviations],
        "numbers": output.numbers,
        "notes": output.notes,
    }
    if output.figure is not None:
        from freqlens.plot.style import save_figure

        save_figure(output.figure, out_dir / "figure.png")
        payload["figure"] = "figure.png"
    for key, res in output.results.items():
        res.save(out_dir / f"{key}.json")
    atomic_write_json(out_dir / "result.json", payload)
    return payload
