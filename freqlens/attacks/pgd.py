"""Gradient-sign and projected-gradient attacks, written here: PGD (L∞ and L2), FGSM (optionally with a random
start), the FGSM ε-sweep and the minimal-ε PGD search used by the post-averaging protocol.

Perturbations live in input space before normalisation (``bounds``, default [0, 1]); ``normalize`` is applied
inside the loss. Gradients are taken with ``torch.autograd.grad`` on the input only, with the model in eval mode
(its own modes restored afterwards) and its parameters' ``.grad`` untouched. Every attack returns an
:class:`~freqlens.attacks.result.AttackResult`.
"""
from __future__ import annotations

import contextlib
import math
from collections.abc import Callable

import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.attacks.result import AttackResult, make_result
from freqlens.device import eval_mode, model_device
from freqlens.errors import InputError
from freqlens.inference import forward_logits, predict_labels
from freqlens.normalization import NormalizeArg
from freqlens.validation import check_images, check_integer, check_number

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _norm_per_sample(t: torch.Tensor) -> torch.Tensor:
    return t.flatten(1).norm(dim=1).clamp_min(1e-12).view(-1, *([1] * (t.ndim - 1)))


def _check_model(model) -> None:
    if not isinstance(model, nn.Module):
        raise InputError(f"model must be an nn.Module returning logits (N, classes), got {type(model).__name__}")


def _predictions(model: nn.Module, images: torch.Tensor, adversarial: torch.Tensor, normalize: NormalizeArg,
                 max_batch: int) -> tuple[torch.Tensor, torch.Tensor]:
    return (predict_labels(model, images, normalize, max_batch).to(images.device),
            predict_labels(model, adversarial, normalize, max_batch).to(images.device))


def pgd_attack(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, eps: float, step_size: float | None = None,
               steps: int = 10, norm: str = "linf", random_start: bool = True, bounds: tuple[float, float] = (0.0, 1.0),
               normalize: NormalizeArg = None, loss_fn: LossFn | None = None, seed: int = 0, max_batch: int = 512,
               train_mode: bool = False, predict: bool = True) -> AttackResult:
    """Untargeted projected gradient descent maximising the cross-entropy inside an L∞ or L2 ball.

    Per step: ``x ← Π_{B(x₀, ε) ∩ bounds}(x + α·sign(∇ℓ))`` (L∞) or ``x + α·∇ℓ/‖∇ℓ‖₂`` (L2), starting from a
    uniform point of the L∞ ball or a random point of the L2 ball (``random_start``) drawn from a local
    ``torch.Generator(seed)`` on the model's device, so equal seeds give identical adversarials.

    Args:
        model: any ``nn.Module`` classifier returning logits (N, classes) for images (N, C, H, W).
        images: (N, C, H, W) floats inside ``bounds`` (input space, before ``normalize``).
        labels: (N,) int64 class indices.
        eps: radius of the ball in input units (> 0; e.g. 8/255 for L∞ on [0, 1] images, 0.5 for L2).
        step_size: α in input units; default ``2.5·eps/steps``.
        steps: iterations (≥ 1).
        norm: ``"linf"`` or ``"l2"``.
        random_start: start from a random point of the ball instead of the clean image.
        bounds: (low, high) pixel range the adversarials are clipped to.
        normalize: callable applied to images right before the model (e.g. mean/std normalisation).
        loss_fn: ``(logits, labels) -> per-sample or scalar loss`` to maximise; default summed cross-entropy.
        seed: seed of the random start.
        max_batch: images per forward/backward pass.
        train_mode: keep the model's current mode (adversarial training with BatchNorm); default eval mode.
        predict: also compute clean and adversarial predictions (two extra forward passes in eval mode); with
            ``False`` the result's ``success`` is all False and ``clean_pred``/``adv_pred`` are None.

    Returns:
        :class:`AttackResult` (``attack="pgd"``) with adversarials (N, C, H, W) on the images' device,
        ``‖x_adv − x‖ ≤ eps`` in the chosen norm, inside ``bounds``.

    Raises:
        InputError: eps ≤ 0, steps < 1, an unknown norm, a model that is not an ``nn.Module``, or images/labels
            of the wrong shape, dtype or range.

    Source:
        Madry et al., "Towards Deep Learning Models Resistant to Adversarial Attacks", ICLR 2018, Eq. (2) (PGD on
        the negative loss); the L2 step is the normalised-gradient variant of the same paper's Sec. 2.1.

    Example:
        >>> import torch
        >>> torch.manual_seed(0) and None
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 3))
        >>> x, y = torch.rand(8, 3, 2, 2), torch.randint(0, 3, (8,))
        >>> res = pgd_attack(model, x, y, eps=0.5, steps=10, norm="l2")
        >>> bool((res.l2 <= 0.5 + 1e-5).all()), res.images.shape
        (True, torch.Size([8, 3, 2, 2]))
    """
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
        raise InputError(f"eps must be > 0, got {eps!r}")
    if steps < 1:
        raise InputError(f"steps must be ≥ 1, got {steps}")
    if norm not in ("linf", "l2"):
        raise InputError(f"norm must be 'linf' or 'l2', got {norm!r}")
    _check_model(model)
    check_images(images, labels, bounds)
    step = step_size if step_size is not None else 2.5 * eps / steps
    lo, hi = bounds
    dev = model_device(model)
    loss_fn = loss_fn or (lambda logits, y: nn.functional.cross_entropy(logits, y, reduction="sum"))
    gen = torch.Generator(device=dev).manual_seed(seed)
    outs = []
    ctx = eval_mode(model) if not train_mode else contextlib.nullcontext(model)
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
    adv = torch.cat(outs)
    params = {"eps": float(eps), "step_size": float(step), "steps": int(steps), "norm": norm,
              "random_start": bool(random_start), "bounds": [float(lo), float(hi)], "seed": int(seed)}
    return _finish("pgd", model, images, labels, adv, params, normalize, max_batch, predict)


def _finish(name, model, images, labels, adv, params, normalize, max_batch, predict) -> AttackResult:
    if predict:
        clean_pred, adv_pred = _predictions(model, images, adv, normalize, max_batch)
        return make_result(name, images, labels, adv, clean_pred=clean_pred, adv_pred=adv_pred, params=params)
    return make_result(name, images, labels, adv, success=torch.zeros(images.shape[0], dtype=torch.bool),
                       params=params)


def fgsm(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, eps: float, random_start: bool = False,
         step_size: float | None = None, norm: str = "linf", bounds: tuple[float, float] = (0.0, 1.0),
         normalize: NormalizeArg = None, seed: int = 0, max_batch: int = 512, predict: bool = True) -> AttackResult:
    """Fast gradient sign method: one gradient step of size ε (L∞: ``x + ε·sign(∇ℓ)``), clipped to ``bounds``;
    with ``random_start`` the step starts from a uniform point of the ε-ball and has size ``1.25·ε``, then is
    projected back to the ball ("FGSM with random initialisation").

    It is :func:`pgd_attack` with ``steps=1`` (bit-identical for the same arguments).

    Args:
        model: any ``nn.Module`` classifier returning logits (N, classes).
        images: (N, C, H, W) floats inside ``bounds``; labels: (N,) int64.
        eps: ball radius in input units (> 0).
        random_start: start from a random point of the ball.
        step_size: override of the step (default ``eps``, or ``1.25·eps`` with ``random_start``).
        norm: ``"linf"`` (FGSM) or ``"l2"`` (the fast gradient method with an L2-normalised gradient).
        bounds, normalize, seed, max_batch, predict: as in :func:`pgd_attack`.

    Returns:
        :class:`AttackResult` (``attack="fgsm"``), adversarials (N, C, H, W) within ε of the images.

    Raises:
        InputError: as :func:`pgd_attack`.

    Source:
        Goodfellow, Shlens, Szegedy, "Explaining and Harnessing Adversarial Examples", ICLR 2015, Eq. (3)
        (η = ε·sign(∇ₓJ)); random start: Wong, Rice, Kolter, "Fast is better than free", ICLR 2020, Alg. 3
        (α = 1.25ε).

    Example:
        >>> import torch
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
        >>> x, y = torch.full((3, 1, 2, 2), 0.5), torch.tensor([0, 1, 0])
        >>> res = fgsm(model, x, y, eps=0.1)
        >>> torch.allclose(res.perturbation.abs(), torch.full_like(x, 0.1))
        True
    """
    step = step_size if step_size is not None else (1.25 * eps if random_start else eps)
    res = pgd_attack(model, images, labels, eps, step, 1, norm, random_start, bounds, normalize, seed=seed,
                     max_batch=max_batch, predict=predict)
    res.attack = "fgsm"
    return res


def _ce_grad(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.enable_grad():
        xg = x.detach().clone().requires_grad_(True)
        logits = model(xg)
        loss = nn.functional.cross_entropy(logits, y, reduction="sum")
        (g,) = torch.autograd.grad(loss, xg)
    return g, logits.detach()


def fgsm_sweep(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, eps_max: float = 16 / 255,
               n_eps: int = 64, bounds: tuple[float, float] = (0.0, 1.0), max_batch: int = 512) -> AttackResult:
    """FGSM with the smallest ε on a grid that flips the model's prediction.

    The gradient sign is taken once at the clean image; ``x + ε·sign(∇ℓ)`` (clipped to ``bounds``) is tried for
    ε = eps_max/n_eps, 2·eps_max/n_eps, ..., eps_max and the first ε that changes the prediction is kept.

    Args:
        model: any ``nn.Module`` classifier returning logits (N, classes).
        images: (N, C, H, W) inside ``bounds``; labels: (N,) int64.
        eps_max: largest L∞ radius tried, input units (> 0).
        n_eps: grid points (≥ 1).
        bounds: pixel range. max_batch: images per pass.

    Returns:
        :class:`AttackResult` (``attack="fgsm_sweep"``): ``distance`` (N,) is the smallest successful ε per image,
        ``inf`` where no ε of the grid succeeded (then the adversarial is the clean image); ``success`` is
        ``distance < inf``.

    Raises:
        InputError: eps_max ≤ 0, n_eps < 1, or bad images/labels.

    Source:
        Goodfellow, Shlens, Szegedy, ICLR 2015, Eq. (3), swept over ε as Foolbox's ``GradientSignAttack`` (minimal
        ε); the protocol of Lin, Kasra Ahmadi, Jiang, "Bandlimiting Neural Networks Against Adversarial
        Attacks" (post-averaging), Sec. 4.

    Example:
        >>> import torch
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
        >>> x, y = torch.rand(4, 1, 2, 2), torch.tensor([0, 1, 0, 1])
        >>> res = fgsm_sweep(model, x, y, eps_max=1.0, n_eps=20)
        >>> bool((res.linf[res.success] <= res.distance[res.success] + 1e-6).all())
        True
    """
    eps_max = check_number(eps_max, "eps_max", 0.0, strict=True)
    n_eps = check_integer(n_eps, "n_eps", 1)
    _check_model(model)
    check_images(images, labels, bounds)
    dev = model_device(model)
    grid = torch.linspace(eps_max / n_eps, eps_max, n_eps)
    advs, found = [], []
    with eval_mode(model):
        for s in range(0, images.shape[0], max_batch):
            x = images[s:s + max_batch].to(dev)
            y = labels[s:s + max_batch].to(dev)
            g, _ = _ce_grad(model, x, y)
            sign = g.sign()
            adv, eps = x.clone(), torch.full((x.shape[0],), math.inf, device=dev)
            with torch.inference_mode():
                for e in grid.tolist():
                    todo = torch.isinf(eps)
                    if not bool(todo.any()):
                        break
                    cand = (x[todo] + e * sign[todo]).clamp(*bounds)
                    hit = model(cand).argmax(1) != y[todo]
                    idx = torch.nonzero(todo).flatten()[hit]
                    adv[idx] = cand[hit]
                    eps[idx] = e
            advs.append(adv.to(images.device))
            found.append(eps.to(images.device))
    adv, eps = torch.cat(advs), torch.cat(found)
    clean_pred, adv_pred = _predictions(model, images, adv, None, max_batch)
    params = {"eps_max": float(eps_max), "n_eps": int(n_eps), "bounds": [float(b) for b in bounds]}
    return make_result("fgsm_sweep", images, labels, adv, success=torch.isfinite(eps), clean_pred=clean_pred,
                       adv_pred=adv_pred, params=params, distance=eps)


def minimal_pgd(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, eps_max: float = 16 / 255,
                search_steps: int = 6, steps: int = 20, relative_step: float = 1 / 15,
                bounds: tuple[float, float] = (0.0, 1.0), seed: int = 0, max_batch: int = 512,
                progress: bool = False) -> AttackResult:
    """L∞ PGD that returns early and binary-searches the smallest ε per image.

    One run at ε = eps_max, then ``search_steps`` bisections of ε per image (batched, a per-image ε); each run
    starts uniformly in the ε-ball, steps ``ε·relative_step·sign(∇ℓ)`` and stops an image as soon as its
    prediction flips. The defaults are scaled down from Foolbox's (40 iterations, step ε/30) for CPU budgets; the
    path length per run (steps·relative_step ≈ 1.33ε) is the same.

    Args:
        model: any ``nn.Module`` classifier returning logits (N, classes).
        images: (N, C, H, W) inside ``bounds``; labels: (N,) int64.
        eps_max: largest L∞ radius, input units (> 0).
        search_steps: bisections of ε (≥ 0). steps: PGD iterations per run (≥ 1).
        relative_step: step size as a fraction of the current ε.
        bounds: pixel range. seed: seed of the random starts. max_batch: images per chunk.
        progress: show a progress bar over chunks.

    Returns:
        :class:`AttackResult` (``attack="pgd_minimal"``): ``distance`` (N,) the smallest successful ε (``inf``
        where eps_max failed; then the adversarial is the clean image); ``success`` is ``distance < inf``.

    Raises:
        InputError: eps_max ≤ 0, steps < 1, search_steps < 0, or bad images/labels.

    Source:
        Madry et al., ICLR 2018, Eq. (2), with the early return and ε bisection of Foolbox's minimal-ε
        ``RandomStartProjectedGradientDescentAttack``, as in the post-averaging protocol (Lin, Kasra Ahmadi,
        Jiang, Sec. 4).

    Example:
        >>> import torch
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
        >>> x, y = torch.rand(4, 1, 2, 2), torch.tensor([0, 1, 0, 1])
        >>> res = minimal_pgd(model, x, y, eps_max=1.0, search_steps=3, steps=5)
        >>> bool((res.linf[res.success] <= res.distance[res.success] + 1e-6).all())
        True
    """
    eps_max = check_number(eps_max, "eps_max", 0.0, strict=True)
    steps = check_integer(steps, "steps", 1)
    search_steps = check_integer(search_steps, "search_steps", 0)
    _check_model(model)
    check_images(images, labels, bounds)
    dev = model_device(model)
    gen = torch.Generator(device=dev).manual_seed(seed)
    lo_b, hi_b = bounds

    def run(x, y, eps):
        e = eps.view(-1, 1, 1, 1)
        adv = (x + (torch.rand(x.shape, generator=gen, device=dev) * 2 - 1) * e).clamp(lo_b, hi_b)
        done = torch.zeros(x.shape[0], dtype=torch.bool, device=dev)
        out = x.clone()
        for _ in range(steps):
            act = ~done
            if not bool(act.any()):
                break
            g, logits = _ce_grad(model, adv[act], y[act])
            hit = logits.argmax(1) != y[act]
            ia = torch.nonzero(act).flatten()
            out[ia[hit]] = adv[ia[hit]]
            done[ia[hit]] = True
            keep = ~hit
            ia, g = ia[keep], g[keep]
            if ia.numel() == 0:
                break
            ea = e[ia]
            step = adv[ia] + ea * relative_step * g.sign()
            adv[ia] = (x[ia] + (step - x[ia]).clamp(-ea, ea)).clamp(lo_b, hi_b)
        act = ~done
        if bool(act.any()):
            with torch.inference_mode():
                hit = model(adv[act]).argmax(1) != y[act]
            ia = torch.nonzero(act).flatten()[hit]
            out[ia] = adv[ia]
            done[ia] = True
        return out, done

    advs, found = [], []
    with eval_mode(model):
        for s in tqdm(range(0, images.shape[0], max_batch), disable=not progress, desc="minimal PGD", leave=False):
            x = images[s:s + max_batch].to(dev)
            y = labels[s:s + max_batch].to(dev)
            n = x.shape[0]
            lo = torch.zeros(n, device=dev)
            hi = torch.full((n,), float(eps_max), device=dev)
            best, ok = run(x, y, hi)
            best_eps = torch.where(ok, hi, torch.full_like(hi, math.inf))
            for _ in range(search_steps):
                mid = (lo + hi) / 2
                adv, succ = run(x, y, mid)
                succ = succ & ok
                best[succ] = adv[succ]
                best_eps[succ] = mid[succ]
                hi = torch.where(succ, mid, hi)
                lo = torch.where(succ, lo, mid)
            advs.append(best.to(images.device))
            found.append(best_eps.to(images.device))
    adv, eps = torch.cat(advs), torch.cat(found)
    clean_pred, adv_pred = _predictions(model, images, adv, None, max_batch)
    params = {"eps_max": float(eps_max), "search_steps": int(search_steps), "steps": int(steps),
              "relative_step": float(relative_step), "bounds": [float(b) for b in bounds], "seed": int(seed)}
    return make_result("pgd_minimal", images, labels, adv, success=torch.isfinite(eps), clean_pred=clean_pred,
                       adv_pred=adv_pred, params=params, distance=eps)


__all__ = ["pgd_attack", "fgsm", "fgsm_sweep", "minimal_pgd"]
