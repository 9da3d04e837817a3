"""``freqlens layers``: per-layer frequency response and kernel spectra of a user's CNN."""
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
    prepare_out_dir,
    speed_options,
)
from freqlens.results import atomic_write_json


def _layers(args: argparse.Namespace) -> int:
    from freqlens.device import resolve_device
    from freqlens.plot.layers import plot_layer_response
    from freqlens.plot.style import save_figure
    from freqlens.probes.layers import check_bands, default_bands, kernel_spectra, layer_frequency_response

    device = resolve_device(args.device)
    normalize = normalize_from_args(args)
    model = model_from_args(args, device)
    x, _ = data_from_args(args, limit=max(args.images, 1), model=model)
    d_low, d_high = default_bands(x.shape[1:], args.window)
    low = d_low if args.low is None else args.low
    high = d_high if args.high is None else args.high
    check_bands(low, high, x.shape[1:], args.window)   # before any output is written
    check_model_takes_images(model, x, normalize, amp=args.amp)
    out = prepare_out_dir(args.out)
    summary = {}
    modes = ("basis", "perturbation") if args.mode == "both" else (args.mode,)
    for mode in modes:
        resp = layer_frequency_response(model, image_size=tuple(x.shape[1:]),
                                        images=x if mode == "perturbation" else None,
                                        mode=mode, eps=args.eps, n_images=args.images, progress=not args.no_progress,
                                        normalize=normalize, amp=args.amp, window=args.window,
                                        max_batch=args.max_batch, **speed_options(args))
        if int(__import__("os").environ.get("RANK", "0")) != 0:
            continue
        resp.save(out / f"layer_response_{mode}.json")
        save_figure(plot_layer_response(resp, low=low, high=high)[0], out / f"layer_response_{mode}.png")
        summary[mode] = {"band": f"low 0<r≤{low:g}, high r>{high:g}",
                         "high_over_low_gain": dict(zip(resp.layer_names, resp.band_ratio(low, high).tolist()))}
    spec = kernel_spectra(model, size=int(x.shape[-1]))
    spec.save(out / "kernel_spectra.json")
    save_figure(spec.plot()[0], out / "kernel_spectra.png")
    atomic_write_json(out / "summary.json", summary)
    for mode, s in summary.items():
        print(f"{mode}: high/low-band gain per layer ({s['band']})")
        for name, r in s["high_over_low_gain"].items():
            print(f"  {name:<30} {r:.3g}")
    print(f"wrote {out}/")
    return 0


def register(sub) -> None:
    """Add the ``freqlens layers`` subcommand to ``sub``: the per-layer frequency response (energy gain per Fourier
    basis) of a user's CNN.

    Args:
        sub: the subparsers object of the ``freqlens`` parser (``parser.add_subparsers()``).

    Returns:
        None; the subcommand's parser sets ``func`` to the function that runs it (returning the exit status).

    Raises:
        argparse.ArgumentError: ``sub`` already has a ``layers`` subcommand.

    Source:
        freqlens.

    Example:
        >>> import argparse
        >>> sub = argparse.ArgumentParser(prog="freqlens").add_subparsers(dest="command")
        >>> register(sub)
        >>> args = sub.choices["layers"].parse_args(["--model", "pkg.mod:make"])
        >>> args.mode, args.low, args.high
        ('both', None, None)
    """
    p = sub.add_parser("layers", help="per-layer frequency response (energy gain per Fourier basis) of a CNN")
    add_model_arguments(p)
    add_common_arguments(p)
    p.add_argument("--mode", choices=("basis", "perturbation", "both"), default="both",
                   help="basis images alone, natural image + basis perturbation, or both (default)")
    p.add_argument("--eps", type=float, default=4.0, help="ℓ2 norm of the basis perturbation per channel (default 4)")
    p.add_argument("--images", type=int, default=4, help="natural images averaged in perturbation mode (default 4)")
    p.add_argument("--low", type=float, default=None,
                   help="low band: 0 < radius ≤ LOW cycles/image (default max(H, W)/8, e.g. 4 at 32 px; "
                        "with a window of half-width W: max(W/4, 1))")
    p.add_argument("--high", type=float, default=None,
                   help="high band: radius > HIGH cycles/image (default 3·max(H, W)/8, e.g. 12 at 32 px; "
                        "with a window of half-width W: 3·W/4, at least LOW)")
    add_speed_arguments(p, max_batch_help="basis images per forward pass")
    p.set_defaults(func=_layers)
