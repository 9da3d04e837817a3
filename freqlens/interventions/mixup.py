"""Mix-up (Zhang et al.) as a :func:`freqlens.train.fit` batch transform, as in Wang et al.'s heuristics study:
one λ ~ Beta(α, α) per batch, a random permutation of the batch, x̄ = λx + (1−λ)x_perm and soft labels
ȳ = λ·onehot(y) + (1−λ)·onehot(y_perm) (use ``loss="cross_entropy"``, which accepts probability targets).

Example::

    >>> from freqlens.train import fit
    >>> _ = torch.manual_seed(0)
    >>> x, y = torch.rand(8, 1, 2, 2), torch.arange(8) % 2
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    >>> history = fit(model, (x, y), epochs=1, loss="cross_entropy", batch_size=4, batch_transform=MixUp(2),
    ...               progress=False)
    >>> history.epochs
    1
"""
from __future__ import annotations

import torch
from torch import nn

from freqlens.validation import check_integer, check_positive


class MixUp:
    """Mix-up as a batch transform: one λ ~ Beta(α, α) per batch, a random permutation of the batch,
    x̄ = λx + (1 − λ)x_perm and soft labels ȳ = λ·onehot(y) + (1 − λ)·onehot(y_perm) (float labels are mixed as they
    are). Train with ``loss="cross_entropy"``, which accepts probability targets.

    Args:
        num_classes: number of classes (≥ 2) for the one-hot labels.
        alpha: α of the Beta distribution (0.5 as in Wang et al.'s heuristics study; their code comment says 1.0).

    Attributes:
        num_classes, alpha: as given; calling ``(model, x, y)`` returns ``(mixed x, soft labels (N, num_classes))``.

    Raises:
        InputError: ``num_classes`` < 2 or ``alpha`` ≤ 0.

    Source:
        Zhang et al. 2018 (mix-up); Wang et al. 2020 (CVPR), Sec. 5.1.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> x, soft = MixUp(3)(None, torch.rand(4, 1, 2, 2), torch.tensor([0, 1, 2, 0]))
        >>> soft.shape, torch.allclose(soft.sum(1), torch.ones(4))
        (torch.Size([4, 3]), True)
    """

    def __init__(self, num_classes: int, alpha: float = 0.5):
        check_integer(num_classes, "num_classes", minimum=2)
        self.num_classes, self.alpha = int(num_classes), check_positive(alpha, "alpha")

    def __call__(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor):
        lam = float(torch.distributions.Beta(self.alpha, self.alpha).sample())
        perm = torch.randperm(x.shape[0]).to(x.device)
        soft = y if y.is_floating_point() else nn.functional.one_hot(y, self.num_classes).to(x.dtype)
        return lam * x + (1 - lam) * x[perm], lam * soft + (1 - lam) * soft[perm]


__all__ = ["MixUp"]
