"""How many perturbed images go through the model at once: a memory budget, measured throughput, CUDA OOM.

Every probe that builds perturbed batches (heat map, layers, noise, filtering, LFC/HFC, post-averaging) asks
this module for its default ``max_batch`` instead of a fixed number, so memory is bounded by a budget and not by
the image size:

- :func:`memory_budget` — bytes a probe may use: a fraction of the free RAM (CPU, capped) or of the free GPU
  memory; ``--memory-budget 2G`` overrides it (:func:`parse_memory`).
- :func:`bytes_per_image` — what one more image in a batch costs: every module output of a one-image forward
  pass (an upper bound of inference activations) plus a few copies of the input (perturbed, clipped,
  normalised).
- :func:`budget_batch` — the largest power of two that fits the budget (at most ``cap``).
- :class:`BatchTuner` — times a few batch sizes on the first chunks of real work and keeps the fastest per
  image (on a CPU, large batches are slower per image: they fall out of cache).
- :func:`halve_on_oom` — run a chunk; on CUDA out-of-memory halve the batch and retry.
"""
from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable
from typing import TypeVar

import torch
from torch import nn

from freqlens.errors import InputError

T = TypeVar("T")

#: fraction of the free memory a probe may use by default
DEFAULT_FRACTION = 0.25
#: on the CPU the default budget never exceeds this (keeps a 224 × 224 run under 4 GiB of RSS)
CPU_BUDGET_CAP = 1 << 31
#: largest default batch (images per forward pass)
MAX_DEFAULT_BATCH = {"cpu": 1024, "cuda": 8192}

_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_memory(text: str | int | float | None) -> int | None:
    """A memory size as bytes: ``"4G"``, ``"512M"``, ``"1.5GiB"``, ``2**30`` (None stays None).

    Args:
        text: a number of bytes or a string ``<number><K|M|G|T>[i][B]`` (binary units).

    Returns:
        The size in bytes, or None.

    Raises:
        InputError: not a positive size.

    Source: freqlens.

    Example:
        >>> parse_memory("2G"), parse_memory("512MiB"), parse_memory(1024)
        (2147483648, 536870912, 1024)
    """
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if text <= 0 or not math.isfinite(text):
            raise InputError(f"memory budget must be a positive size such as 2G or 512M, got {text!r}")
        return int(text)
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([KMGT]?)(?:i?B)?\s*", str(text), flags=re.IGNORECASE)
    if not match or float(match.group(1)) <= 0:
        raise InputError(f"memory budget must be a positive size such as 2G or 512M, got {text!r}")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def free_memory(device: torch.device | str = "cpu") -> int:
    """Free memory in bytes on ``device``: ``torch.cuda.mem_get_info`` on CUDA, MemAvailable on Linux, else 4 GiB.

    Args:
        device: the device the probe runs on.

    Returns:
        Bytes currently available.

    Raises:
        Nothing on the CPU (unreadable /proc/meminfo gives 4 GiB); torch's CUDA errors on a bad CUDA device.

    Source: freqlens.

    Example:
        >>> free_memory("cpu") > 0
        True
    """
    device = torch.device(device)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 << 30


def memory_budget(device: torch.device | str = "cpu", budget: str | int | None = None,
                  fraction: float = DEFAULT_FRACTION) -> int:
    """Bytes a probe may spend on one batch: ``budget`` if given, else ``fraction`` of the free memory
    (on the CPU at most :data:`CPU_BUDGET_CAP`, 2 GiB). ``FREQLENS_MEMORY_BUDGET`` sets the default.

    Args:
        device: where the batch lives.
        budget: an explicit size (bytes or ``"2G"``), overriding the default.
        fraction: share of the free memory used by default.

    Returns:
        The budget in bytes.

    Raises:
        InputError: an unreadable ``budget``.

    Source: freqlens.

    Example:
        >>> memory_budget("cpu", "1G")
        1073741824
    """
    explicit = parse_memory(budget if budget is not None else os.environ.get("FREQLENS_MEMORY_BUDGET") or None)
    if explicit is not None:
        return explicit
    device = torch.device(device)
    avail = int(free_memory(device) * float(fraction))
    return min(avail, CPU_BUDGET_CAP) if device.type != "cuda" else avail


def bytes_per_image(model: nn.Module | Callable, sample: torch.Tensor, input_copies: int = 4,
                    run: Callable[[torch.Tensor], object] | None = None) -> int:
    """Bytes one more image adds to a batch: every module output of a one-image forward pass (hooks; an upper
    bound of what inference keeps alive) plus ``input_copies`` copies of the input.

    Args:
        model: the network (a module gets hooks; a plain callable counts only the input copies).
        sample: one input (1, C, H, W) on the model's device.
        input_copies: perturbed, clipped, normalised and cast copies of the input held at once.
        run: how to call the model on ``sample`` (default ``model(sample)``).

    Returns:
        Bytes per image (≥ 1).

    Raises:
        Whatever the model raises on ``sample`` (hooks are removed first).

    Source: freqlens.

    Example:
        >>> bytes_per_image(nn.Conv2d(3, 8, 3, padding=1), torch.zeros(1, 3, 8, 8))
        5120
    """
    total = [0]

    def hook(_m, _inp, out):
        for t in (out if isinstance(out, (tuple, list)) else (out,)):
            if isinstance(t, torch.Tensor):
                total[0] += t.numel() * t.element_size()

    handles = []
    if isinstance(model, nn.Module) and not isinstance(model, torch.jit.ScriptModule):
        handles = [m.register_forward_hook(hook) for m in model.modules()]
    else:
        # TorchScript modules take no Python hooks: assume activations of 32 input-sized tensors (conservative
        # for the small and mid-size CNNs that are usually scripted)
        total[0] = 32 * sample[:1].numel() * sample.element_size()
    try:
        with torch.inference_mode():
            (run or model)(sample[:1])
    finally:
        for h in handles:
            h.remove()
    return max(1, total[0] + input_copies * sample[:1].numel() * 4)


def budget_batch(per_image: int, budget: int, cap: int = 1024) -> int:
    """The largest power of two ``b ≤ cap`` with ``b · per_image ≤ budget`` (at least 1).

    Args:
        per_image: bytes per image (:func:`bytes_per_image`).
        budget: bytes allowed (:func:`memory_budget`).
        cap: the largest batch to return.

    Returns:
        Images per forward pass.

    Raises:
        Nothing: sizes below 1 are treated as 1.

    Source: freqlens.

    Example:
        >>> budget_batch(3 * 224 * 224 * 4 * 20, 1 << 31)
        128
    """
    fit = max(1, int(budget) // max(1, int(per_image)))
    return max(1, min(1 << int(math.log2(fit)), int(cap)))


def default_max_batch(model: nn.Module | Callable, sample: torch.Tensor, budget: str | int | None = None,
                      run: Callable[[torch.Tensor], object] | None = None, input_copies: int = 4) -> int:
    """``max_batch`` from the memory budget and the cost of one image on ``sample``'s device.

    Args:
        model: the network.
        sample: one input (1, C, H, W) on the model's device.
        budget: explicit budget (bytes or ``"2G"``), default :func:`memory_budget`.
        run: how to call the model (default ``model(x)``).
        input_copies: copies of the input held per image.

    Returns:
        Images per forward pass (power of two, ≤ 1024 on CPU, ≤ 8192 on CUDA).

    Raises:
        InputError: an unreadable ``budget``; anything the model raises on ``sample``.

    Source: freqlens.

    Example:
        >>> default_max_batch(nn.Conv2d(3, 8, 3, padding=1), torch.zeros(1, 3, 8, 8), budget="1M")
        128
    """
    dev = sample.device
    per = bytes_per_image(model, sample, input_copies=input_copies, run=run)
    return budget_batch(per, memory_budget(dev, budget), MAX_DEFAULT_BATCH.get(dev.type, 1024))


def tuning_candidates(limit: int, floor: int = 16, count: int = 4) -> list[int]:
    """Batch sizes to time: ``limit`` and up to ``count − 1`` halvings of it, none below ``floor``.

    Args:
        limit: the largest batch (always the first candidate, even below ``floor``).
        floor: no halving goes below it.
        count: at most this many candidates.

    Returns:
        The candidates, largest first.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> tuning_candidates(1024), tuning_candidates(8)
        ([1024, 512, 256, 128], [8])
    """
    out = [int(limit)]
    while len(out) < count and out[-1] // 2 >= floor:
        out.append(out[-1] // 2)
    return out


class BatchTuner:
    """Chooses the batch size from measured throughput on the first chunks of real work.

    ``size()`` hands out the candidates once each, **smallest first**, and then the fastest per image;
    ``record(size, images, seconds)`` reports a chunk. Timing stops at the first candidate that is more than
    ``slower`` times the best time per image so far: on a CPU the time per image rises once a batch's activations
    leave the caches and does not come back at larger sizes, so the larger candidates are never run at their slow
    speed; on a GPU the time per image falls until the device is full, and every candidate is timed. Timing real
    chunks costs nothing extra: the work is done either way. With ``fixed`` set, that size is always used (a
    user's ``max_batch``).

    Args:
        limit: the largest batch allowed (the memory budget's).
        fixed: a user-given batch size (no tuning).
        floor: the smallest candidate.
        slower: stop timing at a candidate this many times slower per image than the best so far (> 1).

    Attributes:
        candidates: the batch sizes to time, smallest first.
        timings: seconds per image measured for each timed size.
        tuning: True while candidates are still being timed.
        size(), record(size, images, seconds), shrink(size): hand out, report and drop (on out-of-memory) sizes.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> t = BatchTuner(256, floor=32)
        >>> seconds_per_image = {32: 1.0, 64: 0.8, 128: 1.5, 256: 3.0}
        >>> while t.tuning:
        ...     s = t.size()
        ...     t.record(s, s, s * seconds_per_image[s])
        >>> sorted(t.timings), t.size()                   # 256 never ran: 128 was already 1.9× slower than 64
        ([32, 64, 128], 64)
    """

    def __init__(self, limit: int, fixed: int | None = None, floor: int = 16, slower: float = 1.1):
        self.fixed = None if fixed is None else int(fixed)
        self.candidates = [self.fixed] if fixed is not None else sorted(tuning_candidates(limit, floor))
        self.slower = float(slower)
        self.timings: dict[int, float] = {}
        self._next = 0

    @property
    def tuning(self) -> bool:
        """True while candidates are still being timed."""
        return self.fixed is None and self._next < len(self.candidates)

    def size(self) -> int:
        """The batch size for the next chunk."""
        if self._next < len(self.candidates):
            return self.candidates[self._next]
        return min(self.timings, key=self.timings.get) if self.timings else self.candidates[0]

    def record(self, size: int, images: int, seconds: float) -> None:
        """Report that a chunk of ``images`` at batch ``size`` took ``seconds``."""
        if self._next < len(self.candidates) and size == self.candidates[self._next]:
            self._next += 1
            if images > 0:
                self.timings[size] = seconds / images
                if self.timings[size] > self.slower * min(self.timings.values()):
                    self._next = len(self.candidates)          # larger batches only get slower: stop timing

    def shrink(self, size: int) -> None:
        """``size`` ran out of memory: drop it and every larger candidate, add its half."""
        half = max(1, size // 2)
        self.candidates = sorted({c for c in self.candidates if c < size} | ({half} if half < size else set())) \
            or [half]
        self.timings = {k: v for k, v in self.timings.items() if k < size}
        untimed = [i for i, c in enumerate(self.candidates) if c not in self.timings]
        self._next = untimed[0] if untimed else len(self.candidates)
        self.fixed = None if self.fixed is None else half


def is_oom(exc: BaseException) -> bool:
    """True for a CUDA (or MPS) out-of-memory error.

    Args:
        exc: any exception.

    Returns:
        True for ``torch.cuda.OutOfMemoryError`` or a ``RuntimeError`` whose message says "out of memory".

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> is_oom(RuntimeError("MPS backend out of memory")), is_oom(ValueError("out of memory"))
        (True, False)
    """
    return isinstance(exc, torch.cuda.OutOfMemoryError) or (
        isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower())


def halve_on_oom(step: Callable[[int], T], size: int, on_shrink: Callable[[int], None] | None = None) -> tuple[T, int]:
    """Run ``step(size)``; on CUDA out-of-memory free the cache, halve ``size`` and retry (down to 1).

    Args:
        step: does one chunk at the given batch size (must be safe to rerun).
        size: the batch size to try first.
        on_shrink: told each size that failed.

    Returns:
        ``(step's result, the size that worked)``.

    Raises:
        The out-of-memory error when even batch 1 does not fit; anything else ``step`` raises.

    Source: freqlens.

    Example:
        >>> def step(b):
        ...     if b > 4:
        ...         raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        ...     return b
        >>> halve_on_oom(step, 16)
        (4, 4)
    """
    while True:
        try:
            return step(size), size
        except Exception as exc:  # noqa: BLE001 - only OOM is handled
            if not is_oom(exc) or size <= 1:
                raise
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            if on_shrink is not None:
                on_shrink(size)
            size = max(1, size // 2)


def describe_run(forward_passes: int, images_per_second: float | None = None, done: int = 0, total: int = 0,
                 what: str = "forward passes", remaining: int | None = None) -> str:
    """One line before a long run: the number of forward passes, an ETA, and how much a resume already did.

    Args:
        forward_passes: images the run sends through the model.
        images_per_second: measured throughput (None: no ETA).
        done, total: units (frequencies) a resumed run already has, of ``total``.
        what: what is counted.
        remaining: passes still to run, for the ETA (default ``forward_passes``).

    Returns:
        The sentence, without the probe's name (seconds below 2 min, minutes below 2 h, else hours).

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> describe_run(26_000, 1000.0, done=514, total=1028, what="perturbed images")
        'resuming: 514 of 1028 frequencies already done; 26,000 perturbed images to run, ETA 26 s'
    """
    head = f"resuming: {done} of {total} frequencies already done; " if done else ""
    eta = ""
    if images_per_second:
        secs = (forward_passes if remaining is None else remaining) / images_per_second
        eta = f", ETA {secs:.0f} s" if secs < 120 else (f", ETA {secs / 60:.1f} min" if secs < 7200
                                                         else f", ETA {secs / 3600:.1f} h")
    return f"{head}{forward_passes:,} {what} to run{eta}"


class RunAnnouncer:
    """Says once, after the first timed chunk of a run, how many forward passes it has and when it will end.

    Every probe that runs many forward passes prints this line (on stderr, through ``tqdm.write`` so progress
    bars stay intact) with the ETA measured on its own first chunk; a run done in one chunk says nothing.

    Args:
        name: the probe, e.g. ``"band-limited noise"``.
        forward_passes: images the whole run sends through the model.
        enabled: print at all (the probe's ``progress`` flag, and rank 0 only).
        file: where to print (default stderr).

    Attributes:
        line: the sentence once said (also when ``enabled`` is False), else None.
        passes_done: forward passes recorded so far.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> import io
        >>> buf = io.StringIO()
        >>> a = RunAnnouncer("noise", 3000, file=buf)
        >>> a.record(1000, 2.0); a.record(1000, 2.0)
        >>> buf.getvalue().strip()
        'noise: 3,000 forward passes to run, ETA 4 s'
    """

    def __init__(self, name: str, forward_passes: int, enabled: bool = True, file=None):
        self.name, self.forward_passes, self.enabled = name, int(forward_passes), bool(enabled)
        self.file = file
        self.passes_done = 0
        self.line: str | None = None

    def record(self, passes: int, seconds: float) -> None:
        """A chunk of ``passes`` forward passes took ``seconds``; the first call prints the line."""
        self.passes_done += int(passes)
        if self.line is not None or passes <= 0 or self.passes_done >= self.forward_passes:
            return  # said already, or the first chunk was the whole run
        rate = passes / max(seconds, 1e-9)
        self.line = f"{self.name}: " + describe_run(self.forward_passes, rate,
                                                    remaining=max(0, self.forward_passes - self.passes_done))
        if self.enabled:
            import sys

            from tqdm.auto import tqdm

            tqdm.write(self.line, file=self.file or sys.stderr)


def run_chunked(total: int, work: Callable[[int, int], tuple[int, T]], commit: Callable[[int, int, T], None],
                limit: int, fixed: int | None = None, passes_per_item: int = 1,
                announcer: RunAnnouncer | None = None, tuner: BatchTuner | None = None) -> BatchTuner:
    """Process items ``0 … total − 1`` in chunks whose size is measured, not guessed.

    The chunk size comes from a :class:`BatchTuner` (``fixed``: the user's ``max_batch``; else the candidates
    below ``limit``, timed on the first chunks, then the fastest). ``work(start, size)`` does the chunk that
    starts at ``start`` with batch ``size`` and returns ``(items it covered, value)``; it must not change any
    shared state, so that on CUDA out-of-memory it can be rerun at half the size (:func:`halve_on_oom`).
    ``commit(start, count, value)`` then records the value. The first chunk's time gives the ETA line.

    Args:
        total: number of items (images, frequencies).
        work: computes one chunk; see above.
        commit: stores one chunk's value.
        limit: the largest batch (from the memory budget).
        fixed: a user-given batch size (no tuning).
        passes_per_item: forward passes per item (for the timing per pass and the ETA).
        announcer: prints the forward-pass count and ETA after the first chunk.
        tuner: reuse a tuner across several runs (its ``limit``/``fixed`` win).

    Returns:
        The tuner (its ``size()`` is the batch it settled on).

    Raises:
        Whatever ``work`` raises; the out-of-memory error when even one item does not fit.

    Source: freqlens.

    Example:
        >>> sums = []
        >>> _ = run_chunked(10, lambda s, b: (min(b, 10 - s), sum(range(s, min(s + b, 10)))),
        ...                 lambda s, c, v: sums.append(v), limit=4, fixed=4)
        >>> sums, sum(sums)
        ([6, 22, 17], 45)
    """
    tuner = tuner or BatchTuner(limit, fixed=fixed)
    start = 0
    while start < total:
        size = tuner.size()
        tuning = tuner.tuning
        (result, used), secs = timed(lambda start=start, size=size: halve_on_oom(
            lambda b: work(start, b), size, tuner.shrink))
        count, value = result
        commit(start, count, value)
        if tuning and used == size:
            tuner.record(size, count * passes_per_item, secs)
        if announcer is not None:
            announcer.record(count * passes_per_item, secs)
        start += max(1, int(count))
    return tuner


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """Run ``fn`` and time it, synchronising CUDA (when initialised) so queued kernels are counted.

    Args:
        fn: a callable without arguments.

    Returns:
        ``(fn(), seconds)``, wall-clock seconds from ``time.perf_counter``.

    Raises:
        Whatever ``fn`` raises.

    Source: freqlens.

    Example:
        >>> out, seconds = timed(lambda: 2 + 2)
        >>> out, seconds >= 0
        (4, True)
    """
    start = time.perf_counter()
    out = fn()
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()
    return out, time.perf_counter() - start


__all__ = ["parse_memory", "free_memory", "memory_budget", "bytes_per_image", "budget_batch", "default_max_batch",
           "tuning_candidates", "BatchTuner", "is_oom", "halve_on_oom", "describe_run", "RunAnnouncer", "run_chunked",
           "timed"]
