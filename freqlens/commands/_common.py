"""Arguments and loaders shared by subcommands: a user's model (``package.module:factory`` + weights), data."""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

import torch
from torch import nn

from freqlens.errors import ConfigError
from freqlens.validation import check_rank


def add_common_arguments(p: argparse.ArgumentParser, data: bool = True) -> None:
    """``--out --data-root --seed --device --no-progress`` (and ``--data --limit`` when ``data``)."""
    p.add_argument("--out", default="runs", help="output folder (default: runs/)")
    p.add_argument("--data-root", default=None, help="folder with MNIST/ and cifar-10-batches-py/ (default: $FREQLENS_DATA)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 … (default: cuda when available)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    if data:
        p.add_argument("--data", default="cifar10", help="cifar10, mnist, mnist1d, digits, or an .npz with images/labels")
        p.add_argument("--limit", type=int, default=1000, help="number of test images to use (default 1000)")


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    """``--model package.module:factory --weights file.pt`` (plus ``--normalize mean,std`` handled by the model)."""
    p.add_argument("--model", required=True, help="factory that builds the nn.Module, as package.module:function")
    p.add_argument("--weights", default=None, help="state dict saved with torch.save(model.state_dict(), ...)")
    p.add_argument("--output", default=None, metavar="KEY",
                   help="which part of the model's output holds the class scores: a dict key (e.g. logits) or an "
                        "integer tuple index (e.g. 0) (default: the tensor itself, else 'logits', else the first tensor)")
    p.add_argument("--amp", action="store_true", help="run the model under torch.autocast (default: off)")


def output_selector(args: argparse.Namespace):
    """``--output`` as the ``output=`` selector: an integer string is a tuple index, anything else a dict key."""
    from freqlens.inference import parse_output

    return parse_output(getattr(args, "output", None))


def load_user_model(spec: str, weights: str | None = None, device: torch.device | str | None = None) -> nn.Module:
    """Import ``package.module:factory``, call it, and load ``weights`` (``weights_only=True``).

    The current directory is importable, so ``--model mymodels:build`` finds ``./mymodels.py``.
    """
    from freqlens.models.cache import load_weights

    if ":" not in spec:
        raise ConfigError(f"--model must be package.module:factory, got {spec!r}")
    module_name, attr = spec.split(":", 1)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import model module {module_name!r}: {exc}") from exc
    factory = getattr(module, attr, None)
    if factory is None or not callable(factory):
        raise ConfigError(f"{module_name} has no callable {attr!r}")
    model = factory()
    if not isinstance(model, nn.Module):
        raise ConfigError(f"{spec} returned a {type(model).__name__}, not an nn.Module")
    if weights is not None:
        load_weights(model, weights)
    if device is not None:
        model.to(device)
    return model


def load_eval_data(name: str, root: str | None, limit: int | None, seed: int = 0):
    """Test images and labels of a data set (or an .npz) for probing a trained model."""
    from freqlens.data import load_dataset

    _, _, x, y = load_dataset(name, root=root, test_limit=limit, seed=seed)
    check_rank(x, f"data {name!r}", 4, "images (N, C, H, W)")
    return x, y


def prepare_out_dir(path: str | os.PathLike) -> Path:
    """Create the output folder or fail with a one-line error (e.g. not writable)."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".freqlens-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"output folder {out} is not writable: {exc.strerror}") from exc
    return out
