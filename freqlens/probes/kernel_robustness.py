"""Measurements for first-layer kernel interventions (Wang et al. 2020 §6.3, Table 2): the minimal-ε FGSM sweep,
fixed-ε PGD with a cross-entropy or margin loss, per-kernel roughness, per-image correctness, and the
"scale only" null of kernel smoothing.

Example::

    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten(), torch.nn.Linear(2 * 4 * 4, 2))
    >>> per_kernel_roughness(net[0].weight).shape
    torch.Size([2])
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from freqlens.attacks.pgd import pgd_attack
from freqlens.errors import InputError
from freqlens.inference import predict_labels
from freqlens.interventions.conv_kernels import first_conv


def per_kernel_roughness(weight: torch.Tensor) -> torch.Tensor:
    """Roughness of every (out, in) kernel: Σ_{4-neighbour pairs}(w_a − w_b)² / Σ w².

    Args:
        weight: (C_out, C_in, k, k) conv weight.

    Returns:
        (C_out·C_in,) float64 tensor; its mean is ``conv_kernel_roughness(weight)``.

    Raises:
        InputError: if ``weight`` is not 4-D.

    Source:
        freqlens (a quantitative companion to Wang et al. 2020, Fig. 7, not in the paper).

    Example:
        >>> import torch
        >>> w = torch.zeros(1, 1, 3, 3); w[0, 0, 1, 1] = 1.0
        >>> float(per_kernel_roughness(w)[0])
        4.0
    """
    if weight.ndim != 4:
        raise InputError(f"conv weight must be (C_out, C_in, k, k), got shape {tuple(weight.shape)}")
    w = weight.detach().to(torch.float64)
    dv = (w[..., 1:, :] - w[..., :-1, :]).pow(2).sum((-2, -1))
    dh = (w[..., :, 1:] - w[..., :, :-1]).pow(2).sum((-2, -1))
    return ((dv + dh) / w.pow(2).sum((-2, -1)).clamp_min(1e-30)).flatten().cpu()


def scale_first_conv(model: nn.Module, factor: float) -> nn.Module:
    """A copy of ``model`` whose first conv weight is multiplied by ``factor`` (bias untouched).

    The null of Eq. 3 smoothing: the same DC gain (1 + 8ρ) without any change of kernel shape.

    Args:
        model: a network with at least one ``nn.Conv2d``.
        factor: the multiplier (e.g. 9 for ρ = 1).

    Returns:
        The scaled copy (the original is untouched).

    Raises:
        InputError: if the model has no conv layer (from ``first_conv``).

    Source:
        freqlens (control for Wang et al. 2020 Eq. 3).

    Example:
        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Conv2d(1, 1, 3))
        >>> bool(torch.allclose(scale_first_conv(net, 2.0)[0].weight, 2 * net[0].weight))
        True
    """
    target = copy.deepcopy(model)
    with torch.no_grad():
        first_conv(target).weight.mul_(float(factor))
    return target


def correct(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, max_batch: int = 250) -> torch.Tensor:
    """Per-image correctness (N,) bool on the CPU of ``model`` on ``images`` (N, ...) with ``labels`` (N,).

    Args:
        model: classifier returning (N, classes) logits.
        images: inputs (N, ...); labels: (N,) int.
        max_batch: images per forward pass.

    Returns:
        (N,) bool tensor.

    Raises:
        InputError: if images and labels differ in length.

    Source:
        freqlens.

    Example:
        >>> import torch
        >>> net = torch.nn.Linear(2, 2)
        >>> correct(net, torch.zeros(3, 2), torch.zeros(3, dtype=torch.long)).shape
        torch.Size([3])
    """
    if images.shape[0] != labels.shape[0]:
        raise InputError(f"{images.shape[0]} images but {labels.shape[0]} labels")
    return predict_labels(model, images, max_batch=max_batch) == labels.cpu()


def fgsm_sweep_accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, eps_grid,
                        max_batch: int = 250) -> tuple[list[float], float]:
    """Minimal-ε FGSM on a grid (Foolbox semantics): one gradient sign d per image; the image counts as robust at
    ε_k when it is clean-correct and clip(x + ε_j·d, 0, 1) is still correct for every ε_j ≤ ε_k.

    Args:
        model: classifier on [0, 1] images (N, C, H, W) → (N, classes).
        images: (N, C, H, W) in [0, 1]; labels: (N,).
        eps_grid: L∞ radii in pixel units (sorted internally).
        max_batch: images per pass.

    Returns:
        (accuracy per sorted ε, fraction of images whose input gradient is all zero — a sign of saturation).

    Raises:
        InputError: bad images/labels (from ``pgd_attack``).

    Source:
        Wang et al. 2020, Table 2, with Foolbox 1.x ``GradientSignAttack`` semantics (the authors' code,
        HaohanWang/HFC).

    Example:
        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 2))
        >>> x = torch.rand(6, 3, 4, 4)
        >>> acc, zero = fgsm_sweep_accuracy(net, x, net(x).argmax(1), (0.01, 0.5))
        >>> acc[0] >= acc[1], zero
        (True, 0.0)
    """
    x1 = pgd_attack(model, images, labels, eps=1.0, step_size=1.0, steps=1, random_start=False, max_batch=max_batch,
                    predict=False).adversarial
    d = torch.sign(x1 - images)
    zero_grad = float((d.flatten(1).abs().sum(1) == 0).float().mean())
    y = labels.cpu()
    ok = predict_labels(model, images, max_batch=max_batch) == y
    acc = []
    for e in sorted(eps_grid):
        ok = ok & (predict_labels(model, (images + e * d).clamp(0, 1), max_batch=max_batch) == y)
        acc.append(float(ok.float().mean()))
    return acc, zero_grad


def fgsm_correct(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, eps: float,
                 max_batch: int = 250) -> torch.Tensor:
    """Per-image correctness (N,) under fixed-ε FGSM: one sign-gradient step of size ε, no random start, clipped.

    Args:
        model: classifier on [0, 1] images; images (N, C, H, W); labels (N,).
        eps: L∞ step in pixel units.
        max_batch: images per pass.

    Returns:
        (N,) bool tensor on the CPU.

    Raises:
        InputError: eps ≤ 0 (from ``pgd_attack``).

    Source:
        Goodfellow et al. 2015 (FGSM).

    Example:
        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 2))
        >>> x = torch.rand(4, 3, 4, 4)
        >>> fgsm_correct(net, x, net(x).argmax(1), eps=0.5).dtype
        torch.bool
    """
    xa = pgd_attack(model, images, labels, eps=eps, step_size=eps, steps=1, random_start=False, max_batch=max_batch,
                    predict=False).adversarial
    return correct(model, xa, labels, max_batch)


def margin_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """CW-style margin summed over the batch: Σ (max_{j≠y} z_j − z_y); maximised by an attacker.

    Args:
        logits: (N, classes); labels: (N,).

    Returns:
        Scalar tensor.

    Raises:
        Nothing beyond PyTorch's shape errors.

    Source:
        Carlini & Wagner 2017 (margin loss); freqlens uses it as a control of gradient saturation.

    Example:
        >>> import torch
        >>> float(margin_loss(torch.tensor([[2.0, 0.5]]), torch.tensor([0])))
        -1.5
    """
    true = logits.gather(1, labels[:, None]).squeeze(1)
    other = logits.masked_fill(torch.nn.functional.one_hot(labels, logits.shape[1]).bool(), float("-inf")).amax(1)
    return (other - true).sum()


def pgd_correct(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, eps: float, steps: int,
                margin: bool = False, seed: int = 0, max_batch: int = 250) -> torch.Tensor:
    """Per-image correctness (N,) under fixed-ε L∞ PGD (random start, step 2.5ε/steps), cross-entropy or margin loss.

    Args:
        model: classifier on [0, 1] images; images (N, C, H, W); labels (N,).
        eps: L∞ radius in pixel units; steps: PGD iterations; margin: use :func:`margin_loss`.
        seed: seeds the random start.

    Returns:
        (N,) bool tensor on the CPU.

    Raises:
        InputError: eps ≤ 0 or steps < 1 (from ``pgd_attack``).

    Source:
        Madry et al. 2018 (PGD); the fixed-ε variant beside Wang et al. 2020's minimal-ε sweep.

    Example:
        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 2))
        >>> x = torch.rand(4, 3, 4, 4)
        >>> pgd_correct(net, x, net(x).argmax(1), eps=0.5, steps=2).shape
        torch.Size([4])
    """
    xa = pgd_attack(model, images, labels, eps=eps, steps=steps, step_size=2.5 * eps / steps, random_start=True,
                    seed=seed, loss_fn=margin_loss if margin else None, max_batch=max_batch, predict=False).adversarial
    return correct(model, xa, labels, max_batch)


__all__ = ["per_kernel_roughness", "scale_first_conv", "correct", "fgsm_sweep_accuracy", "fgsm_correct", "margin_loss",
           "pgd_correct"]
