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
        keys = torch.as_tensor(inputs).reshape(len(inputs), -1).float()
        if keys.shape[0] == 0:
            raise InputError("LookupTable needs at least one training input, got 0")
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
