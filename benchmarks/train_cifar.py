"""Benchmark: the fast CIFAR-10 trainer (freqlens.train_fast) on the shared natural model, from a cold start.

Trains the shared natural classifier's architecture and settings (freqlens.recipes._trained.fast_preset) on
all 50 000 training images and evaluates it after every epoch on the 1 000 shared test images (evaluation is
not counted in the training seconds). Writes the accuracy-vs-training-seconds points to a JSON file
(``--out``, default benchmarks/results/train_cifar_<size>.json) for the README figure
(``python benchmarks/plot_train_cifar.py``).

Targets (issue 15): quick (2-core CPU) ≥ 86 % within 5 min; full (one H200) ≥ 93 % within 60 s.
Run: ``PYTHONPATH=. python benchmarks/train_cifar.py [--quick] [--device cpu|cuda] [--epochs N]``.
The last line is ``clean_accuracy=0.xxx seconds=NNN``.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from pathlib import Path

import torch

from _common import machine
from freqlens.data import load_cifar10
from freqlens.device import resolve_device
from freqlens.recipes._trained import build_fast_model, cifar_train_batches, fast_preset
from freqlens.train_fast import evaluate, train_fast


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the quick (CPU) size; default the full size")
    ap.add_argument("--device", default=None, help="cpu, cuda (default: cuda when available)")
    ap.add_argument("--epochs", type=int, default=None, help="override the preset's epochs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-train", type=int, default=None, help="first N training images only (smoke tests)")
    ap.add_argument("--out", default=None, help="JSON file for the accuracy-vs-seconds points")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--whiten-eps", type=float, default=None, help="override the preset's whitening eps")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's choice)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    size = "quick" if args.quick else "full"
    device = resolve_device(args.device)
    preset = fast_preset(args.quick)
    cfg = preset["train"] if args.epochs is None else dataclasses.replace(preset["train"], epochs=args.epochs)
    print(machine(device), flush=True)
    print(f"size {size}: widths {preset['widths']}, whiten_eps {preset['whiten_eps'] if args.whiten_eps is None else args.whiten_eps}, {cfg}", flush=True)
    wall0, t0 = time.perf_counter(), os.times()
    x, y = load_cifar10(None, train=True, batches=cifar_train_batches() or None)
    if args.n_train is not None:
        x, y = x[:args.n_train], y[:args.n_train]
    print(f"{x.shape[0]} training images", flush=True)
    xte, yte = load_cifar10(None, train=False)
    torch.manual_seed(args.seed)
    model = build_fast_model(preset["widths"], whiten_eps=preset["whiten_eps"] if args.whiten_eps is None
                             else args.whiten_eps).to(device)
    hist = train_fast(model, x, y, cfg, seed=args.seed, device=device, eval_data=(xte, yte),
                      progress=not args.no_progress)
    wall = time.perf_counter() - wall0
    t1 = os.times()
    cpu = (t1.user - t0.user) + (t1.system - t0.system)
    acc = evaluate(model, xte, yte)
    acc_flip = evaluate(model, xte, yte, flip=True)
    for e, s, a, af, l in zip(hist.epochs, hist.seconds, hist.accuracy, hist.accuracy_flip, hist.losses):
        print(f"epoch {e:3d}  train s {s:8.1f}  loss {l:.4f}  acc {a:.3f}  acc+flip {af:.3f}")
    train_s = hist.seconds[-1] if hist.seconds else 0.0
    print(f"threads {torch.get_num_threads()}; wall {wall:.1f} s from cold start (data loading, whitening, "
          f"training and {len(hist.epochs)} evaluations), training alone {train_s:.1f} s; "
          f"CPU {cpu:.1f} s user+sys ({cpu / max(torch.get_num_threads(), 1):.1f} s per thread)")
    print(f"test accuracy of the returned model: {acc:.3f} plain, {acc_flip:.3f} with test-time flip averaging")
    out = Path(args.out or Path(__file__).parent / "results" / f"train_cifar_{size}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"size": size, "machine": machine(device), "widths": list(preset["widths"]),
                               "whiten_eps": preset["whiten_eps"] if args.whiten_eps is None else args.whiten_eps,
                               "config": cfg.to_dict(), "n_train": int(x.shape[0]),
                               "threads": torch.get_num_threads(), "wall_seconds": wall,
                               "cpu_seconds": cpu, "epochs": hist.epochs, "train_seconds": hist.seconds,
                               "accuracy": hist.accuracy, "accuracy_flip": hist.accuracy_flip,
                               "final_accuracy": acc, "final_accuracy_flip": acc_flip}, indent=1))
    print(f"points written to {out}")
    print(f"clean_accuracy={acc:.3f} seconds={wall:.0f}")


if __name__ == "__main__":
    main()
