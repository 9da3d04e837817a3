"""Base class for result dataclasses: ``save(path)`` / ``load(path)`` as JSON plus an NPZ for arrays.

A result is a ``@dataclass`` deriving from :class:`Result`. Fields holding NumPy arrays or tensors go to
``<path>.npz`` (written beside the JSON); every other field must be JSON-serialisable (numbers, strings,
lists, dicts). ``plot()`` is delegated to a function in :mod:`freqlens.plot`.

Example (see :class:`Result` for one that runs)::

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
    """Write ``data`` to ``path`` atomically: a temporary file in the same folder, fsync, then ``os.replace``.

    A reader never sees a half-written file; the parent folder is created; the file gets the usual permissions
    (0666 minus the umask).

    Args:
        path: destination file.
        data: the bytes.

    Returns:
        None.

    Raises:
        OSError: the folder cannot be created or written (the temporary file is removed).

    Source: freqlens.

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "sub", "x.bin")
        >>> atomic_write_bytes(p, b"abc"); open(p, "rb").read()
        b'abc'
    """
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
    """Write ``obj`` as indented JSON atomically (NumPy scalars become numbers, NaN becomes null, ±inf "inf"/"-inf").

    Args:
        path: destination file.
        obj: JSON-serialisable data (dicts, lists, numbers, strings; NumPy scalars allowed).

    Returns:
        None.

    Raises:
        TypeError: ``obj`` holds something JSON cannot encode.
        OSError: as :func:`atomic_write_bytes`.

    Source: freqlens.

    Example:
        >>> import tempfile, os, json
        >>> p = os.path.join(tempfile.mkdtemp(), "x.json")
        >>> atomic_write_json(p, {"a": np.float32(0.5), "b": float("nan")}); json.load(open(p))
        {'a': 0.5, 'b': None}
    """
    atomic_write_bytes(path, (json.dumps(_to_jsonable(obj), indent=2) + "\n").encode())


#: Every Result subclass by its saved type tag (the class name); filled by ``Result.__init_subclass__``.
_REGISTRY: dict[str, type] = {}

#: Where each built-in Result subclass lives, so that :func:`load` imports only the module it needs.
#: ``tests/test_results.py`` checks this table against every subclass in the package.
RESULT_MODULES: dict[str, str] = {
    "AttackResult": "freqlens.attacks.result",
    "BandNoiseResult": "freqlens.probes.noise",
    "ComparisonResult": "freqlens.report.compare",
    "CorruptionRows": "freqlens.report.sections.corruptions",
    "DefenseEvaluation": "freqlens.probes.defense",
    "FastTrainHistory": "freqlens.train_fast",
    "FeatureSpectra": "freqlens.probes.feature_spectra",
    "FilteredAccuracy": "freqlens.probes.filtering",
    "FilteringHistory": "freqlens.dynamics.fprinciple",
    "FitHistory": "freqlens.train",
    "HFCAccuracy": "freqlens.probes.hfc",
    "HFCCurves": "freqlens.dynamics.hfc",
    "HFCExampleNull": "freqlens.probes.hfc",
    "HFCExamples": "freqlens.probes.hfc",
    "HeatmapResult": "freqlens.probes.heatmap",
    "KernelFlowResult": "freqlens.theory.integral_kernels",
    "KernelSpectra": "freqlens.probes.layers",
    "LFPDynamics": "freqlens.theory.lfp",
    "LayerResponse": "freqlens.probes.layers",
    "LineAttenuation": "freqlens.probes.post_averaging_spectrum",
    "MinFPNormSolution": "freqlens.theory.lfp",
    "PerturbationRobustness": "freqlens.dynamics.spectral_bias",
    "PerturbationSpectrumResult": "freqlens.probes.perturbation_spectra",
    "ProjectionResult": "freqlens.dynamics.fprinciple",
    "RadiusTradeoff": "freqlens.probes.defense",
    "RandomFeatureTraining": "freqlens.dynamics.random_features",
    "ReportResult": "freqlens.report",
    "SpectralNormHistory": "freqlens.dynamics.spectral_bias",
    "SpectrumHistory": "freqlens.dynamics.spectral_bias",
    "TransferFunctionResult": "freqlens.fourier.ball_average",
}

#: Type tags written before a class was renamed: old tag -> {a field only that class has: new class name}.
LEGACY_TYPES: dict[str, dict[str, str]] = {
    # two classes were both called FilteringResult until issue 13
    "FilteringResult": {"epochs": "FilteringHistory", "bandwidths": "FilteredAccuracy"},
}


def _read_payload(path: Path) -> dict:
    try:
        payload = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise CheckpointError(f"result file {path} does not exist") from exc
    except IsADirectoryError as exc:
        raise CheckpointError(f"result file {path} is a folder; pass the .json file a result was saved to") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"result file {path} is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("fields"), dict):
        raise CheckpointError(f"{path} is not a freqlens result file (no 'fields' object); "
                              "pass a .json written by a result's save()")
    return payload


def _saved_type(payload: dict, path: Path) -> str:
    """The class name a payload was saved as, resolving pre-rename tags by their fields."""
    tag = payload.get("type")
    if not isinstance(tag, str) or not tag:
        raise CheckpointError(f"{path} has no result type tag; pass a .json written by a result's save()")
    if tag in LEGACY_TYPES:
        names = set(payload["fields"]) | set(payload.get("arrays") or [])
        for marker, new in LEGACY_TYPES[tag].items():
            if marker in names:
                return new
    return tag


class Result:
    """Mixin for result dataclasses: JSON for numbers, NPZ beside it for arrays, and a ``plot`` hook.

    Each subclass is registered under its class name (the type tag its files carry), so :func:`freqlens.load` can
    return the right class; two subclasses with the same name are refused.

    Args:
        (none of its own): a subclass is a ``@dataclass`` whose fields are its arguments.

    Attributes:
        to_dict(): plain-Python view (arrays become lists).
        save(path, fingerprint=None): writes ``path`` (JSON) and ``path.npz`` (arrays); returns the JSON path.
        load(path): classmethod reading a file written by ``save`` of the same class.
        plot(ax=None): draws the result (subclasses delegate to :mod:`freqlens.plot`).

    Raises:
        TypeError: at class creation, when another Result subclass already has the same name.
        CheckpointError: from ``load``, on a missing, corrupt or other-type file.

    Source: freqlens.

    Example:
        >>> import tempfile, os
    >>> from freqlens.theory.lfp import LFPDynamics            # a Result subclass
    >>> r = LFPDynamics(np.zeros(2), np.zeros((3, 1)), np.zeros((2, 3)), np.ones(2), np.zeros(3))
    >>> path = r.save(os.path.join(tempfile.mkdtemp(), "r.json"))
    >>> sorted(os.listdir(path.parent)), LFPDynamics.load(path).predictions.shape
    (['r.json', 'r.npz'], (2, 3))
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        name = cls.__name__
        prev = _REGISTRY.get(name)
        if prev is not None and (prev.__module__, prev.__qualname__) != (cls.__module__, cls.__qualname__):
            raise TypeError(f"two Result classes are named {name} ({prev.__module__} and {cls.__module__}); "
                            "saved files could not tell them apart: rename one")
        _REGISTRY[name] = cls

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
        """Read a result written by :meth:`save`; raises :class:`CheckpointError` on a missing or corrupt file,
        or on a file that holds another result type (the message names both)."""
        path = Path(path)
        payload = _read_payload(path)
        saved = _saved_type(payload, path)
        if saved != cls.__name__:
            raise CheckpointError(f"{path} holds a {saved}, not a {cls.__name__}; load it with "
                                  f"{saved}.load or freqlens.load")
        return cls._from_payload(payload, path)

    @classmethod
    def _from_payload(cls: type[T], payload: dict, path: Path) -> T:
        fields = dict(payload["fields"])
        if payload.get("arrays"):
            npz = path.with_suffix(".npz")
            try:
                with np.load(npz, allow_pickle=False) as data:
                    for name in payload["arrays"]:
                        fields[name] = data[name]
            except (FileNotFoundError, KeyError, ValueError, OSError) as exc:
                raise CheckpointError(f"array file {npz} is missing or corrupt: {exc}") from exc
        known = {f.name for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
        required = {f.name for f in dataclasses.fields(cls)  # type: ignore[arg-type]
                    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and f.init}
        extra, missing = sorted(set(fields) - known), sorted(required - set(fields))
        if extra or missing:
            raise CheckpointError(f"{path} does not match {cls.__name__} (unknown fields {extra}, missing {missing}); "
                                  "it was written by another type or version")
        return cls(**fields)  # type: ignore[call-arg]

    def plot(self, ax=None):  # pragma: no cover - overridden
        raise NotImplementedError(f"{type(self).__name__} has no plot")


def result_class(name: str) -> type:
    """The Result subclass saved under type tag ``name`` (importing its module if needed).

    Args:
        name: a class name as written in a result file's ``"type"`` (e.g. ``"HeatmapResult"``).

    Returns:
        The class (a subclass of :class:`Result`).

    Raises:
        CheckpointError: no Result subclass has that name.

    Source:
        freqlens.

    Example:
        >>> result_class("FilteredAccuracy").__name__
        'FilteredAccuracy'
    """
    if name not in _REGISTRY and name in RESULT_MODULES:
        import importlib

        importlib.import_module(RESULT_MODULES[name])
    if name not in _REGISTRY:
        raise CheckpointError(f"unknown result type {name!r}; known types: {', '.join(sorted(RESULT_MODULES))} "
                              "(a user-defined result must be imported before loading)")
    return _REGISTRY[name]


def load(path: str | os.PathLike) -> Result:
    """Read any result written by ``Result.save``, returning an instance of the class that saved it.

    Files written before a class was renamed (``"FilteringResult"``) are read as the new class.

    Args:
        path: the ``.json`` file ``save`` wrote (arrays are read from the ``.npz`` beside it).

    Returns:
        The result, e.g. a :class:`~freqlens.probes.heatmap.HeatmapResult` or a
        :class:`~freqlens.dynamics.fprinciple.FilteringHistory`.

    Raises:
        CheckpointError: the file is missing, not JSON, not a result file, of an unknown type, or its
            fields do not match its type (one line each).

    Source:
        freqlens.

    Example:
        >>> import tempfile, os
        >>> from freqlens.probes.filtering import FilteredAccuracy
        >>> path = os.path.join(tempfile.mkdtemp(), "f.json")
        >>> _ = FilteredAccuracy(bandwidths=[3], accuracy={"low": [0.5]}).save(path)
        >>> type(load(path)).__name__
        'FilteredAccuracy'
    """
    path = Path(path)
    payload = _read_payload(path)
    return result_class(_saved_type(payload, path))._from_payload(payload, path)
