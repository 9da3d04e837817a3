"""The 1-D Poisson problem −u'' = g on (−1, 1), u(±1) = 0, solved by Jacobi iteration: a classical solver that
converges *high* frequencies first — the reverse of a neural network (Xu et al.).

Grid x_i = −1 + iΔx, Δx = 2/n, interior unknowns i = 1..n−1, A = tridiag(−1, 2, −1)/Δx². The Jacobi iteration
matrix has sine eigenvectors s_j(x_i) = sin(jπ(x_i + 1)/2) with eigenvalues cos(jπ/n): the error in mode j
decays like cos(jπ/n)^t, faster for larger j < n/2.
"""
from __future__ import annotations

import math

import torch

from freqlens.errors import InputError


def poisson_grid(n: int) -> torch.Tensor:
    """Interior points x_1..x_{n−1} of the uniform grid on [−1, 1] with n intervals. Shape (n − 1,)."""
    if n < 3:
        raise InputError(f"grid needs n ≥ 3 intervals, got {n}")
    return -1 + torch.arange(1, n, dtype=torch.float64) * (2.0 / n)


def default_source(x: torch.Tensor) -> torch.Tensor:
    """g(x) = sin x + 4 sin 4x − 8 sin 8x + 16 sin 24x (as recalled by the spec)."""
    return torch.sin(x) + 4 * torch.sin(4 * x) - 8 * torch.sin(8 * x) + 16 * torch.sin(24 * x)


def poisson_matrix(n: int) -> torch.Tensor:
    """A = tridiag(−1, 2, −1)/Δx² of size (n − 1, n − 1)."""
    dx = 2.0 / n
    a = 2 * torch.eye(n - 1, dtype=torch.float64) - torch.diag(torch.ones(n - 2, dtype=torch.float64), 1) \
        - torch.diag(torch.ones(n - 2, dtype=torch.float64), -1)
    return a / dx**2


def sine_modes(n: int) -> torch.Tensor:
    """Orthonormal sine modes S (n − 1, n − 1): row j − 1 is s_j on the interior grid, normalised."""
    i = torch.arange(1, n, dtype=torch.float64)
    j = torch.arange(1, n, dtype=torch.float64)
    s = torch.sin(math.pi * j[:, None] * i[None, :] / n)
    return s / s.norm(dim=1, keepdim=True)


def jacobi_poisson_1d(g: torch.Tensor, n: int, steps: int, record: list[int] | None = None):
    """Run ``steps`` Jacobi iterations from u = 0. Returns (u_final (n−1,), {t: u_t} for t in ``record``)."""
    dx = 2.0 / n
    u = torch.zeros(n - 1, dtype=torch.float64)
    snaps = {}
    record = set(record or [])
    if 0 in record:
        snaps[0] = u.clone()
    for t in range(1, steps + 1):
        left = torch.cat([u.new_zeros(1), u[:-1]])
        right = torch.cat([u[1:], u.new_zeros(1)])
        u = (dx**2 * g + left + right) / 2
        if t in record:
            snaps[t] = u.clone()
    return u, snaps


def mode_errors(u: torch.Tensor, u_ref: torch.Tensor, modes: list[int], basis: torch.Tensor) -> torch.Tensor:
    """E_j = |⟨s_j, u − u_ref⟩| / |⟨s_j, u_ref⟩| for the given mode numbers j (1-based). Shape (len(modes),)."""
    idx = torch.tensor([m - 1 for m in modes])
    return (basis[idx] @ (u - u_ref)).abs() / (basis[idx] @ u_ref).abs()


def ritz_loss(g: torch.Tensor, dx: float, beta: float = 100.0):
    """The discrete Ritz energy of −u'' = g with a boundary penalty, as a ``fit`` loss.

    Args:
        g: (n − 1,) source at the interior grid points.
        dx: grid step (2/n on (−1, 1)).
        beta: weight of the boundary penalty h(−1)² + h(1)².

    Returns:
        ``loss(out, _target)`` where ``out`` is the network on the full grid, shape (n + 1, 1); the value is
        Σ (½|D⁺h|² − g h) Δx + β (h(−1)² + h(1)²) (the target is ignored).

    Raises:
        Nothing here; shapes are checked by the arithmetic.

    Source:
        Xu et al., Frequency Principle (arXiv 1901.06523), Poisson example; spec fprinciple_lfp.md §A4.

    Example:
        >>> x = torch.linspace(-1, 1, 5, dtype=torch.float64)[:, None]
        >>> float(ritz_loss(torch.zeros(3, dtype=torch.float64), 0.5)(torch.zeros_like(x), None))
        0.0
    """
    def loss(out: torch.Tensor, _target) -> torch.Tensor:
        h = out.squeeze(1)
        dplus = (h[1:] - h[:-1]) / dx
        return (0.5 * (dplus ** 2).sum() - (g.to(h) * h[1:-1]).sum()) * dx + beta * (h[0] ** 2 + h[-1] ** 2)
    return loss
