"""Frequency masks and filters on images (N, C, H, W), per channel, with ``torch.fft``.

Frequencies are signed integers in cycles per image, laid out as ``torch.fft.fftfreq(N) * N`` (unshifted;
for even N the Nyquist bin is −N/2; positions and radii come from :mod:`freqlens.fourier.grid`).
The centred (fft-shifted) layout is used for display only. A disk of
radius r around DC in this layout equals the centred construction with centre (H//2, W//2); for non-square
images the distance is measured in index units per axis, i.e. sqrt(f_u² + f_v²) with f_u, f_v in cycles per
image along each axis (the HFC paper assumes square images; this is our stated convention).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch

from freqlens.errors import InputError
from freqlens.fourier.grid import chebyshev_radius, fft_frequencies, radial_frequency
from freqlens.validation import check_choice, check_finite, check_integer, check_positive, check_rank


def max_radius(height: int, width: int) -> float:
    """The largest distance of a DFT bin from DC, sqrt((H/2)² + (W/2)²): the half-diagonal (22.6 for 32 × 32).

    Args:
        height: H, rows of the image.
        width: W, columns of the image.

    Returns:
        The radius in cycles per image (a float).

    Raises:
        InputError: ``height`` or ``width`` is not a positive integer.

    Source: freqlens.

    Example:
        >>> round(max_radius(32, 32), 2)
        22.63
    """
    return float(radial_frequency(height, width).max())


def disk_mask(height: int, width: int, radius: float, inclusive: bool = False, device=None) -> torch.Tensor:
    """Boolean (H, W) mask in the unshifted layout: True where the distance from DC is < ``radius`` (``inclusive``: ≤).

    Args:
        height: H, rows.
        width: W, columns.
        radius: disk radius in cycles per image (> 0); distance is sqrt(f_u² + f_v²).
        inclusive: also keep bins at exactly ``radius``.
        device: torch device of the mask.

    Returns:
        (H, W) bool tensor, unshifted (``fft2``) layout.

    Raises:
        InputError: ``radius`` not a positive number, or a bad size.

    Source: Wang et al. 2020, "High-frequency component helps explain the generalization of CNNs", Sec. 3
        (the LFC keeps the disk of radius r around DC).

    Example:
        >>> int(disk_mask(8, 8, 1.5).sum()), int(disk_mask(8, 8, 1, inclusive=True).sum())
        (9, 5)
    """
    check_positive(radius, "radius")
    r = radial_frequency(height, width, device=device)
    return r <= radius if inclusive else r < radius


def image_spectrum(images: torch.Tensor) -> torch.Tensor:
    """Per-channel 2-D FFT of images, for filtering the same images with several masks after one FFT.

    Args:
        images: (N, C, H, W) (or any (..., H, W)) real tensor.

    Returns:
        Complex tensor of the same shape, unshifted layout; complex128 for float64 images, complex64 otherwise.

    Raises:
        Nothing of its own (``torch.fft`` errors pass through).

    Source: freqlens.

    Example:
        >>> image_spectrum(torch.ones(1, 1, 4, 4))[0, 0, 0, 0]
        tensor(16.+0.j)
    """
    return torch.fft.fft2(images.to(torch.float64) if images.dtype == torch.float64 else images.float())


def apply_mask(images: torch.Tensor, mask: torch.Tensor, spectrum: torch.Tensor | None = None) -> torch.Tensor:
    """Keep the frequencies where ``mask`` is set; per image and channel.

    Args:
        images: (N, C, H, W) or (C, H, W) real tensor.
        mask: (H, W) bool or float mask in the unshifted layout (a float mask scales each frequency).
        spectrum: :func:`image_spectrum` of ``images``, when the caller filters them more than once.

    Returns:
        The filtered images, same shape and dtype as ``images``, real part of the inverse FFT (not clipped).

    Raises:
        InputError: wrong rank, or a mask whose shape is not the image size.

    Source: freqlens.

    Example:
        >>> x = torch.rand(2, 3, 8, 8)
        >>> only_dc = apply_mask(x, lowpass_mask(8, 8, 1))
        >>> torch.allclose(only_dc, x.mean(dim=(-2, -1), keepdim=True).expand_as(x), atol=1e-6)
        True
    """
    check_rank(images, "images", (3, 4), "(N, C, H, W) or (C, H, W)")
    if mask.shape != images.shape[-2:]:
        raise InputError(f"mask shape {tuple(mask.shape)} does not match image size {tuple(images.shape[-2:])}")
    spec = image_spectrum(images) if spectrum is None else spectrum
    return torch.fft.ifft2(spec * mask.to(spec.real.dtype).to(images.device)).real.to(images.dtype)


def lfc_hfc_components(images: torch.Tensor, radii: Sequence[float], rescale: str = "none", inclusive: bool = False,
                       components: Sequence[str] = ("lfc", "hfc")) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """LFC and HFC of ``images`` for every radius, with one FFT.

    The numbers of :func:`lfc_hfc_split` per radius, without its argument checks (callers check the radii once).

    Args:
        images: (N, C, H, W) real tensor.
        radii: R radii in cycles per image; the LFC keeps bins with distance < r (≤ r if ``inclusive``).
        rescale: "none", or "max" to divide each component image by its own maximum over channels and pixels.
        inclusive: keep bins at exactly distance r in the LFC.
        components: which of "lfc", "hfc" to compute; a left-out one is returned as None (no inverse FFT).

    Returns:
        ``(lfc, hfc)``, each (R, N, C, H, W) in the images' dtype and device, or None.

    Raises:
        InputError: unknown ``rescale``, or ``rescale="max"`` with a component whose maximum is ≤ 1e-8.

    Source: Wang et al. 2020, "High-frequency component helps explain the generalization of CNNs", Sec. 3.

    Example:
        >>> x = torch.rand(2, 1, 8, 8)
        >>> lfc, hfc = lfc_hfc_components(x, [1, 3])
        >>> lfc.shape, torch.allclose(lfc + hfc, x.expand(2, 2, 1, 8, 8), atol=1e-6)
        (torch.Size([2, 2, 1, 8, 8]), True)
    """
    check_choice(rescale, "rescale", ("none", "max"))
    h, w = images.shape[-2:]
    spec = image_spectrum(images)
    dist = radial_frequency(h, w, device=images.device, dtype=spec.real.dtype)
    masks = torch.stack([(dist <= r) if inclusive else (dist < r) for r in radii]).to(dist.dtype)[:, None, None]
    out = {}
    for name, mask in (("lfc", masks), ("hfc", 1 - masks)):
        if name not in components:
            out[name] = None
            continue
        comp = torch.fft.ifft2(spec[None] * mask).real
        if rescale == "max":
            peak = comp.flatten(2).amax(2)  # (R, N)
            bad = peak <= 1e-8
            if bool(bad.any()):
                r = radii[int(torch.nonzero(bad.any(1))[0])]
                raise InputError(f"{name.upper()} at radius {r} is empty (max ≤ 1e-8) for some image; cannot rescale "
                                 f"by its maximum — use a smaller radius or rescale='none'")
            comp /= peak[:, :, None, None, None]
        out[name] = comp.to(images.dtype)
    return out["lfc"], out["hfc"]


def lfc_hfc_split(images: torch.Tensor, radius: float, rescale: str = "none", inclusive: bool = False
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Low- and high-frequency components (Wang et al. 2020) of images at one radius.

    Per image and channel, the LFC keeps the FFT bins with distance from DC < ``radius`` (strict, as the
    official code), the HFC the rest. With ``rescale="none"`` lfc + hfc == images up to float rounding.
    For another resolution N scale a 32-pixel radius as r·N/32 (:func:`scale_radius`). Several radii at once,
    with one FFT: :func:`lfc_hfc_components`.

    Args:
        images: (N, C, H, W) finite real tensor.
        radius: cycles per image (> 0).
        rescale: "none", or "max" to divide each component image by its own maximum over channels and pixels
            (the paper's training/evaluation convention).
        inclusive: keep bins at exactly ``radius`` in the LFC.

    Returns:
        ``(lfc, hfc)``, each (N, C, H, W) in the images' dtype.

    Raises:
        InputError: bad images, radius ≤ 0, or with ``rescale="max"`` a radius beyond the half-diagonal or an
            empty component.

    Source: Wang et al. 2020, "High-frequency component helps explain the generalization of CNNs", Sec. 3.

    Example:
        >>> images = torch.rand(2, 3, 16, 16)
        >>> lfc, hfc = lfc_hfc_split(images, radius=4)
        >>> torch.allclose(lfc + hfc, images, atol=1e-5)
        True
    """
    check_rank(images, "images", 4, "(N, C, H, W)")
    check_finite(images, "images")
    h, w = images.shape[-2:]
    check_positive(radius, "radius")
    limit = max_radius(h, w)
    if radius > limit + 1e-9 and rescale != "none":
        raise InputError(f"radius {radius} exceeds the half-diagonal {limit:.2f} of {h}×{w} images: the HFC is empty")
    lfc, hfc = lfc_hfc_components(images, [radius], rescale, inclusive)
    return lfc[0], hfc[0]


def scale_radius(radius: float, size: int, reference: int = 32) -> float:
    """A radius given for ``reference``-pixel images, scaled to ``size`` pixels: r·size/reference.

    Args:
        radius: cycles per image at the reference size.
        size: the image size in pixels.
        reference: the size the radius was given for (32 for CIFAR-10).

    Returns:
        The scaled radius (a float), cycles per image at ``size``.

    Raises:
        Nothing: the arguments are not checked.

    Source: freqlens (radii of Wang et al. 2020 are given for 32 × 32 images).

    Example:
        >>> scale_radius(12, 224)
        84.0
    """
    return radius * size / reference


# --- square (Chebyshev) band masks by bandwidth, Yin et al. 2019, input filtering -------------------------------------

def _check_bandwidth(bandwidth: int, name: str = "bandwidth") -> int:
    return check_integer(bandwidth, f"{name} (a number of frequencies)")


def lowpass_mask(height: int, width: int, bandwidth: int, device=None) -> torch.Tensor:
    """Square low-pass mask of bandwidth B: keeps |f_u| ≤ c and |f_v| ≤ c with c = (B − 1) // 2.

    B = 1 keeps only DC; B ≥ max(H, W) keeps everything. An even B keeps the same square as B − 1.

    Args:
        height: H, rows.
        width: W, columns.
        bandwidth: B, the number of kept frequencies per axis (integer ≥ 1).
        device: torch device of the mask.

    Returns:
        (H, W) bool tensor, unshifted layout.

    Raises:
        InputError: ``bandwidth`` is not an integer ≥ 1.

    Source: Yin et al. 2019, "A Fourier perspective on model robustness in computer vision", Sec. 4.1 (low-pass
        filtering of the input with a square mask of bandwidth B).

    Example:
        >>> int(lowpass_mask(32, 32, 3).sum())       # f_u, f_v ∈ {−1, 0, 1}
        9
    """
    b = _check_bandwidth(bandwidth)
    if b >= max(height, width):
        return torch.ones(height, width, dtype=torch.bool, device=device)
    return chebyshev_radius(height, width, device=device) <= (b - 1) // 2


def highpass_mask(height: int, width: int, bandwidth: int, device=None) -> torch.Tensor:
    """Square high-pass mask of bandwidth B, the "frame" reading of Yin et al. 2019.

    The complement of the centred (S − B) × (S − B) low-pass square along each axis of size S, i.e. keeps
    |f_u| > (H − B − 1)/2 or |f_v| > (W − B − 1)/2. B counts the kept frequencies across both sides of an axis
    (32 × 32, B = 3: |f| ≥ 15 on either axis); B = S − 1 removes only DC; B ≥ S keeps everything. For an odd
    S and an odd B the removed square (S − B wide, even) cannot be centred, so the frame keeps B + 1 frequencies
    per axis (33 × 33, B = 3: |f| ≥ 15, i.e. ±15 and ±16).

    Args:
        height: H, rows.
        width: W, columns.
        bandwidth: B, kept frequencies per axis (integer ≥ 1).
        device: torch device of the mask.

    Returns:
        (H, W) bool tensor, unshifted layout.

    Raises:
        InputError: ``bandwidth`` is not an integer ≥ 1.

    Source: Yin et al. 2019, Sec. 4.1 (high-pass filtering of the input).

    Example:
        >>> int(highpass_mask(32, 32, 31).sum())     # everything but DC
        1023
    """
    b = _check_bandwidth(bandwidth)
    fu = fft_frequencies(height, device=device).abs()
    fv = fft_frequencies(width, device=device).abs()
    keep_u = fu > (height - b - 1) / 2
    keep_v = fv > (width - b - 1) / 2
    return keep_u[:, None] | keep_v[None, :]


def band_mask(height: int, width: int, low: float, high: float, device=None) -> torch.Tensor:
    """Mask of the square annulus ``low ≤ ρ ≤ high``, ρ = max(|f_u|, |f_v|).

    Args:
        height: H, rows.
        width: W, columns.
        low: smallest ρ kept, cycles per image (≥ 0).
        high: largest ρ kept (≥ low).
        device: torch device of the mask.

    Returns:
        (H, W) bool tensor, unshifted layout.

    Raises:
        InputError: low < 0 or low > high.

    Source: Yin et al. 2019, Sec. 4 (square frequency bands).

    Example:
        >>> int(band_mask(8, 8, 1, 1).sum())         # the ring around DC
        8
    """
    if low > high or low < 0:
        raise InputError(f"band must satisfy 0 ≤ low ≤ high, got low={low}, high={high}")
    rho = chebyshev_radius(height, width, device=device)
    return (rho >= low) & (rho <= high)


def filter_mask(height: int, width: int, kind: str, bandwidth: int, device=None) -> torch.Tensor:
    """The square mask of one filter kind: "low" → :func:`lowpass_mask`, "high" → :func:`highpass_mask`, "full" → all.

    Args:
        height: H, rows.
        width: W, columns.
        kind: "low", "high" or "full".
        bandwidth: B for "low" and "high" (ignored for "full").
        device: torch device of the mask.

    Returns:
        (H, W) bool tensor, unshifted layout.

    Raises:
        InputError: unknown ``kind`` or a bad bandwidth.

    Source: Yin et al. 2019, Sec. 4.1.

    Example:
        >>> [int(filter_mask(8, 8, k, 3).sum()) for k in ("low", "high", "full")]
        [9, 39, 64]
    """
    if kind == "low":
        return lowpass_mask(height, width, bandwidth, device)
    if kind == "high":
        return highpass_mask(height, width, bandwidth, device)
    if kind == "full":
        return torch.ones(height, width, dtype=torch.bool, device=device)
    raise InputError(f"filter kind must be 'low', 'high' or 'full', got {kind!r}")


def lowpass_filter(images: torch.Tensor, bandwidth: int) -> torch.Tensor:
    """Low-pass filter images per channel with :func:`lowpass_mask`; not clipped (may leave [0, 1]).

    Args:
        images: (N, C, H, W) or (C, H, W) real tensor.
        bandwidth: B, kept frequencies per axis (integer ≥ 1).

    Returns:
        The filtered images, same shape and dtype.

    Raises:
        InputError: wrong rank or bad bandwidth.

    Source: Yin et al. 2019, Sec. 4.1 (Fig. 3, accuracy of low-pass filtered images).

    Example:
        >>> x = torch.rand(1, 1, 8, 8)
        >>> torch.allclose(lowpass_filter(x, 1), x.mean().expand_as(x), atol=1e-6)
        True
    """
    check_rank(images, "images", (3, 4), "(N, C, H, W) or (C, H, W)")
    return apply_mask(images, lowpass_mask(*images.shape[-2:], bandwidth, device=images.device))


def highpass_filter(images: torch.Tensor, bandwidth: int) -> torch.Tensor:
    """High-pass filter images per channel with :func:`highpass_mask` (the result is ≈ zero-mean); not clipped.

    Args:
        images: (N, C, H, W) or (C, H, W) real tensor.
        bandwidth: B, kept frequencies per axis (integer ≥ 1).

    Returns:
        The filtered images, same shape and dtype.

    Raises:
        InputError: wrong rank or bad bandwidth.

    Source: Yin et al. 2019, Sec. 4.1 (Fig. 3, accuracy of high-pass filtered images).

    Example:
        >>> x = torch.rand(1, 1, 8, 8)
        >>> torch.allclose(highpass_filter(x, 7) + x.mean(), x, atol=1e-6)   # B = S − 1 removes only DC
        True
    """
    check_rank(images, "images", (3, 4), "(N, C, H, W) or (C, H, W)")
    return apply_mask(images, highpass_mask(*images.shape[-2:], bandwidth, device=images.device))


def filtered_noise(shape: tuple[int, ...], kind: str = "full", bandwidth: int | None = None, norm: float = 8.0,
                   per_channel: bool = True, generator: torch.Generator | None = None, device=None,
                   dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Gaussian noise filtered to a band and rescaled to ℓ2 norm ``norm``.

    Args:
        shape: (N, C, H, W).
        kind: "low" / "high" (square masks of ``bandwidth``, see :func:`lowpass_mask`, :func:`highpass_mask`) or
            "full" (unfiltered).
        bandwidth: B, needed unless ``kind="full"``.
        norm: ℓ2 norm of the result, in pixel units (> 0).
        per_channel: True gives every channel norm ``norm`` (Yin et al.'s noise, like the per-channel Fourier-basis
            norm); False gives every image norm ``norm``.
        generator: torch random generator (for reproducible noise).
        device: torch device.
        dtype: dtype of the result.

    Returns:
        (N, C, H, W) tensor.

    Raises:
        InputError: a shape that is not 4-D, norm ≤ 0, or a band kind without bandwidth.

    Source: Yin et al. 2019, Sec. 4.2 (band-limited Gaussian noise).

    Example:
        >>> n = filtered_noise((2, 3, 16, 16), "low", 7, norm=8.0, generator=torch.Generator().manual_seed(0))
        >>> n.flatten(2).norm(dim=2).round(decimals=4).unique().tolist()
        [8.0]
    """
    if len(shape) != 4:
        raise InputError(f"noise shape {tuple(shape)} must be (N, C, H, W)")
    check_positive(norm, "norm")
    if kind != "full" and bandwidth is None:
        raise InputError(f"kind {kind!r} needs a bandwidth")
    h, w = shape[-2:]
    real = torch.float64 if dtype == torch.float64 else torch.float32
    noise = torch.randn(tuple(shape), generator=generator, device=device, dtype=real)
    if kind != "full":
        noise = apply_mask(noise, filter_mask(h, w, kind, bandwidth, device=noise.device))
    flat = noise.flatten(2) if per_channel else noise.flatten(1)
    scale = norm / flat.norm(dim=-1).clamp_min(1e-12)
    noise = noise * (scale[..., None, None] if per_channel else scale[:, None, None, None])
    return noise.to(dtype)


def gaussian_blur_periodic(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Periodic Gaussian blur of images (..., H, W): the DFT is multiplied by exp(−2π²σ²(f_u²/H² + f_v²/W²)), the
    transfer function of a Gaussian of ``sigma`` pixels on the torus (no border effects, so the amplitude spectrum
    decays faster than any power of the frequency).

    Args:
        images: (..., H, W) real tensor.
        sigma: standard deviation in pixels (> 0).

    Returns:
        The blurred images, same shape and dtype.

    Raises:
        InputError: ``sigma`` ≤ 0 or not finite.

    Source: freqlens (standard Gaussian transfer function).

    Example:
        >>> x = torch.zeros(1, 8, 8); x[0, 0, 0] = 1.0
        >>> y = gaussian_blur_periodic(x, 1.0)
        >>> round(float(y.sum()), 6), bool(y.max() < 1)
        (1.0, True)
    """
    import math

    if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma > 0):
        raise InputError(f"sigma must be a positive number of pixels, got {sigma!r}")
    h, w = images.shape[-2:]
    fu = torch.fft.fftfreq(h, device=images.device, dtype=torch.float64)
    fv = torch.fft.fftfreq(w, device=images.device, dtype=torch.float64)
    transfer = torch.exp(-2 * math.pi ** 2 * sigma ** 2 * (fu[:, None] ** 2 + fv[None, :] ** 2))
    out = torch.fft.ifft2(torch.fft.fft2(images.to(torch.float64)) * transfer).real
    return out.to(images.dtype)


__all__ = ["max_radius", "disk_mask", "image_spectrum", "apply_mask", "lfc_hfc_split", "lfc_hfc_components",
           "scale_radius", "lowpass_mask", "highpass_mask", "band_mask", "filter_mask", "lowpass_filter",
           "highpass_filter", "filtered_noise", "gaussian_blur_periodic"]
