"""``freqlens spectra``: radially averaged log-amplitude spectra of chosen layers' feature maps.

Example::

    freqlens spectra --model mypkg.models:build --weights model.pt --data cifar10 --layers layer1,layer2,layer3

Writes ``feature_spectra.json`` (the result), ``feature_spectra.csv`` (layer, depth, frequency, log_amplitude)
and ``feature_spectra.png`` (Δ log amplitude against depth).
"""
from __future__ import annotations

import argparse
import csv
import io

from freqlens.commands._common import (
    add_common_arguments,
    add_model_arguments,
    data_from_args,
    model_from_args,
    normalize_from_args,
    output_selector,
    prepare_out_dir,
)
from freqlens.results import atomic_write_bytes


def write_csv(res, path) -> None:
    """Write feature spectra in long format: one row per layer × radial frequency bin.

    Columns: ``layer``, ``depth`` (position in ``res.layers``), ``frequency_over_nyquist`` (4 decimals),
    ``log_amplitude`` and ``high_frequency_amplitude`` (the layer's Δ log amplitude at π, in nepers; 6 decimals).

    Args:
        res: a :class:`~freqlens.probes.feature_spectra.FeatureSpectra`.
        path: the CSV file to write (atomically).

    Returns:
        None.

    Raises:
        KeyError: a layer of ``res.layers`` has no spectrum.
        OSError: the file cannot be written.

    Source:
        freqlens.

    Example:
        >>> import csv, tempfile
        >>> from pathlib import Path
        >>> from freqlens.probes.feature_spectra import FeatureSpectra
        >>> res = FeatureSpectra(layers=["conv1"], frequency={"conv1": [0.0, 0.5, 1.0]},
        ...                      log_amplitude={"conv1": [0.0, -1.0, -2.0]}, high_frequency_amplitude={"conv1": -2.0},
        ...                      shapes={"conv1": [8, 16, 16]}, n_images=4)
        >>> path = Path(tempfile.mkdtemp()) / "spectra.csv"
        >>> write_csv(res, path)
        >>> rows = list(csv.DictReader(path.open()))
        >>> len(rows), rows[1]["frequency_over_nyquist"], rows[1]["log_amplitude"]
        (3, '0.5000', '-1.000000')
    """
    buf = io.StringIO()
    wr = csv.writer(buf)
    wr.writerow(["layer", "depth", "frequency_over_nyquist", "log_amplitude", "high_frequency_amplitude"])
    for depth, name in enumerate(res.layers):
        for f, la in zip(res.frequency[name], res.log_amplitude[name]):
            wr.writerow([name, depth, f"{f:.4f}", f"{la:.6f}", f"{res.high_frequency_amplitude[name]:.6f}"])
    atomic_write_bytes(path, buf.getvalue().encode())


def _run(args: argparse.Namespace) -> int:
    from freqlens.device import resolve_device
    from freqlens.plot.style import save_figure
    from freqlens.probes.feature_spectra import feature_spectra

    out = prepare_out_dir(args.out)
    normalize = normalize_from_args(args)
    model = model_from_args(args, resolve_device(args.device))
    x, _ = data_from_args(args, model=model)
    layers = [t.strip() for t in (args.layers or "").split(",") if t.strip()] or None
    res = feature_spectra(model, x, layers=layers, normalize=normalize, batch_size=args.max_batch,
                          progress=not args.no_progress, output=output_selector(args), amp=args.amp, label=args.label)
    res.save(out / "feature_spectra.json")
    write_csv(res, out / "feature_spectra.csv")
    save_figure(res.plot()[0], out / "feature_spectra.png")
    print("Δ log amplitude at Nyquist vs DC (nepers), by depth:")
    for name in res.layers:
        print(f"  {name:<30} {res.high_frequency_amplitude[name]:+.3f}")
    print(f"wrote {out}/")
    return 0


def register(sub) -> None:
    """Add the ``freqlens spectra`` subcommand to ``sub``: log-amplitude spectra of the feature maps of chosen layers
    (CNN maps, ViT tokens).

    Args:
        sub: the subparsers object of the ``freqlens`` parser (``parser.add_subparsers()``).

    Returns:
        None; the subcommand's parser sets ``func`` to the function that runs it (returning the exit status).

    Raises:
        argparse.ArgumentError: ``sub`` already has a ``spectra`` subcommand.

    Source:
        freqlens.

    Example:
        >>> import argparse
        >>> sub = argparse.ArgumentParser(prog="freqlens").add_subparsers(dest="command")
        >>> register(sub)
        >>> args = sub.choices["spectra"].parse_args(["--model", "pkg.mod:make", "--layers", "conv1,conv2"])
        >>> args.layers, args.max_batch
        ('conv1,conv2', 256)
    """
    p = sub.add_parser("spectra", help="log-amplitude spectra of feature maps of any layers (CNN maps, ViT tokens)")
    add_model_arguments(p)
    add_common_arguments(p)
    p.add_argument("--layers", default="", help="comma-separated module names (default: the model's direct children)")
    p.add_argument("--label", default="", help="label of the result (figure legend)")
    p.add_argument("--max-batch", type=int, default=256, help="images per forward pass (default 256)")
    p.set_defaults(func=_run)
