"""Benchmark: post-averaged inference (91 passes per image, batched across images) on CIFAR-size images.

Compares, in the same run and on the same model and images,
  * the wrapper ``PostAveraged(model, r=6, K=15)`` on N images,
  * the limit: 91 × the plain batched inference of the same N images, timed as 91 consecutive passes
    (target: wrapper ≤ 1.1 × this),
  * the reference code's loop: one image at a time, its 91 points in one batch (as in the official code).
Run: ``PYTHONPATH=. python benchmarks/post_averaging.py [--images 1000] [--device cpu|cuda]``.
"""
from __future__ import annotations

import argparse
import time

import torch
from _common import machine

from freqlens.data import CIFAR10_MEAN, CIFAR10_STD
from freqlens.interventions.post_averaging import PostAveraged
from freqlens.models import ConvNet, with_normalization


def timed(fn, repeats: int, device) -> tuple[float, float]:
    """Best (wall seconds, process CPU seconds) over ``repeats`` runs; CPU time is robust to a shared machine."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t, c = time.perf_counter(), time.process_time()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        best, best_cpu = min(best, time.perf_counter() - t), min(best_cpu, time.process_time() - c)
    return best, best_cpu


def reference_loop(model, images, radius, std, k=15, seed=0):
    """The official code's structure: for each image, K directions, 6K + 1 points, one forward of that batch."""
    gen = torch.Generator(device=images.device).manual_seed(seed)
    lam = torch.tensor([s * radius for s in (1 / 3, 2 / 3, 1.0) for s in (s, -s)], device=images.device)
    out = []
    for x in images:
        g = torch.randn(k, x.numel(), generator=gen, device=x.device)
        v = (g / g.norm(dim=1, keepdim=True)).view(k, 1, *x.shape) * lam.view(1, -1, 1, 1, 1)
        pts = torch.cat([x[None], (x[None, None] + v * std.view(1, 1, -1, 1, 1)).reshape(-1, *x.shape)])
        out.append(torch.softmax(model(pts), 1).mean(0))
    return torch.stack(out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--images", type=int, default=1000)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--max-batch", type=int, default=None, help="samples per pass, wrapper and plain baseline "
                   "(default: the wrapper's, 192 CPU / 8192 GPU)")
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args()
    device = torch.device(args.device)
    torch.manual_seed(0)
    model = with_normalization(ConvNet(3, 10, widths=(16, 32, 64)), CIFAR10_MEAN, CIFAR10_STD).to(device).eval()
    images = torch.rand(args.images, 3, 32, 32, generator=torch.Generator().manual_seed(0)).to(device)
    max_batch = args.max_batch or (8192 if device.type == "cuda" else 192)
    wrapper = PostAveraged(model, 6.0, n_directions=15, max_batch=max_batch).eval()
    std = torch.tensor(CIFAR10_STD, device=device)

    print(f"machine: {machine(device)}")
    print(f"model: ConvNet-small (16/32/64) with Normalize, {args.images} images 3×32×32, K = 15 → "
          f"{wrapper.n_samples} passes per image, wrapper max_batch = {max_batch}")
    plain = lambda: [model(images[s:s + max_batch]) for s in range(0, args.images, max_batch)]  # noqa: E731
    runs = {"plain91": [], "wrapper": [], "reference": []}
    with torch.inference_mode():
        wrapper(images[:64])  # warm-up
        plain()
        for _ in range(args.repeats):  # interleaved, so a busy moment on a shared machine hits all three alike
            runs["plain91"].append(timed(lambda: [plain() for _ in range(wrapper.n_samples)], 1, device))
            runs["wrapper"].append(timed(lambda: wrapper(images), 1, device))
            runs["reference"].append(timed(lambda: reference_loop(model, images, 6.0, std), 1, device))
    best = {k: (min(w for w, _ in v), min(c for _, c in v)) for k, v in runs.items()}
    t_plain = (best["plain91"][0] / wrapper.n_samples, best["plain91"][1] / wrapper.n_samples)
    t_wrap, t_ref = best["wrapper"], best["reference"]
    (t_plain, c_plain), (t_wrap, c_wrap), (t_ref, c_ref) = t_plain, t_wrap, t_ref
    limit, climit = wrapper.n_samples * t_plain, wrapper.n_samples * c_plain
    print(f"plain batched inference of the {args.images} images: {t_plain * 1e3:.1f} ms wall, "
          f"{c_plain * 1e3:.1f} ms CPU "
          f"({args.images / t_plain:.0f} img/s) → limit 91× = {limit:.2f} s wall, {climit:.2f} s CPU")
    print(f"post-averaged wrapper: {t_wrap:.2f} s wall, {c_wrap:.2f} s CPU → ratio to the limit {t_wrap / limit:.3f} "
          f"wall, {c_wrap / climit:.3f} CPU (target ≤ 1.1)")
    print(f"reference per-image loop: {t_ref:.2f} s wall, {c_ref:.2f} s CPU → wrapper speed-up {t_ref / t_wrap:.2f}× "
          f"wall, {c_ref / c_wrap:.2f}× CPU")

if __name__ == "__main__":
    main()
