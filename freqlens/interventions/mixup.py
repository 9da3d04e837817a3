"""Mix-up (Zhang et al.) as a :func:`freqlens.train.fit` batch transform, as in Wang et al.'s heuristics study:
one λ ~ Beta(α, α) per batch, a random permutation of the batch, x̄ = λx + (1−λ)x_perm and soft labels
ȳ = λ·onehot(y) + (1−λ)·onehot(y_perm) (use ``loss="cross_entropy"``, which accepts probability targets).

Example::

    >>> fit(model, (x, y), epochs=10, loss="cross_entropy", batch_size=100, batch_transform=MixUp(10, alpha=0.5))
"""
from __future__ import annotations

import torch
from torch import nn

from freqlens.validation import check_integer, check_positive


class MixUp:
    """``(model, x, y) -> (mixed x, soft labels (N, num_classes))``; α = 0.5 as in the HFC paper (its code
    comment uses 1.0). Randomness comes from the global RNG that ``fit`` seeds per epoch."""

    def __init__(self, num_classes: int, alpha: float = 0.5):
        check_integer(num_classes, "num_classes", minimum=2)
        self.num_classes, self.alpha = int(num_classes), check_positive(alpha, "alpha")

    def __call__(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor):
        lam = float(torch.distributions.Beta(self.alpha, self.alpha).sample())
        perm = torch.randperm(x.shape[0]).to(x.device)
        soft = y if y.is_floating_point() else nn.functional.one_hot(y, self.num_classes).to(x.dtype)
        return lam * x + (1 - lam) * x[perm], lam * soft + (1 - lam) * soft[perm]


__all__ = ["MixUp"]
