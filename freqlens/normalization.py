"""The input normalisation a model expects: ``normalize=`` as a callable, as ``(mean, std)``, or read from a
timm model's ``pretrained_cfg`` / ``default_cfg`` (dicts with ``mean``, ``std``, ``input_size``, ``crop_pct``).

Probes perturb images in input space (e.g. [0, 1]) and apply the normalisation right before the model.
"""
from __future__ import annotations

import weakref
from typing import Any, Callable, Sequence

import torch
from torch import nn

from freqlens.errors import InputError

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

    if first is not model and isinstance(first, (MeanStd, Normalize, InputTransform)):
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


class MeanStd(nn.Module):
    """``(x − mean) / std`` per channel, on the input's device and dtype. x (N, C, H, W); mean, std length C.

    Args:
        mean, std: one value per channel (or one value for all), in input units; std > 0.

    Raises:
        InputError: empty, unequal lengths, or a std ≤ 0; in ``forward``, a channel count that does not match.

    Source: freqlens.

    Example:
        >>> MeanStd((0.5,), (0.25,))(torch.ones(1, 1, 2, 2))[0, 0, 0, 0].item()
        2.0
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float]):
        super().__init__()
        m = torch.as_tensor(mean, dtype=torch.float64).reshape(-1)
        s = torch.as_tensor(std, dtype=torch.float64).reshape(-1)
        if m.numel() == 0 or m.numel() != s.numel():
            raise InputError(f"mean and std need one value per channel each, got {m.numel()} and {s.numel()} values")
        if bool((s <= 0).any()) or not bool(torch.isfinite(m).all() and torch.isfinite(s).all()):
            raise InputError(f"std must be > 0 and mean, std finite, got mean {m.tolist()}, std {s.tolist()}")
        self.register_buffer("mean", m.float().view(1, -1, 1, 1))
        self.register_buffer("std", s.float().view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.mean.shape[1]
        if x.ndim >= 2 and c != 1 and x.shape[1] != c:
            raise InputError(f"normalize has {c} channel values (mean/std) but the images have {x.shape[1]} "
                             "channels; pass one mean and one std per channel")
        shape = (1, -1) + (1,) * max(x.ndim - 2, 0)
        mean = self.mean.reshape(shape).to(x.device, x.dtype)
        std = self.std.reshape(shape).to(x.device, x.dtype)
        return (x - mean) / std

    def extra_repr(self) -> str:
        return f"mean={[round(v, 4) for v in self.mean.flatten().tolist()]}, std={[round(v, 4) for v in self.std.flatten().tolist()]}"


def resolve_normalize(normalize: Any = None, model: nn.Module | None = None) -> Callable | None:
    """The normalisation to apply before ``model``: a callable as given, ``(mean, std)`` as :class:`MeanStd`, or —
    when ``normalize`` is ``None`` — the model's own ``pretrained_cfg``/``default_cfg`` mean and std (with a
    one-line notice), else none. ``normalize=False`` or ``"none"`` turns the model's default off.

    Args:
        normalize: callable ``x -> x'``, ``(mean, std)`` sequences, ``None``, ``False`` or ``"none"``.
        model: consulted for a default when ``normalize`` is ``None``.

    Returns:
        A callable or ``None`` (no normalisation).

    Raises:
        InputError: anything else (e.g. a single number, or mean/std of different lengths).

    Source: freqlens.

    Example:
        >>> f = resolve_normalize(((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)))
        >>> f(torch.ones(1, 3, 2, 2)).max().item()
        1.0
        >>> resolve_normalize(None, nn.Linear(2, 2)) is None
        True
    """
    if normalize is False or (isinstance(normalize, str) and normalize.lower() == "none"):
        return None
    if normalize is None:
        if model is None:
            return None
        cfg = model_input_config(model)
        if cfg and "mean" in cfg and "std" in cfg:
            return _from_cfg(model, cfg)
        return None
    if isinstance(normalize, (tuple, list)) and len(normalize) == 2 and not callable(normalize[0]):
        return MeanStd(normalize[0], normalize[1])
    if callable(normalize):
        return normalize
    raise InputError(f"normalize must be a callable, (mean, std) or None, got {type(normalize).__name__}")


_CFG_CACHE: "weakref.WeakKeyDictionary[nn.Module, MeanStd]" = weakref.WeakKeyDictionary()


def _from_cfg(model: nn.Module, cfg: dict) -> MeanStd:
    cached = _CFG_CACHE.get(model)
    if cached is None:
        from freqlens.notices import notice

        cached = MeanStd(cfg["mean"], cfg["std"])
        _CFG_CACHE[model] = cached
        notice(f"normalising inputs with the model's pretrained_cfg mean {tuple(cfg['mean'])} and std "
               f"{tuple(cfg['std'])} (pass normalize=False / --mean and --std to override)", stacklevel=4)
    return cached


__all__ = ["MeanStd", "resolve_normalize", "model_input_config"]
