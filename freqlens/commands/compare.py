"""``freqlens compare``: several models through the same report, side by side in one page.

Example::

    freqlens compare --model m:resnet --weights a.pt --model m:resnet --weights b.pt --label base --label mixup \\
        --data cifar10 --probes heatmap,hfc --out runs/cmp
    freqlens compare --models-file models.txt ...     # one "factory [weights] [label]" per line
    freqlens compare --model a.py:build --model b.py:build --data images/ --img-size 64 --mean 0.5 --std 0.25 \
        --quantity loss --window 8 --out runs/cmp

Every other flag is the one ``freqlens report`` has, read by the same helpers (``model_from_args``,
``data_from_args``, ``normalize_from_args``): --model-kwargs and --seed apply to every factory, --mean/--std,
--output and --amp to every model, and the data (an image folder included, sized by --img-size/--crop-pct or by
the first model's pretrained_cfg) is loaded once for all. Writes ``<out>/<label>/`` (each model's report),
``compare.html`` and ``compare.csv`` (model, probe, parameter, value).
"""
from __future__ import annotations

import argparse
from pathlib import Path

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
from freqlens.errors import FreqlensError, InputError


def model_specs(args: argparse.Namespace) -> list[tuple[str, str, str | None]]:
    """``(label, factory, weights)`` of every model to compare: the lines of ``--models-file`` (``factory [weights]
    [label]``, ``#`` comments) first, then the repeated ``--model`` / ``--weights`` flags; ``--label`` names them in
    that order, else a file's label or ``model1``, ``model2``, …

    Args:
        args: the parsed ``freqlens compare`` arguments (``models_file``, ``model``, ``weights``, ``label``).

    Returns:
        A list of ``(label, factory, weights or None)``, at least two, labels unique.

    Raises:
        InputError: the models file does not exist; the numbers of ``--weights`` or ``--label`` do not match the
            models; fewer than two models; repeated labels.

    Source:
        freqlens.

    Example:
        >>> import argparse
        >>> args = argparse.Namespace(models_file=None, model=["a.m:make", "b.m:make"], weights=None, label=None)
        >>> model_specs(args)
        [('model1', 'a.m:make', None), ('model2', 'b.m:make', None)]
    """
    specs = []
    if args.models_file:
        path = Path(args.models_file)
        if not path.is_file():
            raise InputError(f"--models-file {path} does not exist")
        for line in path.read_text().splitlines():
            parts = line.split("#", 1)[0].split()
            if parts:
                specs.append((parts[0], parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None))
    models = args.model or []
    weights = args.weights or []
    if weights and len(weights) != len(models):
        raise InputError(f"{len(models)} --model but {len(weights)} --weights; give one --weights per --model "
                         "(or none)")
    for i, m in enumerate(models):
        specs.append((m, weights[i] if weights else None, None))
    labels = args.label or []
    if labels and len(labels) != len(specs):
        raise InputError(f"{len(specs)} models but {len(labels)} --label; give one per model (or none)")
    out = []
    for i, (factory, w, lab) in enumerate(specs):
        label = labels[i] if labels else (lab or f"model{i + 1}")
        out.append((label, factory, w))
    if len(out) < 2:
        raise InputError("compare needs at least two models: repeat --model (and --weights), or --models-file")
    if len({lab for lab, _, _ in out}) != len(out):
        raise InputError("model labels must be unique; pass --label once per model")
    return out


def _run(args: argparse.Namespace) -> int:
    from freqlens.device import resolve_device
    from freqlens.report.compare import compare
    from freqlens.report.sections import all_flags

    specs = model_specs(args)
    normalize = normalize_from_args(args)
    dev = resolve_device(args.device)
    models = {label: model_from_args(argparse.Namespace(**{**vars(args), "model": factory, "weights": w}), dev)
              for label, factory, w in specs}
    images, labels = data_from_args(args, model=next(iter(models.values())))
    for label, net in models.items():
        try:
            check_model_takes_images(net, images, normalize, output_selector(args), args.amp)
        except FreqlensError as exc:
            raise type(exc)(f"model {label}: {exc}") from exc
    out = prepare_out_dir(args.out)
    probes = [p.strip().replace("-", "_") for p in args.probes.split(",") if p.strip()]
    options = {f.dest: getattr(args, f.dest) for f in all_flags()}
    res = compare(models, images, labels, out=out, probes=probes, limit=args.limit, seed=args.seed,
                  max_batch=args.max_batch, progress=not args.no_progress, output=output_selector(args),
                  amp=args.amp, normalize=normalize, **speed_options(args), **options)
    print(f"{len(res.labels)} models, {len(res.rows)} numbers -> {res.html_path}")
    return 0


def register(sub) -> None:
    """Add the ``freqlens compare`` subcommand to ``sub``: several models through the same report, side by side in one
    HTML page and one CSV.

    Args:
        sub: the subparsers object of the ``freqlens`` parser (``parser.add_subparsers()``).

    Returns:
        None; the subcommand's parser sets ``func`` to the function that runs it (returning the exit status).

    Raises:
        argparse.ArgumentError: ``sub`` already has a ``compare`` subcommand.

    Source:
        freqlens.

    Example:
        >>> import argparse
        >>> sub = argparse.ArgumentParser(prog="freqlens").add_subparsers(dest="command")
        >>> register(sub)
        >>> args = sub.choices["compare"].parse_args(["--model", "a:make", "--model", "b:make"])
        >>> args.model, args.probes.split(",")[0]
        (['a:make', 'b:make'], 'heatmap')
    """
    p = sub.add_parser("compare", help="several models through the same report, side by side in one HTML page")
    add_model_arguments(p, repeat=True)
    p.add_argument("--label", action="append",
                   help="name of the model at the same position (repeat; default: model1, model2, ...)")
    p.add_argument("--models-file", default=None, help="text file: one 'factory [weights] [label]' per line")
    add_common_arguments(p)
    from freqlens.report.sections import all_flags, sections

    names = [s.name.replace("_", "-") for s in sections()]
    p.add_argument("--probes", default=",".join(s.name.replace("_", "-") for s in sections() if s.default),
                   help=f"comma-separated sections: {', '.join(names)}")
    for flag in all_flags():
        p.add_argument(flag.option, dest=flag.dest, type=flag.type, default=flag.default, help=flag.help)
    add_speed_arguments(p, window=False, max_batch_help="images per forward pass in every probe")
    p.set_defaults(func=_run)
