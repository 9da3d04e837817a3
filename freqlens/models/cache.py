"""Train once, reuse: trained weights cached under a folder, keyed by a hash of their configuration.

Example::

    model = cached_model(lambda: SmallCNN(3, 10), lambda m, ckpt: fit(m, data, 5, checkpoint=ckpt, resume=True),
                         config={"name": "smallcnn-natural", "epochs": 5, "n": 5000, "seed": 0},
                         cache_dir="runs/cache")

The training function gets a checkpoint path so an interrupted training resumes. Weights load with
``torch.load(..., weights_only=True)``; a cached file that does not fit the built model is an error.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from freqlens.errors import CheckpointError
from freqlens.results import atomic_write_bytes, atomic_write_json


def config_key(config: dict[str, Any]) -> str:
    """A short stable hash of a JSON-serialisable configuration."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


def load_weights(model: nn.Module, path: str | os.PathLike, map_location=None) -> nn.Module:
    """Load a state dict from ``path`` into ``model`` (``weights_only=True``); one-line errors on bad files."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"weights file {path} does not exist")
    try:
        state = torch.load(path, map_location=map_location or "cpu", weights_only=True)
    except Exception as exc:
        raise CheckpointError(f"weights file {path} is corrupt or not a PyTorch state dict: "
                              f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
    if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
        state = state["model"]
    if not isinstance(state, dict):
        raise CheckpointError(f"weights file {path} does not hold a state dict")
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise CheckpointError(f"weights in {path} do not fit {type(model).__name__}: {first}") from exc
    return model


def save_weights(model: nn.Module, path: str | os.PathLike) -> Path:
    """Atomically save ``model.state_dict()`` to ``path``."""
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    atomic_write_bytes(path, buf.getvalue())
    return Path(path)


def cached_model(build: Callable[[], nn.Module], train: Callable[[nn.Module, Path], Any], config: dict[str, Any],
                 cache_dir: str | os.PathLike, device: torch.device | str | None = None) -> nn.Module:
    """Build a model and either load its cached trained weights or train it and cache them.

    ``config`` must describe everything that changes the trained weights (data, epochs, seed, augmentation).
    The fingerprint — ``config``, the built model's architecture (class, parameter names, shapes, dtypes) and
    the freqlens version — names the file ``<cache_dir>/<config['name']>-<hash>.pt``; the ``.json`` beside it
    records the fingerprint and the trained weights' digest. Cached weights are reused only when both match;
    otherwise (a replaced or foreign file) the model is retrained with a warning.
    """
    from freqlens import __version__
    from freqlens.fingerprint import model_digest

    cache_dir = Path(cache_dir)
    model = build()
    if device is not None:
        model.to(device)
    architecture = [type(model).__qualname__] + [f"{k}:{tuple(v.shape)}:{v.dtype}"
                                                 for k, v in model.state_dict().items()]
    fingerprint = {"config": config, "architecture": config_key({"a": architecture}), "freqlens": __version__}
    key = config_key(fingerprint)
    stem = f"{config.get('name', 'model')}-{key}"
    weights = cache_dir / f"{stem}.pt"
    sidecar = cache_dir / f"{stem}.json"
    if weights.is_file():
        load_weights(model, weights, map_location=device)
        try:
            saved = json.loads(sidecar.read_text())
        except (OSError, ValueError):
            saved = {}
        if saved.get("fingerprint") == fingerprint and saved.get("weights") == model_digest(model):
            return model
        import warnings

        warnings.warn(f"cached weights {weights} do not match their record (changed or written by another "
                      "configuration); retraining", stacklevel=2)
        model = build()
        if device is not None:
            model.to(device)
    cache_dir.mkdir(parents=True, exist_ok=True)
    train(model, cache_dir / f"{stem}.ckpt")
    save_weights(model, weights)
    atomic_write_json(sidecar, {**config, "fingerprint": fingerprint, "weights": model_digest(model)})
    ckpt = cache_dir / f"{stem}.ckpt"
    if ckpt.exists():
        ckpt.unlink()
    return model
