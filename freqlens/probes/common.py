"""Plumbing shared by every probe: gathering data, validating images and logits, batched forward passes.

Conventions (DESIGN.md): probes take images in input space *before* normalisation (``bounds``, default
(0, 1)), apply the user's ``normalize`` callable only right before the model, run under
``torch.inference_mode()`` in eval mode (each submodule's mode restored afterwards), move data to the
model's device and batch internally with ``max_batch``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn
from torch.utils.data import DataLoader

from freqlens.device import eval_mode, model_device
from freqlens.errors import InputError, ModelOutputError

# check_images lives in freqlens.validation; probes import it from here too
from freqlens.validation import as_tensor, check_images, check_rank, check_same_length  # noqa: F401

Normalize = Callable[[torch.Tensor], torch.Tensor] | None


def gather(data, labels=None, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(images, labels)`` on the CPU from tensors, or from a DataLoader/iterable of ``(x, y)`` batches.

    Shapes: images (N, C, H, W), labels (N,) int64. ``limit`` keeps the first ``limit`` samples.
    """
    if isinstance(data, torch.Tensor) or labels is not None:
        if labels is None:
            raise InputError("labels are required when images are given as a tensor")
        x, y = as_tensor(data, "images"), as_tensor(labels, "labels")
    elif isinstance(data, (DataLoader, Iterable)):
        xs, ys, n = [], [], 0
        for batch in data:
            if not isinstance(batch, (tuple, list)) or len(batch) < 2:
                raise InputError("each batch of the data loader must be (images, labels)")
            xs.append(batch[0].cpu())
            ys.append(batch[1].cpu())
            n += batch[0].shape[0]
            if limit is not None and n >= limit:
                break
        if not xs:
            raise InputError("the data loader yielded no batches")
        x, y = torch.cat(xs), torch.cat(ys)
    else:
        raise InputError(f"expected image tensors or a DataLoader, got {type(data).__name__}")
    if limit is not None:
        x, y = x[:limit], y[:limit]
    return x, y


def forward_logits(model: nn.Module, images: torch.Tensor, normalize: Normalize = None) -> torch.Tensor:
    """``model(normalize(images))`` checked to be (N, classes) logits."""
    out = model(normalize(images) if normalize is not None else images)
    if not isinstance(out, torch.Tensor) or out.ndim != 2 or out.shape[0] != images.shape[0]:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ModelOutputError(f"model output has shape {shape} for {images.shape[0]} images; expected (N, classes) logits")
    return out


def check_labels_fit(logits: torch.Tensor, labels: torch.Tensor) -> None:
    """Labels must index the model's classes."""
    if int(labels.max()) >= logits.shape[1]:
        raise ModelOutputError(f"model outputs {logits.shape[1]} classes but a label is {int(labels.max())}")


def predict_labels(model: nn.Module, images: torch.Tensor, normalize: Normalize = None,
                   max_batch: int = 1024) -> torch.Tensor:
    """Predicted classes (N,) on the CPU; eval mode, inference mode, batched on the model's device."""
    dev = model_device(model)
    preds = []
    with eval_mode(model), torch.inference_mode():
        for start in range(0, images.shape[0], max_batch):
            xb = images[start:start + max_batch].to(dev, non_blocking=True)
            preds.append(forward_logits(model, xb, normalize).argmax(1).cpu())
    return torch.cat(preds)


def probe_accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, normalize: Normalize = None,
                   max_batch: int = 1024) -> float:
    """Top-1 accuracy in [0, 1] on images already in input space (no bounds check: filtered images may leave it)."""
    check_rank(images, "images", 4, "(N, C, H, W)")
    check_same_length(images, labels, "images", "labels")
    pred = predict_labels(model, images, normalize, max_batch)
    return float((pred == labels.cpu()).float().mean())
