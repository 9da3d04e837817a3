"""One record for every attack in :mod:`freqlens.attacks`: :class:`AttackResult`."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from freqlens.results import Result

#: fields holding per-example tensors (or None); converted to tensors on construction and after ``load``
_TENSOR_FIELDS = ("adversarial", "perturbation", "labels", "success", "clean_pred", "adv_pred", "linf", "l2",
                  "distance", "queries", "basis_radius")


@dataclass
class AttackResult(Result):
    """Outcome of one attack on N images, the same record for every attack of :mod:`freqlens.attacks`.

    Args:
        attack: the attack's name (``"pgd"``, ``"fgsm"``, ``"deepfool"``, ...).
        adversarial: (N, C, H, W) the returned points, in input space (before normalisation); where an attack
            failed, minimal attacks return the clean image.
        perturbation: (N, C, H, W) ``adversarial − images`` in input units.
        labels: (N,) int64 true classes attacked.
        success: (N,) bool, the model misclassified the returned point (for a randomised model: on the
            attacker's draw). An image the model already got wrong counts as a success.
        linf: (N,) ``‖perturbation‖∞`` per image, input units.
        l2: (N,) ``‖perturbation‖₂`` per image, input units.
        clean_pred: (N,) int64 predictions on the clean images (None when run with ``predict=False``).
        adv_pred: (N,) int64 predictions on the adversarial images (None likewise).
        distance: (N,) the attack's own per-example size where meaningful: the smallest successful ε of a
            minimal attack (``inf`` where none succeeded); None otherwise.
        queries: (N,) int64 model evaluations per image for query-based attacks (Square, Fourier basis).
        basis_radius: (N,) int64, Fourier-basis attack only: ρ = max(|f_u|, |f_v|) of the fooling basis
            (−1: not fooled or not attacked).
        params: the attack's parameters (JSON-serialisable: ``eps``, ``steps``, ``norm``, ``seed``, ...).
        stats: attack-specific scalar summaries (e.g. ``median_queries``, ``success_low``).
        label: a free-form name for plots.

    Per-example tensors live on the images' device (arrays loaded from a file become tensors).

    Attributes:
        images: the adversarial images (alias of ``adversarial``).
        n_images: N.
        success_rate: fraction of the clean-correct images that the attack fooled (all images when clean
            predictions are unknown); NaN when there are none.
        adversarial_accuracy: accuracy on the adversarial images, in [0, 1].

    Raises:
        Nothing at construction; ``load`` raises :class:`~freqlens.errors.CheckpointError` on a bad file.

    Source: freqlens (one record for the attacks of Madry et al. 2018, Moosavi-Dezfooli et al. 2016, Carlini &
        Wagner 2017, Andriushchenko et al. 2020, Athalye et al. 2018 and Yin et al. 2019).

    Example:
        >>> import torch
        >>> from freqlens.attacks import pgd_attack
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 3))
        >>> x, y = torch.rand(5, 3, 2, 2), torch.tensor([0, 1, 2, 0, 1])
        >>> res = pgd_attack(model, x, y, eps=0.1, steps=3)
        >>> res.images.shape, res.success.shape, bool((res.linf <= 0.1 + 1e-6).all())
        (torch.Size([5, 3, 2, 2]), torch.Size([5]), True)
    """

    attack: str
    adversarial: torch.Tensor
    perturbation: torch.Tensor
    labels: torch.Tensor
    success: torch.Tensor
    linf: torch.Tensor
    l2: torch.Tensor
    clean_pred: torch.Tensor | None = None
    adv_pred: torch.Tensor | None = None
    distance: torch.Tensor | None = None
    queries: torch.Tensor | None = None
    basis_radius: torch.Tensor | None = None
    params: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, float] = field(default_factory=dict)
    label: str = ""

    def __post_init__(self) -> None:
        for name in _TENSOR_FIELDS:
            v = getattr(self, name)
            if isinstance(v, np.ndarray):
                setattr(self, name, torch.from_numpy(v))

    # ------------------------------------------------------------------------------------------ conveniences
    @property
    def images(self) -> torch.Tensor:
        """The adversarial images (N, C, H, W): the tensor most callers need."""
        return self.adversarial

    @property
    def n_images(self) -> int:
        """Number of attacked images N."""
        return int(self.labels.shape[0])

    @property
    def success_rate(self) -> float:
        """Fraction of the images the model classified correctly before the attack that the attack fooled
        (all images when clean predictions are unknown); NaN when there are none."""
        mask = torch.ones_like(self.success) if self.clean_pred is None else self.clean_pred == self.labels
        n = int(mask.sum())
        return float((self.success & mask).sum()) / n if n else float("nan")

    @property
    def adversarial_accuracy(self) -> float:
        """Accuracy on the adversarial images, in [0, 1] (from ``adv_pred``; ``1 − success`` mean otherwise)."""
        if self.adv_pred is not None:
            return float((self.adv_pred == self.labels).float().mean())
        return float((~self.success).float().mean())

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python view without the image-sized tensors (``adversarial``, ``perturbation``)."""
        out = super().to_dict()
        out.pop("adversarial"), out.pop("perturbation")
        return out

    def plot(self, ax=None):
        """Histogram of the per-example perturbation size of the successful adversarials (see
        :func:`freqlens.plot.attacks.plot_attack_result`)."""
        from freqlens.plot.attacks import plot_attack_result

        return plot_attack_result(self, ax=ax)


def make_result(attack: str, images: torch.Tensor, labels: torch.Tensor, adversarial: torch.Tensor,
                success: torch.Tensor | None = None, clean_pred: torch.Tensor | None = None,
                adv_pred: torch.Tensor | None = None, params: dict | None = None, **extra: Any) -> AttackResult:
    """Assemble an :class:`AttackResult` on the images' device: perturbation and norms from
    ``adversarial − images``; ``success`` defaults to ``adv_pred != labels``. Internal helper of the attack
    modules."""
    dev = images.device

    def on(t):
        if not isinstance(t, torch.Tensor):
            return t
        t = t.detach().to(dev)
        return t.clone() if t.is_inference() else t          # usable in autograd by the caller

    adv = on(adversarial)
    pert = adv - images.detach()
    labels = on(labels)
    clean_pred, adv_pred = on(clean_pred), on(adv_pred)
    if success is None:
        success = adv_pred != labels
    return AttackResult(attack=attack, adversarial=adv, perturbation=pert, labels=labels,
                        success=on(success).bool(), linf=pert.flatten(1).abs().amax(1),
                        l2=pert.flatten(1).norm(dim=1), clean_pred=clean_pred, adv_pred=adv_pred,
                        params=dict(params or {}), **{k: on(v) for k, v in extra.items()})


__all__ = ["AttackResult"]
