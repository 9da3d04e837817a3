"""Fourier heat map (Yin et al. 2019, spec B2): the error rate of a classifier under additive perturbations
``x + r · eps · U_{p,q}`` for every frequency (p, q), where U is the real unit-norm Fourier basis
(:mod:`freqlens.fourier.basis`, the official code's construction) and r = ±1 is drawn independently per
image and per channel.

How it differs from the PyTorch tool reviewed in spec PART C (one DataLoader pass per basis, CPU-side
perturbation, every basis of the half plane incl. duplicates):

* each conjugate pair is evaluated once and written to both cells (32 × 32 → 514 evaluations, not 1 024);
* the evaluation images are moved to the model's device once; bases × images are stacked into one batch of
  up to ``max_batch`` perturbed images built on the device (never a DataLoader per basis);
* signs come from a generator seeded by (seed, basis index), so the map does not depend on ``max_batch``,
  on the device, on resuming, or on how frequencies are sharded over processes;
* errors are integer counts (no mean of batch means), so a sharded map equals the single-process one exactly;
* partial results are checkpointed atomically and a rerun resumes; a checkpoint of another configuration
  (model weights, images, eps, seed, bounds, window) is refused with the reason;
* launched by ``torchrun --nproc-per-node N``, frequencies are sharded over the processes with
  ``torch.distributed`` (gloo on CPU, nccl on GPU) and the counts are summed with ``all_reduce``.

The perturbation is added in input space (before ``normalize``) and clipped to ``bounds`` (``None``: no
clipping). ``eps`` is the ℓ2 norm per channel in input units (Yin et al.: 4 for CIFAR-10, 15.7 for ImageNet).
"""
from __future__ import annotations

import io
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.device import eval_mode, model_device
from freqlens import __version__
from freqlens.errors import CheckpointError, InputError, ModelOutputError
from freqlens.fingerprint import model_digest, tensor_digest, value_digest
from freqlens.fourier.basis import fourier_basis, position_grid, unique_positions
from freqlens.fourier.grid import centered_frequencies, chebyshev_radius
from freqlens.inference import NormalizeArg, OutputSelector, forward_logits, gather
from freqlens.probes.heatmap_quantities import FeatureCapture, parse_quantity, per_image_values
from freqlens.results import Result, atomic_write_bytes
from freqlens.validation import check_images, check_integer, check_labels_fit, check_positive

BASIS_NAME = "google-research (cos θ − sin θ)/√(HW), unit ℓ2 norm"
_CHECKPOINT_VERSION = 3  # 3: sums per quantity/class; 2: fingerprints from freqlens.fingerprint, incl. normalize and the freqlens version


@dataclass
class HeatmapResult(Result):
    """Error rate (%) per frequency, centred layout: ``error[p, q]`` is the error under the basis of
    frequency (f_u, f_v) = (p − ⌊H/2⌋, q − ⌊W/2⌋); DC in the middle; for even sizes row/column 0 hold the
    Nyquist frequency −H/2 (or −W/2). NaN where not computed (outside ``window``).

    With another ``quantity`` (loss, logit_change, feature_change:<layer>; see
    :mod:`freqlens.probes.heatmap_quantities`) ``error`` holds the mean of that quantity instead (also as
    :attr:`values`) and ``clean_value`` its value on the clean images. ``per_class`` (K, H, W): the same map per
    true class (``per_class=True``), NaN for classes without images."""

    error: np.ndarray
    eps: float
    n_images: int
    clean_error: float
    bounds: list | None
    seed: int
    window: int | None = None
    basis: str = BASIS_NAME
    label: str = ""
    quantity: str = "error"
    clean_value: float | None = None
    per_class: np.ndarray | None = None

    @property
    def values(self) -> np.ndarray:
        """The map of :attr:`quantity` (the same array as ``error``)."""
        return self.error

    @property
    def frequencies(self) -> tuple[np.ndarray, np.ndarray]:
        """``(f_u, f_v)`` of the rows and columns."""
        h, w = self.error.shape
        return centered_frequencies(h).numpy(), centered_frequencies(w).numpy()

    def chebyshev_radius(self) -> np.ndarray:
        """ρ = max(|f_u|, |f_v|) of every cell (H, W)."""
        return chebyshev_radius(*self.error.shape, centered=True).numpy()

    def ring_means(self) -> np.ndarray:
        """Mean error (%) on every ring ρ = max(|f_u|, |f_v|) = 0, 1, …, max: (max ρ + 1,), NaN where no cell of
        the ring was computed (e.g. outside a ``window``)."""
        rho = self.chebyshev_radius()
        err = np.asarray(self.error, dtype=float)
        out = np.full(int(rho.max()) + 1, np.nan)
        for r in range(out.size):
            vals = err[(rho == r) & np.isfinite(err)]
            if vals.size:
                out[r] = vals.mean()
        return out

    def band_mean(self, low: float, high: float) -> float:
        """Mean error (%) over the cells with ``low ≤ max(|f_u|, |f_v|) ≤ high`` (NaN cells ignored)."""
        rho = self.chebyshev_radius()
        vals = np.asarray(self.error)[(rho >= low) & (rho <= high)]
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            raise InputError(f"no computed cell has {low} ≤ max(|f_u|, |f_v|) ≤ {high}")
        return float(vals.mean())

    def plot(self, ax=None, vmin: float | None = None, vmax: float | None = None, title: str | None = None):
        """Draw the map in the authors' convention (error rate, linear RdBu: small error red, large blue);
        ``vmin``/``vmax`` in error-rate units (the paper: 0.1, 1), None: the data's range. Returns (fig, ax)."""
        from freqlens.plot.heatmap import plot_heatmap

        if self.quantity == "error":
            vmin = 0.0 if vmin is None else vmin
            vmax = 100.0 if vmax is None else vmax
        else:
            finite = np.asarray(self.error)[np.isfinite(self.error)]
            vmin = float(finite.min()) if vmin is None and finite.size else vmin
            vmax = float(finite.max()) if vmax is None and finite.size else vmax
        return plot_heatmap(self, ax=ax, vmin=vmin, vmax=vmax, title=title)


def _basis_seed(seed: int, index: int) -> int:
    return (int(seed) * 1_000_003 + int(index) * 7919 + 12_345) % (2**63 - 1)


def basis_signs(seed: int, index: int, n_images: int, channels: int) -> torch.Tensor:
    """The ±1 signs (n_images, channels) used for basis ``index`` (CPU generator seeded by (seed, index))."""
    g = torch.Generator().manual_seed(_basis_seed(seed, index))
    return torch.randint(0, 2, (n_images, channels), generator=g, dtype=torch.int8) * 2 - 1


def _to_device(t: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``t`` on ``device``; to a GPU through pinned memory, asynchronously (no wait for queued work)."""
    if device.type != "cuda":
        return t.to(device)
    return t.pin_memory().to(device, non_blocking=True)


def _distributed_context(distributed: bool | str, device: torch.device) -> tuple[int, int, bool]:
    """(rank, world_size, initialised_here). torchrun sets WORLD_SIZE/RANK; gloo on CPU, nccl on CUDA."""
    if distributed is False:
        return 0, 1, False
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size(), False
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        if not dist.is_available():
            raise InputError("WORLD_SIZE > 1 but torch.distributed is not available in this PyTorch build")
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        return dist.get_rank(), dist.get_world_size(), True
    if distributed is True:
        raise InputError("distributed=True but no process group: launch with `torchrun --nproc-per-node N`")
    return 0, 1, False


def _check_model_input(model: nn.Module, x: torch.Tensor, y: torch.Tensor, normalize: NormalizeArg,
                       output: OutputSelector = None, amp: bool = False) -> None:
    try:
        logits = forward_logits(model, x, normalize, output=output, amp=amp)
    except ModelOutputError:
        raise
    except (RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"the model cannot take images of shape {tuple(x.shape[1:])} (channels, H, W): {first}") from exc
    check_labels_fit(logits, y)


def _output_tag(output: OutputSelector) -> str | int | None:
    """The ``output=`` selector as a checkpoint key (a callable by its qualified name)."""
    if output is None or isinstance(output, (str, int)):
        return output
    return f"callable:{getattr(output, '__module__', '')}.{getattr(output, '__qualname__', type(output).__name__)}"


def _shard_path(checkpoint: Path, rank: int, world: int) -> Path:
    return checkpoint if world == 1 else checkpoint.with_name(f"{checkpoint.name}.rank{rank}of{world}")


def _load_checkpoint(path: Path, meta: dict, shape: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor] | None:
    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        old = state["meta"]
        counts, done = state["counts"], state["done"]
    except Exception as exc:
        raise CheckpointError(f"heat-map checkpoint {path} is corrupt: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc
    for key in meta:
        if old.get(key) != meta[key]:
            raise CheckpointError(f"heat-map checkpoint {path} was written for a different configuration ({key}: "
                                  f"{old.get(key)!r} there, {meta[key]!r} now); refusing to resume — delete it or "
                                  f"pass another checkpoint path")
    if tuple(counts.shape) != tuple(shape) or done.shape != (shape[0],):
        raise CheckpointError(f"heat-map checkpoint {path} holds {tuple(counts.shape)} sums; expected {tuple(shape)}")
    return counts.double(), done.bool()


def _save_checkpoint(path: Path, meta: dict, counts: torch.Tensor, done: torch.Tensor) -> None:
    buf = io.BytesIO()
    torch.save({"meta": meta, "counts": counts.cpu(), "done": done.cpu()}, buf)
    atomic_write_bytes(path, buf.getvalue())


def fourier_heatmap(model: nn.Module, images, labels: torch.Tensor | None = None, eps: float = 4.0,
                    bounds: tuple[float, float] | None = (0.0, 1.0), normalize: NormalizeArg = None,
                    max_batch: int = 4096, seed: int = 0, checkpoint: str | os.PathLike | None = None,
                    window: int | None = None, limit: int | None = None, progress: bool = True,
                    checkpoint_interval: float = 30.0, distributed: bool | str = "auto",
                    label: str = "", output: OutputSelector = None, amp: bool = False, quantity: str = "error",
                    per_class: bool = False) -> HeatmapResult:
    """Error rate (%) of ``model`` under Fourier-basis perturbations of ℓ2 norm ``eps`` per channel.

    Args:
        images: (N, C, H, W) in input space within ``bounds`` (any C, any H × W), or a DataLoader of
            ``(images, labels)`` batches (gathered once; ``limit`` keeps the first ``limit`` images).
        labels: (N,) class indices (with tensor images).
        eps: ℓ2 norm of the perturbation per channel, in input units (> 0).
        bounds: clip perturbed images to these bounds (``None``: no clipping); images must lie inside.
        normalize: a callable or (mean, std) pair, applied after perturbing and clipping, right before the model.
        output: picks the class scores from the model's output (a dict key, a tuple index or a callable;
            :func:`freqlens.inference.select_output`). A single binary logit predicts class 1 where it is > 0.
        amp: run the model under :func:`torch.autocast`.
        max_batch: perturbed images per forward pass (bases × images); bounds memory.
        seed: signs of basis k come from a generator seeded by (seed, k).
        checkpoint: file for partial results (written atomically every ``checkpoint_interval`` seconds, on
            interruption and at the end); an existing file of the same configuration is resumed.
        window: only frequencies with max(|f_u|, |f_v|) ≤ ``window`` (e.g. 31 → the 63 × 63 ImageNet window).
        distributed: "auto" shards frequencies over the ``torchrun`` processes (or an initialised process
            group); False never does. Every rank returns the full map.
        quantity: what each cell measures, averaged over images: ``"error"`` (%), ``"loss"`` (cross-entropy,
            nats), ``"logit_change"`` (‖f(x+δ) − f(x)‖₂) or ``"feature_change:<layer>"`` (relative ‖Δφ‖₂ of the
            output of module ``<layer>``); see :mod:`freqlens.probes.heatmap_quantities`.
        per_class: also keep the map per true class (``result.per_class``, (K, H, W)).

    Returns:
        :class:`HeatmapResult` with ``error`` (H, W), centred layout, in percent (or the mean ``quantity``).

    Raises:
        InputError: bad images, labels, eps, window or quantity. CheckpointError: a checkpoint of another
            configuration.

    Source:
        Yin et al. 2019, "A Fourier perspective on model robustness", Sec. 3 (Fourier heat map).

    Example::

        >>> res = fourier_heatmap(model, x_test[:1000], y_test[:1000], eps=4.0)   # CIFAR-10, x in [0, 1]
        >>> res.error.shape, res.band_mean(12, 16) - res.band_mean(0, 1)
        >>> fig, ax = res.plot()
    """
    x, y = gather(images, labels, limit)
    if isinstance(eps, bool) or not isinstance(eps, (int, float)):
        raise InputError(f"eps must be a positive ℓ2 norm per channel (e.g. 4 for CIFAR-10), got {eps!r}")
    eps = check_positive(eps, "eps", hint="an ℓ2 norm per channel, e.g. 4 for CIFAR-10")
    max_batch = check_integer(max_batch, "max_batch")
    check_images(x, y, bounds)
    if window is not None:
        window = check_integer(window, "window", minimum=0)
    q = parse_quantity(quantity, model)
    dev = model_device(model)
    n, c, h, w = x.shape
    x_dev = x.to(dev, dtype=torch.float32)
    y_dev = y.to(dev)

    positions = unique_positions(h, w)          # global index k of a pair = its row here (keys the signs)
    m = positions.shape[0]
    wanted = torch.arange(m)
    if window is not None:
        fu, fv = positions[:, 0] - h // 2, positions[:, 1] - w // 2
        wanted = wanted[torch.maximum(fu.abs(), fv.abs()) <= int(window)]

    rank, world, own_group = _distributed_context(distributed, dev)
    mine = wanted[rank::world]
    meta = {"version": _CHECKPOINT_VERSION, "eps": float(eps), "seed": int(seed),
            "bounds": None if bounds is None else [float(bounds[0]), float(bounds[1])], "shape": [n, c, h, w],
            "window": None if window is None else int(window), "images": tensor_digest(x), "labels": tensor_digest(y),
            "model": model_digest(model), "normalize": value_digest(normalize), "basis": BASIS_NAME, "rank": rank,
            "world_size": world, "freqlens": __version__, "output": _output_tag(output), "amp": bool(amp),
            "quantity": q.name, "per_class": bool(per_class)}
    nb = min(n, int(max_batch))
    mb = max(1, int(max_batch) // nb)
    lo, hi = (bounds if bounds is not None else (None, None))
    capture = FeatureCapture(model, q.layer) if q.layer is not None else None
    try:
        with eval_mode(model), torch.inference_mode():
            _check_model_input(model, x_dev[: min(n, 8)], y_dev, normalize, output, amp)
            clean_logits, clean_feats = [], []
            for i0 in range(0, n, max_batch):
                clean_logits.append(forward_logits(model, x_dev[i0:i0 + max_batch], normalize, output=output, amp=amp))
                if capture is not None:
                    clean_feats.append(capture.value)
            clean_logits = torch.cat(clean_logits)
            clean_feats = torch.cat(clean_feats) if capture is not None else None
    except BaseException:
        if capture is not None:
            capture.remove()
        raise
    groups = int(clean_logits.shape[1]) if per_class else 1
    meta["groups"] = groups
    counts = torch.zeros(m, groups, dtype=torch.float64)
    done = torch.zeros(m, dtype=torch.bool)
    ckpt_path = _shard_path(Path(checkpoint), rank, world) if checkpoint is not None else None
    if ckpt_path is not None:
        loaded = _load_checkpoint(ckpt_path, meta, (m, groups))
        if loaded is not None:
            counts, done = loaded

    todo = mine[~done[mine]]
    clean_wrong = int((clean_logits.argmax(1) != y_dev).sum())
    clean_value = float(per_image_values(q, clean_logits[None], y_dev, clean_logits, clean_feats, clean_feats).mean())
    with eval_mode(model), torch.inference_mode():
        last_save = time.monotonic()
        bar = tqdm(total=int(todo.numel()), desc="fourier heat map", unit="freq", disable=not progress or rank != 0,
                   leave=False)
        # Counts stay on the device until a checkpoint or the end: no host sync per chunk, so on a GPU the host
        # prepares the next chunk (signs, bases) while the device still works on this one.
        # Host-to-device copies go through pinned memory without blocking: a copy from pageable memory would wait
        # for the device to finish the previous chunk.
        counts_dev = counts.to(dev)
        todo_dev = todo.to(dev)
        try:
            for k0 in range(0, int(todo.numel()), mb):
                idx = todo[k0:k0 + mb]
                basis = _to_device(fourier_basis(h, w, positions[idx]) * float(eps), dev)      # (mb, H, W)
                signs = _to_device(torch.stack([basis_signs(seed, int(k), n, c) for k in idx]).float(), dev)  # (mb, N, C)
                wrong = torch.zeros(idx.numel(), groups, dtype=torch.float64, device=dev)
                for i0 in range(0, n, nb):
                    xb = x_dev[i0:i0 + nb]
                    pert = xb[None] + signs[:, i0:i0 + nb, :, None, None] * basis[:, None, None]
                    if lo is not None:
                        pert = pert.clamp_(lo, hi)
                    logits = forward_logits(model, pert.view(-1, c, h, w), normalize, output=output, amp=amp)
                    yb = y_dev[i0:i0 + nb]
                    vals = per_image_values(q, logits.view(idx.numel(), xb.shape[0], -1), yb, clean_logits[i0:i0 + nb],
                                            capture.value if capture is not None else None,
                                            clean_feats[i0:i0 + nb] if capture is not None else None)
                    if groups == 1:
                        wrong[:, 0] += vals.sum(1)
                    else:
                        wrong.index_add_(1, yb, vals)
                counts_dev[todo_dev[k0:k0 + mb]] = wrong
                done[idx] = True
                bar.update(int(idx.numel()))
                if ckpt_path is not None and time.monotonic() - last_save > checkpoint_interval:
                    counts = counts_dev.cpu()
                    _save_checkpoint(ckpt_path, meta, counts, done)
                    last_save = time.monotonic()
        except BaseException:
            if ckpt_path is not None:
                counts = counts_dev.cpu()
                _save_checkpoint(ckpt_path, meta, counts, done)
            raise
        finally:
            bar.close()
            if capture is not None:
                capture.remove()
        counts = counts_dev.cpu()
    if ckpt_path is not None:
        _save_checkpoint(ckpt_path, meta, counts, done)

    if world > 1:
        import torch.distributed as dist

        comm_dev = dev if dev.type == "cuda" else torch.device("cpu")
        own = torch.zeros(m, groups, dtype=torch.float64)
        own[mine] = counts[mine]
        total = own.to(comm_dev)
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        counts = total.cpu()
        if own_group:
            dist.barrier()
            dist.destroy_process_group()

    grid = position_grid(h, w)
    per_pair = torch.full((m,), float("nan"), dtype=torch.float64)
    per_pair[wanted] = counts[wanted].sum(1) / n
    full = per_pair[grid]              # each pair written to both of its cells
    class_maps = None
    if per_class:
        sizes = torch.bincount(y.cpu(), minlength=groups)[:groups].double()
        pc = torch.full((m, groups), float("nan"), dtype=torch.float64)
        pc[wanted] = counts[wanted] / sizes.clamp_min(1)
        pc[:, sizes == 0] = float("nan")
        class_maps = pc[grid].permute(2, 0, 1).numpy()
    return HeatmapResult(error=full.numpy(), eps=float(eps), n_images=n, clean_error=100.0 * clean_wrong / n,
                         bounds=None if bounds is None else [float(bounds[0]), float(bounds[1])], seed=int(seed),
                         window=None if window is None else int(window), label=label, quantity=q.name,
                         clean_value=clean_value, per_class=class_maps)


__all__ = ["HeatmapResult", "fourier_heatmap", "basis_signs"]
