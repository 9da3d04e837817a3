"""CIFAR-size ResNets (He et al. 2016, §4.2): a 3×3 stem without max-pool, three stages of basic blocks with
16·k, 32·k, 64·k channels (k = ``widen``), depth 6n + 2 (ResNet-20, -32, -56 as used by the PyTorch Fourier
heat-map tool's ``resnet56``), global average pool, linear classifier. For 32 × 32 inputs; any C, any H, W ≥ 4.

Unlike torchvision's ImageNet ResNets (7×7 stride-2 stem + max-pool), small images are not down-sampled 4×
before the first block (a plausible cause of the surprising heat maps in FourierHeatmap issue #14).
"""
from __future__ import annotations

import torch
from torch import nn

from freqlens.errors import ConfigError


class BasicBlock(nn.Module):
    """Residual basic block: conv3×3-BN-ReLU-conv3×3-BN plus the shortcut, then ReLU.

    The shortcut is the identity, or a 1×1 conv + BN when the stride or the channel count changes.

    Args:
        cin: input channels.
        cout: output channels.
        stride: stride of the first convolution (2 halves H and W).

    Attributes:
        conv1, bn1, conv2, bn2, shortcut: the layers; ``forward`` maps (N, cin, H, W) to (N, cout, H/stride, W/stride).

    Raises:
        Nothing of its own (torch checks the sizes).

    Source: He et al. 2016, "Deep residual learning for image recognition", Sec. 3-4 (basic block, option B
        projection shortcut).

    Example:
        >>> BasicBlock(16, 32, stride=2)(torch.zeros(1, 16, 8, 8)).shape
        torch.Size([1, 32, 4, 4])
    """

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Identity() if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    """ResNet-(6n+2) for CIFAR-size images: input (N, C, H, W), H, W ≥ 4 → logits (N, classes).

    Args:
        in_channels: C.
        num_classes: outputs.
        depth: 6n + 2 ≥ 8 (20, 32, 44, 56, 110).
        widen: k; the stages have 16·k, 32·k, 64·k channels.

    Attributes:
        stem, layers, pool, fc: the parts (convolutions Kaiming-normal initialised).

    Raises:
        ConfigError: a depth that is not 6n + 2 ≥ 8, or widen < 1.

    Source: He et al. 2016, "Deep residual learning for image recognition", Sec. 4.2 (CIFAR-10 ResNets).

    Example:
        >>> net = CifarResNet(depth=8)
        >>> net(torch.zeros(2, 3, 32, 32)).shape, len(net.layers)
        (torch.Size([2, 10]), 3)
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 10, depth: int = 20, widen: int = 1):
        super().__init__()
        if depth < 8 or (depth - 2) % 6 != 0:
            raise ConfigError(f"CifarResNet depth must be 6n + 2 ≥ 8 (20, 32, 44, 56, 110), got {depth}")
        if widen < 1:
            raise ConfigError(f"widen must be ≥ 1, got {widen}")
        n = (depth - 2) // 6
        widths = [16 * widen, 32 * widen, 64 * widen]
        self.stem = nn.Sequential(nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        layers, cin = [], 16
        for i, cout in enumerate(widths):
            for j in range(n):
                layers.append(BasicBlock(cin, cout, 2 if (j == 0 and i > 0) else 1))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(cin, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.layers(self.stem(x))))


def resnet20(in_channels: int = 3, num_classes: int = 10) -> CifarResNet:
    """ResNet-20 for CIFAR-size images (0.27 M parameters for 3 channels and 10 classes).

    Args:
        in_channels: C.
        num_classes: outputs.

    Returns:
        A :class:`CifarResNet` of depth 20.

    Raises:
        Nothing.

    Source: He et al. 2016, Sec. 4.2.

    Example:
        >>> sum(p.numel() for p in resnet20().parameters())
        272474
    """
    return CifarResNet(in_channels, num_classes, 20)


def resnet56(in_channels: int = 3, num_classes: int = 10) -> CifarResNet:
    """ResNet-56 (0.85 M parameters), the network of the PyTorch Fourier heat-map tool's sample image.

    Args:
        in_channels: C.
        num_classes: outputs.

    Returns:
        A :class:`CifarResNet` of depth 56.

    Raises:
        Nothing.

    Source: He et al. 2016, Sec. 4.2.

    Example:
        >>> sum(p.numel() for p in resnet56().parameters())
        855770
    """
    return CifarResNet(in_channels, num_classes, 56)


__all__ = ["BasicBlock", "CifarResNet", "resnet20", "resnet56"]
