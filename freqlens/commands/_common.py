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
    """``--out --data-root --seed --device --no-progress`` (and ``--data --limit --img-size --crop-pct`` when
    ``data``)."""
    p.add_argument("--out", default="runs", help="output folder")
    p.add_argument("--data-root", default=None,
                   help="folder with MNIST/ and cifar-10-batches-py/ (default: $FREQLENS_DATA)")
    p.add_argument("--seed", type=int, default=0, help="random seed (also seeds the model factory)")
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 … (default: cuda when available)")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    if data:
        p.add_argument("--data", default="cifar10",
                       help="cifar10, mnist, mnist1d, digits, an .npz with images/labels, or an image folder "
                            "(class sub-folders of PNG/JPEG)")
        p.add_argument("--limit", type=int, default=1000, help="number of test images to use")
        p.add_argument("--img-size", type=int, default=None,
                       help="image folder: resize the shorter side to IMG_SIZE/CROP_PCT and centre-crop IMG_SIZE "
                            "(timm's evaluation transform; default: the model's pretrained_cfg input size, else "
                            "the files' own size)")
        p.add_argument("--crop-pct", type=float, default=None,
                       help="image folder: centre-crop fraction (default: the model's pretrained_cfg, else 0.875)")


def _kwarg(text: str) -> tuple[str, object]:
    import ast

    if "=" not in text:
        raise ConfigError(f"--model-kwargs takes key=value pairs, got {text!r} (e.g. --model-kwargs num_classes=10)")
    key, value = text.split("=", 1)
    try:
        return key.strip(), ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key.strip(), value


def add_model_arguments(p: argparse.ArgumentParser, repeat: bool = False) -> None:
    """``--model --weights --model-kwargs --mean --std --output --amp``; with ``repeat`` ``--model`` and
    ``--weights`` may be given once per model (lists, ``freqlens compare``)."""
    what = " (repeat once per model; default: none, give at least two or --models-file)" if repeat else ""
    p.add_argument("--model", required=not repeat, action="append" if repeat else "store",
                   help="the model: package.module:factory, path/to/file.py:factory, or a TorchScript (.pt) or "
                        f"torch.export (.pt2) file{what}")
    p.add_argument("--weights", default=None, action="append" if repeat else "store",
                   help="state dict (.pt/.pth), a {'state_dict': ...} or {'model': ...} checkpoint, or a Lightning "
                        ".ckpt; 'model.'/'module.' prefixes are stripped"
                        + (" (repeat: one per --model, in the same order; default: none, untrained)" if repeat else ""))
    p.add_argument("--model-kwargs", nargs="*", default=[], metavar="KEY=VALUE",
                   help="keyword arguments of the factory, e.g. num_classes=10")
    p.add_argument("--mean", type=float, nargs="+", default=None,
                   help="per-channel mean of the model's input normalisation (default: the model's pretrained_cfg, "
                        "else none)")
    p.add_argument("--std", type=float, nargs="+", default=None, help="per-channel std (with --mean)")
    p.add_argument("--output", default=None, metavar="KEY",
                   help="which part of the model's output holds the class scores: a dict key (e.g. logits) or an "
                        "integer tuple index (e.g. 0) (default: the tensor itself, else 'logits', else the first "
                        "tensor)")
    p.add_argument("--amp", nargs="?", const=True, default=False, choices=(True, "bf16", "fp16"), metavar="bf16|fp16",
                   help="run the model under torch.autocast (bare --amp: bfloat16 on CPU, float16 on CUDA; "
                        "default: off, float32)")


def add_speed_arguments(p: argparse.ArgumentParser, window: bool = True,
                        max_batch_help: str = "images per forward pass", max_batch_default: int | None = None,
                        amp: bool = False) -> None:
    """The speed flags of every command that runs many forward passes, in one place: ``--max-batch``,
    ``--memory-budget``, ``--channels-last``, ``--compile`` (and ``--window``; ``--amp`` for commands without
    :func:`add_model_arguments`, which has it).

    Args:
        p: the subcommand's parser.
        window: add ``--window`` (heat map, layers).
        max_batch_help: what one unit of ``--max-batch`` is (images, perturbed images, basis images, samples).
        max_batch_default: the flag's default (None: from the memory budget and the measured throughput).
        amp: add ``--amp`` too.

    Returns:
        None.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> parser = argparse.ArgumentParser()
        >>> add_speed_arguments(parser, window=False, amp=True)
        >>> a = parser.parse_args(["--channels-last", "--amp", "bf16", "--memory-budget", "2G"])
        >>> a.channels_last, a.compile, a.amp, a.memory_budget, a.max_batch
        (True, False, 'bf16', '2G', None)
    """
    default_text = ("default: from the memory budget, then the fastest of a few sizes timed on the first chunks"
                    if max_batch_default is None else f"default: {max_batch_default}")
    p.add_argument("--max-batch", type=int, default=max_batch_default, help=f"{max_batch_help} ({default_text})")
    p.add_argument("--memory-budget", default=None, metavar="SIZE",
                   help="memory one batch may use, e.g. 2G (default: a quarter of the free RAM, at most 2G on CPU, "
                        "or of the free GPU memory; $FREQLENS_MEMORY_BUDGET sets it too)")
    p.add_argument("--channels-last", action="store_true",
                   help="run the model with channels-last weights and inputs; the model is restored afterwards "
                        "(default: off)")
    p.add_argument("--compile", action="store_true",
                   help="call the model through torch.compile: the first batch compiles (seconds to a minute), "
                        "worth it for long runs; falls back to eager with a note when compiling fails (default: off)")
    if amp:
        p.add_argument("--amp", nargs="?", const=True, default=False, choices=(True, "bf16", "fp16"),
                       metavar="bf16|fp16",
                       help="run the model under torch.autocast (bare --amp: bfloat16 on CPU, float16 on CUDA; "
                            "default: off, float32)")
    if window:
        p.add_argument("--window", type=int, default=None,
                       help="only frequencies with max(|f_u|,|f_v|) ≤ WINDOW (31: the ImageNet 63×63 map; "
                            "default: all)")


def speed_options(args: argparse.Namespace) -> dict:
    """``memory_budget``, ``channels_last`` and ``compile`` from :func:`add_speed_arguments`' flags, as keywords.

    Args:
        args: the parsed arguments.

    Returns:
        A dict for the probes' keywords.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> speed_options(argparse.Namespace(memory_budget="1G", channels_last=True, compile=False))
        {'memory_budget': '1G', 'channels_last': True, 'compile': False}
    """
    return {"memory_budget": getattr(args, "memory_budget", None),
            "channels_last": bool(getattr(args, "channels_last", False)),
            "compile": bool(getattr(args, "compile", False))}


def output_selector(args: argparse.Namespace):
    """``--output`` as the ``output=`` selector: an integer string is a tuple index, anything else a dict key."""
    from freqlens.inference import parse_output

    return parse_output(getattr(args, "output", None))


def normalize_from_args(args: argparse.Namespace):
    """``(mean, std)`` from ``--mean/--std``, or ``None`` (the model's own pretrained_cfg, if any, applies)."""
    mean, std = getattr(args, "mean", None), getattr(args, "std", None)
    if (mean is None) != (std is None):
        raise ConfigError("--mean and --std go together: pass both, one value per channel (e.g. --mean 0.5 --std 0.25)")
    if mean is None:
        return None
    if len(mean) != len(std):
        raise ConfigError(f"--mean has {len(mean)} values but --std has {len(std)}; pass one of each per channel")
    return tuple(mean), tuple(std)


def model_from_args(args: argparse.Namespace, device: torch.device | str | None = None) -> nn.Module:
    """:func:`load_user_model` with ``--model --weights --model-kwargs --seed``."""
    kwargs = dict(_kwarg(t) for t in (getattr(args, "model_kwargs", None) or []))
    return load_user_model(args.model, args.weights, device, kwargs=kwargs, seed=getattr(args, "seed", None))


def _import_factory(spec: str):
    module_name, attr = spec.rsplit(":", 1)
    if module_name.endswith(".py") or os.sep in module_name or "/" in module_name:
        from importlib import util as import_util

        path = Path(module_name)
        if not path.is_file():
            raise ConfigError(f"model file {path} does not exist")
        name = f"_freqlens_user_{path.stem}"
        mspec = import_util.spec_from_file_location(name, path)
        if mspec is None or mspec.loader is None:
            raise ConfigError(f"cannot import {path} as a Python module")
        module = import_util.module_from_spec(mspec)
        sys.modules[name] = module
        try:
            mspec.loader.exec_module(module)
        except Exception as exc:
            first = str(exc).splitlines()[0] if str(exc) else ""
            raise ConfigError(f"importing {path} failed: {type(exc).__name__}: {first}") from exc
    else:
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigError(f"cannot import model module {module_name!r}: {exc}") from exc
    factory = getattr(module, attr, None)
    if factory is None or not callable(factory):
        raise ConfigError(f"{module_name} has no callable {attr!r}")
    return factory


def load_user_model(spec: str, weights: str | None = None, device: torch.device | str | None = None,
                    kwargs: dict | None = None, seed: int | None = None) -> nn.Module:
    """The user's model: ``package.module:factory`` or ``path/to/file.py:factory`` called with ``kwargs`` (after
    ``torch.manual_seed(seed)``), then ``weights`` loaded (``weights_only=True``); or a TorchScript / torch.export
    file.

    Args:
        spec: ``package.module:factory``, ``path/to/file.py:factory``, or a ``.pt``/``.pth`` TorchScript or
            ``.pt2`` torch.export file (their weights are inside).
        weights: a state dict file (see :func:`freqlens.models.cache.load_weights`); without it a factory's
            model keeps its random initial weights, with a notice.
        device: where to put the model.
        kwargs: keyword arguments of the factory.
        seed: seeds torch (and Python's/NumPy's RNG) before the factory runs, so an untrained model is reproducible.

    Returns:
        The model, on ``device``.

    Raises:
        ConfigError: a spec that cannot be imported or called, or that does not return an ``nn.Module``.
        CheckpointError: weights that are missing, corrupt or do not fit.

    Source: freqlens.

    Example:
        >>> load_user_model("torch.nn:Linear", kwargs={"in_features": 2, "out_features": 3}, seed=0).out_features
        3

    The current directory is importable, so ``--model mymodels:build`` finds ``./mymodels.py``.
    """
    from freqlens.models.cache import load_weights
    from freqlens.models.files import load_model_file, looks_like_model_file

    if looks_like_model_file(spec):
        if kwargs:
            raise ConfigError(f"--model-kwargs apply to a factory; {spec} is a saved model")
        model = load_model_file(spec)
        if weights is not None:
            load_weights(model, weights)
        return model.to(device) if device is not None else model
    if ":" not in spec:
        raise ConfigError(f"--model must be package.module:factory, path/to/file.py:factory, or a TorchScript/"
                          f"torch.export file, got {spec!r}")
    factory = _import_factory(spec)
    if seed is not None:
        import random

        import numpy as np

        torch.manual_seed(int(seed))
        random.seed(int(seed))
        np.random.seed(int(seed) % 2**32)
    try:
        model = factory(**(kwargs or {}))
    except TypeError as exc:
        raise ConfigError(f"calling {spec}({', '.join(f'{k}={v!r}' for k, v in (kwargs or {}).items())}) failed: "
                          f"{str(exc).splitlines()[0]}") from exc
    if not isinstance(model, nn.Module):
        raise ConfigError(f"{spec} returned a {type(model).__name__}, not an nn.Module")
    if weights is not None:
        load_weights(model, weights)
    else:
        from freqlens.notices import notice

        notice(f"no --weights: the model from {spec} keeps its random initial weights (untrained); pass "
               "--weights file.pt for a trained model")
    if device is not None:
        model.to(device)
    return model


def load_eval_data(name: str, root: str | None, limit: int | None, seed: int = 0, img_size: int | None = None,
                   crop_pct: float | None = None, model: nn.Module | None = None):
    """Test images and labels of a data set, an .npz or an image folder for probing a trained model.

    An image folder is sized by ``img_size``/``crop_pct``, by default the model's timm ``pretrained_cfg``."""
    from freqlens.data import load_dataset

    if Path(name).is_dir() and model is not None and (img_size is None or crop_pct is None):
        from freqlens.normalization import model_input_config

        cfg = model_input_config(model) or {}
        if img_size is None and "input_size" in cfg:
            img_size = int(cfg["input_size"][-1])
        if crop_pct is None and "crop_pct" in cfg:
            crop_pct = float(cfg["crop_pct"])
    _, _, x, y = load_dataset(name, root=root, test_limit=limit, seed=seed, img_size=img_size,
                              crop_pct=0.875 if crop_pct is None else crop_pct)
    check_rank(x, f"data {name!r}", 4, "images (N, C, H, W)")
    return x, y


def data_from_args(args: argparse.Namespace, limit: int | None = None, model: nn.Module | None = None):
    """:func:`load_eval_data` with ``--data --data-root --limit --seed --img-size --crop-pct``."""
    return load_eval_data(args.data, args.data_root, args.limit if limit is None else limit, args.seed,
                          img_size=getattr(args, "img_size", None), crop_pct=getattr(args, "crop_pct", None),
                          model=model)


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


def check_model_takes_images(model: nn.Module, images: torch.Tensor, normalize=None, output=None,
                             amp: bool | str = False) -> None:
    """Run the model on the first two images and fail with heatmap's one-line error when it cannot take them,
    so a command stops before it writes anything to its output folder.

    Args:
        model: the user's network (on its device).
        images: (N, C, H, W) images in [0, 1]; only the first two are used.
        normalize: the ``normalize=`` argument of the probes (None, a preset name or (mean, std)).
        output: the ``output=`` selector of the model's output (None: the tensor itself).
        amp: autocast as the probes would.

    Returns:
        None.

    Raises:
        InputError: the model raises on images of this shape ("the model cannot take images of shape ...").
        ModelOutputError: the model's output holds no usable logits.

    Source:
        freqlens.

    Example:
        >>> from torch import nn
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
        >>> check_model_takes_images(net, torch.rand(3, 2, 4, 4))
        >>> try:
        ...     check_model_takes_images(net, torch.rand(3, 1, 4, 4))
        ... except Exception as e:
        ...     print(str(e)[:60])
        the model cannot take images of shape (1, 4, 4) (channels, H
    """
    from freqlens.device import eval_mode
    from freqlens.inference import check_model_takes_images as check

    with eval_mode(model), torch.inference_mode():
        check(model, images[:2], None, normalize, output, amp)
