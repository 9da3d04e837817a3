"""``freqlens list`` and ``freqlens reproduce NAME``."""
from __future__ import annotations

import argparse
import json

from freqlens.commands._common import add_common_arguments


def _list(args: argparse.Namespace) -> int:
    from freqlens.recipes import list_recipes

    rows = list_recipes()
    if args.json:
        print(json.dumps([{"name": r.name, "paper": r.paper, "finding": r.finding, "data": r.data} for r in rows],
                         indent=2))
        return 0
    width = max(len(r.name) for r in rows) if rows else 10
    for r in rows:
        print(f"{r.name:<{width}}  [{r.data}] {r.paper}\n{'':<{width}}  checks: {r.finding}")
    return 0


def _print_row(row: dict) -> None:
    """One line per finished recipe (or pretrained model) of ``reproduce --all``."""
    if "model_job" in row:
        what = f"failed: {row['error']}" if row["error"] else "trained or found cached"
        print(f"model {row['model_job']:<60} {row['seconds']:>7.1f} s  {what}", flush=True)
        return
    print(f"{row['status']:5} {row['recipe']:<34} {row['seconds']:>7.1f} s  {row['measured']}", flush=True)


def _reproduce(args: argparse.Namespace) -> int:
    from freqlens.errors import ConfigError
    from freqlens.recipes import run_recipe
    from freqlens.recipes.pretraining import default_jobs, worker_threads
    from freqlens.recipes.reproduction import reproduce_all

    if args.jobs is not None and args.jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {args.jobs}")
    if args.jobs is not None and not args.all:
        raise ConfigError("--jobs only applies to --all (one recipe runs in this process)")

    if args.all:
        if args.name:
            raise ConfigError("give either a recipe name or --all, not both")
        jobs = args.jobs if args.jobs is not None else default_jobs(args.device)
        if jobs > 1:
            print(f"running with {jobs} worker processes ({worker_threads(jobs)} thread(s) each): the shared "
                  "models first, then the recipes", flush=True)
        rows = reproduce_all(quick=not args.full, out=args.out, data_root=args.data_root, seed=args.seed,
                             device=args.device, progress=not args.no_progress, report=_print_row, jobs=jobs)
        print(f"-> {args.out}/reproduction.md")
        if any(r["status"] in ("FAIL", "ERROR") for r in rows):
            return 1
        return 3 if any(r["status"] == "SMOKE" for r in rows) else 0
    if not args.name:
        raise ConfigError("give a recipe name (see `freqlens list`) or --all")
    if args.full:
        raise ConfigError("--full only applies to --all; a single recipe runs at full size without --quick")

    payload = run_recipe(args.name, quick=args.quick, out=args.out, data_root=args.data_root, seed=args.seed,
                         device=args.device, progress=not args.no_progress)
    from freqlens.recipes.base import EXIT_CODES

    c = payload["check"]
    status = payload["status"]
    print(f"{status} {payload['recipe']}: {c['metric']} = {c['value']:.4g} (threshold {c['comparison']} "
          f"{c['threshold']:.4g}) in {payload['seconds']:.1f} s -> {args.out}/{payload['recipe']}/")
    for extra in payload["checks"][1:]:
        mark = "ok " if extra["passed"] else "FAIL"
        print(f"  {mark} {extra['metric']} = {extra['value']:.4g} ({extra['comparison']} {extra['threshold']:.4g})")
    for ctrl in payload["controls"]:
        mark = "null passes the check: FAIL" if ctrl["passed"] else "null fails the check: ok"
        print(f"  control {ctrl['name']}: {ctrl['metric']} = {ctrl['value']:.4g} ({mark})")
    if not payload["controls"]:
        print("  no control measured: a check without a null cannot PASS")
    if payload["smoke"]:
        print(f"  SMOKE: {payload['smoke']}")
    for d in payload["deviations"]:
        print(f"  deviation ({d['decided']} a run): {d['what']}: spec {d['spec']}, ours {d['ours']} ({d['why']})")
    return EXIT_CODES[status]


def register(sub) -> None:
    """Add the ``freqlens list`` (every recipe: name, paper, finding, data) and ``freqlens reproduce`` (run a paper's
    experiment, write figure and result.json, check the finding) subcommands to ``sub``.

    Args:
        sub: the subparsers object of the ``freqlens`` parser (``parser.add_subparsers()``).

    Returns:
        None; each subcommand's parser sets ``func`` to the function that runs it (returning the exit status).

    Raises:
        argparse.ArgumentError: ``sub`` already has a ``list`` or ``reproduce`` subcommand.

    Source:
        freqlens.

    Example:
        >>> import argparse
        >>> sub = argparse.ArgumentParser(prog="freqlens").add_subparsers(dest="command")
        >>> register(sub)
        >>> args = sub.choices["reproduce"].parse_args(["fprinciple-1d", "--quick"])
        >>> sorted(sub.choices), args.name, args.quick, args.full
        (['list', 'reproduce'], 'fprinciple-1d', True, False)
    """
    p = sub.add_parser("list", help="list every recipe: name, paper, finding, data it needs")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=_list)

    p = sub.add_parser("reproduce", help="run a paper's experiment, write figure + result.json, check the finding")
    p.add_argument("name", nargs="?", help="recipe name (see `freqlens list`)")
    p.add_argument("--quick", action="store_true", help="small, CPU-friendly size")
    p.add_argument("--all", action="store_true", help="run every recipe (quick unless --full), write reproduction.md")
    p.add_argument("--full", action="store_true", help="with --all: paper/full sizes instead of quick")
    p.add_argument("--jobs", type=int, default=None,
                   help="with --all: worker processes; the shared models train first, several at once, then the "
                        "recipes run (default: 2 on a CPU with two or more cores, 1 on a GPU)")
    add_common_arguments(p, data=False)
    p.set_defaults(func=_reproduce)
