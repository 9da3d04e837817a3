"""Kernel interventions (Wang et al., CVPR 2020, §6.3) on PyTorch conv layers (weights (C_out, C_in, k, k)).

- :func:`smooth_conv_kernels` — the paper's Eq. 3: w ← w + ρ·Σ(8 neighbours), edge-duplicating padding, no
  renormalisation (DC gain 1 + 8ρ), first conv layer by default, spatial axes only.
- :func:`lowpass_conv_kernels` — *proposal (not in the paper)*: per kernel slice, orthonormal 2-D DCT-II, keep
  coefficients with u² + v² < c² (or max(u, v) < c), inverse DCT.
- :func:`conv_smoothness_penalty` / :class:`SmoothnessRegularizer` — *proposal (from the companion paper
  "Smooth Kernels Improve Adversarial Robustness", exact formula unknown)*: Σ of squared differences of
  4-adjacent weights inside each kernel, usable as ``fit(..., regularizer=SmoothnessRegularizer(1e-2))``.
- :func:`conv_kernel_roughness` — Σ_{4-neighbour pairs}(w_a − w_b)² / Σ w², averaged over kernels (lower = smoother).

Example::

    >>> smoothed = smooth_conv_kernels(model, rho=1.0)            # a smoothed copy; the original is untouched
    >>> conv_kernel_roughness(first_conv(smoothed).weight) < conv_kernel_roughness(first_conv(model).weight)
"""
from __future__ import annotations

import copy
import math
from typing import Sequence

import torch
from torch import nn

from freqlens.errors import InputError
from freqlens.validation import check_choice, check_number, check_positive


def conv_layers(model: nn.Module) -> list[tuple[str, nn.Conv2d]]:
    """``(name, module)`` of every ``nn.Conv2d`` in forward-registration order (a bare conv gives ``[("", conv)]``)."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]


def first_conv(model: nn.Module, learned: bool = True) -> nn.Conv2d:
    """The first ``nn.Conv2d`` of ``model`` whose kernels are learned.

    A frozen convolution (its weight has ``requires_grad=False``, such as the fixed patch-whitening layer of
    :class:`freqlens.models.FastCifarNet`) holds no learned kernels, so by default it is skipped: the kernels the
    papers smooth and inspect are the first *trained* ones. With ``learned=False`` (or when every convolution is
    frozen) the first convolution is returned whatever its state.

    Args:
        model: any ``nn.Module``.
        learned: skip convolutions whose weight does not require gradients.

    Returns:
        The ``nn.Conv2d`` module (its weight has shape (C_out, C_in, k, k)).

    Raises:
        InputError: ``model`` has no ``nn.Conv2d``.

    Source:
        Wang, Wu, Huang, Xing, CVPR 2020, Sec. 5 (first-layer kernels); freqlens.

    Example:
        >>> from torch import nn
        >>> net = nn.Sequential(nn.Conv2d(3, 12, 2), nn.Conv2d(12, 8, 3))
        >>> _ = net[0].weight.requires_grad_(False)
        >>> first_conv(net).kernel_size, first_conv(net, learned=False).kernel_size
        ((3, 3), (2, 2))
    """
    layers = conv_layers(model)
    if not layers:
        raise InputError(f"{type(model).__name__} has no nn.Conv2d layer")
    if learned:
        trained = [m for _, m in layers if m.weight.requires_grad]
        if trained:
            return trained[0]
    return layers[0][1]


def _select(model: nn.Module, layers: str | Sequence[str]) -> list[tuple[str, nn.Conv2d]]:
    convs = conv_layers(model)
    if not convs:
        raise InputError(f"{type(model).__name__} has no nn.Conv2d layer")
    if layers == "first":
        first = first_conv(model)
        return [(n, m) for n, m in convs if m is first]
    if layers == "all":
        return convs
    if isinstance(layers, str):
        raise InputError(f"layers must be 'first', 'all' or a list of conv layer names, got {layers!r}")
    names = dict(convs)
    missing = [n for n in layers if n not in names]
    if missing:
        raise InputError(f"no conv layer named {missing[0]!r}; available: {', '.join(names) or '(root)'}")
    return [(n, names[n]) for n in layers]


def smoothing_mask(rho: float, dtype=torch.float32) -> torch.Tensor:
    """The 3×3 mask M_ρ: centre 1, the 8 neighbours ρ."""
    m = torch.full((3, 3), float(rho), dtype=dtype)
    m[1, 1] = 1.0
    return m


def smooth_weight(weight: torch.Tensor, rho: float = 1.0, normalize: bool = False) -> torch.Tensor:
    """Eq. 3 on a kernel tensor (..., k, k): 'same' convolution of each k×k slice with M_ρ, out-of-range
    neighbours taking the nearest edge value (replicate padding ≡ SciPy ``boundary="symm"`` for a 3×3 mask).
    ``normalize=True`` divides by 1 + 8ρ (proposal; the paper does not renormalise)."""
    if weight.ndim < 2:
        raise InputError(f"kernel weights must have ≥ 2 dims (..., k, k), got shape {tuple(weight.shape)}")
    check_number(rho, "rho", 0.0, strict=False)
    lead, (kh, kw) = weight.shape[:-2], weight.shape[-2:]
    flat = weight.detach().reshape(-1, 1, kh, kw)
    padded = nn.functional.pad(flat, (1, 1, 1, 1), mode="replicate")
    out = nn.functional.conv2d(padded, smoothing_mask(rho, flat.dtype).to(flat.device)[None, None])
    if normalize:
        out = out / (1 + 8 * float(rho))
    return out.reshape(*lead, kh, kw)


def smooth_conv_kernels(model: nn.Module, rho: float = 1.0, layers: str | Sequence[str] = "first",
                        normalize: bool = False, inplace: bool = False) -> nn.Module:
    """Smooth the kernels of conv layers with the paper's Eq. 3 (post hoc, no retraining); biases untouched.

    Args:
        model: any nn.Module containing ``nn.Conv2d`` layers, or a single ``nn.Conv2d``.
        rho: neighbour weight ρ ≥ 0 (paper: 1.0). ``layers``: "first" (paper), "all", or conv layer names.
        inplace: modify ``model``; default returns a smoothed deep copy.

    Example::

        >>> smoothed = smooth_conv_kernels(model, rho=1.0)     # first conv layer, DC gain ×9
    """
    target = model if inplace else copy.deepcopy(model)
    for _, conv in _select(target, layers):
        with torch.no_grad():
            conv.weight.copy_(smooth_weight(conv.weight, rho, normalize))
    return target


def smoothing_operator(rho: float, k: int = 3) -> torch.Tensor:
    """The linear map of :func:`smooth_weight` on flattened k×k kernels, as a (k², k²) float64 matrix A_ρ."""
    eye = torch.eye(k * k, dtype=torch.float64).reshape(k * k, k, k)
    return smooth_weight(eye, rho).reshape(k * k, k * k).T


def dct_matrix(k: int, dtype=torch.float64) -> torch.Tensor:
    """Orthonormal DCT-II matrix D (k, k): coefficients c = D @ x, inverse x = D.T @ c."""
    n = torch.arange(k, dtype=dtype)
    d = torch.cos(math.pi * (n[None, :] + 0.5) * n[:, None] / k) * math.sqrt(2.0 / k)
    d[0] /= math.sqrt(2.0)
    return d


def lowpass_weight(weight: torch.Tensor, cutoff: float, shape: str = "radial") -> torch.Tensor:
    """Proposal: keep DCT-II coefficients (u, v) of each k×k slice with u² + v² < cutoff² ("radial") or
    max(u, v) < cutoff ("square"). Shapes: (..., k, k) → same."""
    check_choice(shape, "shape", ("radial", "square"))
    check_positive(cutoff, "cutoff")
    kh, kw = weight.shape[-2:]
    dh, dw = dct_matrix(kh).to(weight.device), dct_matrix(kw).to(weight.device)
    u = torch.arange(kh, dtype=torch.float64, device=weight.device)[:, None]
    v = torch.arange(kw, dtype=torch.float64, device=weight.device)[None, :]
    keep = (u ** 2 + v ** 2 < cutoff ** 2) if shape == "radial" else (torch.maximum(u, v.expand(kh, kw)) < cutoff)
    w = weight.detach().to(torch.float64)
    coef = dh @ w @ dw.T
    return (dh.T @ (coef * keep) @ dw).to(weight.dtype)


def lowpass_conv_kernels(model: nn.Module, cutoff: float, shape: str = "radial", layers: str | Sequence[str] = "first",
                         inplace: bool = False) -> nn.Module:
    """Proposal (not in the paper): low-pass filter conv kernels in the DCT-II domain (see :func:`lowpass_weight`).

    Example::

        >>> filtered = lowpass_conv_kernels(model, cutoff=2, shape="square")   # 3×3 kernels become bilinear
    """
    target = model if inplace else copy.deepcopy(model)
    for _, conv in _select(target, layers):
        with torch.no_grad():
            conv.weight.copy_(lowpass_weight(conv.weight, cutoff, shape))
    return target


def _adjacent_sq_diff(weight: torch.Tensor) -> torch.Tensor:
    """Σ over 4-neighbour pairs (each unordered pair once) of squared differences, per kernel (...,)."""
    dv = (weight[..., 1:, :] - weight[..., :-1, :]).pow(2).sum((-2, -1))
    dh = (weight[..., :, 1:] - weight[..., :, :-1]).pow(2).sum((-2, -1))
    return dv + dh


def conv_kernel_roughness(weight: torch.Tensor) -> float:
    """Mean over (out, in) kernels of Σ_{4-neighbour pairs}(w_a − w_b)² / Σ w² (3×3 i.i.d. Gaussian ≈ 24/9;
    centred delta = 4; constant = 0). Shapes: weight (C_out, C_in, k, k)."""
    w = weight.detach().to(torch.float64)
    energy = w.pow(2).sum((-2, -1)).clamp_min(1e-30)
    return float((_adjacent_sq_diff(w) / energy).mean())


def conv_smoothness_penalty(model: nn.Module, layers: str | Sequence[str] = "first") -> torch.Tensor:
    """Proposal: R(W) = Σ_{o,i} Σ_{4-adjacent (a, b)} (W[o,i,a] − W[o,i,b])² over the selected conv layers
    (differentiable scalar on the model's device)."""
    total = None
    for _, conv in _select(model, layers):
        term = _adjacent_sq_diff(conv.weight).sum()
        total = term if total is None else total + term
    return total


class SmoothnessRegularizer:
    """``model -> λ·R(W)`` for ``fit(regularizer=...)`` (proposal; companion paper, formula and λ unknown)."""

    def __init__(self, weight: float = 1e-2, layers: str | Sequence[str] = "first"):
        check_number(weight, "regulariser weight", 0.0, strict=False)
        self.weight, self.layers = float(weight), layers

    def __call__(self, model: nn.Module) -> torch.Tensor:
        return self.weight * conv_smoothness_penalty(model, self.layers)


__all__ = ["conv_layers", "first_conv", "smoothing_mask", "smooth_weight", "smooth_conv_kernels", "smoothing_operator",
           "dct_matrix", "lowpass_weight", "lowpass_conv_kernels", "conv_kernel_roughness", "conv_smoothness_penalty",
           "SmoothnessRegularizer"]
