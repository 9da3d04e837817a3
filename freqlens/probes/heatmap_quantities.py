"""What a Fourier heat map measures in each cell: the quantity hook of :func:`freqlens.probes.heatmap.fourier_heatmap`.

A quantity turns one batch of perturbed outputs into one number per perturbed image; the heat map averages them
over images (per class too, with ``per_class=True``). Yin et al.'s code draws error, loss and output-change maps.

* ``"error"``: 100 · [argmax ≠ label] (percent; the classic Fourier heat map);
* ``"loss"``: cross-entropy of the perturbed logits (nats);
* ``"logit_change"``: ‖f(x + δ) − f(x)‖₂ of the logits;
* ``"feature_change:<layer>"``: ‖φ(x + δ) − φ(x)‖₂ / ‖φ(x)‖₂ for the output φ of module ``<layer>``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from freqlens.errors import InputError

UNITS = {"error": "error rate (%)", "loss": "cross-entropy (nats)", "logit_change": "‖Δ logits‖₂",
         "feature_change": "relative ‖Δ features‖₂"}


@dataclass
class Quantity:
    """A parsed ``quantity=`` value: ``kind`` (error, loss, logit_change, feature_change) and ``layer``."""

    kind: str
    layer: str | None = None

    @property
    def name(self) -> str:
        return self.kind if self.layer is None else f"{self.kind}:{self.layer}"

    @property
    def unit(self) -> str:
        return UNITS[self.kind]


def parse_quantity(text: str, model: nn.Module | None = None) -> Quantity:
    """``"error" | "loss" | "logit_change" | "feature_change:<layer>"`` as a :class:`Quantity`.

    Args:
        text: the quantity.
        model: when given, ``<layer>`` must name one of its modules.

    Returns:
        The :class:`Quantity`.

    Raises:
        InputError: unknown quantity, or a layer the model does not have.

    Source:
        freqlens.

    Example:
        >>> parse_quantity("feature_change:layer1").layer
        'layer1'
    """
    if not isinstance(text, str):
        raise InputError(f"quantity must be a string such as 'error', got {type(text).__name__}")
    kind, _, layer = text.partition(":")
    if kind not in UNITS or (kind == "feature_change") != bool(layer):
        raise InputError(f"unknown quantity {text!r}; expected 'error', 'loss', 'logit_change' or "
                         "'feature_change:<layer>' (a module name)")
    if layer and model is not None and layer not in dict(model.named_modules()):
        raise InputError(f"quantity {text!r}: the model has no module named {layer!r}")
    return Quantity(kind, layer or None)


def _first_tensor(out) -> torch.Tensor:
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, (tuple, list)):
        return next(t for t in out if isinstance(t, torch.Tensor))
    if isinstance(out, dict):
        return next(t for t in out.values() if isinstance(t, torch.Tensor))
    raise InputError(f"the hooked layer returned {type(out).__name__}, not a tensor")


class FeatureCapture:
    """A forward hook keeping the latest output of one module (removed by :meth:`remove`)."""

    def __init__(self, model: nn.Module, layer: str):
        self.value: torch.Tensor | None = None
        self.handle = dict(model.named_modules())[layer].register_forward_hook(self._hook)

    def _hook(self, _module, _inp, out) -> None:
        self.value = _first_tensor(out).detach()

    def remove(self) -> None:
        self.handle.remove()


def per_image_values(q: Quantity, logits: torch.Tensor, labels: torch.Tensor, clean_logits: torch.Tensor,
                     features: torch.Tensor | None = None, clean_features: torch.Tensor | None = None) -> torch.Tensor:
    """The quantity for every perturbed image.

    Args:
        q: the quantity.
        logits: (B, n, K) logits of B perturbations × the same n images.
        labels: (n,) class indices.
        clean_logits: (n, K) logits of the unperturbed images.
        features, clean_features: (B·n, ...) and (n, ...) outputs of the hooked layer (feature_change only).

    Returns:
        (B, n) float64.

    Raises:
        InputError: feature_change without features.

    Source:
        Yin et al. 2019 (error maps); freqlens (loss, logit and feature change).

    Example:
        >>> z = torch.tensor([[[2.0, 0.0], [0.0, 1.0]]])
        >>> per_image_values(Quantity("error"), z, torch.tensor([0, 0]), z[0]).tolist()
        [[0.0, 100.0]]
    """
    b, n, k = logits.shape
    if q.kind == "error":
        return 100.0 * (logits.argmax(-1) != labels[None]).double()
    if q.kind == "loss":
        flat = nn.functional.cross_entropy(logits.reshape(b * n, k).double(), labels.repeat(b), reduction="none")
        return flat.view(b, n)
    if q.kind == "logit_change":
        return (logits.double() - clean_logits[None].double()).flatten(2).norm(dim=2)
    if features is None or clean_features is None:
        raise InputError(f"quantity {q.name!r} needs the layer's features; the layer did not run")
    f = features.reshape(b, n, -1).double()
    f0 = clean_features.reshape(1, n, -1).double()
    return (f - f0).norm(dim=2) / f0.norm(dim=2).clamp_min(1e-12)


QuantityFn = Callable[..., torch.Tensor]

__all__ = ["UNITS", "FeatureCapture", "Quantity", "parse_quantity", "per_image_values"]
