"""Shared fixtures: the real-data root (tests needing it skip cleanly when absent), a headless backend."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib
import pytest
import torch

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests import helpers such as models_zoo
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


def _data_root() -> Path | None:
    value = os.environ.get("FREQLENS_DATA")
    if not value:
        guess = Path(__file__).resolve().parents[2] / "shared" / "data"
        return guess if guess.is_dir() else None
    path = Path(value)
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def data_root() -> Path:
    root = _data_root()
    if root is None:
        pytest.skip("real data not available (set FREQLENS_DATA to the folder with MNIST/ and cifar-10-batches-py/)")
    return root


@pytest.fixture(scope="session")
def mnist_root(data_root) -> Path:
    if not (data_root / "MNIST" / "raw" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("MNIST files not in the data root")
    return data_root


@pytest.fixture(scope="session")
def cifar_root(data_root) -> Path:
    if not (data_root / "cifar-10-batches-py" / "data_batch_1").is_file():
        pytest.skip("CIFAR-10 files not in the data root")
    return data_root


@pytest.fixture
def one_thread():
    """One intra-op thread for the test: tiny tensors and thousands of steps, where thread hand-offs dominate on a
    busy CPU. Use with ``pytestmark = pytest.mark.usefixtures("one_thread")``."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test opened (recipes and plots return figures; pyplot keeps them alive)."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
