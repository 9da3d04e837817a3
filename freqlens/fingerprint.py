"""Fingerprints of what produced a saved result, so a rerun reuses it only when nothing that changes the numbers
has changed: the model's weights, the data, the settings and the freqlens version.

A fingerprint is a small JSON-able dict ``{"model": ..., "data": ..., "settings": {...}, "freqlens": ...}`` of
short SHA-256 digests and plain values. :func:`difference` names the first entry that differs, for a note
("recomputed: the model weights differ") or a one-line refusal.

Example:
    >>> import torch
    >>> a = fingerprint(model=torch.nn.Linear(2, 2), images=torch.zeros(3, 2), eps=4.0)
    >>> difference(a, dict(a, settings={"eps": 8.0}))
    'settings.eps (4.0 saved, 8.0 now)'
    >>> difference(a, a) is None
    True
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

_DIGEST_CHARS = 16


def tensor_digest(t: Any) -> str:
    """A short SHA-256 of a tensor's or array's dtype, shape and bytes (bit-exact; device-independent).

    Args:
        t: a tensor or array of any shape and dtype (bfloat16 is hashed through float32).

    Returns:
        16 hex characters.

    Raises:
        Nothing on tensors; ``TypeError`` from NumPy on objects that are not arrays.

    Source: freqlens.

    Example:
        >>> tensor_digest(torch.zeros(2)) == tensor_digest(torch.zeros(2))
        True
        >>> tensor_digest(torch.zeros(2)) == tensor_digest(torch.zeros(2, dtype=torch.float64))
        False
    """
    h = hashlib.sha256()
    if isinstance(t, torch.Tensor):
        t = t.detach()
        h.update(f"{t.dtype}|{tuple(t.shape)}".encode())
        if t.dtype == torch.bfloat16:
            t = t.float()
        arr = t.cpu().contiguous().numpy()
    else:
        arr = np.ascontiguousarray(np.asarray(t))
        h.update(f"{arr.dtype}|{arr.shape}".encode())
    h.update(arr.tobytes())
    return h.hexdigest()[:_DIGEST_CHARS]


def model_digest(model: nn.Module) -> str:
    """A short SHA-256 of a model's class name and every ``state_dict`` entry (names, shapes, values).

    Args:
        model: any ``nn.Module``.

    Returns:
        16 hex characters; equal for two models with the same class and bit-identical weights and buffers.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> torch.manual_seed(0); a = torch.nn.Linear(2, 2)  # doctest: +ELLIPSIS
        <...>
        >>> torch.manual_seed(1); b = torch.nn.Linear(2, 2)  # doctest: +ELLIPSIS
        <...>
        >>> model_digest(a) == model_digest(b)
        False
    """
    h = hashlib.sha256(type(model).__qualname__.encode())
    for name, value in model.state_dict().items():
        h.update(name.encode())
        h.update(tensor_digest(value).encode() if isinstance(value, torch.Tensor) else repr(value).encode())
    return h.hexdigest()[:_DIGEST_CHARS]


def file_digest(path: str | os.PathLike) -> str:
    """Identity of a file: its resolved path, size and modification time (cheap; no read of the contents).

    Args:
        path: an existing file or folder.

    Returns:
        16 hex characters.

    Raises:
        FileNotFoundError when ``path`` does not exist.

    Source: freqlens.

    Example:
        >>> len(file_digest(__file__))
        16
    """
    p = Path(path).resolve()
    st = p.stat()
    return hashlib.sha256(f"{p}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:_DIGEST_CHARS]


def value_digest(value: Any) -> Any:
    """A JSON-able stand-in for a setting: numbers, strings, None, lists and dicts as they are; tensors and arrays
    by :func:`tensor_digest`; modules by :func:`model_digest`; other callables by their qualified name and, for
    Python functions, a digest of their byte code and constants (so two different lambdas differ).

    Args:
        value: any setting (``normalize`` callable, ``(mean, std)``, bounds, eps, ...).

    Returns:
        A value that ``json.dumps`` accepts and that is equal for equal settings.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> value_digest((0.5, [1, 2]))
        [0.5, [1, 2]]
        >>> value_digest(lambda x: x) == value_digest(lambda x: 2 * x)
        False
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else repr(value)
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return "tensor:" + tensor_digest(value)
    if isinstance(value, nn.Module):
        return f"module:{type(value).__qualname__}:{model_digest(value)}"
    if isinstance(value, (list, tuple)):
        return [value_digest(v) for v in value]
    if isinstance(value, dict):
        return {str(k): value_digest(v) for k, v in value.items()}
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if callable(value):
        name = getattr(value, "__qualname__", type(value).__qualname__)
        code = getattr(value, "__code__", None)
        if code is not None:
            h = hashlib.sha256(code.co_code)
            h.update(repr(code.co_consts).encode())
            return f"callable:{name}:{h.hexdigest()[:_DIGEST_CHARS]}"
        state = getattr(value, "__dict__", None)
        return f"callable:{name}:{value_digest(state) if isinstance(state, dict) else ''}"
    return repr(value)


def fingerprint(model: nn.Module | None = None, images: Any = None, labels: Any = None, **settings: Any) -> dict:
    """What produced a result: the model weights, the data, every setting that changes the numbers, the version.

    Args:
        model: the model (``None`` when the result does not depend on one).
        images, labels: the data as tensors/arrays (``None`` when not used); hashed bit-exactly.
        **settings: every other input that changes the numbers (eps, seed, bounds, normalize, probe name, ...).

    Returns:
        ``{"model": digest|None, "data": digest|None, "settings": {...}, "freqlens": version}``.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> sorted(fingerprint(eps=4.0))
        ['data', 'freqlens', 'model', 'settings']
    """
    from freqlens import __version__

    data = None
    if images is not None or labels is not None:
        data = "+".join(tensor_digest(t) if t is not None else "-" for t in (images, labels))
    return {"model": None if model is None else model_digest(model), "data": data,
            "settings": {k: value_digest(v) for k, v in sorted(settings.items())}, "freqlens": __version__}


_WHAT = {"model": "the model weights", "data": "the data", "freqlens": "the freqlens version"}


def difference(saved: dict | None, current: dict) -> str | None:
    """The first entry where ``saved`` and ``current`` differ, in words; ``None`` when they match.

    Args:
        saved: the fingerprint stored with a result (``None``: the result has none, e.g. an older file).
        current: the fingerprint of this run.

    Returns:
        ``None`` or a short phrase such as ``"the model weights"`` or ``"settings.eps (4.0 saved, 8.0 now)"``.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> difference(None, fingerprint())
        'no fingerprint was saved with it'
    """
    if not isinstance(saved, dict):
        return "no fingerprint was saved with it"
    for key in ("model", "data", "freqlens"):
        if saved.get(key) != current.get(key):
            if key == "freqlens":
                return f"the freqlens version ({saved.get(key)} saved, {current.get(key)} now)"
            return _WHAT[key]
    old, new = saved.get("settings") or {}, current.get("settings") or {}
    for key in sorted(set(old) | set(new)):
        if json.dumps(old.get(key), sort_keys=True) != json.dumps(new.get(key), sort_keys=True):
            return f"settings.{key} ({_short(old.get(key))} saved, {_short(new.get(key))} now)"
    return None


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."


def saved_fingerprint(path: str | os.PathLike) -> dict | None:
    """The fingerprint stored in a result JSON written by ``Result.save(path, fingerprint=...)``; ``None`` if absent.

    Args:
        path: a result ``.json`` file.

    Returns:
        The stored fingerprint dict, or ``None`` (no file, unreadable, or saved without one).

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> saved_fingerprint("no/such/file.json") is None
        True
    """
    try:
        payload = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    fp = payload.get("fingerprint") if isinstance(payload, dict) else None
    return fp if isinstance(fp, dict) else None


def load_if_fresh(path: str | os.PathLike, result_type, current: dict):
    """Load the result saved at ``path`` only when its fingerprint matches ``current``.

    Args:
        path: a result ``.json`` written by ``Result.save(path, fingerprint=...)``.
        result_type: the :class:`freqlens.results.Result` subclass to load.
        current: the fingerprint of this run (:func:`fingerprint`).

    Returns:
        ``(result, None)`` when reusable; ``(None, reason)`` when the file exists but was made by something else
        (``reason`` names the difference, e.g. ``"the model weights"``); ``(None, None)`` when there is no file.

    Raises:
        CheckpointError when the file matches but is corrupt.

    Source: freqlens.

    Example:
        >>> load_if_fresh("no/such/file.json", object, fingerprint())
        (None, None)
    """
    path = Path(path)
    if not path.exists():
        return None, None
    diff = difference(saved_fingerprint(path), current)
    if diff is not None:
        return None, diff
    return result_type.load(path), None


__all__ = ["tensor_digest", "model_digest", "file_digest", "value_digest", "fingerprint", "difference",
           "saved_fingerprint", "load_if_fresh"]
