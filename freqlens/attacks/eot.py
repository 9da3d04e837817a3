"""Expectation over transformation (EOT) PGD: white-box PGD through a *randomised* classifier, the gradient of
the loss of the output averaged over several independent draws of its randomness.

Works on any ``nn.Module`` whose forward pass draws fresh randomness at every call (random input transforms,
noise injection, dropout kept active, :class:`freqlens.interventions.post_averaging.PostAveraged`, ...).
"""
from __future__ import annotations

import torch
from torch import nn

from freqlens.attacks.pgd import pgd_attack
from freqlens.attacks.result import AttackResult
from freqlens.errors import ConfigError, InputError
from freqlens.normalization import NormalizeArg
from freqlens.validation import check_integer


def _nll_of_probs(probs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return nn.functional.nll_loss(torch.log(probs.clamp_min(1e-12)), y, reduction="sum")


class _Softmax(nn.Module):
    """Softmax of a logit-returning module: EOT averages probabilities, never logits."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return self.module(x).softmax(1)


class _EOTAverage(nn.Module):
    """Mean of ``draws`` independent calls of a randomised module (expectation over transformation)."""

    def __init__(self, module: nn.Module, draws: int):
        super().__init__()
        self.module, self.draws = module, draws

    def forward(self, x):
        return torch.stack([self.module(x) for _ in range(self.draws)]).mean(0)


def _looks_like_probabilities(scores: torch.Tensor) -> bool:
    return bool((scores >= 0).all()) and bool(torch.allclose(scores.sum(1), torch.ones_like(scores[:, 0]), atol=1e-3))


def eot_pgd(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, eps: float = 8 / 255, steps: int = 20,
            step_size: float | None = None, eot_draws: int = 1, scores: str = "auto", norm: str = "linf",
            bounds: tuple[float, float] = (0.0, 1.0), normalize: NormalizeArg = None, seed: int = 0,
            max_batch: int = 64, random_start: bool = True, predict: bool = True) -> AttackResult:
    """PGD on ``−log`` of the class probability averaged over ``eot_draws`` independent forward passes of a
    randomised model; every step sees fresh randomness and the gradient flows through all draws.

    Args:
        model: an ``nn.Module`` whose forward draws its own randomness, returning logits or probabilities
            (N, classes). A deterministic model is allowed (EOT then reduces to PGD on the cross-entropy).
        images: (N, C, H, W) inside ``bounds`` (input space); labels: (N,) int64.
        eps: ball radius in input units (> 0). steps: PGD iterations (≥ 1).
        step_size: default ``2.5·eps/steps``.
        eot_draws: forward passes averaged per step (≥ 1).
        scores: ``"logits"`` (softmax per draw, then average), ``"probabilities"`` (averaged as they are), or
            ``"auto"``: probabilities when the model's output on the first ``max_batch`` clean images has
            non-negative rows summing to 1 (that one extra forward pass draws from the model's randomness).
        norm: ``"linf"`` or ``"l2"``. bounds: pixel range. normalize: applied right before the model.
        seed: seed of the random start. max_batch: images per pass. random_start: start inside the ball.
        predict: also compute clean and adversarial predictions with one more (random) draw-averaged pass each.

    Returns:
        :class:`AttackResult` (``attack="eot_pgd"``), adversarials (N, C, H, W) within ``eps`` of the images.

    Raises:
        InputError: eps ≤ 0, steps < 1, eot_draws < 1, a model that is not an ``nn.Module``, bad images/labels.
        ConfigError: an unknown ``scores`` mode.

    Source:
        Athalye, Carlini, Wagner, "Obfuscated Gradients Give a False Sense of Security", ICML 2018, Sec. 4.3
        (EOT: ∇ E_t[f(t(x))] = E_t[∇ f(t(x))]); Athalye et al., "Synthesizing Robust Adversarial Examples",
        ICML 2018, Eq. (1); PGD of Madry et al., ICLR 2018, Eq. (2).

    Example:
        >>> import torch
        >>> class Noisy(torch.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.lin = torch.nn.Linear(4, 2)
        ...     def forward(self, x):
        ...         return self.lin((x + 0.05 * torch.randn_like(x)).flatten(1))
        >>> torch.manual_seed(0) and None
        >>> x, y = torch.rand(6, 1, 2, 2), torch.tensor([0, 1, 0, 1, 0, 1])
        >>> res = eot_pgd(Noisy(), x, y, eps=0.1, steps=5, eot_draws=4)
        >>> bool((res.linf <= 0.1 + 1e-6).all()), res.attack
        (True, 'eot_pgd')
    """
    if not isinstance(model, nn.Module):
        raise InputError(f"model must be an nn.Module (a randomised classifier), got {type(model).__name__}")
    eot_draws = check_integer(eot_draws, "eot_draws", 1)
    if scores not in ("auto", "logits", "probabilities"):
        raise ConfigError(f"scores must be 'auto', 'logits' or 'probabilities', got {scores!r}")
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
        raise InputError(f"eps must be > 0, got {eps!r}")
    steps = check_integer(steps, "steps", 1)
    if scores == "auto":
        from freqlens.device import eval_mode, model_device
        from freqlens.inference import forward_logits
        from freqlens.validation import check_images

        check_images(images, labels, bounds)
        with eval_mode(model), torch.inference_mode():
            probe = forward_logits(model, images[:max_batch].to(model_device(model)), normalize)
        scores = "probabilities" if _looks_like_probabilities(probe) else "logits"
    attacker = model if scores == "probabilities" else _Softmax(model)
    wrapped = attacker if eot_draws <= 1 else _EOTAverage(attacker, eot_draws)
    step = step_size if step_size is not None else 2.5 * eps / steps
    res = pgd_attack(wrapped, images, labels, eps=eps, step_size=step, steps=steps, norm=norm,
                     random_start=random_start, bounds=bounds, normalize=normalize, loss_fn=_nll_of_probs, seed=seed,
                     max_batch=max_batch, predict=predict)
    res.attack = "eot_pgd"
    res.params.update({"eot_draws": eot_draws, "scores": scores})
    return res


__all__ = ["eot_pgd"]
