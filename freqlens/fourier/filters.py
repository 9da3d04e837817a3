"""Frequency masks and filters on images (N, C, H, W), per channel, with ``torch.fft``.

Frequencies are signed integers in cycles per image, laid out as ``torch.fft.fftfreq(N) * N`` (unshifted;
for even N the Nyquist bin is −N/2). The centred (fft-shifted) layout is used for display only. A disk of
radius r around DC in this layout equals the centred construction with centre (H//2, W//2); for non-square
images the distance is measured in index units per axis, i.e. sqrt(f_u² + f_v²) with f_u, f_v in cycles per
image along each axis (the HFC paper assumes square images; this is our stated convention).
"""
from __future__ import annotations

import math

import torch

from freqlens.errors import InputError
from freqlens.validation import check_finite, check_rank


def frequency_radius(height: int, width: int, device=None, dtype=torch.float64) -> torch.Tensor:
    """Distance sqrt(f_u² + f_v²) of every unshifted FFT bin from DC, in cycles per image. Shape (H, W)."""
    fu = torch.fft.fftfreq(height, d=1.0 / height, device=device, dtype=dtype)
    fv = torch.fft.fftfreq(width, d=1.0 / width, device=device, dtype=dtype)
    return torch.sqrt(fu[:, None] ** 2 + fv[None, :] ** 2)


def max_radius(height: int, width: int) -> float:
    """The largest distance of a bin from DC: sqrt((H/2)² + (W/2)²) — the half-diagonal (22.6 for 32 × 32)."""
    return float(frequency_radius(height, width).max())


def disk_mask(height: int, width: int, radius: float, inclusive: bool = False, device=None) -> torch.Tensor:
    """Boolean (H, W) mask, unshifted layout: True where distance < radius (``inclusive``: ≤)."""
    if not (radius > 0):
        raise InputError(f"radius must be > 0, got {radius}")
    r = frequency_radius(height, width, device=device)
    return r <= radius if inclusive else r < radius


def apply_mask(images: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Keep the frequencies where ``mask`` (H, W, unshifted, bool or float) is set. (N, C, H, W) → same shape, real."""
    check_rank(images, "images", (3, 4), "(N, C, H, W) or (C, H, W)")
    if mask.shape != images.shape[-2:]:
        raise InputError(f"mask shape {tuple(mask.shape)} does not match image size {tuple(images.shape[-2:])}")
    spec = torch.fft.fft2(images.to(torch.float64) if images.dtype == torch.float64 else images.float())
    return torch.fft.ifft2(spec * mask.to(spec.real.dtype).to(images.device)).real.to(images.dtype)


def _rescale_max(component: torch.Tensor, radius: float, name: str) -> torch.Tensor:
    peak = component.flatten(1).amax(1)
    if bool((peak <= 1e-8).any()):
        raise InputError(f"{name} at radius {radius} is empty (max ≤ 1e-8) for some image; "
                         f"cannot rescale by its maximum — use a smaller radius or rescale='none'")
    return component / peak.view(-1, *([1] * (component.ndim - 1)))


def lfc_hfc_split(images: torch.Tensor, radius: float, rescale: str = "none", inclusive: bool = False
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Low- and high-frequency components (Wang et al.): per image and channel, keep FFT bins with distance
    from DC < ``radius`` (strict, as the official code) for the LFC, the rest for the HFC.

    Shapes: images (N, C, H, W) → (lfc, hfc), each (N, C, H, W). With ``rescale="none"`` lfc + hfc == images
    exactly (up to float rounding). ``rescale="max"`` divides each component image by its own maximum over
    channels and pixels (the paper's training/evaluation convention); an empty component is an error.
    ``radius`` is in cycles per image; for another resolution N scale it as r·N/32 (:func:`scale_radius`).

    Example::

        >>> lfc, hfc = lfc_hfc_split(images, radius=12)
        >>> torch.allclose(lfc + hfc, images, atol=1e-5)   # True
    """
    check_rank(images, "images", 4, "(N, C, H, W)")
    check_finite(images, "images")
    h, w = images.shape[-2:]
    if not (radius > 0):
        raise InputError(f"radius must be > 0, got {radius}")
    limit = max_radius(h, w)
    if radius > limit + 1e-9 and rescale != "none":
        raise InputError(f"radius {radius} exceeds the half-diagonal {limit:.2f} of {h}×{w} images: the HFC is empty")
    mask = disk_mask(h, w, radius, inclusive, device=images.device)
    work = images.to(torch.float64) if images.dtype == torch.float64 else images.float()
    spec = torch.fft.fft2(work)
    m = mask.to(spec.real.dtype)
    lfc = torch.fft.ifft2(spec * m).real
    hfc = torch.fft.ifft2(spec * (1 - m)).real
    if rescale == "max":
        lfc, hfc = _rescale_max(lfc, radius, "LFC"), _rescale_max(hfc, radius, "HFC")
    elif rescale != "none":
        raise InputError(f"rescale must be 'none' or 'max', got {rescale!r}")
    return lfc.to(images.dtype), hfc.to(images.dtype)


def scale_radius(radius: float, size: int, reference: int = 32) -> float:
    """A radius given for ``reference``-pixel images, scaled to ``size`` pixels (r·size/reference)."""
    return radius * size / reference


__all__ = ["frequency_radius", "max_radius", "disk_mask", "apply_mask", "lfc_hfc_split", "scale_radius"]
