"""``freqlens report``: every frequency probe on a user's model, in one self-contained HTML page.

The ``--probes`` choices and each section's flags come from the registry in :mod:`freqlens.report.sections`;
the command exits 1 when a section failed (the page and the other sections are still written).
"""
from __future__ import annotations

import argparse

from freqlens.commands._common import (
    add_common_arguments,
    add_model_arguments,
    add_speed_arguments,
    check_model_takes_images,
    data_from_args,
    model_from_args,
    normalize_from_args,
    output_selector,
    prepare_out_dir,
    speed_options,
)


def _run(args: argparse.Namespace) -> int:
    from freqlens.device import resolve_device
    from freqlens.errors import ConfigError
    from freqlens.report import report
    from freqlens.report.sections import all_flags, sections

    probes = [p.strip().replace("-", "_") for p in args.probes.split(",") if p.strip()]
    if not probes:   # an empty --probes (e.g. an unset shell variable) would write an empty page
        names = ", ".join(s.name.replace("_", "-") for s in sections())
        raise ConfigError(f"--probes names no section; give some of {names}")
    device = resolve_device(args.device)
    normalize = normalize_from_args(args)
    model = model_from_args(args, device)
    images, labels = data_from_args(args, model=model)
    check_model_takes_images(model, images, normalize, output_selector(args), args.amp)
    out = prepare_out_dir(args.out)
    options = {f.dest: getattr(args, f.dest) for f in all_flags()}
    result = report(model, images, labels, out=out, probes=probes, limit=args.limit, seed=args.seed,
                    max_batch=args.max_batch, progress=not args.no_progress, output=output_selector(args),
                    amp=args.amp, normalize=normalize, **speed_options(args), **options)
    for s in result.sections:
        status = s.get("reading") or (f"FAILED: {s['failed']}" if s.get("failed") else f"skipped: {s['skipped']}")
        note = f" ({s['note']})" if s.get("note") else ""
        print(f"{s['title']}: {status}{note}")
    print(f"-> {result.html_path}")
    return 1 if any(s.get("failed") for s in result.sections) else 0


def register(sub) -> None:
    """Add the ``freqlens report`` subcommand to ``sub``: every registered report section on a user's model, with each
    section's own flags (:func:`freqlens.report.sections.all_flags`).

    Args:
        sub: the subparsers object of the ``freqlens`` parser (``parser.add_subparsers()``).

    Returns:
        None; the subcommand's parser sets ``func`` to the function that runs it (returning the exit status).

    Raises:
        argparse.ArgumentError: ``sub`` already has a ``report`` subcommand.

    Source:
        freqlens.

    Example:
        >>> import argparse
        >>> sub = argparse.ArgumentParser(prog="freqlens").add_subparsers(dest="command")
        >>> register(sub)
        >>> args = sub.choices["report"].parse_args(["--model", "pkg.mod:make"])
        >>> args.probes.split(","), args.heatmap_images
        (['heatmap', 'filtering', 'noise', 'hfc', 'layers'], 200)
    """
    p = sub.add_parser("report", help="run every frequency probe on your model and write report.html + report.json")
    add_model_arguments(p)
    add_common_arguments(p)
    from freqlens.report.sections import all_flags, sections

    names = [s.name.replace("_", "-") for s in sections()]
    p.add_argument("--probes", default=",".join(s.name.replace("_", "-") for s in sections() if s.default),
                   help=f"comma-separated sections: {', '.join(names)}")
    for flag in all_flags():  # each section's own settings
        p.add_argument(flag.option, dest=flag.dest, type=flag.type, default=flag.default, help=flag.help)
    add_speed_arguments(p, window=False, max_batch_help="images per forward pass in every probe")
    p.set_defaults(func=_run)
