"""Non-uniform discrete Fourier transform of samples at arbitrary 1-D points.

Convention (``convention="ordinary"``): for points ``x_i`` and values ``y_i``,

    ŷ(k) = (1/n) Σ_i y_i exp(−2πi k x_i)        (k in cycles per unit of x)

``convention="angular"`` uses exp(−i k x_i) (k in radians per unit of x); ``normalize=False`` drops 1/n.
On a uniform grid x_i = i/n and integer k this equals ``numpy.fft.fft(y)[k] / n``.

Two back ends, both float64/complex128: finufft's type-3 transform (fast, tolerance ``eps``) when installed,
and an exact direct sum in torch, batched over blocks of points so memory stays bounded.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from freqlens.errors import InputError
from freqlens.validation import as_tensor, check_choice, check_finite, check_rank, check_same_length

try:  # finufft is a hard dependency, but keep the direct sum usable without it
    import finufft as _finufft
except ImportError:  # pragma: no cover
    _finufft = None


def _prepare(points, values, freqs):
    x = check_finite(check_rank(as_tensor(points, "points", torch.float64), "points", 1, "(n,)"), "points")
    y = as_tensor(values, "values")
    y = y.to(torch.complex128) if y.is_complex() else y.to(torch.float64)
    check_rank(y, "values", (1, 2), "(n,) or (n, channels)")
    check_finite(y, "values")
    check_same_length(x, y, "points", "values")
    k = check_finite(check_rank(as_tensor(freqs, "freqs", torch.float64), "freqs", 1, "(m,)"), "freqs")
    if x.shape[0] == 0:
        raise InputError("points is empty; need at least one sample")
    return x, y, k


def _scale(convention: str) -> float:
    if convention == "ordinary":
        return 2 * math.pi
    if convention == "angular":
        return 1.0
    raise InputError(f"convention must be 'ordinary' or 'angular', got {convention!r}")


def nudft_direct(points, values, freqs, convention: str = "ordinary", normalize: bool = True,
                 block: int = 4096) -> torch.Tensor:
    """Exact direct-sum NUDFT ŷ(k) = (1/n) Σ_i y_i exp(−2πi k x_i), in float64/complex128.

    Memory is bounded by ``block`` points at a time (an (m, block) complex matrix).

    Args:
        points: (n,) sample positions x_i (any units).
        values: (n,) or (n, c) samples y_i, real or complex.
        freqs: (m,) frequencies k, cycles per unit of x ("ordinary") or radians per unit ("angular").
        convention: "ordinary" (exp(−2πi k x)) or "angular" (exp(−i k x)).
        normalize: divide by n.
        block: points per block.

    Returns:
        (m,) or (m, c) complex128 tensor on the CPU.

    Raises:
        InputError: wrong ranks, NaN/infinite input, unequal lengths, no points or an unknown convention.

    Source: Xu et al. 2019, "Frequency Principle: Fourier analysis sheds light on deep neural networks",
        Sec. 4 (NUDFT of the training data and the network output).

    Example:
        >>> x = torch.arange(8) / 8; y = torch.cos(2 * math.pi * 2 * x)
        >>> nudft_direct(x, y, torch.tensor([2.0])).real
        tensor([0.5000], dtype=torch.float64)
    """
    x, y, k = _prepare(points, values, freqs)
    s = _scale(convention)
    squeeze = y.ndim == 1
    yy = (y[:, None] if squeeze else y).to(torch.complex128)
    out = torch.zeros(k.shape[0], yy.shape[1], dtype=torch.complex128)
    for start in range(0, x.shape[0], block):
        xb = x[start:start + block]
        phase = torch.exp(-1j * s * torch.outer(k, xb))  # (m, b)
        out += phase @ yy[start:start + block]
    if normalize:
        out /= x.shape[0]
    return out[:, 0] if squeeze else out


_DIRECT_MAX = 4_000_000  # points × freqs below which the exact sum is used by backend="auto"


def nudft(points, values, freqs, convention: str = "ordinary", normalize: bool = True,
          backend: str = "auto", eps: float = 1e-12) -> torch.Tensor:
    """NUDFT of samples ``values`` at 1-D ``points`` for arbitrary real ``freqs`` (see the module docstring).

    ``backend``: "finufft" (type-3 transform to relative tolerance ``eps``), "direct" (exact sum), or "auto"
    (the exact sum when points × freqs ≤ 4·10⁶, where it is faster than finufft's setup and its thread pool on a
    busy CPU; finufft above that when installed).

    Args:
        points: (n,) sample positions x_i.
        values: (n,) or (n, c) samples, real or complex.
        freqs: (m,) real frequencies (cycles per unit of x for "ordinary", radians per unit for "angular").
        convention: "ordinary" or "angular".
        normalize: divide by n.
        backend: "auto", "finufft" or "direct".
        eps: finufft's relative tolerance.

    Returns:
        (m,) or (m, c) complex128 tensor on the CPU.

    Raises:
        InputError: bad input (as :func:`nudft_direct`), an unknown backend, or "finufft" when not installed.

    Source: Xu et al. 2019, "Frequency Principle", Sec. 4 (NUDFT); Barnett et al. 2019 (finufft, type 3).

    Example:
        >>> x = torch.arange(64) / 64; y = torch.sin(2 * math.pi * 5 * x)
        >>> spec = nudft(x, y, torch.arange(10.0)).abs()
        >>> int(spec.argmax()), round(float(spec.max()), 6)
        (5, 0.5)
    """
    check_choice(backend, "backend", ("auto", "finufft", "direct"))
    if backend == "auto" and _finufft is not None:
        n_pts, n_freq = len(points), len(freqs)
        if n_pts * n_freq <= _DIRECT_MAX:
            backend = "direct"
    if backend == "direct" or (backend == "auto" and _finufft is None):
        return nudft_direct(points, values, freqs, convention, normalize)
    if _finufft is None:
        raise InputError("backend='finufft' asked for but the finufft package is not installed")
    x, y, k = _prepare(points, values, freqs)
    s = _scale(convention)
    squeeze = y.ndim == 1
    yy = (y[:, None] if squeeze else y).to(torch.complex128).numpy()
    xn = x.numpy()
    sn = (s * k).numpy()
    cols = [
        _finufft.nufft1d3(xn, np.ascontiguousarray(yy[:, c]), sn, isign=-1, eps=eps)
        for c in range(yy.shape[1])
    ]
    out = torch.from_numpy(np.stack(cols, axis=1))
    if normalize:
        out /= x.shape[0]
    return out[:, 0] if squeeze else out


def first_principal_component(inputs) -> torch.Tensor:
    """Unit first principal direction of the centred inputs.

    The sign is fixed so that the largest-magnitude entry is positive (deterministic across runs).

    Args:
        inputs: (n, d) samples (or (n, ...) flattened to (n, d)), n ≥ 2.

    Returns:
        (d,) float64 unit vector.

    Raises:
        InputError: fewer than 2 samples, a rank below 2, or NaN/infinite values.

    Source: Xu et al. 2019, "Frequency Principle", Sec. 4 (high-dimensional data are projected on their first
        principal direction before the NUDFT).

    Example:
        >>> x = torch.tensor([[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
        >>> first_principal_component(x).mul(5 ** 0.5).round(decimals=6).tolist()
        [1.0, 2.0]
    """
    x = as_tensor(inputs, "inputs", torch.float64)
    if x.ndim < 2:
        raise InputError(f"inputs has shape {tuple(x.shape)}; expected (n, d) with n ≥ 2")
    x = check_finite(x.reshape(x.shape[0], -1), "inputs")
    if x.shape[0] < 2:
        raise InputError("inputs needs at least 2 samples to find a principal direction")
    xc = x - x.mean(0, keepdim=True)
    if xc.shape[1] == 1:
        return torch.ones(1, dtype=torch.float64)
    # Economy SVD on the smaller side; low-rank randomized would be faster but this is exact.
    if xc.shape[0] >= xc.shape[1]:
        cov = xc.T @ xc
        _, vecs = torch.linalg.eigh(cov)
        p = vecs[:, -1]
    else:
        _, _, vh = torch.linalg.svd(xc, full_matrices=False)
        p = vh[0]
    p = p / p.norm()
    if p[p.abs().argmax()] < 0:
        p = -p
    return p
