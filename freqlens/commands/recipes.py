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


def _reproduce(args: argparse.Namespace) -> int:
    from freqlens.errors import ConfigError
    from freqlens.recipes import run_recipe
    from freqlens.recipes.reproduction import reproduce_all

    if args.all:
        if args.name:
            raise ConfigError("give either a recipe name or --all, not both")
        rows = reproduce_all(quick=not args.full, out=args.out, data_root=args.data_root, seed=args.seed,
                             device=args.device, progress=not args.no_progress,
                             report=lambda r: print(f"{r['status']:5} {r['recipe']:<34} {r['seconds']:>7.1f} s  "
                                                    f"{r['measured']}", flush=True))
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
    add_common_arguments(p, data=False)
    p.set_defaults(func=_reproduce)
