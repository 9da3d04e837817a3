"""Cost of the layer spectral-norm callback relative to a training epoch (spec A0.4 / issue 5).

Setting: the spectral-bias toy problem — a 6-layer width-256 ReLU MLP, 200 grid points, full-batch Adam 3e-4,
so one epoch is one optimiser step. We train ``EPOCHS`` epochs three times in the same run:
  1. no callback (baseline epoch time),
  2. SpectralNormTracker(method="power") — power iteration warm-started from the previous right singular vector,
  3. SpectralNormTracker(method="svd") — torch.linalg.matrix_norm(W, 2) on every record,
each recording every epoch (the worst case) and every 100 epochs (the paper's record period), and compare the
per-record values of 2 and 3 (relative agreement). Prints ratios against the baseline measured here and the
machine. Run: ``python benchmarks/spectral_norms.py``.
"""
from __future__ import annotations

import math
import os
import platform
import time

import numpy as np
import torch

from freqlens.dynamics.spectral_bias import SpectralNormTracker
from freqlens.models import MLP
from freqlens.train import fit

EPOCHS = int(os.environ.get("BENCH_EPOCHS", "400"))


def run(callbacks, seed=0):
    torch.manual_seed(seed)
    net = MLP(1, 1, width=256, depth=5, activation="relu")
    z = torch.arange(200, dtype=torch.float32)[:, None] / 200
    y = torch.sin(2 * math.pi * 5 * z) + torch.sin(2 * math.pi * 25 * z)
    t = time.perf_counter()
    fit(net, (z, y), epochs=EPOCHS, lr=3e-4, callbacks=callbacks, progress=False)
    return time.perf_counter() - t


def main() -> None:
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, torch {torch.__version__}, threads {torch.get_num_threads()}")
    print(f"6-layer width-256 ReLU MLP, 200 points, full batch, {EPOCHS} epochs (1 step each)")
    run([])  # warm-up
    base = min(run([]) for _ in range(2))
    per_epoch = base / EPOCHS
    print(f"baseline epoch: {per_epoch * 1e3:.2f} ms")
    for every in (1, 100):
        power = SpectralNormTracker(every=every, method="power")
        svd = SpectralNormTracker(every=every, method="svd")
        t_power = run([power]) - base
        t_svd = run([svd]) - base
        agree = float(np.max(np.abs(np.asarray(power.norms) - np.asarray(svd.norms)) / np.asarray(svd.norms)))
        n_rec = len(power.steps)
        print(f"record every {every:>3} epoch(s): {n_rec} records")
        print(f"  power (warm start): {max(t_power, 0) / n_rec * 1e3:7.2f} ms/record, "
              f"{max(t_power, 0) / base * 100:6.2f} % of training time, SVD fallbacks {power.fallbacks}")
        print(f"  full SVD          : {max(t_svd, 0) / n_rec * 1e3:7.2f} ms/record, "
              f"{max(t_svd, 0) / base * 100:6.2f} % of training time")
        print(f"  power / SVD cost ratio: {max(t_power, 1e-9) / max(t_svd, 1e-9):.2f}; "
              f"max relative disagreement {agree:.2e} (target ≤ 1e-4)")


if __name__ == "__main__":
    main()
