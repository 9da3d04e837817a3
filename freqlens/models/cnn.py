"""Small CNNs for 28×28 and 32×32 images (and any size ≥ 8 px)."""
from __future__ import annotations

import torch
from torch import nn

from freqlens.errors import ConfigError


class SmallCNN(nn.Module):
    """The F-Principle paper's CIFAR-10 network (official code).

    Conv(32, 3×3)-ReLU-Conv(64, 3×3)-ReLU-MaxPool2-Flatten-Dense(hidden)-ReLU-Dense(classes), no padding.

    Args:
        in_channels: C of the (N, C, H, W) input.
        num_classes: outputs (logits).
        image_size: H = W, or (H, W); at least 6.
        hidden: width of the dense layer (400 in the official code).

    Attributes:
        features, classifier: the two ``nn.Sequential`` parts; ``forward`` returns (N, num_classes) logits.

    Raises:
        ConfigError: images smaller than 6 × 6.

    Source: Xu et al. 2019, "Frequency Principle" (arXiv 1901.06523), CIFAR-10 filtering experiment (the
        authors' code).

    Example:
        >>> SmallCNN(3, 10, image_size=32)(torch.zeros(2, 3, 32, 32)).shape
        torch.Size([2, 10])
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 10, image_size: int | tuple[int, int] = 32,
                 hidden: int = 400):
        super().__init__()
        h, w = (image_size, image_size) if isinstance(image_size, int) else image_size
        if h < 6 or w < 6:
            raise ConfigError(f"SmallCNN needs images of at least 6×6, got {h}×{w}")
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3), nn.ReLU(),
            nn.Conv2d(32, 64, 3), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        flat = 64 * ((h - 4) // 2) * ((w - 4) // 2)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(flat, hidden), nn.ReLU(),
                                        nn.Linear(hidden, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class ConvNet(nn.Module):
    """Our scaled-down CNN for Yin et al.'s experiments (0.14 M parameters at the default widths and 10 classes).

    [conv3×3(32)-BN-ReLU]×2, maxpool2, [conv3×3(64)-BN-ReLU]×2, maxpool2, conv3×3(128)-BN-ReLU, global average
    pool, FC(classes). Any image size ≥ 4 works (global pooling).

    Args:
        in_channels: C of the input.
        num_classes: outputs (logits).
        batch_norm: False drops the BatchNorm layers (the convolutions then get biases).
        dropout: dropout probability before the classifier (0: none).
        widths: channels of the three stages.
        first_kernel_size: odd k of the first conv layer's k×k kernel, padded to keep the image size.

    Attributes:
        features, dropout, fc: the parts; ``forward`` returns (N, num_classes) logits.

    Raises:
        ConfigError: an even or non-positive ``first_kernel_size``.

    Source: freqlens (a small stand-in for the networks of Yin et al. 2019, "A Fourier perspective on model
        robustness in computer vision").

    Example:
        >>> sum(p.numel() for p in ConvNet().parameters())
        141034
        >>> net = ConvNet(3, 10, first_kernel_size=5)
        >>> net.features[0].weight.shape, net(torch.zeros(2, 3, 16, 16)).shape
        (torch.Size([32, 3, 5, 5]), torch.Size([2, 10]))
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 10, batch_norm: bool = True, dropout: float = 0.0,
                 widths: tuple[int, int, int] = (32, 64, 128), first_kernel_size: int = 3):
        super().__init__()
        if not (isinstance(first_kernel_size, int) and first_kernel_size >= 1 and first_kernel_size % 2 == 1):
            raise ConfigError(f"first_kernel_size must be an odd integer ≥ 1, got {first_kernel_size!r}")

        def block(cin, cout, k=3):
            layers = [nn.Conv2d(cin, cout, k, padding=k // 2, bias=not batch_norm)]
            if batch_norm:
                layers.append(nn.BatchNorm2d(cout))
            layers.append(nn.ReLU())
            return layers

        a, b, c = widths
        self.features = nn.Sequential(
            *block(in_channels, a, first_kernel_size), *block(a, a), nn.MaxPool2d(2),
            *block(a, b), *block(b, b), nn.MaxPool2d(2),
            *block(b, c), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.fc = nn.Linear(c, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(self.features(x)))
