"""The recipe framework: one registered function per paper figure.

A recipe is ``run(ctx: RecipeContext) -> RecipeOutput``. :func:`run_recipe` times it, writes
``<out>/<name>/result.json`` (recipe, paper, finding, quick, seconds, status, check, checks, controls,
deviations, numbers), ``figure.png`` and the saved result objects, and returns the JSON payload.

What a status means (binding for every recipe):

* **PASS**: every check passed, at least one control was measured in the same run, and every control FAILED the
  headline check (``Control.passed`` is False): the check could have failed, and did not.
* **FAIL**: a check failed, or a control passed the check (the check does not discriminate), or no control was
  measured.
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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch

from freqlens.device import resolve_device
from freqlens.errors import ConfigError, FreqlensError
from freqlens.results import Result, atomic_write_json


@dataclass
class Check:
    """A numeric criterion of a paper's finding: ``value <comparison> threshold``."""

    metric: str
    value: float
    threshold: float
    comparison: str
    passed: bool
    detail: str = ""

    @classmethod
    def less(cls, metric: str, value: float, threshold: float, detail: str = "") -> "Check":
        return cls(metric, float(value), float(threshold), "<", bool(value < threshold), detail)

    @classmethod
    def less_equal(cls, metric: str, value: float, threshold: float, detail: str = "") -> "Check":
        return cls(metric, float(value), float(threshold), "<=", bool(value <= threshold), detail)

    @classmethod
    def greater(cls, metric: str, value: float, threshold: float, detail: str = "") -> "Check":
        return cls(metric, float(value), float(threshold), ">", bool(value > threshold), detail)

    @classmethod
    def greater_equal(cls, metric: str, value: float, threshold: float, detail: str = "") -> "Check":
        return cls(metric, float(value), float(threshold), ">=", bool(value >= threshold), detail)

    def holds_for(self, value: float) -> bool:
        """Whether ``value`` would pass this check (same comparison, same threshold)."""
        v, t = float(value), self.threshold
        return bool({"<": v < t, "<=": v <= t, ">": v > t, ">=": v >= t}[self.comparison])

    def control(self, name: str, value: float, detail: str = "") -> "Control":
        """The :class:`Control` that measures this check's metric on a null (an untrained or frequency-blind model,
        shuffled labels, a permutation, white noise, a trivial interpolant ...): ``passed`` says whether the null
        passes this same check, which must be False for the recipe to PASS."""
        return Control(name=name, metric=self.metric, value=float(value), passed=self.holds_for(value),
                       detail=detail)


@dataclass
class Control:
    """A null measured in the same run as a check.

    ``name`` says what the null is ("untrained network", "shuffled labels", "white noise" ...); ``metric`` is the
    gated metric; ``value`` its value on the null; ``passed`` whether the null passes the recipe's check (a
    control that passes makes the recipe FAIL: the check could not tell the finding from the null).
    """

    name: str
    metric: str
    value: float
    passed: bool
    detail: str = ""


@dataclass
class Deviation:
    """A difference from the spec, stated where the reader sees it (``result.json`` and the table).

    ``decided`` is "before" (set from the spec's own reasoning before any run) or "after" (changed after seeing a
    run; such changes are to be avoided and are marked in the table).
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
    """What a recipe gets: size, output folder, data root, seed, device, progress switch."""

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
    """What a recipe returns. ``checks[0]`` is the headline check; the recipe passes when all pass."""

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
    """PASS / FAIL / SMOKE from the checks and the controls (see the module docstring)."""
    if smoke:
        return "SMOKE"
    if not checks or not all(c.passed for c in checks):
        return "FAIL"
    if not controls or any(c.passed for c in controls):
        return "FAIL"
    return "PASS"


EXIT_CODES = {"PASS": 0, "FAIL": 1, "SMOKE": 3}


@dataclass
class Recipe:
    name: str
    paper: str
    finding: str
    data: str
    run: Callable[[RecipeContext], RecipeOutput]
    paper_value: str = ""
    module: str = ""


REGISTRY: dict[str, Recipe] = {}


def recipe(name: str, paper: str, finding: str, data: str = "embedded", paper_value: str = ""):
    """Register a recipe function under ``name``. ``data``: what it needs ("embedded", "mnist", "cifar10", ...);
    ``paper_value``: the paper's figure or number the recipe compares with (for the reproduction table)."""

    def deco(fn: Callable[[RecipeContext], RecipeOutput]):
        if name in REGISTRY and REGISTRY[name].run is not fn:
            raise ConfigError(f"recipe {name!r} registered twice")
        REGISTRY[name] = Recipe(name, paper, finding, data, fn, paper_value, fn.__module__)
        return fn

    return deco


def _discover() -> None:
    import freqlens.recipes as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name not in ("base",) and not info.name.startswith("_"):
            importlib.import_module(f"freqlens.recipes.{info.name}")


def list_recipes() -> list[Recipe]:
    """Every registered recipe, sorted by name."""
    _discover()
    return [REGISTRY[k] for k in sorted(REGISTRY)]


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name``; a :class:`ConfigError` with close matches otherwise."""
    _discover()
    if name not in REGISTRY:
        close = difflib.get_close_matches(name, REGISTRY, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; run `freqlens list`"
        raise ConfigError(f"unknown recipe {name!r}{hint}")
    return REGISTRY[name]


def run_recipe(name: str, quick: bool = False, out: str | Path = "runs", data_root: str | None = None,
               seed: int = 0, device: str | torch.device | None = None, progress: bool = True) -> dict[str, Any]:
    """Run one recipe and write its result folder ``<out>/<name>/``. Returns the ``result.json`` payload."""
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


def measured_summary(payload: dict[str, Any]) -> str:
    """One table cell for a recipe's result: the headline check, or, when any check failed, the first failing
    one (and how many others failed)."""
    failed = [c for c in payload["checks"] if not c["passed"]]
    c = failed[0] if failed else payload["check"]
    text = f"{c['metric']} = {c['value']:.4g} ({c['comparison']} {c['threshold']:.4g})"
    if len(failed) > 1:
        text += f"; {len(failed) - 1} more check{'s' if len(failed) > 2 else ''} failed"
    return text


def control_summary(payload: dict[str, Any]) -> str:
    """One table cell: each control's value of the gated metric, marked when the control passes the check."""
    ctrls = payload.get("controls", [])
    if not ctrls:
        return "none measured"
    return "; ".join(f"{c['name']}: {c['value']:.4g}{' (passes: check does not discriminate)' if c['passed'] else ''}"
                     for c in ctrls)


def reproduce_all(quick: bool = True, out: str | Path = "runs", data_root: str | None = None, seed: int = 0,
                  device: str | torch.device | None = None, names: list[str] | None = None,
                  progress: bool = False, report: Callable[[dict[str, Any]], None] | None = None
                  ) -> list[dict[str, Any]]:
    """Run every recipe (or ``names``), continuing past failures, and write ``<out>/reproduction.md`` and
    ``.json``: per recipe the paper, the finding, the paper's value, freqlens's measured value, PASS / FAIL /
    SKIP (data missing) / ERROR, and seconds."""
    from freqlens.errors import DataError

    rows = []
    recipes = [get_recipe(n) for n in names] if names else list_recipes()
    for rec in recipes:
        start = time.perf_counter()
        row: dict[str, Any] = {"recipe": rec.name, "paper": rec.paper, "finding": rec.finding,
                               "paper_value": rec.paper_value, "data": rec.data}
        try:
            payload = run_recipe(rec.name, quick=quick, out=out, data_root=data_root, seed=seed, device=device,
                                 progress=progress)
            row.update(status=payload["status"], measured=measured_summary(payload),
                       control=control_summary(payload),
                       spec_threshold="no" if any(d["what"] for d in payload["deviations"]) else "yes",
                       deviations=payload["deviations"],
                       failed_checks=[x["metric"] for x in payload["checks"] if not x["passed"]],
                       passing_controls=[x["name"] for x in payload["controls"] if x["passed"]])
        except DataError as exc:
            row.update(status="SKIP", measured=f"data missing: {exc}")
        except Exception as exc:  # noqa: BLE001 - the table reports every failure and goes on
            row.update(status="ERROR", measured=f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
        row["seconds"] = round(time.perf_counter() - start, 1)
        rows.append(row)
        if report is not None:
            report(row)
        atomic_write_json(Path(out) / "reproduction.json", {"quick": quick, "seed": seed, "rows": rows})
    _write_table(Path(out) / "reproduction.md", rows, quick)
    return rows


def _write_table(path: Path, rows: list[dict[str, Any]], quick: bool) -> None:
    import platform

    from freqlens.results import atomic_write_bytes

    counts = {k: sum(r["status"] == k for r in rows) for k in ("PASS", "FAIL", "SMOKE", "SKIP", "ERROR")}
    head = (f"# freqlens reproduction table ({'quick' if quick else 'full'} sizes)\n\n"
            f"Machine: {platform.machine()}, {__import__('os').cpu_count()} cores, torch {torch.__version__}. "
            f"Total {sum(r['seconds'] for r in rows):.0f} s. "
            f"{counts['PASS']}/{len(rows)} PASS with every control failing the check; "
            f"{counts['FAIL']} FAIL, {counts['SMOKE']} SMOKE (too small to realise the experiment), "
            f"{counts['SKIP']} SKIP, {counts['ERROR']} ERROR. "
            "'spec threshold' says whether the gates are the spec's own (deviations are listed under the table).\n\n"
            "| recipe | paper | finding | paper's figure / number | freqlens measured | control (null) | "
            "spec threshold | result | seconds |\n"
            "|---|---|---|---|---|---|---|---|---|\n")

    def cell(s: str) -> str:
        return str(s).replace("|", "\\|").replace("\n", " ")

    body = "".join(f"| {r['recipe']} | {cell(r['paper'])} | {cell(r['finding'])} | {cell(r['paper_value'])} | "
                   f"{cell(r['measured'])} | {cell(r.get('control', ''))} | {r.get('spec_threshold', '')} | "
                   f"{r['status']} | {r['seconds']} |\n" for r in rows)
    devs = [(r["recipe"], d) for r in rows for d in r.get("deviations", [])]
    if devs:
        body += ("\n## Deviations from the specs\n\n| recipe | what | spec | ours | why | decided |\n"
                 "|---|---|---|---|---|---|\n")
        body += "".join(f"| {n} | {cell(d['what'])} | {cell(d['spec'])} | {cell(d['ours'])} | {cell(d['why'])} | "
                        f"{d['decided']} |\n" for n, d in devs)
    atomic_write_bytes(path, (head + body + _shared_models_section(path.parent / "cache")).encode())


def _shared_models_section(cache_dir: Path) -> str:
    """Markdown lines with the clean accuracy of the shared CIFAR-10 models trained under ``cache_dir``."""
    from freqlens.recipes._trained import shared_model_summary

    rows = [r for r in shared_model_summary(cache_dir) if not r["tag"]]
    if not rows:
        return ""
    def fmt(v):
        return "n/a" if v is None else f"{100 * v:.1f} %"
    lines = ["", "## Shared CIFAR-10 models (fast trainer)", "",
             "| model | size | clean accuracy (1 000 test images) | with test-time flips | training s | setting |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        setting = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in r["setting"].items())
        secs = "n/a" if r["train_seconds"] is None else f"{r['train_seconds']:.0f}"
        lines.append(f"| {r['variant']} | {r['size']} | {fmt(r['clean_accuracy'])} | {fmt(r['clean_accuracy_flip'])} "
                     f"| {secs} | {setting or '-'} |")
    return "\n".join(lines) + "\n"
