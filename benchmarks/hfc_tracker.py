"""HFCTracker overhead: seconds per evaluated epoch (clean + LFC + HFC at r = 4, 8, 12, 16) divided by the
seconds of one training epoch on a 10k CIFAR-10 subset with the spec's A8 small CNN (batch 100, Adam).
Target ≤ 0.3. Needs FREQLENS_DATA (falls back to random images of the same shape when it is absent)."""
from __future__ import annotations

import argparse
import os
import time

import torch
from _common import machine

from freqlens.dynamics.hfc import HFCTracker
from freqlens.recipes.hfc import A8CNN
from freqlens.train import fit


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(ap.parse_args().device)
    torch.manual_seed(0)
    root = os.environ.get("FREQLENS_DATA")
    if root and os.path.isdir(os.path.join(root, "cifar-10-batches-py")):
        from freqlens.data import load_cifar10

        x, y = load_cifar10(root, train=True, limit=10000)
        xte, yte = load_cifar10(root, train=False, limit=1000)
        source = "CIFAR-10"
    else:
        x, y = torch.rand(10000, 3, 32, 32), torch.randint(0, 10, (10000,))
        xte, yte = x[:1000], y[:1000]
        source = "random images (FREQLENS_DATA not set)"
    model = A8CNN().to(device)
    fit(model, (x[:1000], y[:1000]), epochs=1, loss="cross_entropy", batch_size=100, progress=False,
        device=device)  # warm-up (CUDA context, kernels)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    sync()
    t = time.perf_counter()
    fit(model, (x, y), epochs=1, loss="cross_entropy", batch_size=100, progress=False, device=device)
    sync()
    train_s = time.perf_counter() - t
    print(f"machine: {machine(device)}; data: {source}")
    print(f"training epoch (10k images, batch 100): {train_s:.2f} s")
    for n_eval in (250, 500, 1000):
        for batch in (100, 500):
            tr = HFCTracker(train=(x[:n_eval], y[:n_eval]), test=(xte[:n_eval], yte[:n_eval]), max_batch=batch)
            sync()
            t = time.perf_counter()
            tr.evaluate(model, 1)
            sync()
            s = time.perf_counter() - t
            print(f"tracker, {n_eval} train + {n_eval} test images, eval batch {batch}: {s:.2f} s per evaluated "
                  f"epoch, ratio {s / train_s:.3f} (target ≤ 0.3)")


if __name__ == "__main__":
    main()
