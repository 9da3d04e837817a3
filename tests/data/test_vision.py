import gzip
import pickle
import shutil

import numpy as np
import pytest
import torch

from freqlens.data import load_dataset, load_npz_images
from freqlens.data.vision import load_cifar10, load_mnist, resolve_data_root
from freqlens.errors import ConfigError, DataError


def test_mnist_reads_official_files(mnist_root):
    x, y = load_mnist(mnist_root, train=True)
    assert x.shape == (60000, 1, 28, 28) and y.shape == (60000,)
    assert abs(float(x.mean()) - 0.1307) < 1e-4 and abs(float(x.std()) - 0.3081) < 1e-4
    xt, yt = load_mnist(mnist_root, train=False, limit=100)
    assert xt.shape == (100, 1, 28, 28) and int(yt.max()) <= 9


def test_cifar_reads_rebuilt_batches_and_short_test_set(cifar_root):
    x, y = load_cifar10(cifar_root, train=False)
    assert x.shape[1:] == (3, 32, 32) and x.shape[0] == y.shape[0]
    assert y[:16].tolist() == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1, 0, 9, 5, 7, 9, 8]
    xb, yb = load_cifar10(cifar_root, train=True, batches=(1,))
    assert xb.shape == (10000, 3, 32, 32)
    assert 0.0 <= float(xb.min()) and float(xb.max()) <= 1.0


def _copy_mnist(src, dst):
    raw = dst / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in (src / "MNIST" / "raw").iterdir():
        shutil.copy(f, raw / f.name)
    return raw


def test_mnist_wrong_checksum_and_truncated_gz(mnist_root, tmp_path):
    raw = _copy_mnist(mnist_root, tmp_path)
    f = raw / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(f.read_bytes())
    data[-3] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(DataError, match="checksum"):
        load_mnist(tmp_path, train=False)
    labels = (mnist_root / "MNIST/raw/t10k-labels-idx1-ubyte.gz").read_bytes()
    f.write_bytes(gzip.compress(gzip.decompress(labels)[:500]))
    with pytest.raises(DataError, match="truncated|header"):
        load_mnist(tmp_path, train=False, verify=False)
    g = raw / "t10k-images-idx3-ubyte.gz"
    g.write_bytes(g.read_bytes()[:1000])
    with pytest.raises(DataError, match="gzip|truncated"):
        load_mnist(tmp_path, train=False, verify=False)


def test_missing_files_name_the_root(tmp_path):
    with pytest.raises(DataError, match=str(tmp_path)):
        load_mnist(tmp_path)
    with pytest.raises(DataError, match="cifar-10-batches-py"):
        load_cifar10(tmp_path, train=False)
    with pytest.raises(DataError, match="not a folder"):
        resolve_data_root(tmp_path / "nowhere")


class _Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_cifar_unpickler_refuses_arbitrary_globals(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    (folder / "test_batch").write_bytes(pickle.dumps({"data": _Evil(), "labels": [0]}, protocol=2))
    with pytest.raises(DataError, match="not allowed"):
        load_cifar10(tmp_path, train=False, verify=False)


def test_cifar_structure_checks(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    batch = {"data": np.zeros((4, 3072), dtype=np.uint8), "labels": [0, 1, 2, 11]}
    (folder / "test_batch").write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(DataError, match="labels"):
        load_cifar10(tmp_path, train=False, verify=False)
    batch["labels"] = [0, 1, 2, 3]
    (folder / "test_batch").write_bytes(pickle.dumps(batch, protocol=2))
    x, y = load_cifar10(tmp_path, train=False, verify=False)
    assert x.shape == (4, 3, 32, 32)
    with pytest.raises(DataError, match="checksum"):
        load_cifar10(tmp_path, train=False, verify=True)


def test_npz_and_unknown_dataset(tmp_path):
    p = tmp_path / "d.npz"
    np.savez(p, images=np.random.rand(5, 3, 8, 8).astype(np.float32), labels=np.arange(5))
    x, y = load_npz_images(p)
    assert x.shape == (5, 3, 8, 8) and y.dtype == torch.long
    np.savez(tmp_path / "bad.npz", pictures=np.zeros((2, 1, 4, 4)))
    with pytest.raises(DataError, match="images"):
        load_npz_images(tmp_path / "bad.npz")
    with pytest.raises(ConfigError, match="unknown dataset"):
        load_dataset("imagenet")
