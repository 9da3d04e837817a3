"""Fourier heat map speed: freqlens vs (a) the naive per-basis DataLoader loop over the full H × W grid (the
structure of the PyTorch FourierHeatmap tool, spec PART C3) and (b) the pure-inference limit (plain forward
passes of the same number of unique perturbed images at the best batch size). Also peak memory with max_batch.

    python benchmarks/heatmap.py [--images 1000] [--naive-bases 24] [--device cpu|cuda] [--model convnet|resnet20]

The naive loop is timed on ``--naive-bases`` bases and extrapolated to all H·W = 1 024 positions (it does the
same work per basis); everything else runs in full. Ratios are measured in this run on this machine.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import torch
from torch.utils.data import DataLoader, Dataset

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from _common import machine  # noqa: E402

from freqlens.fourier.basis import fourier_basis, unique_positions  # noqa: E402
from freqlens.models import ConvNet, with_normalization  # noqa: E402
from freqlens.models.resnet import resnet20  # noqa: E402
from freqlens.probes.heatmap import fourier_heatmap  # noqa: E402


class PerturbedSet(Dataset):
    """Per-sample perturbation on the CPU, as in a torchvision transform pipeline."""

    def __init__(self, x, y, basis, eps):
        self.x, self.y, self.basis, self.eps = x, y, basis, eps

    def __len__(self):
        return self.x.shape[0]

    def __getitem__(self, i):
        r = torch.randint(0, 2, (self.x.shape[1], 1, 1)) * 2 - 1
        return (self.x[i] + r * self.eps * self.basis).clamp(0, 1), self.y[i]


def naive(model, x, y, eps, n_bases, device, batch_size=512):
    h, w = x.shape[-2:]
    pos = torch.tensor([(p, q) for p in range(h) for q in range(w)])[:n_bases]
    bases = fourier_basis(h, w, pos)
    model.eval()
    start = time.perf_counter()
    with torch.no_grad():
        for k in range(n_bases):
            loader = DataLoader(PerturbedSet(x, y, bases[k], eps), batch_size=batch_size, shuffle=False)
            for xb, yb in loader:
                model(xb.to(device)).argmax(1).eq(yb.to(device)).float().mean().item()
    return (time.perf_counter() - start) * (h * w) / n_bases


def limit(model, n_total, shape, device, batch_sizes):
    best, best_bs = float("inf"), None
    model.eval()
    with torch.inference_mode():
        for bs in batch_sizes:
            xb = torch.rand(bs, *shape, device=device)
            model(xb)
            reps = max(1, min(20, 4096 // bs))
            if device.type == "cuda":
                torch.cuda.synchronize()
            t = time.perf_counter()
            for _ in range(reps):
                model(xb).argmax(1)
            if device.type == "cuda":
                torch.cuda.synchronize()
            per_image = (time.perf_counter() - t) / (reps * bs)
            if per_image < best:
                best, best_bs = per_image, bs
    return best * n_total, best_bs


def _peak_rss_worker(max_batch: int, n_images: int, queue) -> None:
    """In a fresh process: RSS growth (MiB) of a CPU heat map, measured from just before the call."""
    torch.manual_seed(0)
    model = with_normalization(ConvNet(3, 10, widths=(16, 32, 64)), [0.49, 0.48, 0.45], [0.25, 0.24, 0.26]).eval()
    x, y = torch.rand(n_images, 3, 32, 32), torch.randint(0, 10, (n_images,))
    model(x[:2])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    fourier_heatmap(model, x, y, eps=4.0, max_batch=max_batch, progress=False, window=4)
    queue.put((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)


def peak_rss_growth(max_batch: int, n_images: int = 200) -> float:
    """Peak RSS growth of the heat map in a separate process (the limit measured before would mask it here)."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_peak_rss_worker, args=(max_batch, n_images, queue))
    proc.start()
    value = queue.get(timeout=600)
    proc.join()
    return value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--naive-bases", type=int, default=24)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--model", default="convnet", choices=["convnet", "resnet20"])
    ap.add_argument("--max-batch", type=int, default=None)
    args = ap.parse_args()
    dev = torch.device(args.device)
    torch.manual_seed(0)
    core = ConvNet(3, 10, widths=(16, 32, 64)) if args.model == "convnet" else resnet20()
    model = with_normalization(core, [0.49, 0.48, 0.45], [0.25, 0.24, 0.26]).to(dev).eval()
    x = torch.rand(args.images, 3, 32, 32)
    y = torch.randint(0, 10, (args.images,))
    m = unique_positions(32, 32).shape[0]
    print(f"machine: {machine(dev)}")
    print(f"model {args.model}, {args.images} images of 3×32×32, {m} unique bases (1 024 grid positions)")
    sizes = [256, 512, 1024, 2048, 4096] + ([8192, 16384] if dev.type == "cuda" else [])
    t_limit, best_bs = limit(model, m * args.images, (3, 32, 32), dev, sizes)
    mb = args.max_batch or best_bs
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
        torch.cuda.synchronize()
    t = time.perf_counter()
    fourier_heatmap(model, x, y, eps=4.0, max_batch=mb, progress=False)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    t_ours = time.perf_counter() - t
    if dev.type == "cuda":
        peak = f"peak GPU memory {torch.cuda.max_memory_allocated(dev) / 2**20:.0f} MiB"
    else:
        peak = ", ".join(f"peak RSS growth {peak_rss_growth(b):.0f} MiB at max_batch {b}" for b in (mb, 4 * mb))
    t_naive = naive(model, x, y, 4.0, args.naive_bases, dev)
    print(f"pure-inference limit: {t_limit:8.2f} s  (best batch {best_bs})")
    print(f"freqlens heat map:    {t_ours:8.2f} s  (max_batch {mb}; {peak})")
    print(f"naive per-basis loop: {t_naive:8.2f} s  (extrapolated from {args.naive_bases} of 1 024 bases)")
    print(f"ratio naive / freqlens = {t_naive / t_ours:.2f}x   (target >= 2)")
    print(f"ratio freqlens / limit = {t_ours / t_limit:.2f}x   (target <= 1.15 CPU, <= 1.3 GPU)")


if __name__ == "__main__":
    main()
