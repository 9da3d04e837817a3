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

    >>> import torch
    >>> from torch import nn
    >>> _ = torch.manual_seed(0)
    >>> model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 8, 3))
    >>> smoothed = smooth_conv_kernels(model, rho=1.0)            # a smoothed copy; the original is untouched
    >>> conv_kernel_roughness(first_conv(smoothed).weight) < conv_kernel_roughness(first_conv(model).weight)
    True
"""
from __future__ import annotations

import copy
import math
from collections.abc import Sequence

import torch
from torch import nn

from freqlens.errors import InputError
from freqlens.validation import check_choice, check_number, check_positive


def conv_layers(model: nn.Module) -> list[tuple[str, nn.Conv2d]]:
    """``(name, module)`` of every ``nn.Conv2d`` in ``model``, in registration order (a bare conv gives
    ``[("", conv)]``).

    Args:
        model: any ``nn.Module``.

    Returns:
        A list of ``(qualified name, nn.Conv2d)``; empty when there is none.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 4, 3))
        >>> [name for name, _ in conv_layers(net)], conv_layers(nn.Conv2d(1, 1, 3))[0][0]
        (['0', '2'], '')
    """
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
    """The 3×3 mask M_ρ of the paper's Eq. 3: centre 1, the eight neighbours ρ.

    Args:
        rho: neighbour weight ρ.
        dtype: dtype of the mask.

    Returns:
        (3, 3) tensor.

    Raises:
        Nothing of its own.

    Source:
        Wang et al. 2020 (CVPR), Eq. 3.

    Example:
        >>> smoothing_mask(0.5).tolist()
        [[0.5, 0.5, 0.5], [0.5, 1.0, 0.5], [0.5, 0.5, 0.5]]
    """
    m = torch.full((3, 3), float(rho), dtype=dtype)
    m[1, 1] = 1.0
    return m


def smooth_weight(weight: torch.Tensor, rho: float = 1.0, normalize: bool = False) -> torch.Tensor:
    """Eq. 3 on a kernel tensor: each k×k slice convolved ('same' size) with M_ρ, out-of-range neighbours taking the
    nearest edge value (replicate padding, the same as SciPy ``boundary="symm"`` for a 3×3 mask).

    Without ``normalize`` the DC gain is 1 + 8ρ (the paper does not renormalise); ``normalize=True`` divides by it
    (a proposal).

    Args:
        weight: (..., k, k) kernels (weight units).
        rho: neighbour weight ρ ≥ 0 (the paper: 1).
        normalize: divide by 1 + 8ρ.

    Returns:
        Tensor of the same shape and dtype, detached from the graph.

    Raises:
        InputError: ``weight`` has fewer than 2 dimensions, or ``rho`` < 0.

    Source:
        Wang et al. 2020 (CVPR), Eq. 3.

    Example:
        >>> (smooth_weight(torch.ones(3, 3), rho=1.0)[1, 1].item(),
        ...  smooth_weight(torch.ones(3, 3), 1.0, True).max().item())
        (9.0, 1.0)
    """
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
    """Smooth the kernels of conv layers with the paper's Eq. 3 (post hoc, no retraining); biases are untouched.

    Args:
        model: any ``nn.Module`` containing ``nn.Conv2d`` layers, or a single ``nn.Conv2d``.
        rho: neighbour weight ρ ≥ 0 (the paper: 1.0).
        layers: "first" (the first learned conv, as in the paper), "all", or a list of conv layer names.
        normalize: divide by the DC gain 1 + 8ρ (a proposal; the paper does not).
        inplace: modify ``model``; by default a smoothed deep copy is returned.

    Returns:
        The smoothed model (``model`` itself when ``inplace``).

    Raises:
        InputError: no ``nn.Conv2d``, an unknown layer name or selector, or ``rho`` < 0.

    Source:
        Wang et al. 2020 (CVPR), Sec. 6.3, Eq. 3.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 8, 3))
        >>> smoothed = smooth_conv_kernels(net, rho=1.0)
        >>> conv_kernel_roughness(smoothed[0].weight) < conv_kernel_roughness(net[0].weight)
        True
        >>> torch.equal(smoothed[2].weight, net[2].weight)          # only the first conv layer by default
        True
    """
    target = model if inplace else copy.deepcopy(model)
    for _, conv in _select(target, layers):
        with torch.no_grad():
            conv.weight.copy_(smooth_weight(conv.weight, rho, normalize))
    return target


def smoothing_operator(rho: float, k: int = 3) -> torch.Tensor:
    """The linear map of :func:`smooth_weight` on flattened k×k kernels, as a (k², k²) float64 matrix A_ρ
    (``smooth_weight(w).flatten() == A_ρ @ w.flatten()``).

    Args:
        rho: neighbour weight ρ ≥ 0.
        k: kernel size.

    Returns:
        (k², k²) float64 tensor.

    Raises:
        InputError: ``rho`` < 0.

    Source:
        Wang et al. 2020 (CVPR), Eq. 3 (as a matrix: freqlens).

    Example:
        >>> w = torch.randn(3, 3, dtype=torch.float64)
        >>> torch.allclose(smoothing_operator(0.5) @ w.flatten(), smooth_weight(w, 0.5).flatten())
        True
    """
    eye = torch.eye(k * k, dtype=torch.float64).reshape(k * k, k, k)
    return smooth_weight(eye, rho).reshape(k * k, k * k).T


def dct_matrix(k: int, dtype=torch.float64) -> torch.Tensor:
    """Orthonormal DCT-II matrix D: coefficients c = D @ x, inverse x = D.T @ c.

    Args:
        k: signal length.
        dtype: dtype of the matrix.

    Returns:
        (k, k) tensor with D @ D.T = I.

    Raises:
        Nothing of its own.

    Source:
        freqlens (the orthonormal DCT-II).

    Example:
        >>> d = dct_matrix(4)
        >>> torch.allclose(d @ d.T, torch.eye(4, dtype=torch.float64)), round(d[0, 0].item(), 4)
        (True, 0.5)
    """
    n = torch.arange(k, dtype=dtype)
    d = torch.cos(math.pi * (n[None, :] + 0.5) * n[:, None] / k) * math.sqrt(2.0 / k)
    d[0] /= math.sqrt(2.0)
    return d


def lowpass_weight(weight: torch.Tensor, cutoff: float, shape: str = "radial") -> torch.Tensor:
    """A proposal (not in the paper): low-pass filter each k×k kernel slice in the orthonormal DCT-II domain, keeping
    the coefficients (u, v) with u² + v² < cutoff² ("radial") or max(u, v) < cutoff ("square").

    Args:
        weight: (..., k, k) kernels.
        cutoff: DCT index cut-off (> 0).
        shape: "radial" or "square".

    Returns:
        Tensor of the same shape and dtype, detached.

    Raises:
        InputError: ``shape`` is not "radial" or "square", or ``cutoff`` ≤ 0.

    Source:
        freqlens (a proposal next to Wang et al. 2020's kernel smoothing).

    Example:
        >>> w = torch.tensor([[1.0, -1.0, 1.0], [-1.0, 1.0, -1.0], [1.0, -1.0, 1.0]])
        >>> torch.allclose(lowpass_weight(w, cutoff=10), w), round(float(lowpass_weight(w, cutoff=1).std()), 6)
        (True, 0.0)
    """
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
    """A proposal (not in the paper): low-pass filter the kernels of conv layers in the DCT-II domain
    (:func:`lowpass_weight`); biases are untouched.

    Args:
        model: any ``nn.Module`` containing ``nn.Conv2d`` layers, or a single ``nn.Conv2d``.
        cutoff: DCT index cut-off (> 0); with "square" and cutoff 1 only the kernel mean survives.
        shape: "radial" or "square".
        layers: "first", "all", or a list of conv layer names.
        inplace: modify ``model``; by default a filtered deep copy is returned.

    Returns:
        The filtered model.

    Raises:
        InputError: no ``nn.Conv2d``, an unknown layer name or selector, a bad ``shape`` or ``cutoff``.

    Source:
        freqlens (a proposal next to Wang et al. 2020's kernel smoothing).

    Example:
        >>> _ = torch.manual_seed(0)
        >>> conv = nn.Conv2d(1, 2, 3)
        >>> flat = lowpass_conv_kernels(conv, cutoff=1, shape="square").weight
        >>> torch.allclose(flat, conv.weight.mean((-2, -1), keepdim=True).expand_as(flat), atol=1e-6)
        True
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
    """Roughness of conv kernels: the mean over (out, in) kernels of Σ_{4-neighbour pairs}(w_a − w_b)² / Σ w² (lower is
    smoother; 3×3 i.i.d. Gaussian ≈ 24/9, centred delta 4, constant 0).

    Args:
        weight: (C_out, C_in, k, k) kernels (any (..., k, k) works).

    Returns:
        The mean roughness (dimensionless).

    Raises:
        Nothing of its own.

    Source:
        freqlens (measure of kernel smoothness; Wang et al. 2020 show the kernels as pictures only).

    Example:
        >>> delta = torch.zeros(1, 1, 3, 3)
        >>> delta[0, 0, 1, 1] = 1.0
        >>> conv_kernel_roughness(delta), conv_kernel_roughness(torch.ones(1, 1, 3, 3))
        (4.0, 0.0)
    """
    w = weight.detach().to(torch.float64)
    energy = w.pow(2).sum((-2, -1)).clamp_min(1e-30)
    return float((_adjacent_sq_diff(w) / energy).mean())


def conv_smoothness_penalty(model: nn.Module, layers: str | Sequence[str] = "first") -> torch.Tensor:
    """A proposal: R(W) = Σ_{o,i} Σ_{4-adjacent (a, b)} (W[o,i,a] − W[o,i,b])² summed over the selected conv layers.

    Args:
        model: any ``nn.Module`` containing ``nn.Conv2d`` layers.
        layers: "first", "all", or a list of conv layer names.

    Returns:
        A differentiable scalar tensor on the model's device.

    Raises:
        InputError: no ``nn.Conv2d``, or an unknown layer name or selector.

    Source:
        freqlens (after the companion claim "Smooth Kernels Improve Adversarial Robustness"; its formula is not
        available).

    Example:
        >>> conv = nn.Conv2d(1, 1, 2, bias=False)
        >>> with torch.no_grad():
        ...     _ = conv.weight.copy_(torch.tensor([[[[0.0, 1.0], [0.0, 1.0]]]]))
        >>> conv_smoothness_penalty(conv).item()
        2.0
    """
    total = None
    for _, conv in _select(model, layers):
        term = _adjacent_sq_diff(conv.weight).sum()
        total = term if total is None else total + term
    return total


class SmoothnessRegularizer:
    """``model → λ·R(W)`` (:func:`conv_smoothness_penalty`) for ``fit(regularizer=...)``; a proposal (the companion
    paper's formula and λ are not available).

    Args:
        weight: λ ≥ 0.
        layers: "first", "all", or a list of conv layer names.

    Attributes:
        weight, layers: as given; calling the object with a model returns λ·R(W) (a differentiable scalar).

    Raises:
        InputError: ``weight`` < 0 (at construction); as :func:`conv_smoothness_penalty` when called.

    Source:
        freqlens (after the companion claim "Smooth Kernels Improve Adversarial Robustness").

    Example:
        >>> conv = nn.Conv2d(1, 1, 2, bias=False)
        >>> with torch.no_grad():
        ...     _ = conv.weight.copy_(torch.tensor([[[[0.0, 1.0], [0.0, 1.0]]]]))
        >>> SmoothnessRegularizer(0.5)(conv).item()
        1.0
    """

    def __init__(self, weight: float = 1e-2, layers: str | Sequence[str] = "first"):
        check_number(weight, "regulariser weight", 0.0, strict=False)
        self.weight, self.layers = float(weight), layers

    def __call__(self, model: nn.Module) -> torch.Tensor:
        return self.weight * conv_smoothness_penalty(model, self.layers)


__all__ = ["conv_layers", "first_conv", "smoothing_mask", "smooth_weight", "smooth_conv_kernels", "smoothing_operator",
           "dct_matrix", "lowpass_weight", "lowpass_conv_kernels", "conv_kernel_roughness", "conv_smoothness_penalty",
           "SmoothnessRegularizer"]
