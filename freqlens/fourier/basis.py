"""The real Fourier basis U_{p,q} of H × W images (Yin et al. 2019, its Fourier basis), with unique half-plane
enumeration.

Frequencies are indexed by *centred* positions (p, q) of the fft-shifted spectrum: position (p, q) holds
frequency (f_u, f_v) = (p − ⌊H/2⌋, q − ⌊W/2⌋) in cycles per image. The conjugate partner ("mirror") of (p, q)
is ((H − p) mod H, (W − q) mod W) for even sizes and (H − 1 − p, W − 1 − q) for odd sizes; a real image's
spectrum is conjugate-symmetric under it, so each pair needs one basis image.

U_{p,q} is real, has unit ℓ2 norm, and its DFT is non-zero exactly at (p, q) and its mirror. We use the
official code's construction in closed form: U = (cos θ − sin θ)/√(HW) with θ[m, n] = 2π(f_u m/H + f_v n/W)
for the pair member first in row-major order, and cos θ/√(HW) for self-conjugate positions (DC and, for
even sizes, the Nyquist combinations).
"""
from __future__ import annotations

import math

import torch

from freqlens.errors import InputError
from freqlens.fourier.grid import centered_frequencies


def _check_size(height: int, width: int) -> None:
    if int(height) < 1 or int(width) < 1:
        raise InputError(f"image size must be positive, got {height} × {width}")


def mirror_position(p: int, q: int, height: int, width: int) -> tuple[int, int]:
    """Centred position of the conjugate partner of (p, q).

    Args:
        p: row of a centred (fft-shifted) position, 0 ≤ p < H.
        q: column, 0 ≤ q < W.
        height: H.
        width: W.

    Returns:
        ``(mp, mq)``: ((H − p) mod H, (W − q) mod W) for even sizes, (H − 1 − p, W − 1 − q) for odd sizes.

    Raises:
        Nothing: the position is not checked.

    Source: Yin et al. 2019, "A Fourier perspective on model robustness in computer vision", Sec. 3 (real
        Fourier basis: U_{i,j} pairs each frequency with its conjugate).

    Example:
        >>> mirror_position(4, 5, 8, 8), mirror_position(4, 4, 8, 8), mirror_position(0, 1, 5, 5)
        ((4, 3), (4, 4), (4, 3))
    """
    mp = (height - p) % height if height % 2 == 0 else height - 1 - p
    mq = (width - q) % width if width % 2 == 0 else width - 1 - q
    return mp, mq


def unique_positions(height: int, width: int) -> torch.Tensor:
    """Centred positions, one per conjugate pair, the first member in row-major order.

    Args:
        height: H.
        width: W.

    Returns:
        (M, 2) long tensor of (p, q); 32 × 32 → 514 positions (4 self-conjugate); 31 × 31 → 481.

    Raises:
        InputError: a non-positive size.

    Source: Yin et al. 2019, Sec. 3 (one basis image per conjugate pair).

    Example:
        >>> unique_positions(32, 32).shape[0], unique_positions(31, 31).shape[0]
        (514, 481)
    """
    _check_size(height, width)
    p, q = torch.meshgrid(torch.arange(height), torch.arange(width), indexing="ij")
    every = torch.stack([p.reshape(-1), q.reshape(-1)], 1)              # row-major order
    mirror = mirror_positions(every, height, width)
    # a position comes first in row-major order exactly when its partner's row-major index is not smaller
    first = every[:, 0] * width + every[:, 1] <= mirror[:, 0] * width + mirror[:, 1]
    return every[first]


def mirror_positions(positions: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Mirror of every centred position (the vectorised :func:`mirror_position`).

    Args:
        positions: (M, 2) long tensor of centred positions.
        height: H.
        width: W.

    Returns:
        (M, 2) long tensor.

    Raises:
        Nothing: the positions are not checked.

    Source: Yin et al. 2019, Sec. 3.

    Example:
        >>> mirror_positions(torch.tensor([[4, 5], [0, 0]]), 8, 8).tolist()
        [[4, 3], [0, 0]]
    """
    p, q = positions[:, 0], positions[:, 1]
    mp = (height - p) % height if height % 2 == 0 else height - 1 - p
    mq = (width - q) % width if width % 2 == 0 else width - 1 - q
    return torch.stack([mp, mq], 1)


def fourier_basis(height: int, width: int, positions: torch.Tensor | None = None,
                  dtype: torch.dtype = torch.float32, device: torch.device | str | None = None) -> torch.Tensor:
    """Real Fourier basis images U_{p,q} for the given centred positions.

    Each image is real, has unit ℓ2 norm, and its DFT is non-zero exactly at (p, q) and its mirror (see the
    module docstring for the construction).

    Args:
        height: H.
        width: W.
        positions: (M, 2) centred positions (default: :func:`unique_positions`), each in [0, H) × [0, W).
        dtype: dtype of the result.
        device: device of the result.

    Returns:
        (M, H, W) tensor.

    Raises:
        InputError: a non-positive size, ``positions`` not (M, 2), or a position outside the image.

    Source: Yin et al. 2019, Sec. 3 (Fourier basis U_{i,j}, ‖U‖₂ = 1); the official code's closed form.

    Example:
        >>> U = fourier_basis(8, 8)
        >>> U.shape, torch.allclose(U.flatten(1).norm(dim=1), torch.ones(len(U)))
        (torch.Size([34, 8, 8]), True)
    """
    _check_size(height, width)
    if positions is None:
        positions = unique_positions(height, width)
    positions = torch.as_tensor(positions, dtype=torch.long)
    if positions.ndim != 2 or positions.shape[1] != 2:
        raise InputError(f"positions has shape {tuple(positions.shape)}; expected (M, 2)")
    outside = (positions[:, 0] >= height).any() or (positions[:, 1] >= width).any()
    if positions.numel() and (positions.min() < 0 or outside):
        raise InputError(f"positions must lie in [0, {height}) × [0, {width})")
    mirrors = mirror_positions(positions, height, width)
    self_conj = (mirrors == positions).all(1)
    # The official construction stores the pattern of the pair member first in row-major order.
    position_first = (positions[:, 0] * width + positions[:, 1]) <= (mirrors[:, 0] * width + mirrors[:, 1])
    first = torch.where(position_first[:, None], positions, mirrors)
    fu = centered_frequencies(height, device=first.device, dtype=torch.float64)[first[:, 0]]
    fv = centered_frequencies(width, device=first.device, dtype=torch.float64)[first[:, 1]]
    m = torch.arange(height, dtype=torch.float64)
    n = torch.arange(width, dtype=torch.float64)
    theta = 2 * math.pi * (fu[:, None, None] * m[None, :, None] / height + fv[:, None, None] * n[None, None, :] / width)
    scale = 1.0 / math.sqrt(height * width)
    basis = torch.where(self_conj[:, None, None], torch.cos(theta), torch.cos(theta) - torch.sin(theta)) * scale
    return basis.to(dtype=dtype, device=device)


def position_grid(height: int, width: int) -> torch.Tensor:
    """For every centred position, the index (into :func:`unique_positions`) of its conjugate pair.

    Used to mirror a per-pair result (M,) into a full centred (H, W) map: ``values[position_grid(H, W)]``.

    Args:
        height: H.
        width: W.

    Returns:
        (H, W) long tensor with values in [0, M).

    Raises:
        InputError: a non-positive size.

    Source: freqlens.

    Example:
        >>> g = position_grid(4, 4)
        >>> g[1, 2].item() == g[3, 2].item(), int(g.max()) + 1
        (True, 10)
    """
    pos = unique_positions(height, width)
    grid = torch.full((height, width), -1, dtype=torch.long)
    grid[pos[:, 0], pos[:, 1]] = torch.arange(pos.shape[0])
    mir = mirror_positions(pos, height, width)
    grid[mir[:, 0], mir[:, 1]] = torch.arange(pos.shape[0])
    return grid
