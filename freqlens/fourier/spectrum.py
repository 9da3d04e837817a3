"""Image spectra (Yin et al. 2019, spectra of images, corruptions and perturbations): mean amplitude and energy
spectra, radial profiles, and the fraction
of high-frequency energy.

Spectra are returned in the *centred* (fft-shifted) layout for display: position (p, q) holds frequency
(f_u, f_v) = (p − ⌊H/2⌋, q − ⌊W/2⌋) in cycles per image, DC in the middle. ρ = max(|f_u|, |f_v|) is the
square ("Chebyshev") radius used by the square filters of :mod:`freqlens.fourier.filters`; both layouts
and radii come from :mod:`freqlens.fourier.grid`.

Example::

    >>> S = amplitude_spectrum(images)                    # (H, W), E|F(x_c)| over images and channels
    >>> radii, profile = radial_profile(S)                # mean over rings of integer Euclidean radius
    >>> high_frequency_fraction(noisy - images, cutoff=7) # energy with ρ > 7 over all energy
"""
from __future__ import annotations

import torch

from freqlens.errors import InputError
from freqlens.fourier.grid import chebyshev_radius, radial_frequency
from freqlens.validation import check_finite, check_number, check_rank


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
    """Mean amplitude ``E |F(x_c)|`` over images and channels. (N, C, H, W) → (H, W), centred by default.

    Example::

        >>> amplitude_spectrum(torch.rand(10, 3, 32, 32)).shape   # (32, 32), DC at (16, 16)
    """
    x = _spectrum_input(images)
    spec = torch.fft.fft2(x.to(torch.float64)).abs().mean(dim=(0, 1))
    return torch.fft.fftshift(spec) if centred else spec


def energy_spectrum(images: torch.Tensor, centred: bool = True) -> torch.Tensor:
    """Mean energy ``E |F(x_c)|²`` over images and channels. (N, C, H, W) → (H, W), centred by default."""
    x = _spectrum_input(images)
    spec = (torch.fft.fft2(x.to(torch.float64)).abs() ** 2).mean(dim=(0, 1))
    return torch.fft.fftshift(spec) if centred else spec


def radial_profile(spectrum: torch.Tensor, metric: str = "euclidean") -> tuple[torch.Tensor, torch.Tensor]:
    """Mean of a centred (H, W) map over rings of equal integer radius → ``(radii, values)``.

    ``metric``: "euclidean" (radius rounded to the nearest integer) or "chebyshev" (ρ = max(|f_u|, |f_v|)).
    Only radii up to min(H, W) // 2 are returned (full rings).

    Example::

        >>> radii, prof = radial_profile(amplitude_spectrum(images))   # prof[0] = DC amplitude
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


def loglog_slope(radii: torch.Tensor, values: torch.Tensor, rmin: float = 2, rmax: float = 14) -> float:
    """Least-squares slope of log(values) against log(radii) for rmin ≤ radius ≤ rmax (1/f^a decay → −a)."""
    r = torch.as_tensor(radii, dtype=torch.float64)
    v = torch.as_tensor(values, dtype=torch.float64)
    keep = (r >= rmin) & (r <= rmax) & (v > 0)
    if int(keep.sum()) < 2:
        raise InputError(f"need at least two positive values with radius in [{rmin}, {rmax}]")
    x, y = torch.log(r[keep]), torch.log(v[keep])
    xc = x - x.mean()
    return float((xc * (y - y.mean())).sum() / (xc * xc).sum())


def high_frequency_fraction(images: torch.Tensor, cutoff: float = 7) -> float:
    """Fraction of spectral energy at ρ = max(|f_u|, |f_v|) > ``cutoff`` (our definition of Yin et al.'s high-frequency energy:
    energy outside the centred 15 × 15 square for cutoff 7). Energy is ``E |F(x_c)|²`` over images and
    channels; pass a corruption's difference ``corrupted − clean`` (N, C, H, W). Returns a number in [0, 1].

    Example::

        >>> high_frequency_fraction(torch.randn(64, 3, 32, 32))   # white noise: ≈ 1 − 225/1024 = 0.78
    """
    check_number(cutoff, "cutoff", 0.0, strict=False)
    e = energy_spectrum(images)
    total = float(e.sum())
    if total <= 0:
        raise InputError("images have zero energy: the high-frequency fraction is undefined")
    rho = chebyshev_radius(*e.shape, centered=True, device=e.device)
    return float(e[rho > cutoff].sum()) / total


def low_frequency_energy_fraction(images: torch.Tensor, radius: float = 3) -> float:
    """Fraction of spectral energy at ρ ≤ ``radius`` (the low-frequency share of adversarial perturbations, after Yin
    et al. 2019)."""
    return 1.0 - high_frequency_fraction(images, radius)


__all__ = ["amplitude_spectrum", "energy_spectrum", "radial_profile", "loglog_slope", "high_frequency_fraction",
           "low_frequency_energy_fraction"]
