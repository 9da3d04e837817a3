"""Peaks of a 1-D amplitude spectrum and the relative error per frequency, Δ_F (Xu et al.)."""
from __future__ import annotations

import torch

from freqlens.errors import InputError
from freqlens.validation import as_tensor, check_rank


def find_peaks(amplitude, max_index: int | None = None, include_ends: bool = False,
               min_relative_height: float = 0.0) -> torch.Tensor:
    """Indices i where ``amplitude[i] > amplitude[i-1]`` and ``amplitude[i] > amplitude[i+1]``.

    Args:
        amplitude: real amplitude spectrum, shape (m,) (tensor or array-like), any units.
        max_index: search only the first ``max_index`` bins (the official code's ``freq_len``); None: all.
        include_ends: count the first and last bin as peaks when they exceed their one neighbour.
        min_relative_height: drop peaks lower than this fraction of the largest one (useful for noisy NUDFT
            spectra of random samples), in [0, 1].

    Returns:
        Peak indices, shape (p,), dtype long, ascending (empty when there are fewer than 2 bins).

    Raises:
        InputError: if ``amplitude`` is not 1-D or is complex (pass ``.abs()`` of a spectrum).

    Source:
        Xu et al. 2019 (arXiv 1901.06523), the peaks of the target's DFT where Δ_F is measured.

    Example:
        >>> find_peaks(torch.tensor([0., 1., 0., 3., 0.]))
        tensor([1, 3])
        >>> find_peaks(torch.tensor([0., 1., 0., 3., 0.]), min_relative_height=0.5)
        tensor([3])
    """
    a = check_rank(as_tensor(amplitude, "amplitude", torch.float64), "amplitude", 1, "(m,)")
    if a.is_complex():
        raise InputError("amplitude must be real (pass .abs() of a spectrum)")
    if max_index is not None:
        a = a[:max_index]
    if a.numel() < 2:
        return torch.zeros(0, dtype=torch.long)
    left = torch.cat([a.new_full((1,), -float("inf") if include_ends else float("inf")), a[:-1]])
    right = torch.cat([a[1:], a.new_full((1,), -float("inf") if include_ends else float("inf"))])
    mask = (a > left) & (a > right)
    if min_relative_height > 0:
        mask &= a >= min_relative_height * a.max()
    return torch.nonzero(mask).flatten()


def relative_error_at(output_spectrum, target_spectrum, mode: str = "complex", eps: float = 1e-5) -> torch.Tensor:
    """Δ_F per frequency: the relative error of an output spectrum against the target's.

    Args:
        output_spectrum: the network output's DFT at the chosen frequencies, shape (p,) or (p, c), complex.
        target_spectrum: the target's DFT at the same frequencies, same shape.
        mode: ``"complex"`` (the paper): |ĥ − ŷ| / |ŷ|; ``"amplitude"`` (the official code):
            ||ĥ| − |ŷ|| / (eps + |ŷ|). For (p, c) inputs the modulus is the ℓ2 norm over c.
        eps: the official code's denominator offset (amplitude mode only), same units as the spectra.

    Returns:
        Δ_F per frequency, shape (p,), float64, dimensionless (0 is a perfect fit).

    Raises:
        InputError: if the two shapes differ or ``mode`` is unknown.

    Source:
        Xu et al. 2019 (arXiv 1901.06523), Δ_F(k) = |ĥ_k − ŷ_k| / |ŷ_k|.

    Example:
        >>> y = torch.tensor([2 + 0j, 1j])
        >>> relative_error_at(torch.tensor([1 + 0j, 1j]), y)
        tensor([0.5000, 0.0000], dtype=torch.float64)
        >>> relative_error_at(torch.tensor([-2 + 0j, 1j]), y, mode="amplitude", eps=0.0)
        tensor([0., 0.], dtype=torch.float64)
    """
    h = as_tensor(output_spectrum, "output_spectrum")
    y = as_tensor(target_spectrum, "target_spectrum")
    if h.shape != y.shape:
        raise InputError(f"output spectrum shape {tuple(h.shape)} differs from target spectrum {tuple(y.shape)}")
    h = h.to(torch.complex128)
    y = y.to(torch.complex128)
    if h.ndim == 1:
        h, y = h[:, None], y[:, None]
    if mode == "complex":
        return (h - y).abs().norm(dim=1) / y.abs().norm(dim=1).clamp_min(1e-300)
    if mode == "amplitude":
        return (h.abs().norm(dim=1) - y.abs().norm(dim=1)).abs() / (eps + y.abs().norm(dim=1))
    raise InputError(f"mode must be 'complex' or 'amplitude', got {mode!r}")
