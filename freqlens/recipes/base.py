"""The recipe framework: one registered function per paper figure.

A recipe is ``run(ctx: RecipeContext) -> RecipeOutput``. :func:`run_recipe` times it, writes
``<out>/<name>/result.json`` (recipe, paper, finding, quick, seconds, check, checks, numbers),
``figure.png`` and the saved result objects, and returns the JSON payload.

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
    payload = {
        "recipe": name,
        "paper": rec.paper,
        "finding": rec.finding,
        "paper_value": rec.paper_value,
        "quick": quick,
        "seed": seed,
        "device": str(ctx.device),
        "seconds": round(seconds, 3),
        "passed": all(c.passed for c in output.checks),
        "check": {"passed": head.passed, "metric": head.metric, "value": head.value, "threshold": head.threshold,
                  "comparison": head.comparison},
        "checks": [asdict(c) for c in output.checks],
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
            row.update(status="PASS" if payload["passed"] else "FAIL", measured=measured_summary(payload),
                       failed_checks=[x["metric"] for x in payload["checks"] if not x["passed"]])
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

    head = (f"# freqlens reproduction table ({'quick' if quick else 'full'} sizes)\n\n"
            f"Machine: {platform.machine()}, {__import__('os').cpu_count()} cores, torch {torch.__version__}. "
            f"Total {sum(r['seconds'] for r in rows):.0f} s; "
            f"{sum(r['status'] == 'PASS' for r in rows)}/{len(rows)} PASS.\n\n"
            "| recipe | paper | finding | paper's figure / number | freqlens measured | result | seconds |\n"
            "|---|---|---|---|---|---|---|\n")
    def cell(s: str) -> str:
        return str(s).replace("|", "\\|").replace("\n", " ")
    body = "".join(f"| {r['recipe']} | {cell(r['paper'])} | {cell(r['finding'])} | {cell(r['paper_value'])} | "
                   f"{cell(r['measured'])} | {r['status']} | {r['seconds']} |\n" for r in rows)
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
