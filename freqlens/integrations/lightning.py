"""Run any freqlens tracker inside PyTorch Lightning's ``Trainer.fit`` (optional extra ``lightning``).

Example (with your LightningModule ``module`` and data ``loader``)::

    from freqlens.integrations.lightning import FreqlensCallback
    tracker = FilteringTracker(x_train, y_train, deltas=[3.0])
    trainer = lightning.Trainer(max_epochs=20, callbacks=[FreqlensCallback([tracker])])
    trainer.fit(module, loader)
    tracker.result().plot()      # same result as with freqlens.train.fit; scalars also go to the logger

Each tracker sees the same hooks as under :func:`freqlens.train.fit` (train begin, every optimiser step, epoch end
with the number of completed epochs); its numbers are logged through the same :class:`freqlens.loggers.Logger`
protocol as under ``fit(..., logger=...)``: pass ``logger=`` (e.g. a ``TensorBoardLogger``) or, by default, they
go to Lightning's own logger (``pl_module.log_dict``) as ``freqlens/<tracker>/<name>`` after every epoch.
"""
from __future__ import annotations

from collections.abc import Sequence

from freqlens.errors import MissingDependencyError
from freqlens.train import Callback, TrainState

try:
    import lightning.pytorch as pl
except ImportError:  # pragma: no cover - exercised when the extra is absent
    try:
        import pytorch_lightning as pl  # type: ignore[no-redef]
    except ImportError:
        pl = None


def _base():
    if pl is None:
        raise MissingDependencyError("the Lightning adapter needs PyTorch Lightning: pip install 'freqlens[lightning]'")
    return pl.Callback


class FreqlensCallback(_base() if pl is not None else object):  # type: ignore[misc]
    """A Lightning callback that drives freqlens trackers (any :class:`freqlens.train.Callback`).

    Each tracker gets the hooks it would get under :func:`freqlens.train.fit`: train begin, every optimiser step,
    epoch end (with the number of completed epochs) and train end. After every epoch the trackers' newest
    numbers and images go to ``logger``, or by default to Lightning's own logger (``pl_module.log_dict``).

    Args:
        trackers: freqlens callbacks (e.g. a ``FilteringTracker``).
        prefix: prepended to every logged key.
        logger: a :class:`freqlens.loggers.Logger`; None logs through the LightningModule.

    Attributes:
        trackers, prefix, logger: as given.

    Raises:
        MissingDependencyError: PyTorch Lightning is not installed.

    Source: freqlens.

    Example:
        >>> from freqlens.loggers import MemoryLogger
        >>> cb = FreqlensCallback([], logger=MemoryLogger())
        >>> cb.prefix, cb.trackers
        ('freqlens/', [])
    """

    def __init__(self, trackers: Sequence[Callback], prefix: str = "freqlens/", logger=None):
        _base()
        super().__init__()
        self.trackers = list(trackers)
        self.prefix = prefix
        self.logger = logger

    def _state(self, trainer, pl_module, epoch: int) -> TrainState:
        optimizer = trainer.optimizers[0] if trainer.optimizers else None
        return TrainState(model=pl_module, optimizer=optimizer, device=pl_module.device, epoch=epoch,
                          step=trainer.global_step, epochs=int(trainer.max_epochs or 0))

    def on_train_start(self, trainer, pl_module) -> None:
        state = self._state(trainer, pl_module, trainer.current_epoch)
        for t in self.trackers:
            t.on_train_begin(state)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        state = self._state(trainer, pl_module, trainer.current_epoch)
        for t in self.trackers:
            t.on_step_end(state)

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        state = self._state(trainer, pl_module, trainer.current_epoch + 1)
        for t in self.trackers:
            t.on_epoch_end(state)
        logger = self.logger if self.logger is not None else _LightningModuleLogger(pl_module)
        for t in self.trackers:
            scalars = {f"{self.prefix}{k}": v for k, v in t.logged_scalars().items()}
            if scalars:
                logger.log_scalars(scalars, step=state.epoch)
            prefix = t.log_prefix or type(t).__name__.lower()
            for key, image in t.latest_images().items():
                logger.log_image(f"{self.prefix}{prefix}/{key}", image, step=state.epoch)

    def on_train_end(self, trainer, pl_module) -> None:
        state = self._state(trainer, pl_module, trainer.current_epoch)
        for t in self.trackers:
            t.on_train_end(state)


class _LightningModuleLogger:
    """The :class:`freqlens.loggers.Logger` protocol on top of ``LightningModule.log_dict`` (Lightning keeps its
    own step; images are not supported by ``log_dict`` and are dropped)."""

    def __init__(self, pl_module):
        self.pl_module = pl_module

    def log_scalars(self, values: dict[str, float], step: int) -> None:
        self.pl_module.log_dict(dict(values), on_epoch=True, on_step=False)

    def log_image(self, key: str, array, step: int) -> None:
        return None
