"""Small helpers about devices and train/eval modes, shared by probes, trackers and the training loop."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter or buffer (CPU for a module with neither).

    Args:
        model: any ``nn.Module``.

    Returns:
        A ``torch.device``.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> model_device(torch.nn.Linear(2, 2)), model_device(torch.nn.ReLU())
        (device(type='cpu'), device(type='cpu'))
    """
    for t in model.parameters():
        return t.device
    for t in model.buffers():
        return t.device
    return torch.device("cpu")


def model_dtype(model: nn.Module) -> torch.dtype:
    """The floating dtype of the model's first floating parameter (float32 if it has none).

    Args:
        model: any ``nn.Module``.

    Returns:
        A floating ``torch.dtype``.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> model_dtype(torch.nn.Linear(2, 2).double()), model_dtype(torch.nn.ReLU())
        (torch.float64, torch.float32)
    """
    for t in model.parameters():
        if t.is_floating_point():
            return t.dtype
    return torch.float32


def resolve_device(device: str | torch.device | None) -> torch.device:
    """The device to run on: ``None``/"auto" → CUDA when available, else CPU; anything else as ``torch.device``.

    Args:
        device: None, "auto", a device string ("cpu", "cuda", "cuda:1", "mps") or a ``torch.device``.

    Returns:
        A ``torch.device`` this machine has.

    Raises:
        ConfigError: an unknown device string, or a device this machine lacks (``cuda`` without CUDA, ``cuda:3``
            with one GPU, ``mps`` without MPS, a type this PyTorch build cannot use such as ``xla``, or ``meta``),
            in one line.

    Source: freqlens.

    Example:
        >>> resolve_device("cpu")
        device(type='cpu')
        >>> resolve_device("tpu")
        Traceback (most recent call last):
        ...
        freqlens.errors.ConfigError: unknown device 'tpu'; expected cpu, cuda, cuda:N or mps
    """
    from freqlens.errors import ConfigError

    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ConfigError(f"unknown device {device!r}; expected cpu, cuda, cuda:N or mps") from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ConfigError(f"device {device!r} was asked for but CUDA is not available on this machine; "
                              "use --device cpu (device='cpu')")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ConfigError(f"device {device!r} does not exist: this machine has {torch.cuda.device_count()} "
                              "CUDA device(s)")
    if dev.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfigError(f"device {device!r} was asked for but MPS is not available; use --device cpu")
    if dev.type == "meta":
        raise ConfigError("device 'meta' holds no data, so a model cannot be run there; use --device cpu or cuda")
    if dev.type not in ("cpu", "cuda", "mps"):
        try:                                     # a device type torch parses but this build may not support
            torch.empty(1, device=dev)
        except Exception as exc:  # noqa: BLE001 - any failure means the device cannot be used
            why = (str(exc).splitlines() or [""])[0].split(". ")[0][:100]
            raise ConfigError(f"device {device!r} cannot be used by this PyTorch build ({type(exc).__name__}: "
                              f"{why}); use --device cpu or cuda") from exc
    return dev


@contextlib.contextmanager
def frozen_batchnorm_statistics(model: nn.Module) -> Iterator[nn.Module]:
    """Context manager: BatchNorm layers keep normalising with the batch's statistics (train mode) but their running
    statistics and batch counters are left exactly as they were. Used to craft adversarial examples against the
    network as it trains (Wong et al. 2020; Rice et al. 2020) without the attack's forward passes entering the
    statistics used at evaluation.

    Args:
        model: any ``nn.Module``; its ``_BatchNorm`` submodules (1-D, 2-D, 3-D, SyncBatchNorm) are affected.

    Returns:
        A context manager yielding ``model``.

    Raises:
        Nothing of its own; the statistics are restored also when the block raises.

    Source: freqlens.

    Example:
        >>> bn = torch.nn.BatchNorm1d(2)
        >>> with frozen_batchnorm_statistics(bn):
        ...     _ = bn(torch.randn(8, 2) + 5)
        >>> bn.running_mean.tolist(), int(bn.num_batches_tracked)
        ([0.0, 0.0], 0)
    """
    layers = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [{k: v.clone() for k, v in m.named_buffers(recurse=False) if v is not None} for m in layers]
    try:
        yield model
    finally:
        with torch.no_grad():
            for m, buffers in zip(layers, saved):
                for k, v in buffers.items():
                    getattr(m, k).copy_(v)


@contextlib.contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Context manager: put ``model`` in eval mode and restore every submodule's own ``training`` flag afterwards.

    Args:
        model: any ``nn.Module``.

    Returns:
        A context manager yielding ``model``.

    Raises:
        Nothing of its own; exceptions inside the block propagate after the flags are restored.

    Source: freqlens.

    Example:
        >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout())
        >>> net[1].eval()
        Dropout(p=0.5, inplace=False)
        >>> with eval_mode(net):
        ...     net.training
        False
        >>> net.training, net[1].training
        (True, False)
    """
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for m, flag in flags:
            m.training = flag
