"""NUDFT: finufft (type 3) vs the exact direct sum at 60 000 points × 200 frequencies.

Prints the relative agreement (target ≤ 1e-9) and the speed ratio, measured in the same run.
"""
from __future__ import annotations

import math

import torch
from _common import best_of, machine

from freqlens.fourier import nudft, nudft_direct


def main() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(60_000, generator=g, dtype=torch.float64) * 3
    y = torch.sin(2 * math.pi * 0.4 * x) + 0.1 * torch.randn(60_000, generator=g, dtype=torch.float64)
    k = torch.linspace(0, 2, 200, dtype=torch.float64)
    fast = nudft(x, y, k, backend="finufft")
    slow = nudft_direct(x, y, k)
    err = float((fast - slow).abs().max() / slow.abs().max())
    t_fast = best_of(lambda: nudft(x, y, k, backend="finufft"))
    t_slow = best_of(lambda: nudft_direct(x, y, k), repeat=2)
    print(f"machine: {machine()}")
    print(f"nudft 60000 points x 200 freqs: finufft {t_fast * 1e3:.1f} ms, direct {t_slow * 1e3:.1f} ms, "
          f"speed-up {t_slow / t_fast:.1f}x, relative agreement {err:.2e} (target <= 1e-9: "
          f"{'ok' if err <= 1e-9 else 'FAIL'})")


if __name__ == "__main__":
    main()
