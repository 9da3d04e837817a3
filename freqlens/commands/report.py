"""``freqlens report``: every frequency probe on a user's model, in one self-contained HTML page.

The ``--probes`` choices and each section's flags come from the registry in :mod:`freqlens.report.sections`;
the command exits 1 when a section failed (the page and the other sections are still written).
"""
from __future__ import annotations

import argparse

from freqlens.commands._common import (
    add_common_arguments,
    add_model_arguments,
    load_eval_data,
    load_user_model,
    output_selector,
    prepare_out_dir,
)


def _run(args: argparse.Namespace) -> int:
    from freqlens.device import resolve_device
    from freqlens.report import report

    out = prepare_out_dir(args.out)
    model = load_user_model(args.model, args.weights, resolve_device(args.device))
    images, labels = load_eval_data(args.data, args.data_root, args.limit, args.seed)
    from freqlens.report.sections import all_flags

    probes = [p.strip().replace("-", "_") for p in args.probes.split(",") if p.strip()]
    options = {f.dest: getattr(args, f.dest) for f in all_flags()}
    result = report(model, images, labels, out=out, probes=probes, limit=args.limit, seed=args.seed,
                    max_batch=args.max_batch, progress=not args.no_progress, output=output_selector(args),
                    amp=args.amp, **options)
    for s in result.sections:
        status = s.get("reading") or (f"FAILED: {s['failed']}" if s.get("failed") else f"skipped: {s['skipped']}")
        print(f"{s['title']}: {status}")
    print(f"-> {result.html_path}")
    return 1 if any(s.get("failed") for s in result.sections) else 0


def register(sub) -> None:
    p = sub.add_parser("report", help="run every frequency probe on your model and write report.html + report.json")
    add_model_arguments(p)
    add_common_arguments(p)
    from freqlens.report.sections import all_flags, sections

    names = [s.name.replace("_", "-") for s in sections()]
    p.add_argument("--probes", default=",".join(s.name.replace("_", "-") for s in sections() if s.default),
                   help=f"comma-separated sections: {', '.join(names)}")
    for flag in all_flags():  # each section's own settings
        p.add_argument(flag.option, dest=flag.dest, type=flag.type, default=flag.default, help=flag.help)
    p.add_argument("--max-batch", type=int, default=1024, help="images per forward pass")
    p.set_defaults(func=_run)
