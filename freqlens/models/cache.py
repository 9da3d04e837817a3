"""Train once, reuse: trained weights cached under a folder, keyed by a hash of their configuration.

Example::

    model = cached_model(lambda: SmallCNN(3, 10), lambda m, ckpt: fit(m, data, 5, checkpoint=ckpt, resume=True),
                         config={"name": "smallcnn-natural", "epochs": 5, "n": 5000, "seed": 0},
                         cache_dir="runs/cache")

The training function gets a checkpoint path so an interrupted training resumes. Weights load with
``torch.load(..., weights_only=True)``; a cached file that does not fit the built model is an error.
"""
from __future__ import annotations

import contextlib
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
    """A short stable hash of a JSON-serialisable configuration: 16 hex digits of SHA-256 of the sorted-key JSON.

    Args:
        config: a dict (non-JSON values are hashed through ``str``).

    Returns:
        16 lower-case hex characters; equal for dicts that differ only in key order.

    Raises:
        Nothing for ordinary configurations.

    Source: freqlens.

    Example:
        >>> config_key({"a": 1, "b": 2}) == config_key({"b": 2, "a": 1}), len(config_key({}))
        (True, 16)
    """
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


_WRAPPER_KEYS = ("state_dict", "model_state_dict", "model", "state", "net", "network", "module", "ema",
                 "model_ema")
_PREFIXES = ("module.", "model.", "_orig_mod.", "net.", "network.")


def unwrap_state_dict(state, model_keys) -> dict:
    """The state dict inside a checkpoint: unwraps ``{'state_dict': ...}`` (Lightning ``.ckpt``), ``{'model': ...}``
    and similar, then strips ``module.`` / ``model.`` / ``_orig_mod.`` prefixes that the model's keys lack.

    Args:
        state: what ``torch.load`` returned.
        model_keys: the keys of ``model.state_dict()``.

    Returns:
        A flat ``{name: tensor}`` dict.

    Raises:
        CheckpointError: no dict of tensors inside.

    Source: freqlens.

    Example:
        >>> m = nn.Linear(2, 2)
        >>> sorted(unwrap_state_dict({"state_dict": {"model." + k: v for k, v in m.state_dict().items()},
        ...                           "epoch": 3}, m.state_dict().keys()))
        ['bias', 'weight']
    """
    model_keys = set(model_keys)
    for _ in range(3):
        if not isinstance(state, dict):
            break
        if any(isinstance(v, torch.Tensor) for v in state.values()) and not any(
                k in state and isinstance(state[k], dict) for k in _WRAPPER_KEYS):
            break
        inner = next((state[k] for k in _WRAPPER_KEYS if isinstance(state.get(k), dict)), None)
        if inner is None:
            break
        state = inner
    if not isinstance(state, dict) or not any(isinstance(v, torch.Tensor) for v in state.values()):
        found = sorted(state)[:6] if isinstance(state, dict) else type(state).__name__
        raise CheckpointError(f"no state dict found (top-level keys: {found}); expected tensors by parameter name, "
                              "{'state_dict': ...} or {'model': ...}")
    state = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
    changed = True
    while changed and not set(state) <= model_keys:
        changed = False
        for prefix in _PREFIXES:
            if state and all(k.startswith(prefix) for k in state) or (
                    sum(k.startswith(prefix) for k in state) and
                    {k[len(prefix):] for k in state if k.startswith(prefix)} & model_keys and
                    not {k for k in state if k.startswith(prefix)} & model_keys):
                stripped = {(k[len(prefix):] if k.startswith(prefix) else k): v for k, v in state.items()}
                if len(set(stripped) & model_keys) > len(set(state) & model_keys):
                    state, changed = stripped, True
                    break
    return state


def _first_line(exc: BaseException) -> str:
    import re

    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()        # torch's messages carry terminal colours
    return text.splitlines()[0] if text else type(exc).__name__


def _listing(keys, limit: int = 5) -> str:
    keys = sorted(keys)
    more = f" … (+{len(keys) - limit} more)" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


def load_weights(model: nn.Module, path: str | os.PathLike, map_location=None) -> nn.Module:
    """Load weights from ``path`` into ``model`` (``weights_only=True``), unwrapping common checkpoint layouts.

    Args:
        model: the built model.
        path: a state dict, ``{'state_dict': ...}`` / ``{'model': ...}`` checkpoint or a Lightning ``.ckpt``
            (prefixes such as ``model.`` and ``module.`` are stripped, see :func:`unwrap_state_dict`).
        map_location: passed to ``torch.load`` (default CPU).

    Returns:
        ``model`` with the weights loaded.

    Raises:
        CheckpointError: a missing or corrupt file, or weights that do not fit — naming the missing and
            unexpected keys and the shape mismatches.

    Source: freqlens.

    Example:
        >>> import tempfile
        >>> p = tempfile.mkdtemp() + "/w.pt"
        >>> torch.save({"model": nn.Linear(2, 2).state_dict()}, p)
        >>> type(load_weights(nn.Linear(2, 2), p)).__name__
        'Linear'
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"weights file {path} does not exist")
    try:
        state = torch.load(path, map_location=map_location or "cpu", weights_only=True)
    except Exception as exc:
        text = str(exc)
        if "Weights only load failed" in text and ("GLOBAL" in text or "Unsupported global" in text):
            raise CheckpointError(f"weights file {path} holds a pickled object (e.g. a whole model saved with "
                                  "torch.save(model)), which freqlens does not unpickle (weights_only=True): save "
                                  "model.state_dict() instead, or export the model with torch.jit.save / "
                                  "torch.export and pass that file as --model") from exc
        raise CheckpointError(f"weights file {path} is corrupt or not a PyTorch state dict (read with "
                              f"weights_only=True): {_first_line(exc)}") from exc
    own = model.state_dict()
    try:
        state = unwrap_state_dict(state, own.keys())
    except CheckpointError as exc:
        raise CheckpointError(f"weights file {path}: {exc}") from exc
    missing, unexpected = set(own) - set(state), set(state) - set(own)
    shapes = [f"{k} {tuple(state[k].shape)} in the file vs {tuple(own[k].shape)} in the model"
              for k in sorted(set(own) & set(state)) if tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"missing keys: {_listing(missing)}")
        if unexpected:
            parts.append(f"unexpected keys: {_listing(unexpected)}")
        if shapes:
            parts.append(f"shape mismatches: {'; '.join(shapes[:3])}{' …' if len(shapes) > 3 else ''}")
        raise CheckpointError(f"weights in {path} do not fit {type(model).__name__}: {'; '.join(parts)}")
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise CheckpointError(f"weights in {path} do not fit {type(model).__name__}: {_first_line(exc)}") from exc
    return model


def save_weights(model: nn.Module, path: str | os.PathLike) -> Path:
    """Atomically save ``model.state_dict()`` to ``path`` (loadable with ``weights_only=True``).

    Args:
        model: the model.
        path: destination file (its folder is created).

    Returns:
        ``path`` as a ``Path``.

    Raises:
        OSError: the folder cannot be written.

    Source: freqlens.

    Example:
        >>> import tempfile
        >>> p = save_weights(nn.Linear(2, 2), tempfile.mkdtemp() + "/w.pt")
        >>> type(load_weights(nn.Linear(2, 2), p)).__name__
        'Linear'
    """
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    atomic_write_bytes(path, buf.getvalue())
    return Path(path)


def cached_model(build: Callable[[], nn.Module], train: Callable[[nn.Module, Path], Any], config: dict[str, Any],
                 cache_dir: str | os.PathLike, device: torch.device | str | None = None) -> nn.Module:
    """Build a model and either load its cached trained weights or train it and cache them.

    ``config`` must describe everything that changes the trained weights (data, epochs, seed, augmentation).
    The fingerprint (``config``, the built model's architecture: class, parameter names, shapes, dtypes; and the
    freqlens version) names the file ``<cache_dir>/<config['name']>-<hash>.pt``; the ``.json`` beside it records
    the fingerprint and the trained weights' digest. Cached weights are reused only when both match; otherwise
    (a replaced or foreign file) the model is retrained with a warning. ``train`` gets a checkpoint path so an
    interrupted training resumes; the checkpoint is deleted once the weights are cached.

    Args:
        build: returns a freshly initialised model.
        train: ``train(model, checkpoint_path)`` trains the model in place.
        config: JSON-serialisable description of the training (``name`` names the file).
        cache_dir: the cache folder.
        device: where to put the model (None: where ``build`` puts it).

    Returns:
        The trained model.

    Raises:
        CheckpointError: a cached file that does not fit the built model.

    Source: freqlens.

    Example:
        >>> import tempfile
        >>> calls = []
        >>> def train(model, ckpt):
        ...     calls.append(ckpt.name)
        ...     nn.init.zeros_(model.weight)
        >>> d = tempfile.mkdtemp()
        >>> m1 = cached_model(lambda: nn.Linear(2, 1), train, {"name": "tiny", "epochs": 1}, d)
        >>> m2 = cached_model(lambda: nn.Linear(2, 1), train, {"name": "tiny", "epochs": 1}, d)
        >>> len(calls), float(m2.weight.abs().sum())                # trained once, reused from the cache
        (1, 0.0)
    """
    from freqlens import __version__

    cache_dir = Path(cache_dir)
    model = build()
    if device is not None:
        model.to(device)
    architecture = [type(model).__qualname__] + [f"{k}:{tuple(v.shape)}:{v.dtype}"
                                                 for k, v in model.state_dict().items()]
    fingerprint = {"config": config, "architecture": config_key({"a": architecture}), "freqlens": __version__}
    key = config_key(fingerprint)
    stem = f"{config.get('name', 'model')}-{key}"
    # one process trains a given model at a time (parallel `reproduce --all --jobs`): the others wait, then load it
    with _exclusive(cache_dir, f"{stem}.lock"):
        return _load_or_train(model, build, train, config, fingerprint, cache_dir, stem, device)


@contextlib.contextmanager
def _exclusive(cache_dir: Path, name: str):
    """An exclusive advisory lock on ``<cache_dir>/<name>`` (POSIX ``flock``) for the duration of a ``with`` block;
    no lock where the folder cannot be written or ``fcntl`` is missing (a single process needs none)."""
    try:
        import fcntl
        cache_dir.mkdir(parents=True, exist_ok=True)
        handle = open(cache_dir / name, "a")   # noqa: SIM115 - closed in the finally below
    except (ImportError, OSError):   # Windows, or a read-only cache: parallel reproduction is not offered there
        yield
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        handle.close()               # closing the file releases the lock


def _load_or_train(model: nn.Module, build, train, config: dict[str, Any], fingerprint: dict[str, Any],
                   cache_dir: Path, stem: str, device) -> nn.Module:
    """The body of :func:`cached_model`, run under its lock: load the cached weights when their record matches,
    else train and cache them."""
    from freqlens.fingerprint import model_digest

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
