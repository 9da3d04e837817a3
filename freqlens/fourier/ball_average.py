"""Transfer functions of averaging a function over a ball (or a sphere) in d dimensions, and their
Monte-Carlo measurement (Lin, Ahmadi, Jiang, "Bandlimiting Neural Networks Against Adversarial Attacks").

Averaging ``f`` over the ball of radius ``r`` is the convolution ``f * 1_B / V_d(r)``; a plane wave
``cos(ω·x)`` comes out multiplied by the **transfer function** (all as functions of ``s = r‖ω‖``)

* ball:   ``H_d(s) = Γ(d/2 + 1) (2/s)^{d/2} J_{d/2}(s)``        (d = 1: sin s / s, d = 2: 2 J₁(s)/s)
* sphere: ``Ω_d(s) = Γ(d/2) (2/s)^{d/2 − 1} J_{d/2 − 1}(s)``     (the uniform measure on the unit sphere)
* the paper's estimator (``x`` plus ``x ± c·r·v_k`` for K random unit directions and scales ``c``), in
  expectation over the directions: ``H_K(s) = [1 + 2K Σ_c Ω_d(c s)] / (1 + 2K·len(scales))``.

All are 1 at s = 0 and decay with oscillating sign: low-pass filters, not ideal ones. The Bessel closed form
(``scipy.special.jv`` in log space) is used where it is representable; for high dimension (where ``J_{d/2}``
underflows, e.g. d = 3072) the same quantity is computed as the one-dimensional integral
``E[cos(s t)]`` over the first coordinate ``t`` of a uniform ball/sphere point, by Gauss–Legendre quadrature
(weight ``(1 − t²)^{(d−1)/2}`` for the ball, ``(1 − t²)^{(d−3)/2}`` for the sphere).

Example:
    >>> ball_average_response([0.0, 1.0], dim=2).round(3).tolist()       # [1, 2 J1(1)/1]
    [1.0, 0.88]
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from scipy import special

from freqlens.errors import InputError
from freqlens.fourier.grid import radial_frequency
from freqlens.validation import check_choice, check_integer, check_positive

DEFAULT_SCALES: tuple[float, ...] = (1 / 3, 2 / 3, 1.0)


def _check_dim(dim: int) -> int:
    return check_integer(dim, "dim")


def _as_s(s) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(s, dtype=np.float64))
    if not np.all(np.isfinite(arr)):
        raise InputError("s = r·‖ω‖ contains NaN or infinite values; expected finite numbers")
    return np.abs(arr)


def _bessel_ratio(s: np.ndarray, order: float) -> np.ndarray:
    """``Γ(ν+1) (2/s)^ν J_ν(s)`` in log space (NaN where it under/overflows); 1 at s = 0."""
    out = np.ones_like(s)
    nz = s > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        j = special.jv(order, s[nz])
        logmag = special.gammaln(order + 1) + order * np.log(2 / s[nz]) + np.log(np.abs(j))
        val = np.sign(j) * np.exp(logmag)
        # J underflowed to 0 while the true value is not tiny: mark as not representable
        bad = (j == 0) | ~np.isfinite(val)
    val[bad] = np.nan
    out[nz] = val
    return out


def _first_coordinate_average(s: np.ndarray, alpha: float, nodes: int | None = None) -> np.ndarray:
    """``E[cos(s t)]`` for t with density ∝ (1 − t²)^alpha on [−1, 1] (alpha ≥ 0).

    Gauss–Legendre quadrature on [−a, a], where a = min(1, 40/√(2α+1)) holds all of the weight (outside it the
    density is below e^{−800}); the weight is evaluated in log space, so any dimension works.
    """
    a = min(1.0, 40.0 / np.sqrt(2 * alpha + 1))
    m = nodes or int(min(20000, max(256, 2 * a * np.max(s, initial=0) + 256)))
    t, w = np.polynomial.legendre.leggauss(m)
    t = t * a
    with np.errstate(divide="ignore"):
        logw = np.log(w) + alpha * np.log1p(-t * t)
    w = np.exp(logw - logw.max())
    w /= w.sum()
    return np.cos(np.outer(s, t)) @ w


def ball_average_response(s, dim: int) -> np.ndarray:
    """Transfer function ``H_d(s) = Γ(d/2 + 1) (2/s)^{d/2} J_{d/2}(s)`` of averaging over the d-ball, ``s = r‖ω‖``.

    ``H(0) = 1``; for small s, ``1 − s²/(2(d+2))``; d = 1: sin s / s; d = 2: 2 J₁(s)/s. Where ``J_{d/2}``
    underflows (high d) the same quantity is computed by quadrature (module docstring).

    Args:
        s: scalar or 1-D array of r·‖ω‖ (radius times angular frequency, dimensionless); the sign is ignored.
        dim: d, the input dimension (integer ≥ 1).

    Returns:
        (S,) float64 array.

    Raises:
        InputError: ``dim`` not a positive integer, or NaN/infinite ``s``.

    Source: Lin, Ahmadi, Jiang 2019, "Bandlimiting neural networks against adversarial attacks", Sec. 3 (averaging
        over a ball is a low-pass filter); the Bessel closed form is the standard Fourier transform of the ball.

    Example:
        >>> ball_average_response([0.0, 1.0], dim=2).round(4).tolist()        # [1, 2 J1(1)/1]
        [1.0, 0.8801]
    """
    dim = _check_dim(dim)
    s = _as_s(s)
    if dim == 1:
        return np.sinc(s / np.pi)
    out = _bessel_ratio(s, dim / 2)
    bad = np.isnan(out)
    if bad.any():
        out[bad] = _first_coordinate_average(s[bad], (dim - 1) / 2)
    return out


def sphere_average_response(s, dim: int) -> np.ndarray:
    """Transfer function ``Ω_d(s) = Γ(d/2) (2/s)^{d/2 − 1} J_{d/2 − 1}(s)`` of averaging over the sphere of radius r.

    ``Ω_d(s) = E[cos(s v₁)]`` for v uniform on the unit sphere; d = 1: cos s; d = 2: J₀(s); d = 3: sin s / s.

    Args:
        s: scalar or 1-D array of r·‖ω‖ (dimensionless).
        dim: d (integer ≥ 1).

    Returns:
        (S,) float64 array.

    Raises:
        InputError: ``dim`` not a positive integer, or NaN/infinite ``s``.

    Source: Lin et al. 2019, Sec. 3 (sampling directions on the sphere); standard Fourier transform of the sphere.

    Example:
        >>> s = np.array([0.5, 2.0])
        >>> np.allclose(sphere_average_response(s, 3), np.sin(s) / s)
        True
    """
    dim = _check_dim(dim)
    s = _as_s(s)
    if dim == 1:
        return np.cos(s)
    out = _bessel_ratio(s, dim / 2 - 1)
    bad = np.isnan(out)
    if bad.any():
        out[bad] = _first_coordinate_average(s[bad], (dim - 3) / 2)
    return out


def paper_estimator_response(s, dim: int, n_directions: int = 15, scales: Sequence[float] = DEFAULT_SCALES,
                             include_original: bool = True) -> np.ndarray:
    """Expected transfer function of the paper's sampled estimator (the original point plus ``x ± c·r·v_k``).

    ``H_K(s) = [1 + 2K Σ_c Ω_d(c s)] / (1 + 2K·len(scales))``; its high-frequency floor is
    ``1/(1 + 2K·len(scales))``, the weight of the original point, reached only once the smallest scale's
Ω_d(c·s) has decayed (d = 100, K = 15, scales 1/3, 2/3, 1: 0.092 at s = 50, the floor 1/91 at s = 200).

    Args:
        s: scalar or 1-D array of r·‖ω‖.
        dim: d (integer ≥ 1).
        n_directions: K, random unit directions (integer ≥ 1).
        scales: the scales c of the sampled points (fractions of r).
        include_original: whether the original point is part of the average.

    Returns:
        (S,) float64 array.

    Raises:
        InputError: bad ``dim``, ``n_directions`` or ``s``.

    Source: Lin et al. 2019, Sec. 4 (post-averaging with K random directions at several radii).

    Example:
        >>> paper_estimator_response([0.0, 50.0, 200.0], dim=100).round(3).tolist()   # floor 1/91 = 0.011
        [1.0, 0.092, 0.011]
    """
    check_integer(n_directions, "n_directions")
    s = _as_s(s)
    total = sum(sphere_average_response(c * s, dim) for c in scales) * 2 * n_directions
    count = 2 * n_directions * len(scales)
    if include_original:
        total = total + 1.0
        count += 1
    return total / count


def monte_carlo_plane_wave_average(s, dim: int, samples: int = 20000, scheme: str = "ball", n_directions: int = 15,
                                   scales: Sequence[float] = DEFAULT_SCALES, seed: int = 0,
                                   chunk: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Monte-Carlo measurement of what averaging does to ``f(x) = cos(ω·x)`` at x = 0, with r = 1 and ‖ω‖ = s.

    ω points along one random direction, so nothing exploits axis alignment. ``scheme="ball"``: ``samples`` points
    uniform in the d-ball (direction ~ N(0, I)/‖·‖, radius U^{1/d}); the mean estimates ``H_d(s)``.
    ``scheme="paper"``: ``samples`` independent draws of the paper's estimator (K random unit directions, points
    ±c·v_k plus the origin); the mean estimates ``H_K(s)``.

    Args:
        s: scalar or 1-D array of ‖ω‖ (radius 1).
        dim: d (integer ≥ 1).
        samples: number of Monte-Carlo draws (≥ 2).
        scheme: "ball" or "paper".
        n_directions: K for "paper".
        scales: the scales c for "paper".
        seed: seed of the torch generator (the result is deterministic).
        chunk: draws per batch (memory bound).

    Returns:
        ``(mean, standard_error)``, each a (S,) float64 array.

    Raises:
        InputError: bad ``dim``, ``s``, ``samples`` < 2 or an unknown scheme.

    Source: freqlens (a check of Lin et al. 2019's transfer function by sampling).

    Example:
        >>> mean, se = monte_carlo_plane_wave_average([0.0, 1.0], dim=2, samples=2000)
        >>> float(mean[0]), bool(abs(mean[1] - ball_average_response([1.0], 2)[0]) < 4 * se[1])
        (1.0, True)
    """
    dim = _check_dim(dim)
    s_arr = _as_s(s)
    check_integer(samples, "samples", minimum=2)
    check_choice(scheme, "scheme", ("ball", "paper"))
    gen = torch.Generator().manual_seed(seed)
    omega_dir = torch.randn(dim, generator=gen, dtype=torch.float64)
    omega_dir /= omega_dir.norm()
    s_t = torch.as_tensor(s_arr)
    total = torch.zeros_like(s_t)
    total_sq = torch.zeros_like(s_t)
    lam = torch.tensor([c * sgn for c in scales for sgn in (1.0, -1.0)], dtype=torch.float64)
    done = 0
    while done < samples:
        b = min(chunk, samples - done)
        if scheme == "ball":
            g = torch.randn(b, dim, generator=gen, dtype=torch.float64)
            u = torch.rand(b, generator=gen, dtype=torch.float64) ** (1.0 / dim)
            proj = (g @ omega_dir) / g.norm(dim=1) * u                      # ω̂·point, (b,)
            vals = torch.cos(proj[:, None] * s_t[None, :])                  # (b, S)
        else:
            g = torch.randn(b, n_directions, dim, generator=gen, dtype=torch.float64)
            proj = (g @ omega_dir) / g.norm(dim=2)                          # (b, K)
            pts = (proj[:, :, None] * lam[None, None, :]).reshape(b, -1)    # (b, 2K·L)
            vals = torch.cos(pts[:, :, None] * s_t[None, None, :]).sum(1)
            vals = (vals + 1.0) / (pts.shape[1] + 1)                        # the origin contributes cos(0) = 1
        total += vals.sum(0)
        total_sq += (vals ** 2).sum(0)
        done += b
    mean = total / samples
    var = (total_sq / samples - mean ** 2).clamp_min(0) * samples / (samples - 1)
    return mean.numpy(), (var / samples).sqrt().numpy()


def disk_average_2d(values: torch.Tensor, radius: float) -> torch.Tensor:
    """Average a periodic 2-D grid over the disk of ``radius`` grid cells (circular convolution via FFT).

    The kernel is the normalised indicator of the cells at distance ≤ ``radius`` from (0, 0), wrapped around.

    Args:
        values: (H, W) or (N, H, W) real tensor.
        radius: disk radius in grid cells (> 0).

    Returns:
        Tensor of the same shape and dtype.

    Raises:
        InputError: ``radius`` ≤ 0 or a rank other than 2 or 3.

    Source: Lin et al. 2019, Sec. 3 (the 2-D picture of averaging over a disk); freqlens for the grid version.

    Example:
        >>> x = torch.zeros(8, 8); x[0, 0] = 5.0
        >>> y = disk_average_2d(x, 1.0)
        >>> round(float(y.sum()), 6), round(float(y[0, 1]), 6)     # mass kept, spread over the 5-cell cross
        (5.0, 1.0)
    """
    check_positive(radius, "radius", hint="grid cells")
    if values.ndim not in (2, 3):
        raise InputError(f"values has shape {tuple(values.shape)}; expected (H, W) or (N, H, W)")
    h, w = values.shape[-2:]
    dist = radial_frequency(h, w)   # signed offsets, wrapped: a disk centred at (0, 0)
    kernel = (dist <= radius).to(torch.float64)
    kernel /= kernel.sum()
    out = torch.fft.ifft2(torch.fft.fft2(values.to(torch.float64)) * torch.fft.fft2(kernel)).real
    return out.to(values.dtype)


# ------------------------------------------------------------------------------------------- result object
from dataclasses import dataclass, field  # noqa: E402

from freqlens.results import Result  # noqa: E402


@dataclass
class TransferFunctionResult(Result):
    """Bessel-formula transfer functions next to their Monte-Carlo measurement, per dimension.

    Args:
        dims: the input dimensions d measured.
        curves: per dimension (``str(d)`` key) a dict of lists: ``s`` (values of r‖ω‖), ``ball`` / ``paper``
            (formulas), ``mc_ball`` / ``mc_paper`` (Monte-Carlo means) and ``se_ball`` / ``se_paper`` (their
            standard errors).
        n_directions: K of the paper's estimator.
        disk2d: optional radial profile of |FFT(f_C)|/|FFT(f)| for a 2-D function vs 2J₁(s)/s.

    Attributes:
        Those of Args; ``plot(ax)`` draws formula and measurement per dimension.

    Raises:
        Nothing at construction.

    Source: Lin et al. 2019, Sec. 3-4.

    Example:
        >>> r = TransferFunctionResult([2], {"2": {"s": [0.0], "ball": [1.0]}})
        >>> r.dims, r.n_directions
        ([2], 15)
    """

    dims: list[int]
    curves: dict[str, dict[str, list[float]]]
    n_directions: int = 15
    disk2d: dict[str, list[float]] = field(default_factory=dict)

    def plot(self, ax=None):
        from freqlens.plot.post_averaging import plot_transfer_function

        return plot_transfer_function(self, ax=ax)


def measure_transfer_functions(dims: Sequence[int] = (2, 10, 100), points: int = 13, samples_ball: int = 20000,
                               samples_paper: int = 3000, n_directions: int = 15, seed: int = 0
                               ) -> TransferFunctionResult:
    """Formulas and Monte Carlo over ``s ∈ [0, 4√d]`` for every ``d`` in ``dims``.

    Args:
        dims: input dimensions d.
        points: number of s values per dimension.
        samples_ball: Monte-Carlo draws for the ball average.
        samples_paper: Monte-Carlo draws for the paper's estimator.
        n_directions: K of the paper's estimator.
        seed: base seed (dimension i uses seeds seed + 2i and seed + 2i + 1).

    Returns:
        A :class:`TransferFunctionResult`.

    Raises:
        InputError: as :func:`monte_carlo_plane_wave_average`.

    Source: Lin et al. 2019, Sec. 3-4 (the transfer-function check).

    Example:
        >>> r = measure_transfer_functions(dims=(2,), points=3, samples_ball=200, samples_paper=50)
        >>> r.curves["2"]["ball"][0], len(r.curves["2"]["s"])
        (1.0, 3)
    """
    curves = {}
    for i, d in enumerate(dims):
        s = np.linspace(0, 4 * np.sqrt(d), points)
        mb, sb = monte_carlo_plane_wave_average(s, d, samples_ball, "ball", seed=seed + 2 * i)
        mp, sp = monte_carlo_plane_wave_average(s, d, samples_paper, "paper", n_directions, seed=seed + 2 * i + 1)
        curves[str(d)] = {"s": s.tolist(), "ball": ball_average_response(s, d).tolist(),
                          "paper": paper_estimator_response(s, d, n_directions).tolist(),
                          "mc_ball": mb.tolist(), "se_ball": sb.tolist(), "mc_paper": mp.tolist(),
                          "se_paper": sp.tolist()}
    return TransferFunctionResult(list(dims), curves, n_directions)
