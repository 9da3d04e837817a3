"""Running a probe's model faster without touching the user's module: channels-last weights and ``torch.compile``.

:func:`accelerated` is the one way every probe gets the module it calls. It is a context manager:

- ``channels_last=True`` converts the 4-D (and 5-D) parameters and buffers to ``torch.channels_last`` (or
  ``channels_last_3d``) for the duration of the probe and gives every tensor its original memory format back in a
  ``finally`` — after the probe returns, raises or is interrupted (Ctrl-C), the user's model is as it was.
  Values the probe changed in the meantime (none should) are kept.
- ``compile=True`` wraps the module with :func:`torch.compile` (inductor). When compiling fails (no C compiler, an
  unsupported operation, a backend error) the call falls back to the eager module with a one-line
  :class:`~freqlens.notices.FreqlensNotice` naming why; the eager result is the same, only slower.

:func:`as_input_format` puts a batch of images in the same memory format as the weights.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn

from freqlens.errors import InputError


def _format_for(t: torch.Tensor) -> torch.memory_format | None:
    if t.dim() == 4:
        return torch.channels_last
    if t.dim() == 5:
        return torch.channels_last_3d
    return None


@contextlib.contextmanager
def channels_last_weights(model: nn.Module) -> Iterator[nn.Module]:
    """``model`` with its 4-D/5-D parameters and buffers in channels-last memory format, restored on exit.

    Each converted tensor keeps its identity (``tensor.data`` is swapped, so tied weights and optimizer
    references stay valid); on exit — also on an exception or ``KeyboardInterrupt`` — its original storage and
    strides come back, with any values changed meanwhile copied into them.

    Args:
        model: any ``nn.Module`` (weights of any shape; only 4-D and 5-D tensors are converted).

    Returns:
        A context manager yielding ``model`` itself.

    Raises:
        Nothing of its own.

    Source: freqlens.

    Example:
        >>> conv = nn.Conv2d(3, 4, 3)
        >>> with channels_last_weights(conv) as m:
        ...     m.weight.is_contiguous(memory_format=torch.channels_last)
        True
        >>> conv.weight.is_contiguous()
        True
    """
    saved: list[tuple[torch.Tensor, torch.Tensor]] = []
    seen: set[int] = set()
    try:
        with torch.inference_mode(False), torch.no_grad():
            for t in [*model.parameters(), *model.buffers()]:
                fmt = _format_for(t)
                if fmt is None or id(t) in seen or t.is_contiguous(memory_format=fmt):
                    continue
                seen.add(id(t))
                original = t.data
                converted = original.contiguous(memory_format=fmt)
                saved.append((t, original))
                t.data = converted
        yield model
    finally:
        with torch.inference_mode(False), torch.no_grad():
            for t, original in reversed(saved):
                current = t.data
                if current.data_ptr() != original.data_ptr() and not torch.equal(current, original):
                    original.copy_(current)
                t.data = original


class CompiledModel(nn.Module):
    """``torch.compile(model)`` that falls back to ``model`` itself, with a notice, when compiling fails.

    The first call that fails inside the compiled module is rerun eagerly: if the eager call fails too, that
    error is the model's own and is raised; otherwise a :class:`~freqlens.notices.FreqlensNotice` names the
    compiler's reason and every later call runs eagerly. Parameters are the wrapped model's.

    Args:
        model: the module to compile.
        dynamic: passed to :func:`torch.compile` (None: a static graph for the first batch size, one graph with a
            dynamic batch size once a second size is seen; False: one graph per size).

    Attributes:
        fallback_reason: None while compiled calls work; the compiler's one-line error once it fell back.

    Raises:
        InputError: a PyTorch without ``torch.compile``. A call raises what the eager model raises.

    Source: freqlens.

    Example:
        >>> net = CompiledModel(nn.Linear(3, 2))
        >>> sum(p.numel() for p in net.parameters())
        8
    """

    def __init__(self, model: nn.Module, dynamic: bool | None = None):
        super().__init__()
        self.model = model
        self.fallback_reason: str | None = None
        if not hasattr(torch, "compile"):
            raise InputError("compile=True needs torch.compile (PyTorch ≥ 2.0); drop --compile")
        object.__setattr__(self, "_compiled", torch.compile(model, dynamic=dynamic))

    def forward(self, *args, **kwargs):
        if self.fallback_reason is not None:
            return self.model(*args, **kwargs)
        try:
            return self._compiled(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - any compiler failure falls back; the model's own errors re-raise
            from freqlens.batching import is_oom

            if is_oom(exc):
                raise  # out of memory: the caller halves the batch
            out = self.model(*args, **kwargs)
            from freqlens.notices import notice

            lines = [s for s in str(exc).strip().splitlines() if s.strip()]
            self.fallback_reason = f"{type(exc).__name__}: {lines[0][:200]}" if lines else type(exc).__name__
            notice(f"torch.compile failed ({self.fallback_reason}); running the model eagerly (same results, "
                   "slower) — drop --compile / compile=True to skip the attempt")
            return out


@contextlib.contextmanager
def accelerated(model: nn.Module, channels_last: bool = False, compile: bool = False) -> Iterator[nn.Module]:
    """The module a probe calls: ``model`` in channels-last format and/or compiled, undone on exit.

    Args:
        model: the user's network (any ``nn.Module``; TorchScript modules are used as they are).
        channels_last: convert its 4-D/5-D weights to channels-last memory format while the block runs
            (:func:`channels_last_weights`); the user's tensors get their original format back afterwards, also
            when the block raises or is interrupted.
        compile: call it through :func:`torch.compile` (:class:`CompiledModel`; the first batch of each shape
            compiles — seconds to a minute on a CPU — so it pays off on long runs only).

    Returns:
        A context manager yielding the module to call (``model`` itself when neither option is set).

    Raises:
        InputError: ``compile=True`` on a PyTorch without ``torch.compile``.

    Source: freqlens.

    Example:
        >>> conv = nn.Conv2d(3, 4, 3)
        >>> with accelerated(conv, channels_last=True) as net:
        ...     net(torch.zeros(1, 3, 5, 5)).shape
        torch.Size([1, 4, 3, 3])
        >>> conv.weight.is_contiguous()
        True
    """
    scripted = isinstance(model, torch.jit.ScriptModule)
    ctx = channels_last_weights(model) if channels_last and not scripted else contextlib.nullcontext(model)
    with ctx:
        yield CompiledModel(model) if compile and not scripted else model


def as_input_format(images: torch.Tensor, channels_last: bool) -> torch.Tensor:
    """``images`` in channels-last memory format when ``channels_last`` and they are 4-D (or 5-D), else as given.

    Args:
        images: a batch (N, C, H, W) (or (N, C, D, H, W)).
        channels_last: whether the weights run channels-last.

    Returns:
        The same values, possibly with channels-last strides.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> as_input_format(torch.zeros(2, 3, 4, 4), True).is_contiguous(memory_format=torch.channels_last)
        True
    """
    fmt = _format_for(images) if channels_last else None
    return images.contiguous(memory_format=fmt) if fmt is not None else images


__all__ = ["accelerated", "channels_last_weights", "CompiledModel", "as_input_format"]
