"""One small training loop: full batch or mini-batch, callbacks, atomic checkpoints, bit-identical resume.

Determinism: training runs inside ``torch.random.fork_rng`` seeded with ``seed`` (the caller's global RNG
state is left untouched); shuffling uses a local generator. Checkpoints store both RNG states, so shuffling,
dropout and augmentation after a resume are those of an uninterrupted run: resuming reproduces it bit for bit.

Example:
    >>> from freqlens.train import fit
    >>> model, x, y = nn.Linear(2, 1), torch.rand(8, 2), torch.rand(8, 1)
    >>> history = fit(model, (x, y), epochs=5, lr=1e-2, progress=False)           # full batch, MSE
    >>> history.epochs, history.steps
    (5, 5)

With a data loader, cross-entropy and a resumable checkpoint::

    history = fit(model, loader, epochs=5, loss="cross_entropy", checkpoint="run/ckpt.pt", resume=True)
"""
from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from freqlens.batching import is_oom
from freqlens.device import model_device, model_dtype
from freqlens.errors import CheckpointError, ConfigError, FreqlensError, InputError, ModelOutputError
from freqlens.inference import OutputSelector, autocast, class_logits, select_output
from freqlens.results import Result, atomic_write_bytes
from freqlens.validation import check_finite, check_integer, check_same_length


@dataclass
class TrainState:
    """What callbacks see during :func:`fit`.

    Args:
        model: the model being trained.
        optimizer: its optimiser.
        device: the training device.
        epoch: completed epochs (0 before training).
        step: optimiser steps so far.
        loss: the last batch's loss.
        epoch_loss: the last epoch's mean loss.
        epochs: the number of epochs asked for.
        resumed: True when training resumed from a checkpoint.
        losses: mean loss of every completed epoch.
        stop_training: a callback sets it to end training after the current epoch.
        loss_name: "mse", "cross_entropy" or "custom" (trackers pick their output transform from it).

    Attributes:
        Those of Args.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> net = nn.Linear(1, 1)
        >>> s = TrainState(net, torch.optim.SGD(net.parameters(), lr=0.1), torch.device("cpu"))
        >>> s.epoch, s.step, s.stop_training
        (0, 0, False)
    """

    model: nn.Module
    optimizer: torch.optim.Optimizer
    device: torch.device
    epoch: int = 0
    step: int = 0
    loss: float = float("nan")
    epoch_loss: float = float("nan")
    epochs: int = 0
    resumed: bool = False
    losses: list[float] = field(default_factory=list)
    stop_training: bool = False  # a callback sets it to end training after the current epoch
    loss_name: str = ""  # "mse", "cross_entropy" or "custom": trackers pick their output transform from it


class Callback:
    """Base class of :func:`fit` callbacks: hooks called before training, after every step and epoch, and at the end.

    Trackers override the hooks they need and expose ``state_dict`` / ``load_state_dict`` (tensors, numbers,
    lists, dicts only) so their history survives a resume; ``latest_scalars`` / ``latest_images`` feed loggers.

    Args:
        (none): subclasses define their own constructors.

    Attributes:
        log_prefix: namespace of this callback's keys in a logger (default the class name in lower case).
        on_train_begin, on_step_end, on_epoch_end, on_train_end: hooks taking a :class:`TrainState`.
        state_dict(), load_state_dict(state): what survives a resume.
        latest_scalars(), latest_images(), logged_scalars(): the newest numbers and images, for loggers.

    Raises:
        Nothing by itself.

    Source: freqlens.

    Example:
        >>> class Stop(Callback):
        ...     def on_epoch_end(self, state):
        ...         state.stop_training = state.epoch >= 2
        >>> h = fit(nn.Linear(1, 1), (torch.zeros(4, 1), torch.zeros(4, 1)), epochs=10, callbacks=[Stop()],
        ...         progress=False)
        >>> h.epochs
        2
    """

    def on_train_begin(self, state: TrainState) -> None: ...

    def on_step_end(self, state: TrainState) -> None: ...

    def on_epoch_end(self, state: TrainState) -> None: ...

    def on_train_end(self, state: TrainState) -> None: ...

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass

    log_prefix: str = ""
    """Namespace of this callback's keys in a logger (``fprinciple`` → ``fprinciple/e_low/delta=3``); default the
    class name in lower case."""

    def latest_scalars(self) -> dict[str, float]:
        """The newest recorded numbers as ``{name: value}`` (for loggers, e.g. the Lightning adapter)."""
        return {}

    def latest_images(self) -> dict[str, object]:
        """The newest recorded images as ``{name: (H, W) array}`` (for loggers); none by default."""
        return {}

    def logged_scalars(self) -> dict[str, float]:
        """:meth:`latest_scalars` under this callback's namespace (flat, slash-separated keys)."""
        prefix = self.log_prefix or type(self).__name__.lower()
        return {f"{prefix}/{k}": float(v) for k, v in self.latest_scalars().items()}


class PeriodicTracker(Callback):
    """A callback that calls :meth:`record` before training and every ``every`` epochs or optimiser steps.

    With ``unit = "epoch"`` it also records at the last epoch; with ``unit = "step"`` every ``every`` steps.
    Subclasses implement ``record(model, time)`` and ``recorded()`` (the times recorded so far, restored by
    ``load_state_dict`` on resume).

    Args:
        (none): subclasses set ``every``, ``unit`` and ``record_at_start`` in their constructors.

    Attributes:
        every: the period (≥ 1).
        unit: "epoch" or "step".
        record_at_start: record before the first step (not on resume).

    Raises:
        NotImplementedError: ``record`` or ``recorded`` not implemented by the subclass.

    Source: freqlens.

    Example:
        >>> class Times(PeriodicTracker):
        ...     every = 2
        ...     def __init__(self):
        ...         self.times = []
        ...     def record(self, model, time):
        ...         self.times.append(time)
        ...     def recorded(self):
        ...         return self.times
        >>> t = Times()
        >>> _ = fit(nn.Linear(1, 1), (torch.zeros(4, 1), torch.zeros(4, 1)), epochs=5, callbacks=[t], progress=False)
        >>> t.times
        [0, 2, 4, 5]
    """

    every: int = 1
    unit: str = "epoch"
    record_at_start: bool = True

    def record(self, model: nn.Module, time: int) -> None:
        raise NotImplementedError

    def recorded(self) -> Sequence[int]:
        raise NotImplementedError

    @staticmethod
    def check_every(every: int) -> int:
        """``every`` as an int ≥ 1, or an :class:`InputError`."""
        return check_integer(every, "every")

    def on_train_begin(self, state: TrainState) -> None:
        if self.record_at_start and not state.resumed and not self.recorded():
            self.record(state.model, state.epoch if self.unit == "epoch" else state.step)

    def on_epoch_end(self, state: TrainState) -> None:
        if self.unit == "epoch" and (state.epoch % self.every == 0 or state.epoch == state.epochs):
            self.record(state.model, state.epoch)

    def on_step_end(self, state: TrainState) -> None:
        if self.unit == "step" and state.step % self.every == 0:
            self.record(state.model, state.step)


@dataclass
class _LogRelay:
    """Sends what the callbacks record to a :class:`freqlens.loggers.Logger`: a periodic tracker's numbers once
    per new record, at the time it recorded (epoch or optimiser step, its ``unit``); other callbacks' numbers and
    the training loss (``train/loss``) at every epoch end, at step = epoch."""

    def __init__(self, logger, callbacks: Sequence[Callback]):
        self.logger, self.callbacks = logger, list(callbacks)
        self.seen = [len(cb.recorded()) if isinstance(cb, PeriodicTracker) else 0 for cb in self.callbacks]

    def _send(self, cb: Callback, step: int) -> None:
        scalars = cb.logged_scalars()
        if scalars:
            self.logger.log_scalars(scalars, step=int(step))
        prefix = cb.log_prefix or type(cb).__name__.lower()
        for key, image in cb.latest_images().items():
            self.logger.log_image(f"{prefix}/{key}", image, step=int(step))

    def periodic(self) -> None:
        for i, cb in enumerate(self.callbacks):
            if isinstance(cb, PeriodicTracker):
                times = cb.recorded()
                if len(times) > self.seen[i]:
                    self.seen[i] = len(times)
                    self._send(cb, times[-1])

    def epoch_end(self, state: TrainState) -> None:
        self.periodic()
        for cb in self.callbacks:
            if not isinstance(cb, PeriodicTracker):
                self._send(cb, state.epoch)
        self.logger.log_scalars({"train/loss": float(state.epoch_loss)}, step=int(state.epoch))


@dataclass
class FitHistory(Result):
    """What :func:`fit` returns: mean training loss per epoch and the wall time of the call.

    Args:
        losses: mean training loss of every epoch (``losses[e]`` is epoch e + 1), including epochs of an earlier
            run this one resumed.
        seconds: wall-clock seconds of this call.
        epochs: completed epochs.
        steps: optimiser steps.

    Attributes:
        Those of Args; ``plot(ax)`` draws the loss curve.

    Raises:
        Nothing at construction.

    Source: freqlens.

    Example:
        >>> h = fit(nn.Linear(1, 1), (torch.zeros(4, 1), torch.ones(4, 1)), epochs=3, progress=False)
        >>> h.epochs, h.steps, len(h.losses), bool(h.losses[-1] < h.losses[0])
        (3, 3, 3, True)
    """

    losses: list[float]
    seconds: float
    epochs: int
    steps: int

    def plot(self, ax=None):
        from freqlens.plot.training import plot_loss_curve

        return plot_loss_curve(self, ax=ax)


LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
BatchTransform = Callable[[nn.Module, torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


def _mse(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    if not target.is_floating_point():  # class labels with MSE: one-hot, as the F-Principle papers do
        if out.ndim != 2:
            raise ModelOutputError(f"model output has shape {tuple(out.shape)}; MSE on class labels needs (N, classes)")
        target = nn.functional.one_hot(target, out.shape[1]).to(out.dtype)
    if out.shape != target.shape:
        target = target.reshape(out.shape) if target.numel() == out.numel() else target
    if out.shape != target.shape:
        raise ModelOutputError(f"model output has shape {tuple(out.shape)} but targets have {tuple(target.shape)}")
    return nn.functional.mse_loss(out, target)


def _cross_entropy(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    if not target.is_floating_point() and (out.ndim == 1 or (out.ndim == 2 and out.shape[1] == 1)):
        out = class_logits(out)  # one binary logit z → (0, z): cross-entropy is then BCE-with-logits
    if out.ndim != 2:
        raise ModelOutputError(f"model output has shape {tuple(out.shape)}; cross-entropy needs (N, classes)")
    if not target.is_floating_point() and int(target.max()) >= out.shape[1]:
        raise ModelOutputError(f"model outputs {out.shape[1]} classes but a label is {int(target.max())}")
    return nn.functional.cross_entropy(out, target)


def resolve_loss(loss: str | LossFn) -> LossFn:
    """The loss function of a name: "mse" (class labels become one-hot), "cross_entropy" ("ce"), or a callable.

    Args:
        loss: "mse", "cross_entropy", "ce", or any callable ``(output, target) -> scalar tensor``.

    Returns:
        A callable ``(output, target) -> scalar``; a callable argument is returned unchanged. The built-in losses
        raise :class:`ModelOutputError` when outputs and targets do not fit.

    Raises:
        ConfigError: an unknown name.

    Source: freqlens (one-hot MSE as in the F-Principle papers, Xu et al. 2019).

    Example:
        >>> mse = resolve_loss("mse")
        >>> float(mse(torch.zeros(2, 3), torch.tensor([0, 2])))       # one-hot targets: 2 ones in 6 entries
        0.3333333432674408
    """
    if callable(loss):
        return loss
    table = {"mse": _mse, "cross_entropy": _cross_entropy, "ce": _cross_entropy}
    if loss not in table:
        raise ConfigError(f"unknown loss {loss!r}; expected 'mse', 'cross_entropy' or a callable")
    return table[loss]


class _TensorBatches:
    """Mini-batches of in-memory tensors on the model's device, shuffled by a per-epoch generator."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int | None, shuffle: bool, device):
        self.x, self.y = x.to(device), y.to(device)
        self.n = x.shape[0]
        self.batch_size = batch_size or self.n
        self.shuffle = shuffle

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    def batches(self, generator: torch.Generator):
        if self.batch_size >= self.n:
            yield self.x, self.y
            return
        order = torch.randperm(self.n, generator=generator) if self.shuffle else torch.arange(self.n)
        order = order.to(self.x.device)
        for start in range(0, self.n, self.batch_size):
            idx = order[start:start + self.batch_size]
            yield self.x[idx], self.y[idx]


class _LoaderBatches:
    def __init__(self, loader: Iterable, device):
        self.loader, self.device = loader, device

    def __len__(self) -> int:
        try:
            return len(self.loader)  # type: ignore[arg-type]
        except TypeError:
            return 0

    def batches(self, generator: torch.Generator):
        from freqlens.data.inputs import split_item

        for batch in self.loader:
            if not isinstance(batch, (tuple, list, dict)) or (not isinstance(batch, dict) and len(batch) < 2):
                raise InputError("each batch of the data loader must be (inputs, targets) or a dict with input and "
                                 "label keys (e.g. 'pixel_values' and 'labels')")
            xb, yb = split_item(batch)                  # a dict batch: the probes' image and label keys
            yield torch.as_tensor(xb).to(self.device), torch.as_tensor(yb).to(self.device)


def _make_batches(data, batch_size, shuffle, device):
    if isinstance(data, (tuple, list)) and len(data) == 2 and all(isinstance(t, torch.Tensor) for t in data):
        x, y = data
        check_same_length(x, y, "inputs", "targets")
        check_finite(x, "inputs")
        if y.is_floating_point():
            check_finite(y, "targets")
        if x.shape[0] == 0:
            raise InputError("training inputs are empty")
        return _TensorBatches(x, y, batch_size, shuffle, device)
    if isinstance(data, Dataset) and not isinstance(data, DataLoader):
        data = DataLoader(data, batch_size=batch_size or 128, shuffle=shuffle)
    if isinstance(data, Iterable):
        return _LoaderBatches(data, device)
    raise InputError(f"data must be (inputs, targets) tensors, a Dataset or a DataLoader, got {type(data).__name__}")


def _fingerprint(model: nn.Module, batches, batch_size, seed, loss=None, lr=None) -> str:
    """What a resumed run must share with the checkpoint: architecture, data (bit-exact for tensors), batch size,
    seed, loss, learning rate and the freqlens version (:mod:`freqlens.fingerprint`)."""
    from freqlens import __version__
    from freqlens.fingerprint import tensor_digest, value_digest

    shapes = ",".join(f"{k}:{tuple(v.shape)}" for k, v in model.state_dict().items())
    n = getattr(batches, "n", len(batches))
    data = f"{tensor_digest(batches.x)}+{tensor_digest(batches.y)}" if hasattr(batches, "x") else "loader"
    return (f"{type(model).__name__}|{shapes}|n={n}|data={data}|bs={batch_size}|seed={seed}|"
            f"loss={value_digest(loss)}|lr={lr}|freqlens={__version__}")


def save_checkpoint(path: str | os.PathLike, payload: dict) -> None:
    """Atomically write a checkpoint: plain dicts of tensors and numbers, loadable with ``weights_only=True``.

    Args:
        path: destination file.
        payload: a dict of tensors, numbers, strings, lists and dicts.

    Returns:
        None.

    Raises:
        OSError: the folder cannot be written.

    Source: freqlens.

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "c.pt")
        >>> save_checkpoint(p, {"epoch": 3, "w": torch.ones(2)}); load_checkpoint(p)["epoch"]
        3
    """
    buf = io.BytesIO()
    torch.save(payload, buf)
    atomic_write_bytes(path, buf.getvalue())


def load_checkpoint(path: str | os.PathLike, map_location=None) -> dict:
    """Load a checkpoint with ``torch.load(..., weights_only=True)``.

    Args:
        path: the checkpoint file.
        map_location: passed to ``torch.load`` (e.g. "cpu").

    Returns:
        The saved dict.

    Raises:
        CheckpointError: the file is missing, corrupt, or holds more than tensors and plain data.

    Source: freqlens.

    Example:
        >>> load_checkpoint("no/such/file.pt")
        Traceback (most recent call last):
        ...
        freqlens.errors.CheckpointError: checkpoint no/such/file.pt does not exist
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt files
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CheckpointError(f"checkpoint {path} is corrupt or not a freqlens checkpoint: {first}") from exc


def fit(model: nn.Module, data, epochs: int, optimizer: torch.optim.Optimizer | Callable | None = None,
        loss: str | LossFn = "mse", callbacks: Sequence[Callback] = (), checkpoint: str | os.PathLike | None = None,
        resume: bool = False, seed: int = 0, batch_size: int | None = None, lr: float = 1e-3,
        device: str | torch.device | None = None, shuffle: bool = True, progress: bool = True,
        checkpoint_every: int = 1, scheduler: Callable | None = None,
        batch_transform: BatchTransform | None = None,
        regularizer: Callable[[nn.Module], torch.Tensor] | None = None, output: OutputSelector = None,
        amp: bool = False, logger=None) -> FitHistory:
    """Train ``model`` in place for ``epochs`` epochs and return the per-epoch loss history.

    Args:
        data: ``(inputs, targets)`` tensors (full batch unless ``batch_size``), a ``Dataset`` or a ``DataLoader``.
            Inputs (N, ...) ; targets (N,) class labels or (N, out) regression targets.
        optimizer: an optimizer over ``model.parameters()``, a factory ``params -> optimizer``, or ``None`` (Adam,
            ``lr``).
        loss: "mse" (class labels are one-hot encoded), "cross_entropy", or ``(output, target) -> scalar``.
        callbacks: :class:`Callback` objects (trackers); called at train begin, each step end, each epoch end.
        checkpoint: file written atomically every ``checkpoint_every`` epochs (model, optimizer, scheduler,
            callbacks' state). With ``resume=True`` an existing checkpoint is continued to ``epochs``.
        seed: seeds initial shuffling/dropout per epoch (see module docstring).
        device: where to train; default the model's current device.
        scheduler: factory ``optimizer -> LR scheduler``, stepped once per epoch.
        batch_transform: ``(model, x, y) -> (x, y)`` applied to each training batch (augmentation, adversarial
            examples); runs with the model in train mode.
        regularizer: ``model -> scalar`` added to the loss (e.g. a kernel smoothness penalty).
        output: picks the tensor the loss sees from the model's output (:func:`freqlens.inference.select_output`:
            a dict key, a tuple index or a callable; default the tensor itself, else ``logits``, else the first).
        amp: run forward passes under :func:`torch.autocast` for the training device.
        logger: a :class:`freqlens.loggers.Logger` (TensorBoard, MLflow, ...). Every tracker's numbers go to it
            under ``<tracker>/<name>`` (``fprinciple/e_low/delta=3``) each time the tracker records (so sparse,
            expensive trackers stay sparse: set their ``every=``), at the epoch or step it recorded; the mean
            training loss goes as ``train/loss`` at every epoch.

    Returns:
        :class:`FitHistory`: the mean loss per epoch, the wall time (s), epochs and optimiser steps done.

    Raises:
        InputError: bad data, or the loss becomes non-finite. CheckpointError: a checkpoint of another run.

    Source:
        freqlens.

    Example:
        >>> import torch
        >>> from freqlens.loggers import MemoryLogger
        >>> x = torch.linspace(-1, 1, 16)[:, None]; log = MemoryLogger()
        >>> hist = fit(torch.nn.Linear(1, 1), (x, 2 * x), epochs=3, lr=0.1, progress=False, logger=log)
        >>> [s for s, k, _ in log.scalars if k == "train/loss"]
        [1, 2, 3]
    """
    if logger is not None and not (hasattr(logger, "log_scalars") and hasattr(logger, "log_image")):
        raise InputError(f"logger must have log_scalars(values, step) and log_image(key, array, step); "
                         f"got {type(logger).__name__}")
    epochs = check_integer(epochs, "epochs", minimum=0)
    checkpoint_every = check_integer(checkpoint_every, "checkpoint_every")
    dev = torch.device(device) if device is not None else model_device(model)
    model.to(dev)
    batches = _make_batches(data, batch_size, shuffle, dev)
    loss_fn = resolve_loss(loss)
    if optimizer is None:
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    elif isinstance(optimizer, torch.optim.Optimizer):
        opt = optimizer
    else:
        opt = optimizer(model.parameters())
    sched = scheduler(opt) if scheduler is not None else None
    state = TrainState(model=model, optimizer=opt, device=dev, epochs=int(epochs),
                       loss_name="custom" if callable(loss) else ("cross_entropy" if loss == "ce" else str(loss)))
    fingerprint = _fingerprint(model, batches, batch_size, seed, loss, lr if optimizer is None else None)

    if resume and checkpoint is not None and Path(checkpoint).exists():
        ck = load_checkpoint(checkpoint, map_location=dev)
        if ck.get("fingerprint") != fingerprint:
            raise CheckpointError(
                f"checkpoint {checkpoint} was written for another configuration ({ck.get('fingerprint')!r}); "
                "refusing to resume — delete it or use another path")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        if sched is not None and ck.get("scheduler") is not None:
            sched.load_state_dict(ck["scheduler"])
        for cb, cb_state in zip(callbacks, ck.get("callbacks", [])):
            cb.load_state_dict(cb_state)
        state.epoch, state.step, state.losses = int(ck["epoch"]), int(ck["step"]), list(ck["losses"])
        state.resumed = True
        resume_rng = ck.get("rng")
    else:
        resume_rng = None

    def write_checkpoint():
        if checkpoint is None:
            return
        save_checkpoint(checkpoint, {
            "fingerprint": fingerprint, "epoch": state.epoch, "step": state.step, "losses": state.losses,
            "model": model.state_dict(), "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict() if sched is not None else None,
            "callbacks": [cb.state_dict() for cb in callbacks],
            "rng": {"cpu": torch.get_rng_state(), "shuffle": shuffle_gen.get_state(),
                    "cuda": torch.cuda.get_rng_state(dev) if dev.type == "cuda" else None},
        })

    start = time.perf_counter()
    was_training = model.training
    fork_devices = [dev] if dev.type == "cuda" else []
    shuffle_gen = torch.Generator()
    with torch.random.fork_rng(devices=fork_devices):
        torch.random.default_generator.manual_seed(int(seed))
        if dev.type == "cuda":
            torch.cuda.manual_seed(int(seed))
        shuffle_gen.manual_seed(int(seed) + 1)
        if resume_rng is not None:
            # RNG states are CPU byte tensors, whatever device the checkpoint was mapped to.
            torch.set_rng_state(resume_rng["cpu"].cpu())
            shuffle_gen.set_state(resume_rng["shuffle"].cpu())
            if dev.type == "cuda" and resume_rng.get("cuda") is not None:
                torch.cuda.set_rng_state(resume_rng["cuda"].cpu(), dev)
        for cb in callbacks:
            cb.on_train_begin(state)
        relay = _LogRelay(logger, callbacks) if logger is not None else None
        if relay is not None and not state.resumed:
            relay.seen = [0] * len(relay.seen)
            relay.periodic()
        bar = tqdm(total=int(epochs), initial=state.epoch, desc="fit", unit="epoch", disable=not progress,
                   leave=False, dynamic_ncols=True)
        first_step = True
        try:
            while state.epoch < epochs:
                model.train()
                total, count = 0.0, 0
                for xb, yb in batches.batches(shuffle_gen):
                    try:
                        if batch_transform is not None:
                            xb, yb = batch_transform(model, xb, yb)
                            model.train()
                        opt.zero_grad(set_to_none=True)
                        if xb.is_floating_point() and xb.dtype != model_dtype(model):
                            xb = xb.to(model_dtype(model))
                        with autocast(dev, amp):
                            out = select_output(model(xb), output)
                        if out.shape[0] != xb.shape[0]:
                            raise ModelOutputError(f"model returned {out.shape[0]} rows for a batch of {xb.shape[0]}")
                        value = loss_fn(out, yb)
                    except (RuntimeError, IndexError, ValueError) as exc:
                        if isinstance(exc, FreqlensError) or not first_step or is_oom(exc):
                            raise
                        # the model or the batch transform cannot take this data: say so in one line
                        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                        raise InputError(f"the first training batch failed (inputs {tuple(xb.shape[1:])}, targets "
                                         f"{tuple(yb.shape)} {yb.dtype}): {why}") from exc
                    first_step = False
                    if regularizer is not None:
                        value = value + regularizer(model)
                    if not torch.isfinite(value):
                        raise InputError(f"training loss became {float(value)} at epoch {state.epoch + 1}; lower lr")
                    value.backward()
                    opt.step()
                    state.step += 1
                    state.loss = float(value.detach())
                    total += state.loss * xb.shape[0]
                    count += xb.shape[0]
                    for cb in callbacks:
                        cb.on_step_end(state)
                    if relay is not None:
                        relay.periodic()
                if sched is not None:
                    sched.step()
                state.epoch += 1
                state.epoch_loss = total / max(count, 1)
                state.losses.append(state.epoch_loss)
                for cb in callbacks:
                    cb.on_epoch_end(state)
                if relay is not None:
                    relay.epoch_end(state)
                if state.epoch % checkpoint_every == 0 or state.epoch == epochs or state.stop_training:
                    write_checkpoint()
                bar.update(1)
                bar.set_postfix(loss=f"{state.epoch_loss:.3g}")
                if state.stop_training:
                    break
            for cb in callbacks:
                cb.on_train_end(state)
        finally:
            bar.close()
            model.train(was_training)
    return FitHistory(losses=list(state.losses), seconds=time.perf_counter() - start, epochs=state.epoch,
                      steps=state.step)
