"""Feature-map spectra layer by layer (Park & Kim 2022, Fig. 2): for every chosen module — convolution,
attention, norm, pooling, a whole block — the radially averaged log amplitude of its output, and the relative
log amplitude of its high-frequency part against depth.

CNN outputs (N, C, H, W) are used as they are; ViT token outputs (N, T, D) are reshaped to their square grid
with the class token dropped (:func:`freqlens.fourier.feature_spectrum.tokens_to_grid`). A module returning a
tuple (``nn.MultiheadAttention``) contributes its first tensor.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.device import eval_mode, model_device
from freqlens.errors import InputError
from freqlens.fourier.feature_spectrum import (
    log_amplitude_profile,
    mean_amplitude_sum,
    relative_high_frequency,
    tokens_to_grid,
)
from freqlens.inference import (
    NormalizeArg,
    OutputSelector,
    as_normalize,
    autocast,
    gather,
    select_output,
)
from freqlens.results import Result
from freqlens.validation import check_integer, check_rank


@dataclass
class FeatureSpectra(Result):
    """Per layer, in forward (depth) order: the radial log-amplitude profile of its feature maps.

    ``frequency[name]`` are the radii scaled to [0, 1] (1 = Nyquist), ``log_amplitude[name]`` the natural log of
    the mean amplitude on each ring, ``high_frequency_amplitude[name]`` = log A(1.0π) − log A(0) (Park & Kim's
    Δ log amplitude; higher = relatively more high-frequency content), ``shapes[name]`` = (C, H, W) analysed.

    Args:
        layers: layer names in forward order.
        frequency, log_amplitude, high_frequency_amplitude, shapes: per layer, as above.
        n_images: images averaged.
        label: model name for plots.
        extra: anything else (JSON-serialisable).

    Attributes:
        The arguments; :meth:`plot` draws :func:`~freqlens.plot.feature_spectra.plot_feature_spectra`.

    Raises:
        Nothing of its own.

    Source:
        Park and Kim 2022 (ICLR, "How do vision transformers work?"), Δ log amplitude of feature maps.

    Example:
        >>> r = FeatureSpectra(layers=["conv1"], frequency={"conv1": [0.0, 1.0]}, log_amplitude={"conv1": [0.0, -2.0]},
        ...                    high_frequency_amplitude={"conv1": -2.0}, shapes={"conv1": [8, 16, 16]}, n_images=4)
        >>> r.high_frequency_amplitude["conv1"] == r.log_amplitude["conv1"][-1] - r.log_amplitude["conv1"][0]
        True
    """

    layers: list[str]
    frequency: dict[str, list[float]]
    log_amplitude: dict[str, list[float]]
    high_frequency_amplitude: dict[str, float]
    shapes: dict[str, list[int]]
    n_images: int
    label: str = ""
    extra: dict = field(default_factory=dict)

    def plot(self, ax=None):
        """Δ log amplitude of the high-frequency part against depth (one point per layer)."""
        from freqlens.plot.feature_spectra import plot_feature_spectra

        return plot_feature_spectra(self, ax=ax)


def _first_tensor(out):
    if isinstance(out, torch.Tensor):
        return out
    if isinstance(out, (tuple, list)):
        for item in out:
            if isinstance(item, torch.Tensor):
                return item
    if isinstance(out, dict):
        for item in out.values():
            if isinstance(item, torch.Tensor):
                return item
    return None


def _as_maps(name: str, out) -> torch.Tensor:
    t = _first_tensor(out)
    if t is None:
        raise InputError(f"layer {name!r} returned {type(out).__name__}, not a tensor; choose another layer")
    if t.ndim == 4:
        return t
    if t.ndim == 3:
        return tokens_to_grid(t, f"output of layer {name!r}")
    raise InputError(f"layer {name!r} outputs shape {tuple(t.shape)}; feature spectra need (N, C, H, W) maps or "
                     "(N, T, D) tokens")


def default_layers(model: nn.Module) -> list[str]:
    """The layers :func:`feature_spectra` analyses by default: the model's direct children (whole blocks), by name.

    Args:
        model: any ``nn.Module``.

    Returns:
        The children's names, in registration order (empty for a leaf module).

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> default_layers(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()))
        ['0', '1']
    """
    return [name for name, _ in model.named_children()]


def feature_spectra(model: nn.Module, images, layers: Sequence[str] | None = None, *,
                    normalize: NormalizeArg = None, batch_size: int = 256, limit: int | None = None,
                    progress: bool = True, output: OutputSelector = None, amp: bool = False,
                    label: str = "") -> FeatureSpectra:
    """Radially averaged log-amplitude spectra of the feature maps of ``layers`` of ``model`` on ``images``.

    Args:
        model: any module; its chosen submodules are hooked (forward hooks, removed afterwards).
        images: (N, C, H, W) inputs (or a DataLoader of (images, labels)).
        layers: module names as in ``model.named_modules()`` (attention, norm, pooling, whole blocks ...);
            default the direct children. Layers whose output is neither (N, C, H, W) nor square-grid tokens are
            an error.
        normalize: a callable or (mean, std) applied before the model.
        batch_size: images per forward pass.
        limit: use the first ``limit`` images.
        output, amp: as everywhere (:func:`freqlens.inference.select_output`, autocast).

    Returns:
        :class:`FeatureSpectra`, layers in the order they ran (depth).

    Raises:
        InputError: an unknown layer name (the message lists some valid ones), a layer that never ran, or an
            output that is not a feature map.

    Source:
        Park & Kim 2022 ("How do vision transformers work?"), Fig. 2: Δ log amplitude of feature maps.

    Example:
        >>> net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.AvgPool2d(2))
        >>> res = feature_spectra(net, torch.rand(4, 1, 8, 8), progress=False)
        >>> res.layers, res.shapes["1"]
        (['0', '1'], [4, 4, 4])
    """
    if isinstance(images, torch.Tensor):
        x = images if limit is None else images[:limit]
    else:
        x, _ = gather(images, None, limit)
    check_rank(x, "images", 4, "(N, C, H, W)")
    if x.shape[0] == 0:
        raise InputError("images are empty")
    batch_size = check_integer(batch_size, "batch_size")
    modules = dict(model.named_modules())
    names = list(layers) if layers is not None else default_layers(model)
    if not names:
        raise InputError("no layers to analyse: pass layers=[...] (names from model.named_modules())")
    for name in names:
        if name not in modules:
            some = ", ".join(n for n in list(modules)[1:8])
            raise InputError(f"model has no module named {name!r}; some names: {some}")
    norm = as_normalize(normalize)
    dev = model_device(model)
    sums: dict[str, torch.Tensor] = {}
    shapes: dict[str, list[int]] = {}
    order: list[str] = []
    errors: list[InputError] = []

    def hook_for(name):
        def hook(_module, _inp, out):
            try:
                maps = _as_maps(name, out)
            except InputError as exc:
                errors.append(exc)
                return
            if name not in sums:
                order.append(name)
                shapes[name] = list(maps.shape[1:])
                sums[name] = mean_amplitude_sum(maps)
            else:
                sums[name] += mean_amplitude_sum(maps)
        return hook

    handles = [modules[n].register_forward_hook(hook_for(n)) for n in dict.fromkeys(names)]
    try:
        with eval_mode(model), torch.inference_mode():
            for i0 in tqdm(range(0, x.shape[0], batch_size), desc="feature spectra", disable=not progress,
                           leave=False):
                xb = x[i0:i0 + batch_size].to(dev)
                if norm is not None:
                    xb = norm(xb)
                with autocast(dev, amp):
                    select_output(model(xb), output) if output is not None else model(xb)
                if errors:
                    raise errors[0]
    finally:
        for h in handles:
            h.remove()
    missing = [n for n in names if n not in sums]
    if missing:
        raise InputError(f"layer(s) {', '.join(map(repr, missing))} never ran in the forward pass; choose layers "
                         "the model calls")
    n = x.shape[0]
    freq, logamp, hfa = {}, {}, {}
    for name in order:
        f, la = log_amplitude_profile(sums[name] / n)
        freq[name], logamp[name] = f.tolist(), la.tolist()
        hfa[name] = relative_high_frequency(la)
    return FeatureSpectra(layers=order, frequency=freq, log_amplitude=logamp, high_frequency_amplitude=hfa,
                          shapes=shapes, n_images=int(n), label=label)


__all__ = ["FeatureSpectra", "default_layers", "feature_spectra"]
