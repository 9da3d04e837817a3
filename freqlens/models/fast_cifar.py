"""A small, fast-training CIFAR-size network in the family of the public fast-training results (a ResNet-9-like
stack of conv-pool-BN groups after a fixed patch-whitening layer), written here from their published
descriptions:

- a first 2×2 convolution whose filters whiten 2×2 image patches (eigenvectors of the patch covariance of the
  training images, scaled by 1/√(eigenvalue + ε), each with its negative), frozen; only its bias is trained;
- three groups ``conv3×3 → max-pool 2 → BN → GELU → conv3×3 → BN → GELU`` with ``widths`` channels;
- global max pool, a bias-free linear classifier, logits multiplied by ``logit_scale`` (1/8).

BatchNorm scales are frozen at 1 (only the shifts learn). For 32 × 32 inputs (any H, W ≥ 16); input is
expected already normalised (wrap it with :func:`freqlens.models.with_normalization`).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from freqlens.errors import ConfigError, InputError


def _batch_norm(channels: int, momentum: float) -> nn.BatchNorm2d:
    bn = nn.BatchNorm2d(channels, momentum=momentum, eps=1e-5)
    bn.weight.requires_grad_(False)  # scale frozen at 1, shift trained
    return bn


class ConvGroup(nn.Module):
    """One conv group of the fast CIFAR-10 network: conv3×3 → max-pool 2 → BN → GELU → conv3×3 → BN → GELU.

    Args:
        cin: input channels.
        cout: output channels.
        bn_momentum: BatchNorm momentum.

    Attributes:
        conv1, pool, bn1, conv2, bn2, act: the layers; ``forward`` maps (N, cin, H, W) to (N, cout, H/2, W/2).

    Raises:
        Nothing of its own.

    Source: freqlens (after Page 2018 and Jordan 2024's fast CIFAR-10 training).

    Example:
        >>> ConvGroup(3, 8)(torch.zeros(2, 3, 8, 8)).shape
        torch.Size([2, 8, 4, 4])
    """

    def __init__(self, cin: int, cout: int, bn_momentum: float = 0.4):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2)
        self.bn1 = _batch_norm(cout, bn_momentum)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = _batch_norm(cout, bn_momentum)
        self.act = nn.GELU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.bn1(self.pool(self.conv1(x))))
        return self.act(self.bn2(self.conv2(x)))


class FastCifarNet(nn.Module):
    """Patch-whitening layer + three conv groups + max pool + scaled linear head. (N, C, H, W) → logits (N, classes).

    Args:
        in_channels: image channels C.
        num_classes: number of classes.
        widths: channels of the three groups; (64, 256, 256) is the full size, (32, 128, 128) half width.
        whiten_kernel: side k of the whitening patches; the layer has 2·C·k² output channels.
        logit_scale: factor applied to the logits (a temperature that keeps early training stable).
        bn_momentum: PyTorch BatchNorm momentum (weight of the newest batch in the running statistics).
        whiten_eps: added to the patch-covariance eigenvalues in :meth:`init_whitening` (in squared normalised
            pixel units): the gain of the weakest patch direction is at most 1/√whiten_eps.
        whiten_trainable: train the whitening filters too (default: frozen, only their bias learns).

    Returns:
        A module mapping normalised images (N, C, H, W), H, W ≥ 16, to logits (N, num_classes).

    Raises:
        ConfigError: widths not three positive integers, or whiten_kernel < 1.

    Source:
        freqlens, after the public descriptions of fast CIFAR-10 training (D. Page, "How to train your ResNet",
        2018; K. Jordan, "94 % on CIFAR-10 in 3.29 seconds on a single GPU", arXiv:2404.00498, 2024).

    Example:
        >>> net = FastCifarNet(widths=(8, 16, 16))
        >>> net(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 10])
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 10, widths: Sequence[int] = (64, 256, 256),
                 whiten_kernel: int = 2, logit_scale: float = 1 / 8, bn_momentum: float = 0.4,
                 whiten_eps: float = 5e-4, whiten_trainable: bool = False):
        super().__init__()
        widths = tuple(int(w) for w in widths)
        if len(widths) != 3 or min(widths) < 1:
            raise ConfigError(f"FastCifarNet needs three positive widths, got {widths}")
        if int(whiten_kernel) < 1:
            raise ConfigError(f"whiten_kernel must be ≥ 1, got {whiten_kernel}")
        k = int(whiten_kernel)
        self.whiten = nn.Conv2d(in_channels, 2 * in_channels * k * k, k, padding=0, bias=True)
        self.whiten.weight.requires_grad_(bool(whiten_trainable))
        self.whiten_eps = float(whiten_eps)
        self.act = nn.GELU()
        cins = (2 * in_channels * k * k,) + widths[:2]
        self.groups = nn.Sequential(*[ConvGroup(c, w, bn_momentum) for c, w in zip(cins, widths)])
        self.pool = nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten())
        self.head = nn.Linear(widths[2], num_classes, bias=False)
        self.logit_scale = float(logit_scale)
        for m in self.modules():
            if isinstance(m, nn.Conv2d) and m is not self.whiten:
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.whiten(x))
        return self.head(self.pool(self.groups(x))) * self.logit_scale

    @torch.no_grad()
    def init_whitening(self, images: torch.Tensor, eps: float | None = None) -> torch.Tensor:
        """Set the first layer to whiten k×k patches of ``images`` (eigen-decomposition of their covariance).

        Args:
            images: (N, C, H, W) normalised training images (those the network will see).
            eps: added to each eigenvalue before the 1/√ scaling (damps the noisiest directions); default
                the network's ``whiten_eps``.

        Returns:
            The eigenvalues of the patch covariance, ascending, shape (C·k²,).

        Raises:
            InputError: images not (N, C, H, W) with this layer's C and H, W ≥ k.

        Source:
            freqlens, after the patch-whitening first layer described by Page (2018) and Jordan (2024).

        Example:
            >>> net = FastCifarNet(widths=(8, 16, 16))
            >>> net.init_whitening(torch.randn(64, 3, 32, 32, generator=torch.Generator().manual_seed(0))).shape
            torch.Size([12])
        """
        eps = self.whiten_eps if eps is None else float(eps)
        k = self.whiten.kernel_size[0]
        c = self.whiten.in_channels
        if images.ndim != 4 or images.shape[1] != c or min(images.shape[-2:]) < k:
            raise InputError(f"init_whitening needs images (N, {c}, H, W) with H, W ≥ {k}, got {tuple(images.shape)}")
        patches = nn.functional.unfold(images.double(), k).transpose(1, 2).reshape(-1, c * k * k)
        mean = patches.mean(0)
        centred = patches - mean
        cov = centred.T @ centred / patches.shape[0]
        evals, evecs = torch.linalg.eigh(cov)
        w = evecs.T / torch.sqrt(evals.clamp_min(0) + eps)[:, None]       # (d, d): rows whiten
        weight = torch.cat([w, -w], 0)                                      # (2d, d)
        self.whiten.weight.copy_(weight.reshape(self.whiten.weight.shape).to(self.whiten.weight.dtype))
        self.whiten.bias.copy_((-(weight @ mean)).to(self.whiten.bias.dtype))
        return evals.float()


__all__ = ["ConvGroup", "FastCifarNet"]
