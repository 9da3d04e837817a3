"""What each cell of a Fourier heat map measures (the ``quantity=`` of
:func:`freqlens.probes.heatmap.fourier_heatmap`).

A quantity turns one forward pass of perturbed images into one number per perturbed image; the heat map keeps
only running sums of those numbers (per frequency, and per true class with ``per_class=True``), never the
per-image values, so its memory stays bounded by the batch size.

* ``"error"``: 1 where argmax ≠ label (the map is the error rate in percent, Yin et al.'s Fourier heat map);
* ``"loss"``: cross-entropy of the perturbed logits, in nats (a single binary logit z is scored as the logits
  (0, z), so this is the binary cross-entropy with logits);
* ``"logit_change"``: ‖f(x + δ) − f(x)‖₂ of the class logits;
* ``"feature_change:<layer>"``: ‖φ(x + δ) − φ(x)‖₂ of the output φ of the module named ``<layer>``
  (any name of ``model.named_modules()``), read with a forward hook.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from freqlens.errors import InputError, ModelOutputError

KINDS = ("error", "loss", "logit_change", "feature_change")

_LABELS = {"error": "error rate", "loss": "cross-entropy loss", "logit_change": "‖Δ logits‖₂"}


@dataclass(frozen=True)
class Quantity:
    """A parsed ``quantity=`` (build it with :func:`parse_quantity`).

    Args:
        kind: one of :data:`KINDS`.
        layer: the module name for feature_change, else None.

    Returns:
        A frozen value with ``name``, ``label`` (colour bar) and ``log_key`` (logger key).

    Raises:
        Nothing itself; :func:`parse_quantity` checks the text.

    Source: freqlens.

    Example:
        >>> q = Quantity("feature_change", "layer2")
        >>> q.name, q.label, q.log_key
        ('feature_change:layer2', '‖Δ features‖₂ at layer2', 'feature_change/layer2')
    """

    kind: str
    layer: str | None = None

    @property
    def name(self) -> str:
        """The quantity as written: ``"loss"``, ``"feature_change:layer1"``."""
        return self.kind if self.layer is None else f"{self.kind}:{self.layer}"

    @property
    def label(self) -> str:
        """The colour-bar label: "error rate", "cross-entropy loss", "‖Δ logits‖₂", "‖Δ features‖₂ at <layer>"."""
        return _LABELS.get(self.kind) or f"‖Δ features‖₂ at {self.layer}"

    @property
    def log_key(self) -> str:
        """The logger key: ``error``, ``loss``, ``logit_change`` or ``feature_change/<layer>``."""
        return self.kind if self.layer is None else f"{self.kind}/{self.layer}"


def _module_names(model: nn.Module, limit: int = 6) -> str:
    names = [name for name, _ in model.named_modules() if name]
    shown = ", ".join(names[:limit]) or "(none: the model has no submodules)"
    more = f", … ({len(names)} in all, see model.named_modules())" if len(names) > limit else ""
    return shown + more


def parse_quantity(text: str, model: nn.Module | None = None) -> Quantity:
    """``"error" | "loss" | "logit_change" | "feature_change:<layer>"`` as a :class:`Quantity`.

    Args:
        text: the quantity.
        model: when given, ``<layer>`` must be one of its module names (``model.named_modules()``).

    Returns:
        The :class:`Quantity`.

    Raises:
        InputError: an unknown quantity, a feature_change without a layer, or a layer the model does not have
            (the message lists a few valid names).

    Source:
        freqlens.

    Example:
        >>> parse_quantity("feature_change:layer1.0").layer
        'layer1.0'
        >>> parse_quantity("loss").label
        'cross-entropy loss'
    """
    if not isinstance(text, str):
        raise InputError(f"quantity must be a string such as 'error' or 'loss', got {type(text).__name__}")
    kind, sep, layer = text.strip().partition(":")
    if kind not in KINDS or (kind == "feature_change") != bool(layer) or (sep and kind != "feature_change"):
        raise InputError(f"unknown quantity {text!r}; expected error, loss, logit_change or "
                         "feature_change:<layer> (a module name of model.named_modules())")
    if layer and model is not None:
        find_module(model, layer)
    return Quantity(kind, layer or None)


def find_module(model: nn.Module, layer: str) -> nn.Module:
    """The submodule of ``model`` named ``layer`` (as in ``model.named_modules()``).

    Args:
        model: the network.
        layer: a module name, e.g. ``"layer1.0.conv1"`` or ``"0"`` in a Sequential.

    Returns:
        The module.

    Raises:
        InputError: no such module; the one-line message lists a few valid names.

    Source:
        freqlens.

    Example:
        >>> find_module(nn.Sequential(nn.Identity(), nn.ReLU()), "1")
        ReLU()
    """
    modules = dict(model.named_modules())
    if not layer or layer not in modules:
        raise InputError(f"the model has no module named {layer!r}; its modules include {_module_names(model)}")
    return modules[layer]


def _first_tensor(out) -> torch.Tensor | None:
    if isinstance(out, torch.Tensor):
        return out
    values = out.values() if isinstance(out, dict) else out if isinstance(out, (tuple, list)) else ()
    return next((t for t in values if isinstance(t, torch.Tensor)), None)


class FeatureCapture:
    """A forward hook on one named module that keeps its latest output (the first tensor of a tuple or dict).

    Use as a context manager (the hook is removed on exit); :meth:`take` returns the output of the forward pass
    just run and checks that the module ran exactly once on a batch of the expected size.

    Args:
        model: the network.
        layer: a name of ``model.named_modules()``.

    Returns:
        The capture; ``take(batch)`` gives the module's output (batch, ...).

    Raises:
        InputError: no module of that name (a few valid names listed). ``take`` raises ModelOutputError when the
            module did not run once on a batch-first output.

    Source: freqlens.

    Example:
        >>> net = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
        >>> with FeatureCapture(net, "0") as cap:
        ...     _ = net(torch.zeros(2, 3))
        ...     cap.take(2).shape
        torch.Size([2, 4])
    """

    def __init__(self, model: nn.Module, layer: str):
        self.layer = layer
        self._value: torch.Tensor | None = None
        self._calls = 0
        self._handle = find_module(model, layer).register_forward_hook(self._hook)

    def _hook(self, _module, _inputs, out) -> None:
        self._calls += 1
        self._value = _first_tensor(out)

    def take(self, batch: int) -> torch.Tensor:
        """The module's output of the last forward pass (batch, ...), detached; resets the capture.

        Raises:
            ModelOutputError: the module did not run, ran more than once, returned no tensor, or its output's
                first dimension is not the batch.
        """
        value, calls = self._value, self._calls
        self._value, self._calls = None, 0
        if calls == 0:
            raise ModelOutputError(f"module {self.layer!r} did not run in the forward pass; choose a module the "
                                   "model calls (feature_change:<layer>)")
        if calls > 1:
            raise ModelOutputError(f"module {self.layer!r} runs {calls} times per forward pass; choose a module "
                                   "that runs once (feature_change:<layer>)")
        if value is None:
            raise ModelOutputError(f"module {self.layer!r} returned no tensor; choose a module whose output is "
                                   "a tensor (feature_change:<layer>)")
        if value.ndim == 0 or value.shape[0] != batch:
            raise ModelOutputError(f"module {self.layer!r} returned shape {tuple(value.shape)}, whose first "
                                   f"dimension is not the batch of {batch}; choose a module with batch-first "
                                   "output (feature_change:<layer>)")
        return value.detach()

    def reset(self) -> None:
        """Forget what earlier forward passes left (e.g. a pass that only sized the batch)."""
        self._value, self._calls = None, 0

    def remove(self) -> None:
        """Remove the hook."""
        self._handle.remove()

    def __enter__(self) -> FeatureCapture:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def per_image_values(q: Quantity, logits: torch.Tensor, labels: torch.Tensor,
                     clean_logits: torch.Tensor | None = None, features: torch.Tensor | None = None,
                     clean_features: torch.Tensor | None = None, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """The quantity of every perturbed image of one forward pass.

    Args:
        q: the quantity.
        logits: (B, n, K) class logits of B perturbations of the same n images.
        labels: (n,) true classes.
        clean_logits: (n, K) logits of the unperturbed images (logit_change).
        features: (B·n, ...) the hooked module's output on the perturbed images (feature_change).
        clean_features: (n, ...) its output on the unperturbed images (feature_change).
        dtype: floating type of the result (float64; float32 where the device has no float64).

    Returns:
        (B, n): int64 0/1 misses for error; ``dtype`` cross-entropy (nats) for loss; ``dtype`` ℓ2 norms
        (logit or feature units) for logit_change and feature_change.

    Raises:
        InputError: logit_change without ``clean_logits`` or feature_change without features.

    Source:
        Yin et al. 2019, Sec. 3 (error under Fourier-basis noise); freqlens (loss, logit and feature change).

    Example:
        >>> z = torch.tensor([[[2.0, 0.0], [0.0, 1.0]]])             # one perturbation, two images
        >>> per_image_values(Quantity("error"), z, torch.tensor([0, 0])).tolist()
        [[0, 1]]
        >>> per_image_values(Quantity("logit_change"), z, torch.tensor([0, 0]), torch.zeros(2, 2)).tolist()
        [[2.0, 1.0]]
    """
    b, n, k = logits.shape
    if q.kind == "error":
        return (logits.argmax(-1) != labels[None]).long()
    if q.kind == "loss":
        flat = nn.functional.cross_entropy(logits.reshape(b * n, k).to(dtype), labels.repeat(b), reduction="none")
        return flat.view(b, n)
    if q.kind == "logit_change":
        if clean_logits is None:
            raise InputError("logit_change needs the clean images' logits")
        return (logits.to(dtype) - clean_logits.to(dtype)[None]).norm(dim=2)
    if features is None or clean_features is None:
        raise InputError(f"quantity {q.name!r} needs the layer's output on the perturbed and the clean images")
    f = features.reshape(b, n, -1).to(dtype)
    f0 = clean_features.reshape(1, n, -1).to(dtype)
    return (f - f0).norm(dim=2)


__all__ = ["KINDS", "Quantity", "parse_quantity", "find_module", "FeatureCapture", "per_image_values"]
