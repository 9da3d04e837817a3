"""``freqlens compare``: several models through the same report, side by side in one page.

Example::

    freqlens compare --model m:resnet --weights a.pt --model m:resnet --weights b.pt --label base --label mixup \\
        --data cifar10 --probes heatmap,hfc --out runs/cmp
    freqlens compare --models-file models.txt ...     # one "factory [weights] [label]" per line

Every other flag is the one ``freqlens report`` has. Writes ``<out>/<label>/`` (each model's report),
``compare.html`` and ``compare.csv`` (model, probe, parameter, value).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from freqlens.commands._common import (
    add_common_arguments,
    load_eval_data,
    load_user_model,
    output_selector,
    prepare_out_dir,
)
from freqlens.errors import InputError


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
    out = prepare_out_dir(args.out)
    dev = resolve_device(args.device)
    models = {label: load_user_model(factory, w, dev) for label, factory, w in specs}
    images, labels = load_eval_data(args.data, args.data_root, args.limit, args.seed)
    probes = [p.strip().replace("-", "_") for p in args.probes.split(",") if p.strip()]
    options = {f.dest: getattr(args, f.dest) for f in all_flags()}
    res = compare(models, images, labels, out=out, probes=probes, limit=args.limit, seed=args.seed,
                  max_batch=args.max_batch, progress=not args.no_progress, output=output_selector(args),
                  amp=args.amp, **options)
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
    p.add_argument("--model", action="append",
                   help="factory package.module:function (repeat, one per model; default: none, give at least two "
                        "or --models-file)")
    p.add_argument("--weights", action="append",
                   help="state dict of the model at the same position (repeat; default: none, untrained)")
    p.add_argument("--label", action="append",
                   help="name of the model at the same position (repeat; default: the factory's name)")
    p.add_argument("--models-file", default=None, help="text file: one 'factory [weights] [label]' per line")
    p.add_argument("--output", default=None, metavar="KEY", help="which part of the models' output holds the scores")
    p.add_argument("--amp", action="store_true", help="run the models under torch.autocast")
    add_common_arguments(p)
    from freqlens.report.sections import all_flags, sections

    names = [s.name.replace("_", "-") for s in sections()]
    p.add_argument("--probes", default=",".join(s.name.replace("_", "-") for s in sections() if s.default),
                   help=f"comma-separated sections: {', '.join(names)}")
    for flag in all_flags():
        p.add_argument(flag.option, dest=flag.dest, type=flag.type, default=flag.default, help=flag.help)
    p.add_argument("--max-batch", type=int, default=1024, help="images per forward pass")
    p.set_defaults(func=_run)
