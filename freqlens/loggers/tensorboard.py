"""TensorBoard adapter (optional extra ``tensorboard``): scalars with ``add_scalar``, heat maps as grey images."""
from __future__ import annotations

import os

import numpy as np

from freqlens.errors import MissingDependencyError
from freqlens.loggers.protocol import check_image_array, to_unit_range


class TensorBoardLogger:
    """A :class:`freqlens.loggers.Logger` writing TensorBoard event files under ``log_dir``.

    Args:
        log_dir: folder of the event files (created).

    Attributes:
        log_dir: as given (a string); writer: the ``SummaryWriter``. ``log_scalars``/``log_image`` record,
        ``flush()`` writes, ``close()`` (or leaving ``with``) closes the files.

    Raises:
        MissingDependencyError: the ``tensorboard`` package is not installed.

    Source:
        freqlens.

    Example:
        >>> import tempfile
        >>> with TensorBoardLogger(tempfile.mkdtemp()) as tb:   # doctest: +SKIP
        ...     tb.log_scalars({"fprinciple/e_low/delta=3": 0.2}, step=5)
    """

    def __init__(self, log_dir: str | os.PathLike):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as exc:
            raise MissingDependencyError("TensorBoardLogger needs tensorboard: "
                                         "pip install 'freqlens[tensorboard]'") from exc
        self.log_dir = str(log_dir)
        self.writer = SummaryWriter(log_dir=self.log_dir)

    def log_scalars(self, values: dict[str, float], step: int) -> None:
        """Each value as a scalar series ``key`` at ``step``."""
        for k, v in values.items():
            self.writer.add_scalar(str(k), float(v), global_step=int(step))

    def log_image(self, key: str, array: np.ndarray, step: int) -> None:
        """(H, W) values scaled to [0, 1] by their min and max (NaN → 0), or (H, W, 3) RGB in [0, 1]."""
        arr = check_image_array(key, array)
        if arr.ndim == 2:
            self.writer.add_image(key, to_unit_range(arr), global_step=int(step), dataformats="HW")
        else:
            self.writer.add_image(key, np.clip(arr, 0, 1), global_step=int(step), dataformats="HWC")

    def flush(self) -> None:
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()

    def __enter__(self) -> TensorBoardLogger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
