"""ImageNet-size Fourier heat map: ResNet-50 (written here, freqlens.models.imagenet_resnet), 224 × 224 inputs,
window 31 (the paper's central 63 × 63 map, 1 985 conjugate pairs), against the pure-inference limit at the
same precision (plain forward passes of the same number of images at the heat map's batch size).

    python benchmarks/heatmap_imagenet.py --quick            # CPU: 2 images, window 3 (a few minutes)
    python benchmarks/heatmap_imagenet.py --device cuda       # GPU: fp32 and AMP, peak memory, paper-map time

Rounds are interleaved (limit, heat map, limit, heat map ...) and medians taken, so the ratio holds on a loaded
machine. On CUDA it also times AMP (``--amp``, default bf16) and projects the paper's map (1 000 images) on one
GPU and on N GPUs with torchrun (perfect frequency sharding, which counts all-reduce of one integer vector).
Last line: ``freqlens/limit=R`` (target R ≤ 1.1).
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
from freqlens.inference import forward_logits  # noqa: E402
from freqlens.models.imagenet_resnet import resnet50  # noqa: E402
from freqlens.probes.heatmap import fourier_heatmap  # noqa: E402

PAPER_IMAGES = 1000


def _sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def pairs_in_window(size: int, window: int) -> int:
    pos = unique_positions(size, size)
    rho = torch.maximum((pos[:, 0] - size // 2).abs(), (pos[:, 1] - size // 2).abs())
    return int((rho <= window).sum())


def limit_time(model, total: int, batch: int, dev, amp) -> float:
    """Seconds for ``total`` forward passes at ``batch`` (timed on whole batches, scaled)."""
    xb = torch.rand(batch, 3, 224, 224, device=dev)
    with torch.inference_mode():
        forward_logits(model, xb, amp=amp).argmax(1)
        _sync(dev)
        reps = max(1, min(20, total // batch))
        t = time.perf_counter()
        for _ in range(reps):
            forward_logits(model, xb, amp=amp).argmax(1)
        _sync(dev)
    return (time.perf_counter() - t) / (reps * batch) * total


def run(model, x, y, window, amp, max_batch, dev, rounds):
    total = pairs_in_window(224, window) * x.shape[0]
    lim, ours = [], []
    for _ in range(rounds):
        lim.append(limit_time(model, total, min(max_batch, total), dev, amp))
        if dev.type == "cuda":
            torch.cuda.reset_peak_memory_stats(dev)
        _sync(dev)
        t = time.perf_counter()
        fourier_heatmap(model, x, y, eps=15.7, window=window, max_batch=max_batch, progress=False, amp=amp,
                        channels_last=dev.type == "cuda")
        _sync(dev)
        ours.append(time.perf_counter() - t)
    peak = torch.cuda.max_memory_allocated(dev) / 2**30 if dev.type == "cuda" else float("nan")
    return statistics.median(lim), statistics.median(ours), total, peak


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--quick", action="store_true", help="2 images, window 3 (CPU smoke run)")
    ap.add_argument("--images", type=int, default=None)
    ap.add_argument("--window", type=int, default=None)
    ap.add_argument("--max-batch", type=int, default=None, help="default: 8 on CPU, 256 on CUDA")
    ap.add_argument("--amp", default="bf16", choices=("bf16", "fp16"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--gpus", type=int, nargs="*", default=[2, 4, 8, 16, 64])
    args = ap.parse_args()
    dev = torch.device(args.device)
    images = args.images or (2 if args.quick or dev.type != "cuda" else 32)
    window = args.window if args.window is not None else (3 if args.quick else 31)
    max_batch = args.max_batch or (8 if dev.type != "cuda" else 256)
    torch.manual_seed(0)
    model = resnet50().to(dev).eval()
    if dev.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    x = torch.rand(images, 3, 224, 224)
    y = torch.randint(0, 1000, (images,))
    print(f"machine: {machine(dev)}; load average {os.getloadavg()[0]:.1f}")
    print(f"ResNet-50, {images} images of 3×224×224, window {window} ({pairs_in_window(224, window)} pairs), "
          f"max_batch {max_batch}, {args.rounds} interleaved rounds, medians")
    lim, ours, total, peak = run(model, x, y, window, False, max_batch, dev, args.rounds)
    print(f"fp32: limit {lim:.2f} s, heat map {ours:.2f} s for {total} perturbed images; peak GPU memory "
          f"{peak:.2f} GiB")
    ratio = ours / lim
    if dev.type == "cuda":
        lim_a, ours_a, _, peak_a = run(model, x, y, window, args.amp, max_batch, dev, args.rounds)
        print(f"{args.amp}: limit {lim_a:.2f} s, heat map {ours_a:.2f} s; peak GPU memory {peak_a:.2f} GiB")
        print(f"AMP speed-up over fp32 (heat map): {ours / ours_a:.2f}x (target >= 2)")
        per_image_pair = ours_a / total
        paper = per_image_pair * PAPER_IMAGES * pairs_in_window(224, 31)
        name = torch.cuda.get_device_name(dev)
        print(f"README: paper ImageNet map (1000 images, ResNet-50, 63×63, {args.amp}) on one {name}: "
              f"{paper / 60:.1f} min; projected with perfect sharding on N GPUs: "
              + ", ".join(f"N={n}: {paper / n / 60:.1f} min" for n in args.gpus))
        ratio = ours_a / lim_a
    print(f"freqlens/limit={ratio:.2f}")


if __name__ == "__main__":
    main()
