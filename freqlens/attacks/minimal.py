"""Minimal-perturbation L2 attacks: DeepFool (Moosavi-Dezfooli et al. 2016) and Carlini & Wagner L2 (2017).

Both search for the *smallest* L2 perturbation that changes a classifier's decision, the attacks the
post-averaging paper (Lin, Kasra Ahmadi, Jiang) transfers from the base model (Foolbox defaults, as in its evaluation
code).
Written here on plain autograd: batched over images (no per-image Python loop), device-agnostic (tensors are
built on the model's device), inputs in input space before normalisation (``bounds``, default [0, 1]), any
classifier returning logits (N, classes). The model runs in eval mode (modes restored) and its parameters'
``.grad`` is never touched.

- :func:`deepfool` — per step, linearise the label's logit difference to the ``candidates − 1`` most likely
  other classes, move to the nearest linearised boundary, overshoot the accumulated perturbation by
  ``1 + overshoot``, clip to bounds; an image stops as soon as it is misclassified (Foolbox 3
  ``L2DeepFoolAttack``: 100 steps, 10 candidates, overshoot 0.02).
- :func:`carlini_wagner_l2` — Adam on ``w`` with ``x = tanh(w)`` rescaled to bounds (box constraint by change
  of variables), loss ``c·max(0, z_y − max_{j≠y} z_j + κ) + ‖x − x₀‖²``, per-image binary search on ``c``,
  keeping the smallest-L2 successful point per image (Foolbox 3 ``L2CarliniWagnerAttack`` defaults).

Both return an :class:`~freqlens.attacks.result.AttackResult` whose ``distance`` is the L2 size of each
successful adversarial (``inf`` where the attack failed).
"""
from __future__ import annotations

import math

import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.attacks.result import AttackResult, make_result
from freqlens.device import eval_mode, model_device
from freqlens.errors import InputError
from freqlens.inference import forward_logits, predict_labels
from freqlens.validation import check_images, check_integer, check_labels_fit, check_number

#: added to DeepFool's step length so that a step crosses the linearised boundary instead of landing on it
#: (Foolbox adds 1e-4; smaller here so that with ``overshoot=0`` the first step is the exact projection)
DEEPFOOL_STEP_PAST = 1e-5


def _check_attack_inputs(model, images, labels, bounds):
    if not isinstance(model, nn.Module):
        raise InputError(f"model must be an nn.Module returning logits, got {type(model).__name__}")
    if bounds is None or len(bounds) != 2:
        raise InputError(f"bounds must be (low, high), got {bounds!r}")
    check_images(images, labels, bounds)


# -------------------------------------------------------------------------------------------------- DeepFool
def deepfool(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, steps: int = 100, candidates: int = 10,
             overshoot: float = 0.02, bounds: tuple[float, float] = (0.0, 1.0), max_batch: int = 256,
             progress: bool = False) -> AttackResult:
    """L2 DeepFool, batched over images.

    The label ``y`` and the ``candidates − 1`` other classes with the largest logits on the clean image are
    linearised at every step: ``f_k = z_k − z_y``, ``d_k = |f_k| / ‖∇f_k‖``; the step moves to the nearest
    linearised boundary (``(d_k + 1e-5)·∇f_k/‖∇f_k‖``), the accumulated perturbation is scaled by
    ``1 + overshoot`` and the point clipped to ``bounds``. Images stop when misclassified. One forward pass and
    ``candidates − 1`` backward passes per step for the images still correct.

    Args:
        model: any ``nn.Module`` classifier returning logits (N, classes).
        images: (N, C, H, W) inside ``bounds`` (input space); labels: (N,) int64 class indices.
        steps: at most this many linearisation steps (≥ 1).
        candidates: classes considered, label included (≥ 2; capped at the number of classes).
        overshoot: relative overshoot of the accumulated perturbation (≥ 0; Foolbox default 0.02).
        bounds: (low, high) pixel range. max_batch: images per forward/backward pass.
        progress: show a progress bar over chunks.

    Returns:
        :class:`AttackResult` (``attack="deepfool"``): adversarials (N, C, H, W) on the images' device (the clean
        image where the attack failed), ``success`` (N,), ``distance`` (N,) the L2 norm of each successful
        perturbation in input units (``inf`` where it failed). An image that is already misclassified is
        returned unchanged with success True and distance 0.

    Raises:
        InputError: a model that is not an ``nn.Module``, steps < 1, candidates < 2, overshoot < 0, bad bounds,
            or images/labels of the wrong shape, dtype or range.
        ModelOutputError: a label outside the model's classes.

    Source:
        Moosavi-Dezfooli, Fawzi, Frossard, "DeepFool: a simple and accurate method to fool deep neural networks",
        CVPR 2016, Alg. 2 (multi-class, Eq. (7)-(8) at the linearised boundary), with Foolbox 3's overshoot.

    Example:
        >>> import torch
        >>> torch.manual_seed(0) and None
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
        >>> with torch.no_grad():
        ...     _ = model[1].weight.mul_(10)
        >>> x = torch.full((2, 1, 2, 2), 0.5)
        >>> y = model(x).argmax(1)
        >>> res = deepfool(model, x, y, overshoot=0.0)    # linear model: one step lands on the exact boundary
        >>> res.success.tolist(), [round(d, 4) for d in res.distance.tolist()]
        ([True, True], [0.4913, 0.4913])
    """
    steps = check_integer(steps, "steps", 1)
    candidates = check_integer(candidates, "candidates", 2)
    overshoot = check_number(overshoot, "overshoot", 0.0, strict=False)
    max_batch = check_integer(max_batch, "max_batch", 1)
    _check_attack_inputs(model, images, labels, bounds)
    lo, hi = float(bounds[0]), float(bounds[1])
    adv, ok = _in_batches(model, images, labels, max_batch, progress, "DeepFool",
                          lambda x0, y: _deepfool_batch(model, x0, y, steps, candidates, overshoot, lo, hi))
    params = {"steps": steps, "candidates": candidates, "overshoot": overshoot, "bounds": [lo, hi]}
    return _result("deepfool", model, images, labels, adv, ok, params, max_batch)


def _result(name, model, images, labels, adv, ok, params, max_batch) -> AttackResult:
    adv_pred = predict_labels(model, adv, None, max_batch).to(images.device)
    clean_pred = predict_labels(model, images, None, max_batch).to(images.device)
    l2 = (adv - images).flatten(1).norm(dim=1)
    return make_result(name, images, labels, adv, success=ok, clean_pred=clean_pred, adv_pred=adv_pred,
                       params=params, distance=l2.masked_fill(~ok, math.inf))


def _in_batches(model, images, labels, max_batch, progress, desc, attack_batch) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``attack_batch(x, y) -> (adversarials, success)`` on chunks of ``max_batch`` images on the model's
    device, in eval mode; results return to the images' device."""
    dev = model_device(model)
    advs, oks = [], []
    with eval_mode(model):
        for s in tqdm(range(0, images.shape[0], max_batch), disable=not progress, desc=desc, leave=False):
            adv, ok = attack_batch(images[s:s + max_batch].to(dev), labels[s:s + max_batch].to(dev))
            advs.append(adv.to(images.device))
            oks.append(ok.to(images.device))
    return torch.cat(advs), torch.cat(oks)


def _deepfool_batch(model, x0, y, steps, candidates, overshoot, lo, hi):
    n = x0.shape[0]
    with torch.inference_mode():
        logits0 = forward_logits(model, x0)
    check_labels_fit(logits0, y)
    k = min(candidates, logits0.shape[1])
    ranked = logits0.clone()
    ranked[torch.arange(n, device=x0.device), y] = math.inf       # the label first, then the likeliest others
    classes = ranked.argsort(dim=1, descending=True)[:, :k]
    x = x0.clone()
    p_total = torch.zeros_like(x0)
    active = torch.ones(n, dtype=torch.bool, device=x0.device)
    for _ in range(steps):
        idx = torch.nonzero(active).flatten()
        if idx.numel() == 0:
            break
        with torch.enable_grad():
            xi = x[idx].detach().requires_grad_(True)
            logits = forward_logits(model, xi)
            fooled = logits.argmax(1) != y[idx]
            cls = classes[idx]
            f = logits.gather(1, cls[:, 1:]) - logits.gather(1, cls[:, :1])          # (n, k−1), < 0 while correct
            grads = [torch.autograd.grad(f[:, j].sum(), xi, retain_graph=j < k - 2)[0] for j in range(k - 1)]
        active[idx[fooled]] = False
        keep = ~fooled
        if not bool(keep.any()):
            break
        g = torch.stack(grads, 1)[keep]                                              # (m, k−1, C, H, W)
        f = f.detach()[keep]
        gnorm = g.flatten(2).norm(dim=2)
        dist = f.abs() / (gnorm + 1e-8)
        best = dist.argmin(1)
        rows = torch.arange(best.numel(), device=x0.device)
        step_len = (dist[rows, best] + DEEPFOOL_STEP_PAST) / (gnorm[rows, best] + 1e-8)
        ik = idx[keep]
        p_total[ik] += step_len.view(-1, *[1] * (x0.ndim - 1)) * g[rows, best]
        x[ik] = (x0[ik] + (1.0 + overshoot) * p_total[ik]).clamp(lo, hi)
    with torch.inference_mode():
        ok = forward_logits(model, x).argmax(1) != y
    return torch.where(ok.view(-1, *[1] * (x0.ndim - 1)), x, x0), ok


# ------------------------------------------------------------------------------------------- Carlini-Wagner
def carlini_wagner_l2(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, binary_search_steps: int = 5,
                      steps: int = 1000, confidence: float = 0.0, lr: float = 5e-3, initial_const: float = 1e-2,
                      abort_early: bool = True, bounds: tuple[float, float] = (0.0, 1.0), max_batch: int = 256,
                      progress: bool = False) -> AttackResult:
    """Carlini & Wagner L2, batched over images, with the tanh change of variables for the box ``bounds``.

    Minimises ``c·max(0, z_y − max_{j≠y} z_j + confidence) + ‖x − x₀‖²`` over ``w`` with
    ``x = lo + (hi − lo)·(tanh(w) + 1)/2`` by Adam (``lr``), ``steps`` iterations per constant. Per image, ``c``
    starts at ``initial_const``, is multiplied by 10 until an adversarial is found, then bisected
    (``binary_search_steps`` constants in all). ``abort_early``: every ``ceil(steps/10)`` iterations an image stops
    when its loss fell by less than 0.01 % (per image; Foolbox checks the batch's summed loss). The smallest-L2
    point that the model misclassifies (by ``confidence``) is kept per image. Deterministic (no randomness).

    Args:
        model: any ``nn.Module`` classifier returning logits (N, classes).
        images: (N, C, H, W) inside ``bounds`` (input space); labels: (N,) int64.
        binary_search_steps: constants c tried per image (≥ 1). steps: Adam iterations per constant (≥ 1).
        confidence: logit margin κ required (≥ 0). lr: Adam step size (> 0). initial_const: first c (> 0).
        abort_early: stop an image whose loss stalls (see above).
        bounds: (low, high) pixel range. max_batch: images per pass. progress: progress bar over chunks.

    Returns:
        :class:`AttackResult` (``attack="cw_l2"``): adversarials (N, C, H, W) (failed images returned clean),
        ``success`` (N,), ``distance`` (N,) the L2 norm of each successful perturbation (``inf`` where failed).

    Raises:
        InputError: a model that is not an ``nn.Module``, a parameter out of range, bad bounds, or bad images/labels.
        ModelOutputError: a label outside the model's classes.

    Source:
        Carlini, Wagner, "Towards Evaluating the Robustness of Neural Networks", IEEE S&P 2017, Sec. V.A
        (the L2 attack: objective with f₆ of Eq. (4)-(5), change of variables x = ½(tanh(w) + 1)).

    Example:
        >>> import torch
        >>> torch.manual_seed(0) and None
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
        >>> with torch.no_grad():
        ...     _ = model[1].weight.mul_(10)
        >>> x = torch.full((2, 1, 2, 2), 0.5)
        >>> y = model(x).argmax(1)
        >>> res = carlini_wagner_l2(model, x, y, binary_search_steps=3, steps=50, lr=0.05, initial_const=10.0)
        >>> res.success.tolist(), bool((res.distance >= 0.4913).all())   # never below the exact minimum
        ([True, True], True)
    """
    binary_search_steps = check_integer(binary_search_steps, "binary_search_steps", 1)
    steps = check_integer(steps, "steps", 1)
    confidence = check_number(confidence, "confidence", 0.0, strict=False)
    lr = check_number(lr, "lr", 0.0, strict=True)
    initial_const = check_number(initial_const, "initial_const", 0.0, strict=True)
    max_batch = check_integer(max_batch, "max_batch", 1)
    _check_attack_inputs(model, images, labels, bounds)
    lo, hi = float(bounds[0]), float(bounds[1])
    adv, ok = _in_batches(model, images, labels, max_batch, progress, "C&W L2",
                          lambda x0, y: _cw_batch(model, x0, y, binary_search_steps, steps, confidence, lr,
                                                  initial_const, abort_early, lo, hi))
    params = {"binary_search_steps": binary_search_steps, "steps": steps, "confidence": confidence, "lr": lr,
              "initial_const": initial_const, "abort_early": bool(abort_early), "bounds": [lo, hi]}
    return _result("cw_l2", model, images, labels, adv, ok, params, max_batch)


def _cw_batch(model, x0, y, binary_search_steps, steps, confidence, lr, initial_const, abort_early, lo, hi):
    n, view = x0.shape[0], (-1, *[1] * (x0.ndim - 1))
    center, half = (hi + lo) / 2, (hi - lo) / 2
    w0 = torch.atanh(((x0 - center) / half).clamp(-1, 1) * 0.999999)
    recon = torch.tanh(w0) * half + center                       # x0 as the tanh space reproduces it
    onehot = nn.functional.one_hot(y, num_classes=_n_classes(model, x0, y)).bool()
    consts = torch.full((n,), initial_const, device=x0.device, dtype=x0.dtype)
    lower = torch.zeros_like(consts)
    upper = torch.full_like(consts, math.inf)
    best = x0.clone()
    best_norm = torch.full((n,), math.inf, device=x0.device, dtype=x0.dtype)
    check_every = max(1, math.ceil(steps / 10))
    for b in range(binary_search_steps):
        if b == binary_search_steps - 1 and binary_search_steps >= 10:
            consts = upper.clamp(max=1e10)
        delta = torch.zeros_like(w0)
        m, v = torch.zeros_like(w0), torch.zeros_like(w0)          # Adam moments (β = 0.9, 0.999, ε = 1e-8)
        found = torch.zeros(n, dtype=torch.bool, device=x0.device)
        stopped = torch.zeros_like(found)
        any_stopped = False
        previous = torch.full_like(consts, math.inf)
        for step in range(steps):
            with torch.enable_grad():
                delta.requires_grad_(True)
                x = torch.tanh(w0 + delta) * half + center
                logits = forward_logits(model, x)
                true = logits.gather(1, y[:, None]).squeeze(1)
                other = logits.masked_fill(onehot, -math.inf).amax(1)
                hinge = (true - other + confidence).clamp_min(0)
                loss = consts * hinge + (x - recon).flatten(1).pow(2).sum(1)
                (grad,) = torch.autograd.grad(loss.sum(), delta)
            with torch.no_grad():
                delta = delta.detach()
                x, loss = x.detach(), loss.detach()
                adv_now = (other > true + confidence) if confidence > 0 else logits.argmax(1) != y
                if any_stopped:
                    adv_now &= ~stopped
                norm = (x - x0).flatten(1).norm(dim=1)
                better = adv_now & (norm < best_norm)
                best = torch.where(better.view(view), x, best)
                best_norm = torch.where(better, norm, best_norm)
                found |= adv_now
                if abort_early and step % check_every == 0:
                    stopped |= ~(loss <= 0.9999 * previous)
                    previous = torch.where(stopped, previous, loss)
                    any_stopped = bool(stopped.any())
                    if any_stopped and bool(stopped.all()):
                        break
                t = step + 1
                m.mul_(0.9).add_(grad, alpha=0.1)
                v.mul_(0.999).addcmul_(grad, grad, value=0.001)
                update = (m / (1 - 0.9 ** t)) / ((v / (1 - 0.999 ** t)).sqrt() + 1e-8) * lr
                delta = torch.where(stopped.view(view), delta, delta - update) if any_stopped else delta - update
        upper = torch.where(found, torch.minimum(upper, consts), upper)
        lower = torch.where(found, lower, torch.maximum(lower, consts))
        consts = torch.where(torch.isinf(upper), consts * 10, (lower + upper) / 2)
    return best, torch.isfinite(best_norm)


def _n_classes(model, x, y) -> int:
    with torch.inference_mode():
        logits = forward_logits(model, x)
    check_labels_fit(logits, y)
    return logits.shape[1]


__all__ = ["deepfool", "carlini_wagner_l2", "DEEPFOOL_STEP_PAST"]
