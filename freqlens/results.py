"""Base class for result dataclasses: ``save(path)`` / ``load(path)`` as JSON plus an NPZ for arrays.

A result is a ``@dataclass`` deriving from :class:`Result`. Fields holding NumPy arrays or tensors go to
``<path>.npz`` (written beside the JSON); every other field must be JSON-serialisable (numbers, strings,
lists, dicts). ``plot()`` is delegated to a function in :mod:`freqlens.plot`.

Example::

    @dataclass
    class MyResult(Result):
        epochs: list[int]
        errors: np.ndarray

    r = MyResult([0, 1], np.zeros((2, 3)))
    r.save("out/my.json")           # writes out/my.json and out/my.npz
    r2 = MyResult.load("out/my.json")
"""
from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from freqlens.errors import CheckpointError

T = TypeVar("T", bound="Result")


def _to_jsonable(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None if np.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then ``os.replace``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; give results the usual permissions
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented JSON atomically."""
    atomic_write_bytes(path, (json.dumps(_to_jsonable(obj), indent=2) + "\n").encode())


class Result:
    """Mixin for result dataclasses: JSON for numbers, NPZ beside it for arrays, and a ``plot`` hook."""

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python view of the result (arrays become nested lists)."""
        out = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            if isinstance(v, torch.Tensor):
                v = v.detach().cpu().numpy()
            if isinstance(v, np.ndarray):
                v = v.tolist()
            out[f.name] = _to_jsonable(v)
        return out

    def save(self, path: str | os.PathLike, fingerprint: dict | None = None) -> Path:
        """Write the result to ``path`` (JSON) and its arrays to ``path`` with suffix ``.npz``. Returns the JSON path.

        ``fingerprint`` (:func:`freqlens.fingerprint.fingerprint`) records what produced the result, so a rerun
        reuses it only when it matches (:func:`freqlens.fingerprint.load_if_fresh`)."""
        path = Path(path)
        scalars, arrays = {}, {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            if isinstance(v, torch.Tensor):
                v = v.detach().cpu().numpy()
            if isinstance(v, np.ndarray):
                arrays[f.name] = v
            else:
                scalars[f.name] = v
        payload = {"type": type(self).__name__, "fields": scalars, "arrays": sorted(arrays)}
        if fingerprint is not None:
            payload["fingerprint"] = fingerprint
        if arrays:
            import io

            buf = io.BytesIO()
            np.savez_compressed(buf, **arrays)
            atomic_write_bytes(path.with_suffix(".npz"), buf.getvalue())
        atomic_write_json(path, payload)
        return path

    @classmethod
    def load(cls: type[T], path: str | os.PathLike) -> T:
        """Read a result written by :meth:`save`; raises :class:`CheckpointError` on a missing or corrupt file."""
        path = Path(path)
        try:
            payload = json.loads(path.read_text())
        except FileNotFoundError as exc:
            raise CheckpointError(f"result file {path} does not exist") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CheckpointError(f"result file {path} is not valid JSON: {exc}") from exc
        if payload.get("type") != cls.__name__:
            raise CheckpointError(f"{path} holds a {payload.get('type')!r}, not a {cls.__name__}")
        fields = dict(payload["fields"])
        if payload.get("arrays"):
            npz = path.with_suffix(".npz")
            try:
                with np.load(npz, allow_pickle=False) as data:
                    for name in payload["arrays"]:
                        fields[name] = data[name]
            except (FileNotFoundError, KeyError, ValueError, OSError) as exc:
                raise CheckpointError(f"array file {npz} is missing or corrupt: {exc}") from exc
        return cls(**fields)  # type: ignore[call-arg]

    def plot(self, ax=None):  # pragma: no cover - overridden
        raise NotImplementedError(f"{type(self).__name__} has no plot")
