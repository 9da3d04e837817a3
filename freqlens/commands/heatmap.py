"""``freqlens heatmap``: the Fourier heat map of a user's model (same argument names as
:func:`freqlens.probes.heatmap.fourier_heatmap`).

Example::

    freqlens heatmap --model mypkg.models:build --weights model.pt --data cifar10 --eps 4 --out runs/hm
    torchrun --nproc-per-node 4 -m freqlens.cli heatmap --model ... --out runs/hm     # sharded over 4 processes
    freqlens heatmap --model ... --quantity feature_change:layer2 --per-class --out runs/hm_feat

Writes ``heatmap.json`` + ``heatmap.npz`` (the result), ``heatmap.csv`` (long format: p, q, f_u, f_v,
error_pct — or ``value`` for another ``--quantity`` —, n_images, eps, clip, seed, basis, quantity),
``heatmap.png`` and a resumable ``heatmap.ckpt``; with ``--per-class`` also ``heatmap_per_class.csv`` (one row
per class × cell) and ``heatmap_per_class.png``.
"""
from __future__ import annotations

import argparse
import csv
import io
import os

import torch

from freqlens.commands._common import (
    add_common_arguments,
    add_model_arguments,
    add_speed_arguments,
    data_from_args,
    model_from_args,
    normalize_from_args,
    output_selector,
    prepare_out_dir,
    speed_options,
)
from freqlens.errors import CheckpointError
from freqlens.results import atomic_write_bytes
from freqlens.validation import check_positive


def write_csv(result, path) -> None:
    """The heat map in long format, one row per computed cell.

    Args:
        result: a :class:`~freqlens.probes.heatmap.HeatmapResult`.
        path: the CSV file to write (atomically).

    Returns:
        None. Columns: p, q (full-grid position), f_u, f_v (cycles/image), ``error_pct`` for an error map or
        ``value`` (the quantity's units) for the others, n_images, eps, clip, seed, basis, quantity.

    Raises:
        OSError: the file cannot be written.

    Source: freqlens.

    Example:
        >>> import numpy as np, tempfile, os
        >>> from freqlens.probes.heatmap import HeatmapResult
        >>> res = HeatmapResult(error=np.zeros((3, 3)), eps=1.0, n_images=2, clean_error=0.0, bounds=None, seed=0,
        ...                     quantity="loss")
        >>> path = os.path.join(tempfile.mkdtemp(), "hm.csv")
        >>> write_csv(res, path)
        >>> open(path).readline().strip()
        'p,q,f_u,f_v,value,n_images,eps,clip,seed,basis,quantity'
    """
    _write_rows(result, path, [(None, result.error)])


def write_per_class_csv(result, path) -> None:
    """The per-class maps of a heat map in long format: one row per class × computed cell.

    Args:
        result: a :class:`~freqlens.probes.heatmap.HeatmapResult` computed with ``per_class=True``.
        path: the CSV file to write (atomically).

    Returns:
        None. Columns: class, class_name (``result.class_names``, else "class k"), then those of
        :func:`write_csv` (n_images is the class's number of images).

    Raises:
        OSError: the file cannot be written.

    Source: freqlens.

    Example:
        >>> import numpy as np, tempfile, os
        >>> from freqlens.probes.heatmap import HeatmapResult
        >>> res = HeatmapResult(error=np.zeros((1, 1)), eps=1.0, n_images=2, clean_error=0.0, bounds=None, seed=0,
        ...                     per_class=np.ones((2, 1, 1)), class_counts=[1, 1], class_names=["cat"])
        >>> path = os.path.join(tempfile.mkdtemp(), "pc.csv")
        >>> write_per_class_csv(res, path)
        >>> [line.split(",")[:7] for line in open(path).read().splitlines()[1:]]
        [['0', 'cat', '0', '0', '0', '0', '1.0000'], ['1', 'class 1', '0', '0', '0', '0', '1.0000']]
    """
    _write_rows(result, path, list(enumerate(result.per_class)))


def _write_rows(result, path, maps) -> None:
    quantity = getattr(result, "quantity", "error") or "error"
    buf = io.StringIO()
    wr = csv.writer(buf)
    per_class = maps[0][0] is not None
    wr.writerow((["class", "class_name"] if per_class else []) + ["p", "q", "f_u", "f_v",
                                                    "error_pct" if quantity == "error" else "value", "n_images", "eps",
                                                    "clip", "seed", "basis", "quantity"])
    h, w = result.error.shape
    full_h, full_w = result.image_size or (h, w)          # p, q: positions on the full centred grid
    dp, dq = full_h // 2 - h // 2, full_w // 2 - w // 2
    clip = "none" if result.bounds is None else f"{result.bounds[0]:g}..{result.bounds[1]:g}"
    names = list(getattr(result, "class_names", None) or [])
    for k, values in maps:
        head = [] if k is None else [k, names[k] if k < len(names) else f"class {k}"]
        n = result.n_images if k is None else (result.class_counts or [""] * (k + 1))[k]
        for p in range(h):
            for q in range(w):
                v = float(values[p, q])
                if v == v:
                    text = f"{v:.4f}" if quantity == "error" else f"{v:.6g}"
                    wr.writerow(head + [p + dp, q + dq, p - h // 2, q - w // 2, text, n, result.eps, clip,
                                        result.seed, result.basis, quantity])
    atomic_write_bytes(path, buf.getvalue().encode())


def _remove_checkpoint(path) -> None:
    """--fresh: delete this process's heat-map checkpoint (the shard of its rank under torchrun)."""
    from freqlens.notices import notice

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        path = path.with_name(f"{path.name}.rank{int(os.environ.get('RANK', '0'))}of{world}")
    if path.exists():
        path.unlink()
        if int(os.environ.get("RANK", "0")) == 0:
            notice(f"--fresh: deleted the checkpoint {path}; the heat map is computed from the start")


def _run(args: argparse.Namespace) -> int:
    from freqlens.data import dataset_class_names
    from freqlens.device import resolve_device
    from freqlens.plot.style import save_figure
    from freqlens.probes.heatmap import fourier_heatmap
    from freqlens.probes.heatmap_quantities import parse_quantity

    quantity = parse_quantity(args.quantity)          # a bad --quantity fails before any loading
    device = resolve_device(args.device)
    if device.type == "cuda" and "LOCAL_RANK" in os.environ:
        device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
    check_positive(args.eps, "--eps", hint="ℓ2 norm per channel, e.g. 4 for CIFAR-10")
    if args.vmin is not None and args.vmax is not None and args.vmin >= args.vmax:
        from freqlens.errors import InputError

        raise InputError(f"--vmin {args.vmin:g} >= --vmax {args.vmax:g}; give a colour range with vmin < vmax")
    bounds = None if args.no_clip else (args.bounds[0], args.bounds[1])
    normalize = normalize_from_args(args)
    out = prepare_out_dir(args.out)
    if args.fresh:
        _remove_checkpoint(out / "heatmap.ckpt")
    model = model_from_args(args, device)
    parse_quantity(args.quantity, model)              # its layer must be one of the model's modules
    x, y = data_from_args(args, model=model)
    try:
        res = fourier_heatmap(model, x, y, eps=args.eps, bounds=bounds, max_batch=args.max_batch, seed=args.seed,
                              checkpoint=out / "heatmap.ckpt", window=args.window, progress=not args.no_progress,
                              label=args.label, normalize=normalize, output=output_selector(args), amp=args.amp,
                              quantity=args.quantity, per_class=args.per_class, **speed_options(args))
    except CheckpointError as exc:
        msg = str(exc)
        if not msg.startswith("heat-map checkpoint"):
            raise
        fix = "pass --fresh to recompute it (or another --out)"
        old = "delete it or pass another checkpoint path"
        raise CheckpointError(msg.replace(old, fix) if old in msg else f"{msg}; {fix}") from exc
    if int(os.environ.get("RANK", "0")) != 0:
        return 0
    if res.per_class is not None:
        names = dataset_class_names(args.data)
        res.class_names = list(names[:len(res.per_class)]) if names else None
    res.save(out / "heatmap.json")
    write_csv(res, out / "heatmap.csv")
    fig, _ = res.plot(vmin=args.vmin, vmax=args.vmax)
    save_figure(fig, out / "heatmap.png")
    if res.per_class is not None:
        write_per_class_csv(res, out / "heatmap_per_class.csv")
        save_figure(res.plot_per_class(vmin=args.vmin, vmax=args.vmax)[0],
                    out / "heatmap_per_class.png")
    mean = float(torch.as_tensor(res.error).nanmean())
    what = f"mean error {mean:.1f} %" if quantity.kind == "error" else f"mean {quantity.label} {mean:.4g}"
    print(f"heat map of {res.n_images} images, eps {res.eps:g}: clean error {res.clean_error:.1f} %, "
          f"{what} -> {out}/heatmap.png")
    return 0


def register(sub) -> None:
    """Add the ``freqlens heatmap`` subcommand to ``sub``: the Fourier heat map of a user's model (error per
    Fourier-basis perturbation, Yin et al. 2019), written as figure, CSV and JSON.

    Args:
        sub: the subparsers object of the ``freqlens`` parser (``parser.add_subparsers()``).

    Returns:
        None; the subcommand's parser sets ``func`` to the function that runs it (returning the exit status).

    Raises:
        argparse.ArgumentError: ``sub`` already has a ``heatmap`` subcommand.

    Source:
        freqlens.

    Example:
        >>> import argparse
        >>> sub = argparse.ArgumentParser(prog="freqlens").add_subparsers(dest="command")
        >>> register(sub)
        >>> args = sub.choices["heatmap"].parse_args(["--model", "pkg.mod:make"])
        >>> args.eps, args.max_batch
        (4.0, None)
    """
    p = sub.add_parser("heatmap", help="Fourier heat map of your model: error per frequency (Yin et al. 2019)")
    add_model_arguments(p)
    add_common_arguments(p)
    p.add_argument("--eps", type=float, default=4.0,
                   help="ℓ2 norm per channel in [0, 1] pixel units (4 CIFAR-10, 15.7 ImageNet)")
    p.add_argument("--bounds", type=float, nargs=2, default=(0.0, 1.0), metavar=("LOW", "HIGH"),
                   help="input-space bounds to clip perturbed images to")
    p.add_argument("--no-clip", action="store_true", help="do not clip perturbed images")
    add_speed_arguments(p, max_batch_help="perturbed images per forward pass")
    p.add_argument("--label", default="", help="model name for the figure title")
    p.add_argument("--quantity", default="error",
                   help="what each cell measures: error (rate, default), loss (cross-entropy), logit_change "
                        "(‖Δ logits‖₂) or feature_change:<layer> (‖Δ‖₂ of the output of that module, a name from "
                        "model.named_modules())")
    p.add_argument("--per-class", action="store_true",
                   help="also one map per true class (heatmap_per_class.csv/.png; default: off)")
    p.add_argument("--vmin", type=float, default=None,
                   help="lower end of the colour scale, as an error rate in [0, 1] (the paper: 0.1), or in the "
                        "--quantity's units; default: the map's minimum")
    p.add_argument("--vmax", type=float, default=None,
                   help="upper end of the colour scale, as an error rate in [0, 1] (the paper: 1), or in the "
                        "--quantity's units; default: the map's maximum")
    p.add_argument("--fresh", action="store_true",
                   help="delete the heat-map checkpoint in --out first and compute from the start (needed when "
                        "the model, data or --eps changed since it was written; default: resume)")
    p.set_defaults(func=_run)
