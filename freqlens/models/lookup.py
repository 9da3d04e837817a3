"""A frequency-blind null model: one free output per training input.

Used by the recipes as a control: it has no notion of distance between inputs, so gradient training moves every
training output on its own and no frequency is preferred. A check that this model also passes cannot be
evidence of a spectral bias.
"""
from __future__ import annotations

import torch
from torch import nn

from freqlens.errors import InputError


class LookupTable(nn.Module):
    """``h(x) = values[nearest training input to x]`` with trainable ``values``.

    Each training input owns one free output vector; an input that is not a training input gets the output of its
    nearest training input (Euclidean distance on the flattened input). Training it by gradient descent on the
    training set updates each stored output from its own residual only: there is no coupling between inputs, so
    no frequency is learned before another (a frequency-blind model).

    Args:
        inputs: training inputs, shape (N, ...) (flattened internally to (N, D)).
        out_dim: output size (1 for scalar regression, the number of classes for classification).
        init: initial outputs, shape (N, out_dim); default zeros.

    Returns:
        A module whose forward maps (B, ...) inputs to (B, out_dim) outputs.

    Raises:
        InputError: on empty inputs, a non-positive ``out_dim`` or an ``init`` of the wrong shape.

    Source:
        freqlens (control model for the spectral-bias recipes).

    Example:
        >>> import torch
        >>> x = torch.linspace(0, 1, 5)[:, None]
        >>> table = LookupTable(x, 1, init=torch.arange(5.0)[:, None])
        >>> table(x[[3, 1]]).squeeze(1).tolist()
        [3.0, 1.0]
    """

    def __init__(self, inputs: torch.Tensor, out_dim: int = 1, init: torch.Tensor | None = None):
        super().__init__()
        inputs = torch.as_tensor(inputs)
        if inputs.ndim == 0 or inputs.shape[0] == 0:
            raise InputError("LookupTable needs at least one training input, got 0")
        keys = inputs.reshape(inputs.shape[0], -1).float()
        if out_dim < 1:
            raise InputError(f"LookupTable out_dim must be ≥ 1, got {out_dim}")
        if init is None:
            init = torch.zeros(keys.shape[0], out_dim)
        init = torch.as_tensor(init).float()
        if init.shape != (keys.shape[0], out_dim):
            raise InputError(f"LookupTable init must have shape ({keys.shape[0]}, {out_dim}), got {tuple(init.shape)}")
        self.register_buffer("keys", keys)
        self.values = nn.Parameter(init.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = x.reshape(x.shape[0], -1).to(self.keys)
        idx = torch.cdist(q, self.keys).argmin(dim=1)
        return self.values[idx]


def shrinking_sgd(n: int, out_dim: int = 1, shrink: float = 0.05):
    """An optimizer factory for a :class:`LookupTable` trained with the mean squared error on all ``n`` points at
    once: plain SGD whose step multiplies every residual by (1 − ``shrink``) (the gradient of the mean over
    n·out_dim entries is 2r/(n·out_dim)). Gradient descent from zero then follows h(t) = (1 − (1 − shrink)^t)·y:
    every frequency of the residual decays at the same rate.

    Args:
        n: training points; out_dim: outputs per point; shrink: fraction of each residual removed per step, in (0, 1].

    Returns:
        ``params -> torch.optim.SGD``.

    Raises:
        InputError: on ``shrink`` outside (0, 1] or non-positive sizes.

    Source:
        freqlens.

    Example:
        >>> x = torch.arange(4.0)[:, None]
        >>> table = LookupTable(x, 1)
        >>> opt = shrinking_sgd(4, 1, 0.5)(table.parameters())
        >>> loss = ((table(x) - 2.0) ** 2).mean(); loss.backward(); opt.step()
        >>> table.values.detach().squeeze(1).tolist()
        [1.0, 1.0, 1.0, 1.0]
    """
    if not 0 < shrink <= 1:
        raise InputError(f"shrink must be in (0, 1], got {shrink}")
    if n < 1 or out_dim < 1:
        raise InputError(f"n and out_dim must be ≥ 1, got {n}, {out_dim}")
    lr = shrink * n * out_dim / 2
    return lambda params: torch.optim.SGD(params, lr=lr)
