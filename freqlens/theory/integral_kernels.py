"""Kernel spectra and kernel gradient flow: when lower frequencies are (and are not) learned first.

* The periodic Mexican-hat kernel on the circle (after E, Ma & Wu 2019, arXiv 1912.12777): its
  eigenvalues ``λ_k = (π h² k²/2) e^{−h²k²/2}`` rise up to ``k* = √2/h`` and fall after, so kernel gradient flow
  follows the F-Principle order only for ``k ≥ k*``.
* Random-feature (ReLU) kernels on the circle next to their closed form (the first-order arc-cosine kernel).
* Gaussian RBF kernels on points of [0, 1] (Rahaman et al. A7): eigenvectors ordered by frequency.

Convention: on the circle θ ∈ [0, 2π), frequency k is the integer angular frequency of ``e^{ikθ}``.

Example:
    >>> lam = periodic_kernel_eigenvalues(np.arange(20), h=0.2)      # peaks at k = 7 ≈ √2/0.2
    >>> flow = periodic_kernel_flow(n=64, h=0.2, modes=[1, 2, 4, 7, 10, 14, 18])
    >>> bool(np.allclose(flow.rates / flow.eigenvalues, 1, atol=0.01))
    True
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import integrate

from freqlens.errors import InputError
from freqlens.results import Result
from freqlens.validation import check_positive

__all__ = [
    "periodic_mexican_hat", "periodic_kernel_eigenvalues", "periodic_kernel_peak", "periodic_kernel_matrix",
    "circulant_eigenvalues", "KernelFlowResult", "periodic_kernel_flow", "kernel_gradient_flow",
    "relu_arccos_kernel", "relu_random_feature_kernel", "relu_arccos_eigenvalues", "rbf_kernel_eigen",
    "sign_changes", "dominant_rfft_bin", "eigenbasis_spectrum", "binned_abs",
]


# ------------------------------------------------------------------------------------------- periodic kernel
def periodic_mexican_hat(phi, h: float, n_images: int = 6) -> np.ndarray:
    """The periodic Mexican-hat kernel κ(φ) = (√(2π)/(4h)) Σ_{|m| ≤ M} (1 − (φ − 2πm)²/h²) e^{−(φ − 2πm)²/(2h²)}.

    It is −∂² of a periodised Gaussian, so its operator on the circle has eigenvalues
    (π h² k²/2) e^{−h²k²/2} (:func:`periodic_kernel_eigenvalues`).

    Args:
        phi: angles φ in radians, any shape.
        h: kernel width in radians (> 0).
        n_images: M, periodic images summed on each side.

    Returns:
        float64 array shaped like ``phi``.

    Raises:
        InputError: h ≤ 0.

    Source: freqlens construction (Poisson summation) of a kernel with E, Ma, Wu's eigenvalue shape
        (E, Ma, Wu 2019, arXiv 1912.12777, as given to the project; the exact source is unconfirmed).

    Example:
        >>> round(float(periodic_mexican_hat(0.0, 0.5)), 6)     # √(2π)/(4·0.5) at φ = 0
        1.253314
    """
    check_positive(h, "kernel width h")
    phi = np.asarray(phi, dtype=float)
    out = np.zeros_like(phi)
    for m in range(-int(n_images), int(n_images) + 1):
        u = (phi - 2 * math.pi * m) ** 2 / h ** 2
        out += (1 - u) * np.exp(-u / 2)
    return math.sqrt(2 * math.pi) / (4 * h) * out


def periodic_kernel_eigenvalues(k, h: float) -> np.ndarray:
    """Closed-form eigenvalues λ_k = (π h² k²/2) e^{−h²k²/2} of the periodic Mexican-hat kernel operator.

    Args:
        k: integer angular frequencies on the circle, any shape.
        h: kernel width (> 0).

    Returns:
        float64 array shaped like ``k``; 0 at k = 0, maximal at k* = √2/h.

    Raises:
        InputError: h ≤ 0.

    Source: E, Ma, Wu 2019 (arXiv 1912.12777; eigenvalue shape as given to the project).

    Example:
        >>> int(np.argmax(periodic_kernel_eigenvalues(np.arange(20), h=0.2)))   # k* = √2/0.2 ≈ 7.07
        7
    """
    check_positive(h, "kernel width h")
    k = np.asarray(k, dtype=float)
    return math.pi * h ** 2 * k ** 2 / 2 * np.exp(-h ** 2 * k ** 2 / 2)


def periodic_kernel_peak(h: float) -> float:
    """The frequency k* = √2/h where λ_k peaks; λ decreases (F-Principle order) for k ≥ k* and increases below.

    Args:
        h: kernel width (> 0).

    Returns:
        k* (a float).

    Raises:
        InputError: h ≤ 0.

    Source: freqlens (dλ/dk = 0 of E, Ma, Wu's eigenvalue shape).

    Example:
        >>> round(periodic_kernel_peak(0.2), 4)
        7.0711
    """
    return math.sqrt(2) / check_positive(h, "kernel width h")


def periodic_kernel_matrix(n: int, h: float, n_images: int = 6) -> np.ndarray:
    """The discretised kernel operator K_ij = (2π/N) κ(θ_i − θ_j) on the grid θ_i = 2πi/N (circulant, symmetric).

    Args:
        n: N, grid points (≥ 4).
        h: kernel width (> 0).
        n_images: periodic images of :func:`periodic_mexican_hat`.

    Returns:
        (N, N) float64 array.

    Raises:
        InputError: N < 4 or h ≤ 0.

    Source: freqlens (Nyström discretisation on the uniform grid).

    Example:
        >>> K = periodic_kernel_matrix(64, 0.5)
        >>> ks, ev = circulant_eigenvalues(K[0])
        >>> bool(np.allclose(ev[:10], periodic_kernel_eigenvalues(ks[:10], 0.5), atol=1e-10))
        True
    """
    if int(n) < 4:
        raise InputError(f"grid size N must be ≥ 4, got {n}")
    theta = 2 * math.pi * np.arange(int(n)) / int(n)
    return 2 * math.pi / n * periodic_mexican_hat(theta[:, None] - theta[None, :], h, n_images)


def circulant_eigenvalues(first_row) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues of a symmetric circulant matrix from its first row: ``real(fft(row))``.

    Index j of the FFT is the eigenvalue of frequency min(j, N − j); the first N/2 + 1 are returned.

    Args:
        first_row: (N,) first row of the matrix.

    Returns:
        ``(frequencies, eigenvalues)``: (N//2 + 1,) integers 0 … N//2 and their float64 eigenvalues.

    Raises:
        Nothing: the row is not checked for symmetry.

    Source: standard (circulant matrices are diagonalised by the DFT).

    Example:
        >>> ks, ev = circulant_eigenvalues([2.0, -1.0, 0.0, -1.0])       # periodic second difference
        >>> ks.tolist(), ev.tolist()
        ([0, 1, 2], [0.0, 2.0, 4.0])
    """
    row = np.asarray(first_row, dtype=float).reshape(-1)
    n = row.size
    ev = np.real(np.fft.fft(row))
    ks = np.arange(n // 2 + 1)
    return ks, ev[ks]


@dataclass
class KernelFlowResult(Result):
    """Kernel gradient flow ∂_t f = −K(f − f*) measured per Fourier mode.

    Args:
        modes: the target's integer frequencies k_i.
        times: (T,) recording times.
        residuals: (T, M) ``|r̂_{k_i}(times[t])| / |r̂_{k_i}(0)|``.
        rates: (M,) fitted decay rate of each mode.
        eigenvalues: (M,) closed-form λ_{k_i}.
        frequencies: (N/2 + 1,) frequencies 0 … N/2.
        numeric_eigenvalues: eigenvalues of the kernel matrix at ``frequencies``.
        formula_eigenvalues: the closed form at ``frequencies``.
        h: kernel width.
        n: grid size N.
        method: "euler" or "exact".
        extra: free-form additions.

    Attributes:
        Those of Args; ``peak`` (k* = √2/h) and ``convergence_times(level)`` (−log(level)/rate per mode).

    Raises:
        Nothing at construction.

    Source: E, Ma, Wu 2019 (arXiv 1912.12777; kernel gradient flow converges mode k at rate λ_k).

    Example:
        >>> r = periodic_kernel_flow(n=32, h=0.5, modes=[1, 3], method="exact")
        >>> np.allclose(r.rates, r.eigenvalues, rtol=1e-6), round(r.peak, 3)
        (True, 2.828)
    """

    modes: list[int]
    times: np.ndarray
    residuals: np.ndarray
    rates: np.ndarray
    eigenvalues: np.ndarray
    frequencies: np.ndarray
    numeric_eigenvalues: np.ndarray
    formula_eigenvalues: np.ndarray
    h: float
    n: int
    method: str
    extra: dict = field(default_factory=dict)

    @property
    def peak(self) -> float:
        return periodic_kernel_peak(self.h)

    def convergence_times(self, level: float = math.exp(-1)) -> np.ndarray:
        """Time for each mode's residual to fall to ``level`` of its start, from the measured rate: −log(level)/r."""
        return -math.log(level) / np.asarray(self.rates)

    def plot(self, ax=None):
        from freqlens.plot.integral_kernels import plot_kernel_flow

        return plot_kernel_flow(self, ax=ax)


def periodic_kernel_flow(n: int = 256, h: float = 0.2, modes: Sequence[int] = (1, 2, 4, 7, 10, 14, 18),
                         total_time: float | None = None, method: str = "euler", dt: float | None = None,
                         n_records: int = 60, n_images: int = 6) -> KernelFlowResult:
    """Kernel gradient flow on the periodic Mexican-hat kernel with target f* = Σ_{k∈modes} cos(kθ), from f_0 = 0.

    Rates are −log(|r̂_k(T)|/|r̂_k(0)|)/T from the DFT of the residual.

    Args:
        n: N, grid points on the circle (≥ 8).
        h: kernel width (> 0).
        modes: target frequencies, each in [1, N/2).
        total_time: T (default 3/max λ_k).
        method: "euler" (f ← f − dt K (f − f*), dt = 0.01/λ_max, rates biased by ≈ dt·λ/2 ≤ 0.5 %) or "exact" (the
            exponential, diagonalised by FFT).
        dt: Euler step (default 0.01/λ_max, adjusted to divide T).
        n_records: number of recorded times.
        n_images: periodic images of the kernel.

    Returns:
        A :class:`KernelFlowResult`.

    Raises:
        InputError: N < 8, a mode outside [1, N/2), an unknown method or h ≤ 0.

    Source: E, Ma, Wu 2019 (arXiv 1912.12777); freqlens for the experiment.

    Example:
        >>> r = periodic_kernel_flow(n=32, h=0.5, modes=[1, 3, 8], method="exact")
        >>> [int(k) for k in np.argsort(-r.rates)]          # mode 3 (near k* = 2.8) fastest, 8 slowest
        [1, 0, 2]
    """
    n = int(n)
    if n < 8:
        raise InputError(f"grid size N must be ≥ 8, got {n}")
    modes = [int(k) for k in modes]
    for k in modes:
        if k < 1 or k >= n / 2:
            raise InputError(f"mode {k} must be in [1, N/2) = [1, {n / 2:g}) for the {n}-point circle grid")
    if method not in ("euler", "exact"):
        raise InputError(f"method must be 'euler' or 'exact', got {method!r}")
    kmat = periodic_kernel_matrix(n, h, n_images)
    freqs, numeric = circulant_eigenvalues(kmat[0])
    formula = periodic_kernel_eigenvalues(freqs, h)
    lam = periodic_kernel_eigenvalues(modes, h)
    total_time = 3.0 / float(lam.max()) if total_time is None else float(total_time)
    theta = 2 * math.pi * np.arange(n) / n
    target = np.sum([np.cos(k * theta) for k in modes], axis=0)
    r0 = np.abs(np.fft.fft(-target)[modes])
    rec_times = np.linspace(0, total_time, int(n_records))
    residuals = np.zeros((len(rec_times), len(modes)))
    if method == "exact":
        ev_full = np.real(np.fft.fft(kmat[0]))
        r_hat0 = np.fft.fft(-target)
        for t_i, t in enumerate(rec_times):
            residuals[t_i] = np.abs((r_hat0 * np.exp(-t * ev_full))[modes]) / r0
    else:
        step = 0.01 / float(np.abs(numeric).max()) if dt is None else float(dt)
        f = np.zeros(n)
        t = 0.0
        rec = 0
        n_steps = int(math.ceil(total_time / step))
        step = total_time / n_steps
        record_at = np.round(rec_times / step).astype(int)
        for s in range(n_steps + 1):
            while rec < len(record_at) and record_at[rec] == s:
                residuals[rec] = np.abs(np.fft.fft(f - target)[modes]) / r0
                rec += 1
            if s < n_steps:
                f = f - step * kmat @ (f - target)
                t += step
    rates = -np.log(np.maximum(residuals[-1], 1e-300)) / total_time
    return KernelFlowResult(modes, rec_times, residuals, rates, lam, freqs, numeric, formula, float(h), n, method)


def kernel_gradient_flow(kernel: np.ndarray, target: np.ndarray,
                         times: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact kernel gradient flow ∂_t f = −K(f − f*) from f = 0 for any symmetric PSD kernel matrix.

    Args:
        kernel: (N, N) symmetric PSD matrix (symmetrised before use).
        target: (N,) values of f*.
        times: T times.

    Returns:
        ``(eigenvalues, eigenvectors, residual)``: (N,) eigenvalues in decreasing order, (N, N) eigenvectors as
        columns, and (T, N) ``residual[t, m] = v_mᵀ(f(t) − f*) = −e^{−λ_m t} v_mᵀ f*`` (negative eigenvalues are
        clipped to 0 in the exponent).

    Raises:
        InputError: a kernel that is not square 2-D.

    Source: standard linear ODE solution; the NTK / kernel-regime view of the F-Principle.

    Example:
        >>> lam, v, res = kernel_gradient_flow(np.diag([2.0, 1.0]), np.array([1.0, 1.0]), [0.0, 1.0])
        >>> lam.tolist(), np.round(-res[1], 4).tolist()
        ([2.0, 1.0], [0.1353, 0.3679])
    """
    k = np.asarray(kernel, dtype=float)
    if k.ndim != 2 or k.shape[0] != k.shape[1]:
        raise InputError(f"kernel has shape {k.shape}; expected a square (N, N) matrix")
    lam, v = np.linalg.eigh((k + k.T) / 2)
    lam, v = lam[::-1], v[:, ::-1]
    c = v.T @ np.asarray(target, dtype=float).reshape(-1)
    times = np.asarray(times, dtype=float)
    return lam, v, -np.exp(-np.outer(times, np.maximum(lam, 0))) * c


# --------------------------------------------------------------------------------------- random-feature kernels
def relu_arccos_kernel(phi) -> np.ndarray:
    """E_w[ReLU(w·x) ReLU(w·x')] for unit vectors x, x' at angle φ and w ~ N(0, I₂).

    Equals (sin α + (π − α) cos α)/(2π) with α = |φ| wrapped to [0, π]: half Cho & Saul's first-order arc-cosine
    kernel.

    Args:
        phi: angles in radians, any shape.

    Returns:
        float64 array shaped like ``phi``; 1/2 at φ = 0, 0 at φ = π.

    Raises:
        Nothing.

    Source: Cho & Saul 2009, "Kernel methods for deep learning", arc-cosine kernel of degree 1.

    Example:
        >>> relu_arccos_kernel([0.0, np.pi]).round(6).tolist()
        [0.5, 0.0]
    """
    phi = np.asarray(phi, dtype=float)
    alpha = np.abs((phi + math.pi) % (2 * math.pi) - math.pi)
    return (np.sin(alpha) + (math.pi - alpha) * np.cos(alpha)) / (2 * math.pi)


def relu_arccos_eigenvalues(k) -> np.ndarray:
    """Eigenvalues λ_k = ∫_{−π}^{π} κ(φ) cos(kφ) dφ of the arc-cosine operator on the circle.

    Computed by quadrature of the closed-form kernel (exact to ~1e-12). Odd k ≥ 3 give 0; even k decay like k⁻⁴.

    Args:
        k: integer frequencies, scalar or 1-D.

    Returns:
        (K,) float64 array.

    Raises:
        Nothing of its own.

    Source: Cho & Saul 2009 (arc-cosine kernel); Basri et al. 2019 / Rahaman et al. 2019 (its spectrum on the
        circle decays polynomially).

    Example:
        >>> ev = relu_arccos_eigenvalues([0, 1, 2, 3])
        >>> bool(ev[0] > ev[1] > ev[2] > 0), abs(float(ev[3])) < 1e-10
        (True, True)
    """
    out = []
    for kk in np.atleast_1d(np.asarray(k, dtype=int)):
        val, _ = integrate.quad(lambda p, kk=kk: relu_arccos_kernel(p) * math.cos(kk * p), 0, math.pi, limit=200,
                                epsabs=1e-13, epsrel=1e-12)
        out.append(2 * val)
    return np.asarray(out)


def relu_random_feature_kernel(n: int, n_features: int, seed: int = 0) -> np.ndarray:
    """Random-feature Gram matrix (2π/N)(1/m) Σ_j ReLU(w_j·x_i) ReLU(w_j·x_l) on N points of the unit circle.

    w_j ~ N(0, I₂) from ``numpy.random.default_rng(seed)``; its eigenvalues approach :func:`relu_arccos_eigenvalues`
    as m grows.

    Args:
        n: N, points θ_i = 2πi/N (≥ 4).
        n_features: m (≥ 1).
        seed: generator seed.

    Returns:
        (N, N) float64 array.

    Raises:
        InputError: N < 4 or m < 1.

    Source: Rahimi & Recht 2007 (random features); freqlens for the circle experiment.

    Example:
        >>> K = relu_random_feature_kernel(16, 4000)
        >>> ks, ev = circulant_eigenvalues(relu_arccos_kernel(2 * np.pi * np.arange(16) / 16) * 2 * np.pi / 16)
        >>> bool(abs(np.linalg.eigvalsh(K)[-1] - ev[0]) < 0.1 * ev[0])
        True
    """
    if int(n_features) < 1 or int(n) < 4:
        raise InputError(f"need n ≥ 4 points and n_features ≥ 1, got {n}, {n_features}")
    rng = np.random.default_rng(seed)
    theta = 2 * math.pi * np.arange(int(n)) / int(n)
    x = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    w = rng.normal(size=(int(n_features), 2))
    feats = np.maximum(x @ w.T, 0)
    return 2 * math.pi / n * feats @ feats.T / n_features


# ----------------------------------------------------------------------------------------------- RBF kernels
def rbf_kernel_eigen(x, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Eigenpairs of the Gaussian kernel K_ij = exp(−‖x_i − x_j‖²/(2σ²)), sorted by decreasing eigenvalue.

    Args:
        x: (N,) or (N, d) points.
        sigma: kernel width in the units of x (> 0).

    Returns:
        ``(eigenvalues, eigenvectors)``: (N,) decreasing, and (N, N) with eigenvectors as columns.

    Raises:
        InputError: σ ≤ 0.

    Source: Rahaman et al. 2019, "On the spectral bias of neural networks" (kernel eigenvectors ordered by
        frequency).

    Example:
        >>> lam, v = rbf_kernel_eigen(np.linspace(0, 1, 50), 0.1)
        >>> bool(lam[0] >= lam[1] >= lam[-1]), sign_changes(v[:, 0]), sign_changes(v[:, 3])
        (True, 0, 3)
    """
    check_positive(sigma, "sigma")
    x = np.asarray(x, dtype=float)
    x = x[:, None] if x.ndim == 1 else x
    sq = np.sum(x ** 2, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0)
    lam, v = np.linalg.eigh(np.exp(-d2 / (2 * sigma ** 2)))
    return lam[::-1].copy(), v[:, ::-1].copy()


def sign_changes(v: np.ndarray, rel_tol: float = 1e-9) -> int:
    """Number of sign changes of a vector, ignoring entries below ``rel_tol·max|v|``.

    Args:
        v: (N,) vector.
        rel_tol: entries with |v_i| ≤ rel_tol·max|v| are skipped.

    Returns:
        The count (an int).

    Raises:
        ValueError: from NumPy for an empty vector.

    Source: freqlens (a frequency proxy for kernel eigenvectors).

    Example:
        >>> sign_changes(np.array([1.0, -1.0, 1e-12, -2.0, 3.0]))
        2
    """
    v = np.asarray(v, dtype=float)
    s = np.sign(v[np.abs(v) > rel_tol * np.abs(v).max()])
    return int(np.sum(s[1:] != s[:-1]))


def dominant_rfft_bin(v: np.ndarray) -> int:
    """Index of the largest |rfft(v)| bin, in cycles per sequence length.

    Args:
        v: (N,) real vector.

    Returns:
        The bin index (an int in 0 … N//2).

    Raises:
        Nothing of its own.

    Source: freqlens.

    Example:
        >>> dominant_rfft_bin(np.cos(2 * np.pi * 3 * np.arange(32) / 32))
        3
    """
    return int(np.argmax(np.abs(np.fft.rfft(np.asarray(v, dtype=float)))))


def eigenbasis_spectrum(eigenvectors: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Coefficients c = Vᵀ f of one or several functions in a kernel eigenbasis.

    Args:
        eigenvectors: (N, N) matrix V with eigenvectors as columns.
        values: (N,) function values or (N, T) several functions.

    Returns:
        (N,) or (N, T) coefficients.

    Raises:
        ValueError: from NumPy on mismatched shapes.

    Source: Rahaman et al. 2019 (projections on kernel eigenfunctions).

    Example:
        >>> eigenbasis_spectrum(np.eye(2), np.array([3.0, 4.0])).tolist()
        [3.0, 4.0]
    """
    return np.asarray(eigenvectors).T @ np.asarray(values)


def binned_abs(coefficients: np.ndarray, bin_size: int = 20) -> np.ndarray:
    """|c| averaged in consecutive bins of ``bin_size`` indices along the first axis; a trailing partial bin is dropped.

    Args:
        coefficients: (N, ...) coefficients.
        bin_size: indices per bin.

    Returns:
        (N // bin_size, ...) float array.

    Raises:
        InputError: N < bin_size.

    Source: freqlens.

    Example:
        >>> binned_abs(np.array([1.0, -3.0, 2.0, 2.0, 5.0]), bin_size=2).tolist()
        [2.0, 2.0]
    """
    c = np.abs(np.asarray(coefficients))
    nb = c.shape[0] // int(bin_size)
    if nb < 1:
        raise InputError(f"{c.shape[0]} coefficients are fewer than one bin of {bin_size}")
    return c[: nb * bin_size].reshape(nb, bin_size, *c.shape[1:]).mean(axis=1)
