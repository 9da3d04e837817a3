"""The input normalisation a model expects: ``normalize=`` as a callable, as ``(mean, std)``, or read from a
timm model's ``pretrained_cfg`` / ``default_cfg`` (dicts with ``mean``, ``std``, ``input_size``, ``crop_pct``).

Probes perturb images in input space (e.g. [0, 1]) and apply the normalisation right before the model.
"""
from __future__ import annotations

import weakref
from typing import Any, Callable

import torch
from torch import nn


NormalizeArg = Callable[[torch.Tensor], torch.Tensor] | tuple | list | None


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
    from freqlens.models.wrappers import InputTransform, Normalize

    if first is not model and isinstance(first, (Normalize, InputTransform)):
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
    """The normalisation to apply before ``model``: :func:`freqlens.inference.as_normalize` of ``normalize`` (a
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
    from freqlens.inference import as_normalize

    if normalize is None and model is not None:
        cfg = model_input_config(model)
        if cfg and "mean" in cfg and "std" in cfg:
            return _from_cfg(model, cfg)
        return None
    return as_normalize(normalize)


_CFG_CACHE: "weakref.WeakKeyDictionary[nn.Module, Callable]" = weakref.WeakKeyDictionary()


def _from_cfg(model: nn.Module, cfg: dict) -> Callable:
    cached = _CFG_CACHE.get(model)
    if cached is None:
        from freqlens.inference import as_normalize
        from freqlens.notices import notice

        cached = as_normalize((cfg["mean"], cfg["std"]))
        _CFG_CACHE[model] = cached
        notice(f"normalising inputs with the model's pretrained_cfg mean {tuple(cfg['mean'])} and std "
               f"{tuple(cfg['std'])} (pass normalize=False / --mean and --std to override)", stacklevel=4)
    return cached


__all__ = ["resolve_normalize", "model_input_config"]
