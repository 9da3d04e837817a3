"""FilteringTracker overhead on 10 000 MNIST images (MNIST-1D if the data root is absent) with a 784-400-200-10
tanh MLP: tracker time per evaluated epoch / training-epoch time (target ≤ 0.5), and speed-up over a naive
tracker that recomputes the distances every epoch (target ≥ 10×). The one-time precompute is reported.
"""
from __future__ import annotations

import os
import time

import torch
from _common import best_of, machine

from freqlens.data import load_mnist1d
from freqlens.data.vision import load_mnist
from freqlens.dynamics import FilteringTracker
from freqlens.errors import DataError
from freqlens.models import MLP
from freqlens.train import fit


def naive_filtering(x: torch.Tensor, y: torch.Tensor, h: torch.Tensor, delta: float):
    """What a tracker without precomputation does every epoch: distances, kernel, then the errors."""
    d2 = torch.cdist(x, x).pow(2)
    k = torch.exp(-d2 / (2 * delta))
    k = k / k.sum(1, keepdim=True)
    yl, hl = k @ y, k @ h
    return float((hl - yl).norm() / yl.norm()), float(((h - hl) - (y - yl)).norm() / (y - yl).norm())


def main() -> None:
    try:
        x, y = load_mnist(os.environ.get("FREQLENS_DATA"), train=True, limit=10_000)
        x = x.flatten(1)
        name = "MNIST"
    except DataError:
        x, y, _, _ = load_mnist1d(num_samples=12_500)
        x, y = x[:10_000], y[:10_000]
        name = "MNIST-1D"
    torch.manual_seed(0)
    model = MLP(x.shape[1], 10, widths=[400, 200], activation="tanh")
    start = time.perf_counter()
    tracker = FilteringTracker(x, y, [10.0])
    precompute = time.perf_counter() - start
    t_epoch = best_of(lambda: fit(model, (x, y), 1, batch_size=128, lr=1e-4, progress=False), repeat=2)
    t_track = best_of(lambda: tracker.measure(model), repeat=3)
    yy = torch.nn.functional.one_hot(y, 10).float()
    h = torch.softmax(model(x), 1).detach()
    t_naive = best_of(lambda: naive_filtering(x, yy, h, 10.0), repeat=1)
    print(f"machine: {machine()}")
    print(f"filtering tracker on {len(x)} {name} samples, 784-400-200-10 tanh MLP, batch 128")
    print(f"  one-time kernel precompute: {precompute:.2f} s")
    print(f"  training epoch {t_epoch:.3f} s, tracker per evaluated epoch {t_track:.3f} s -> ratio "
          f"{t_track / t_epoch:.3f} (target <= 0.5: {'ok' if t_track / t_epoch <= 0.5 else 'FAIL'})")
    print(f"  naive recomputation {t_naive:.3f} s -> tracker is {t_naive / t_track:.1f}x faster "
          f"(target >= 10x: {'ok' if t_naive / t_track >= 10 else 'FAIL'})")


if __name__ == "__main__":
    main()
