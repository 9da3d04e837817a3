"""Why low frequencies come first: gradients of the per-frequency loss for a one-hidden-layer tanh network
(Xu et al., "Training behavior of deep neural network in frequency domain", idealised setting).

Network h(x) = Σ_j a_j tanh(w_j x + b_j), x ∈ R; angular Fourier transform F[f](k) = ∫ f(x) e^{−ikx} dx.
For k > 0:  F[tanh(w·+b)](k) = −iπ e^{ikb/w} / (w sinh(πk/(2w))),  so every parameter gradient of the
frequency-k loss L(k) = |ĥ(k) − f̂(k)|² carries the factor 1/|sinh(πk/(2w))| ≈ 2 e^{−πk/(2|w|)}: for small
weights the gradient contributed by frequency k decays exponentially in k.

All magnitudes are computed in log space (1/sinh underflows for |w| ≲ 0.05 and a naive implementation then
reports a spurious fall of the dominance fraction as the ball shrinks).
"""
from __future__ import annotations

import math

import torch

from freqlens.errors import InputError


def log_inverse_sinh_scale(k: float, w: torch.Tensor) -> torch.Tensor:
    """log(1 / (|w| sinh(πk/(2|w|)))) for k > 0, stable for tiny |w|. Shape: same as w."""
    if k <= 0:
        raise InputError(f"frequency k must be > 0, got {k}")
    aw = w.abs().clamp_min(1e-300)
    z = math.pi * k / (2 * aw)
    return -torch.log(aw) + math.log(2.0) - z - torch.log1p(-torch.exp(-2 * z))


def tanh_loss_gradients(k: float, a: torch.Tensor, w: torch.Tensor, b: torch.Tensor, f_hat: complex = 1.0
                        ) -> torch.Tensor:
    """log |∂L(k)/∂θ| for every parameter θ ∈ {a_j, w_j, b_j} of h = Σ a_j tanh(w_j x + b_j).

    Shapes: a, w, b (S, m) float64 (S parameter samples of m neurons) → (S, 3, m): rows a, w, b.
    ``f_hat`` is the target's Fourier coefficient at k. A gradient that is exactly zero gives −inf.
    """
    a, w, b = (t.to(torch.float64) for t in (a, w, b))
    log_m = log_inverse_sinh_scale(k, w)                         # log(1/(|w| sinh(πk/2|w|)))
    # F_j = −iπ e^{ikb/w} · M_j · sign(w)·sign(w)  (w sinh(πk/2w) = |w| sinh(πk/2|w|) > 0 for k > 0)
    phase = torch.exp(1j * k * b / w)
    unit_f = -1j * math.pi * phase                                # F_j / M_j
    h_hat = (a * unit_f * torch.exp(log_m)).sum(dim=1, keepdim=True)  # tiny terms underflow harmlessly
    resid = h_hat - f_hat
    z = math.pi * k / (2 * w)
    coth = 1 / torch.tanh(z)
    g_a = torch.ones_like(a, dtype=torch.complex128)
    g_b = a * (1j * k / w)
    g_w = a * (-1j * k * b / w**2 - 1 / w + (math.pi * k / (2 * w**2)) * coth)
    out = []
    for g in (g_a, g_w, g_b):
        p = 2 * (resid.conj() * unit_f * g).real
        out.append(torch.log(p.abs()) + log_m)
    return torch.stack(out, dim=1)


def sample_ball(samples: int, dim: int, radius: float, generator: torch.Generator) -> torch.Tensor:
    """Uniform samples (samples, dim) in the Euclidean ball of ``radius`` around 0."""
    d = torch.randn(samples, dim, generator=generator, dtype=torch.float64)
    d = d / d.norm(dim=1, keepdim=True)
    r = radius * torch.rand(samples, 1, generator=generator, dtype=torch.float64) ** (1.0 / dim)
    return d * r


def low_frequency_dominance(k_low: float, k_high: float, radius: float, neurons: int = 10, samples: int = 3000,
                            seed: int = 0) -> float:
    """Fraction of parameters θ uniform in the ball B_radius ⊂ R^{3m} for which *every* partial derivative
    satisfies |∂L(k_low)/∂θ| > |∂L(k_high)/∂θ| (f̂ = 1 at both frequencies). The theorem says → 1 as radius → 0.

    Example::

        >>> low_frequency_dominance(1, 3, radius=0.5)   # ≈ 1.0
    """
    if not 0 < k_low < k_high:
        raise InputError(f"need 0 < k_low < k_high, got {k_low}, {k_high}")
    if radius <= 0:
        raise InputError(f"radius must be > 0, got {radius}")
    g = torch.Generator().manual_seed(seed)
    theta = sample_ball(samples, 3 * neurons, radius, g)
    a, w, b = theta[:, :neurons], theta[:, neurons:2 * neurons], theta[:, 2 * neurons:]
    lo = tanh_loss_gradients(k_low, a, w, b)
    hi = tanh_loss_gradients(k_high, a, w, b)
    return float((lo > hi).flatten(1).all(dim=1).double().mean())


def gradient_decay_slope(scale: float, neurons: int = 20, ks=range(1, 11), fit_from: int = 5, seed: int = 0
                         ) -> tuple[float, float]:
    """(measured, predicted) slope of log ‖∇_θ L(k)‖ against k for a, w, b ~ N(0, scale²); fitted on
    k ≥ ``fit_from``; predicted −π/(2 max_j |w_j|)."""
    g = torch.Generator().manual_seed(seed)
    a, w, b = (torch.randn(1, neurons, generator=g, dtype=torch.float64) * scale for _ in range(3))
    ks = [float(k) for k in ks]
    logs = [float(torch.logsumexp(2 * tanh_loss_gradients(k, a, w, b).flatten(), 0) / 2) for k in ks]
    sel = [(k, v) for k, v in zip(ks, logs) if k >= fit_from]
    kk = torch.tensor([s[0] for s in sel], dtype=torch.float64)
    vv = torch.tensor([s[1] for s in sel], dtype=torch.float64)
    slope = float(((kk - kk.mean()) * (vv - vv.mean())).sum() / ((kk - kk.mean()) ** 2).sum())
    return slope, -math.pi / (2 * float(w.abs().max()))
