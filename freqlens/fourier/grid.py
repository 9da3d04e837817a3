"""Which frequency each cell of a 2-D DFT holds: the one home of frequency positions.

Frequencies are signed integers in cycles per image. Two layouts exist:

* **unshifted** (what ``torch.fft.fft2`` returns): index k holds ``k`` for ``k < ceil(N/2)`` and ``k − N`` after,
  i.e. ``torch.fft.fftfreq(N) * N``; for even N the Nyquist bin is −N/2.
* **centered** (fft-shifted, for display and for heat maps): position p holds ``p − ⌊N/2⌋``, so DC sits at
  ``(⌊H/2⌋, ⌊W/2⌋)``. ``torch.fft.fftshift`` maps the first layout onto the second for even and odd N.

Radii: :func:`radial_frequency` is the Euclidean distance sqrt(f_u² + f_v²) from DC; :func:`chebyshev_radius`
is ρ = max(|f_u|, |f_v|), whose level sets are the square rings of Yin et al.'s heat maps and band filters.
"""
from __future__ import annotations

import torch

from freqlens.validation import check_integer


def fft_frequencies(n: int, device=None, dtype: torch.dtype = torch.int64) -> torch.Tensor:
    """Signed frequency of every index of an unshifted length-``n`` DFT, in cycles per signal length.

    Args:
        n: the DFT length (≥ 1).
        device: torch device of the result.
        dtype: result dtype (integer by default; the values are exact integers).

    Returns:
        (n,) tensor ``[0, 1, …, ceil(n/2) − 1, −⌊n/2⌋, …, −1]`` (``torch.fft.fftfreq(n) * n``).

    Raises:
        InputError: ``n`` is not a positive integer.

    Source:
        freqlens (the DFT index convention of ``numpy.fft.fftfreq``).

    Example:
        >>> fft_frequencies(4).tolist(), fft_frequencies(5).tolist()
        ([0, 1, -2, -1], [0, 1, 2, -2, -1])
    """
    n = check_integer(n, "n (a DFT length)")
    k = torch.arange(n, device=device)
    return torch.where(k < (n + 1) // 2, k, k - n).to(dtype)


def centered_frequencies(n: int, device=None, dtype: torch.dtype = torch.int64) -> torch.Tensor:
    """Signed frequency of every position of a centered (fft-shifted) length-``n`` DFT: ``p − ⌊n/2⌋``.

    Args:
        n: the DFT length (≥ 1).
        device: torch device of the result.
        dtype: result dtype (integer by default).

    Returns:
        (n,) tensor ``[−⌊n/2⌋, …, ceil(n/2) − 1]`` in cycles per signal length; equals
        ``torch.fft.fftshift(fft_frequencies(n))``.

    Raises:
        InputError: ``n`` is not a positive integer.

    Source:
        freqlens.

    Example:
        >>> centered_frequencies(4).tolist(), centered_frequencies(5).tolist()
        ([-2, -1, 0, 1], [-2, -1, 0, 1, 2])
    """
    n = check_integer(n, "n (a DFT length)")
    return (torch.arange(n, device=device) - n // 2).to(dtype)


def _axes(height: int, width: int, centered: bool, device, dtype) -> tuple[torch.Tensor, torch.Tensor]:
    f = centered_frequencies if centered else fft_frequencies
    return f(height, device=device, dtype=dtype), f(width, device=device, dtype=dtype)


def radial_frequency(height: int, width: int, centered: bool = False, device=None,
                     dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Euclidean distance sqrt(f_u² + f_v²) of every DFT cell from DC, in cycles per image.

    Args:
        height: H, number of rows of the image / spectrum.
        width: W, number of columns.
        centered: False for the unshifted ``fft2`` layout, True for the centered (fft-shifted) layout.
        device: torch device of the result.
        dtype: floating dtype of the result.

    Returns:
        (H, W) tensor of radii.

    Raises:
        InputError: ``height`` or ``width`` is not a positive integer.

    Source:
        freqlens.

    Example:
        >>> radial_frequency(4, 4)[0, 2].item(), radial_frequency(4, 4, centered=True)[2, 2].item()
        (2.0, 0.0)
    """
    fu, fv = _axes(height, width, centered, device, dtype)
    return torch.sqrt(fu[:, None] ** 2 + fv[None, :] ** 2)


def chebyshev_radius(height: int, width: int, centered: bool = False, device=None) -> torch.Tensor:
    """ρ = max(|f_u|, |f_v|) of every DFT cell, in cycles per image: the square ring the cell lies on.

    Args:
        height: H, number of rows.
        width: W, number of columns.
        centered: False for the unshifted ``fft2`` layout, True for the centered (fft-shifted) layout.
        device: torch device of the result.

    Returns:
        (H, W) long tensor.

    Raises:
        InputError: ``height`` or ``width`` is not a positive integer.

    Source:
        Yin et al. 2019, "A Fourier perspective on model robustness" (square bands of the heat maps).

    Example:
        >>> chebyshev_radius(3, 3, centered=True).tolist()
        [[1, 1, 1], [1, 0, 1], [1, 1, 1]]
    """
    fu, fv = _axes(height, width, centered, device, torch.int64)
    return torch.maximum(fu.abs()[:, None], fv.abs()[None, :])


def window_slices(height: int, width: int, window: int | None) -> tuple[slice, slice]:
    """Rows and columns of a centred (H, W) map that hold the frequencies with max(|f_u|, |f_v|) ≤ ``window``.

    Args:
        height: H of the centred map (DC at (⌊H/2⌋, ⌊W/2⌋)).
        width: W.
        window: the largest |frequency| kept (cycles per image); None keeps everything. An axis is cut only
            when the window fits in it symmetrically (−window … window); otherwise it stays whole.

    Returns:
        ``(rows, cols)`` slices; the cut map is (2·window + 1) wide on every cut axis, centred on DC, so
        :func:`centered_frequencies` of its size gives −window … window.

    Raises:
        Nothing: sizes and window are not checked (a window too large keeps the axis whole).

    Source: freqlens.

    Example:
        >>> window_slices(224, 224, 31)
        (slice(81, 144, None), slice(81, 144, None))
        >>> centered_frequencies(144 - 81)[[0, -1]].tolist()
        [-31, 31]
    """
    def cut(n: int) -> slice:
        if window is None or int(window) > (n - 1) // 2:
            return slice(0, n)
        return slice(n // 2 - int(window), n // 2 + int(window) + 1)

    return cut(int(height)), cut(int(width))


__all__ = ["fft_frequencies", "centered_frequencies", "radial_frequency", "chebyshev_radius", "window_slices"]
