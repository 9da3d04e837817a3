"""Gaussian smoothing over samples: the low-frequency part y^{low,δ} of the filtering method (Xu et al.).

    y^{low,δ}_i = Σ_j y_j G(x_i − x_j) / Σ_j G(x_i − x_j),    G(x) = exp(−‖x‖² / (2δ))

δ is a *variance* (as in the paper's code), in squared input units. In frequency (ordinary convention) the
kernel is the low-pass exp(−2π²δ‖ξ‖²); in angular frequency k, exp(−δk²/2). Larger δ, lower cut-off.
y^{high,δ} = y − y^{low,δ}.

The row-normalised kernel is built once in blocks of rows (pairwise squared distances computed on centred
inputs) and reused for every ``apply``, so a tracker pays the O(n² d) cost once, not every epoch.
"""
from __future__ import annotations

import torch

from freqlens.errors import InputError
from freqlens.validation import as_tensor, check_finite, check_positive, check_same_length


def _flat_points(points, device, compute: torch.dtype) -> torch.Tensor:
    """Points as a centred (n, d) tensor in ``compute`` dtype (centring reduces cancellation in ‖a‖² + ‖b‖² − 2a·b)."""
    x = as_tensor(points, "points")
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim < 2 or x.shape[0] == 0:
        raise InputError(f"points has shape {tuple(x.shape)}; expected (n,), (n, d) or (n, C, H, W)")
    x = check_finite(x.reshape(x.shape[0], -1), "points")
    if device is not None:
        x = x.to(device)
    x = x.to(compute)
    return x - x.mean(0, keepdim=True)


def _squared_distance_rows(x: torch.Tensor, sq: torch.Tensor, start: int, stop: int) -> torch.Tensor:
    """Rows ``start:stop`` of the pairwise squared distances of centred points x (n, d), ``sq`` = ‖x_i‖²."""
    d2 = sq[start:stop, None] + sq[None, :] - 2.0 * (x[start:stop] @ x.T)
    d2.clamp_(min=0)
    idx = torch.arange(start, stop, device=x.device)
    d2[idx - start, idx] = 0.0
    return d2


def _normalised_rows(d2: torch.Tensor, delta: float) -> torch.Tensor:
    """exp(−d2 / (2δ)) with every row summing to 1 (overwrites ``d2``)."""
    w = torch.exp(d2.mul_(-0.5 / delta))
    return w / w.sum(1, keepdim=True)


def pairwise_squared_distances(points, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Pairwise squared distances ‖x_i − x_j‖², computed as :class:`GaussianSmoother` does (on centred points).

    Args:
        points: n points, shape (n,), (n, d) or (n, C, H, W) (flattened to (n, d)), input units.
        dtype: floating dtype of the computation and of the result.

    Returns:
        Squared distances, shape (n, n), in squared input units, symmetric with a zero diagonal.

    Raises:
        InputError: if ``points`` is empty, has no sample axis, or holds NaN/inf.

    Source:
        freqlens (‖a‖² + ‖b‖² − 2a·b on centred points, clamped at 0).

    Example:
        >>> pairwise_squared_distances(torch.tensor([0., 1., 3.]))
        tensor([[0., 1., 9.],
                [1., 0., 4.],
                [9., 4., 0.]], dtype=torch.float64)
    """
    x = _flat_points(points, None, dtype)
    return _squared_distance_rows(x, (x * x).sum(1), 0, x.shape[0])


class GaussianSmoother:
    """Precomputed row-normalised Gaussian kernel over ``points``, reused by every :meth:`apply`.

    Memory: the kernel itself (n² · 4 bytes in float32) plus one (block, n) work matrix.

    Args:
        points: n points, shape (n,), (n, d) or (n, C, H, W) (flattened), input units.
        delta: the kernel variance δ > 0 in squared input units (larger δ, lower cut-off).
        dtype: dtype of the kernel (float32 halves memory; float64 for exact checks).
        block: rows built at a time (bounds the work matrix to (block, n)).
        device: where the kernel lives; None: the points' device.

    Attributes:
        kernel: the row-normalised kernel, shape (n, n); ``kernel @ y`` is y^{low,δ}.
        delta: δ as given. n: the number of points.

    Raises:
        InputError: if ``points`` is empty or not finite, or ``delta`` is not positive.

    Source:
        Xu et al. 2019 (arXiv 1901.06523), the filtering method: y^{low,δ}_i = Σ_j y_j G(x_i − x_j) / Σ_j G(x_i − x_j),
        G(x) = exp(−‖x‖² / (2δ)).

    Example:
        >>> x = torch.linspace(-3, 3, 500)
        >>> s = GaussianSmoother(x, delta=0.1)
        >>> low, high = s.split(torch.sin(8 * x))
        >>> s.kernel.shape, bool(torch.allclose(low + high, torch.sin(8 * x), atol=1e-6))
        (torch.Size([500, 500]), True)
        >>> float(low[200:300].abs().max()) < 0.1   # sin 8x is damped by exp(−δ·64/2) ≈ 0.04 inside
        True
    """

    def __init__(self, points, delta: float, dtype: torch.dtype = torch.float32,
                 block: int = 2048, device: torch.device | str | None = None):
        self.delta = check_positive(delta, "delta")
        x = _flat_points(points, device, torch.float64 if dtype == torch.float64 else torch.float32)
        sq = (x * x).sum(1)
        n = x.shape[0]
        kernel = torch.empty(n, n, dtype=dtype, device=x.device)
        for start in range(0, n, block):
            stop = min(start + block, n)
            kernel[start:stop] = _normalised_rows(_squared_distance_rows(x, sq, start, stop), self.delta).to(dtype)
        self.kernel = kernel
        self.n = n

    @classmethod
    def from_squared_distances(cls, squared_distances: torch.Tensor, delta: float) -> GaussianSmoother:
        """The smoother for points whose pairwise squared distances (n, n) are already known (from
        :func:`pairwise_squared_distances`): one distance matrix serves many δ (e.g. a search over δ)."""
        self = cls.__new__(cls)
        self.delta = check_positive(delta, "delta")
        self.kernel = _normalised_rows(squared_distances.clone(), self.delta)
        self.n = squared_distances.shape[0]
        return self

    def apply(self, values) -> torch.Tensor:
        """The low-frequency part of ``values``: (n,) or (n, c) → same shape, kernel dtype (InputError on a length
        mismatch)."""
        y = as_tensor(values, "values")
        check_same_length(self.kernel, y, "points", "values")
        if y.ndim not in (1, 2):
            y = y.reshape(y.shape[0], -1)
        y = y.to(device=self.kernel.device, dtype=self.kernel.dtype)
        return self.kernel @ y

    def split(self, values) -> tuple[torch.Tensor, torch.Tensor]:
        """``(low, high)`` with ``low + high == values`` (up to the kernel dtype)."""
        y = as_tensor(values, "values")
        if y.ndim > 2:
            y = y.reshape(y.shape[0], -1)
        low = self.apply(y)
        return low, y.to(low) - low


def gaussian_smooth(points, values, delta: float, dtype: torch.dtype = torch.float64,
                    block: int = 2048) -> torch.Tensor:
    """One-shot y^{low,δ}: Gaussian-weighted average of ``values`` over ``points`` (see the module docstring).

    Args:
        points: n points, shape (n,) or (n, d), input units.
        values: the target at the points, shape (n,) or (n, c).
        delta: the kernel variance δ > 0 in squared input units.
        dtype: computation dtype. block: kernel rows built at a time.

    Returns:
        The low-frequency part y^{low,δ}, same shape as ``values``, in ``dtype``.

    Raises:
        InputError: if points and values differ in length, are not finite, or ``delta`` is not positive.

    Source:
        Xu et al. 2019 (arXiv 1901.06523), the filtering method's y^{low,δ}.

    Example:
        >>> import math
        >>> x = torch.linspace(-10, 10, 2001)
        >>> low = gaussian_smooth(x, torch.sin(3 * x), delta=0.1)
        >>> ratio = float(low[1000 + 50] / torch.sin(3 * x[1000 + 50]))   # ≈ exp(−δ·9/2) inside the grid
        >>> round(ratio, 3), round(math.exp(-0.1 * 9 / 2), 3)
        (0.638, 0.638)
    """
    return GaussianSmoother(points, delta, dtype=dtype, block=block).apply(values)
