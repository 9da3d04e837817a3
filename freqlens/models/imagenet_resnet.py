"""ResNet-50 for 224 × 224 ImageNet-size inputs (He et al. 2016, bottleneck blocks [3, 4, 6, 3]), written here
so benchmarks and tests need no torchvision. Randomly initialised; load your own weights with
``model.load_state_dict(torch.load(path, weights_only=True))`` (the parameter names follow the common
``conv1 / bn1 / layer1.0.conv1 / ... / fc`` layout)."""
from __future__ import annotations

from torch import nn


class Bottleneck(nn.Module):
    """ImageNet ResNet bottleneck: 1×1 reduce → 3×3 (stride here) → 1×1 expand (×4), plus the identity or a 1×1
    projection, then ReLU.

    Args:
        in_ch: input channels.
        width: channels of the 3×3 convolution; the block outputs 4·width.
        stride: stride of the 3×3 convolution.

    Attributes:
        expansion: 4.
        conv1..conv3, bn1..bn3, relu, downsample: the layers; ``forward`` maps (N, in_ch, H, W) to
        (N, 4·width, H/stride, W/stride).

    Raises:
        Nothing of its own.

    Source: He et al. 2016, "Deep residual learning for image recognition", Sec. 4.1 (bottleneck, Fig. 5; stride
        on the 3×3 conv as in torchvision's v1.5).

    Example:
        >>> import torch
        >>> Bottleneck(8, 4, stride=2)(torch.zeros(1, 8, 8, 8)).shape
        torch.Size([1, 16, 4, 4])
    """

    expansion = 4

    def __init__(self, in_ch: int, width: int, stride: int = 1):
        super().__init__()
        out_ch = width * self.expansion
        self.conv1 = nn.Conv2d(in_ch, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out_ch, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_ch)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or in_ch != out_ch:
            self.downsample = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(out_ch))

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + idt)


class ImageNetResNet(nn.Module):
    """ImageNet ResNet: stem (7×7/2 conv, 3×3/2 max-pool), four stages of bottlenecks, global average pool, linear.

    Input (N, C, H, W) (224 × 224 for ImageNet); output logits (N, num_classes). Parameter names follow
    torchvision's, so its checkpoints load.

    Args:
        blocks: bottlenecks per stage ((3, 4, 6, 3) for ResNet-50).
        num_classes: outputs.
        in_channels: C.
        base: channels of the stem (stage i has base·2^i bottleneck width).

    Attributes:
        conv1, bn1, relu, maxpool, layer1..layer4, avgpool, fc: the layers.

    Raises:
        Nothing of its own.

    Source: He et al. 2016, Table 1.

    Example:
        >>> import torch
        >>> ImageNetResNet(blocks=(1, 1, 1, 1), num_classes=5, base=8)(torch.zeros(1, 3, 64, 64)).shape
        torch.Size([1, 5])
    """

    def __init__(self, blocks=(3, 4, 6, 3), num_classes: int = 1000, in_channels: int = 3, base: int = 64):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, base, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(base)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        ch = base
        stages = []
        for i, n in enumerate(blocks):
            width = base * 2 ** i
            layer = []
            for j in range(n):
                layer.append(Bottleneck(ch, width, stride=2 if (j == 0 and i > 0) else 1))
                ch = width * Bottleneck.expansion
            stages.append(nn.Sequential(*layer))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(ch, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(self.avgpool(x).flatten(1))


def resnet50(num_classes: int = 1000, in_channels: int = 3) -> ImageNetResNet:
    """ResNet-50 (25.6 M parameters at 1 000 classes) for 224 × 224 inputs.

    Args:
        num_classes: outputs of the classifier. in_channels: input channels.

    Returns:
        An :class:`ImageNetResNet` with blocks [3, 4, 6, 3], randomly initialised.

    Raises:
        Nothing.

    Source: He, Zhang, Ren, Sun, "Deep Residual Learning for Image Recognition", CVPR 2016, Table 1.

    Example:
        >>> sum(p.numel() for p in resnet50().parameters())
        25557032
    """
    return ImageNetResNet((3, 4, 6, 3), num_classes=num_classes, in_channels=in_channels)


__all__ = ["Bottleneck", "ImageNetResNet", "resnet50"]
