"""Synthetic targets: sums of sinusoids on 1-D grids, and Gaussian inputs with a target along one direction."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from freqlens.errors import InputError


@dataclass
class Regression1D:
    """A 1-D regression set.

    Args:
        x: (n, 1) inputs.
        y: (n, 1) targets.
        frequencies: the target's frequencies, in the convention of the function that built it (angular for
            :func:`sinusoid_target_1d`).
        amplitudes: their amplitudes.

    Attributes:
        Those of Args.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> d = Regression1D(torch.zeros(3, 1), torch.zeros(3, 1), [1.0], [1.0])
        >>> d.x.shape
        torch.Size([3, 1])
    """

    x: torch.Tensor
    y: torch.Tensor
    frequencies: list[float]
    amplitudes: list[float]


def periodic_grid(n: int, low: float = -math.pi, high: float = math.pi, endpoint: bool = False,
                  dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Uniform grid of ``n`` points on [low, high) (periodic) or [low, high] (``endpoint=True``).

    On the periodic grid DFT index j is the angular frequency 2πj/(high − low); on [−π, π) it is j.

    Args:
        n: number of points (≥ 2).
        low: left end.
        high: right end.
        endpoint: include ``high``.
        dtype: dtype of the result (the grid is computed in float64 first).

    Returns:
        (n,) tensor.

    Raises:
        InputError: n < 2.

    Source: freqlens.

    Example:
        >>> periodic_grid(4, 0.0, 1.0).tolist(), periodic_grid(3, 0.0, 1.0, endpoint=True).tolist()
        ([0.0, 0.25, 0.5, 0.75], [0.0, 0.5, 1.0])
    """
    if n < 2:
        raise InputError(f"grid size must be ≥ 2, got {n}")
    if endpoint:
        return torch.linspace(low, high, n, dtype=dtype)
    return low + (high - low) * torch.arange(n, dtype=torch.float64).to(dtype) / n


def sum_of_sines(x: torch.Tensor, frequencies: Sequence[float], amplitudes: Sequence[float] | None = None,
                 phases: Sequence[float] | None = None) -> torch.Tensor:
    """Σ_i A_i sin(k_i x + φ_i) with *angular* frequencies k_i (radians per unit of x).

    Args:
        x: points, any shape.
        frequencies: k_i.
        amplitudes: A_i (default all 1).
        phases: φ_i in radians (default all 0).

    Returns:
        Tensor shaped like ``x``.

    Raises:
        InputError: lists of different lengths.

    Source: Xu et al. 2019, "Frequency Principle" (arXiv 1901.06523), 1-D experiments (sums of sines).

    Example:
        >>> sum_of_sines(torch.tensor([math.pi / 2]), [1, 3], [1.0, 2.0]).round(decimals=6).tolist()   # 1 − 2
        [-1.0]
    """
    amplitudes = [1.0] * len(frequencies) if amplitudes is None else list(amplitudes)
    phases = [0.0] * len(frequencies) if phases is None else list(phases)
    if not (len(amplitudes) == len(frequencies) == len(phases)):
        raise InputError("frequencies, amplitudes and phases must have the same length")
    out = torch.zeros_like(x)
    for k, a, p in zip(frequencies, amplitudes, phases):
        out = out + a * torch.sin(k * x + p)
    return out


def sinusoid_target_1d(n: int = 200, frequencies: Sequence[float] = (1, 3, 5),
                       amplitudes: Sequence[float] | None = None, low: float = -math.pi, high: float = math.pi,
                       endpoint: bool = False) -> Regression1D:
    """The F-Principle's 1-D target y = Σ A_i sin(k_i x) on a grid of n points.

    With the default periodic [−π, π) grid, DFT index j equals angular frequency j, so the peaks sit at
    j = 1, 3, 5.

    Args:
        n: number of points.
        frequencies: angular frequencies k_i.
        amplitudes: A_i (default all 1).
        low: left end of the grid.
        high: right end.
        endpoint: include ``high`` (not periodic).

    Returns:
        A :class:`Regression1D` with float32 x, y of shape (n, 1).

    Raises:
        InputError: n < 2 or lists of different lengths.

    Source: Xu et al. 2019, "Frequency Principle" (arXiv 1901.06523), 1-D experiments.

    Example:
        >>> data = sinusoid_target_1d(200)                   # y = sin x + sin 3x + sin 5x
        >>> spec = torch.fft.rfft(data.y[:, 0]).abs()
        >>> data.x.shape, sorted(spec.topk(3).indices.tolist())
        (torch.Size([200, 1]), [1, 3, 5])
    """
    x = periodic_grid(n, low, high, endpoint)
    amps = list(amplitudes) if amplitudes is not None else [1.0] * len(frequencies)
    y = sum_of_sines(x.double(), frequencies, amps).float()
    return Regression1D(x[:, None], y[:, None], [float(k) for k in frequencies], amps)


def gaussian_projection_data(n: int = 2000, dim: int = 64, dominant_std: float = 2.0, other_std: float = 0.5,
                             frequencies: Sequence[float] = (0.2, 0.6, 1.0),
                             amplitudes: Sequence[float] = (1.0, 1.0, 0.5), seed: int = 0
                             ) -> tuple[torch.Tensor, torch.Tensor]:
    """Gaussian inputs with a target along one direction: a synthetic stand-in for the projection method.

    x ~ N(0, diag(s²)) with s_1 = ``dominant_std`` and the other s_i = ``other_std``, so the first principal
    direction is e_1; y = Σ A_i sin(2π k_i x_1) with *ordinary* frequencies k_i (cycles per unit of x_1).
    Not from the paper.

    Args:
        n: samples.
        dim: d.
        dominant_std: standard deviation along e_1.
        other_std: standard deviation along the other axes.
        frequencies: ordinary frequencies k_i.
        amplitudes: A_i.
        seed: generator seed.

    Returns:
        ``(x, y)`` of shapes (n, d) and (n, 1), float32.

    Raises:
        InputError: frequencies and amplitudes of different lengths.

    Source: freqlens (stand-in for Xu et al. 2019's projection method, arXiv 1901.06523).

    Example:
        >>> x, y = gaussian_projection_data(n=500, dim=8)
        >>> from freqlens.fourier.nudft import first_principal_component
        >>> x.shape, y.shape, int(first_principal_component(x).abs().argmax())
        (torch.Size([500, 8]), torch.Size([500, 1]), 0)
    """
    g = torch.Generator().manual_seed(seed)
    std = torch.full((dim,), other_std)
    std[0] = dominant_std
    x = torch.randn(n, dim, generator=g) * std
    y = sum_of_sines(x[:, 0].double(), [2 * math.pi * k for k in frequencies], amplitudes).float()
    return x, y[:, None]
