"""The Linear Frequency Principle (LFP) model of wide two-layer networks (Zhang, Xu et al., arXiv 1905.10264,
2102.00200): γ(ξ)², the FP-norm, the minimum-FP-norm interpolant, the LFP dynamics and the a-priori
generalisation estimate.

Convention: **ordinary** frequency, ``F[f](ξ) = ∫ f(x) e^{−2πi ξ·x} dx`` (this is what yields the 16π⁴ and 4π²
constants). The LFP dynamics ``∂_t ĥ(ξ, t) = −γ(ξ)² (u·ρ)^(ξ)``, ``u = h − f``, ``ρ = (1/n) Σ_i δ_{x_i}``, come from
gradient flow on ``(1/2n) Σ_i (h(x_i) − y_i)²`` with the initial parameter distribution frozen (NTK regime).

For ReLU, ``γ(ξ)² = E[r³]/(16π⁴‖ξ‖^{d+3}) + E[a² r]/(4π²‖ξ‖^{d+1})``, ``r = ‖w‖`` (the dimension constant C_d is set
to 1: it cancels in the interpolant).

Example:
    >>> x, y = np.array([-1.0, -0.2, 0.4, 1.0]), np.array([0.2, -0.5, 0.8, -0.1])
    >>> spline = min_fp_norm_closed_form(x, y, np.linspace(-1, 1, 5), a3=1.0, a1=0.0)   # natural cubic spline
    >>> from scipy.interpolate import CubicSpline
    >>> bool(np.allclose(spline, CubicSpline(x, y, bc_type="natural")(np.linspace(-1, 1, 5))))
    True
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.special import gamma as gamma_fn

from freqlens.errors import InputError
from freqlens.results import Result

__all__ = [
    "relu_init_moments", "gamma_squared", "lfp_green", "min_fp_norm_closed_form", "check_interpolation_data",
    "MinFPNormSolution", "min_fp_norm_interpolation", "fourier_kernel", "fp_norm", "fp_norm_of_samples",
    "LFPDynamics", "lfp_dynamics", "fp_generalization_bound", "empirical_relu_ntk", "check_gamma2",
]

Gamma2 = Callable[[np.ndarray], np.ndarray]


# --------------------------------------------------------------------------------------------------- γ(ξ)²
def _chi_moment(d: int, p: float) -> float:
    """E‖g‖^p for g ~ N(0, I_d)."""
    return 2 ** (p / 2) * gamma_fn((d + p) / 2) / gamma_fn(d / 2)


def relu_init_moments(w_std: float = 1.0, a_std: float = 1.0, d: int = 1, method: str = "closed",
                      n_samples: int = 200_000, seed: int = 0) -> tuple[float, float]:
    """``(A3, A1) = (E[r³], E[a² r])`` for w ~ N(0, w_std² I_d), a ~ N(0, a_std²), r = ‖w‖.

    Args:
        w_std: standard deviation of each input-weight coordinate (> 0).
        a_std: standard deviation of the output weight (≥ 0).
        d: input dimension (≥ 1).
        method: "closed" (chi moments) or "monte_carlo" (sample means).
        n_samples: draws for "monte_carlo".
        seed: NumPy generator seed for "monte_carlo".

    Returns:
        ``(A3, A1)``, two floats.

    Raises:
        InputError: a negative/zero std, d < 1 or an unknown method.

    Source: Zhang, Xu, Luo, Ma 2019, "Explicitizing an implicit bias of the frequency principle in two-layer
        neural networks" (arXiv 1905.10264), the coefficients of γ(ξ)².

    Example:
        >>> a3, a1 = relu_init_moments(1, 1, d=1)                     # (2√(2/π), √(2/π))
        >>> round(a3, 6), round(a1, 6)
        (1.595769, 0.797885)
    """
    _check_std(w_std, "w_std")
    _check_std(a_std, "a_std", allow_zero=True)
    if int(d) < 1:
        raise InputError(f"dimension d must be ≥ 1, got {d}")
    if method == "closed":
        return float(w_std ** 3 * _chi_moment(d, 3)), float(a_std ** 2 * w_std * _chi_moment(d, 1))
    if method == "monte_carlo":
        rng = np.random.default_rng(seed)
        r = np.linalg.norm(rng.normal(0.0, w_std, size=(int(n_samples), int(d))), axis=1)
        a = rng.normal(0.0, a_std, size=int(n_samples)) if a_std > 0 else np.zeros(int(n_samples))
        return float(np.mean(r ** 3)), float(np.mean(a ** 2 * r))
    raise InputError(f"method must be 'closed' or 'monte_carlo', got {method!r}")


def _check_std(v: float, name: str, allow_zero: bool = False) -> None:
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise InputError(f"{name} must be {'≥' if allow_zero else '>'} 0, got {v!r}")


def _freq_norm(xi) -> np.ndarray:
    xi = np.asarray(xi, dtype=float)
    if xi.ndim >= 2:
        xi = np.linalg.norm(xi, axis=-1)
    return np.abs(xi)


def gamma_squared(xi, a3: float | None = None, a1: float | None = None, *, d: int = 1, activation: str = "relu",
                  w_std: float = 1.0, a_std: float = 1.0, method: str = "closed", n_samples: int = 200_000,
                  seed: int = 0, convention: str = "ordinary") -> np.ndarray:
    """γ(ξ)² of a wide two-layer network at frequencies ``xi`` (ordinary frequency); γ(0)² = ∞.

    ReLU: ``A3/(16π⁴‖ξ‖^{d+3}) + A1/(4π²‖ξ‖^{d+1})`` with ``(A3, A1)`` given or from :func:`relu_init_moments`.
    Tanh (d = 1 only; derived with the same wide-bias argument, no closed form):
    ``E_w,a[π² csch²(π²ξ/|w|)/|w| + a² (2π²ξ/w)² csch²(π²ξ/|w|)/|w|]``, by Monte Carlo (``method="monte_carlo"``)
    or Gauss–Hermite quadrature over w (``method="closed"``).

    Args:
        xi: (M,) frequency norms or (M, d) frequency vectors, cycles per unit of x.
        a3: A3 = E[r³] (ReLU); computed from the stds when None.
        a1: A1 = E[a² r] (ReLU); computed when None.
        d: input dimension.
        activation: "relu" or "tanh".
        w_std: input-weight std.
        a_std: output-weight std.
        method: "closed" or "monte_carlo".
        n_samples: Monte-Carlo draws.
        seed: Monte-Carlo seed.
        convention: only "ordinary" is accepted.

    Returns:
        (M,) float64 array (inf at ξ = 0).

    Raises:
        InputError: another convention, non-finite frequencies, invalid A3/A1, tanh with d ≠ 1, an unknown
            activation or method.

    Source: Zhang, Xu, Luo, Ma 2019 (arXiv 1905.10264) and Zhang, Luo, Ma, Xu 2021 (arXiv 2102.00200), the LFP
        coefficient γ(ξ)² (the dimension constant C_d is set to 1).

    Example:
        >>> g2 = gamma_squared([0.5, 1.0], a3=1.0, a1=0.0)             # 1/(16π⁴ξ⁴): ratio 16 between ξ = 0.5 and 1
        >>> round(float(g2[0] / g2[1]), 6)
        16.0
    """
    if convention != "ordinary":
        raise InputError(f"LFP functions use the ordinary-frequency convention; got convention={convention!r}")
    k = _freq_norm(xi)
    if not np.all(np.isfinite(k)):
        raise InputError("frequencies xi must be finite")
    with np.errstate(divide="ignore"):
        if activation == "relu":
            if a3 is None or a1 is None:
                m3, m1 = relu_init_moments(w_std, a_std, d, method, n_samples, seed)
                a3 = m3 if a3 is None else a3
                a1 = m1 if a1 is None else a1
            if a3 < 0 or a1 < 0 or (a3 == 0 and a1 == 0):
                raise InputError(f"A3 = E[r³] and A1 = E[a²r] must be ≥ 0 and not both 0, got {a3}, {a1}")
            return a3 / (16 * math.pi ** 4 * k ** (d + 3)) + a1 / (4 * math.pi ** 2 * k ** (d + 1))
        if activation == "tanh":
            if d != 1:
                raise InputError(f"tanh γ² is implemented for d = 1 only, got d = {d}")
            _check_std(w_std, "w_std")
            if method == "monte_carlo":
                rng = np.random.default_rng(seed)
                w = np.abs(rng.normal(0, w_std, int(n_samples)))
                a2 = rng.normal(0, a_std, int(n_samples)) ** 2
                return np.array([_tanh_term(kk, w, a2).mean() for kk in np.atleast_1d(k)]).reshape(k.shape)
            if method == "closed":
                nodes, weights = np.polynomial.hermite_e.hermegauss(200)
                w = np.abs(nodes * w_std)
                wts = weights / weights.sum()
                return np.array([(wts * _tanh_term(kk, w, a_std ** 2)).sum()
                                 for kk in np.atleast_1d(k)]).reshape(k.shape)
            raise InputError(f"method must be 'closed' or 'monte_carlo', got {method!r}")
    raise InputError(f"activation must be 'relu' or 'tanh', got {activation!r}")


def _tanh_term(k: float, w: np.ndarray, a2) -> np.ndarray:
    if k == 0:
        return np.full_like(w, np.inf)
    z = math.pi ** 2 * k / np.maximum(w, 1e-300)
    csch2 = np.where(z < 300, 1.0 / np.sinh(np.minimum(z, 300)) ** 2, 0.0)
    w = np.maximum(w, 1e-300)
    return (math.pi ** 2 * csch2 + a2 * (2 * math.pi ** 2 * k / w) ** 2 * csch2) / w


def check_gamma2(values: np.ndarray, freqs: np.ndarray | None = None) -> np.ndarray:
    """Raise unless every γ² value is finite and > 0 (the FP-norm divides by it).

    Args:
        values: γ² values, any shape.
        freqs: the matching frequencies, for the message (optional).

    Returns:
        ``values`` as a float64 array.

    Raises:
        InputError: naming the first bad value and its frequency (or index).

    Source: freqlens.

    Example:
        >>> check_gamma2([1.0, 0.0], freqs=[0.5, 1.0])
        Traceback (most recent call last):
        ...
        freqlens.errors.InputError: γ² must be finite and > 0 at every frequency; got 0 at ξ = 1
    """
    values = np.asarray(values, dtype=float)
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        i = int(np.flatnonzero(bad.reshape(-1))[0])
        where = f" at ξ = {np.asarray(freqs).reshape(-1)[i]:.4g}" if freqs is not None else f" at index {i}"
        raise InputError(f"γ² must be finite and > 0 at every frequency; got {values.reshape(-1)[i]:.4g}{where}")
    return values


# ------------------------------------------------------------------------------------ closed-form interpolant
def lfp_green(r, a3: float, a1: float, d: int = 1) -> np.ndarray:
    """Green's function G with Ĝ = γ² (ReLU, ordinary convention), modulo polynomials of degree ≤ 1.

    d = 1: ``A3|r|³/12 − A1|r|/2``; d = 2: ``(A3/9)‖r‖³ − A1‖r‖``; general d from
    ``F[‖x‖^α] = π^{−α−d/2} Γ((α+d)/2)/Γ(−α/2) ‖ξ‖^{−α−d}``.

    Args:
        r: distances, any shape.
        a3: A3 = E[r³].
        a1: A1 = E[a² r].
        d: dimension.

    Returns:
        float64 array shaped like ``r``.

    Raises:
        Nothing of its own.

    Source: Zhang et al. 2019 (arXiv 1905.10264); freqlens derivation of the constants from the Fourier transform
        of ‖x‖^α.

    Example:
        >>> lfp_green([0.0, 2.0], a3=1.0, a1=1.0).round(6).tolist()   # 8/12 − 2/2
        [0.0, -0.333333]
    """
    r = np.abs(np.asarray(r, dtype=float))

    def c(alpha: float) -> float:
        return math.pi ** (-alpha - d / 2) * gamma_fn((alpha + d) / 2) / gamma_fn(-alpha / 2)

    c3 = (1 / (16 * math.pi ** 4)) / c(3)
    c1 = (1 / (4 * math.pi ** 2)) / c(1)
    return c3 * a3 * r ** 3 + c1 * a1 * r


def check_interpolation_data(x, y, rtol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Interpolation data as ``x`` (n, d) and ``y`` (n,) float64, with duplicate points of equal labels merged.

    Args:
        x: (n,) or (n, d) points.
        y: (n,) labels.
        rtol: points closer than ``rtol·max(1, max|x|)`` in every coordinate are the same point.

    Returns:
        ``(x, y)`` of shapes (n', d) and (n',), n' ≤ n.

    Raises:
        InputError: mismatched shapes, empty or non-finite data, or two coinciding points with different labels.

    Source: freqlens.

    Example:
        >>> x, y = check_interpolation_data([0.0, 1.0, 1.0], [1.0, 2.0, 2.0])
        >>> x.shape, y.tolist()
        ((2, 1), [1.0, 2.0])
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] != y.shape[0]:
        raise InputError(f"x has shape {x.shape} and y {y.shape}; expected (n,) or (n, d) and (n,)")
    if x.shape[0] == 0:
        raise InputError("interpolation data are empty")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise InputError("interpolation data contain NaN or infinite values")
    scale = max(1.0, float(np.abs(x).max()))
    keep = np.ones(x.shape[0], dtype=bool)
    for i in range(x.shape[0]):
        if not keep[i]:
            continue
        same = np.all(np.abs(x[i + 1:] - x[i]) <= rtol * scale, axis=1)
        for j in np.flatnonzero(same) + i + 1:
            if abs(y[j] - y[i]) > 1e-12 * max(1.0, abs(y[i])):
                raise InputError(f"points {i} and {j} coincide at x = {x[i].tolist()} but have different labels "
                                 f"{y[i]:g} and {y[j]:g}; no function interpolates them")
            keep[j] = False
    return x[keep], y[keep]


def min_fp_norm_closed_form(x, y, x_test, a3: float, a1: float) -> np.ndarray:
    """The minimum-FP-norm interpolant of ReLU LFP (any d) by the representer theorem.

    ``h(x) = Σ_i λ_i G(x − x_i) + c_0 + c·x`` with ``[G P; Pᵀ 0][λ; c] = [y; 0]``, ``P = [1, x_i]``. Limits:
    ``a1 = 0`` gives the natural cubic spline (d = 1); ``a3 = 0`` gives piecewise-linear interpolation inside
    the data hull.

    Args:
        x: (n,) or (n, d) training points (n ≥ d + 1 distinct).
        y: (n,) labels.
        x_test: (M,) or (M, d) evaluation points.
        a3: A3 ≥ 0.
        a1: A1 ≥ 0 (not both 0).

    Returns:
        (M,) float64 values.

    Raises:
        InputError: bad data (:func:`check_interpolation_data`), dimension mismatch, invalid A3/A1 or too few points.

    Source: Zhang et al. 2019 (arXiv 1905.10264), minimum-FP-norm interpolation; the representer form is freqlens's.

    Example:
        >>> min_fp_norm_closed_form([-1, 0, 1], [0, 1, 0], np.linspace(-1, 1, 5), a3=0, a1=1).round(6).tolist()
        [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    x, y = check_interpolation_data(x, y)
    n, d = x.shape
    xt = np.asarray(x_test, dtype=float)
    if xt.ndim == 1:
        xt = xt[:, None]
    if xt.shape[1] != d:
        raise InputError(f"x_test has dimension {xt.shape[1]} but x has {d}")
    if a3 < 0 or a1 < 0 or (a3 == 0 and a1 == 0):
        raise InputError(f"A3 and A1 must be ≥ 0 and not both 0 (γ² > 0), got {a3}, {a1}")
    if n < d + 1:
        raise InputError(f"{n} distinct points in d = {d}: the linear-polynomial null space needs ≥ {d + 1}")
    dist = np.linalg.norm(x[:, None, :] - x[None, :, :], axis=-1)
    g = lfp_green(dist, a3, a1, d)
    p = np.hstack([np.ones((n, 1)), x])
    system = np.block([[g, p], [p.T, np.zeros((d + 1, d + 1))]])
    rhs = np.concatenate([y, np.zeros(d + 1)])
    sol = np.linalg.solve(system, rhs)
    lam, c = sol[:n], sol[n:]
    gt = lfp_green(np.linalg.norm(xt[:, None, :] - x[None, :, :], axis=-1), a3, a1, d)
    return gt @ lam + c[0] + xt @ c[1:]


# ------------------------------------------------------------------------------ truncated Fourier-basis solver
def _half_frequencies(n_freq: int, d: int) -> np.ndarray:
    """Integer frequency vectors j with 0 < ‖j‖_∞ ≤ J, one of each ±j pair. (M, d)."""
    if d == 1:
        return np.arange(1, n_freq + 1)[:, None]
    if d == 2:
        r = np.arange(-n_freq, n_freq + 1)
        j1, j2 = np.meshgrid(r, r, indexing="ij")
        j = np.stack([j1.ravel(), j2.ravel()], axis=1)
        half = (j[:, 0] > 0) | ((j[:, 0] == 0) & (j[:, 1] > 0))
        return j[half]
    raise InputError(f"the truncated Fourier solver supports d = 1 or 2, got d = {d}")


def _gamma2_values(gamma2, xi: np.ndarray, d: int) -> np.ndarray:
    if callable(gamma2):
        vals = np.asarray(gamma2(np.linalg.norm(xi, axis=1)), dtype=float).reshape(-1)
    else:
        vals = np.asarray(gamma2, dtype=float).reshape(-1)
        if vals.shape[0] != xi.shape[0]:
            raise InputError(f"gamma2 has {vals.shape[0]} values for {xi.shape[0]} frequencies")
    return check_gamma2(vals, np.linalg.norm(xi, axis=1))


def fourier_kernel(x1: np.ndarray, x2: np.ndarray, xi: np.ndarray, g2: np.ndarray, dc_weight: float) -> np.ndarray:
    """K(x, x') = γ0² + 2 Σ_ξ γ(ξ)² cos(2π ξ·(x − x')) over half-space frequencies ξ.

    Args:
        x1: (n1, d) points.
        x2: (n2, d) points.
        xi: (M, d) frequencies, one of each ±ξ pair (cycles per unit of x).
        g2: (M,) γ² values.
        dc_weight: γ0², the weight of the constant.

    Returns:
        (n1, n2) float64 kernel matrix.

    Raises:
        ValueError: from NumPy on mismatched shapes.

    Source: freqlens (the truncated Fourier-basis form of the LFP kernel).

    Example:
        >>> fourier_kernel(np.zeros((1, 1)), np.array([[0.0], [0.5]]), np.array([[1.0]]), np.array([1.0]), 0.0)
        array([[ 2., -2.]])
    """
    p1, p2 = 2 * math.pi * x1 @ xi.T, 2 * math.pi * x2 @ xi.T
    return dc_weight + 2 * ((np.cos(p1) * g2) @ np.cos(p2).T + (np.sin(p1) * g2) @ np.sin(p2).T)


@dataclass
class MinFPNormSolution(Result):
    """Minimum-FP-norm interpolant in a truncated Fourier basis on the periodic box [c − L/2, c + L/2)^d.

    ``h(x) = c0 + Σ_ξ [cos_coef_ξ cos(2πξ·x) + sin_coef_ξ sin(2πξ·x)]``; calling the object evaluates h.

    Args:
        frequencies: (M, d) frequencies ξ (ordinary, cycles per unit of x), one per ±ξ pair.
        cos_coef: (M,) cosine coefficients.
        sin_coef: (M,) sine coefficients.
        c0: the constant.
        gamma2: (M,) γ² values.
        period: box side L.
        fp_norm: sqrt(Σ_{ξ≠0} |ĥ(ξ)|²/γ(ξ)²) over both ±ξ.
        x_train: (n, d) training points.
        y_train: (n,) labels.

    Attributes:
        Those of Args; ``__call__(x_test)`` returns (M,) values at (M,) or (M, d) points.

    Raises:
        Nothing at construction.

    Source: Zhang et al. 2019 (arXiv 1905.10264), minimum-FP-norm interpolation.

    Example:
        >>> sol = MinFPNormSolution(np.array([[1.0]]), np.array([2.0]), np.array([0.0]), 1.0, np.array([1.0]),
        ...                         1.0, 1.0, np.zeros((1, 1)), np.zeros(1))
        >>> sol([0.0, 0.5]).tolist()                         # 1 + 2 cos(2πx)
        [3.0, -1.0]
    """

    frequencies: np.ndarray
    cos_coef: np.ndarray
    sin_coef: np.ndarray
    c0: float
    gamma2: np.ndarray
    period: float
    fp_norm: float
    x_train: np.ndarray
    y_train: np.ndarray

    def __call__(self, x_test) -> np.ndarray:
        """Values (M,) at ``x_test`` (M,) or (M, d)."""
        xt = np.asarray(x_test, dtype=float)
        if xt.ndim == 1:
            xt = xt[:, None]
        ph = 2 * math.pi * xt @ np.asarray(self.frequencies, dtype=float).T
        return self.c0 + np.cos(ph) @ self.cos_coef + np.sin(ph) @ self.sin_coef

    def plot(self, ax=None):
        from freqlens.plot.lfp import plot_min_fp_norm

        return plot_min_fp_norm(self, ax=ax)


def min_fp_norm_interpolation(x, y, gamma2, n_freq: int = 400, period: float | None = None,
                              dc_weight: float | None = None) -> MinFPNormSolution:
    """Minimum FP-norm function through the data, in a truncated Fourier basis.

    Solves min Σ_ξ |ĥ(ξ)|²/γ(ξ)² s.t. h(x_i) = y_i over ξ = j/L, 0 < ‖j‖_∞ ≤ ``n_freq`` (d = 1 or 2), as
    ``ĥ = ΓΦᴴ(ΦΓΦᴴ)⁻¹y`` (Cholesky solve, least squares if ill-conditioned).

    Args:
        x: (n,) or (n, d) points.
        y: (n,) labels (coincident points must share their label).
        gamma2: callable ``‖ξ‖ -> γ²`` (ordinary frequency) or an array of values for the half-space frequencies.
        n_freq: J, the largest |j| per axis.
        period: box side L (default 4 × the data's extent; must exceed the extent).
        dc_weight: γ0² for the constant (γ(0) = ∞: the constant is nearly free); default 1e6·γ(1/L)².

    Returns:
        A :class:`MinFPNormSolution`.

    Raises:
        InputError: bad data, n_freq < 1, a period not larger than the data's extent, d > 2, or γ² values that
            are not finite and positive.

    Source: Zhang et al. 2019 (arXiv 1905.10264), minimum-FP-norm interpolation.

    Example:
        >>> x, y = np.array([-1.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.0])
        >>> sol = min_fp_norm_interpolation(x, y, lambda k: gamma_squared(k, 0.0, 1.0), n_freq=100, period=8)
        >>> bool(np.abs(sol(x) - y).max() < 1e-6), round(float(sol([0.5])[0]), 2)        # ≈ piecewise linear
        (True, 0.5)
    """
    x, y = check_interpolation_data(x, y)
    d = x.shape[1]
    if int(n_freq) < 1:
        raise InputError(f"n_freq must be ≥ 1, got {n_freq}")
    extent = float((x.max(axis=0) - x.min(axis=0)).max())
    if period is None:
        period = 4 * max(extent, 1e-3)
    if not (period > extent):
        raise InputError(f"period L = {period:g} must exceed the data's extent {extent:g}")
    xi = _half_frequencies(int(n_freq), d) / float(period)
    g2 = _gamma2_values(gamma2, xi, d)
    if dc_weight is None:
        g_first = _gamma2_values(gamma2, np.full((1, d), 0.0) + np.eye(d)[:1] / period, d)[0]
        dc_weight = 1e6 * g_first
    k = fourier_kernel(x, x, xi, g2, dc_weight)
    try:
        alpha = scipy.linalg.solve(k, y, assume_a="pos")
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
        alpha = np.linalg.lstsq(k, y, rcond=None)[0]
    ph = 2 * math.pi * x @ xi.T
    cos_coef = 2 * g2 * (np.cos(ph).T @ alpha)
    sin_coef = 2 * g2 * (np.sin(ph).T @ alpha)
    c0 = float(dc_weight * alpha.sum())
    fpn = math.sqrt(float(np.sum((cos_coef ** 2 + sin_coef ** 2) / (2 * g2))))
    return MinFPNormSolution(xi, cos_coef, sin_coef, c0, g2, float(period), fpn, x, y)


# ------------------------------------------------------------------------------------------------ FP-norm
def fp_norm(coefficients, gamma2) -> float:
    """The FP-norm ‖h‖_γ = sqrt(Σ_ξ γ(ξ)^{−2} |ĥ(ξ)|²) from Fourier coefficients and γ² values.

    Args:
        coefficients: (K,) complex (or real) Fourier coefficients ĥ(ξ).
        gamma2: (K,) γ² values at the same frequencies.

    Returns:
        The norm (a float ≥ 0).

    Raises:
        InputError: γ² not finite and positive, or different lengths.

    Source: Zhang et al. 2019 (arXiv 1905.10264), the FP-norm.

    Example:
        >>> fp_norm([3j, 4.0], [1.0, 4.0])                   # sqrt(9/1 + 16/4)
        3.605551275463989
    """
    c = np.asarray(coefficients)
    g2 = check_gamma2(np.asarray(gamma2, dtype=float).reshape(-1))
    if c.reshape(-1).shape != g2.shape:
        raise InputError(f"{c.size} coefficients but {g2.size} γ² values; they must match")
    return math.sqrt(float(np.sum(np.abs(c.reshape(-1)) ** 2 / g2)))


def fp_norm_of_samples(values, gamma2: Gamma2, coordinate=None, period: float | None = None) -> float:
    """FP-norm of a periodic function sampled on a uniform 1-D grid x_n = x_0 + nL/N (the constant excluded).

    ``ĥ_j = DFT/N`` at ξ = j/L for 0 < |j| < N/2 (ordinary frequency).

    Args:
        values: (N,) samples.
        gamma2: callable ``|ξ| -> γ²``.
        coordinate: (N,) uniform grid (checked); its spacing gives L unless ``period`` is given.
        period: L.

    Returns:
        The norm (a float).

    Raises:
        InputError: neither coordinate nor period, a non-uniform or mismatched coordinate, or bad γ² values.

    Source: Zhang et al. 2019 (arXiv 1905.10264), the FP-norm; freqlens for the sampled form.

    Example:
        >>> t = np.arange(64) / 64
        >>> round(fp_norm_of_samples(np.sin(2 * np.pi * 3 * t), lambda k: 1 / k ** 4, coordinate=t), 6)  # √2·(1/2)·9
        6.363961
    """
    from freqlens.dynamics.spectral_bias import check_uniform_grid

    v = np.asarray(values, dtype=float).reshape(-1)
    n = v.size
    if coordinate is not None:
        if np.asarray(coordinate).reshape(-1).size != n:
            raise InputError(f"coordinate has {np.asarray(coordinate).size} points but values have {n}")
        _, L = check_uniform_grid(np.asarray(coordinate, dtype=float), "coordinate")
        period = L if period is None else period
    if period is None:
        raise InputError("give the grid `coordinate` or its `period` L")
    c = np.fft.fft(v) / n
    j = np.fft.fftfreq(n, d=1.0 / n)
    sel = (j != 0) & (np.abs(j) < n / 2)
    xi = np.abs(j[sel]) / period
    g2 = check_gamma2(np.asarray(gamma2(xi), dtype=float), xi)
    return math.sqrt(float(np.sum(np.abs(c[sel]) ** 2 / g2)))


# ----------------------------------------------------------------------------------------------- dynamics
@dataclass
class LFPDynamics(Result):
    """LFP-predicted outputs over gradient-flow time of (1/2n)Σ(h − y)², from h ≡ 0.

    Args:
        times: (T,) gradient-flow times.
        x_test: (M, d) evaluation points.
        predictions: (T, M) predicted outputs ``predictions[t, m]`` at ``x_test[m]`` and ``times[t]``.
        train_residual: (T,) ``‖h(X, t) − y‖/‖y‖``.
        limit: (M,) the t → ∞ limit (the minimum-FP-norm interpolant).

    Attributes:
        Those of Args.

    Raises:
        Nothing at construction.

    Source: Zhang et al. 2019 (arXiv 1905.10264), the LFP dynamics.

    Example:
        >>> dyn = LFPDynamics(np.zeros(1), np.zeros((2, 1)), np.zeros((1, 2)), np.ones(1), np.zeros(2))
        >>> dyn.predictions.shape
        (1, 2)
    """

    times: np.ndarray
    x_test: np.ndarray
    predictions: np.ndarray
    train_residual: np.ndarray
    limit: np.ndarray

    def plot(self, ax=None):
        from freqlens.plot.lfp import plot_lfp_dynamics

        return plot_lfp_dynamics(self, ax=ax)


def lfp_dynamics(x, y, gamma2, times: Sequence[float], x_test=None, n_freq: int = 400, period: float | None = None,
                 dc_weight: float | None = None) -> LFPDynamics:
    """Solve the LFP dynamics exactly in the truncated Fourier basis.

    ``h_X(t) = y − e^{−tK/n} y`` and ``h(x, t) = K(x, X) K⁻¹ (I − e^{−tK/n}) y`` (eigendecomposition of K); as
    t → ∞ it tends to the minimum-FP-norm interpolant.

    Args:
        x: (n,) or (n, d) training points (d = 1 or 2).
        y: (n,) labels.
        gamma2: callable ``‖ξ‖ -> γ²`` or values at the half-space frequencies.
        times: gradient-flow times (finite, ≥ 0).
        x_test: (M,) or (M, d) evaluation points (default the training points).
        n_freq: J of the truncated basis.
        period: box side L (default 4 × the data's extent).
        dc_weight: γ0² (default 1e6·γ(1/L)²).

    Returns:
        An :class:`LFPDynamics`.

    Raises:
        InputError: bad data, negative or non-finite times, d > 2 or bad γ² values.

    Source: Zhang et al. 2019 (arXiv 1905.10264), the LFP dynamics ∂_t ĥ = −γ² (u·ρ)^.

    Example:
        >>> x, y = np.array([-1.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.0])
        >>> dyn = lfp_dynamics(x, y, lambda k: gamma_squared(k, 1.0, 1.0), times=[0.0, 1e9], n_freq=50)
        >>> dyn.train_residual.round(6).tolist()
        [1.0, 0.0]
    """
    x, y = check_interpolation_data(x, y)
    d = x.shape[1]
    xt = x if x_test is None else np.asarray(x_test, dtype=float)
    xt = xt[:, None] if xt.ndim == 1 else xt
    times = np.asarray(times, dtype=float).reshape(-1)
    if np.any(times < 0) or not np.all(np.isfinite(times)):
        raise InputError("times must be finite and ≥ 0")
    extent = float((x.max(axis=0) - x.min(axis=0)).max())
    period = 4 * max(extent, 1e-3) if period is None else period
    xi = _half_frequencies(int(n_freq), d) / float(period)
    g2 = _gamma2_values(gamma2, xi, d)
    if dc_weight is None:
        dc_weight = 1e6 * _gamma2_values(gamma2, np.eye(d)[:1] / period, d)[0]
    n = x.shape[0]
    k = fourier_kernel(x, x, xi, g2, dc_weight)
    kt = fourier_kernel(xt, x, xi, g2, dc_weight)
    lam, q = np.linalg.eigh(k)
    lam = np.maximum(lam, 1e-300)
    qy = q.T @ y
    preds, resid = [], []
    for t in times:
        filt = -np.expm1(-t * lam / n)
        preds.append(kt @ (q @ (filt / lam * qy)))
        resid.append(float(np.linalg.norm(q @ (np.exp(-t * lam / n) * qy)) / max(np.linalg.norm(y), 1e-300)))
    limit = kt @ (q @ (qy / lam))
    return LFPDynamics(times, xt, np.asarray(preds), np.asarray(resid), limit)


def fp_generalization_bound(fp_norm_target: float, gamma2_sum: float, n: int, delta: float = 0.05,
                            c: float = 1.0, c_prime: float = 1.0) -> float:
    """A-priori estimate of the generalisation error of the min-FP-norm interpolant.

    RKHS-ball Rademacher form ``c‖f‖_γ sqrt(Σ_ξ γ²)/√n + c' sqrt(log(1/δ)/n)``; the constants c, c' of the paper are
    not verified (default 1).

    Args:
        fp_norm_target: ‖f‖_γ of the target.
        gamma2_sum: Σ_ξ γ(ξ)² (> 0).
        n: sample size (≥ 1).
        delta: failure probability in (0, 1).
        c: constant of the first term.
        c_prime: constant of the second term.

    Returns:
        The bound (a float).

    Raises:
        InputError: n < 1, δ outside (0, 1) or Σ γ² ≤ 0.

    Source: Zhang, Xu, Luo, Ma 2019 (arXiv 1905.10264), a-priori generalisation estimate (constants unverified).

    Example:
        >>> round(fp_generalization_bound(1.0, 4.0, 100, delta=math.exp(-1)), 6)      # 2/10 + 1/10
        0.3
    """
    if n < 1:
        raise InputError(f"sample size n must be ≥ 1, got {n}")
    if not (0 < delta < 1):
        raise InputError(f"delta must be in (0, 1), got {delta}")
    if gamma2_sum <= 0:
        raise InputError(f"Σ γ² must be > 0, got {gamma2_sum}")
    return c * fp_norm_target * math.sqrt(gamma2_sum) / math.sqrt(n) + c_prime * math.sqrt(math.log(1 / delta) / n)


# --------------------------------------------------------------------------------------------- empirical NTK
def empirical_relu_ntk(x1, x2, w: np.ndarray, b: np.ndarray, a: np.ndarray, terms: str = "full",
                       chunk: int = 20_000) -> np.ndarray:
    """Empirical NTK of h(x) = (1/√m) Σ_j a_j ReLU(w_j·x + b_j).

    ``terms="full"``: (1/m) Σ_j [σσ' + a_j²(1 + x·x')HH'] (σ the ReLU, H its derivative); ``terms="ab"`` drops the
    w-gradient's x·x' part (what LFP keeps). Features are processed ``chunk`` neurons at a time.

    Args:
        x1: (n1,) or (n1, d) points.
        x2: (n2,) or (n2, d) points.
        w: (m, d) input weights.
        b: (m,) biases.
        a: (m,) output weights.
        terms: "full" or "ab".
        chunk: neurons per block.

    Returns:
        (n1, n2) float64 kernel matrix.

    Raises:
        InputError: unknown ``terms``.

    Source: Jacot et al. 2018 (neural tangent kernel); Zhang et al. 2019 (arXiv 1905.10264) for the LFP part.

    Example:
        >>> w, b, a = np.array([[1.0]]), np.array([0.0]), np.array([2.0])
        >>> empirical_relu_ntk([1.0], [1.0, -1.0], w, b, a).tolist()      # 1·1 + 4·(1 + 1)·1 at x = x' = 1
        [[9.0, 0.0]]
    """
    if terms not in ("full", "ab"):
        raise InputError(f"terms must be 'full' or 'ab', got {terms!r}")
    x1 = np.asarray(x1, dtype=float)
    x2 = np.asarray(x2, dtype=float)
    x1 = x1[:, None] if x1.ndim == 1 else x1
    x2 = x2[:, None] if x2.ndim == 1 else x2
    m = w.shape[0]
    out = np.zeros((x1.shape[0], x2.shape[0]))
    for s in range(0, m, chunk):
        ws, bs, as_ = w[s:s + chunk], b[s:s + chunk], a[s:s + chunk]
        p1, p2 = x1 @ ws.T + bs, x2 @ ws.T + bs
        h1, h2 = (p1 > 0).astype(float), (p2 > 0).astype(float)
        out += np.maximum(p1, 0) @ np.maximum(p2, 0).T + (h1 * as_ ** 2) @ h2.T
        if terms == "full":
            out += (x1 @ x2.T) * ((h1 * as_ ** 2) @ h2.T)
    return out / m
