"""Run any freqlens tracker inside PyTorch Lightning's ``Trainer.fit`` (optional extra ``lightning``).

Example::

    >>> from freqlens.integrations.lightning import FreqlensCallback
    >>> tracker = FilteringTracker(x_train, y_train, deltas=[3.0])
    >>> trainer = lightning.Trainer(max_epochs=20, callbacks=[FreqlensCallback([tracker])])
    >>> trainer.fit(module, loader)
    >>> tracker.result().plot()      # same result as with freqlens.train.fit; scalars also go to the logger

Each tracker sees the same hooks as under :func:`freqlens.train.fit` (train begin, every optimiser step, epoch end
with the number of completed epochs); its ``latest_scalars()`` are logged as ``freqlens/<name>`` after every epoch.
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
    """A Lightning callback that drives freqlens trackers (any :class:`freqlens.train.Callback`)."""

    def __init__(self, trackers: Sequence[Callback], prefix: str = "freqlens/"):
        _base()
        super().__init__()
        self.trackers = list(trackers)
        self.prefix = prefix

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
        scalars = {}
        for t in self.trackers:
            t.on_epoch_end(state)
            scalars.update({f"{self.prefix}{k}": v for k, v in t.latest_scalars().items()})
        if scalars:
            pl_module.log_dict(scalars, on_epoch=True, on_step=False)

    def on_train_end(self, trainer, pl_module) -> None:
        state = self._state(trainer, pl_module, trainer.current_epoch)
        for t in self.trackers:
            t.on_train_end(state)
