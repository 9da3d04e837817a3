"""``freqlens report``: every frequency probe on a user's model, in one self-contained HTML page."""
from __future__ import annotations

import argparse

from freqlens.commands._common import (
    add_common_arguments,
    add_model_arguments,
    load_eval_data,
    load_user_model,
    prepare_out_dir,
)


def _run(args: argparse.Namespace) -> int:
    from freqlens.device import resolve_device
    from freqlens.report import report

    out = prepare_out_dir(args.out)
    model = load_user_model(args.model, args.weights, resolve_device(args.device))
    images, labels = load_eval_data(args.data, args.data_root, args.limit, args.seed)
    probes = [p.strip().replace("-", "_") for p in args.probes.split(",") if p.strip()]
    result = report(model, images, labels, out=out, probes=probes, eps=args.eps, heatmap_images=args.heatmap_images,
                    limit=args.limit, seed=args.seed, max_batch=args.max_batch, progress=not args.no_progress)
    for s in result.sections:
        print(f"{s['title']}: {s.get('reading') or 'skipped: ' + s['skipped']}")
    print(f"-> {result.html_path}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("report", help="run every frequency probe on your model and write report.html + report.json")
    add_model_arguments(p)
    add_common_arguments(p)
    p.add_argument("--probes", default="heatmap,filtering,noise,hfc,layers",
                   help="comma-separated: heatmap, filtering, noise, hfc, layers, corruptions, post-averaging")
    p.add_argument("--eps", type=float, default=4.0, help="heat-map perturbation ℓ2 norm per channel (input units)")
    p.add_argument("--heatmap-images", type=int, default=200, help="images for the heat map (default 200)")
    p.add_argument("--max-batch", type=int, default=1024, help="images per forward pass")
    p.set_defaults(func=_run)
