"""Small models of every common kind, for the input-contract tests: CNN, ResNet-ish, ViT, dict / HF-style
outputs, single-logit binary, float64. Each takes (N, C, S, S) images and has ``num_classes`` outputs."""
from __future__ import annotations

import torch
from torch import nn


class SmallCNN(nn.Module):
    def __init__(self, channels: int = 1, num_classes: int = 3):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1)
        self.head = nn.Linear(6, num_classes)

    def forward(self, x):
        return self.head(torch.relu(self.conv2(torch.relu(self.conv1(x)))).mean((2, 3)))


class _Block(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        return torch.relu(x + self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))


class TinyResNet(nn.Module):
    def __init__(self, channels: int = 1, num_classes: int = 3):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(channels, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.layer1 = _Block(8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        return self.fc(self.pool(self.layer1(self.stem(x))).flatten(1))


class TinyViT(nn.Module):
    """Patch embedding (conv), cls token, positional embedding, nn.TransformerEncoder, linear head."""

    def __init__(self, channels: int = 1, num_classes: int = 3, image_size: int = 8, patch: int = 4, dim: int = 16,
                 batch_first: bool = True):
        super().__init__()
        self.patch_embed = nn.Conv2d(channels, dim, patch, stride=patch)
        n = (image_size // patch) ** 2
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, n + 1, dim) * 0.02)
        layer = nn.TransformerEncoderLayer(dim, nhead=2, dim_feedforward=32, dropout=0.0, batch_first=batch_first)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.attn = nn.MultiheadAttention(dim, 2, batch_first=batch_first)   # called directly too
        self.batch_first = batch_first
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        t = self.patch_embed(x).flatten(2).transpose(1, 2)                        # (N, L, D)
        t = torch.cat([self.cls_token.expand(t.shape[0], -1, -1), t], 1) + self.pos_embed
        if not self.batch_first:
            t = t.transpose(0, 1)
        t = self.encoder(t)
        t = t + self.attn(t, t, t, need_weights=False)[0]
        if not self.batch_first:
            t = t.transpose(0, 1)
        return self.head(self.norm(t[:, 0]))


class DictOutput(nn.Module):
    def __init__(self, channels: int = 1, num_classes: int = 3):
        super().__init__()
        self.net = SmallCNN(channels, num_classes)

    def forward(self, x):
        return {"features": x.mean((2, 3)), "logits": self.net(x)}


class _HFOutput(dict):
    """Like transformers' ModelOutput: a dict whose values are also attributes."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


class HFStyle(nn.Module):
    def __init__(self, channels: int = 1, num_classes: int = 3):
        super().__init__()
        self.net = SmallCNN(channels, num_classes)

    def forward(self, pixel_values):
        return _HFOutput(logits=self.net(pixel_values))


class Binary(nn.Module):
    """Single logit: > 0 means class 1."""

    def __init__(self, channels: int = 1):
        super().__init__()
        self.net = SmallCNN(channels, 1)

    def forward(self, x):
        return self.net(x)


def float64_cnn(channels: int = 1, num_classes: int = 3) -> nn.Module:
    return SmallCNN(channels, num_classes).double()
