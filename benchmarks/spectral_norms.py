"""Cost of the layer spectral-norm callback relative to a training epoch (issue 5).

Setting: the spectral-bias toy problem — a 6-layer width-256 ReLU MLP, 200 grid points, full-batch Adam 3e-4,
so one epoch is one optimiser step. We train ``EPOCHS`` epochs three times in the same run:
  1. no callback (baseline epoch time),
  2. SpectralNormTracker(method="power") — power iteration warm-started from the previous right singular vector,
  3. SpectralNormTracker(method="svd") — torch.linalg.matrix_norm(W, 2) on every record,
each recording every epoch (the worst case) and every 100 epochs (the paper's record period). The time inside
the callback is measured directly (wrapping its hooks), so the ratio "callback / epoch" does not depend on the
difference of two noisy runs; the per-record values of 2 and 3 are compared (relative agreement). Prints the
machine. Run: ``python benchmarks/spectral_norms.py``.
"""
from __future__ import annotations

import math
import os
import time

import numpy as np
import torch
from _common import machine

from freqlens.dynamics.spectral_bias import SpectralNormTracker
from freqlens.models import MLP
from freqlens.train import fit

EPOCHS = int(os.environ.get("BENCH_EPOCHS", "400"))


class Timed:
    """Wraps a callback and accumulates the wall time spent inside its hooks."""

    def __init__(self, inner):
        self.inner, self.seconds = inner, 0.0

    def __getattr__(self, name):
        attr = getattr(self.inner, name)
        if not name.startswith("on_"):
            return attr

        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t
        return timed


def run(callbacks, seed=0):
    torch.manual_seed(seed)
    net = MLP(1, 1, width=256, depth=5, activation="relu")
    z = torch.arange(200, dtype=torch.float32)[:, None] / 200
    y = torch.sin(2 * math.pi * 5 * z) + torch.sin(2 * math.pi * 25 * z)
    t = time.perf_counter()
    fit(net, (z, y), epochs=EPOCHS, lr=3e-4, callbacks=callbacks, progress=False)
    return time.perf_counter() - t


def main() -> None:
    print(f"machine: {machine()}")
    print(f"6-layer width-256 ReLU MLP, 200 points, full batch, {EPOCHS} epochs (1 step each)")
    run([])  # warm-up
    base = min(run([]) for _ in range(2))
    print(f"baseline epoch (no callback, separate run): {base / EPOCHS * 1e3:.2f} ms")
    for every in (1, 100):
        power = Timed(SpectralNormTracker(every=every, method="power"))
        svd = Timed(SpectralNormTracker(every=every, method="svd"))
        t_train = run([power])
        run([svd])
        p, q = power.inner, svd.inner
        agree = float(np.max(np.abs(np.asarray(p.norms) - np.asarray(q.norms)) / np.asarray(q.norms)))
        n_rec = len(p.steps)
        epoch = (t_train - power.seconds) / EPOCHS
        print(f"record every {every:>3} epoch(s): {n_rec} records; epoch without callback {epoch * 1e3:.2f} ms")
        for name, cb in (("power (warm start)", power), ("full SVD", svd)):
            print(f"  {name:<18}: {cb.seconds / n_rec * 1e3:7.3f} ms/record = "
                  f"{cb.seconds / EPOCHS / epoch * 100:7.3f} % "
                  f"of an epoch (amortised)")
        print(f"  power / SVD cost ratio: {power.seconds / svd.seconds:.3f}; SVD fallbacks {p.fallbacks}; "
              f"max relative disagreement {agree:.2e} (target ≤ 1e-4)")


if __name__ == "__main__":
    main()
