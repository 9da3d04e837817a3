"""Null models and null statistics: what a probe's value is on something that lacks the claimed property.

A reproduction's check is only informative if it could have failed. These helpers build the nulls that the
recipes measure beside their checks, in the same run:

* :class:`InputFilter` — a *frequency-blind* model: the wrapped model sees only a low-passed (or high-passed)
  copy of its input, so it cannot be sensitive to the removed frequencies;
* :func:`untrained_copy` — the same architecture at a fresh initialisation (no training);
* :func:`permutation_quantile` — the ``q``-quantile of a statistic under random permutations of one variable
  (e.g. the Pearson correlation of a scatter whose points were re-paired at random);
* :func:`paired_difference_bound` — a one-sided normal lower bound of a mean paired difference of 0/1 outcomes
  (e.g. "fooled by a low-frequency basis" minus "fooled by a high-frequency basis", per image);
* :func:`sign_flip_z` — a sign-flip (paired permutation) z-score of a mean paired difference;
* :func:`permutation_counts` — the null distribution of a statistic over random permutations;
* :class:`WhiteNoiseClassifier` — a classifier whose logits decorrelate over tiny input distances, so it has no
  low-frequency structure (a null for claims about a network's band-limited output).
"""
from __future__ import annotations

import copy
import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from freqlens.errors import InputError
from freqlens.fourier.filters import apply_mask, filter_mask


class InputFilter(nn.Module):
    """``model`` behind a square Fourier filter: ``forward(x) = model(filter(x))`` (Yin et al. 2019's square masks,
    per channel).

    With ``kind="low"`` the model sees only the centred ``bandwidth × bandwidth`` square of frequencies: it is
    blind to every frequency with ρ = max(|f_u|, |f_v|) > (bandwidth − 1) // 2, the null of "this model is
    sensitive to high frequencies".

    Args:
        model: any module taking (N, C, H, W) images.
        kind: "low" or "high" (see :func:`freqlens.fourier.filters.filter_mask`).
        bandwidth: frequencies kept per axis (odd, e.g. 7 keeps ρ ≤ 3).

    Attributes:
        model, kind, bandwidth: as given; ``forward(x)`` returns ``model(filter(x))``.

    Raises:
        InputError: an unknown ``kind`` or a bandwidth < 1 (at the first forward pass, where H and W are known).

    Source:
        freqlens (a null model for Yin et al. 2019's frequency-sensitivity findings).

    Example:
        >>> import torch
        >>> blind = InputFilter(torch.nn.Identity(), "low", 3)
        >>> x = torch.zeros(1, 1, 8, 8); x[0, 0, ::2] = 1.0       # a Nyquist-frequency stripe pattern
        >>> float(blind(x).std())                                  # removed: only the mean is left
        0.0
    """

    def __init__(self, model: nn.Module, kind: str = "low", bandwidth: int = 7) -> None:
        super().__init__()
        if kind not in ("low", "high"):
            raise InputError(f"InputFilter kind must be 'low' or 'high', got {kind!r}")
        self.model, self.kind, self.bandwidth = model, kind, int(bandwidth)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102 - see the class docstring
        mask = filter_mask(x.shape[-2], x.shape[-1], self.kind, self.bandwidth, device=x.device)
        return self.model(apply_mask(x, mask).to(x.dtype))


def untrained_copy(model: nn.Module, seed: int = 0) -> nn.Module:
    """A deep copy of ``model`` with every submodule that has ``reset_parameters`` re-initialised (seeded), in eval
    mode: same architecture, no training. BatchNorm running statistics are reset too.

    Args:
        model: the trained model (left unchanged).
        seed: seed of the fresh initialisation.

    Returns:
        The untrained copy (same device and dtype as ``model``).

    Raises:
        InputError: ``model`` has no submodule with ``reset_parameters`` (nothing to re-initialise).

    Source: freqlens (null model).

    Example:
        >>> import torch
        >>> net = torch.nn.Linear(3, 2)
        >>> fresh = untrained_copy(net, seed=1)
        >>> bool(torch.equal(fresh.weight, net.weight)), tuple(fresh.weight.shape)
        (False, (2, 3))
    """
    fresh = copy.deepcopy(model)
    mods = [m for m in fresh.modules() if hasattr(m, "reset_parameters")]
    if not mods:
        raise InputError(f"{type(model).__name__} has no layer with reset_parameters(); cannot build an untrained copy")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        for m in mods:
            m.reset_parameters()
            if hasattr(m, "reset_running_stats"):
                m.reset_running_stats()
    return fresh.eval()


def permutation_quantile(x, y, statistic: Callable[[np.ndarray, np.ndarray], float], q: float = 0.95,
                         n_permutations: int = 2000, seed: int = 0) -> float:
    """The ``q``-quantile of ``statistic(x, y[perm])`` over random permutations ``perm``: the value the statistic
    reaches by chance when ``y`` is paired with ``x`` at random.

    Args:
        x, y: 1-D arrays of equal length n ≥ 3.
        statistic: e.g. the Pearson correlation.
        q: quantile in (0, 1).
        n_permutations: number of random permutations.
        seed: numpy seed of the permutations.

    Returns:
        The quantile (float).

    Raises:
        InputError: shapes differ, fewer than 3 points, or ``q`` outside (0, 1).

    Source: freqlens (permutation test, Fisher 1935).

    Example:
        >>> import numpy as np
        >>> corr = lambda a, b: float(np.corrcoef(a, b)[0, 1])
        >>> x = np.arange(10.0)
        >>> round(permutation_quantile(x, x, corr, q=0.95, n_permutations=500), 1) < 0.7
        True
    """
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape or x.size < 3:
        raise InputError(f"x and y need the same length ≥ 3, got {x.size} and {y.size}")
    if not 0 < q < 1:
        raise InputError(f"q must lie in (0, 1), got {q}")
    rng = np.random.default_rng(seed)
    vals = [statistic(x, y[rng.permutation(y.size)]) for _ in range(int(n_permutations))]
    return float(np.quantile(vals, q))


def paired_difference_bound(a, b, z: float = 1.645) -> tuple[float, float]:
    """Mean of the paired difference ``a − b`` of two per-item 0/1 (or real) outcomes and its one-sided lower
    confidence bound ``mean − z · s.e.`` (normal approximation; z = 1.645 → 95 %).

    Args:
        a, b: 1-D arrays of equal length n ≥ 2 (e.g. per image: fooled by a low / by a high-frequency basis).
        z: normal quantile of the bound.

    Returns:
        ``(mean difference, lower bound)``, in the units of ``a``.

    Raises:
        InputError: lengths differ or n < 2.

    Source: freqlens (paired normal interval; McNemar-type comparison).

    Example:
        >>> mean, low = paired_difference_bound([1, 1, 1, 0], [0, 0, 1, 0])
        >>> round(mean, 3), round(low, 3)
        (0.5, 0.025)
    """
    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape or a.size < 2:
        raise InputError(f"a and b need the same length ≥ 2, got {a.size} and {b.size}")
    d = a - b
    mean = float(d.mean())
    se = float(d.std(ddof=1) / math.sqrt(d.size))
    return mean, mean - z * se


def sign_flip_z(differences) -> float:
    """Standardised paired difference under the exact sign-flip null: z = Σ d / √(Σ d²).

    Under the null that each paired difference d_i is as likely to be +d_i as −d_i (the two members of each pair
    are exchangeable), the sum Σ s_i d_i over random signs s_i = ±1 has mean 0 and standard deviation √(Σ d²), so
    z is the observed sum in units of the null's standard deviation (exact, no sampling). For paired correctness
    (d_i ∈ {−1, 0, 1}) this is McNemar's statistic with its sign.

    Args:
        differences: (N,) paired differences (array-like; e.g. per-image correctness of model A minus model B, or
            per-kernel roughness of model A minus model B).

    Returns:
        z (float); 0.0 when every difference is 0.

    Raises:
        InputError: if ``differences`` is empty or not finite.

    Source:
        freqlens (standard sign-flip / McNemar statistic).

    Example:
        >>> sign_flip_z([1, 1, -1, 1])
        1.0
        >>> sign_flip_z([0, 0])
        0.0
    """
    d = np.asarray(differences.detach().cpu() if isinstance(differences, torch.Tensor) else differences,
                   dtype=np.float64).ravel()
    if d.size == 0 or not np.all(np.isfinite(d)):
        raise InputError(f"sign_flip_z needs a non-empty finite vector of differences, got {d.size} values")
    scale = float(np.sqrt(np.sum(d * d)))
    return 0.0 if scale == 0 else float(np.sum(d) / scale)


def permutation_counts(statistic, n: int, n_permutations: int = 200, seed: int = 0) -> np.ndarray:
    """Null distribution of ``statistic(perm)`` over random permutations ``perm`` of ``range(n)``.

    Args:
        statistic: callable taking a (n,) ``torch.long`` permutation and returning a float.
        n: the length of the permuted axis.
        n_permutations: how many random permutations.
        seed: seeds the permutations.

    Returns:
        (n_permutations,) float64 array of the statistic under the null.

    Raises:
        InputError: if ``n`` < 2 or ``n_permutations`` < 1.

    Source:
        freqlens (standard permutation null).

    Example:
        >>> import torch
        >>> x = torch.arange(5.0)
        >>> null = permutation_counts(lambda p: float((x[p] == x).sum()), 5, n_permutations=20, seed=0)
        >>> null.shape, bool(null.max() <= 5)
        ((20,), True)
    """
    if n < 2 or n_permutations < 1:
        raise InputError(f"permutation null needs n ≥ 2 and n_permutations ≥ 1, got n={n}, "
                         f"n_permutations={n_permutations}")
    g = torch.Generator().manual_seed(int(seed))
    return np.array([float(statistic(torch.randperm(n, generator=g))) for _ in range(int(n_permutations))])





class WhiteNoiseClassifier(nn.Module):
    """A "white noise" classifier: logits ``scale·sin(W·x·frequency + b)`` with a random W — values at inputs more
    than ~1/frequency apart are independent, so the function has no low-frequency structure at all. A null for
    checks that claim a filter acts on a network's (band-limited) output.

    Args:
        in_features: C·H·W of the inputs.
        num_classes: number of logits.
        frequency: how fast the logits decorrelate, in cycles per unit of input L2 distance (default 1e4).
        scale: logit amplitude.
        seed: seeds W and b.

    Shapes: (N, C, H, W) → (N, num_classes).

    Attributes:
        frequency, scale: as given; ``weight`` (W, (num_classes, in_features)) and ``bias`` (b) are fixed float64
            buffers.

    Raises:
        RuntimeError: at the forward pass, when the inputs do not have ``in_features`` values per sample.

    Source:
        freqlens.

    Example:
        >>> import torch
        >>> net = WhiteNoiseClassifier(12, 3, seed=0)
        >>> net(torch.rand(2, 3, 2, 2)).shape
        torch.Size([2, 3])
    """

    def __init__(self, in_features: int, num_classes: int = 10, frequency: float = 1e4, scale: float = 5.0,
                 seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(int(seed))
        self.register_buffer("weight", torch.randn(num_classes, int(in_features), generator=g, dtype=torch.float64))
        self.register_buffer("bias", 2 * np.pi * torch.rand(num_classes, generator=g, dtype=torch.float64))
        self.frequency, self.scale = float(frequency), float(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        phase = (x.flatten(1).to(torch.float64) @ self.weight.T) * self.frequency + self.bias
        return (self.scale * torch.sin(phase)).to(x.dtype)


__all__ = ["InputFilter", "untrained_copy", "permutation_quantile", "paired_difference_bound", "sign_flip_z",
           "permutation_counts", "WhiteNoiseClassifier"]
