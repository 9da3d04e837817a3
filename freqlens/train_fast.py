"""A fast image-classifier trainer (CIFAR-10 in minutes on a CPU, seconds on a GPU) for in-memory tensors.

Ingredients, as publicly described for fast CIFAR-10 training (Page 2018; Jordan 2024), written here:
patch-whitening first layer initialised from the training images, flip + translate augmentation (alternating
flips: every image is seen flipped in every other epoch), label smoothing, Nesterov SGD with a linear warm-up
and linear decay to zero (set per step), an exponential moving average of the weights used for evaluation,
channels_last memory, bf16 autocast (on CUDA; on CPUs with native bf16 when ``amp`` asks for it).

Determinism and resume: every epoch draws its shuffling, flips, shifts and the global RNG (used by extra batch
transforms such as Gaussian noise or adversarial examples) from generators seeded with ``(seed, epoch)``;
checkpoints hold the model, optimiser, EMA and history at epoch ends, so a resumed run is bit-identical to an
uninterrupted one on the same device.
"""
from __future__ import annotations

import copy
import dataclasses
import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.errors import CheckpointError, ConfigError, InputError
from freqlens.results import Result, atomic_write_bytes

BatchTransform = Callable[[nn.Module, torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class FastTrainConfig:
    """Hyper-parameters of :func:`train_fast` (all of them key the trained-model cache).

    Args:
        epochs: passes over the training set.
        batch_size: images per optimiser step.
        lr: peak learning rate (mean loss over the batch).
        momentum: Nesterov momentum.
        weight_decay: L2 coefficient on weights with ≥ 2 dimensions (conv and linear weights).
        warmup: fraction of the steps with a linear warm-up from 0 to ``lr``; then linear decay to 0.
        label_smoothing: cross-entropy label smoothing.
        translate: maximal random shift in pixels (reflect padding); 0 disables it.
        flip: horizontal flips (alternating per epoch).
        ema: decay per step of the weight average used at evaluation; 0 disables it.
        whiten: initialise patch-whitening layers (``init_whitening``) from the training images.
        amp: bf16 autocast: ``None`` = on CUDA only, True = also on CPU (fast on CPUs with native bf16).
        channels_last: channels_last memory format.

    Attributes:
        Those of Args.

    Raises:
        Nothing at construction; :func:`train_fast` checks the values.

    Source:
        freqlens (settings after Page 2018 and Jordan 2024).

    Example:
        >>> FastTrainConfig(epochs=2).epochs
        2
    """

    epochs: int = 10
    batch_size: int = 512
    lr: float = 0.4
    momentum: float = 0.9
    weight_decay: float = 5e-4
    warmup: float = 0.2
    label_smoothing: float = 0.2
    translate: int = 2
    flip: bool = True
    ema: float = 0.99
    whiten: bool = True
    amp: bool | None = None
    channels_last: bool = True

    def __post_init__(self):
        if int(self.epochs) < 0 or int(self.batch_size) < 1:
            raise ConfigError(f"epochs must be ≥ 0 and batch_size ≥ 1, got {self.epochs}, {self.batch_size}")
        if self.lr <= 0 or not 0 <= self.momentum < 1 or not 0 <= self.warmup <= 1 or not 0 <= self.ema < 1:
            raise ConfigError("lr must be > 0, momentum and ema in [0, 1), warmup in [0, 1]")
        if not 0 <= self.label_smoothing < 1 or int(self.translate) < 0:
            raise ConfigError("label_smoothing must be in [0, 1) and translate ≥ 0")

    def to_dict(self) -> dict[str, Any]:
        """The settings as a plain dict (for cache keys and results)."""
        return dataclasses.asdict(self)


@dataclass
class FastTrainHistory(Result):
    """Per-epoch record of :func:`train_fast`.

    Args:
        epochs: the epoch numbers recorded.
        seconds: cumulative training seconds at each (evaluation excluded).
        accuracy: test accuracy in [0, 1] of the evaluated (EMA) model.
        accuracy_flip: the same with horizontal-flip averaging.
        losses: mean training loss per epoch.
        cpu_seconds: user + sys CPU seconds of this process, so wall time on a shared machine can be judged.
        threads: torch's intra-op thread count.
        device: the training device, as a string.
        config: the :class:`FastTrainConfig` as a dict.

    Attributes:
        Those of Args; ``plot(ax, label)`` draws accuracy (%) against training seconds.

    Raises:
        Nothing at construction.

    Source: freqlens.

    Example:
        >>> h = FastTrainHistory([1, 2], [10.0, 20.0], [0.5, 0.8], [0.52, 0.81], [1.2, 0.6], 40.0, 2, "cpu")
        >>> h.plot().get_ylabel()
        'test accuracy (%)'
    """

    epochs: list[int]
    seconds: list[float]
    accuracy: list[float]
    accuracy_flip: list[float]
    losses: list[float]
    cpu_seconds: float
    threads: int
    device: str
    config: dict = field(default_factory=dict)

    def plot(self, ax=None, label: str | None = None):
        """Accuracy (%) against training seconds on ``ax``."""
        import matplotlib.pyplot as plt

        ax = ax or plt.gca()
        if self.accuracy:
            ax.plot(self.seconds, [100 * a for a in self.accuracy], "o-", label=label or self.device)
        ax.set_xlabel("training seconds")
        ax.set_ylabel("test accuracy (%)")
        ax.grid(alpha=0.3)
        return ax


def _amp_enabled(amp: bool | None, device: torch.device) -> bool:
    if device.type == "cuda":
        return amp is None or bool(amp)
    return bool(amp)


def _cpu_times() -> float:
    t = os.times()
    return t.user + t.system


def translate_batch(x: torch.Tensor, shifts: torch.Tensor, pad: int) -> torch.Tensor:
    """Shift each image by (dy, dx) ∈ [−pad, pad]² with reflect padding. x (N, C, H, W), shifts (N, 2) ints.

    Args:
        x: images (N, C, H, W).
        shifts: (N, 2) integer shifts (rows, columns), each in [−pad, pad].
        pad: the largest shift.

    Returns:
        The shifted images, same shape and memory format as ``x``.

    Raises:
        InputError: shifts not (N, 2) or outside [−pad, pad].

    Source:
        freqlens.

    Example:
        >>> x = torch.arange(16.).view(1, 1, 4, 4)
        >>> translate_batch(x, torch.tensor([[0, 1]]), 1)[0, 0, 0].tolist()
        [1.0, 0.0, 1.0, 2.0]
    """
    if shifts.shape != (x.shape[0], 2) or (shifts.abs() > pad).any():
        raise InputError(f"shifts must be (N, 2) integers in [-{pad}, {pad}], got shape {tuple(shifts.shape)}")
    if pad == 0:
        return x
    h, w = x.shape[-2:]
    padded = nn.functional.pad(x, (pad,) * 4, mode="reflect")
    shifts = shifts.to(x.device)
    rows = torch.arange(h, device=x.device)[None, :] + pad - shifts[:, :1]     # (N, H): source row of each row
    cols = torch.arange(w, device=x.device)[None, :] + pad - shifts[:, 1:]     # (N, W)
    n = torch.arange(x.shape[0], device=x.device)[:, None, None]
    out = padded[n, :, rows[:, :, None], cols[:, None, :]]                      # (N, H, W, C): one gather, no sync
    return out.permute(0, 3, 1, 2)


def _whitening_layers(model: nn.Module) -> list[nn.Module]:
    """The submodules of ``model`` that have an ``init_whitening(images)`` method and a ``whiten`` conv."""
    return [m for m in model.modules()
            if hasattr(m, "init_whitening") and isinstance(getattr(m, "whiten", None), nn.Conv2d)]


class _Captured(Exception):
    pass


@torch.no_grad()
def init_whitening_from_data(model: nn.Module, images: torch.Tensor, n: int = 5000) -> int:
    """Initialise every patch-whitening layer of ``model`` from the first ``n`` of ``images`` as that layer sees
    them (after any normalisation in front of it). Returns the number of layers initialised.

    Args:
        model: a model containing e.g. :class:`freqlens.models.fast_cifar.FastCifarNet`.
        images: (N, C, H, W) training images in the model's input space.
        n: how many images the covariance is estimated from.

    Returns:
        The number of whitening layers set.

    Raises:
        InputError: images of the wrong shape (from the layer's own check).

    Source:
        freqlens.

    Example:
        >>> from freqlens.models.fast_cifar import FastCifarNet
        >>> init_whitening_from_data(FastCifarNet(widths=(8, 8, 8)), torch.rand(32, 3, 32, 32))
        1
    """
    layers = _whitening_layers(model)
    for layer in layers:
        seen = {}

        def grab(module, args, store=seen):
            store["x"] = args[0]
            raise _Captured

        handle = layer.register_forward_pre_hook(grab)
        was = model.training
        model.eval()
        try:
            model(images[:n].to(next(model.parameters()).device, torch.float32))
        except _Captured:
            pass
        finally:
            handle.remove()
            model.train(was)
        layer.init_whitening(seen["x"].float())
    return len(layers)


def _lr_at(step: int, total: int, cfg: FastTrainConfig) -> float:
    warm = int(round(cfg.warmup * total))
    if step < warm:
        return cfg.lr * (step + 1) / warm
    return cfg.lr * max(total - step, 0) / max(total - warm, 1)


def evaluate(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, flip: bool = False,
             batch_size: int = 1000, amp: bool = False) -> float:
    """Top-1 accuracy of ``model`` (eval mode) on ``images`` (N, C, H, W) with ``labels`` (N,); with ``flip``
    the logits of each image and its mirror image are averaged (test-time flip augmentation).

    Args:
        model: classifier returning logits (N, classes).
        images: (N, C, H, W) in the model's input space.
        labels: (N,) class indices.
        flip: average logits over the image and its horizontal mirror.
        batch_size: images per forward pass.
        amp: bf16 autocast on the model's device.

    Returns:
        Accuracy in [0, 1].

    Raises:
        InputError: images and labels of different lengths.

    Source:
        freqlens.

    Example:
        >>> net = nn.Sequential(nn.Flatten(), nn.Linear(12, 3))
        >>> 0.0 <= evaluate(net, torch.rand(4, 3, 2, 2), torch.tensor([0, 1, 2, 0]), flip=True) <= 1.0
        True
    """
    if images.shape[0] != labels.shape[0]:
        raise InputError(f"images ({images.shape[0]}) and labels ({labels.shape[0]}) differ in length")
    dev = next(model.parameters()).device
    correct = 0
    was = model.training
    model.eval()
    try:
        with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=amp):
            for s in range(0, images.shape[0], batch_size):
                x = images[s:s + batch_size].to(dev)
                logits = model(x).float()
                if flip:
                    logits = logits + model(x.flip(-1)).float()
                correct += int((logits.argmax(1).cpu() == labels[s:s + batch_size].cpu()).sum())
    finally:
        model.train(was)
    return correct / max(images.shape[0], 1)


def _fingerprint(model: nn.Module, n: int, cfg: FastTrainConfig, seed: int) -> str:
    shapes = ",".join(f"{k}:{tuple(v.shape)}" for k, v in model.state_dict().items())
    return f"{type(model).__name__}|{shapes}|n={n}|seed={seed}|{sorted(cfg.to_dict().items())}"


def train_fast(model: nn.Module, images: torch.Tensor, labels: torch.Tensor,
               config: FastTrainConfig = FastTrainConfig(), seed: int = 0, device: str | torch.device | None = None,
               checkpoint: str | os.PathLike | None = None, resume: bool = True, progress: bool = True,
               eval_data: tuple[torch.Tensor, torch.Tensor] | None = None,
               batch_transform: BatchTransform | None = None, stop_after: int | None = None) -> FastTrainHistory:
    """Train ``model`` in place with the fast recipe; at the end its weights are the EMA weights.

    Args:
        model: classifier (logits (N, classes)); whitening layers inside it are initialised from ``images``.
        images: (N, C, H, W) training images in the model's input space (e.g. [0, 1] with normalisation inside).
        labels: (N,) class indices.
        config: :class:`FastTrainConfig`.
        seed: seeds everything random in training (model initialisation is the caller's).
        device: where to train (default the model's device).
        checkpoint: file written atomically after every epoch; with ``resume`` an existing one is continued.
        progress: tqdm bar over epochs.
        eval_data: (images, labels) evaluated after every epoch (test accuracy vs training seconds).
        batch_transform: ``(model, x, y) -> (x, y)`` applied after flip/translate (Gaussian noise, adversarial
            examples); it draws from the global RNG, which is seeded per epoch.
        stop_after: stop after this many epochs in total (the schedule still spans ``config.epochs``); used to
            test resume.

    Returns:
        :class:`FastTrainHistory`.

    Raises:
        InputError: empty or mismatched data. CheckpointError: a checkpoint of another configuration.

    Source:
        freqlens, after Page (2018) "How to train your ResNet" and Jordan (2024), arXiv:2404.00498.

    Example:
        >>> from freqlens.models.fast_cifar import FastCifarNet
        >>> g = torch.Generator().manual_seed(0)
        >>> x, y = torch.rand(64, 3, 16, 16, generator=g), torch.randint(0, 10, (64,), generator=g)
        >>> torch.manual_seed(0) and None
        >>> h = train_fast(FastCifarNet(widths=(4, 4, 4)), x, y, FastTrainConfig(epochs=1, batch_size=32),
        ...                progress=False)
        >>> h.epochs
        [1]
    """
    cfg = config
    if images.ndim != 4 or images.shape[0] == 0 or images.shape[0] != labels.shape[0]:
        raise InputError(f"train_fast needs images (N, C, H, W) and labels (N,), got {tuple(images.shape)} and "
                         f"{tuple(labels.shape)}")
    dev = torch.device(device) if device is not None else next(model.parameters()).device
    model.to(dev)
    fmt = torch.channels_last if cfg.channels_last else torch.contiguous_format
    model.to(memory_format=fmt)
    amp = _amp_enabled(cfg.amp, dev)
    n = images.shape[0]
    steps_per_epoch = -(-n // cfg.batch_size)
    total = steps_per_epoch * int(cfg.epochs)
    decay, plain = [], []
    for p in model.parameters():
        if p.requires_grad:
            (decay if p.ndim >= 2 else plain).append(p)
    opt = torch.optim.SGD([{"params": decay, "weight_decay": cfg.weight_decay}, {"params": plain, "weight_decay": 0.0}],
                          lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.momentum > 0)
    fingerprint = _fingerprint(model, n, cfg, seed)
    hist = {"epochs": [], "seconds": [], "accuracy": [], "accuracy_flip": [], "losses": []}
    epoch, step, elapsed = 0, 0, 0.0
    ema_model: nn.Module | None = None
    resumed = False
    if resume and checkpoint is not None and Path(checkpoint).exists():
        try:
            ck = torch.load(checkpoint, map_location=dev, weights_only=True)
        except Exception as exc:
            raise CheckpointError(f"checkpoint {checkpoint} is corrupt: {str(exc).splitlines()[0]}") from exc
        if ck.get("fingerprint") != fingerprint:
            raise CheckpointError(f"checkpoint {checkpoint} was written for another configuration; delete it or "
                                  "use another path")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        epoch, step, elapsed, hist = int(ck["epoch"]), int(ck["step"]), float(ck["elapsed"]), ck["history"]
        if ck.get("ema") is not None:
            ema_model = copy.deepcopy(model)
            ema_model.load_state_dict(ck["ema"])
        resumed = True
    x_all, y_all = images.to(dev), labels.to(dev)
    if not resumed:
        if cfg.whiten:
            init_whitening_from_data(model, x_all)
    if ema_model is None and cfg.ema > 0:
        ema_model = copy.deepcopy(model)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
    flip_bits = torch.rand(n, generator=torch.Generator().manual_seed(int(seed) * 7919 + 17)) < 0.5
    cpu0 = _cpu_times()
    eval_model = ema_model if ema_model is not None else model
    last = int(cfg.epochs) if stop_after is None else min(int(cfg.epochs), int(stop_after))
    bar = tqdm(total=total, initial=step, desc="train", unit="step", disable=not progress, leave=False,
               dynamic_ncols=True, mininterval=2.0)
    fork = [dev] if dev.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=fork):
            while epoch < last:
                t0 = time.perf_counter()
                torch.manual_seed(int(seed) * 1_000_003 + epoch)
                gen = torch.Generator().manual_seed(int(seed) * 1_000_033 + epoch + 1)
                order = torch.randperm(n, generator=gen)
                shifts = torch.randint(-cfg.translate, cfg.translate + 1, (n, 2), generator=gen)
                model.train()
                total_loss, count = torch.zeros((), device=dev), 0
                for s in range(0, n, cfg.batch_size):
                    idx = order[s:s + cfg.batch_size]
                    xb, yb = x_all[idx.to(dev)], y_all[idx.to(dev)]
                    if cfg.flip:
                        flip = (flip_bits[idx] ^ bool(epoch % 2)).to(dev)
                        xb = torch.where(flip.view(-1, 1, 1, 1), xb.flip(-1), xb)
                    if cfg.translate:
                        xb = translate_batch(xb, shifts[idx], cfg.translate)
                    xb = xb.contiguous(memory_format=fmt)
                    if batch_transform is not None:
                        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=amp):
                            xb, yb = batch_transform(model, xb, yb)
                        xb = xb.float().contiguous(memory_format=fmt)
                        model.train()
                    lr = _lr_at(step, total, cfg)
                    for g in opt.param_groups:
                        g["lr"] = lr
                    with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=amp):
                        loss = loss_fn(model(xb).float(), yb)
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    step += 1
                    bar.update(1)
                    if ema_model is not None:
                        _ema_update(ema_model, model, min(cfg.ema, (1 + step) / (10 + step)))
                    total_loss += loss.detach() * yb.shape[0]
                    count += yb.shape[0]
                if dev.type == "cuda":
                    torch.cuda.synchronize(dev)
                elapsed += time.perf_counter() - t0
                epoch += 1
                hist["epochs"].append(epoch)
                hist["seconds"].append(elapsed)
                if not torch.isfinite(total_loss):
                    raise InputError(f"training loss became {float(total_loss)} in epoch {epoch + 1}; lower lr")
                hist["losses"].append(float(total_loss) / max(count, 1))
                if eval_data is not None:
                    hist["accuracy"].append(evaluate(eval_model, *eval_data, amp=amp))
                    hist["accuracy_flip"].append(evaluate(eval_model, *eval_data, flip=True, amp=amp))
                if checkpoint is not None:
                    _save(checkpoint, {"fingerprint": fingerprint, "epoch": epoch, "step": step, "elapsed": elapsed,
                                       "history": hist, "model": model.state_dict(), "optimizer": opt.state_dict(),
                                       "ema": ema_model.state_dict() if ema_model is not None else None})
                post = {"epoch": epoch, "loss": f"{hist['losses'][-1]:.3f}"}
                if hist["accuracy"]:
                    post["acc"] = f"{hist['accuracy'][-1]:.3f}"
                bar.set_postfix(post)
    finally:
        bar.close()
    if ema_model is not None and epoch >= int(cfg.epochs):
        model.load_state_dict(ema_model.state_dict())
    model.to(memory_format=torch.contiguous_format)
    model.eval()
    return FastTrainHistory(epochs=list(hist["epochs"]), seconds=list(hist["seconds"]),
                            accuracy=list(hist["accuracy"]), accuracy_flip=list(hist["accuracy_flip"]),
                            losses=list(hist["losses"]), cpu_seconds=_cpu_times() - cpu0,
                            threads=torch.get_num_threads(), device=str(dev), config=cfg.to_dict())


@torch.no_grad()
def _ema_update(ema: nn.Module, model: nn.Module, decay: float) -> None:
    for pe, pm in zip(ema.parameters(), model.parameters()):
        pe.lerp_(pm, 1 - decay)
    for be, bm in zip(ema.buffers(), model.buffers()):
        be.copy_(bm)


def _save(path, payload: dict) -> None:
    buf = io.BytesIO()
    torch.save(payload, buf)
    atomic_write_bytes(path, buf.getvalue())


__all__ = ["FastTrainConfig", "FastTrainHistory", "train_fast", "evaluate", "translate_batch",
           "init_whitening_from_data"]

