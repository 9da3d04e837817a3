"""Fully connected networks with a choice of width, depth, activation and initialisation scale."""
from __future__ import annotations

import torch
from torch import nn

from freqlens.errors import ConfigError

ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU, "gelu": nn.GELU, "sigmoid": nn.Sigmoid, "softplus": nn.Softplus}


def make_activation(name: str) -> nn.Module:
    """An activation module by name.

    Args:
        name: "tanh", "relu", "gelu", "sigmoid" or "softplus".

    Returns:
        A new ``nn.Module``.

    Raises:
        ConfigError: an unknown name (the message lists the known ones).

    Source: freqlens.

    Example:
        >>> make_activation("tanh")
        Tanh()
    """
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ConfigError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}") from None


class MLP(nn.Module):
    """Fully connected network ``in_dim → width → … → width → out_dim`` with ``depth`` hidden layers.

    Inputs of any shape (N, ...) are flattened to (N, in_dim); the output is (N, out_dim).

    Args:
        in_dim: input features (after flattening).
        out_dim: outputs.
        width: hidden width.
        depth: hidden layers.
        activation: see :func:`make_activation`.
        init_scale: σ: every weight and bias from N(0, σ²) (the F-Principle code's convention); None keeps
            PyTorch's default initialisation.
        widths: explicit hidden sizes, overriding width/depth (e.g. ``[400, 200]`` for the 784-400-200-10 net).

    Attributes:
        net: the ``nn.Sequential`` of layers.
        in_dim, out_dim: as given.

    Raises:
        ConfigError: a non-positive size or an unknown activation.

    Source: Xu et al. 2019, "Frequency Principle" (arXiv 1901.06523): tanh networks initialised with small
        N(0, σ²) weights.

    Example:
        >>> net = MLP(1, 1, width=20, depth=2, activation="tanh")      # 1-20-20-1
        >>> net(torch.zeros(5, 1)).shape, len(net.net)
        (torch.Size([5, 1]), 5)
    """

    def __init__(self, in_dim: int, out_dim: int, width: int = 200, depth: int = 2, activation: str = "tanh",
                 init_scale: float | None = None, widths: list[int] | None = None):
        super().__init__()
        hidden = list(widths) if widths is not None else [width] * depth
        if in_dim < 1 or out_dim < 1 or any(h < 1 for h in hidden):
            raise ConfigError(f"MLP sizes must be positive: in {in_dim}, hidden {hidden}, out {out_dim}")
        sizes = [in_dim, *hidden, out_dim]
        layers: list[nn.Module] = []
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i < len(sizes) - 2:
                layers.append(make_activation(activation))
        self.net = nn.Sequential(*layers)
        self.in_dim, self.out_dim = in_dim, out_dim
        if init_scale is not None:
            with torch.no_grad():
                for p in self.parameters():
                    p.normal_(0.0, float(init_scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.reshape(x.shape[0], -1))
