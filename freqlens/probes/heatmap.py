"""Fourier heat map (Yin et al. 2019, the Fourier heat map): the error rate of a classifier under additive perturbations
``x + r · eps · U_{p,q}`` for every frequency (p, q), where U is the real unit-norm Fourier basis
(:mod:`freqlens.fourier.basis`, the official code's construction) and r = ±1 is drawn independently per
image and per channel.

How it differs from the unofficial PyTorch FourierHeatmap tool (one DataLoader pass per basis, CPU-side
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
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens import __version__
from freqlens.acceleration import accelerated
from freqlens.device import eval_mode, model_device
from freqlens.errors import CheckpointError, InputError
from freqlens.fingerprint import model_digest, tensor_digest, value_digest
from freqlens.fourier.basis import fourier_basis, position_grid, unique_positions
from freqlens.fourier.grid import centered_frequencies, chebyshev_radius, window_slices
from freqlens.inference import OutputSelector, check_model_takes_images, forward_logits, gather
from freqlens.normalization import NormalizeArg
from freqlens.probes.heatmap_quantities import FeatureCapture, Quantity, parse_quantity, per_image_values
from freqlens.results import Result, atomic_write_bytes
from freqlens.validation import check_images, check_integer, check_positive

BASIS_NAME = "google-research (cos θ − sin θ)/√(HW), unit ℓ2 norm"
_CHECKPOINT_VERSION = 3  # 3: sums per (frequency, class group) of any quantity; quantity and per_class in the meta


@dataclass
class HeatmapResult(Result):
    """Error rate (%) per frequency, centred layout: ``error[p, q]`` is the error under the basis of
    frequency (f_u, f_v) = (p − ⌊H/2⌋, q − ⌊W/2⌋); DC in the middle; for even sizes row/column 0 hold the
    Nyquist frequency −H/2 (or −W/2). With a ``window`` the map is stored at the window's size
    ((2·window + 1) per axis that the window cuts, e.g. 63 × 63 with axes −31 … 31 for window 31 on 224 × 224);
    ``image_size`` keeps the (H, W) of the images.

    With another ``quantity`` (``"loss"``, ``"logit_change"``, ``"feature_change:<layer>"``, see
    :mod:`freqlens.probes.heatmap_quantities`) ``error`` holds the mean of that quantity over the images instead,
    in its own units (nats, logit units, feature units; also readable as :attr:`values`), and ``clean_value`` its
    mean on the clean images. ``per_class`` (K, H, W): the same map averaged over the images of each true class
    (NaN for a class without images), ``class_counts`` (K,) the number of images of each class, ``class_names``
    the names of the classes in label order where the data supplies them (may be shorter than K; None: unknown).

    Args:
        error: (H, W) error in % (NaN outside a window).
        eps: ℓ2 norm of the basis perturbation per channel (input units).
        n_images: images evaluated.
        clean_error: error (%) on the clean images.
        bounds: (low, high) the perturbed images were clipped to, or None.
        seed: seed of the random signs.
        window: half-width of the computed window (None: every frequency).
        basis: the Fourier-basis convention, in words.
        label: model name for plots.
        image_size: (H, W) of the images (None: the map's size).

    Attributes:
        The arguments; :meth:`frequencies`, :meth:`chebyshev_radius`, :meth:`ring_means`, :meth:`band_mean` and
        :meth:`plot` (:func:`~freqlens.plot.heatmap.plot_heatmap`).

    Raises:
        Nothing of its own.

    Source:
        Yin et al. 2019 (NeurIPS), Fourier heat map (Sec. 2).

    Example:
        >>> import numpy as np
        >>> r = HeatmapResult(error=np.arange(9.0).reshape(3, 3), eps=4.0, n_images=1, clean_error=0.0, bounds=None,
        ...                   seed=0)
        >>> float(r.error[1, 1]), r.ring_means().tolist()
        (4.0, [4.0, 4.0])
    """

    error: np.ndarray
    eps: float
    n_images: int
    clean_error: float
    bounds: list | None
    seed: int
    window: int | None = None
    basis: str = BASIS_NAME
    label: str = ""
    image_size: list[int] | None = None
    quantity: str = "error"
    clean_value: float | None = None
    per_class: np.ndarray | None = None
    class_counts: list[int] | None = None
    class_names: list[str] | None = None

    @property
    def values(self) -> np.ndarray:
        """The map of :attr:`quantity` (the same array as ``error``; percent for error maps)."""
        return self.error

    def logged_arrays(self) -> dict[str, np.ndarray]:
        """The 2-D maps a logger records (:func:`freqlens.loggers.log_result`), keyed by quantity: ``error``,
        ``loss``, ``logit_change`` or ``feature_change/<layer>``, and ``<key>/class<k>`` per class."""
        key = parse_quantity(self.quantity).log_key
        out = {key: np.asarray(self.error)}
        if self.per_class is not None:
            for k, m in enumerate(np.asarray(self.per_class)):
                out[f"{key}/class{k}"] = m
        return out

    @property
    def frequencies(self) -> tuple[np.ndarray, np.ndarray]:
        """``(f_u, f_v)`` of the rows and columns."""
        h, w = self.error.shape
        return centered_frequencies(h).numpy(), centered_frequencies(w).numpy()

    def chebyshev_radius(self) -> np.ndarray:
        """ρ = max(|f_u|, |f_v|) of every cell (H, W)."""
        return chebyshev_radius(*self.error.shape, centered=True).numpy()

    def ring_means(self) -> np.ndarray:
        """Mean error (%, or mean quantity) on every ring ρ = max(|f_u|, |f_v|) = 0, 1, …, max: (max ρ + 1,), NaN
        where no cell of the ring was computed (e.g. outside a ``window``)."""
        rho = self.chebyshev_radius()
        err = np.asarray(self.error, dtype=float)
        out = np.full(int(rho.max()) + 1, np.nan)
        for r in range(out.size):
            vals = err[(rho == r) & np.isfinite(err)]
            if vals.size:
                out[r] = vals.mean()
        return out

    def band_mean(self, low: float, high: float) -> float:
        """Mean error (%, or mean quantity) over the cells with ``low ≤ max(|f_u|, |f_v|) ≤ high`` (NaN cells
        ignored)."""
        rho = self.chebyshev_radius()
        vals = np.asarray(self.error)[(rho >= low) & (rho <= high)]
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            raise InputError(f"no computed cell has {low} ≤ max(|f_u|, |f_v|) ≤ {high}")
        return float(vals.mean())

    def plot(self, ax=None, vmin: float | None = None, vmax: float | None = None, title: str | None = None):
        """Draw the map: an error map in the authors' convention (error rate, linear RdBu: small error red, large
        blue; ``vmin``/``vmax`` in error-rate units, the paper: 0.1, 1), any other quantity in its own units
        with a colour bar named after it; None: the data's range. Returns (fig, ax)."""
        from freqlens.plot.heatmap import plot_heatmap

        return plot_heatmap(self, ax=ax, vmin=vmin, vmax=vmax, title=title)

    def plot_per_class(self, class_names=None, vmin: float | None = None, vmax: float | None = None):
        """The per-class maps as a small grid with one shared colour bar
        (:func:`freqlens.plot.heatmap.plot_per_class_heatmaps`); ``class_names`` defaults to
        :attr:`class_names`. Returns (fig, axes)."""
        from freqlens.plot.heatmap import plot_per_class_heatmaps

        return plot_per_class_heatmaps(self, class_names=class_names, vmin=vmin, vmax=vmax)


def _basis_seed(seed: int, index: int) -> int:
    return (int(seed) * 1_000_003 + int(index) * 7919 + 12_345) % (2**63 - 1)


def basis_signs(seed: int, index: int, n_images: int, channels: int) -> torch.Tensor:
    """The random ±1 signs of every image and channel for Fourier basis ``index`` of the heat map, drawn from a CPU
    generator seeded by (seed, index), so a cell's perturbations do not depend on batching, device or resumption.

    Args:
        seed: the heat map's seed.
        index: the basis index (position in the map).
        n_images: images.
        channels: channels per image.

    Returns:
        (n_images, channels) int8 tensor of ±1.

    Raises:
        Nothing of its own.

    Source:
        Yin et al. 2019 (NeurIPS), random sign per channel of the Fourier-basis perturbation.

    Example:
        >>> s = basis_signs(0, 5, 2, 3)
        >>> s.dtype, set(s.flatten().tolist()) <= {-1, 1}, torch.equal(s, basis_signs(0, 5, 2, 3))
        (torch.int8, True, True)
    """
    g = torch.Generator().manual_seed(_basis_seed(seed, index))
    return torch.randint(0, 2, (n_images, channels), generator=g, dtype=torch.int8) * 2 - 1


def _to_device(t: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``t`` on ``device``; to a GPU through pinned memory, asynchronously (no wait for queued work)."""
    if device.type != "cuda":
        return t.to(device)
    return t.pin_memory().to(device, non_blocking=True)


def keep_process_group(dist) -> None:
    """Keep a process group freqlens created for the rest of the process and destroy it at exit. Destroying it after
    each call and creating it again under the same torchrun rendezvous lets gloo read the previous group's
    addresses from the store (connection refused on the second sharded call of a script).

    Args:
        dist: the ``torch.distributed`` module, with a default process group just initialised.

    Returns:
        None; an ``atexit`` hook destroys the group if it still exists.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> import torch.distributed as dist
        >>> keep_process_group(dist)              # registers the exit hook; nothing to destroy here
    """
    import atexit

    def close():
        if dist.is_initialized():
            dist.destroy_process_group()
    atexit.register(close)


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
        keep_process_group(dist)
        return dist.get_rank(), dist.get_world_size(), True
    if distributed is True:
        raise InputError("distributed=True but no process group: launch with `torchrun --nproc-per-node N`")
    return 0, 1, False


def _output_tag(output: OutputSelector) -> str | int | None:
    """The ``output=`` selector as a checkpoint key (a callable by its qualified name)."""
    if output is None or isinstance(output, (str, int)):
        return output
    return f"callable:{getattr(output, '__module__', '')}.{getattr(output, '__qualname__', type(output).__name__)}"


def _shard_path(checkpoint: Path, rank: int, world: int) -> Path:
    return checkpoint if world == 1 else checkpoint.with_name(f"{checkpoint.name}.rank{rank}of{world}")


def _load_checkpoint(path: Path, meta: dict, shape: tuple[int, int],
                     dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor] | None:
    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        old = state["meta"]
        counts, done = state["counts"], state["done"]
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CheckpointError(f"heat-map checkpoint {path} is corrupt: {reason}") from exc
    for key in meta:
        if old.get(key) != meta[key]:
            raise CheckpointError(f"heat-map checkpoint {path} was written for a different configuration ({key}: "
                                  f"{old.get(key)!r} there, {meta[key]!r} now); refusing to resume — delete it or "
                                  f"pass another checkpoint path")
    if tuple(counts.shape) != tuple(shape) or tuple(done.shape) != (shape[0],):
        raise CheckpointError(f"heat-map checkpoint {path} holds {tuple(counts.shape)} sums; expected {tuple(shape)}")
    return counts.to(dtype), done.bool()


def _save_checkpoint(path: Path, meta: dict, counts: torch.Tensor, done: torch.Tensor) -> None:
    buf = io.BytesIO()
    torch.save({"meta": meta, "counts": counts.cpu(), "done": done.cpu()}, buf)
    atomic_write_bytes(path, buf.getvalue())


def _clean_features_fit(feature_bytes_per_image: int, n: int, dev: torch.device,
                        memory_budget: str | int | None) -> bool:
    """Whether the clean images' features (kept for feature_change) fit in a quarter of the memory budget."""
    from freqlens.batching import memory_budget as budget_bytes

    return feature_bytes_per_image * n <= budget_bytes(dev, memory_budget) // 4


def _log_probabilities(selector):
    """An output selector that takes the log of the selected probabilities (clamped away from 0)."""
    from freqlens.inference import select_output

    def select(raw):
        return torch.log(select_output(raw, selector).float().clamp_min(1e-30))
    return select


def fourier_heatmap(model: nn.Module, images, labels: torch.Tensor | None = None, eps: float = 4.0,
                    bounds: tuple[float, float] | None = (0.0, 1.0), normalize: NormalizeArg = None,
                    max_batch: int | None = None, seed: int = 0, checkpoint: str | os.PathLike | None = None,
                    window: int | None = None, limit: int | None = None, progress: bool = True,
                    checkpoint_interval: float = 30.0, distributed: bool | str = "auto",
                    label: str = "", output: OutputSelector = None, amp: bool | str = False,
                    memory_budget: str | int | None = None, channels_last: bool = False,
                    compile: bool = False, quantity: str = "error", per_class: bool = False) -> HeatmapResult:
    """Error rate (%) — or the mean loss, logit change or feature change — of ``model`` under Fourier-basis
    perturbations of ℓ2 norm ``eps`` per channel, one cell per frequency.

    Args:
        images: (N, C, H, W) in input space within ``bounds`` (any C, any H × W), or a DataLoader of
            ``(images, labels)`` batches (gathered once; ``limit`` keeps the first ``limit`` images).
        labels: (N,) class indices (with tensor images).
        eps: ℓ2 norm of the perturbation per channel, in input units (> 0).
        bounds: clip perturbed images to these bounds (``None``: no clipping); images must lie inside.
        normalize: a callable or (mean, std) pair, applied after perturbing and clipping, right before the model.
        output: picks the class scores from the model's output (a dict key, a tuple index or a callable;
            :func:`freqlens.inference.select_output`). A single binary logit predicts class 1 where it is > 0.
        amp: run the model under :func:`torch.autocast` (True: the device's default half type; "bf16"/"fp16").
        max_batch: perturbed images per forward pass (bases × images). Default (None): the largest power of two
            that fits ``memory_budget`` (:mod:`freqlens.batching`), then the fastest of a few sizes timed on the
            first chunks. On CUDA out-of-memory the batch is halved and the chunk rerun.
        memory_budget: bytes (or "2G") one batch may use; default a fraction of the free RAM / GPU memory.
        channels_last: run in channels-last memory format. compile: wrap the model with ``torch.compile``.
        seed: signs of basis k come from a generator seeded by (seed, k).
        checkpoint: file for partial results (written atomically every ``checkpoint_interval`` seconds, on
            interruption and at the end); an existing file of the same configuration (quantity and per_class
            included) is resumed.
        window: only frequencies with max(|f_u|, |f_v|) ≤ ``window`` (e.g. 31 → the 63 × 63 ImageNet window);
            the result is then stored at the window's size.
        distributed: "auto" shards frequencies over the ``torchrun`` processes (or an initialised process
            group); False never does. Every rank returns the full map.
        quantity: what a cell measures, averaged over the images (:mod:`freqlens.probes.heatmap_quantities`):
            ``"error"`` (percent, the default), ``"loss"`` (cross-entropy in nats; BCE-with-logits for a single
            binary logit), ``"logit_change"`` (‖f(x + δ) − f(x)‖₂ in logit units, clean logits computed once) or
            ``"feature_change:<layer>"`` (‖φ(x + δ) − φ(x)‖₂ of the output φ of the module of that name, read by
            a forward hook; the clean outputs are kept when they fit a quarter of the memory budget, else
            recomputed per chunk). Only running sums are kept: memory does not grow with N or the frequencies.
        per_class: also return the map averaged per true class (``result.per_class``, (K, H, W)).

    Returns:
        :class:`HeatmapResult` with ``error`` (H, W) — or (2·window + 1)² with a window — centred: the error in
        percent, or the mean ``quantity``; ``per_class`` (K, H, W) and ``class_counts`` (K,) with ``per_class``.

    Raises:
        InputError: bad images, labels, eps, window, batch settings or quantity (one line; an unknown layer
            lists a few valid module names).
        ModelOutputError: the chosen layer does not run once per forward pass on a batch-first output.
        CheckpointError: the checkpoint belongs to another configuration (e.g. another quantity).

    Source: Yin et al. 2019, "A Fourier perspective on model robustness", Sec. 3 (Fourier heat map); the other
        quantities: freqlens.

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 2))
        >>> res = fourier_heatmap(net, torch.rand(4, 3, 8, 8), torch.tensor([0, 1, 0, 1]), eps=2.0, window=2,
        ...                       progress=False)
        >>> res.error.shape, res.frequencies[0].tolist()
        ((5, 5), [-2, -1, 0, 1, 2])
        >>> fourier_heatmap(net, torch.rand(4, 3, 8, 8), torch.tensor([0, 1, 0, 1]), eps=2.0, window=1,
        ...                 quantity="logit_change", per_class=True, progress=False).per_class.shape
        (2, 3, 3)
    """
    from freqlens.batching import BatchTuner, default_max_batch, describe_run, halve_on_oom, timed

    x, y = gather(images, labels, limit)
    if isinstance(eps, bool) or not isinstance(eps, (int, float)):
        raise InputError(f"eps must be a positive ℓ2 norm per channel (e.g. 4 for CIFAR-10), got {eps!r}")
    eps = check_positive(eps, "eps", hint="an ℓ2 norm per channel, e.g. 4 for CIFAR-10")
    if max_batch is not None:
        max_batch = check_integer(max_batch, "max_batch")
    check_images(x, y, bounds)
    if window is not None:
        window = check_integer(window, "window", minimum=0)
    q: Quantity = parse_quantity(quantity, model)
    if getattr(model, "outputs_probabilities", False) and q.kind in ("loss", "logit_change"):
        # a model that returns probabilities (e.g. PostAveraged): its log is a logit vector with the same softmax,
        # so the cross-entropy is −log p_y exactly and logit_change is measured in log-probabilities
        output = _log_probabilities(output)
    per_class = bool(per_class)
    dev = model_device(model)
    n, c, h, w = x.shape
    x_dev = x.to(dev, dtype=torch.float32)
    if channels_last:
        x_dev = x_dev.contiguous(memory_format=torch.channels_last)
    y_dev = y.to(dev)
    integer = q.kind == "error"                  # error: exact integer counts; the others: float sums
    acc_dtype = torch.long if integer else (torch.float32 if dev.type == "mps" else torch.float64)
    val_dtype = torch.float32 if dev.type == "mps" else torch.float64

    positions = unique_positions(h, w)          # global index k of a pair = its row here (keys the signs)
    m = positions.shape[0]
    wanted = torch.arange(m)
    if window is not None:
        fu, fv = positions[:, 0] - h // 2, positions[:, 1] - w // 2
        wanted = wanted[torch.maximum(fu.abs(), fv.abs()) <= int(window)]

    rank, world, own_group = _distributed_context(distributed, dev)
    mine = wanted[rank::world]
    resumable = checkpoint is not None          # the digests (hashing the weights and images) only key a checkpoint
    meta = {"version": _CHECKPOINT_VERSION, "eps": float(eps), "seed": int(seed),
            "bounds": None if bounds is None else [float(bounds[0]), float(bounds[1])], "shape": [n, c, h, w],
            "window": None if window is None else int(window),
            "images": tensor_digest(x) if resumable else None, "labels": tensor_digest(y) if resumable else None,
            "model": model_digest(model) if resumable else None,
            "normalize": value_digest(normalize) if resumable else None, "basis": BASIS_NAME, "rank": rank,
            "world_size": world, "freqlens": __version__, "output": _output_tag(output), "amp": bool(amp),
            "quantity": q.name, "per_class": per_class}
    ckpt_path = _shard_path(Path(checkpoint), rank, world) if checkpoint is not None else None

    lo, hi = (bounds if bounds is not None else (None, None))
    talk = progress and rank == 0
    capture = FeatureCapture(model, q.layer) if q.kind == "feature_change" else None
    try:
        with eval_mode(model), accelerated(model, channels_last, compile) as net, torch.inference_mode():
            first = min(n, 8)
            t_check = time.perf_counter()
            check_logits = check_model_takes_images(net, x_dev[:first], y_dev, normalize, output, amp)
            check_feats = capture.take(first) if capture is not None else None
            clean_wrong = int((check_logits.argmax(1) != y_dev[:first]).sum())
            t_check = time.perf_counter() - t_check
            groups = int(check_logits.shape[1]) if per_class else 1
            meta["groups"] = groups
            counts = torch.zeros(m, groups, dtype=acc_dtype)
            done = torch.zeros(m, dtype=torch.bool)
            if ckpt_path is not None:
                loaded = _load_checkpoint(ckpt_path, meta, (m, groups), acc_dtype)
                if loaded is not None:
                    counts, done = loaded
            todo = mine[~done[mine]]
            already = int(done[mine].sum())
            keep_logits = not integer            # (N, K): small next to the images already on the device
            keep_feats = capture is not None and _clean_features_fit(
                check_feats[0].numel() * check_feats.element_size(), n, dev, memory_budget)
            budget_cap = max_batch or default_max_batch(
                model, x_dev[:1], memory_budget,
                run=lambda t: forward_logits(model, t, normalize, output=output, amp=amp))
            if capture is not None:
                capture.reset()                  # drop what sizing the batch left in the hook
            tuner = BatchTuner(budget_cap, fixed=max_batch)
            clean_bs = max_batch or budget_cap
            start = time.perf_counter()

            def clean_pass(bs: int):
                wrong, logit_parts, feat_parts = 0, [check_logits], [check_feats]
                for i0 in range(first, n, bs):
                    logits = forward_logits(net, x_dev[i0:i0 + bs], normalize, output=output, amp=amp)
                    wrong += int((logits.argmax(1) != y_dev[i0:i0 + bs]).sum())
                    if keep_logits:
                        logit_parts.append(logits)
                    if capture is not None:
                        feats = capture.take(logits.shape[0])
                        if keep_feats:
                            feat_parts.append(feats)
                return wrong, logit_parts, feat_parts

            (more_wrong, logit_parts, feat_parts), _ = halve_on_oom(clean_pass, clean_bs)
            clean_wrong += more_wrong
            clean_logits = torch.cat(logit_parts).float() if keep_logits else None
            clean_feats = torch.cat(feat_parts) if keep_feats else None
            del logit_parts, feat_parts
            if q.kind == "error":
                clean_value = 100.0 * clean_wrong / n
            elif q.kind == "loss":
                clean_value = float(nn.functional.cross_entropy(clean_logits.to(val_dtype), y_dev).item())
            else:
                clean_value = 0.0
            rate = n / max(time.perf_counter() - start + t_check, 1e-9)
            if talk and todo.numel():
                print("fourier heat map: " + describe_run(int(todo.numel()) * n, rate, done=already,
                                                          total=int(mine.numel()), what="perturbed images"),
                      file=sys.stderr, flush=True)
            last_save = time.monotonic()
            bar = tqdm(total=int(todo.numel()), desc="fourier heat map", unit="freq", disable=not talk, leave=False)
            # Sums stay on the device until a checkpoint or the end: no host sync per chunk (except while the
            # batch size is being timed), so on a GPU the host prepares the next chunk while the device works.
            # Host-to-device copies go through pinned memory without blocking. Perturbed batches are built one
            # forward pass at a time and each image's quantity is added to a running sum per (frequency, class
            # group) at once: memory is bounded by the batch size, never by N or the number of frequencies.
            counts_dev = counts.to(dev)
            todo_dev = todo.to(dev)

            def clean_features(i0: int, xb: torch.Tensor) -> torch.Tensor | None:
                if capture is None:
                    return None
                if clean_feats is not None:
                    return clean_feats[i0:i0 + xb.shape[0]]
                forward_logits(net, xb, normalize, output=output, amp=amp)
                return capture.take(xb.shape[0])

            def run_group(idx: torch.Tensor, size: int) -> torch.Tensor:
                nb = min(n, size)
                per = max(1, size // nb)
                sums = torch.zeros(idx.numel(), groups, dtype=acc_dtype, device=dev)
                for j0 in range(0, idx.numel(), per):
                    sub = idx[j0:j0 + per]
                    basis = _to_device(fourier_basis(h, w, positions[sub]) * float(eps), dev)         # (b, H, W)
                    signs = _to_device(torch.stack([basis_signs(seed, int(k), n, c) for k in sub]).float(), dev)
                    for i0 in range(0, n, nb):
                        xb = x_dev[i0:i0 + nb]
                        yb = y_dev[i0:i0 + nb]
                        feats0 = clean_features(i0, xb)
                        pert = (xb[None] + signs[:, i0:i0 + nb, :, None, None] * basis[:, None, None]).view(-1, c, h, w)
                        if lo is not None:
                            pert = pert.clamp_(lo, hi)
                        if channels_last:
                            pert = pert.contiguous(memory_format=torch.channels_last)
                        logits = forward_logits(net, pert, normalize, output=output, amp=amp)
                        feats = capture.take(pert.shape[0]) if capture is not None else None
                        vals = per_image_values(q, logits.view(sub.numel(), xb.shape[0], -1), yb,
                                                None if clean_logits is None else clean_logits[i0:i0 + nb],
                                                feats, feats0, dtype=val_dtype)                 # (b, nb)
                        if groups == 1:
                            sums[j0:j0 + sub.numel(), 0] += vals.sum(1).to(acc_dtype)
                        else:
                            sums[j0:j0 + sub.numel()].index_add_(1, yb, vals.to(acc_dtype))
                        del pert, logits, feats, vals
                return sums

            try:
                k0 = 0
                total = int(todo.numel())
                while k0 < total:
                    size = tuner.size()
                    group = max(1, size // n) if size >= n else 1
                    idx = todo[k0:k0 + group]
                    tuning = tuner.tuning
                    if tuning:
                        (sums, used), secs = timed(lambda idx=idx, size=size: halve_on_oom(
                            lambda b: run_group(idx, b), size, tuner.shrink))
                        if used == size:
                            tuner.record(size, idx.numel() * n, secs)
                    else:
                        sums, _ = halve_on_oom(lambda b, idx=idx: run_group(idx, b), size, tuner.shrink)
                    counts_dev[todo_dev[k0:k0 + idx.numel()]] = sums
                    done[idx] = True
                    k0 += idx.numel()
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
            counts = counts_dev.cpu()
    finally:
        if capture is not None:
            capture.remove()
    if ckpt_path is not None:
        _save_checkpoint(ckpt_path, meta, counts, done)

    if world > 1:
        import torch.distributed as dist

        comm_dev = dev if dev.type == "cuda" else torch.device("cpu")
        own = torch.zeros_like(counts)
        own[mine] = counts[mine]
        total_counts = own.to(comm_dev)
        dist.all_reduce(total_counts, op=dist.ReduceOp.SUM)
        counts = total_counts.cpu()
        if own_group:
            dist.barrier()                      # the group stays for later calls (see keep_process_group)

    scale = 100.0 if integer else 1.0           # error: percent of the images
    rows, cols = window_slices(h, w, window)
    grid = position_grid(h, w)[rows, cols]      # each pair written to both of its cells; window-sized
    per_pair = torch.full((m,), float("nan"), dtype=torch.float64)
    per_pair[wanted] = counts[wanted].sum(1).double() * scale / n
    full = per_pair[grid]
    class_maps = class_counts = None
    if per_class:
        sizes = torch.bincount(y.cpu().long(), minlength=groups)[:groups]
        per_cls = torch.full((m, groups), float("nan"), dtype=torch.float64)
        per_cls[wanted] = counts[wanted].double() * scale / sizes.clamp_min(1).double()
        per_cls[:, sizes == 0] = float("nan")
        class_maps = per_cls[grid].permute(2, 0, 1).numpy()
        class_counts = sizes.tolist()
    return HeatmapResult(error=full.numpy(), eps=float(eps), n_images=n, clean_error=100.0 * clean_wrong / n,
                         bounds=None if bounds is None else [float(bounds[0]), float(bounds[1])], seed=int(seed),
                         window=None if window is None else int(window), label=label, image_size=[h, w],
                         quantity=q.name, clean_value=float(clean_value), per_class=class_maps,
                         class_counts=class_counts)


__all__ = ["HeatmapResult", "fourier_heatmap", "basis_signs"]
