"""Re-estimate BatchNorm running statistics after a weight intervention (e.g. kernel smoothing), so that a change
of scale of a layer's output is not mistaken for a change of function by stale statistics.

Example::

    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))
    >>> fixed = recalibrate_batchnorm(net, torch.rand(8, 1, 6, 6))
    >>> float(fixed[1].running_mean.abs().sum()) > 0
    True
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from freqlens.errors import InputError


def recalibrate_batchnorm(model: nn.Module, images: torch.Tensor, batch_size: int = 250) -> nn.Module:
    """A copy of ``model`` whose BatchNorm running mean/variance are re-estimated on ``images`` (cumulative average,
    weights untouched); a model without BatchNorm comes back as an unchanged copy. The copy is in eval mode.

    Args:
        model: any network; BatchNorm1d/2d/3d layers are recalibrated.
        images: (N, ...) inputs in the model's input space (e.g. training images in [0, 1]).
        batch_size: images per forward pass.

    Returns:
        The recalibrated copy (eval mode), on the model's device.

    Raises:
        InputError: if ``images`` is empty or ``batch_size`` < 2.

    Source:
        freqlens (standard BN re-estimation; Wang et al. 2020 §6.3 smooth kernels of a BN-free network, so
        stale statistics would be an artefact of our BN models).

    Example:
        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2)).eval()
        >>> out = recalibrate_batchnorm(net, torch.randn(10, 3))
        >>> out.training, int(out[1].num_batches_tracked)
        (False, 1)
    """
    if images.shape[0] == 0 or batch_size < 2:
        raise InputError(f"recalibrate_batchnorm needs images and batch_size ≥ 2, got {images.shape[0]} images, "
                         f"batch_size={batch_size}")
    target = copy.deepcopy(model)
    bns = [m for m in target.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return target.eval()
    saved = {m: m.momentum for m in bns}
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average over all batches
    dev = next(target.parameters()).device
    target.train()
    with torch.no_grad():
        for start in range(0, images.shape[0], batch_size):
            chunk = images[start:start + batch_size]
            if chunk.shape[0] > 1:
                target(chunk.to(dev))
    for m, mom in saved.items():
        m.momentum = mom
    return target.eval()


__all__ = ["recalibrate_batchnorm"]
