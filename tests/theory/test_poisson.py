import math

import torch

from freqlens.theory.poisson import (
    default_source,
    jacobi_poisson_1d,
    mode_errors,
    poisson_grid,
    poisson_matrix,
    sine_modes,
)


def test_jacobi_error_follows_the_mode_law_and_converges_high_modes_first():
    n = 100
    x = poisson_grid(n)
    g = default_source(x)
    u_ref = torch.linalg.solve(poisson_matrix(n), g)
    basis = sine_modes(n)
    mu = torch.cos(math.pi * torch.arange(1, n, dtype=torch.float64) / n)
    _, snaps = jacobi_poisson_1d(g, n, 1000, record=[10, 100, 1000])
    e0 = basis @ (-u_ref)
    for t, u in snaps.items():
        assert float(((basis @ (u - u_ref)) - mu ** t * e0).abs().max() / e0.abs().max()) < 1e-10
        e2, e16 = mode_errors(u, u_ref, [2, 16], basis)
        assert e16 < e2  # the reverse of the F-Principle


def test_sine_modes_are_orthonormal():
    s = sine_modes(32)
    assert torch.allclose(s @ s.T, torch.eye(31, dtype=torch.float64), atol=1e-12)
