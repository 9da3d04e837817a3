"""The Frequency Principle (Xu et al.): does a network fit the low frequencies of its target first?

Two ways to see it in high dimension, each a ``fit`` callback *and* a plain function on (model, inputs, targets):

* :class:`ProjectionTracker` — the projection method. Inputs are projected on a direction p (default: the
  first principal component), the labels and the outputs are Fourier transformed along it with a
  non-uniform DFT (ordinary convention: ŷ(κ) = (1/n) Σ_i y_i exp(−2πi κ p·x_i), κ in cycles per unit of p·x),
  and the relative error Δ_F(κ) = |ĥ(κ) − ŷ(κ)| / |ŷ(κ)| is followed at the peaks of |ŷ|. For vector
  outputs |·| is the ℓ2 norm over components.
* :class:`FilteringTracker` — the filtering method. With the Gaussian G^δ(x) = exp(−‖x‖²/(2δ)) (δ a variance
  in squared input units), y^{low,δ} is the kernel-weighted average of the labels and y^{high,δ} = y − y^{low,δ};
  e_low = ‖h^{low} − y^{low}‖ / ‖y^{low}‖ and e_high = ‖h^{high} − y^{high}‖ / ‖y^{high}‖ (Frobenius norms).
  The row-normalised kernels are built once (see :class:`freqlens.fourier.GaussianSmoother`).

Example (training tensors ``x_train, y_train``)::

    trackers = [ProjectionTracker(x_train, y_train), FilteringTracker(x_train, y_train, deltas=[3.0, 7.0])]
    fit(model, (x_train, y_train), epochs=50, callbacks=trackers)
    trackers[1].result().plot()
    trackers[0].result().save("fp.json")
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from freqlens.errors import InputError, ModelOutputError
from freqlens.fourier.nudft import first_principal_component, nudft
from freqlens.fourier.peaks import find_peaks, relative_error_at
from freqlens.fourier.smoothing import GaussianSmoother, pairwise_squared_distances
from freqlens.inference import OutputSelector, predict
from freqlens.results import Result
from freqlens.train import Callback, PeriodicTracker, TrainState
from freqlens.validation import as_tensor, check_finite, check_integer, check_labels, check_nonempty, check_same_length

OutputTransform = Callable[[torch.Tensor], torch.Tensor] | str | None


def _prepare_xy(inputs, targets, num_classes: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and float64 (n, c) targets; integer labels (any dtype, or one-hot) become one-hot over
    ``num_classes`` columns (default: the largest label + 1)."""
    x = as_tensor(inputs, "inputs")
    y = as_tensor(targets, "targets")
    if x.ndim < 1 or x.shape[0] < 2:
        raise InputError(f"inputs has shape {tuple(x.shape)}; expected (n, ...) with n ≥ 2 samples")
    check_same_length(x, y, "inputs", "targets")
    check_finite(x.float(), "inputs")
    if num_classes is not None:
        num_classes = check_integer(num_classes, "num_classes")
    if not y.is_floating_point():
        labels = check_labels(y, num_classes=num_classes, name="targets")
        y = nn.functional.one_hot(labels, num_classes if num_classes is not None else -1).to(torch.float64)
    elif num_classes is not None and y.ndim == 2 and y.shape[1] != num_classes:
        raise InputError(f"targets have {y.shape[1]} columns but num_classes is {num_classes}")
    y = y.to(torch.float64)
    if y.ndim == 1:
        y = y[:, None]
    elif y.ndim > 2:
        raise InputError(f"targets has shape {tuple(y.shape)}; expected (n,) labels or (n, outputs)")
    check_finite(y, "targets")
    return x, y


def _looks_like_probabilities(out: torch.Tensor) -> bool:
    return bool(out.shape[1] > 1 and (out >= 0).all() and (out <= 1).all()
                and torch.allclose(out.sum(1), torch.ones_like(out[:, 0]), atol=1e-4))


def _transform(out: torch.Tensor, how: OutputTransform, class_targets: bool = False) -> torch.Tensor:
    """Apply ``output_transform``. ``"auto"`` (the trackers' default): softmax when the targets are class labels
    and the outputs are logits (not already probabilities), else the outputs as they are."""
    if how == "auto":
        how = "softmax" if class_targets and out.shape[1] > 1 and not _looks_like_probabilities(out) else None
    if how is None:
        return out
    if how == "softmax":
        return torch.softmax(out, dim=1)
    if callable(how):
        return how(out)
    raise InputError(f"output_transform must be 'auto', None, 'softmax' or a callable, got {how!r}")


def _auto_from_fit(how: OutputTransform, state) -> OutputTransform:
    """Inside ``fit`` the loss settles "auto": cross-entropy → softmax, MSE → none (one-hot regression)."""
    if how != "auto":
        return how
    name = getattr(state, "loss_name", "")
    return "softmax" if name == "cross_entropy" else None if name == "mse" else how


def model_outputs(model: nn.Module, inputs: torch.Tensor, n_outputs: int, output_transform: OutputTransform = None,
                  max_batch: int = 4096, output: OutputSelector = None, amp: bool = False,
                  class_targets: bool = False) -> torch.Tensor:
    """The model's outputs on ``inputs`` as (n, n_outputs) float64 on the CPU, in eval mode, batched on its device.

    Args:
        model: any ``nn.Module``.
        inputs: (n, ...) inputs.
        n_outputs: the number of columns the targets have (checked).
        output_transform: "auto", None, "softmax" or a callable applied to the (n, c) outputs ("auto": softmax
            when ``class_targets`` and the outputs are logits, not already probabilities).
        max_batch: inputs per forward pass.
        output: picks the scores from the model's output (:func:`freqlens.inference.select_output`).
        amp: run under :func:`torch.autocast`.
        class_targets: whether the targets are class labels (for "auto").

    Returns:
        (n, n_outputs) float64 tensor.

    Raises:
        ModelOutputError: the outputs do not have ``n_outputs`` columns.
        InputError: an unknown ``output_transform``.

    Source: freqlens.

    Example:
        >>> net = nn.Linear(3, 2)
        >>> out = model_outputs(net, torch.zeros(4, 3), 2, "softmax")
        >>> out.shape, out.dtype, torch.allclose(out.sum(1), torch.ones(4, dtype=torch.float64))
        (torch.Size([4, 2]), torch.float64, True)
    """
    out = predict(model, inputs, batch_size=max_batch, dtype=torch.float64, output=output, amp=amp)
    out = _transform(out[:, None] if out.ndim == 1 else out.reshape(out.shape[0], -1), output_transform,
                     class_targets)
    if out.shape[1] != n_outputs:
        raise ModelOutputError(f"model output has {out.shape[1]} column(s) per sample but targets have {n_outputs}; "
                               "for class labels pass num_classes= (the model's number of outputs)")
    return out


# --------------------------------------------------------------------------------------------- projection

@dataclass
class ProjectionResult(Result):
    """Δ_F at the label spectrum's peaks over training (projection method).

    Args:
        epochs: (T,) recorded epochs.
        peak_freqs: (P,) κ of the followed peaks, ascending.
        deltas: (T, P) Δ_F at each peak and record.
        freqs: (M,) the κ grid of the spectra.
        target_amplitude: (M,) |ŷ(κ)| (ℓ2 norm over output components).
        output_amplitude: (M,) |ĥ(κ)| at the last record.
        direction: (d,) the projection direction p.
        mode: "complex" (|ĥ − ŷ|/|ŷ|) or "amplitude" (||ĥ| − |ŷ||/|ŷ|).
        convention: "ordinary" or "angular" frequency.
        outputs: (T, n, c) outputs at every record, when stored.
        projected: (n,) p·x_i, when outputs are stored.

    Attributes:
        Those of Args; ``converged_epochs(threshold)``: first epoch with Δ_F < threshold per peak (None if never).

    Raises:
        Nothing at construction.

    Source: Xu et al. 2019, "Frequency Principle: Fourier analysis sheds light on deep neural networks"
        (arXiv 1901.06523), projection method.

    Example:
        >>> r = ProjectionResult([0, 5, 10], [0.5, 1.0], np.array([[1.0, 1.0], [0.05, 0.8], [0.01, 0.09]]),
        ...                      np.zeros(3), np.zeros(3), np.zeros(3), np.ones(2))
        >>> r.converged_epochs(0.1)
        [5, 10]
    """

    epochs: list[int]
    peak_freqs: list[float]
    deltas: np.ndarray
    freqs: np.ndarray
    target_amplitude: np.ndarray
    output_amplitude: np.ndarray
    direction: np.ndarray
    mode: str = "complex"
    convention: str = "ordinary"
    outputs: np.ndarray | None = None
    projected: np.ndarray | None = None

    def converged_epochs(self, threshold: float = 0.1) -> list[int | None]:
        """First recorded epoch at which Δ_F < ``threshold``, per peak (``None`` if never)."""
        out: list[int | None] = []
        d = np.asarray(self.deltas)
        for p in range(d.shape[1]):
            hit = np.nonzero(d[:, p] < threshold)[0]
            out.append(int(self.epochs[hit[0]]) if hit.size else None)
        return out

    def plot(self, ax=None):
        from freqlens.plot.fprinciple import plot_projection_heatmap

        return plot_projection_heatmap(self, ax=ax)


class ProjectionTracker(PeriodicTracker):
    """Projection-method F-Principle tracker (see the module docstring); also callable: ``tracker(model)`` is Δ_F now.

    Args:
        inputs: (n, ...) training inputs (flattened for the projection).
        targets: (n,) class labels (one-hot encoded), (n,) or (n, c) regression targets.
        direction: (d,) projection direction; default the first principal component of the inputs.
        freqs: the κ grid (cycles per unit of p·x, or radians with ``convention="angular"``); default ``n_freqs``
            points on [0, 4/std(p·x)].
        n_freqs: points of the default grid.
        peaks: κ values to follow; default the first ``max_peaks`` local maxima of |ŷ| at least
            ``min_relative_height`` × the largest interior peak.
        max_peaks: see ``peaks``.
        min_relative_height: see ``peaks``.
        mode: "complex" or "amplitude" Δ_F.
        convention: "ordinary" or "angular".
        every: record every ``every`` epochs (and before training).
        output_transform: "auto" (default: softmax probabilities when the targets are class labels and the model
            outputs logits; inside ``fit`` the loss decides: softmax for cross-entropy, none for MSE), None (raw
            outputs), "softmax" or a callable.
        store_outputs: keep the outputs at every record (for 1-D figures).
        max_batch: inputs per forward pass.
        num_classes: number of classes for class-label targets (default: the largest label + 1).
        output: picks the scores from the model's output (a dict key, a tuple index or a callable).
        amp: run the model under :func:`torch.autocast`.

    Attributes:
        peak_freqs, direction, projected, freqs, epochs, history; ``measure(model)``, ``result(model=None)``.

    Raises:
        InputError: bad inputs/targets, a zero or mis-sized direction, no peak on the grid (the message suggests
            peaks or a wider grid), or a zero target spectrum at a requested peak.
        ModelOutputError: at a record, outputs whose width does not match the targets.

    Source: Xu et al. 2019 (arXiv 1901.06523), projection method.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> x = torch.randn(60, 3, generator=g); y = torch.sin(3 * x[:, 0])
        >>> tracker = ProjectionTracker(x, y, peaks=[0.45, 0.9])
        >>> net = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1))
        >>> tracker.record(net, 0)
        >>> r = tracker.result()
        >>> r.deltas.shape, r.peak_freqs
        ((1, 2), [0.45, 0.9])
    """

    log_prefix = "fprinciple"

    def __init__(self, inputs, targets, direction=None, freqs=None, n_freqs: int = 200, peaks=None,
                 max_peaks: int = 4, min_relative_height: float = 0.1, mode: str = "complex",
                 convention: str = "ordinary", every: int = 1, output_transform: OutputTransform = "auto",
                 store_outputs: bool = False, max_batch: int = 4096, num_classes: int | None = None,
                 output: OutputSelector = None, amp: bool = False):
        self.class_targets = not as_tensor(targets, "targets").is_floating_point()
        x, y = _prepare_xy(inputs, targets, num_classes)
        self.output, self.amp = output, amp
        flat = x.reshape(x.shape[0], -1).double()
        if direction is None:
            p = first_principal_component(flat)
        else:
            p = as_tensor(direction, "direction", torch.float64).flatten()
            if p.numel() != flat.shape[1]:
                raise InputError(f"direction has {p.numel()} entries but inputs have {flat.shape[1]} features")
            if float(p.norm()) == 0:
                raise InputError("direction must be non-zero")
            p = p / p.norm()
        self.every = self.check_every(every)
        self.inputs, self.targets = x, y
        self.projected = flat @ p
        self.direction = p
        if freqs is None:
            kmax = 4.0 / float(self.projected.std().clamp_min(1e-12))
            freqs = torch.linspace(0, kmax, n_freqs, dtype=torch.float64)
        self.freqs = check_finite(as_tensor(freqs, "freqs", torch.float64).flatten(), "freqs")
        self.mode, self.convention = mode, convention
        self.target_spectrum = nudft(self.projected, y, self.freqs, convention=convention)  # (m, c)
        amp = self.target_spectrum.abs().norm(dim=1)
        if peaks is None:
            # heights relative to the largest interior peak: the κ = 0 value (the label mean) dwarfs every
            # peak of class labels and would hide them all
            idx = find_peaks(amp)
            if idx.numel():
                idx = idx[amp[idx] >= min_relative_height * amp[idx].max()][:max_peaks]
            if idx.numel() == 0:
                std = float(self.projected.std())
                half = [float(self.freqs[int(torch.nonzero(amp <= amp[0] * f)[0])]) if bool((amp <= amp[0] * f).any())
                        else None for f in (0.5, 0.25)]
                hint = ", ".join(f"{v:.3g}" for v in half if v is not None) or f"{1 / std:.3g}"
                raise InputError(f"|ŷ(κ)| has no local maximum on the grid κ ∈ [0, {float(self.freqs[-1]):.3g}] "
                                 f"(cycles per unit of p·x): it only decreases from κ = 0; pass peaks=[{hint}] (the κ "
                                 f"where |ŷ| falls to 1/2 and 1/4 of its κ = 0 value) or a wider grid "
                                 f"freqs=torch.linspace(0, {20 / std:.3g}, 400)")
            self.peak_freqs = self.freqs[idx]
        else:
            self.peak_freqs = as_tensor(peaks, "peaks", torch.float64).flatten()
        self.target_at_peaks = nudft(self.projected, y, self.peak_freqs, convention=convention)
        if bool((self.target_at_peaks.abs().norm(dim=1) == 0).any()):
            raise InputError("the target spectrum is zero at a requested peak; Δ_F is undefined there")
        self.output_transform, self.max_batch = output_transform, max_batch
        self.store_outputs = store_outputs
        self.epochs: list[int] = []
        self.history: list[torch.Tensor] = []
        self.output_history: list[torch.Tensor] = []
        self.last_outputs: torch.Tensor | None = None

    def measure(self, model: nn.Module) -> torch.Tensor:
        """Δ_F at the peaks for ``model`` now. Shape (peaks,)."""
        h = model_outputs(model, self.inputs, self.targets.shape[1], self.output_transform, self.max_batch,
                          output=self.output, amp=self.amp, class_targets=self.class_targets)
        self.last_outputs = h
        h_hat = nudft(self.projected, h, self.peak_freqs, convention=self.convention)
        return relative_error_at(h_hat, self.target_at_peaks, mode=self.mode)

    def record(self, model: nn.Module, epoch: int) -> None:
        self.epochs.append(int(epoch))
        self.history.append(self.measure(model).float())
        if self.store_outputs and self.last_outputs is not None:
            self.output_history.append(self.last_outputs.float())

    def on_train_begin(self, state: TrainState) -> None:
        self.output_transform = _auto_from_fit(self.output_transform, state)
        super().on_train_begin(state)

    def recorded(self) -> list[int]:
        return self.epochs

    def state_dict(self) -> dict:
        return {"epochs": list(self.epochs), "history": [h.clone() for h in self.history],
                "outputs": [o.clone() for o in self.output_history]}

    def load_state_dict(self, state: dict) -> None:
        self.epochs = list(state["epochs"])
        self.history = list(state["history"])
        self.output_history = list(state.get("outputs", []))

    def latest_scalars(self) -> dict[str, float]:
        if not self.history:
            return {}
        return {f"delta_f/k={k:.3g}": float(v) for k, v in zip(self.peak_freqs.tolist(), self.history[-1].tolist())}

    def result(self, model: nn.Module | None = None) -> ProjectionResult:
        """The recorded history; pass ``model`` to also get its current output spectrum."""
        if not self.history:
            raise InputError("nothing recorded yet: use the tracker as a fit callback or call record()")
        if model is not None:
            self.last_outputs = model_outputs(model, self.inputs, self.targets.shape[1], self.output_transform,
                                              self.max_batch, output=self.output, amp=self.amp,
                                              class_targets=self.class_targets)
        out_amp = (nudft(self.projected, self.last_outputs, self.freqs, convention=self.convention).abs().norm(dim=1)
                   if self.last_outputs is not None else torch.full_like(self.freqs, float("nan")))
        return ProjectionResult(
            epochs=list(self.epochs), peak_freqs=[float(k) for k in self.peak_freqs],
            deltas=torch.stack(self.history).numpy(), freqs=self.freqs.numpy(),
            target_amplitude=self.target_spectrum.abs().norm(dim=1).numpy(), output_amplitude=out_amp.numpy(),
            direction=self.direction.numpy(), mode=self.mode, convention=self.convention,
            outputs=torch.stack(self.output_history).numpy() if self.output_history else None,
            projected=self.projected.numpy() if self.output_history else None)

    def __call__(self, model: nn.Module) -> torch.Tensor:
        return self.measure(model)


def projection_errors(model: nn.Module, inputs, targets, **kwargs) -> dict[str, list[float]]:
    """One-shot projection method: Δ_F at the label spectrum's peaks for ``model`` now.

    Args:
        model: any ``nn.Module``.
        inputs: (n, ...) inputs.
        targets: (n,) labels or (n, c) targets.
        **kwargs: any argument of :class:`ProjectionTracker`.

    Returns:
        ``{"peak_freqs": [...], "delta_f": [...]}``.

    Raises:
        InputError, ModelOutputError: as :class:`ProjectionTracker`.

    Source: Xu et al. 2019 (arXiv 1901.06523), projection method.

    Example:
        >>> x = torch.linspace(-3, 3, 64)[:, None]
        >>> projection_errors(nn.Linear(1, 1), x, torch.sin(3 * x[:, 0]), peaks=[0.5])["peak_freqs"]
        [0.5]
    """
    tracker = ProjectionTracker(inputs, targets, **kwargs)
    return {"peak_freqs": [float(k) for k in tracker.peak_freqs], "delta_f": tracker.measure(model).tolist()}


# ---------------------------------------------------------------------------------------------- filtering

@dataclass
class FilteringHistory(Result):
    """e_low / e_high over training for each δ (filtering method).

    Args:
        epochs: (T,) recorded epochs.
        deltas: (D,) filter variances δ.
        e_low: (T, D) relative error of the low-frequency part at ``epochs[t]`` for ``deltas[i]``.
        e_high: (T, D) the same for the high-frequency part.
        high_fraction: (D,) ‖y^{high,δ}‖ / ‖y‖: how much of the target lies above the cut-off.

    Attributes:
        Those of Args; ``first_below(threshold)``: first epoch with error < threshold, per part and δ.

    Raises:
        Nothing at construction.

    Source: Xu et al. 2019 (arXiv 1901.06523), filtering method.

    Example:
        >>> h = FilteringHistory([0, 1, 2], [3.0], np.array([[0.9], [0.1], [0.05]]), np.array([[1.0], [0.9], [0.3]]))
        >>> h.first_below(0.5)
        {'low': [1], 'high': [2]}
    """

    epochs: list[int]
    deltas: list[float]
    e_low: np.ndarray
    e_high: np.ndarray
    high_fraction: list[float] = field(default_factory=list)

    def first_below(self, threshold: float) -> dict[str, list[int | None]]:
        """First recorded epoch with error < ``threshold`` for the low and the high part, per δ."""
        def first(a):
            out = []
            for i in range(a.shape[1]):
                hit = np.nonzero(a[:, i] < threshold)[0]
                out.append(int(self.epochs[hit[0]]) if hit.size else None)
            return out
        return {"low": first(np.asarray(self.e_low)), "high": first(np.asarray(self.e_high))}

    def plot(self, ax=None):
        from freqlens.plot.fprinciple import plot_filtering_curves

        return plot_filtering_curves(self, ax=ax)


class FilteringTracker(PeriodicTracker):
    """Filtering-method F-Principle tracker (see the module docstring); ``tracker(model)`` gives the errors now.

    Args:
        inputs: (n, ...) inputs (flattened).
        targets: (n,) class labels (one-hot) or (n, c) values.
        deltas: variances δ > 0 of the Gaussian in squared input units (paper: 3 for MNIST, 7 for CIFAR-10 with
            pixels in [0, 1], as recalled).
        every: record every ``every`` epochs (and before training).
        output_transform: "auto" (default: softmax probabilities when the targets are class labels and the model
            outputs logits; inside ``fit`` the loss decides: softmax for cross-entropy, none for MSE), None,
            "softmax" or a callable.
        dtype: kernel precision (float32: n² · 4 bytes per δ).
        device: where kernels live (default: the model's device at the first record).
        max_batch: inputs per forward pass.
        block: rows per block when building the kernels.
        num_classes: number of classes for class-label targets (default: the largest label + 1).
        output: picks the scores from the model's output (a dict key, a tuple index or a callable).
        amp: run the model under :func:`torch.autocast`.

    Attributes:
        deltas, high_fraction, epochs, e_low, e_high; ``measure(model)``, ``result()``.

    Raises:
        InputError: bad inputs/targets, no δ, or a δ at which the target has no low or no high part.
        ModelOutputError: at a record, outputs whose width does not match the targets.

    Source: Xu et al. 2019 (arXiv 1901.06523), filtering method (G^δ(x) = exp(−‖x‖²/(2δ)), as the authors' code).

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> x = torch.randn(60, 3, generator=g); y = torch.sin(3 * x[:, 0])
        >>> tr = FilteringTracker(x, y, deltas=[0.5])
        >>> errors = tr(nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1)))
        >>> sorted(errors), len(errors["e_low"]), 0 < tr.high_fraction[0] < 1
        (['e_high', 'e_low'], 1, True)
    """

    log_prefix = "fprinciple"

    def __init__(self, inputs, targets, deltas: Sequence[float], every: int = 1,
                 output_transform: OutputTransform = "auto", dtype: torch.dtype = torch.float32,
                 device: torch.device | str | None = None, max_batch: int = 4096, block: int = 2048,
                 num_classes: int | None = None, output: OutputSelector = None, amp: bool = False):
        self.class_targets = not as_tensor(targets, "targets").is_floating_point()
        x, y = _prepare_xy(inputs, targets, num_classes)
        self.output, self.amp = output, amp
        if isinstance(deltas, (int, float)):
            deltas = [deltas]
        deltas = check_nonempty(deltas, "deltas", "[3.0]")
        self.every = self.check_every(every)
        self.inputs, self.targets = x, y
        self.deltas = [float(d) for d in deltas]
        self.smoothers = [GaussianSmoother(x, d, dtype=dtype, block=block, device=device) for d in self.deltas]
        self.y_low, self.y_high, self.high_fraction = [], [], []
        for s in self.smoothers:
            low, high = s.split(y)
            scale = float(y.norm()) * 1e-5
            if float(high.norm()) <= scale or float(low.norm()) <= scale:
                part = "high" if float(high.norm()) <= scale else "low"
                raise InputError(f"at δ = {s.delta} the target has no {part}-frequency part (constant or "
                                 "all-distinct targets?); choose another δ")
            self.y_low.append(low)
            self.y_high.append(high)
            self.high_fraction.append(float(high.norm() / y.to(high).norm()))
        self.output_transform, self.max_batch = output_transform, max_batch
        self.epochs: list[int] = []
        self.e_low: list[list[float]] = []
        self.e_high: list[list[float]] = []

    def _to(self, dev: torch.device) -> None:
        for s in self.smoothers:
            if s.kernel.device != dev:
                s.kernel = s.kernel.to(dev)
        self.y_low = [t.to(dev) for t in self.y_low]
        self.y_high = [t.to(dev) for t in self.y_high]

    def measure(self, model: nn.Module) -> dict[str, list[float]]:
        """e_low and e_high for every δ, for ``model`` now."""
        h = model_outputs(model, self.inputs, self.targets.shape[1], self.output_transform, self.max_batch,
                          output=self.output, amp=self.amp, class_targets=self.class_targets)
        dev = self.smoothers[0].kernel.device
        h = h.to(dev)
        lows, highs = [], []
        for s, yl, yh in zip(self.smoothers, self.y_low, self.y_high):
            hl = s.apply(h)
            hh = h.to(hl) - hl
            lows.append(float((hl - yl).norm() / yl.norm()))
            highs.append(float((hh - yh).norm() / yh.norm()))
        return {"e_low": lows, "e_high": highs}

    def record(self, model: nn.Module, epoch: int) -> None:
        m = self.measure(model)
        self.epochs.append(int(epoch))
        self.e_low.append(m["e_low"])
        self.e_high.append(m["e_high"])

    def recorded(self) -> list[int]:
        return self.epochs

    def on_train_begin(self, state: TrainState) -> None:
        self._to(state.device)
        self.output_transform = _auto_from_fit(self.output_transform, state)
        super().on_train_begin(state)

    def state_dict(self) -> dict:
        return {"epochs": list(self.epochs), "e_low": [list(r) for r in self.e_low],
                "e_high": [list(r) for r in self.e_high]}

    def load_state_dict(self, state: dict) -> None:
        self.epochs = list(state["epochs"])
        self.e_low = [list(r) for r in state["e_low"]]
        self.e_high = [list(r) for r in state["e_high"]]

    def latest_scalars(self) -> dict[str, float]:
        if not self.epochs:
            return {}
        out = {}
        for d, lo, hi in zip(self.deltas, self.e_low[-1], self.e_high[-1]):
            out[f"e_low/delta={d:g}"] = float(lo)
            out[f"e_high/delta={d:g}"] = float(hi)
        return out

    def result(self) -> FilteringHistory:
        if not self.epochs:
            raise InputError("nothing recorded yet: use the tracker as a fit callback or call record()")
        return FilteringHistory(epochs=list(self.epochs), deltas=list(self.deltas), e_low=np.asarray(self.e_low),
                               e_high=np.asarray(self.e_high), high_fraction=list(self.high_fraction))

    def __call__(self, model: nn.Module) -> dict[str, list[float]]:
        return self.measure(model)


def filtering_errors(model: nn.Module, inputs, targets, deltas: Sequence[float], **kwargs) -> dict[str, list[float]]:
    """One-shot filtering method: e_low and e_high per δ for ``model`` now.

    Args:
        model: any ``nn.Module``.
        inputs: (n, ...) inputs.
        targets: (n,) labels or (n, c) targets.
        deltas: filter variances δ.
        **kwargs: any other argument of :class:`FilteringTracker`.

    Returns:
        ``{"e_low": [...], "e_high": [...]}``, one value per δ.

    Raises:
        InputError, ModelOutputError: as :class:`FilteringTracker`.

    Source: Xu et al. 2019 (arXiv 1901.06523), filtering method.

    Example:
        >>> x = torch.linspace(-3, 3, 64)[:, None]; y = torch.sin(3 * x)
        >>> e = filtering_errors(nn.Linear(1, 1), x, y, [0.1])
        >>> len(e["e_low"]), len(e["e_high"])
        (1, 1)
    """
    return FilteringTracker(inputs, targets, deltas, **kwargs).measure(model)


def choose_delta(inputs, targets, target_fraction: tuple[float, float] = (0.2, 0.5),
                 grid: Sequence[float] | None = None, sample: int = 1000, seed: int = 0) -> float:
    """A filtering δ for which ‖y^{high,δ}‖/‖y‖ lies in ``target_fraction`` (searched on a log grid).

    The fraction is estimated on a random subset of ``sample`` points; the δ whose fraction is closest to the
    middle of the interval is returned (it may lie outside the interval when no grid value reaches it).

    Args:
        inputs: (n, ...) inputs.
        targets: (n,) labels or (n, c) targets.
        target_fraction: (low, high) wanted share of the target above the cut-off.
        grid: δ values to try; default 40 log-spaced values from 1/1000 to 10 × the median squared distance.
        sample: points used for the estimate.
        seed: seed of the subset.

    Returns:
        δ (a float, squared input units).

    Raises:
        InputError: bad inputs or targets.

    Source: freqlens (a δ search for Xu et al. 2019's filtering method).

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> x = torch.randn(60, 3, generator=g)
        >>> round(choose_delta(x, torch.sin(3 * x[:, 0])), 4)
        0.1763
    """
    x, y = _prepare_xy(inputs, targets)
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(x.shape[0], generator=g)[:sample]
    xs, ys = x[idx].reshape(len(idx), -1).double(), y[idx]
    d2 = pairwise_squared_distances(xs)  # once, for every δ of the grid
    if grid is None:
        med = float(d2.median().clamp_min(1e-12))
        grid = np.geomspace(med / 1000, med * 10, 40).tolist()
    goal = sum(target_fraction) / 2
    best, best_gap = None, float("inf")
    for d in grid:
        low, high = GaussianSmoother.from_squared_distances(d2, d).split(ys)
        frac = float(high.norm() / ys.norm())
        gap = abs(frac - goal)
        if gap < best_gap:
            best, best_gap = float(d), gap
    return float(best)


# ------------------------------------------------------------------------------------------- helpers of recipes

class StopWhenConverged(Callback):
    """Ends training once every peak of a :class:`ProjectionTracker` has had Δ_F < ``threshold`` for the last
    ``patience`` records.

    Args:
        tracker: the projection tracker to watch; threshold: the Δ_F level; patience: records in a row.

    Returns:
        A ``fit`` callback.

    Raises:
        Nothing.

    Source:
        freqlens.

    Example:
        >>> import torch
        >>> x = torch.linspace(-3, 3, 64)[:, None]
        >>> StopWhenConverged(ProjectionTracker(x, torch.sin(x)), threshold=0.1).patience
        3
    """

    def __init__(self, tracker: ProjectionTracker, threshold: float = 0.1, patience: int = 3):
        self.tracker, self.threshold, self.patience = tracker, threshold, patience

    def on_epoch_end(self, state: TrainState) -> None:
        hist = self.tracker.history[-self.patience:]
        if len(hist) == self.patience and all(bool((h < self.threshold).all()) for h in hist):
            state.stop_training = True


class ModeErrorTracker(PeriodicTracker):
    """Relative error of a network's solution in chosen sine modes of the 1-D Poisson problem, over training.

    Args:
        grid_inputs: (n + 1, 1) full grid on [−1, 1]; u_ref: (n − 1,) discrete reference solution;
        modes: sine-mode indices j; basis: (n − 1, n − 1) orthonormal sine modes (``theory.poisson.sine_modes``);
        every: record every ``every`` steps (and before training).

    Returns:
        A ``fit`` callback with ``steps`` and ``errors`` (one list of len(modes) per record).

    Raises:
        InputError: on ``every`` < 1.

    Source:
        Xu et al. 2019 (arXiv 1901.06523), Poisson example (per-frequency error E_j).

    Example:
        >>> from freqlens.theory import poisson
        >>> n = 8
        >>> tr = ModeErrorTracker(torch.linspace(-1, 1, n + 1)[:, None], torch.ones(n - 1, dtype=torch.float64),
        ...                       [1], poisson.sine_modes(n), every=1)
        >>> tr.every
        1
    """

    def __init__(self, grid_inputs: torch.Tensor, u_ref: torch.Tensor, modes: Sequence[int], basis: torch.Tensor,
                 every: int = 10):
        from freqlens.theory import poisson

        self._mode_errors = poisson.mode_errors
        self.x, self.u_ref, self.modes, self.basis = grid_inputs, u_ref, list(modes), basis
        self.every = self.check_every(every)
        self.steps: list[int] = []
        self.errors: list[list[float]] = []

    def record(self, model: nn.Module, step: int) -> None:
        with torch.no_grad():
            h = model(self.x.to(next(model.parameters()).device)).double().cpu().squeeze(1)[1:-1]
        self.steps.append(int(step))
        self.errors.append(self._mode_errors(h, self.u_ref, self.modes, self.basis).tolist())

    def recorded(self) -> list[int]:
        return self.steps


def filtering_order(result: FilteringHistory, delta: float, threshold: float = 0.2) -> dict[str, float]:
    """The spec's filtering-method criteria (A3.4) at one δ, plus the same gap on errors normalised by their
    value before training.

    Args:
        result: a :class:`FilteringHistory` whose first record is before training.
        delta: one of ``result.deltas``.
        threshold: the level of the "first epoch below" times.

    Returns:
        ``gap``: mean of e_high − e_low over records 1..⌊T/2⌋ (first half of training);
        ``gap_normalized``: the same for e/e(0) (what training changed, not where the outputs started);
        ``t_low`` / ``t_high``: first epoch with e < ``threshold`` (inf if never);
        ``drop_low`` / ``drop_high``: 1 − e(end)/e(0).

    Raises:
        InputError: if ``delta`` is not one of the result's δ or fewer than 2 records exist.

    Source:
        Xu et al. 2019 (arXiv 1901.06523), filtering method (gap and first-below times); the normalised gap is
        freqlens's.

    Example:
        >>> r = FilteringHistory([0, 1, 2, 3], [3.0], np.array([[1.0], [0.3], [0.1], [0.05]]),
        ...                     np.array([[1.0], [0.9], [0.5], [0.1]]))
        >>> round(filtering_order(r, 3.0)["gap"], 2), filtering_order(r, 3.0)["t_low"]
        (0.6, 2.0)
    """
    if delta not in result.deltas:
        raise InputError(f"δ = {delta} was not tracked; tracked: {result.deltas}")
    i = result.deltas.index(delta)
    e_low, e_high = np.asarray(result.e_low)[:, i], np.asarray(result.e_high)[:, i]
    if len(e_low) < 2:
        raise InputError("need at least two records (before and during training)")
    half = max(2, len(e_low) // 2)
    epochs = np.asarray(result.epochs, dtype=float)

    def first(a):
        hit = np.nonzero(a < threshold)[0]
        return float(epochs[hit[0]]) if hit.size else float("inf")

    nl, nh = e_low / e_low[0], e_high / e_high[0]
    return {"gap": float(np.mean(e_high[1:half] - e_low[1:half])),
            "gap_normalized": float(np.mean(nh[1:half] - nl[1:half])),
            "t_low": first(e_low), "t_high": first(e_high),
            "drop_low": float(1 - nl[-1]), "drop_high": float(1 - nh[-1])}
