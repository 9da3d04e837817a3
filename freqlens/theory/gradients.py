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
from collections.abc import Sequence

import torch

from freqlens.errors import InputError


def log_inverse_sinh_scale(k: float, w: torch.Tensor) -> torch.Tensor:
    """log(1 / (|w| sinh(πk/(2|w|)))) for k > 0, stable for tiny |w| (where 1/sinh underflows).

    Args:
        k: angular frequency (> 0).
        w: tensor of input weights, any shape.

    Returns:
        Tensor of the same shape; ≈ log 2 − log|w| − πk/(2|w|) for small |w|.

    Raises:
        InputError: k ≤ 0.

    Source: Xu et al. 2019, "Training behavior of deep neural network in frequency domain" (arXiv 1807.01251),
        idealised setting: the Fourier transform of tanh(w x + b) carries 1/sinh(πk/(2w)).

    Example:
        >>> w = torch.tensor([0.5, 1e-3], dtype=torch.float64)
        >>> v = log_inverse_sinh_scale(1.0, w)
        >>> round(float(v[0]), 6) == round(-math.log(0.5 * math.sinh(math.pi)), 6), bool(v[1] < -1500)
        (True, True)
    """
    if k <= 0:
        raise InputError(f"frequency k must be > 0, got {k}")
    aw = w.abs().clamp_min(1e-300)
    z = math.pi * k / (2 * aw)
    return -torch.log(aw) + math.log(2.0) - z - torch.log1p(-torch.exp(-2 * z))


def tanh_loss_gradients(k: float, a: torch.Tensor, w: torch.Tensor, b: torch.Tensor, f_hat: complex = 1.0
                        ) -> torch.Tensor:
    """log |∂L(k)/∂θ| for every parameter θ ∈ {a_j, w_j, b_j} of h(x) = Σ_j a_j tanh(w_j x + b_j).

    L(k) = |ĥ(k) − f̂(k)|² is the loss at angular frequency k (module docstring).

    Args:
        k: angular frequency (> 0).
        a: (S, m) output weights (S parameter samples of m neurons).
        w: (S, m) input weights (non-zero).
        b: (S, m) biases.
        f_hat: the target's Fourier coefficient at k.

    Returns:
        (S, 3, m) float64 tensor, rows a, w, b; an exactly zero gradient gives −inf.

    Raises:
        InputError: k ≤ 0.

    Source: Xu et al. 2019 (arXiv 1807.01251 / 1901.06523), idealised setting: every gradient of L(k) carries the
        factor 1/|sinh(πk/(2w))|.

    Example:
        >>> a = w = b = torch.full((1, 2), 0.1, dtype=torch.float64)
        >>> g1, g3 = tanh_loss_gradients(1.0, a, w, b), tanh_loss_gradients(3.0, a, w, b)
        >>> g1.shape, bool((g1 > g3).all())                # the low frequency dominates for small weights
        (torch.Size([1, 3, 2]), True)
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
    """Uniform samples in the Euclidean ball of ``radius`` around 0 (direction ~ N(0, I)/‖·‖, radius ~ U^{1/dim}).

    Args:
        samples: number of points.
        dim: dimension.
        radius: ball radius (> 0).
        generator: torch random generator.

    Returns:
        (samples, dim) float64 tensor.

    Raises:
        Nothing: arguments are not checked.

    Source: standard; used for Xu et al. 2019's small-ball statement (arXiv 1807.01251).

    Example:
        >>> x = sample_ball(100, 3, 0.5, torch.Generator().manual_seed(0))
        >>> x.shape, bool(x.norm(dim=1).max() <= 0.5)
        (torch.Size([100, 3]), True)
    """
    d = torch.randn(samples, dim, generator=generator, dtype=torch.float64)
    d = d / d.norm(dim=1, keepdim=True)
    r = radius * torch.rand(samples, 1, generator=generator, dtype=torch.float64) ** (1.0 / dim)
    return d * r


def low_frequency_dominance(k_low: float, k_high: float, radius: float, neurons: int = 10, samples: int = 3000,
                            seed: int = 0) -> float:
    """Fraction of parameters θ uniform in the ball B_radius ⊂ R^{3m} where the low frequency dominates every gradient.

    Dominance means |∂L(k_low)/∂θ_i| > |∂L(k_high)/∂θ_i| for *every* coordinate i (f̂ = 1 at both frequencies).
    The theorem says the fraction → 1 as radius → 0.

    Args:
        k_low: the low angular frequency (> 0).
        k_high: the high angular frequency (> k_low).
        radius: radius of the parameter ball (> 0).
        neurons: m, hidden neurons.
        samples: Monte-Carlo samples of θ.
        seed: generator seed (deterministic result).

    Returns:
        A fraction in [0, 1].

    Raises:
        InputError: unless 0 < k_low < k_high and radius > 0.

    Source: Xu et al. 2019, "Training behavior of deep neural network in frequency domain" (arXiv 1807.01251),
        the idealised-setting theorem.

    Example:
        >>> low_frequency_dominance(1, 3, radius=0.05, samples=200)
        1.0
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
    """Measured and predicted slope of log ‖∇_θ L(k)‖ against k for a, w, b ~ N(0, scale²).

    Args:
        scale: standard deviation of every parameter.
        neurons: m.
        ks: angular frequencies k.
        fit_from: the slope is fitted on k ≥ ``fit_from``.
        seed: generator seed.

    Returns:
        ``(measured, predicted)``; predicted = −π/(2 max_j |w_j|), from the factor e^{−πk/(2|w|)}.

    Raises:
        ZeroDivisionError: fewer than two frequencies ≥ ``fit_from``.

    Source: Xu et al. 2019 (arXiv 1807.01251), idealised setting (exponential decay of the gradient in k).

    Example:
        >>> measured, predicted = gradient_decay_slope(0.1)
        >>> bool(abs(measured / predicted - 1) < 0.1)
        True
    """
    g = torch.Generator().manual_seed(seed)
    a, w, b = (torch.randn(1, neurons, generator=g, dtype=torch.float64) * scale for _ in range(3))
    ks = [float(k) for k in ks]
    logs = [float(torch.logsumexp(2 * tanh_loss_gradients(k, a, w, b).flatten(), 0) / 2) for k in ks]
    sel = [(k, v) for k, v in zip(ks, logs) if k >= fit_from]
    kk = torch.tensor([s[0] for s in sel], dtype=torch.float64)
    vv = torch.tensor([s[1] for s in sel], dtype=torch.float64)
    slope = float(((kk - kk.mean()) * (vv - vv.mean())).sum() / ((kk - kk.mean()) ** 2).sum())
    return slope, -math.pi / (2 * float(w.abs().max()))


def two_band_target(n: int = 256, low_bins: Sequence[int] = (1, 2, 3, 4),
                    high_bins: Sequence[int] = tuple(range(20, 41)),
                    seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Spec B2 target on the periodic grid x_i = −π + 2πi/n: cosines at DFT bins ``low_bins`` (amplitude 1) and
    ``high_bins`` (one common amplitude giving the high band the same energy as the low band), random phases.

    Args:
        n: grid size; low_bins, high_bins: DFT bins (angular frequency j on [−π, π)), all < n/2.
        seed: seed of the phases.

    Returns:
        ``(x, f)``: x of shape (n, 1) and f of shape (n,), float64.

    Raises:
        InputError: on an empty band or a bin ≥ n/2.

    Source:
        Luo, Ma, Xu, Zhang 2019, "Theory of the frequency principle for general deep neural networks"
        (arXiv 1906.09235); the two-band protocol is freqlens's.

    Example:
        >>> x, f = two_band_target(64, (1, 2), (10, 11), seed=0)
        >>> x.shape, f.shape
        (torch.Size([64, 1]), torch.Size([64]))
    """
    if not low_bins or not high_bins or max(*low_bins, *high_bins) >= n / 2 or min(*low_bins, *high_bins) < 1:
        raise InputError(f"bands must be non-empty with bins in [1, n/2) for n = {n}, got {low_bins}, {high_bins}")
    g = torch.Generator().manual_seed(seed)
    x = (-math.pi + 2 * math.pi * torch.arange(n, dtype=torch.float64) / n)[:, None]
    amp_high = math.sqrt(len(low_bins) / len(high_bins))
    f = torch.zeros(n, dtype=torch.float64)
    for bins, amp in ((low_bins, 1.0), (high_bins, amp_high)):
        for j in bins:
            phase = 2 * math.pi * float(torch.rand(1, generator=g, dtype=torch.float64))
            f = f + amp * torch.cos(j * x[:, 0] + phase)
    return x, f


def band_gradient_ratio(model: torch.nn.Module, x: torch.Tensor, target: torch.Tensor, cutoff: int = 10,
                        window: str | None = "hann") -> float:
    """‖∇_θ L⁺‖ / ‖∇_θ L⁻‖ for a real network, by autograd: L⁻ and L⁺ are the energies of the DFT of the
    residual h(x) − f(x) at bins |j| ≤ ``cutoff`` and above (Parseval: L⁻ + L⁺ = mean squared residual).

    With ``window="hann"`` the residual is multiplied by sin²(πi/n) first: a network's output is not periodic on
    the grid, and without a window its jump at the boundary leaks a k⁻¹ tail into every bin.

    Args:
        model: maps (n, 1) inputs to (n, 1) outputs; every parameter with ``requires_grad`` counts.
        x: (n, 1) uniform grid; target: (n,) values f(x).
        cutoff: last DFT bin of the low band.
        window: "hann" or None.

    Returns:
        The ratio (a float ≥ 0); small means the low-frequency loss dominates the gradient.

    Raises:
        InputError: on mismatched shapes, an unknown window or a zero low-band gradient.

    Source:
        Luo, Ma, Xu, Zhang 2019 (arXiv 1906.09235), initial stage of training (low-frequency loss dominates).

    Example:
        >>> from freqlens.models import MLP
        >>> _ = torch.manual_seed(0)
        >>> x, f = two_band_target(64, (1, 2), (10, 11))
        >>> band_gradient_ratio(MLP(1, 1, width=8, depth=1, activation="tanh", init_scale=0.05).double(),
        ...                     x, f, cutoff=5) < 1e-3
        True
    """
    n = x.shape[0]
    if target.shape != (n,):
        raise InputError(f"target must have shape ({n},) like x's first axis, got {tuple(target.shape)}")
    if window not in ("hann", None):
        raise InputError(f"window must be 'hann' or None, got {window!r}")
    params = [p for p in model.parameters() if p.requires_grad]
    r = model(x).reshape(n) - target.to(x)
    if window == "hann":
        r = r * torch.sin(math.pi * torch.arange(n, dtype=r.dtype, device=r.device) / n) ** 2
    power = (torch.fft.fft(r) / n).abs() ** 2
    bins = torch.fft.fftfreq(n, d=1.0 / n, device=r.device).abs()
    low, high = power[bins <= cutoff].sum(), power[bins > cutoff].sum()
    g_low = torch.autograd.grad(low, params, retain_graph=True)
    g_high = torch.autograd.grad(high, params)
    n_low = torch.sqrt(sum((g ** 2).sum() for g in g_low))
    n_high = torch.sqrt(sum((g ** 2).sum() for g in g_high))
    if float(n_low) == 0.0:
        raise InputError("the low-band gradient is zero; the ratio is undefined")
    return float(n_high / n_low)
