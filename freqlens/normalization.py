"""The input normalisation a model expects: ``normalize=`` as a callable, as ``(mean, std)``, or read from a
timm model's ``pretrained_cfg`` / ``default_cfg`` (dicts with ``mean``, ``std``, ``input_size``, ``crop_pct``).

Probes perturb images in input space (e.g. [0, 1]) and apply the normalisation right before the model.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from freqlens.errors import InputError

NormalizeArg = Callable[[torch.Tensor], torch.Tensor] | tuple | list | None


def as_normalize(normalize: NormalizeArg) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """``normalize=`` as a callable: a callable is kept; a (mean, std) pair becomes ``(x − mean) / std``.

    Args:
        normalize: None, a callable images → images, or a pair (mean, std) of per-channel sequences (or
            scalars) in image units; ``False``/``"none"`` is none too (and, in :func:`forward`, turns off the
            default taken from a timm model's ``pretrained_cfg``).

    Returns:
        None or a callable taking (N, C, H, W) images.

    Raises:
        InputError: anything else, or a std ≤ 0.

    Source: freqlens.

    Example:
        >>> f = as_normalize(((0.5,), (0.5,)))
        >>> f(torch.ones(1, 1, 2, 2)).flatten().tolist()
        [1.0, 1.0, 1.0, 1.0]
    """
    if normalize is False or (isinstance(normalize, str) and normalize.lower() == "none"):
        return None  # explicitly none: also turns off a timm model's pretrained_cfg default
    if normalize is None or (callable(normalize) and not isinstance(normalize, (tuple, list))):
        return normalize
    if isinstance(normalize, (tuple, list)) and len(normalize) == 2:
        try:
            mean = torch.as_tensor(normalize[0], dtype=torch.float64).reshape(-1)
            std = torch.as_tensor(normalize[1], dtype=torch.float64).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise InputError(f"normalize=(mean, std) must hold numbers, got {normalize!r}") from exc
        if mean.numel() == 0 or std.numel() == 0 or bool((std <= 0).any()) or not bool(torch.isfinite(mean).all()):
            raise InputError(f"normalize=(mean, std) needs finite means and stds > 0, got {normalize!r}")
        return MeanStd(mean.tolist(), std.tolist())
    raise InputError(f"normalize must be a callable or a (mean, std) pair, got {type(normalize).__name__}")


class MeanStd:
    """``(x − mean) / std`` per channel of (N, C, H, W) images, on the images' device and dtype.

    Args:
        mean: per-channel means (or one value for all channels), in input units (e.g. [0, 1] pixels).
        std: per-channel standard deviations > 0.

    Attributes:
        mean, std: the values as lists of floats. Calling the object maps (N, C, ...) images to the same shape.

    Raises:
        Nothing at construction; a channel count that matches neither C nor 1 fails in torch's broadcasting.

    Source: freqlens.

    Example:
        >>> MeanStd([0.5], [0.25])(torch.ones(1, 1, 1, 1)).item()
        2.0
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float]):
        self.mean, self.std = [float(m) for m in mean], [float(s) for s in std]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        mean = torch.tensor(self.mean, device=x.device, dtype=x.dtype).view(1, -1, *([1] * (x.ndim - 2)))
        std = torch.tensor(self.std, device=x.device, dtype=x.dtype).view(1, -1, *([1] * (x.ndim - 2)))
        return (x - mean) / std

    def __repr__(self) -> str:
        return f"MeanStd(mean={self.mean}, std={self.std})"


def model_input_config(model: nn.Module) -> dict | None:
    """The preprocessing a (timm) model carries: ``mean``, ``std``, ``input_size`` (C, H, W), ``crop_pct``.

    Args:
        model: any module; ``pretrained_cfg`` is read first, then ``default_cfg`` (also on a wrapped
            ``model.model`` / ``model.module`` or the last module of an ``nn.Sequential``).

    Returns:
        A dict with whichever of the four keys the model gives, or ``None`` (also when the model is an
        ``nn.Sequential`` that starts with its own normalisation).

    Raises:
        Nothing.

    Source: freqlens (timm's ``pretrained_cfg`` convention).

    Example:
        >>> m = nn.Linear(2, 2); m.pretrained_cfg = {"mean": (0.5,), "std": (0.25,), "input_size": (1, 8, 8)}
        >>> model_input_config(m)["std"]
        (0.25,)
    """
    first = model
    while isinstance(first, nn.Sequential) and len(first) > 0:
        first = first[0]
    if first is not model and getattr(first, "transforms_input", False):
        return None  # the model normalises its input itself (e.g. already wrapped)
    seen, todo = set(), [model]
    while todo:
        m = todo.pop(0)
        if id(m) in seen:
            continue
        seen.add(id(m))
        for attr in ("pretrained_cfg", "default_cfg"):
            cfg = getattr(m, attr, None)
            if isinstance(cfg, dict) and ("mean" in cfg or "input_size" in cfg):
                return {k: cfg[k] for k in ("mean", "std", "input_size", "crop_pct") if k in cfg}
        for attr in ("model", "module"):
            inner = getattr(m, attr, None)
            if isinstance(inner, nn.Module):
                todo.append(inner)
        if isinstance(m, nn.Sequential) and len(m) > 0:
            todo.append(m[-1])
    return None


def resolve_normalize(normalize: Any = None, model: nn.Module | None = None) -> Callable | None:
    """The normalisation to apply before ``model``: :func:`as_normalize` of ``normalize`` (a
    callable as given, ``(mean, std)`` as a per-channel ``MeanStd``), or — when ``normalize`` is ``None`` — the
    model's own ``pretrained_cfg``/``default_cfg`` mean and std (with a one-line notice), else none.
    ``normalize=False`` or ``"none"`` turns the model's default off.

    Args:
        normalize: callable ``x -> x'``, ``(mean, std)`` sequences, ``None``, ``False`` or ``"none"``.
        model: consulted for a default when ``normalize`` is ``None``.

    Returns:
        A callable or ``None`` (no normalisation).

    Raises:
        InputError: anything else (e.g. a single number, or a std ≤ 0).

    Source: freqlens.

    Example:
        >>> f = resolve_normalize(((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)))
        >>> f(torch.ones(1, 3, 2, 2)).max().item()
        1.0
        >>> resolve_normalize(None, nn.Linear(2, 2)) is None
        True
    """
    if normalize is None and model is not None:
        cfg = model_input_config(model)
        if cfg and "mean" in cfg and "std" in cfg:
            return _from_cfg(model, cfg)
        return None
    return as_normalize(normalize)


_CFG_CACHE: weakref.WeakKeyDictionary[nn.Module, Callable] = weakref.WeakKeyDictionary()


def _from_cfg(model: nn.Module, cfg: dict) -> Callable:
    cached = _CFG_CACHE.get(model)
    if cached is None:
        from freqlens.notices import notice

        cached = as_normalize((cfg["mean"], cfg["std"]))
        _CFG_CACHE[model] = cached
        notice(f"normalising inputs with the model's pretrained_cfg mean {tuple(cfg['mean'])} and std "
               f"{tuple(cfg['std'])} (pass normalize=False / --mean and --std to override)", stacklevel=4)
    return cached


__all__ = ["NormalizeArg", "MeanStd", "as_normalize", "resolve_normalize", "model_input_config"]
