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
from collections.abc import Callable
from pathlib import Path
from typing import Any

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

    ``config`` must describe everything that changes the trained weights (architecture, data, epochs, seed,
    augmentation); its hash names the file ``<cache_dir>/<config['name']>-<hash>.pt``.
    """
    cache_dir = Path(cache_dir)
    key = config_key(config)
    stem = f"{config.get('name', 'model')}-{key}"
    weights = cache_dir / f"{stem}.pt"
    model = build()
    if device is not None:
        model.to(device)
    if weights.is_file():
        load_weights(model, weights, map_location=device)
        return model
    cache_dir.mkdir(parents=True, exist_ok=True)
    train(model, cache_dir / f"{stem}.ckpt")
    save_weights(model, weights)
    atomic_write_json(cache_dir / f"{stem}.json", config)
    ckpt = cache_dir / f"{stem}.ckpt"
    if ckpt.exists():
        ckpt.unlink()
    return model
