"""``freqlens heatmap``: the Fourier heat map of a user's model (same argument names as
:func:`freqlens.probes.heatmap.fourier_heatmap`).

Example::

    freqlens heatmap --model mypkg.models:build --weights model.pt --data cifar10 --eps 4 --out runs/hm
    torchrun --nproc-per-node 4 -m freqlens.cli heatmap --model ... --out runs/hm     # sharded over 4 processes

Writes ``heatmap.json`` + ``heatmap.npz`` (the result), ``heatmap.csv`` (long format: p, q, f_u, f_v,
error_pct, n_images, eps, clip, seed, basis), ``heatmap.png`` and a resumable ``heatmap.ckpt``.
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
)
from freqlens.results import atomic_write_bytes
from freqlens.validation import check_positive


def write_csv(result, path) -> None:
    """Write a heat map in long format: one row per computed cell (cells outside a ``window`` are NaN and left out).

    Columns: ``p``, ``q`` (row and column on the full centred grid of the image size), ``f_u``, ``f_v``
    (signed frequencies in cycles per image, DC = 0), ``error_pct`` (error in %, 4 decimals), ``n_images``, ``eps``
    (ℓ2 norm per channel), ``clip`` (``"low..high"`` or ``"none"``), ``seed`` and ``basis``.

    Args:
        result: a :class:`~freqlens.probes.heatmap.HeatmapResult`.
        path: the CSV file to write (atomically).

    Returns:
        None.

    Raises:
        OSError: the file cannot be written.

    Source:
        freqlens.

    Example:
        >>> import csv, tempfile
        >>> import numpy as np
        >>> from pathlib import Path
        >>> from freqlens.probes.heatmap import HeatmapResult
        >>> res = HeatmapResult(error=np.array([[10.0, 20.0], [30.0, np.nan]]), eps=4.0, n_images=2, clean_error=0.0,
        ...                     bounds=(0.0, 1.0), seed=0)
        >>> path = Path(tempfile.mkdtemp()) / "heatmap.csv"
        >>> write_csv(res, path)
        >>> rows = list(csv.DictReader(path.open()))
        >>> len(rows), [(r["f_u"], r["f_v"], r["error_pct"], r["clip"]) for r in rows][0]
        (3, ('-1', '-1', '10.0000', '0..1'))
    """
    buf = io.StringIO()
    wr = csv.writer(buf)
    wr.writerow(["p", "q", "f_u", "f_v", "error_pct", "n_images", "eps", "clip", "seed", "basis"])
    h, w = result.error.shape
    full_h, full_w = result.image_size or (h, w)          # p, q: positions on the full centred grid
    dp, dq = full_h // 2 - h // 2, full_w // 2 - w // 2
    clip = "none" if result.bounds is None else f"{result.bounds[0]:g}..{result.bounds[1]:g}"
    for p in range(h):
        for q in range(w):
            v = float(result.error[p, q])
            if v == v:
                wr.writerow([p + dp, q + dq, p - h // 2, q - w // 2, f"{v:.4f}", result.n_images, result.eps, clip, result.seed,
                             result.basis])
    atomic_write_bytes(path, buf.getvalue().encode())


def _run(args: argparse.Namespace) -> int:
    from freqlens.device import resolve_device
    from freqlens.plot.style import save_figure
    from freqlens.probes.heatmap import fourier_heatmap

    device = resolve_device(args.device)
    if device.type == "cuda" and "LOCAL_RANK" in os.environ:
        device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
    check_positive(args.eps, "--eps", hint="ℓ2 norm per channel, e.g. 4 for CIFAR-10")
    bounds = None if args.no_clip else (args.bounds[0], args.bounds[1])
    normalize = normalize_from_args(args)
    out = prepare_out_dir(args.out)
    model = model_from_args(args, device)
    x, y = data_from_args(args, model=model)
    res = fourier_heatmap(model, x, y, eps=args.eps, bounds=bounds, max_batch=args.max_batch, seed=args.seed,
                          checkpoint=out / "heatmap.ckpt", window=args.window, progress=not args.no_progress,
                          label=args.label, normalize=normalize, output=output_selector(args), amp=args.amp,
                          memory_budget=args.memory_budget, channels_last=args.channels_last, compile=args.compile)
    if int(os.environ.get("RANK", "0")) != 0:
        return 0
    res.save(out / "heatmap.json")
    write_csv(res, out / "heatmap.csv")
    fig, _ = res.plot(vmin=args.vmin, vmax=args.vmax)
    save_figure(fig, out / "heatmap.png")
    print(f"heat map of {res.n_images} images, eps {res.eps:g}: clean error {res.clean_error:.1f} %, "
          f"mean error {float(torch.as_tensor(res.error).nanmean()):.1f} % -> {out}/heatmap.png")
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
    p.add_argument("--eps", type=float, default=4.0, help="ℓ2 norm per channel in [0, 1] pixel units (4 CIFAR-10, 15.7 ImageNet)")
    p.add_argument("--bounds", type=float, nargs=2, default=(0.0, 1.0), metavar=("LOW", "HIGH"),
                   help="input-space bounds to clip perturbed images to")
    p.add_argument("--no-clip", action="store_true", help="do not clip perturbed images")
    p.add_argument("--max-batch", type=int, default=None,
                   help="perturbed images per forward pass (default: from the memory budget and measured speed)")
    add_speed_arguments(p)
    p.add_argument("--label", default="", help="model name for the figure title")
    p.add_argument("--vmin", type=float, default=None,
                   help="lower end of the colour scale, as an error rate in [0, 1] (the paper: 0.1); "
                        "default: the map's minimum")
    p.add_argument("--vmax", type=float, default=None,
                   help="upper end of the colour scale, as an error rate in [0, 1] (the paper: 1); "
                        "default: the map's maximum")
    p.set_defaults(func=_run)
