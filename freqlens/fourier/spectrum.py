"""Image spectra (Yin et al. 2019, spectra of images, corruptions and perturbations): mean amplitude and energy
spectra, radial profiles, and the fraction of high-frequency energy.

Spectra are returned in the *centred* (fft-shifted) layout for display: position (p, q) holds frequency
(f_u, f_v) = (p − ⌊H/2⌋, q − ⌊W/2⌋) in cycles per image, DC in the middle. ρ = max(|f_u|, |f_v|) is the
square ("Chebyshev") radius used by the square filters of :mod:`freqlens.fourier.filters`; both layouts
and radii come from :mod:`freqlens.fourier.grid`.

Example:
    >>> images = torch.ones(2, 1, 8, 8)
    >>> S = amplitude_spectrum(images)                    # (H, W), E|F(x_c)| over images and channels
    >>> radii, profile = radial_profile(S)                # mean over rings of integer Euclidean radius
    >>> profile[:2].tolist()                              # a constant image: all amplitude at DC
    [64.0, 0.0]
"""
from __future__ import annotations

import numpy as np
import torch

from freqlens.errors import InputError
from freqlens.fourier.grid import chebyshev_radius, radial_frequency
from freqlens.validation import check_finite, check_integer, check_number, check_rank


def _spectrum_input(images: torch.Tensor, name: str = "images") -> torch.Tensor:
    check_rank(images, name, (2, 3, 4), "(N, C, H, W), (C, H, W) or (H, W)")
    check_finite(images, name)
    if images.numel() == 0:
        raise InputError(f"{name} is empty")
    x = images if images.is_floating_point() else images.float()
    while x.ndim < 4:
        x = x.unsqueeze(0)
    return x


def amplitude_spectrum(images: torch.Tensor, centred: bool = True) -> torch.Tensor:
    """Mean amplitude ``E |F(x_c)|`` of the 2-D DFT over images and channels.

    Args:
        images: (N, C, H, W), (C, H, W) or (H, W) real tensor, any units (the spectrum is in the same units
            times H·W, the unnormalised ``torch.fft.fft2``).
        centred: True for the centred layout (DC at (⌊H/2⌋, ⌊W/2⌋)), False for the unshifted ``fft2`` layout.

    Returns:
        (H, W) float64 tensor on the images' device.

    Raises:
        InputError: wrong rank, NaN/infinite values or an empty tensor.

    Source:
        Yin et al. 2019, "A Fourier perspective on model robustness in computer vision", Sec. 4 (image spectra).

    Example:
        >>> s = amplitude_spectrum(torch.ones(3, 2, 4, 4))
        >>> s.shape, s[2, 2].item(), s.sum().item()        # all amplitude at DC: 4·4·1
        (torch.Size([4, 4]), 16.0, 16.0)
    """
    x = _spectrum_input(images)
    spec = torch.fft.fft2(x.to(torch.float64)).abs().mean(dim=(0, 1))
    return torch.fft.fftshift(spec) if centred else spec


def energy_spectrum(images: torch.Tensor, centred: bool = True) -> torch.Tensor:
    """Mean energy ``E |F(x_c)|²`` of the 2-D DFT over images and channels.

    By Parseval, ``energy_spectrum(x).sum() = H·W · E Σ x_c²``.

    Args:
        images: (N, C, H, W), (C, H, W) or (H, W) real tensor.
        centred: True for the centred layout (DC in the middle), False for the unshifted ``fft2`` layout.

    Returns:
        (H, W) float64 tensor.

    Raises:
        InputError: wrong rank, NaN/infinite values or an empty tensor.

    Source:
        Yin et al. 2019, Sec. 4 (energy spectra of corruptions and perturbations).

    Example:
        >>> x = torch.zeros(1, 1, 4, 4); x[0, 0, 0, 0] = 1.0   # a delta: flat spectrum
        >>> energy_spectrum(x).unique().tolist()
        [1.0]
    """
    x = _spectrum_input(images)
    spec = (torch.fft.fft2(x.to(torch.float64)).abs() ** 2).mean(dim=(0, 1))
    return torch.fft.fftshift(spec) if centred else spec


def radial_profile(spectrum: torch.Tensor, metric: str = "euclidean") -> tuple[torch.Tensor, torch.Tensor]:
    """Mean of a centred (H, W) map over rings of equal integer radius.

    Args:
        spectrum: (H, W) map in the centred layout (e.g. :func:`amplitude_spectrum`).
        metric: "euclidean" (radius sqrt(f_u² + f_v²) rounded to the nearest integer) or "chebyshev"
            (ρ = max(|f_u|, |f_v|), square rings).

    Returns:
        ``(radii, values)``: (R + 1,) long radii 0 … R in cycles per image, R = min(H, W) // 2 (full rings
        only), and (R + 1,) float64 ring means on the CPU. ``values[0]`` is the DC value.

    Raises:
        InputError: ``spectrum`` is not 2-D, or an unknown ``metric``.

    Source:
        Yin et al. 2019, Sec. 4 (radially averaged spectra); freqlens for the binning.

    Example:
        >>> radii, prof = radial_profile(torch.arange(9.0).reshape(3, 3), metric="chebyshev")
        >>> radii.tolist(), prof.tolist()                   # centre 4; ring mean (0+1+2+3+5+6+7+8)/8
        ([0, 1], [4.0, 4.0])
    """
    check_rank(spectrum, "spectrum", 2, "(H, W) centred map")
    h, w = spectrum.shape
    if metric == "euclidean":
        r = radial_frequency(h, w, centered=True).round().long()
    elif metric == "chebyshev":
        r = chebyshev_radius(h, w, centered=True)
    else:
        raise InputError(f"metric must be 'euclidean' or 'chebyshev', got {metric!r}")
    rmax = min(h, w) // 2
    vals = spectrum.double().flatten()
    rr = r.flatten().to(vals.device)
    inside = rr <= rmax
    zeros = torch.zeros(rmax + 1, dtype=torch.float64, device=vals.device)
    sums = zeros.clone().index_add_(0, rr.clamp(max=rmax), vals * inside)
    counts = zeros.clone().index_add_(0, rr.clamp(max=rmax), inside.double())
    return torch.arange(rmax + 1), (sums / counts.clamp_min(1)).cpu()


def binned_radial_profile(spectrum: torch.Tensor, bins: int = 64,
                          centred: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Mean of a spectrum over ``bins`` equal-width bins of the continuous Euclidean radius ‖k‖.

    Unlike :func:`radial_profile` (rings of integer radius up to the inscribed circle, centred maps), the
    bins cover every radius up to the corner of the grid and the layout is unshifted by default.

    Args:
        spectrum: (..., H, W) map; only the last two axes are used for the radius, all entries are averaged.
        bins: number of bins over [0, max ‖k‖].
        centred: False for the unshifted ``fft2`` layout, True for the centred layout.

    Returns:
        ``(centres, means)``: two (bins,) float64 NumPy arrays, bin centres in cycles per image and the mean
        per bin; empty bins are NaN.

    Raises:
        InputError: ``spectrum`` has fewer than two dimensions or ``bins`` is not a positive integer.

    Source: freqlens (radially averaged transfer functions, as in Lin et al. 2019's band-limiting analysis).

    Example:
        >>> centres, means = binned_radial_profile(torch.ones(8, 8), bins=4)
        >>> means.tolist()
        [1.0, 1.0, 1.0, 1.0]
    """
    if spectrum.ndim < 2:
        raise InputError(f"spectrum has shape {tuple(spectrum.shape)}; expected (..., H, W)")
    bins = check_integer(bins, "bins")
    h, w = spectrum.shape[-2:]
    k = radial_frequency(h, w, centered=centred).expand(spectrum.shape).flatten().numpy()
    v = spectrum.detach().cpu().double().flatten().numpy()
    edges = np.linspace(0, k.max() + 1e-9, bins + 1)
    idx = np.digitize(k, edges) - 1
    sums = np.bincount(idx, weights=v, minlength=bins)[:bins]
    counts = np.bincount(idx, minlength=bins)[:bins]
    with np.errstate(invalid="ignore", divide="ignore"):
        prof = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return (edges[:-1] + edges[1:]) / 2, prof


def loglog_slope(radii: torch.Tensor, values: torch.Tensor, rmin: float = 2, rmax: float = 14) -> float:
    """Least-squares slope of log(values) against log(radii) for rmin ≤ radius ≤ rmax (1/f^a decay → −a).

    Args:
        radii: (R,) radii in cycles per image (e.g. from :func:`radial_profile`); tensor, array or list.
        values: (R,) profile values; non-positive values are left out of the fit.
        rmin: smallest radius fitted.
        rmax: largest radius fitted.

    Returns:
        The slope (a float); −a for a profile ∝ r^(−a).

    Raises:
        InputError: fewer than two positive values with radius in [rmin, rmax].

    Source: Yin et al. 2019, Sec. 4 (natural images have a 1/f^a amplitude spectrum); freqlens for the fit.

    Example:
        >>> r = torch.arange(1.0, 20.0)
        >>> round(loglog_slope(r, r ** -2), 6)
        -2.0
    """
    r = torch.as_tensor(radii, dtype=torch.float64)
    v = torch.as_tensor(values, dtype=torch.float64)
    keep = (r >= rmin) & (r <= rmax) & (v > 0)
    if int(keep.sum()) < 2:
        raise InputError(f"need at least two positive values with radius in [{rmin}, {rmax}]")
    x, y = torch.log(r[keep]), torch.log(v[keep])
    xc = x - x.mean()
    return float((xc * (y - y.mean())).sum() / (xc * xc).sum())


def high_frequency_fraction(images: torch.Tensor, cutoff: float = 7) -> float:
    """Fraction of spectral energy at ρ = max(|f_u|, |f_v|) > ``cutoff``.

    This is our definition of Yin et al.'s high-frequency energy: the energy outside the centred
    (2·cutoff + 1)² square (15 × 15 for cutoff 7). Energy is ``E |F(x_c)|²`` over images and channels.

    Args:
        images: (N, C, H, W), (C, H, W) or (H, W); for a corruption pass its difference ``corrupted − clean``.
        cutoff: ρ above which a frequency counts as high, in cycles per image (≥ 0).

    Returns:
        A number in [0, 1]. White noise on 32 × 32 gives ≈ 1 − 225/1024 = 0.78 for cutoff 7.

    Raises:
        InputError: bad images (see :func:`energy_spectrum`), negative cutoff, or images of zero energy.

    Source: Yin et al. 2019, Sec. 4.2 (energy of corruptions outside the low-frequency square).

    Example:
        >>> x = torch.zeros(1, 1, 32, 32); x[0, 0, 0, 0] = 1.0    # flat spectrum
        >>> round(high_frequency_fraction(x, cutoff=7), 4)        # 1 − 15²/32²
        0.7803
    """
    check_number(cutoff, "cutoff", 0.0, strict=False)
    e = energy_spectrum(images)
    total = float(e.sum())
    if total <= 0:
        raise InputError("images have zero energy: the high-frequency fraction is undefined")
    rho = chebyshev_radius(*e.shape, centered=True, device=e.device)
    return float(e[rho > cutoff].sum()) / total


def low_frequency_energy_fraction(images: torch.Tensor, radius: float = 3) -> float:
    """Fraction of spectral energy at ρ = max(|f_u|, |f_v|) ≤ ``radius``: ``1 − high_frequency_fraction``.

    Args:
        images: (N, C, H, W), (C, H, W) or (H, W), e.g. adversarial perturbations.
        radius: the largest ρ counted as low, in cycles per image (≥ 0).

    Returns:
        A number in [0, 1].

    Raises:
        InputError: as :func:`high_frequency_fraction`.

    Source: Yin et al. 2019, Sec. 4.3 (the low-frequency share of adversarial perturbations).

    Example:
        >>> low_frequency_energy_fraction(torch.ones(1, 1, 8, 8))   # all energy at DC
        1.0
    """
    return 1.0 - high_frequency_fraction(images, radius)


__all__ = ["amplitude_spectrum", "energy_spectrum", "radial_profile", "binned_radial_profile", "loglog_slope",
           "high_frequency_fraction", "low_frequency_energy_fraction"]
