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
    """Interior points x_1 … x_{n−1} of the uniform grid on [−1, 1] with n intervals (Δx = 2/n).

    Args:
        n: number of intervals (≥ 3).

    Returns:
        (n − 1,) float64 tensor.

    Raises:
        InputError: n < 3.

    Source: Xu et al. 2019, "Frequency Principle: Fourier analysis sheds light on deep neural networks"
        (arXiv 1901.06523), Poisson example (Jacobi vs DNN).

    Example:
        >>> poisson_grid(4).tolist()
        [-0.5, 0.0, 0.5]
    """
    if n < 3:
        raise InputError(f"grid needs n ≥ 3 intervals, got {n}")
    return -1 + torch.arange(1, n, dtype=torch.float64) * (2.0 / n)


def default_source(x: torch.Tensor) -> torch.Tensor:
    """The source g(x) = sin x + 4 sin 4x − 8 sin 8x + 16 sin 24x of the Poisson example.

    The coefficients are as recalled from Xu et al.'s Poisson example and not checked against the paper.

    Args:
        x: points, any shape.

    Returns:
        g(x), same shape and dtype.

    Raises:
        Nothing.

    Source: Xu et al. 2019 (arXiv 1901.06523), Poisson example (coefficients recalled, unchecked).

    Example:
        >>> default_source(torch.zeros(2)).tolist()
        [0.0, 0.0]
    """
    return torch.sin(x) + 4 * torch.sin(4 * x) - 8 * torch.sin(8 * x) + 16 * torch.sin(24 * x)


def poisson_matrix(n: int) -> torch.Tensor:
    """The finite-difference matrix A = tridiag(−1, 2, −1)/Δx² of −u'' on the interior grid, Δx = 2/n.

    Args:
        n: number of intervals (the matrix is (n − 1) × (n − 1)).

    Returns:
        (n − 1, n − 1) float64 tensor.

    Raises:
        RuntimeError: from torch for n < 2 (use :func:`poisson_grid`'s n ≥ 3).

    Source: standard second-order finite differences; Xu et al. 2019 (arXiv 1901.06523), Poisson example.

    Example:
        >>> poisson_matrix(4).tolist()          # Δx = 0.5: entries / 0.25
        [[8.0, -4.0, 0.0], [-4.0, 8.0, -4.0], [0.0, -4.0, 8.0]]
    """
    dx = 2.0 / n
    a = 2 * torch.eye(n - 1, dtype=torch.float64) - torch.diag(torch.ones(n - 2, dtype=torch.float64), 1) \
        - torch.diag(torch.ones(n - 2, dtype=torch.float64), -1)
    return a / dx**2


def sine_modes(n: int) -> torch.Tensor:
    """Orthonormal sine modes on the interior grid: row j − 1 is s_j(x_i) = sin(jπ i/n), normalised.

    These are the eigenvectors of :func:`poisson_matrix` and of the Jacobi iteration matrix (eigenvalue cos(jπ/n)).

    Args:
        n: number of intervals.

    Returns:
        (n − 1, n − 1) float64 tensor S with S Sᵀ = I.

    Raises:
        Nothing of its own.

    Source: standard (DST-I basis); Xu et al. 2019 (arXiv 1901.06523), Poisson example.

    Example:
        >>> S = sine_modes(6)
        >>> torch.allclose(S @ S.T, torch.eye(5, dtype=torch.float64))
        True
    """
    i = torch.arange(1, n, dtype=torch.float64)
    j = torch.arange(1, n, dtype=torch.float64)
    s = torch.sin(math.pi * j[:, None] * i[None, :] / n)
    return s / s.norm(dim=1, keepdim=True)


def jacobi_poisson_1d(g: torch.Tensor, n: int, steps: int, record: list[int] | None = None):
    """Run ``steps`` Jacobi iterations u ← (Δx² g + u_left + u_right)/2 from u = 0 (zero boundary values).

    The error in sine mode j decays exactly like cos(jπ/n)^t: high modes (j < n/2) converge first.

    Args:
        g: (n − 1,) float64 source at the interior points.
        n: number of intervals.
        steps: number of iterations.
        record: iteration numbers t whose iterate is kept (0 is the initial zero vector).

    Returns:
        ``(u, snapshots)``: the final (n − 1,) iterate and a dict {t: (n − 1,) iterate} for t in ``record``.

    Raises:
        RuntimeError: from torch when ``g`` does not have n − 1 entries.

    Source: Xu et al. 2019 (arXiv 1901.06523), Poisson example (Jacobi converges high frequencies first).

    Example:
        >>> n = 8; x = poisson_grid(n); g = default_source(x)
        >>> u, snaps = jacobi_poisson_1d(g, n, 2000, record=[0, 10])
        >>> sorted(snaps), torch.allclose(poisson_matrix(n) @ u, g)
        ([0, 10], True)
    """
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
    """Relative error per sine mode, E_j = |⟨s_j, u − u_ref⟩| / |⟨s_j, u_ref⟩|.

    Args:
        u: (n − 1,) iterate.
        u_ref: (n − 1,) reference solution (A⁻¹ g).
        modes: mode numbers j (1-based).
        basis: (n − 1, n − 1) :func:`sine_modes`.

    Returns:
        (len(modes),) float64 tensor (inf where u_ref has no component in a mode).

    Raises:
        IndexError: from torch for a mode outside 1 … n − 1.

    Source: freqlens (per-mode error of the Jacobi iterate); Xu et al. 2019, Poisson example.

    Example:
        >>> n = 8; S = sine_modes(n); u_ref = S[0] + S[2]
        >>> mode_errors(0.5 * u_ref, u_ref, [1, 3], S).round(decimals=6).tolist()
        [0.5, 0.5]
    """
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
        Xu et al. 2019, "Frequency Principle" (arXiv 1901.06523), Poisson example (DNN trained with the Ritz energy).

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
