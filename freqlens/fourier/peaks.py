"""Peaks of a 1-D amplitude spectrum and the relative error per frequency, Δ_F (Xu et al.)."""
from __future__ import annotations

import torch

from freqlens.errors import InputError
from freqlens.validation import as_tensor, check_rank


def find_peaks(amplitude, max_index: int | None = None, include_ends: bool = False,
               min_relative_height: float = 0.0) -> torch.Tensor:
    """Indices i where ``amplitude[i] > amplitude[i-1]`` and ``amplitude[i] > amplitude[i+1]``.

    Shapes: amplitude (m,) real → (p,) long, ascending. Only the first ``max_index`` bins are searched
    (the official code's ``freq_len``). ``min_relative_height`` drops peaks lower than that fraction of the
    largest one (useful for noisy NUDFT spectra of random samples).

    Example::

        >>> find_peaks(torch.tensor([0., 1., 0., 3., 0.]))   # tensor([1, 3])
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

    ``mode="complex"`` (the paper): |ĥ − ŷ| / |ŷ|. ``mode="amplitude"`` (the official code):
    ||ĥ| − |ŷ|| / (eps + |ŷ|). For vector outputs (shape (p, c)) the modulus is the ℓ2 norm over c.
    Shapes: (p,) or (p, c) complex → (p,) float64.
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
