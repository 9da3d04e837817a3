"""Null models and null statistics for recipe controls: what a check measures on something that lacks the claimed
property (an untrained copy of a network, a sign-flip or permutation null of a paired difference).

Example::

    >>> import torch
    >>> net = torch.nn.Linear(4, 2)
    >>> fresh = reinitialized(net, seed=1)
    >>> bool(torch.equal(fresh.weight, net.weight))
    False
    >>> round(sign_flip_z(torch.tensor([1.0, 1.0, 1.0, 1.0])), 3)
    2.0
"""
from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from freqlens.errors import InputError


def reinitialized(model: nn.Module, seed: int = 0) -> nn.Module:
    """An untrained copy of ``model``: a deep copy in which every submodule with ``reset_parameters`` (Linear, Conv,
    BatchNorm — its running statistics too) is re-initialised under ``torch.manual_seed(seed)``; fixed buffers such
    as a normalisation layer's mean/std are kept. The original is untouched; the copy is in eval mode.

    Args:
        model: any ``nn.Module``.
        seed: seeds the re-initialisation.

    Returns:
        The re-initialised copy, same device and dtype.

    Raises:
        InputError: if no submodule could be re-initialised (nothing to reset: not a network).

    Source:
        freqlens (the "untrained network" null of issue 14).

    Example:
        >>> import torch
        >>> net = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
        >>> fresh = reinitialized(net, seed=0)
        >>> fresh[0].weight.shape == net[0].weight.shape and not torch.equal(fresh[0].weight, net[0].weight)
        True
    """
    copy_ = copy.deepcopy(model)
    reset = 0
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        for module in copy_.modules():
            fn = getattr(module, "reset_parameters", None)
            if callable(fn):
                fn()
                reset += 1
            if hasattr(module, "reset_running_stats"):
                module.reset_running_stats()
    if reset == 0:
        raise InputError(f"{type(model).__name__} has no submodule with reset_parameters(); cannot build an untrained "
                         "copy (pass a network of Linear/Conv layers)")
    return copy_.eval()


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
__all__ = ["reinitialized", "sign_flip_z", "permutation_counts", "WhiteNoiseClassifier"]
