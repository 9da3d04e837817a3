"""Trained image classifiers shared by the recipes, trained once per configuration and cached under
``<out>/../cache`` (see :func:`freqlens.models.cache.cached_model`), so a second recipe reuses them.

Every model returned takes images in [0, 1]: per-channel normalisation is the first module inside it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from freqlens.data import CIFAR10_MEAN, CIFAR10_STD, MNIST_MEAN, MNIST_STD, load_cifar10, load_mnist
from freqlens.errors import ConfigError
from freqlens.interventions.adversarial_training import AdversarialExamples
from freqlens.interventions.augment import Compose, GaussianNoiseAugmentation, RandomCropFlip
from freqlens.models import ConvNet, SmallCNN, with_normalization
from freqlens.models.cache import cached_model
from freqlens.models.resnet import CifarResNet
from freqlens.recipes.base import RecipeContext
from freqlens.train import fit

ARCHITECTURES: dict[str, Callable[..., nn.Module]] = {
    "convnet": lambda in_channels, num_classes, **kw: ConvNet(in_channels, num_classes, **kw),
    "convnet-small": lambda in_channels, num_classes, **kw: ConvNet(in_channels, num_classes, widths=(16, 32, 64), **kw),
    "smallcnn": lambda in_channels, num_classes, image_size=32, **kw: SmallCNN(in_channels, num_classes, image_size, **kw),
    "resnet20": lambda in_channels, num_classes, **kw: CifarResNet(in_channels, num_classes, depth=20, **kw),
    "resnet56": lambda in_channels, num_classes, **kw: CifarResNet(in_channels, num_classes, depth=56, **kw),
}


def balanced_subset(images: torch.Tensor, labels: torch.Tensor, per_class: int, seed: int = 0):
    """``per_class`` random images of every class (fixed seed), shuffled together."""
    g = torch.Generator().manual_seed(seed)
    keep = []
    for c in labels.unique().tolist():
        idx = torch.nonzero(labels == c).flatten()
        keep.append(idx[torch.randperm(idx.numel(), generator=g)[:per_class]])
    order = torch.cat(keep)
    order = order[torch.randperm(order.numel(), generator=g)]
    return images[order], labels[order]


def image_data(ctx: RecipeContext, dataset: str, n_train: int, n_test: int, seed: int = 0):
    """Balanced training subset and the first ``n_test`` test images of MNIST or CIFAR-10 (data root).

    A split asked for with 0 images is not read: it comes back empty, e.g. (0, 3, 32, 32) images."""
    loaders = {"cifar10": (load_cifar10, (3, 32, 32)), "mnist": (load_mnist, (1, 28, 28))}
    if dataset not in loaders:
        raise ConfigError(f"unknown dataset {dataset!r}; expected 'cifar10' or 'mnist'")
    load, shape = loaders[dataset]
    empty = (torch.zeros(0, *shape), torch.zeros(0, dtype=torch.long))
    if n_train > 0:
        xtr, ytr = load(ctx.data_root, train=True)
        xtr, ytr = balanced_subset(xtr, ytr, max(1, n_train // 10), seed)
    else:
        xtr, ytr = empty
    xte, yte = load(ctx.data_root, train=False, limit=n_test) if n_test > 0 else empty
    return xtr, ytr, xte, yte


def train_variant_transform(variant: str, dataset: str, normalize=None):
    """The batch transform of a named training variant: natural, gaussian (σ_max 0.1), adversarial (FGSM with a
    random start, ε = 8/255 on CIFAR-10)."""
    crop = RandomCropFlip(pad=4, flip=dataset == "cifar10") if dataset == "cifar10" else None
    if variant == "natural":
        return Compose(crop)
    if variant == "gaussian":
        return Compose(crop, GaussianNoiseAugmentation(0.1))
    if variant == "adversarial":
        # FGSM with a random start (one step of 1.25 ε), a cheaper alternative to 3-step PGD (Wong, Rice & Kolter 2020)
        eps = 8 / 255 if dataset == "cifar10" else 0.3
        return Compose(crop, AdversarialExamples(eps=eps, steps=1, step_size=1.25 * eps))
    if variant == "none":
        return None
    raise ConfigError(f"unknown training variant {variant!r}; expected natural, gaussian, adversarial or none")


def trained_classifier(ctx: RecipeContext, dataset: str = "cifar10", arch: str = "convnet-small",
                       variant: str = "natural", n_train: int = 5000, epochs: int = 8, batch_size: int = 128,
                       lr: float = 0.05, weight_decay: float = 5e-4, arch_kwargs: dict[str, Any] | None = None,
                       transform=None, train_data=None, regularizer=None, tag: str = "") -> nn.Module:
    """A classifier trained with SGD (Nesterov momentum 0.9, cosine schedule) on a balanced subset, cached.

    ``transform`` (a ``fit`` batch transform) replaces the variant's; then ``tag`` must name it so the cache
    key differs. ``train_data=(x, y)`` replaces the balanced subset (e.g. LFC images), and ``regularizer`` (a
    ``fit`` regularizer, model → scalar added to the loss) is added to the loss; ``tag`` again names them.
    """
    if (transform is not None or train_data is not None or regularizer is not None) and not tag:
        raise ConfigError("a custom transform, train_data or regularizer needs a tag naming it (it keys the cache)")
    if arch not in ARCHITECTURES:
        raise ConfigError(f"unknown architecture {arch!r}; expected one of {', '.join(ARCHITECTURES)}")
    arch_kwargs = dict(arch_kwargs or {})
    in_channels = 3 if dataset == "cifar10" else 1
    mean, std = (CIFAR10_MEAN, CIFAR10_STD) if dataset == "cifar10" else (MNIST_MEAN, MNIST_STD)
    if arch == "smallcnn":
        arch_kwargs.setdefault("image_size", 32 if dataset == "cifar10" else 28)
    config = {"name": f"{dataset}-{arch}-{variant}{('-' + tag) if tag else ''}", "dataset": dataset, "arch": arch,
              "arch_kwargs": arch_kwargs, "variant": variant, "n_train": n_train, "epochs": epochs,
              "batch_size": batch_size, "lr": lr, "weight_decay": weight_decay, "seed": ctx.seed, "tag": tag,
              "version": 2}  # 2: adversarial variant is FGSM with a random start

    def build() -> nn.Module:
        torch.manual_seed(ctx.seed)
        return with_normalization(ARCHITECTURES[arch](in_channels, 10, **arch_kwargs), mean, std)

    def train(model: nn.Module, checkpoint) -> None:
        if train_data is not None:
            xtr, ytr = train_data
        else:
            xtr, ytr, _, _ = image_data(ctx, dataset, n_train, 0, ctx.seed)
        tr = transform if transform is not None else train_variant_transform(variant, dataset)
        fit(model, (xtr, ytr), epochs, loss="cross_entropy", batch_size=batch_size, seed=ctx.seed,
            optimizer=lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True, weight_decay=weight_decay),
            scheduler=lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=max(epochs, 1)),
            batch_transform=tr, regularizer=regularizer, checkpoint=checkpoint, resume=True, progress=ctx.progress,
            device=ctx.device)

    model = cached_model(build, train, config, ctx.cache_dir, device=ctx.device)
    model.eval()
    return model


def shared_config(ctx: RecipeContext) -> dict[str, Any]:
    """Architecture and training size of the classifiers shared by the CIFAR-10 recipes, in one place so every
    recipe family reuses the same cached models.

    Quick: ConvNet-small (16/32/64), 10 000 images × 10 epochs, batch 32 (≈ 67 % clean accuracy on the first
    1 000 test images). Full: our ConvNet (32/64/128), 10 000 × 15, batch 32. Batch 32 rather than the
    planned 128: at these epoch counts batch 128 underfits (ConvNet-small, 5 000 × 10: 55 % at batch 128, 60 % at
    batch 32, training accuracy barely above test accuracy in both).
    """
    if ctx.quick:
        return {"arch": "convnet-small", "n_train": 10000, "epochs": 10, "batch_size": 32}
    return {"arch": "convnet", "n_train": 10000, "epochs": 15, "batch_size": 32}


def shared_classifier(ctx: RecipeContext, variant: str = "natural", **overrides: Any) -> nn.Module:
    """The cached CIFAR-10 classifier of a training variant (natural, gaussian, adversarial) at the shared
    configuration; ``overrides`` (e.g. ``tag=..., transform=...``) are passed to :func:`trained_classifier`."""
    return trained_classifier(ctx, "cifar10", variant=variant, **{**shared_config(ctx), **overrides})
