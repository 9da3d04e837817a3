"""The 32 × 32 heat map at defaults (max_batch=None: memory budget + batch sizes timed on the first chunks)
against the pure-inference limit: plain forward passes of the same number of perturbed images at the best of a
few batch sizes. Rounds are interleaved and medians taken, so the ratio holds on a loaded machine.

    python benchmarks/heatmap_defaults.py [--images 48] [--rounds 3]

Last line: ``freqlens/limit=R`` (target R ≤ 1.1 on the CPU, issue 18).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from _common import machine  # noqa: E402

from freqlens.fourier.basis import unique_positions  # noqa: E402
from freqlens.models import ConvNet, with_normalization  # noqa: E402
from freqlens.probes.heatmap import fourier_heatmap  # noqa: E402


def pure_inference(model, total: int, sizes, dev) -> float:
    """Seconds for ``total`` forward passes of 3×32×32 images at the fastest batch size of ``sizes``."""
    best = float("inf")
    with torch.inference_mode():
        for bs in sizes:
            xb = torch.rand(bs, 3, 32, 32, device=dev)
            model(xb)
            reps = max(2, 2048 // bs)
            t = time.perf_counter()
            for _ in range(reps):
                model(xb).argmax(1)
            best = min(best, (time.perf_counter() - t) / (reps * bs))
    return best * total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=48)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args()
    dev = torch.device(args.device)
    torch.manual_seed(0)
    model = with_normalization(ConvNet(3, 10, widths=(16, 32, 64)), [0.49, 0.48, 0.45], [0.25, 0.24, 0.26])
    model = model.to(dev).eval()
    x, y = torch.rand(args.images, 3, 32, 32), torch.randint(0, 10, (args.images,))
    total = unique_positions(32, 32).shape[0] * args.images
    print(f"machine: {machine(dev)}; load average {os.getloadavg()[0]:.1f}")
    limits, ours = [], []
    for r in range(args.rounds):
        limits.append(pure_inference(model, total, (32, 64, 128, 256, 512, 1024), dev))
        t = time.perf_counter()
        fourier_heatmap(model, x, y, eps=4.0, progress=False)
        ours.append(time.perf_counter() - t)
        print(f"round {r}: limit {limits[-1]:.2f} s, heat map at defaults {ours[-1]:.2f} s")
    ratio = statistics.median(ours) / statistics.median(limits)
    print(f"{total} perturbed images; medians: limit {statistics.median(limits):.2f} s, "
          f"heat map {statistics.median(ours):.2f} s; load average now {os.getloadavg()[0]:.1f}")
    print(f"freqlens/limit={ratio:.2f}")


if __name__ == "__main__":
    main()
