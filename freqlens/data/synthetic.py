"""Synthetic targets: sums of sinusoids on 1-D grids, and Gaussian inputs with a target along one direction."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from freqlens.errors import InputError


@dataclass
class Regression1D:
    """A 1-D regression set. Shapes: x (n, 1), y (n, 1); ``frequencies`` in the target's own convention."""

    x: torch.Tensor
    y: torch.Tensor
    frequencies: list[float]
    amplitudes: list[float]


def periodic_grid(n: int, low: float = -math.pi, high: float = math.pi, endpoint: bool = False,
                  dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Uniform grid of ``n`` points on [low, high) (``endpoint=False``, periodic: DFT index j ↔ angular
    frequency 2πj/(high − low)) or [low, high]. Shape (n,)."""
    if n < 2:
        raise InputError(f"grid size must be ≥ 2, got {n}")
    if endpoint:
        return torch.linspace(low, high, n, dtype=dtype)
    return low + (high - low) * torch.arange(n, dtype=torch.float64).to(dtype) / n


def sum_of_sines(x: torch.Tensor, frequencies: Sequence[float], amplitudes: Sequence[float] | None = None,
                 phases: Sequence[float] | None = None) -> torch.Tensor:
    """Σ_i A_i sin(k_i x + φ_i) with *angular* frequencies k_i (radians per unit of x). Shape: same as x."""
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
    """The F-Principle's 1-D target (Xu et al. 2019, the 1-D experiments): y = Σ A_i sin(k_i x) on a periodic grid of n points.

    With the default [−π, π) grid, DFT index j equals angular frequency j, so peaks sit at j = 1, 3, 5.

    Example::

        >>> data = sinusoid_target_1d(200)          # y = sin x + sin 3x + sin 5x
        >>> data.x.shape, data.y.shape              # (200, 1), (200, 1)
    """
    x = periodic_grid(n, low, high, endpoint)
    amps = list(amplitudes) if amplitudes is not None else [1.0] * len(frequencies)
    y = sum_of_sines(x.double(), frequencies, amps).float()
    return Regression1D(x[:, None], y[:, None], [float(k) for k in frequencies], amps)


def gaussian_projection_data(n: int = 2000, dim: int = 64, dominant_std: float = 2.0, other_std: float = 0.5,
                             frequencies: Sequence[float] = (0.2, 0.6, 1.0),
                             amplitudes: Sequence[float] = (1.0, 1.0, 0.5), seed: int = 0
                             ) -> tuple[torch.Tensor, torch.Tensor]:
    """Offline stand-in for the projection method (a synthetic stand-in, not from the paper): x ~ N(0, diag(s)), s_1
    dominant so the first
    principal direction is e_1; y = Σ A_i sin(2π k_i x_1) (ordinary frequencies k_i). Returns x (n, d), y (n, 1)."""
    g = torch.Generator().manual_seed(seed)
    std = torch.full((dim,), other_std)
    std[0] = dominant_std
    x = torch.randn(n, dim, generator=g) * std
    y = sum_of_sines(x[:, 0].double(), [2 * math.pi * k for k in frequencies], amplitudes).float()
    return x, y[:, None]
