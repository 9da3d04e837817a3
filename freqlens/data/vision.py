"""Readers for MNIST (IDX gz) and CIFAR-10 (python pickles) in torchvision's folder layout, written with NumPy.

Data root: the ``root`` argument, else the ``FREQLENS_DATA`` environment variable. Layout::

    <root>/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
    <root>/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}

Every file is checked: MNIST against the official MD5s; CIFAR-10 against the official MD5s or those listed in
``<root>/MD5SUMS`` (rebuilt batches), plus structure checks. CIFAR pickles go through a restricted unpickler
that allows only NumPy's array reconstruction, so a malicious file cannot run code.
Images come back as float32 in [0, 1], shape (N, C, H, W); labels as int64 (N,).
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
from pathlib import Path

import numpy as np
import torch

from freqlens.errors import ConfigError, DataError, MissingDependencyError

try:  # NumPy 2
    from numpy._core import multiarray as _multiarray
except ImportError:  # NumPy 1
    from numpy.core import multiarray as _multiarray  # type: ignore[no-redef]

MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
CIFAR10_MD5 = {  # official python-version batches
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
    "batches.meta": "5ff9c542aee3614f3951f8cda6e48888",
}
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
MNIST_MEAN, MNIST_STD = (0.1307,), (0.3081,)
CIFAR10_MEAN = (0.49139968, 0.48215841, 0.44653091)
CIFAR10_STD = (0.24703223, 0.24348513, 0.26158784)

_md5_cache: dict[tuple[str, float, int], str] = {}


def resolve_data_root(root: str | os.PathLike | None = None) -> Path:
    """The data folder: ``root`` if given, else ``$FREQLENS_DATA``.

    Args:
        root: a folder path, or None to use ``$FREQLENS_DATA`` (``~`` is expanded).

    Returns:
        The folder as a ``Path``.

    Raises:
        DataError: neither names a folder (one line saying how to give one).

    Source: freqlens.

    Example:
        >>> resolve_data_root("/no/such/folder")
        Traceback (most recent call last):
        ...
        freqlens.errors.DataError: data root /no/such/folder is not a folder
    """
    value = root if root is not None else os.environ.get("FREQLENS_DATA")
    if not value:
        raise DataError("no data root: pass --data-root DIR (or data_root=...) or set FREQLENS_DATA")
    path = Path(value).expanduser()
    if not path.is_dir():
        raise DataError(f"data root {path} is not a folder")
    return path


def _md5(path: Path) -> str:
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime, st.st_size)
    if key not in _md5_cache:
        h = hashlib.md5()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        _md5_cache[key] = h.hexdigest()
    return _md5_cache[key]


def _local_md5s(root: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    f = root / "MD5SUMS"
    if f.is_file():
        for line in f.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2:
                out[Path(parts[1].lstrip("*")).name] = parts[0]
    return out


def _require(path: Path, what: str) -> Path:
    if not path.is_file():
        raise DataError(f"{what}: expected file {path} (data root layout: see freqlens.data.vision)")
    return path


def _read_idx_gz(path: Path, expected_md5: str, verify: bool) -> np.ndarray:
    if verify and _md5(path) != expected_md5:
        raise DataError(f"{path} fails its checksum (MD5 {_md5(path)}, expected {expected_md5}); re-copy the file")
    try:
        with gzip.open(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"{path} is not a readable gzip file ({exc}); it may be truncated") from exc
    if len(raw) < 8 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{path} is not an IDX file of unsigned bytes")
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4).astype(int)
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise DataError(f"{path} holds {data.size} values but its header says {tuple(dims)}; truncated")
    return data.reshape(tuple(dims))


def load_mnist(root=None, train: bool = True, limit: int | None = None, verify: bool = True):
    """MNIST images and labels from the IDX files under ``<root>/MNIST/raw``, checked against the official MD5s.

    Args:
        root: the data root (see :func:`resolve_data_root`).
        train: the 60 000 training images, else the 10 000 test images.
        limit: keep the first ``limit`` images.
        verify: check the MD5s (skip only for files you trust).

    Returns:
        ``(images, labels)``: (N, 1, 28, 28) float32 in [0, 1] and (N,) int64 in 0 … 9.

    Raises:
        DataError: no data root, a missing, truncated or wrongly shaped file, or a failed checksum.

    Source: LeCun et al. 1998 (the MNIST data set); freqlens reader.

    Example:
        >>> load_mnist("/no/such/folder")
        Traceback (most recent call last):
        ...
        freqlens.errors.DataError: data root /no/such/folder is not a folder

    With the data (``FREQLENS_DATA`` set)::

        x, y = load_mnist(train=False, limit=1000)          # (1000, 1, 28, 28), (1000,)
    """
    base = resolve_data_root(root) / "MNIST" / "raw"
    prefix = "train" if train else "t10k"
    names = (f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz")
    img_path, lab_path = (_require(base / n, "MNIST") for n in names)
    images = _read_idx_gz(img_path, MNIST_MD5[names[0]], verify)
    labels = _read_idx_gz(lab_path, MNIST_MD5[names[1]], verify)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.shape != (images.shape[0],):
        raise DataError(f"MNIST files in {base} have shapes {images.shape}, {labels.shape}; expected (N,28,28), (N,)")
    if labels.max() > 9:
        raise DataError(f"MNIST labels in {lab_path} exceed 9")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x = torch.from_numpy(images.astype(np.float32) / 255.0)[:, None]
    return x, torch.from_numpy(labels.astype(np.int64))


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Allows only the globals NumPy needs to rebuild arrays; anything else is refused."""

    _allowed = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("_codecs", "encode"),
    }

    def find_class(self, module, name):
        if (module, name) not in self._allowed:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR-10 batch")
        if module == "_codecs":
            import codecs
            return codecs.encode
        if name in ("_reconstruct", "scalar"):
            return getattr(_multiarray, name)
        return getattr(np, name)


def _read_cifar_pickle(path: Path, expected: set[str], verify: bool) -> dict:
    if verify:
        digest = _md5(path)
        if digest not in expected:
            raise DataError(f"{path} fails its checksum (MD5 {digest} is neither the official nor the MD5SUMS one)")
    try:
        with open(path, "rb") as fh:
            obj = _NumpyOnlyUnpickler(io.BytesIO(fh.read()), encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as exc:
        raise DataError(f"{path} is not a valid CIFAR-10 batch: {exc}") from exc
    if not isinstance(obj, dict):
        raise DataError(f"{path} does not hold a dict")
    return obj


def load_cifar10(root=None, train: bool = True, limit: int | None = None, batches: tuple[int, ...] | None = None,
                 verify: bool = True):
    """CIFAR-10 images and labels from the python pickles under ``<root>/cifar-10-batches-py``.

    Files are checked against the official MD5s (or those listed in ``<root>/MD5SUMS`` for rebuilt batches) and
    read by a restricted unpickler that only rebuilds NumPy arrays.

    Args:
        root: the data root.
        train: read ``data_batch_1..5`` (or those in ``batches``); else ``test_batch``, which may hold fewer than
            10 000 images (never assumed).
        limit: keep the first ``limit`` images (stops reading batches once reached).
        batches: training batch numbers to read (1 … 5).
        verify: check the MD5s.

    Returns:
        ``(images, labels)``: (N, 3, 32, 32) float32 in [0, 1] and (N,) int64 in 0 … 9.

    Raises:
        DataError: no data root, a missing or malformed file, a failed checksum or a pickle that holds more than
            arrays.

    Source: Krizhevsky 2009 (the CIFAR-10 data set); freqlens reader.

    Example:
        >>> load_cifar10("/no/such/folder")
        Traceback (most recent call last):
        ...
        freqlens.errors.DataError: data root /no/such/folder is not a folder

    With the shared data (its test batch holds the first 1000 test images)::

        x, y = load_cifar10(train=False)                     # (1000, 3, 32, 32)
    """
    base = resolve_data_root(root) / "cifar-10-batches-py"
    names = [f"data_batch_{b}" for b in (batches or (1, 2, 3, 4, 5))] if train else ["test_batch"]
    local = _local_md5s(resolve_data_root(root))
    xs, ys, total = [], [], 0
    for name in names:
        path = _require(base / name, "CIFAR-10")
        expected = {CIFAR10_MD5[name]} | ({local[name]} if name in local else set())
        d = _read_cifar_pickle(path, expected, verify)
        data, labels = d.get("data"), d.get("labels", d.get("fine_labels"))
        if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != 3072 or labels is None:
            raise DataError(f"{path}: expected 'data' of shape (N, 3072) and 'labels'")
        labels = np.asarray(labels, dtype=np.int64)
        if labels.shape != (data.shape[0],) or labels.min() < 0 or labels.max() > 9:
            raise DataError(f"{path}: labels must be N integers in 0..9")
        xs.append(data.reshape(-1, 3, 32, 32))
        ys.append(labels)
        total += len(labels)
        if limit is not None and total >= limit:
            break
    x = np.concatenate(xs)
    y = np.concatenate(ys)
    if limit is not None:
        x, y = x[:limit], y[:limit]
    return torch.from_numpy(x.astype(np.float32) / 255.0), torch.from_numpy(y)


def load_torchvision(name: str, root=None, train: bool = True):  # pragma: no cover - optional extra
    """Any torchvision data set by class name (optional extra ``vision``), as images in [0, 1] and labels.

    The set must already be on disk under the data root (``download=False``).

    Args:
        name: a class of ``torchvision.datasets`` (e.g. "FashionMNIST").
        root: the data root.
        train: the training split.

    Returns:
        ``(images, labels)``: (N, C, H, W) float32 in [0, 1] and (N,) int64.

    Raises:
        MissingDependencyError: torchvision is not installed.
        ConfigError: torchvision has no such data set.
        DataError: no data root.

    Source: freqlens adapter around torchvision.

    Example:
        >>> try:
        ...     load_torchvision("NoSuchSet", "/no/such/folder")
        ... except (MissingDependencyError, ConfigError, DataError) as exc:
        ...     print(type(exc).__name__)
        MissingDependencyError
    """
    try:
        import torchvision
    except ImportError as exc:
        raise MissingDependencyError("this data set needs torchvision: pip install 'freqlens[vision]'") from exc
    cls = getattr(torchvision.datasets, name, None)
    if cls is None:
        raise ConfigError(f"torchvision has no data set {name!r}")
    ds = cls(str(resolve_data_root(root)), train=train, download=False)
    x = torch.as_tensor(np.asarray(ds.data))
    x = x.float() / 255.0
    x = x[:, None] if x.ndim == 3 else x.permute(0, 3, 1, 2)
    return x.contiguous(), torch.as_tensor(np.asarray(ds.targets), dtype=torch.long)
