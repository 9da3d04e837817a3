"""PGD adversarial training (Madry et al.) as a ``fit`` batch transform: each batch is replaced by its
adversarial examples (L∞ by default: ε = 8/255, 3 steps of 3/255 with random start, our
scaled-down setting)."""
from __future__ import annotations

import torch
from torch import nn

from freqlens.attacks.pgd import pgd_attack


class AdversarialExamples:
    """``(model, x, y) -> (pgd(x), y)``; examples are generated in eval mode (BatchNorm statistics untouched)."""

    def __init__(self, eps: float = 8 / 255, steps: int = 3, step_size: float | None = 3 / 255, norm: str = "linf",
                 bounds: tuple[float, float] = (0.0, 1.0), normalize=None):
        self.eps, self.steps, self.step_size, self.norm = eps, steps, step_size, norm
        self.bounds, self.normalize = bounds, normalize

    def __call__(self, model: nn.Module, x, y):
        # the random start is drawn from the RNG that fit seeds per epoch, so resumed runs stay identical
        seed = int(torch.randint(0, 2**62, (1,)))
        x_adv = pgd_attack(model, x, y, self.eps, self.step_size, self.steps, self.norm, True, self.bounds,
                           self.normalize, seed=seed, max_batch=x.shape[0], predict=False).adversarial
        return x_adv, y
