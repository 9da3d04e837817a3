"""Projected gradient descent (PGD, Madry et al.), written here: L∞ and L2, random start, bounds respected.

Perturbations live in input space before normalisation (``bounds``, default [0, 1]); ``normalize`` is
applied inside the loss. Gradients are taken with ``torch.autograd.grad`` on the input only, with the model
in eval mode (its own modes restored afterwards) and its parameters' ``.grad`` untouched.
"""
from __future__ import annotations

import torch
from torch import nn

from freqlens.device import eval_mode, model_device
from freqlens.errors import InputError
from freqlens.probes.common import Normalize, check_images, forward_logits


def _norm_per_sample(t: torch.Tensor) -> torch.Tensor:
    return t.flatten(1).norm(dim=1).clamp_min(1e-12).view(-1, *([1] * (t.ndim - 1)))


def pgd_attack(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, eps: float, step_size: float | None = None,
               steps: int = 10, norm: str = "linf", random_start: bool = True, bounds: tuple[float, float] = (0.0, 1.0),
               normalize: Normalize = None, loss_fn=None, seed: int = 0, max_batch: int = 512,
               train_mode: bool = False) -> torch.Tensor:
    """Untargeted PGD maximising cross-entropy. Returns adversarial images (N, C, H, W) on the input's device.

    Args:
        eps: radius of the ε-ball in input units (e.g. 8/255 for L∞ on [0, 1] images, 0.5 for L2).
        step_size: default 2.5·eps/steps. norm: "linf" or "l2".
        loss_fn: ``(logits, labels) -> per-sample or scalar loss``; default cross-entropy.
        train_mode: keep the model's current mode (for adversarial training with BatchNorm statistics);
            default evaluates in eval mode.

    Example::

        >>> x_adv = pgd_attack(model, x, y, eps=8/255, steps=20)
        >>> ((x_adv - x).abs().amax() <= 8/255 + 1e-6)   # True
    """
    if eps <= 0:
        raise InputError(f"eps must be > 0, got {eps}")
    if steps < 1:
        raise InputError(f"steps must be ≥ 1, got {steps}")
    if norm not in ("linf", "l2"):
        raise InputError(f"norm must be 'linf' or 'l2', got {norm!r}")
    check_images(images, labels, bounds)
    step = step_size if step_size is not None else 2.5 * eps / steps
    lo, hi = bounds
    dev = model_device(model)
    loss_fn = loss_fn or (lambda logits, y: nn.functional.cross_entropy(logits, y, reduction="sum"))
    gen = torch.Generator(device=dev).manual_seed(seed)
    outs = []
    ctx = eval_mode(model) if not train_mode else _nullcontext(model)
    with ctx, torch.enable_grad():
        for start in range(0, images.shape[0], max_batch):
            x = images[start:start + max_batch].to(dev)
            y = labels[start:start + max_batch].to(dev)
            if random_start:
                if norm == "linf":
                    delta = (torch.rand(x.shape, generator=gen, device=dev) * 2 - 1) * eps
                else:
                    d = torch.randn(x.shape, generator=gen, device=dev)
                    r = torch.rand((x.shape[0],) + (1,) * (x.ndim - 1), generator=gen, device=dev)
                    delta = d / _norm_per_sample(d) * eps * r
            else:
                delta = torch.zeros_like(x)
            x_adv = (x + delta).clamp(lo, hi).detach()
            for _ in range(steps):
                x_adv.requires_grad_(True)
                loss = loss_fn(forward_logits(model, x_adv, normalize), y)
                (grad,) = torch.autograd.grad(loss.sum(), x_adv)
                with torch.no_grad():
                    if norm == "linf":
                        x_adv = x_adv + step * grad.sign()
                        x_adv = x + (x_adv - x).clamp(-eps, eps)
                    else:
                        x_adv = x_adv + step * grad / _norm_per_sample(grad)
                        d = x_adv - x
                        d = d * (eps / _norm_per_sample(d)).clamp(max=1.0)
                        x_adv = x + d
                    x_adv = x_adv.clamp(lo, hi).detach()
            outs.append(x_adv.to(images.device))
    return torch.cat(outs)


class _nullcontext:
    def __init__(self, model):
        self.model = model

    def __enter__(self):
        return self.model

    def __exit__(self, *exc):
        return False
