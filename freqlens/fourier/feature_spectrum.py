"""Spectra of feature maps: token sequences back to their grid, radially averaged log amplitudes, and the
relative high-frequency log amplitude of Park & Kim (2022, "How do vision transformers work?", Fig. 2)."""
from __future__ import annotations

import math

import torch

from freqlens.errors import InputError
from freqlens.fourier.spectrum import radial_profile


def tokens_to_grid(tokens: torch.Tensor, name: str = "tokens") -> torch.Tensor:
    """Patch tokens (N, T, D) as feature maps (N, D, g, g): T = g² (no class token) or 1 + g² (the first,
    class token, is dropped).

    Args:
        tokens: (N, T, D), batch first.
        name: what to call the tensor in an error.

    Returns:
        (N, D, g, g), token t at row t // g, column t % g.

    Raises:
        InputError: not 3-D, or neither T nor T − 1 is a square number.

    Source:
        freqlens (the reshaping used by Park & Kim 2022 for ViT feature maps).

    Example:
        >>> tokens_to_grid(torch.zeros(2, 1 + 16, 8)).shape
        torch.Size([2, 8, 4, 4])
    """
    if tokens.ndim != 3:
        raise InputError(f"{name} has shape {tuple(tokens.shape)}; tokens must be (N, T, D), batch first")
    t = tokens.shape[1]
    for drop in (0, 1):
        g = math.isqrt(max(t - drop, 0))
        if g > 0 and g * g == t - drop:
            return tokens[:, drop:].transpose(1, 2).reshape(tokens.shape[0], tokens.shape[2], g, g)
    raise InputError(f"{name} has {t} tokens: neither {t} nor {t - 1} is a square grid; pass layers whose "
                     "output is (N, C, H, W) or (N, [1 +] g², D) tokens")


def mean_amplitude_sum(maps: torch.Tensor) -> torch.Tensor:
    """Σ over images of the channel-mean amplitude |F(x_c)|: (N, C, H, W) → (H, W) float64, centred (DC at
    (H // 2, W // 2)). Sums (not means) so batches add up exactly.

    Args:
        maps: (N, C, H, W) activations.

    Returns:
        (H, W) float64 on the maps' device.

    Raises:
        InputError: not 4-D.

    Source:
        freqlens.

    Example:
        >>> mean_amplitude_sum(torch.ones(3, 2, 4, 4))[2, 2].item()    # DC of a constant map: 16 per image
        48.0
    """
    if maps.ndim != 4:
        raise InputError(f"feature maps have shape {tuple(maps.shape)}; expected (N, C, H, W)")
    amp = torch.fft.fft2(maps.detach().to(torch.float64)).abs().mean(dim=1).sum(dim=0)
    return torch.fft.fftshift(amp)


def log_amplitude_profile(amplitude: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Radially averaged log amplitude of a centred (H, W) amplitude spectrum.

    Args:
        amplitude: (H, W) mean amplitude, DC in the middle.

    Returns:
        ``(frequency, log_amplitude)``: integer radii 0 … min(H, W) // 2 scaled to [0, 1] (1 = Nyquist, the
        π of Park & Kim) and the natural log of the ring means (floored at 1e-30).

    Raises:
        InputError: not 2-D, or smaller than 2 × 2.

    Source:
        Park & Kim 2022, Fig. 2 (relative log amplitude of Fourier-transformed feature maps).

    Example:
        >>> f, la = log_amplitude_profile(torch.ones(8, 8))
        >>> f.tolist(), la.tolist()
        ([0.0, 0.25, 0.5, 0.75, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0])
    """
    if amplitude.ndim != 2 or min(amplitude.shape) < 2:
        raise InputError(f"amplitude spectrum has shape {tuple(amplitude.shape)}; expected (H, W) with H, W ≥ 2")
    radii, prof = radial_profile(amplitude.cpu())
    return radii.double() / radii[-1].double(), prof.clamp_min(1e-30).log()


def relative_high_frequency(log_amplitude: torch.Tensor) -> float:
    """Δ log amplitude of the highest ring relative to DC: ``log A(1.0π) − log A(0)`` (≤ 0 for maps whose
    energy sits at low frequencies; 0 for white maps' flat spectra).

    Args:
        log_amplitude: (R,) profile from :func:`log_amplitude_profile`.

    Returns:
        The difference, in nepers (natural log).

    Raises:
        InputError: fewer than 2 radii.

    Source:
        Park & Kim 2022, Fig. 2 ("Δ log amplitude" at 1.0π).

    Example:
        >>> relative_high_frequency(torch.tensor([2.0, 1.0, 0.5]))
        -1.5
    """
    if log_amplitude.ndim != 1 or log_amplitude.numel() < 2:
        raise InputError("a log-amplitude profile needs at least 2 radii (maps of at least 2 × 2)")
    return float(log_amplitude[-1] - log_amplitude[0])


__all__ = ["log_amplitude_profile", "mean_amplitude_sum", "relative_high_frequency", "tokens_to_grid"]
