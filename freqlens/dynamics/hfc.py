"""LFC / HFC accuracy over training (Wang et al., Figs. 3–6) as a :func:`freqlens.train.fit` callback.

Example (CIFAR-10 tensors ``x_tr, y_tr, x_te, y_te``)::

    tracker = HFCTracker(train=(x_tr[:2000], y_tr[:2000]), test=(x_te, y_te), radii=(4, 8, 12, 16))
    fit(model, (x_tr, y_tr), epochs=15, loss="cross_entropy", batch_size=100, callbacks=[tracker])
    curves = tracker.result()          # HFCCurves: lfc_test (E, R), hfc_test (E, R), ...
    curves.plot()
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from freqlens.errors import CheckpointError, InputError
from freqlens.inference import OutputSelector, gather
from freqlens.normalization import NormalizeArg
from freqlens.probes.hfc import check_radii, predict_components
from freqlens.results import Result
from freqlens.train import PeriodicTracker
from freqlens.validation import check_choice, check_images, check_integer, check_labels


@dataclass
class HFCCurves(Result):
    """Per evaluated epoch: clean accuracy and LFC / HFC accuracy per radius, on train and test subsets.

    Args:
        radii: (R,) radii in cycles per image.
        epochs: (E,) evaluated epochs.
        clean_train: (E,) clean accuracy in [0, 1] on the train subset (NaN where not given).
        clean_test: (E,) the same on the test subset.
        lfc_train: (E, R) accuracy on the low-frequency components, train subset.
        hfc_train: (E, R) accuracy on the high-frequency components, train subset.
        lfc_test: (E, R) LFC accuracy, test subset.
        hfc_test: (E, R) HFC accuracy, test subset.
        rescale: "none" or "max" (how the components were scaled).
        bn_eval: how BatchNorm was evaluated ("running" statistics or the batch's).
        seconds: time spent evaluating (the tracker's overhead).
        label: a name for plots.

    Attributes:
        Those of Args; ``plot(ax, split)`` draws the curves of one split.

    Raises:
        Nothing at construction.

    Source: Wang, Wu, Huang, Xing 2020, "High-frequency component helps explain the generalization of
        convolutional neural networks", Figs. 3-6.

    Example:
        >>> c = HFCCurves([4.0], np.array([0, 1]), np.full(2, np.nan), np.array([0.1, 0.5]), np.full((2, 1), np.nan),
        ...               np.full((2, 1), np.nan), np.array([[0.1], [0.3]]), np.array([[0.1], [0.2]]), "max", "running")
        >>> c.hfc_test[:, 0].tolist()
        [0.1, 0.2]
    """

    radii: list[float]
    epochs: np.ndarray
    clean_train: np.ndarray
    clean_test: np.ndarray
    lfc_train: np.ndarray
    hfc_train: np.ndarray
    lfc_test: np.ndarray
    hfc_test: np.ndarray
    rescale: str
    bn_eval: str
    seconds: float = 0.0
    label: str = ""

    def plot(self, ax=None, split: str = "test"):
        from freqlens.plot.hfc import plot_hfc_curves

        return plot_hfc_curves(self, ax=ax, split=split)


class HFCTracker(PeriodicTracker):
    """``fit`` callback: clean, LFC and HFC accuracy at each radius on train and/or test data every ``every`` epochs.

    Components are computed per batch on the model's device with one FFT shared by all radii. Its history is part
    of ``fit`` checkpoints (``state_dict``), so a resumed run keeps earlier epochs.

    Args:
        train: (images, labels) or a data loader: the train subset to evaluate (optional).
        test: the same for the test subset (at least one of the two).
        radii: radii in cycles per image (LFC: distance from DC < r).
        rescale: "max" (each component image divided by its maximum, the paper's convention) or "none".
        every: evaluation period in epochs.
        at_start: also evaluate before training.
        normalize: a callable or a (mean, std) pair applied before the model.
        bn_eval: "running" (BatchNorm's running statistics) or another mode of
            :func:`freqlens.probes.hfc.predict_components`.
        max_batch: images per forward pass.
        components: a non-empty subset of ("lfc", "hfc") (dropping one saves time).
        bounds: the images' range, checked (None skips).
        label: a name for plots.
        num_classes: bounds the labels (any integer dtype or one-hot), so a subset lacking the last class is fine.
        output: picks the class scores from the model's output (a dict key, a tuple index or a callable).
        amp: run the model under :func:`torch.autocast`.

    Attributes:
        history: the records; ``result()`` returns an :class:`HFCCurves`; ``evaluate(model, epoch)`` records now.

    Raises:
        InputError: no data, bad images/labels/radii, an unknown rescale or bad components.
        CheckpointError: resuming from a checkpoint of a tracker configured otherwise.

    Source: Wang et al. 2020, Sec. 3 and Figs. 3-6 (LFC / HFC accuracy during training).

    Example:
        >>> import torch
        >>> x, y = torch.rand(8, 1, 8, 8), torch.arange(8) % 2
        >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 2))
        >>> t = HFCTracker(test=(x, y), radii=(2,), num_classes=2)
        >>> t.evaluate(net, 0)
        >>> c = t.result()
        >>> c.lfc_test.shape, bool(np.isnan(c.clean_train[0]))
        ((1, 1), True)
    """

    log_prefix = "hfc"

    def __init__(self, train=None, test=None, radii: Sequence[float] = (4, 8, 12, 16), rescale: str = "max",
                 every: int = 1, at_start: bool = False, normalize: NormalizeArg = None, bn_eval: str = "running",
                 max_batch: int = 100, components: Sequence[str] = ("lfc", "hfc"), bounds=(0.0, 1.0),
                 label: str = "", num_classes: int | None = None, output: OutputSelector = None,
                 amp: bool = False):
        if train is None and test is None:
            raise InputError("HFCTracker needs train=(images, labels) and/or test=(images, labels)")
        every = self.check_every(every)
        check_choice(rescale, "rescale", ("none", "max"))
        if num_classes is not None:
            num_classes = check_integer(num_classes, "num_classes")
        self.num_classes, self.output, self.amp = num_classes, output, amp
        bad = set(components) - {"lfc", "hfc"}
        if bad or not components:
            raise InputError(f"components must be a non-empty subset of ('lfc', 'hfc'), got {tuple(components)}")
        self.sets = {}
        for name, data in (("train", train), ("test", test)):
            if data is not None:
                x, y = gather(*data) if isinstance(data, (tuple, list)) else gather(data)
                y = check_labels(y, n=x.shape[0], num_classes=num_classes, name=f"{name} labels")
                check_images(x, y, bounds, name=f"{name} images")
                self.sets[name] = (x, y)
        size = next(iter(self.sets.values()))[0].shape[-2:]
        self.radii = check_radii(radii, *size)
        self.rescale, self.every, self.record_at_start = rescale, every, bool(at_start)
        self.normalize, self.bn_eval, self.max_batch = normalize, bn_eval, int(max_batch)
        self.components, self.label = tuple(components), label
        self.history: dict[str, list] = {"epochs": [], "seconds": [0.0]}
        for k in ("clean_train", "clean_test", "lfc_train", "hfc_train", "lfc_test", "hfc_test"):
            self.history[k] = []

    def evaluate(self, model, epoch: int) -> None:
        """Evaluate now and append to the history as ``epoch``."""
        start = time.perf_counter()
        nan_r = [float("nan")] * len(self.radii)
        self.history["epochs"].append(int(epoch))
        for split in ("train", "test"):
            if split not in self.sets:
                self.history[f"clean_{split}"].append(float("nan"))
                self.history[f"lfc_{split}"].append(nan_r)
                self.history[f"hfc_{split}"].append(nan_r)
                continue
            x, y = self.sets[split]
            clean, lfc, hfc = predict_components(model, x, y, self.radii, self.rescale, self.normalize,
                                                 self.max_batch, self.bn_eval, False, split, self.components,
                                                  output=self.output, amp=self.amp)
            self.history[f"clean_{split}"].append(float(clean.float().mean()))
            self.history[f"lfc_{split}"].append(lfc.float().mean(1).tolist() if "lfc" in self.components else nan_r)
            self.history[f"hfc_{split}"].append(hfc.float().mean(1).tolist() if "hfc" in self.components else nan_r)
        self.history["seconds"][0] += time.perf_counter() - start

    def record(self, model, epoch: int) -> None:
        self.evaluate(model, epoch)

    def recorded(self) -> list[int]:
        return self.history["epochs"]

    def latest_scalars(self) -> dict[str, float]:
        if not self.history["epochs"]:
            return {}
        out = {}
        for split in self.sets:
            out[f"clean_acc/{split}"] = float(self.history[f"clean_{split}"][-1])
            for comp in self.components:
                for r, v in zip(self.radii, self.history[f"{comp}_{split}"][-1]):
                    out[f"{comp}_acc/{split}/r={r:g}"] = float(v)
        return out

    def state_dict(self) -> dict:
        return {"radii": list(self.radii), "sets": sorted(self.sets), "components": list(self.components),
                "history": {k: list(v) for k, v in self.history.items()}}

    def load_state_dict(self, state: dict) -> None:
        mine = {"radii": list(self.radii), "sets": sorted(self.sets), "components": list(self.components)}
        theirs = {k: list(state.get(k, [])) for k in mine}
        if mine != theirs:
            raise CheckpointError(f"checkpointed HFCTracker was configured as {theirs}, this one as {mine}; "
                                  "use a fresh checkpoint")
        self.history = {k: list(v) for k, v in state["history"].items()}

    def result(self) -> HFCCurves:
        """The curves so far as an :class:`HFCCurves` result."""
        h = self.history
        r = len(self.radii)
        arr = lambda k, shape: np.asarray(h[k], dtype=float).reshape(shape)  # noqa: E731
        e = len(h["epochs"])
        return HFCCurves(radii=self.radii, epochs=np.asarray(h["epochs"], dtype=int),
                         clean_train=arr("clean_train", (e,)), clean_test=arr("clean_test", (e,)),
                         lfc_train=arr("lfc_train", (e, r)), hfc_train=arr("hfc_train", (e, r)),
                         lfc_test=arr("lfc_test", (e, r)), hfc_test=arr("hfc_test", (e, r)), rescale=self.rescale,
                         bn_eval=self.bn_eval, seconds=float(h["seconds"][0]), label=self.label)


__all__ = ["HFCTracker", "HFCCurves"]
