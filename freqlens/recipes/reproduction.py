"""The reproduction table: every recipe run in turn, its status, measured value and null beside it, written to
``<out>/reproduction.md`` and ``.json`` with the shared models' clean accuracies (what ``freqlens reproduce
--all`` does)."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from freqlens.recipes._trained import shared_model_summary
from freqlens.recipes.base import get_recipe, list_recipes, run_recipe
from freqlens.results import atomic_write_json


def measured_summary(payload: dict[str, Any]) -> str:
    """One table cell for a recipe's result: the headline check, or, when any check failed, the first failing one
    (and how many others failed), as ``metric = value (comparison threshold)``.

    Args:
        payload: a result.json payload of :func:`run_recipe`.

    Returns:
        The cell text (values to 4 significant digits).

    Raises:
        KeyError: ``payload`` lacks ``checks`` or ``check``.

    Source:
        freqlens.

    Example:
        >>> checks = [dict(metric="a", value=1.0, threshold=0.5, comparison=">", passed=True),
        ...           dict(metric="b", value=0.2, threshold=0.5, comparison=">", passed=False)]
        >>> measured_summary({"check": checks[0], "checks": checks})
        'b = 0.2 (> 0.5)'
    """
    failed = [c for c in payload["checks"] if not c["passed"]]
    c = failed[0] if failed else payload["check"]
    text = f"{c['metric']} = {c['value']:.4g} ({c['comparison']} {c['threshold']:.4g})"
    if len(failed) > 1:
        text += f"; {len(failed) - 1} more check{'s' if len(failed) > 2 else ''} failed"
    return text


def control_summary(payload: dict[str, Any]) -> str:
    """One table cell: each control's value of the gated metric, marked when the control passes the check. A null
    run against several checks is named once, with its values in the order of those checks.

    Args:
        payload: a result.json payload of :func:`run_recipe`.

    Returns:
        The cell text, or ``"none measured"``.

    Raises:
        KeyError: a control lacks ``name``, ``value`` or ``passed``.

    Source:
        freqlens.

    Example:
        >>> control_summary({"controls": [{"name": "untrained", "value": 0.1, "passed": False},
        ...                               {"name": "shuffled", "value": 0.7, "passed": True}]})
        'untrained: 0.1; shuffled: 0.7 (passes: check does not discriminate)'
        >>> control_summary({"controls": [{"name": "table", "value": 0.0, "passed": False},
        ...                               {"name": "table", "value": 2.0, "passed": False}]})
        'table: 0 | 2 (one value per check)'
    """
    ctrls = payload.get("controls", [])
    if not ctrls:
        return "none measured"
    grouped: dict[str, list[dict[str, Any]]] = {}
    for c in ctrls:
        grouped.setdefault(c["name"], []).append(c)

    def value(c: dict[str, Any]) -> str:
        return f"{c['value']:.4g}{' (passes: check does not discriminate)' if c['passed'] else ''}"

    return "; ".join(f"{name}: {' | '.join(value(c) for c in cs)}{' (one value per check)' if len(cs) > 1 else ''}"
                     for name, cs in grouped.items())


def reproduce_all(quick: bool = True, out: str | Path = "runs", data_root: str | None = None, seed: int = 0,
                  device: str | torch.device | None = None, names: list[str] | None = None,
                  progress: bool = False, report: Callable[[dict[str, Any]], None] | None = None,
                  jobs: int = 1) -> list[dict[str, Any]]:
    """Run every recipe (or ``names``), continuing past failures, and write ``<out>/reproduction.md`` and
    ``reproduction.json``: per recipe the paper, the finding, the paper's value, the measured value, the controls,
    whether the gates are the specification's own, PASS / FAIL / SMOKE / SKIP (data missing) / ERROR, and seconds;
    with the run's wall time, its number of worker processes and the model jobs run first (``wall_seconds``,
    ``jobs``, ``pretraining``).

    With ``jobs > 1`` the work runs in that many worker processes, each with its share of the CPU threads
    (:func:`freqlens.recipes.pretraining.worker_threads`): first the shared trained models the selected recipes
    need (:func:`freqlens.recipes.pretraining.jobs_for`, longest first), then the recipes, which find them cached.
    The numbers are the same as a sequential run's up to floating-point summation order; the table lists the
    recipes in the same order.

    Args:
        quick: the small, CPU-friendly sizes.
        out: parent folder of the result folders and the table.
        data_root: folder with the data sets (None: the default lookup).
        seed: random seed.
        device: torch device or its name (None: the default device).
        names: recipes to run (default: all, by name).
        progress: show progress bars (sequential runs only: worker processes run without them).
        report: called with each table row as soon as it is done (and, with ``jobs > 1``, with a row
            ``{"model_job", "seconds", "error"}`` for each pretrained model).
        jobs: worker processes (1: everything in this process, in order).

    Returns:
        The table rows (dicts), in the recipes' order.

    Raises:
        ConfigError: an unknown name in ``names``, or ``jobs < 1``. Errors inside a recipe become ERROR rows.

    Source:
        freqlens.

    Example:
        >>> import tempfile
        >>> from freqlens.recipes.base import REGISTRY, Check, RecipeOutput, recipe
        >>> @recipe("doc-demo-all", paper="none", finding="2 > 1")
        ... def demo(ctx):
        ...     check = Check.greater("two", 2.0, 1.0)
        ...     return RecipeOutput(numbers={"two": 2.0}, checks=[check], controls=[check.control("one", 1.0)])
        >>> out = Path(tempfile.mkdtemp())
        >>> rows = reproduce_all(out=out, names=["doc-demo-all"])
        >>> rows[0]["status"], rows[0]["measured"], (out / "reproduction.md").is_file()
        ('PASS', 'two = 2 (> 1)', True)
        >>> _ = REGISTRY.pop("doc-demo-all")
    """
    from freqlens.device import resolve_device
    from freqlens.errors import ConfigError

    if int(jobs) < 1:
        raise ConfigError(f"jobs must be ≥ 1, got {jobs}")
    recipes = [get_recipe(n).name for n in names] if names else [r.name for r in list_recipes()]
    order = {n: i for i, n in enumerate(recipes)}
    rows: list[dict[str, Any]] = []
    pretrained: list[dict[str, Any]] = []
    start = time.perf_counter()

    def record() -> dict[str, Any]:
        return {"quick": quick, "seed": seed, "jobs": int(jobs),
                "wall_seconds": round(time.perf_counter() - start, 1), "pretraining": pretrained, "rows": rows}

    def done(row: dict[str, Any]) -> None:
        if "model_job" in row:
            pretrained.append(row)
        else:
            rows.append(row)
            rows.sort(key=lambda r: order[r["recipe"]])
        if report is not None:
            report(row)
        atomic_write_json(Path(out) / "reproduction.json", record())

    if int(jobs) == 1:
        for name in recipes:
            done(recipe_row(name, quick, str(out), data_root, seed, device, progress))
    else:
        _run_parallel(recipes, quick, str(out), data_root, seed, str(resolve_device(device)), int(jobs), done)
    summary = record()
    atomic_write_json(Path(out) / "reproduction.json", summary)
    _write_table(Path(out) / "reproduction.md", rows, quick, summary)
    return rows


def recipe_row(name: str, quick: bool, out: str, data_root: str | None, seed: int,
               device: str | torch.device | None, progress: bool = False) -> dict[str, Any]:
    """Run one recipe and make its row of the reproduction table (what :func:`reproduce_all` does per recipe, in
    this process or in a worker).

    Args:
        name: the recipe.
        quick, out, data_root, seed, device, progress: as for :func:`freqlens.recipes.base.run_recipe`.

    Returns:
        The row: recipe, paper, finding, paper_value, data, status, measured, control, spec_threshold,
        deviations, failed_checks, passing_controls, unguarded_checks, seconds (SKIP or ERROR rows carry the
        reason in ``measured``).

    Raises:
        ConfigError: an unknown recipe. Errors inside the recipe become an ERROR row.

    Source:
        freqlens.

    Example:
        >>> recipe_row.__name__   # see reproduce_all's example
        'recipe_row'
    """
    from freqlens.errors import DataError

    rec = get_recipe(name)
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
                   passing_controls=[x["name"] for x in payload["controls"] if x["passed"]],
                   unguarded_checks=payload.get("unguarded_checks", []))
    except DataError as exc:
        row.update(status="SKIP", measured=f"data missing: {exc}")
    except Exception as exc:  # noqa: BLE001 - the table reports every failure and goes on
        row.update(status="ERROR", measured=f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}")
    row["seconds"] = round(time.perf_counter() - start, 1)
    return row


def _task(args: tuple) -> dict[str, Any]:
    """One task of a parallel reproduction in a worker: ``("model", job args)`` or ``("recipe", row args)``."""
    kind, rest = args
    if kind == "model":
        from freqlens.recipes.pretraining import run_model_job

        result = run_model_job(*rest)
        return {"model_job": result["job"], "seconds": result["seconds"], "error": result["error"]}
    return recipe_row(*rest)


def parallel_schedule(recipes: list[str], earlier_seconds: dict[str, float] | None = None,
                      quick: bool = False) -> list[tuple[str, str]]:
    """The order in which a parallel reproduction hands out its tasks: the model jobs the recipes need, longest
    first; then the recipes that need none of them (they run while the other workers still train); then the
    recipes that load those models. Within each group of recipes the longest go first: by ``earlier_seconds``
    (an earlier table's seconds) where known, else CIFAR-10 recipes before the others.

    Args:
        recipes: the recipe names of the run.
        earlier_seconds: recipe → seconds of an earlier run (None: none known).
        quick: the quick sizes (model jobs needed at full size only are left out).

    Returns:
        ``[("model", job name) ..., ("recipe", name) ...]``.

    Raises:
        ConfigError: an unknown recipe.

    Source:
        freqlens (longest-processing-time-first list scheduling).

    Example:
        >>> [kind for kind, _ in parallel_schedule(["fprinciple-1d", "lowpass-highpass"])]
        ['model', 'model', 'model', 'recipe', 'recipe']
        >>> parallel_schedule(["fprinciple-1d", "lowpass-highpass"])[3:]
        [('recipe', 'fprinciple-1d'), ('recipe', 'lowpass-highpass')]
    """
    from freqlens.recipes.pretraining import jobs_for

    before = earlier_seconds or {}
    model_jobs = jobs_for(recipes, quick)
    needs_model = {n for j in model_jobs for n in j.recipes}

    def longest_first(names: list[str]) -> list[str]:
        return sorted(names, key=lambda n: (-before.get(n, 0.0), get_recipe(n).data != "cifar10"))

    free = longest_first([n for n in recipes if n not in needs_model])
    bound = longest_first([n for n in recipes if n in needs_model])
    return [("model", j.name) for j in model_jobs] + [("recipe", n) for n in free + bound]


def _run_parallel(recipes: list[str], quick: bool, out: str, data_root: str | None, seed: int, device: str,
                  jobs: int, done: Callable[[dict[str, Any]], None]) -> None:
    """The ``jobs > 1`` path of :func:`reproduce_all`: the tasks of :func:`parallel_schedule` in a pool of ``jobs``
    spawned worker processes (a recipe that reaches a model still in training waits for it on the cache lock);
    ``done`` gets each model job's row and each recipe's row as it arrives."""
    import multiprocessing

    from freqlens.recipes.pretraining import init_worker, worker_threads

    schedule = parallel_schedule(recipes, _earlier_seconds(Path(out) / "reproduction.json"), quick)
    tasks = [(kind, (name, quick, out, data_root, seed, device) + (() if kind == "model" else (False,)))
             for kind, name in schedule]
    context = multiprocessing.get_context("spawn")
    with context.Pool(jobs, initializer=init_worker, initargs=(worker_threads(jobs),)) as pool:
        for row in pool.imap_unordered(_task, tasks, chunksize=1):
            done(row)


def _earlier_seconds(path: Path) -> dict[str, float]:
    """Recipe → seconds in an earlier reproduction.json (empty when there is none or it is unreadable)."""
    import json

    try:
        rows = json.loads(path.read_text())["rows"]
        return {r["recipe"]: float(r.get("seconds") or 0.0) for r in rows}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _write_table(path: Path, rows: list[dict[str, Any]], quick: bool, summary: dict[str, Any]) -> None:
    import platform

    from freqlens.results import atomic_write_bytes

    counts = {k: sum(r["status"] == k for r in rows) for k in ("PASS", "FAIL", "SMOKE", "SKIP", "ERROR")}
    pre = summary.get("pretraining", [])
    trained = (f" ({len(pre)} shared-model jobs, trained or found cached, {sum(p['seconds'] for p in pre):.0f} s of "
               "worker time)") if pre else ""
    head = (f"# freqlens reproduction table ({'quick' if quick else 'full'} sizes)\n\n"
            f"Machine: {platform.machine()}, {__import__('os').cpu_count()} cores, torch {torch.__version__}. "
            f"Wall time {summary['wall_seconds']:.0f} s with {summary['jobs']} worker process(es){trained}; "
            f"the recipes' own seconds add up to {sum(r['seconds'] for r in rows):.0f} s. "
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
