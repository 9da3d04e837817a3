"""Throughput of training the shared quick CIFAR-10 model (FastCifarNet, widths (16, 64, 64), bf16 autocast, batch
512) in the two ways `freqlens reproduce --all` can use a multi-core CPU: one training with every core's threads
(the baseline, what `--jobs 1` does), against `jobs` trainings at once, each in its own process with its share of
the threads (what `--jobs N` does for the shared models). Prints images per second both ways and their ratio
(> 1: the parallel trainings finish a set of models sooner). Random images: the speed does not depend on them.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import time

import torch
from _common import machine

STEPS = 12
BATCH = 512


def _train(threads: int, steps: int = STEPS) -> float:
    """Images per second of ``steps`` training steps on ``threads`` threads (after two warm-up steps)."""
    torch.set_num_threads(threads)
    from freqlens.recipes._trained import build_fast_model, fast_preset
    from freqlens.train_fast import FastTrainConfig, train_fast

    preset = fast_preset(True)
    torch.manual_seed(0)
    x, y = torch.rand(BATCH * (steps + 2), 3, 32, 32), torch.randint(0, 10, (BATCH * (steps + 2),))
    warm = build_fast_model(preset["widths"], whiten_eps=preset["whiten_eps"])
    train_fast(warm, x[:2 * BATCH], y[:2 * BATCH], FastTrainConfig(epochs=1, batch_size=BATCH, amp=True), seed=0,
               progress=False)
    model = build_fast_model(preset["widths"], whiten_eps=preset["whiten_eps"])
    start = time.perf_counter()
    train_fast(model, x, y, FastTrainConfig(epochs=1, batch_size=BATCH, amp=True), seed=0, progress=False)
    return x.shape[0] / (time.perf_counter() - start)


def main() -> None:
    cores = os.cpu_count() or 1
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else min(2, cores)
    if jobs < 2:
        print(f"machine: {machine()}\nonly one core: nothing to run in parallel")
        return
    single = _train(cores)
    context = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    with context.Pool(jobs) as pool:
        per_worker = pool.map(_train, [max(1, cores // jobs)] * jobs)
    wall = time.perf_counter() - start
    parallel = sum(per_worker)
    print(f"machine: {machine()}")
    print(f"quick FastCifarNet training, batch {BATCH}, {STEPS} steps per model")
    print(f"  one training on {cores} threads: {single:.0f} images/s")
    print(f"  {jobs} trainings at once, {max(1, cores // jobs)} thread(s) each: {parallel:.0f} images/s together "
          f"({wall:.1f} s wall with process start)")
    print(f"  -> parallel / single throughput {parallel / single:.2f} (> 1: --jobs {jobs} trains the shared models "
          "sooner)")


if __name__ == "__main__":
    main()
