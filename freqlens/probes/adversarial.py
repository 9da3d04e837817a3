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


# --- Fourier analysis of perturbations and the Fourier-basis black-box attack (Yin et al., spec B7/B8) ------

import dataclasses as _dc  # noqa: E402

import numpy as _np  # noqa: E402

from freqlens.results import Result as _Result  # noqa: E402


@_dc.dataclass
class PerturbationSpectrumResult(_Result):
    """Mean |F(δ_c)| of perturbations δ = x_adv − x over images and channels, centred (H, W)."""

    spectrum: _np.ndarray
    low_energy_fraction: float          # energy share at max(|f_u|, |f_v|) ≤ low_radius
    low_radius: int = 3
    n_images: int = 0
    attack: dict = _dc.field(default_factory=dict)
    label: str = ""

    def plot(self, ax=None):
        from freqlens.plot.robustness import plot_perturbation_spectrum

        return plot_perturbation_spectrum(self, ax=ax)


def perturbation_spectrum(adversarial: torch.Tensor, images: torch.Tensor, low_radius: int = 3,
                          attack: dict | None = None, label: str = "") -> PerturbationSpectrumResult:
    """Fourier spectrum of perturbations ``adversarial − images`` (both (N, C, H, W)).

    Example::

        >>> x_adv = pgd_attack(model, x, y, eps=8/255, steps=20)
        >>> perturbation_spectrum(x_adv, x).low_energy_fraction   # adversarially trained: larger
    """
    from freqlens.fourier.spectrum import amplitude_spectrum, low_frequency_energy_fraction

    if adversarial.shape != images.shape:
        raise InputError(f"adversarial images {tuple(adversarial.shape)} and images {tuple(images.shape)} differ in shape")
    delta = (adversarial.detach().double() - images.detach().double().to(adversarial.device)).cpu()
    return PerturbationSpectrumResult(spectrum=amplitude_spectrum(delta).numpy(),
                                      low_energy_fraction=low_frequency_energy_fraction(delta, low_radius),
                                      low_radius=int(low_radius), n_images=int(images.shape[0]),
                                      attack=dict(attack or {}), label=label)


@_dc.dataclass
class FourierAttackResult(_Result):
    """Outcome of the Fourier-basis black-box attack over the originally correct images."""

    success_rate: float             # fraction of originally correct images fooled (any candidate)
    median_queries: float           # median queries to the first success, over fooled images
    success_low: float              # success rate with only low-frequency candidates (ρ ≤ low)
    success_high: float             # ... only high-frequency candidates (ρ ≥ high)
    n_correct: int
    eps: float
    low: int
    high: int
    sign_patterns: int
    queries: _np.ndarray            # (n_correct,) queries to success (−1: not fooled)
    radius_of_success: _np.ndarray  # (n_correct,) ρ of the fooling basis (−1: not fooled)
    label: str = ""
    fooled_low: _np.ndarray | None = None   # (n_correct,) bool: fooled by some low-frequency candidate
    fooled_high: _np.ndarray | None = None  # (n_correct,) bool: fooled by some high-frequency candidate

    def plot(self, ax=None):
        from freqlens.plot.robustness import plot_attack

        return plot_attack([self], ax=ax)


def _sign_patterns(k: int, channels: int, seed: int) -> torch.Tensor:
    pats = [torch.ones(channels), -torch.ones(channels)]
    g = torch.Generator().manual_seed(seed)
    while len(pats) < k:
        pats.append(torch.randint(0, 2, (channels,), generator=g).float() * 2 - 1)
    return torch.stack(pats[:k])


def fourier_basis_attack(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, eps: float = 4.0,
                         low: int = 4, high: int = 12, sign_patterns: int = 4, window: int | None = None,
                         bounds: tuple[float, float] | None = (0.0, 1.0), normalize: Normalize = None, seed: int = 0,
                         max_batch: int = 4096, progress: bool = True, label: str = "") -> FourierAttackResult:
    """Query-only attack (spec B8): per image, try ``x + eps · s ⊙ U_{p,q}`` over the distinct Fourier bases
    ordered by increasing ρ = max(|f_u|, |f_v|) (ties in row-major order), each with ``sign_patterns`` per-channel
    sign vectors (all +1, all −1, then random ones), and stop at the first misclassification. Every candidate is
    evaluated for every still-correct image in batches, so the query count of an image is the index of its first
    fooling candidate + 1. ``eps`` is the ℓ2 norm per channel; perturbed images are clipped to ``bounds``.

    Returns the overall success rate, the median number of queries, and the success rates when only
    low-frequency (ρ ≤ ``low``) or only high-frequency (ρ ≥ ``high``) candidates are allowed.

    Example::

        >>> res = fourier_basis_attack(model, x[:200], y[:200], eps=4.0)
        >>> res.success_low, res.success_high
    """
    from tqdm.auto import tqdm

    from freqlens.fourier.basis import fourier_basis, unique_positions

    if isinstance(eps, bool) or not eps > 0:
        raise InputError(f"eps must be a positive ℓ2 norm per channel, got {eps!r}")
    if sign_patterns < 1:
        raise InputError(f"sign_patterns must be ≥ 1, got {sign_patterns}")
    check_images(images, labels, bounds)
    dev = model_device(model)
    n, c, h, w = images.shape
    x, y = images.to(dev), labels.to(dev)
    pos = unique_positions(h, w)
    rho = torch.maximum((pos[:, 0] - h // 2).abs(), (pos[:, 1] - w // 2).abs())
    keep = torch.ones_like(rho, dtype=torch.bool) if window is None else rho <= window
    order = torch.nonzero(keep).flatten()
    order = order[torch.argsort(rho[order], stable=True)]
    pats = _sign_patterns(sign_patterns, c, seed).to(dev)
    from freqlens.probes.common import check_labels_fit

    with eval_mode(model), torch.inference_mode():
        clean = []
        for i in range(0, n, max_batch):
            logits = forward_logits(model, x[i:i + max_batch], normalize)
            check_labels_fit(logits, y)
            clean.append(logits.argmax(1) == y[i:i + max_batch])
        correct = torch.nonzero(torch.cat(clean)).flatten()
        xc, yc = x[correct], y[correct]
        nc = int(correct.numel())
        # first fooling candidate index per image, for all / low-only / high-only candidate lists
        cand_rho = rho[order].repeat_interleave(sign_patterns)             # candidate q = basis i·P + pattern
        first = torch.full((nc,), -1, dtype=torch.long)
        fooled_low = torch.zeros(nc, dtype=torch.bool)
        fooled_high = torch.zeros(nc, dtype=torch.bool)
        per = max(1, max_batch // max(nc, 1))                              # bases per forward pass
        bar = tqdm(total=int(order.numel()), desc="Fourier-basis attack", unit="freq", disable=not progress, leave=False)
        for b0 in range(0, int(order.numel()), per):
            idx = order[b0:b0 + per]
            qidx = b0 * sign_patterns + torch.arange(idx.numel() * sign_patterns)
            r = cand_rho[qidx]
            # an image still needs these candidates only if it is not yet fooled in a list they belong to: the
            # candidates come in increasing ρ, so an earlier success is always the first one (same result as
            # evaluating every candidate on every image, far fewer forward passes)
            active = first < 0
            if bool((r <= low).any()):
                active |= ~fooled_low
            if bool((r >= high).any()):
                active |= ~fooled_high
            act = torch.nonzero(active).flatten()
            if act.numel() == 0:
                bar.update(int(idx.numel()))
                continue
            basis = fourier_basis(h, w, pos[idx], device=dev) * float(eps)                # (b, H, W)
            pert = pats[None, :, :, None, None] * basis[:, None, None]                      # (b, P, C, H, W)
            pert = pert.reshape(-1, c, h, w)                                                # (b·P, C, H, W)
            step = max(1, max_batch // pert.shape[0])
            for i0 in range(0, int(act.numel()), step):
                sel = act[i0:i0 + step]
                xb = xc[sel.to(dev)]
                cand = xb[None] + pert[:, None]                                             # (b·P, n, C, H, W)
                if bounds is not None:
                    cand = cand.clamp_(*bounds)
                pred = forward_logits(model, cand.reshape(-1, c, h, w), normalize).argmax(1).view(pert.shape[0], -1)
                wrong = (pred != yc[sel.to(dev)][None]).cpu()                               # (b·P, n)
                fooled_low[sel] |= (wrong & (r <= low)[:, None]).any(0)
                fooled_high[sel] |= (wrong & (r >= high)[:, None]).any(0)
                hit = wrong.any(0)
                firsts = torch.where(hit, wrong.float().argmax(0) + qidx[0], torch.full_like(hit, -1, dtype=torch.long))
                cur = first[sel]
                first[sel] = torch.where((cur < 0) & hit, firsts, cur)
            bar.update(int(idx.numel()))
        bar.close()
    fooled = first >= 0
    queries = torch.where(fooled, first + 1, torch.full_like(first, -1))
    radius = torch.where(fooled, cand_rho[first.clamp_min(0)], torch.full_like(first, -1))
    med = float(queries[fooled].double().median()) if bool(fooled.any()) else float("nan")
    denom = max(nc, 1)
    return FourierAttackResult(success_rate=float(fooled.sum()) / denom, median_queries=med,
                               success_low=float(fooled_low.sum()) / denom, success_high=float(fooled_high.sum()) / denom,
                               n_correct=nc, eps=float(eps), low=int(low), high=int(high),
                               sign_patterns=int(sign_patterns), queries=queries.numpy(),
                               radius_of_success=radius.numpy(), label=label, fooled_low=fooled_low.numpy(),
                               fooled_high=fooled_high.numpy())
