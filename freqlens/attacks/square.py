"""Square Attack, L∞ (Andriushchenko, Croce, Flammarion, Hein 2020): a score-based black-box attack.

It needs only the scores of a classifier — no gradients — so it attacks randomised or non-differentiable
defenses such as :class:`freqlens.interventions.post_averaging.PostAveraged` as they are (the paper's Table 10
breaks post-averaging with it: 15.8 % robust accuracy on CIFAR-10, 0.4 % on ImageNet).

Algorithm (the paper's L∞ version): start from random vertical stripes ``x + ε·s``, ``s ∈ {−1, +1}`` per
(image, channel, column); then, per query, pick a random square of side ``h = round(√(p·C·H·W / C))`` (at least 1,
at most H − 1) per image and set the perturbation inside it to a random ``±ε`` per channel; keep the change if
the margin loss ``score_y − max_{j≠y} score_j`` decreases. ``p`` follows the paper's schedule (``p_init`` halved at
10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000 of 10 000 iterations, rescaled to ``n_queries``). An image stops
when its margin is ≤ 0 (fooled) or its budget is spent; the initial stripes cost one query.

**Scores.** ``scores="logits"`` uses the output as it is; ``"probabilities"`` takes ``log`` first (the margin of
log-probabilities: the same sign as that of the probabilities, and equal to the logit margin for a plain
softmax), which is what the averaged softmax of ``PostAveraged`` needs; ``"auto"`` (default) treats outputs whose
rows are non-negative and sum to 1 as probabilities.

Returns an :class:`~freqlens.attacks.result.AttackResult` with ``queries`` per image.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.attacks.result import AttackResult, make_result
from freqlens.device import eval_mode, model_device
from freqlens.errors import ConfigError, InputError, ModelOutputError
from freqlens.validation import check_images, check_integer, check_number

#: iteration thresholds (out of 10 000) at which the paper's schedule halves p
_P_SCHEDULE = (10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000)


def p_selection(p_init: float, iteration: int, n_queries: int) -> float:
    """Fraction of pixels changed at ``iteration`` of the Square Attack's schedule.

    Args:
        p_init: fraction at iteration 0, in (0, 1].
        iteration: current iteration (≥ 0). n_queries: the budget the schedule is rescaled to (≥ 1).

    Returns:
        ``p_init / 2^k`` with k the number of thresholds ``(10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000)``
        (out of 10 000 iterations) that the rescaled iteration has passed.

    Raises:
        Nothing; inputs are validated by :func:`square_attack`.

    Source:
        Andriushchenko et al., "Square Attack", ECCV 2020, Sec. 3 / App. A (the piecewise-constant schedule of p).

    Example:
        >>> p_selection(0.05, 0, 1000), p_selection(0.05, 10, 1000)
        (0.05, 0.0125)
    """
    it = int(iteration / n_queries * 10000)
    return p_init / 2 ** sum(it > t for t in _P_SCHEDULE)


def _margin(scores: torch.Tensor, y: torch.Tensor, probabilities: bool) -> torch.Tensor:
    if probabilities:
        scores = torch.log(scores.clamp_min(1e-30))
    onehot = nn.functional.one_hot(y, scores.shape[1]).bool()
    return scores[onehot] - scores.masked_fill(onehot, -math.inf).amax(1)


def _looks_like_probabilities(scores: torch.Tensor) -> bool:
    return bool((scores >= 0).all()) and bool(torch.allclose(scores.sum(1), torch.ones_like(scores[:, 0]), atol=1e-3))


def square_attack(model: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, labels: torch.Tensor,
                  eps: float = 8 / 255, n_queries: int = 1000, p_init: float = 0.05,
                  bounds: tuple[float, float] = (0.0, 1.0), seed: int = 0, scores: str = "auto",
                  max_batch: int = 256, progress: bool = False, predict: bool = True) -> AttackResult:
    """Untargeted L∞ Square Attack on any callable returning scores (N, classes) — logits or probabilities.

    Args:
        model: an ``nn.Module`` (put in eval mode, modes restored, queried on its device) or any callable.
        images: (N, C, H, W) inside ``bounds`` with H, W ≥ 2; labels: (N,).
        eps: L∞ radius (> 0). n_queries: budget per image (≥ 1; the random-stripe start is the first query).
        p_init: initial fraction of pixels per square, in (0, 1] (paper: 0.05 for L∞).
        seed: a local ``torch.Generator(seed)`` per chunk of ``max_batch`` images draws all randomness; same
            seed and ``max_batch`` → identical output for a deterministic model.
        scores: ``"auto"``, ``"logits"`` or ``"probabilities"`` (margin of log-probabilities, see the module doc).
        max_batch: images queried together.
        progress: progress bar over chunks.
        predict: also query the model once on the clean and once on the adversarial images for ``clean_pred`` /
            ``adv_pred`` (argmax of the scores; these extra queries are not counted in ``queries``).

    Returns:
        :class:`AttackResult` (``attack="square"``): adversarials (N, C, H, W) with ``‖x_adv − x‖∞ ≤ eps`` inside
        bounds, on the images' device; ``success`` (N,) bool (the margin the attacker saw was ≤ 0 — for a
        randomised model the next call may disagree); ``queries`` (N,) int64, the model evaluations spent per
        image (≤ ``n_queries``).

    Raises:
        InputError: a non-callable model, eps ≤ 0, n_queries < 1, p_init outside (0, 1], bad bounds, images
            smaller than 2×2, or images/labels of the wrong shape, dtype or range.
        ConfigError: an unknown ``scores`` mode.
        ModelOutputError: the model's output is not (N, classes) or a label is outside its classes.

    Source:
        Andriushchenko, Croce, Flammarion, Hein, "Square Attack: a query-efficient black-box adversarial attack
        via random search", ECCV 2020, Alg. 1 with the L∞ sampling distribution of Alg. 2.

    Example:
        >>> import torch
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 3))
        >>> x, y = torch.rand(4, 3, 2, 2), torch.tensor([0, 1, 2, 0])
        >>> res = square_attack(model, x, y, eps=0.1, n_queries=20)
        >>> bool((res.linf <= 0.1 + 1e-6).all()), bool((res.queries <= 20).all())
        (True, True)
    """
    eps = check_number(eps, "eps", 0.0, strict=True)
    n_queries = check_integer(n_queries, "n_queries", 1)
    p_init = check_number(p_init, "p_init", 0.0, strict=True)
    if p_init > 1:
        raise InputError(f"p_init must be in (0, 1], got {p_init!r}")
    max_batch = check_integer(max_batch, "max_batch", 1)
    if scores not in ("auto", "logits", "probabilities"):
        raise ConfigError(f"scores must be 'auto', 'logits' or 'probabilities', got {scores!r}")
    if not callable(model):
        raise InputError(f"model must be callable (images → scores), got {type(model).__name__}")
    if bounds is None or len(bounds) != 2:
        raise InputError(f"bounds must be (low, high), got {bounds!r}")
    check_images(images, labels, bounds)
    if images.shape[2] < 2 or images.shape[3] < 2:
        raise InputError(f"square attack needs images of height and width ≥ 2, got {tuple(images.shape[1:])}")
    dev = model_device(model) if isinstance(model, nn.Module) else images.device
    module = model if isinstance(model, nn.Module) else nn.Identity()
    state = {"probabilities": None if scores == "auto" else scores == "probabilities"}
    advs, oks, qs = [], [], []
    with eval_mode(module), torch.inference_mode():
        for s in tqdm(range(0, images.shape[0], max_batch), disable=not progress, desc="Square Attack", leave=False):
            x = images[s:s + max_batch].to(dev)
            y = labels[s:s + max_batch].to(dev)
            gen = torch.Generator(device=dev).manual_seed(seed + s)
            adv, ok, q = _square_batch(model, x, y, eps, n_queries, p_init, float(bounds[0]), float(bounds[1]), gen,
                                       state)
            advs.append(adv.to(images.device))
            oks.append(ok.to(images.device))
            qs.append(q.to(images.device))
        adv, ok, q = torch.cat(advs), torch.cat(oks), torch.cat(qs)
        clean_pred = adv_pred = None
        if predict:
            clean_pred = _argmax_scores(model, images, labels, dev, max_batch)
            adv_pred = _argmax_scores(model, adv, labels, dev, max_batch)
    params = {"eps": float(eps), "n_queries": int(n_queries), "p_init": float(p_init),
              "bounds": [float(bounds[0]), float(bounds[1])], "seed": int(seed), "scores": scores}
    return make_result("square", images, labels, adv, success=ok, clean_pred=clean_pred, adv_pred=adv_pred,
                       params=params, queries=q)


def _argmax_scores(model, images, labels, dev, max_batch) -> torch.Tensor:
    preds = []
    for s in range(0, images.shape[0], max_batch):
        x = images[s:s + max_batch].to(dev)
        preds.append(_scores(model, x, labels[s:s + max_batch].to(dev)).argmax(1).to(images.device))
    return torch.cat(preds)


def _scores(model, x, y) -> torch.Tensor:
    out = model(x)
    if not isinstance(out, torch.Tensor) or out.ndim != 2 or out.shape[0] != x.shape[0]:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ModelOutputError(f"model output has shape {shape} for {x.shape[0]} images; expected (N, classes) scores")
    if int(y.max()) >= out.shape[1]:
        raise ModelOutputError(f"model outputs {out.shape[1]} classes but a label is {int(y.max())}")
    return out


def _query(model, x, y, state) -> torch.Tensor:
    out = _scores(model, x, y)
    if state["probabilities"] is None:
        state["probabilities"] = _looks_like_probabilities(out)
    return _margin(out, y, state["probabilities"])


def _signs(shape, gen, device, dtype) -> torch.Tensor:
    return torch.randint(0, 2, shape, generator=gen, device=device).to(dtype) * 2 - 1


def _square_batch(model, x, y, eps, n_queries, p_init, lo, hi, gen, state):
    n, c, h, w = x.shape
    dev, dt = x.device, x.dtype
    # random vertical stripes: one ±ε per (image, channel, column)
    best = (x + eps * _signs((n, c, 1, w), gen, dev, dt)).clamp(lo, hi)
    margin = _query(model, best, y, state)
    queries = torch.ones(n, dtype=torch.long, device=dev)
    rows = torch.arange(h, device=dev).view(1, 1, h, 1)
    cols = torch.arange(w, device=dev).view(1, 1, 1, w)
    for it in range(n_queries - 1):
        active = margin > 0
        if not bool(active.any()):
            break
        side = int(round(math.sqrt(p_selection(p_init, it, n_queries) * c * h * w / c)))
        side = min(max(side, 1), h - 1, w - 1)
        # randomness drawn for every image of the chunk, so an image's draws do not depend on the others' progress
        top = torch.randint(0, h - side, (n, 1, 1, 1), generator=gen, device=dev)
        left = torch.randint(0, w - side, (n, 1, 1, 1), generator=gen, device=dev)
        window = (rows >= top) & (rows < top + side) & (cols >= left) & (cols < left + side)     # (n, 1, h, w)
        delta = best - x
        proposal = torch.where(window, eps * _signs((n, c, 1, 1), gen, dev, dt), delta)
        for _ in range(16):   # a square that changes nothing is redrawn (paper); ±ε per channel makes this rare
            same = (((x + proposal).clamp(lo, hi) - best).abs() < 1e-7) | ~window
            redo = same.flatten(1).all(1) & active
            if not bool(redo.any()):
                break
            fresh = torch.where(window, eps * _signs((n, c, 1, 1), gen, dev, dt), delta)
            proposal = torch.where(redo.view(-1, 1, 1, 1), fresh, proposal)
        idx = torch.nonzero(active).flatten()
        cand = (x[idx] + proposal[idx]).clamp(lo, hi)
        new_margin = _query(model, cand, y[idx], state)
        queries[idx] += 1
        improved = new_margin < margin[idx]
        best[idx[improved]] = cand[improved]
        margin[idx[improved]] = new_margin[improved]
    return best, margin <= 0, queries


__all__ = ["square_attack", "p_selection"]
