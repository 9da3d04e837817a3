"""A trained random-feature model on the circle whose kernel spectrum rises then falls (E, Ma, Wu view of the
F-Principle).

The model is f(θ) = (1/√M) Σ_j a_j ψ(θ − c_j) with random centres c_j ~ U[0, 2π) (frozen) and trainable output
weights a_j (initialised at 0), trained by gradient descent on the mean squared error over an N-point grid. Its
tangent kernel tends, as M grows, to the circulant kernel with eigenvalues ∝ |ψ̂_k|², so each Fourier mode of the
residual decays at a rate set by |ψ̂_k|²:

* ``feature="dgauss"``: ψ = derivative of the periodised Gaussian exp(−φ²/h²), |ψ̂_k|² ∝ k² exp(−h²k²/2) — the
  λ_k = (πh²k²/2) e^{−h²k²/2} shape, rising for k < k* = √2/h and falling after it;
* ``feature="gauss"``: ψ = the periodised Gaussian itself, |ψ̂_k|² ∝ exp(−h²k²/2), falling for every k (no
  reversed regime): the null of the regime test.

The convergence times are measured on the trained model (DFT of its residual), not read off the formula.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from freqlens.errors import InputError
from freqlens.results import Result


def circle_feature(phi: torch.Tensor, h: float, feature: str = "dgauss", n_images: int = 4) -> torch.Tensor:
    """ψ(φ) on the circle (periodised over ``n_images`` copies each side).

    Args:
        phi: angles (any shape), radians.
        h: width; the Gaussian is exp(−φ²/h²) (variance h²/2).
        feature: "dgauss" (−d/dφ of the Gaussian) or "gauss".
        n_images: images per side in the periodisation.

    Returns:
        A tensor shaped like ``phi``.

    Raises:
        InputError: on h ≤ 0 or an unknown feature.

    Source:
        freqlens (construction for E, Ma, Wu's eigenvalue shape).

    Example:
        >>> round(float(circle_feature(torch.tensor([0.0]), 0.5)), 6)
        0.0
    """
    if h <= 0:
        raise InputError(f"width h must be > 0, got {h}")
    if feature not in ("dgauss", "gauss"):
        raise InputError(f"feature must be 'dgauss' or 'gauss', got {feature!r}")
    out = torch.zeros_like(phi)
    for m in range(-n_images, n_images + 1):
        p = phi - 2 * math.pi * m
        g = torch.exp(-(p ** 2) / h ** 2)
        out = out + (2 * p / h ** 2 * g if feature == "dgauss" else g)
    return out


class RandomFeatureCircle(nn.Module):
    """f(θ) = (1/√M) Σ_j a_j ψ(θ − c_j): frozen random centres, trainable output weights (zero at start).

    Args:
        n_features: M; h: feature width; feature: "dgauss" or "gauss"; seed: seed of the centres.

    Returns:
        A module mapping (N, 1) angles to (N, 1) outputs.

    Raises:
        InputError: on M < 1 (and bad h / feature, see :func:`circle_feature`).

    Source:
        freqlens.

    Example:
        >>> net = RandomFeatureCircle(100, 0.5, seed=0)
        >>> net(torch.zeros(3, 1)).abs().sum().item()
        0.0
    """

    def __init__(self, n_features: int, h: float, feature: str = "dgauss", seed: int = 0):
        super().__init__()
        if n_features < 1:
            raise InputError(f"n_features must be ≥ 1, got {n_features}")
        circle_feature(torch.zeros(1), h, feature)  # validates h and feature
        g = torch.Generator().manual_seed(seed)
        self.register_buffer("centres", torch.rand(n_features, generator=g, dtype=torch.float64) * 2 * math.pi)
        self.a = nn.Parameter(torch.zeros(n_features, dtype=torch.float64))
        self.h, self.feature = float(h), feature

    def features(self, theta: torch.Tensor) -> torch.Tensor:
        """(N, M) feature matrix ψ(θ_i − c_j)/√M."""
        phi = theta.reshape(-1, 1).to(self.centres) - self.centres[None, :]
        return circle_feature(phi, self.h, self.feature) / math.sqrt(self.centres.numel())

    def forward(self, theta: torch.Tensor) -> torch.Tensor:
        return (self.features(theta) @ self.a)[:, None]


@dataclass
class RandomFeatureTraining(Result):
    """Per-mode residuals of a trained :class:`RandomFeatureCircle` over gradient-descent steps.

    Args:
        modes: (K,) target frequencies k_i.
        steps: (T,) recorded steps.
        residuals: (T, K) ``|r̂_{k_i}(steps[t])| / |r̂_{k_i}(0)|``.
        times: (K,) first step at which each residual falls below e^{−1} (inf if never).
        kernel_eigenvalues: (K,) eigenvalue of the model's empirical tangent kernel at mode k_i (Rayleigh quotient
            of cos(kθ)).
        h: feature width.
        feature: "dgauss" or "gauss".
        n_features: M.
        lr: the gradient-descent step size.
        extra: free-form additions.

    Attributes:
        peak: k* = √2/h, where k² e^{−h²k²/2} is largest.
        regime_orders(): whether the times decrease in k below k* (reversed order) and increase above
            (F-Principle order), each needing two modes on its side.

    Raises:
        Nothing at construction.

    Source: E, Ma, Wu 2019/2020 (random-feature view of the F-Principle; which of their papers states the eigenvalue
        shape is unconfirmed).

    Example:
        >>> r = RandomFeatureTraining([1, 2, 6, 8], np.arange(3), np.ones((3, 4)), np.array([30.0, 20.0, 10.0, 40.0]),
        ...                           np.ones(4), h=0.25, feature="dgauss", n_features=10, lr=0.1)
        >>> round(r.peak, 3), r.regime_orders()
        (5.657, {'reversed_below': True, 'fprinciple_above': True})
    """

    modes: list[int]
    steps: np.ndarray
    residuals: np.ndarray
    times: np.ndarray
    kernel_eigenvalues: np.ndarray
    h: float
    feature: str
    n_features: int
    lr: float
    extra: dict = field(default_factory=dict)

    @property
    def peak(self) -> float:
        """k* = √2/h, where k² e^{−h²k²/2} is largest."""
        return math.sqrt(2.0) / self.h

    def regime_orders(self) -> dict[str, bool]:
        """Whether the measured times are decreasing in k below k* (reversed) and increasing above (F-Principle).
        Each needs at least two modes on its side; "never converged" counts as the latest time."""
        t = np.asarray(self.times, dtype=float)
        below = [i for i, k in enumerate(self.modes) if k < self.peak]
        above = [i for i, k in enumerate(self.modes) if k >= self.peak]
        rev = len(below) >= 2 and all(t[below[j]] > t[below[j + 1]] for j in range(len(below) - 1))
        fp = len(above) >= 2 and all(t[above[j]] < t[above[j + 1]] for j in range(len(above) - 1))
        return {"reversed_below": bool(rev), "fprinciple_above": bool(fp)}

    def plot(self, ax=None):
        from freqlens.plot.random_features import plot_random_feature_training

        return plot_random_feature_training(self, ax=ax)


def train_random_features(modes: Sequence[int], h: float, n: int = 128, n_features: int = 4000,
                          feature: str = "dgauss", steps: int | None = None, seed: int = 0,
                          max_steps: int = 3000, stop_when_converged: bool = True) -> RandomFeatureTraining:
    """Train a :class:`RandomFeatureCircle` by full-batch gradient descent (SGD, lr = 0.2/λ_max of its tangent
    kernel) on f* = Σ_{k∈modes} cos(kθ) over the grid θ_i = 2πi/N, recording the residual's DFT at the modes.

    Args:
        modes: target frequencies (1 ≤ k < N/2); h: feature width; n: grid size N; n_features: M;
        feature: "dgauss" (rise-then-fall spectrum) or "gauss" (falling spectrum); seed: centres' seed;
        steps: gradient steps (default: 4/(lr·min_k λ_k), capped at ``max_steps``).
        stop_when_converged: stop once every mode's residual is below e^{−1}.

    Returns:
        A :class:`RandomFeatureTraining`.

    Raises:
        InputError: on modes outside [1, N/2).

    Source:
        E, Ma, Wu 2019/2020 (random-feature view of the F-Principle); which of their papers states the
        eigenvalue shape is unconfirmed (perhaps "Machine learning from a continuous viewpoint", arXiv 1912.12777).

    Example:
        >>> r = train_random_features([1, 2, 3, 5], h=0.5, n=64, n_features=500, steps=200)
        >>> r.times.shape
        (4,)
    """
    modes = [int(k) for k in modes]
    if any(k < 1 or k >= n / 2 for k in modes):
        raise InputError(f"modes must lie in [1, N/2) = [1, {n / 2:g}), got {modes}")
    model = RandomFeatureCircle(n_features, h, feature, seed)
    theta = 2 * math.pi * torch.arange(n, dtype=torch.float64) / n
    target = sum(torch.cos(k * theta) for k in modes)
    with torch.no_grad():
        phi = model.features(theta)
        ntk = phi @ phi.T / n  # tangent kernel of the mean-squared-error gradient step (½·mean)
        lam_max = float(torch.linalg.eigvalsh(ntk)[-1])
        lam = []
        for k in modes:
            c = torch.cos(k * theta)
            lam.append(float(c @ ntk @ c / (c @ c)))
    lr = 0.2 / lam_max  # a fifth of the stability limit: several steps per e-fold of the fastest mode
    if steps is None:
        steps = int(min(max_steps, math.ceil(4.0 / (lr * max(min(lam), 1e-300)))))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    r0 = torch.fft.fft(-target)[modes].abs()
    res = [np.ones(len(modes))]
    rec_steps = [0]
    for s in range(1, steps + 1):
        opt.zero_grad()
        out = phi @ model.a  # = model(theta), with the frozen feature matrix computed once
        loss = 0.5 * ((out - target) ** 2).mean()
        loss.backward()
        opt.step()
        with torch.no_grad():
            r = phi @ model.a - target
            res.append((torch.fft.fft(r)[modes].abs() / r0).numpy())
        rec_steps.append(s)
        if stop_when_converged and bool((res[-1] < math.exp(-1)).all()):
            break
    residuals = np.asarray(res)
    times = np.full(len(modes), np.inf)
    for i in range(len(modes)):
        hit = np.nonzero(residuals[:, i] < math.exp(-1))[0]
        if hit.size:
            times[i] = rec_steps[hit[0]]
    return RandomFeatureTraining(modes, np.asarray(rec_steps), residuals, times, np.asarray(lam), float(h), feature,
                                 int(n_features), lr)
