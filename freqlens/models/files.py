"""Whole models saved to one file: TorchScript (``torch.jit.save``) and ``torch.export`` programs
(``torch.export.save``, usually ``.pt2``). Neither format runs arbitrary pickled Python on load."""
from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn

from freqlens.errors import CheckpointError

MODEL_FILE_SUFFIXES = (".pt", ".pth", ".pt2", ".ts", ".torchscript", ".jit", ".zip")


def looks_like_model_file(spec: str) -> bool:
    """True when ``spec`` names an existing file with a model-file suffix (not ``module:factory``).

    Args:
        spec: the ``--model`` value.

    Returns:
        Whether to read it with :func:`load_model_file`.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> looks_like_model_file("torch.nn:Linear")
        False
    """
    p = Path(spec)
    return p.suffix.lower() in MODEL_FILE_SUFFIXES and p.is_file()


def load_model_file(path: str | os.PathLike) -> nn.Module:
    """A TorchScript or ``torch.export`` file as an ``nn.Module`` (on the CPU, in eval mode).

    Args:
        path: a file written by ``torch.jit.save`` or ``torch.export.save``.

    Returns:
        The module (an ``ExportedProgram`` is returned as ``program.module()``).

    Raises:
        CheckpointError: the file is neither, e.g. a state dict (then it names ``--weights``).

    Source: freqlens.

    Example:
        >>> import tempfile
        >>> p = tempfile.mkdtemp() + "/m.pt"
        >>> torch.jit.save(torch.jit.script(nn.Linear(2, 3)), p)
        >>> load_model_file(p)(torch.zeros(1, 2)).shape
        torch.Size([1, 3])
    """
    path = Path(path)
    errors = []
    try:
        return torch.jit.load(str(path), map_location="cpu").eval()
    except Exception as exc:  # noqa: BLE001 - try the next format
        errors.append(f"TorchScript: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}")
    try:
        program = torch.export.load(str(path))
        module = program.module()
    except Exception as exc:  # noqa: BLE001
        errors.append(f"torch.export: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}")
    else:
        batch = _static_batch(program)
        if batch is None:
            return module
        from freqlens.notices import notice

        notice(f"{path.name} was exported with a fixed batch size {batch}: inputs run in chunks of {batch} "
               "(export with dynamic_shapes for a free batch size)")
        return FixedBatch(module, batch)
    raise CheckpointError(f"{path} is neither a TorchScript nor a torch.export model file; a state dict goes to "
                          f"--weights with --model package.module:factory ({'; '.join(errors)[:200]})")


def _static_batch(program) -> int | None:
    """The first user input's batch size when the export fixed it, else ``None``."""
    try:
        names = list(program.graph_signature.user_inputs)
        for node in program.graph.nodes:
            if node.op == "placeholder" and node.name == names[0]:
                size = node.meta["val"].shape[0]
                return int(size) if isinstance(size, int) else None
    except Exception:  # noqa: BLE001 - unknown layout: no adapter
        return None
    return None


class FixedBatch(nn.Module):
    """Runs a module that only accepts batches of exactly ``batch`` inputs on any batch size: chunks of ``batch``,
    the last one padded by repeating its final input, outputs trimmed.

    Args:
        module: the fixed-batch module (e.g. ``ExportedProgram.module()``).
        batch: its batch size.

    Attributes:
        module, batch: as given; ``forward`` maps (N, ...) inputs to the module's outputs for those N inputs.

    Raises:
        Nothing at construction; the module's own errors on a call.

    Source: freqlens.

    Example:
        >>> m = FixedBatch(nn.Linear(2, 3), 4)
        >>> m(torch.zeros(6, 2)).shape
        torch.Size([6, 3])
    """

    def __init__(self, module: nn.Module, batch: int):
        super().__init__()
        self.module, self.batch = module, int(batch)

    def forward(self, x: torch.Tensor):
        n = x.shape[0]
        outs = []
        for i in range(0, n, self.batch):
            chunk = x[i:i + self.batch]
            k = chunk.shape[0]
            if k < self.batch:
                chunk = torch.cat([chunk, chunk[-1:].expand(self.batch - k, *chunk.shape[1:])])
            outs.append(self.module(chunk)[:k])
        return torch.cat(outs)
