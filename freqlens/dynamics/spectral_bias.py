"""Spectral bias (Rahaman et al., ICML 2019): grid spectra over training, layer spectral norms, and the
robustness of each frequency to random parameter perturbations.

Frequency convention: on a uniform grid ``z_n = z_0 + nΔ`` (n < N) a frequency ``k`` is the DFT bin index, i.e.
``k`` cycles per grid period ``NΔ`` (for the paper's grid ``z_n = n/N`` on [0, 1): cycles per unit length).
Only ``0 ≤ k < N/2`` (below Nyquist) is accepted.

Example (``z`` a uniform grid on [0, 1), ``y`` the target on it)::

    from freqlens.train import fit
    spec = SpectrumTracker(z[:, None], frequencies=[5, 10, 50], amplitudes=[1, 1, 1], every=100)
    norms = SpectralNormTracker(every=100)
    fit(model, (z[:, None], y), epochs=5000, lr=3e-4, callbacks=[spec, norms])
    spec.result().plot(); norms.result().plot()
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from freqlens.errors import InputError, ModelOutputError
from freqlens.inference import OutputSelector, predict
from freqlens.results import Result
from freqlens.train import PeriodicTracker
from freqlens.validation import as_tensor, check_finite, check_integer

__all__ = [
    "check_uniform_grid", "grid_spectrum", "check_frequencies", "normalized_amplitudes", "SpectrumHistory",
    "SpectrumTracker", "spectral_norm", "power_iteration_norm", "weight_matrices", "SpectralNormHistory",
    "SpectralNormTracker", "PerturbationRobustness", "perturbation_robustness", "first_reach",
]


# ----------------------------------------------------------------------------------------------- grids, spectra
def check_uniform_grid(coordinate, name: str = "grid", rtol: float = 1e-4) -> tuple[float, float]:
    """Check that ``coordinate`` is a uniform increasing grid z_0 + nΔ and return its spacing and period.

    Args:
        coordinate: (N,) grid coordinate, N ≥ 4.
        name: its name in messages.
        rtol: largest allowed deviation of a spacing from the mean spacing, relative to it.

    Returns:
        ``(Δ, NΔ)``: the spacing and the grid period, floats.

    Raises:
        InputError: fewer than 4 points, NaN/infinite values, a decreasing grid, or an irregular spacing (named).

    Source: freqlens.

    Example:
        >>> check_uniform_grid(torch.arange(200) / 200)
        (0.005, 1.0)
    """
    z = as_tensor(coordinate, name).double().reshape(-1)
    check_finite(z, name)
    if z.numel() < 4:
        raise InputError(f"{name} has {z.numel()} points; a spectrum needs a uniform grid of at least 4")
    diffs = torch.diff(z)
    step = float(diffs.mean())
    if step <= 0:
        raise InputError(f"{name} must increase (uniform grid z0 + n·Δ with Δ > 0), got mean spacing {step:.3g}")
    dev = (diffs - step).abs()
    worst = int(dev.argmax())
    if float(dev[worst]) > rtol * step:
        raise InputError(f"{name} is not uniform: spacing {float(diffs[worst]):.6g} at index {worst} vs mean "
                         f"{step:.6g}; the FFT spectrum needs a uniform grid z0 + n·Δ")
    return step, step * z.numel()


def check_frequencies(frequencies, n_points: int) -> list[int]:
    """Frequencies as DFT bins: integers in [0, N/2).

    Args:
        frequencies: bins k (cycles per grid period); floats with integer values are accepted.
        n_points: N, the grid size.

    Returns:
        The bins as a list of ints.

    Raises:
        InputError: empty, negative, fractional or non-finite values, or a bin at or above Nyquist (N/2).

    Source: freqlens.

    Example:
        >>> check_frequencies([5.0, 10], 200)
        [5, 10]
        >>> check_frequencies([100], 200)
        Traceback (most recent call last):
        ...
        freqlens.errors.InputError: frequency 100 is at or above the Nyquist limit N/2 = 100 of the 200-point grid
    """
    out = []
    for k in list(np.asarray(frequencies, dtype=float).reshape(-1)):
        if not math.isfinite(k) or abs(k - round(k)) > 1e-9 or k < 0:
            raise InputError(f"frequency {k:g} must be a non-negative integer DFT bin (cycles per grid period)")
        if k >= n_points / 2:
            raise InputError(f"frequency {int(round(k))} is at or above the Nyquist limit N/2 = {n_points / 2:g} "
                             f"of the {n_points}-point grid")
        out.append(int(round(k)))
    if not out:
        raise InputError("frequencies is empty; give at least one DFT bin")
    return out


def grid_spectrum(values: torch.Tensor) -> torch.Tensor:
    """One-sided amplitude spectrum |ŷ_k| = |Σ_n y_n e^{−2πikn/N}| / N for k = 0 … ⌈N/2⌉ − 1.

    A component A sin(2πkz + φ) on the grid shows A/2 at bin k.

    Args:
        values: (..., N) samples on a uniform grid (last axis).

    Returns:
        (..., ⌈N/2⌉) float64 magnitudes.

    Raises:
        Nothing of its own.

    Source: Rahaman et al. 2019, "On the spectral bias of neural networks", Sec. 3 (spectrum of the network's
        output on a grid).

    Example:
        >>> s = grid_spectrum(torch.sin(2 * math.pi * 5 * torch.arange(200) / 200))
        >>> s.shape, round(float(s[5]), 6)
        (torch.Size([100]), 0.5)
    """
    values = torch.as_tensor(values)
    n = values.shape[-1]
    return torch.fft.fft(values.double(), dim=-1).abs()[..., : (n + 1) // 2] / n


def normalized_amplitudes(values: torch.Tensor, frequencies: Sequence[int],
                          amplitudes: Sequence[float]) -> torch.Tensor:
    """a_i = 2 |ŷ_{k_i}| / A_i: 1 for a perfect fit of A_i sin(2πk_i z + φ_i).

    Args:
        values: (..., N) samples on a uniform grid.
        frequencies: bins k_i (< N/2).
        amplitudes: target amplitudes A_i.

    Returns:
        (..., K) float64 tensor.

    Raises:
        InputError: bad frequencies (see :func:`check_frequencies`).

    Source: Rahaman et al. 2019, Sec. 3, Fig. 1 (normalised amplitudes of the sinusoid-sum experiment).

    Example:
        >>> z = torch.arange(64) / 64
        >>> normalized_amplitudes(3 * torch.sin(2 * math.pi * 4 * z), [4, 8], [3.0, 1.0]).round(decimals=6).tolist()
        [1.0, 0.0]
    """
    spec = grid_spectrum(values)
    ks = check_frequencies(frequencies, values.shape[-1])
    amps = torch.as_tensor(list(amplitudes), dtype=torch.float64)
    return 2 * spec[..., ks] / amps


def _model_outputs(model: nn.Module, inputs: torch.Tensor, output_index: int | None, max_batch: int,
                   output: OutputSelector = None, amp: bool = False) -> torch.Tensor:
    """Model outputs (N,) float64 on the CPU, eval mode and inference mode, modes restored. ``output`` picks the
    tensor from the model's output (:func:`freqlens.inference.select_output`), ``output_index`` its column."""
    out = predict(model, inputs, batch_size=max_batch, dtype=torch.float64, output=output, amp=amp)
    return _output_column(out, inputs.shape[0], output_index)


def _output_column(out: torch.Tensor, n: int, output_index: int | None) -> torch.Tensor:
    if out.shape[0] != n:
        raise ModelOutputError(f"model returned {out.shape[0]} rows for {n} grid points")
    if out.ndim == 1:
        return out
    out = out.reshape(n, -1)
    if out.shape[1] == 1:
        return out[:, 0]
    if output_index is None:
        raise ModelOutputError(f"model output has {out.shape[1]} columns; pass output_index to pick one")
    return out[:, output_index]


def first_reach(steps: Sequence[int], values: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """First recorded step at which each column of ``values`` reaches ``threshold``; ``inf`` if never.

    Args:
        steps: (T,) recorded steps.
        values: (T, K) values per record and frequency.
        threshold: the level to reach (≥).

    Returns:
        (K,) float array of steps.

    Raises:
        IndexError: from NumPy when ``values`` is not 2-D.

    Source: freqlens.

    Example:
        >>> first_reach([0, 10, 20], np.array([[0.1, 0.0], [0.6, 0.2], [0.9, 0.4]])).tolist()
        [10.0, inf]
    """
    values = np.asarray(values)
    out = np.full(values.shape[1], np.inf)
    for j in range(values.shape[1]):
        hit = np.nonzero(values[:, j] >= threshold)[0]
        if hit.size:
            out[j] = steps[hit[0]]
    return out


@dataclass
class SpectrumHistory(Result):
    """Spectrum of a model's output on a uniform grid over training.

    Args:
        steps: (T,) optimiser steps recorded.
        frequencies: (K,) DFT bins k_i.
        target_amplitudes: (K,) A_i of the target.
        magnitudes: (T, K) ``|ŷ_{k_i}|`` at ``steps[t]`` (averaged over runs when merged by :meth:`average`).
        runs: number of runs averaged.
        label: a name for plots.

    Attributes:
        normalized: (T, K) ``2·magnitudes / A`` (1 = component fitted).
        at(step), first_reach(threshold), average(histories): read and merge records.

    Raises:
        InputError: from ``at`` before the first record, from ``average`` on mismatched histories.

    Source: Rahaman et al. 2019, Sec. 3, Fig. 1.

    Example:
        >>> h = SpectrumHistory([0, 100], [5, 10], [1.0, 2.0], np.array([[0.0, 0.0], [0.5, 0.2]]))
        >>> h.normalized[-1].tolist(), h.first_reach(0.5).tolist()
        ([1.0, 0.2], [100.0, inf])
    """

    steps: list[int]
    frequencies: list[int]
    target_amplitudes: list[float]
    magnitudes: np.ndarray
    runs: int = 1
    label: str = ""

    @property
    def normalized(self) -> np.ndarray:
        """(T, K) normalised amplitudes ``a_i(t) = 2|ŷ_{k_i}(t)|/A_i``."""
        return 2 * np.asarray(self.magnitudes) / np.asarray(self.target_amplitudes, dtype=float)[None, :]

    def at(self, step: int) -> np.ndarray:
        """Normalised amplitudes (K,) at the last record ≤ ``step``."""
        idx = int(np.searchsorted(np.asarray(self.steps), step, side="right")) - 1
        if idx < 0:
            raise InputError(f"no record at or before step {step}; first record is {self.steps[0]}")
        return self.normalized[idx]

    def first_reach(self, threshold: float = 0.5) -> np.ndarray:
        """First recorded step at which ``a_i ≥ threshold`` for each frequency (``inf`` if never)."""
        return first_reach(self.steps, self.normalized, threshold)

    @staticmethod
    def average(histories: Sequence[SpectrumHistory]) -> SpectrumHistory:
        """Average magnitudes over runs first, then normalise (as the official notebook does)."""
        if not histories:
            raise InputError("average needs at least one SpectrumHistory")
        h0 = histories[0]
        for h in histories[1:]:
            if h.steps != h0.steps or h.frequencies != h0.frequencies:
                raise InputError("histories to average must share steps and frequencies")
        mags = np.mean([np.asarray(h.magnitudes) for h in histories], axis=0)
        return SpectrumHistory(list(h0.steps), list(h0.frequencies), list(h0.target_amplitudes), mags,
                               runs=sum(h.runs for h in histories), label=h0.label)

    def plot(self, ax=None):
        from freqlens.plot.spectral_bias import plot_spectrum_history

        return plot_spectrum_history(self, ax=ax)


class SpectrumTracker(PeriodicTracker):
    """``fit`` callback: the spectrum of the model's output on a uniform grid every ``every`` optimiser steps.

    Works with any ``nn.Module``; call :meth:`record` yourself outside ``fit``. ``state_dict`` /
    ``load_state_dict`` keep the history across a resumed ``fit``.

    Args:
        inputs: (N, d) model inputs, one per grid point (for a 1-D grid ``z[:, None]``; for a manifold the
            embedded points γ(z_n)).
        frequencies: DFT bins k_i (cycles per grid period), each < N/2.
        amplitudes: target amplitudes A_i used for normalisation (default 1).
        coordinate: (N,) uniform grid coordinate of the samples; default ``inputs[:, 0]`` for 1-D inputs.
        every: record period in optimiser steps; step 0 (the untrained model) is always recorded.
        output_index: which output column to analyse when the model has several.
        max_batch: grid points per forward pass.
        label: a name for plots.
        output: picks the tensor from the model's output (a dict key, a tuple index or a callable).
        amp: run the model under :func:`torch.autocast`.

    Attributes:
        steps, magnitudes: the records; ``result()`` returns them as a :class:`SpectrumHistory`.

    Raises:
        InputError: non-finite inputs, a coordinate that is missing, of the wrong length or not uniform, bad
            frequencies, or amplitudes that do not match or are ≤ 0.
        ModelOutputError: at a record, a model output of the wrong shape.

    Source: Rahaman et al. 2019, Sec. 3 (spectrum of the output during training).

    Example:
        >>> z = torch.arange(64) / 64
        >>> net = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
        >>> tracker = SpectrumTracker(z[:, None], frequencies=[1, 4], every=10)
        >>> from freqlens.train import fit
        >>> _ = fit(net, (z[:, None], torch.sin(2 * math.pi * z)[:, None]), epochs=20, callbacks=[tracker],
        ...         progress=False)
        >>> tracker.result().steps
        [0, 10, 20]
    """

    unit = "step"

    log_prefix = "spectral_bias"

    def __init__(self, inputs, frequencies: Sequence[int], amplitudes: Sequence[float] | None = None,
                 coordinate=None, every: int = 100, output_index: int | None = None, max_batch: int = 8192,
                 label: str = "", output: OutputSelector = None, amp: bool = False):
        self.output, self.amp = output, amp
        x = as_tensor(inputs, "inputs")
        if x.ndim == 1:
            x = x[:, None]
        check_finite(x.float(), "inputs")
        if coordinate is None:
            if x.ndim != 2 or x.shape[1] != 1:
                raise InputError(f"inputs have shape {tuple(x.shape)}; give `coordinate` (N,) for inputs that are "
                                 "not a 1-D grid")
            coordinate = x[:, 0]
        coord = as_tensor(coordinate, "coordinate").reshape(-1)
        if coord.numel() != x.shape[0]:
            raise InputError(f"coordinate has {coord.numel()} points but inputs have {x.shape[0]}")
        check_uniform_grid(coord, "coordinate")
        self.inputs = x if x.is_floating_point() else x.float()
        self.frequencies = check_frequencies(frequencies, x.shape[0])
        amps = [1.0] * len(self.frequencies) if amplitudes is None else [float(a) for a in amplitudes]
        if len(amps) != len(self.frequencies):
            raise InputError(f"{len(amps)} amplitudes for {len(self.frequencies)} frequencies; they must match")
        if any(not (a > 0) for a in amps):
            raise InputError(f"amplitudes must be > 0 for normalisation, got {amps}")
        self.amplitudes, self.every, self.output_index = amps, self.check_every(every), output_index
        self.max_batch, self.label = int(max_batch), label
        self.steps: list[int] = []
        self.magnitudes: list[list[float]] = []

    def spectrum(self, model: nn.Module) -> torch.Tensor:
        """One-sided |ŷ_k| (⌈N/2⌉,) of ``model`` on the grid, now."""
        out = _model_outputs(model, self.inputs, self.output_index, self.max_batch, self.output, self.amp)
        return grid_spectrum(out)

    def record(self, model: nn.Module, step: int) -> None:
        """Record the spectrum at the tracked frequencies as the state at ``step``."""
        if self.steps and step <= self.steps[-1]:
            return
        spec = self.spectrum(model)
        self.steps.append(int(step))
        self.magnitudes.append([float(v) for v in spec[self.frequencies]])

    def recorded(self) -> list[int]:
        return self.steps

    def state_dict(self) -> dict:
        return {"steps": list(self.steps), "magnitudes": torch.tensor(self.magnitudes, dtype=torch.float64)}

    def load_state_dict(self, state: dict) -> None:
        self.steps = [int(s) for s in state["steps"]]
        self.magnitudes = [list(map(float, row)) for row in torch.as_tensor(state["magnitudes"]).tolist()]

    def latest_scalars(self) -> dict[str, float]:
        if not self.magnitudes:
            return {}
        return {f"a_k/k={k}": 2 * m / a for k, m, a in zip(self.frequencies, self.magnitudes[-1], self.amplitudes)}

    def result(self) -> SpectrumHistory:
        """The recorded history as a :class:`SpectrumHistory`."""
        mags = np.asarray(self.magnitudes, dtype=float).reshape(len(self.steps), len(self.frequencies))
        return SpectrumHistory(list(self.steps), list(self.frequencies), list(self.amplitudes), mags, label=self.label)


# ------------------------------------------------------------------------------------------- spectral norms
def weight_matrices(model: nn.Module) -> list[tuple[str, torch.Tensor]]:
    """``(name, W)`` for every parameter named ``*weight`` with ≥ 2 dimensions, reshaped to (out, rest).

    For ``nn.Linear`` that is the layer's matrix; for a convolution it is the reshaped kernel (its spectral norm
    is not the convolution's operator norm).

    Args:
        model: any ``nn.Module``.

    Returns:
        A list of (name, detached matrix) pairs.

    Raises:
        Nothing.

    Source: freqlens.

    Example:
        >>> [(n, tuple(w.shape)) for n, w in weight_matrices(torch.nn.Conv2d(3, 8, 3))]
        [('weight', (8, 27))]
    """
    out = []
    for name, p in model.named_parameters():
        if name.endswith("weight") and p.ndim >= 2:
            out.append((name, p.detach().reshape(p.shape[0], -1)))
    return out


def spectral_norm(matrix: torch.Tensor) -> float:
    """Largest singular value σ_max(W) of a matrix, ``torch.linalg.matrix_norm(W, 2)`` in float64.

    Args:
        matrix: (m, n) tensor.

    Returns:
        σ_max (a float).

    Raises:
        RuntimeError: from torch for a tensor that is not 2-D.

    Source: Rahaman et al. 2019, Sec. 3 (layer spectral norms grow during training).

    Example:
        >>> spectral_norm(torch.diag(torch.tensor([3.0, -4.0])))
        4.0
    """
    return float(torch.linalg.matrix_norm(matrix.detach().double(), 2))


def power_iteration_norm(matrix: torch.Tensor, v0: torch.Tensor | None = None, tol: float = 1e-7,
                         max_iter: int = 300) -> tuple[float, torch.Tensor, bool]:
    """σ_max of a matrix by power iteration on WᵀW, warm-started from ``v0``.

    Works in the matrix's own floating dtype (the tracker passes float64); the stopping tolerance is at least 20
    machine epsilons of that dtype. ``sigma = ‖Wv‖`` with unit v is always a lower bound of σ_max.

    Args:
        matrix: (m, n) tensor.
        v0: (n,) starting vector (default a seeded random one).
        tol: relative change of σ over one iteration below which it has converged.
        max_iter: iteration limit.

    Returns:
        ``(sigma, v, converged)``: the estimate, the (n,) unit right singular vector estimate and a bool.

    Raises:
        Nothing of its own.

    Source: standard power iteration (Golub & Van Loan, Sec. 7.3).

    Example:
        >>> s, v, ok = power_iteration_norm(torch.diag(torch.tensor([3.0, 1.0], dtype=torch.float64)))
        >>> round(s, 6), ok
        (3.0, True)
    """
    w = matrix.detach()
    if not w.is_floating_point() or w.dtype in (torch.float16, torch.bfloat16):
        w = w.float()
    tol = max(float(tol), 20 * torch.finfo(w.dtype).eps)
    n = w.shape[1]
    if v0 is None or v0.numel() != n:
        g = torch.Generator(device="cpu").manual_seed(0)
        v = torch.randn(n, generator=g, dtype=w.dtype).to(w.device)
    else:
        v = v0.detach().to(device=w.device, dtype=w.dtype)
    v = v / v.norm().clamp_min(1e-30)
    sigma = 0.0
    for _ in range(max_iter):
        u = w @ v
        s_new = float(u.norm())
        if s_new == 0.0:
            return 0.0, v, True
        v = w.T @ (u / s_new)
        nv = float(v.norm())
        v = v / nv
        if abs(nv - sigma) <= tol * nv:
            return nv, v, True
        sigma = nv
    return sigma, v, False


@dataclass
class SpectralNormHistory(Result):
    """Spectral norms ``norms[t, l] = σ_max(W^(l))`` at ``steps[t]`` for the layers ``layers``.

    Args:
        steps: (T,) optimiser steps recorded.
        layers: (L,) parameter names.
        norms: (T, L) spectral norms.

    Attributes:
        product: (T,) Π_l σ_max(W^(l)), an upper bound of the network's Lipschitz constant.
        growth(): (L,) last / first norm of each layer.

    Raises:
        Nothing at construction.

    Source: Rahaman et al. 2019, Sec. 3 (Fig. 1, spectral norms during training).

    Example:
        >>> h = SpectralNormHistory([0, 10], ["a.weight", "b.weight"], np.array([[1.0, 2.0], [2.0, 3.0]]))
        >>> h.product.tolist(), h.growth().tolist()
        ([2.0, 6.0], [2.0, 1.5])
    """

    steps: list[int]
    layers: list[str]
    norms: np.ndarray

    @property
    def product(self) -> np.ndarray:
        """Π_l σ_max(W^(l)) per record (T,): an upper bound of the network's Lipschitz constant."""
        return np.prod(np.asarray(self.norms), axis=1)

    def growth(self) -> np.ndarray:
        """Last / first spectral norm of each layer (L,)."""
        n = np.asarray(self.norms)
        return n[-1] / n[0]

    def plot(self, ax=None):
        from freqlens.plot.spectral_bias import plot_spectral_norms

        return plot_spectral_norms(self, ax=ax)


class SpectralNormTracker(PeriodicTracker):
    """``fit`` callback: the largest singular value of every weight matrix every ``every`` optimiser steps.

    ``method="power"`` (default): power iteration warm-started from the previous record's right singular vector,
    with a full SVD fallback when it does not converge within ``max_iter`` (so the value agrees with
    ``torch.linalg.matrix_norm(W, 2)`` to ~1e-6 relative); ``method="svd"``: ``matrix_norm`` every time. Row or
    column vectors use their Euclidean norm, exactly.

    Args:
        every: record period in optimiser steps.
        method: "power" or "svd".
        layers: parameter names to track (default: every ``*weight`` with ≥ 2 dims, see :func:`weight_matrices`).
        tol: power-iteration tolerance.
        max_iter: power-iteration limit.

    Attributes:
        steps, layers, norms: the records; fallbacks: SVD fallbacks so far; ``result()`` gives a
        :class:`SpectralNormHistory`; ``measure(model)`` the norms now.

    Raises:
        InputError: an unknown method, layers that are not weight matrices, or a model without any.

    Source: Rahaman et al. 2019, Sec. 3.

    Example:
        >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
        >>> t = SpectralNormTracker(every=1)
        >>> t.record(net, 0)
        >>> t.layers, abs(t.norms[0][0] - spectral_norm(net[0].weight)) < 1e-6
        (['0.weight', '2.weight'], True)
    """

    unit = "step"

    log_prefix = "spectral_norm"

    def __init__(self, every: int = 100, method: str = "power", layers: Sequence[str] | None = None,
                 tol: float = 1e-7, max_iter: int = 300):
        if method not in ("power", "svd"):
            raise InputError(f"method must be 'power' or 'svd', got {method!r}")
        self.every, self.method, self.tol, self.max_iter = self.check_every(every), method, float(tol), int(max_iter)
        self.layer_filter = list(layers) if layers is not None else None
        self.layers: list[str] = []
        self.steps: list[int] = []
        self.norms: list[list[float]] = []
        self._vectors: dict[str, torch.Tensor] = {}
        self.fallbacks = 0

    def _matrices(self, model: nn.Module) -> list[tuple[str, torch.Tensor]]:
        mats = weight_matrices(model)
        if self.layer_filter is not None:
            names = {n for n, _ in mats}
            missing = [n for n in self.layer_filter if n not in names]
            if missing:
                raise InputError(f"layers {missing} are not weight matrices of the model; choose from {sorted(names)}")
            mats = [(n, w) for n, w in mats if n in self.layer_filter]
        if not mats:
            raise InputError("the model has no weight matrix (parameter named *weight with ≥ 2 dims) to track")
        return mats

    def measure(self, model: nn.Module) -> list[float]:
        """σ_max of each tracked weight matrix now (no record)."""
        out = []
        with torch.no_grad():
            for name, w in self._matrices(model):
                if min(w.shape) == 1:  # a row or column vector: σ_max is its Euclidean norm, exactly
                    out.append(float(w.double().norm()))
                    continue
                if self.method == "svd":
                    out.append(spectral_norm(w))
                    continue
                s, v, ok = power_iteration_norm(w.double(), self._vectors.get(name), self.tol, self.max_iter)
                if not ok:
                    s = spectral_norm(w)
                    self.fallbacks += 1
                self._vectors[name] = v.detach()
                out.append(s)
        return out

    def record(self, model: nn.Module, step: int) -> None:
        """Record all tracked layers' spectral norms as the state at ``step``."""
        if self.steps and step <= self.steps[-1]:
            return
        if not self.layers:
            self.layers = [n for n, _ in self._matrices(model)]
        self.norms.append(self.measure(model))
        self.steps.append(int(step))

    def recorded(self) -> list[int]:
        return self.steps

    def state_dict(self) -> dict:
        return {"steps": list(self.steps), "layers": list(self.layers),
                "norms": torch.tensor(self.norms, dtype=torch.float64),
                "vectors": {k: v.cpu() for k, v in self._vectors.items()}}

    def load_state_dict(self, state: dict) -> None:
        self.steps = [int(s) for s in state["steps"]]
        self.layers = list(state["layers"])
        self.norms = [list(map(float, r)) for r in torch.as_tensor(state["norms"]).tolist()]
        self._vectors = {k: torch.as_tensor(v) for k, v in state.get("vectors", {}).items()}

    def latest_scalars(self) -> dict[str, float]:
        if not self.norms:
            return {}
        return {f"sigma_max/{name}": float(v) for name, v in zip(self.layers, self.norms[-1])}

    def result(self) -> SpectralNormHistory:
        return SpectralNormHistory(list(self.steps), list(self.layers),
                                   np.asarray(self.norms, dtype=float).reshape(len(self.steps), len(self.layers)))


# ------------------------------------------------------------------------------ parameter-perturbation robustness
@dataclass
class PerturbationRobustness(Result):
    """Robustness of each frequency of a trained model's output to random parameter perturbations.

    Args:
        deltas: (D,) perturbation norms δ_j.
        frequencies: (K,) DFT bins k_i.
        ratio: (D, K) mean over directions of |ŷ_{k_i}(θ + δ_j u)| divided by |ŷ_{k_i}(θ)| (values > 1 at low k are
            real: perturbations add low-frequency energy).
        difference: (D, K) mean over directions of |FFT(f(θ + δ_j u) − f(θ))_{k_i}| over the same denominator: the
            perturbation's own spectrum.
        base_magnitudes: (K,) |ŷ_{k_i}(θ)|.
        n_directions: directions per δ.
        seed: generator seed.
        extra: free-form additions.

    Attributes:
        Those of Args.

    Raises:
        Nothing at construction.

    Source: Rahaman et al. 2019, Sec. 3 (Fig. 3, parameter perturbations destroy high frequencies first).

    Example:
        >>> r = PerturbationRobustness([0.5], [2, 8], np.array([[1.0, 0.4]]), np.array([[0.1, 0.7]]),
        ...                            np.array([0.5, 0.5]), 10, 0)
        >>> r.ratio.shape
        (1, 2)
    """

    deltas: list[float]
    frequencies: list[int]
    ratio: np.ndarray
    difference: np.ndarray
    base_magnitudes: np.ndarray
    n_directions: int
    seed: int
    extra: dict = field(default_factory=dict)

    def plot(self, ax=None):
        from freqlens.plot.spectral_bias import plot_perturbation_robustness

        return plot_perturbation_robustness(self, ax=ax)


def perturbation_robustness(model: nn.Module, inputs, frequencies: Sequence[int], deltas: Sequence[float],
                            n_directions: int = 30, coordinate=None, seed: int = 0, output_index: int | None = None,
                            max_batch: int = 8192, progress: bool = False, output: OutputSelector = None,
                            amp: bool = False) -> PerturbationRobustness:
    """Perturb all parameters along random directions θ' = θ + δu and measure the output spectrum on a grid.

    The directions u are isotropic Gaussian of unit *global* ℓ2 norm over all weights and biases. The model's
    parameters are restored exactly afterwards, even on error.

    Args:
        model: any ``nn.Module`` mapping (N, d) grid inputs to (N,) or (N, outputs).
        inputs: (N, d) grid inputs.
        frequencies: DFT bins (< N/2).
        deltas: perturbation norms δ ≥ 0.
        n_directions: directions per δ, drawn from ``torch.Generator(seed)`` (CPU, then moved).
        coordinate: (N,) the uniform coordinate (default ``inputs[:, 0]``).
        seed: generator seed.
        output_index: output column for multi-output models.
        max_batch: grid points per forward pass.
        progress: show a progress bar.
        output: picks the tensor from the model's output.
        amp: run under :func:`torch.autocast`.

    Returns:
        A :class:`PerturbationRobustness`.

    Raises:
        InputError: bad grid or frequencies, negative δ, n_directions < 1 or a model without parameters.
        ModelOutputError: an output of the wrong shape.

    Source: Rahaman et al. 2019, Sec. 3 (Fig. 3).

    Example:
        >>> _ = torch.manual_seed(0)
        >>> net = torch.nn.Sequential(torch.nn.Linear(1, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
        >>> z = torch.arange(64) / 64
        >>> r = perturbation_robustness(net, z[:, None], [1, 8], deltas=[0.0, 0.5], n_directions=3)
        >>> r.ratio.shape, np.allclose(r.ratio[0], 1.0)
        ((2, 2), True)
    """
    from tqdm.auto import tqdm

    tracker = SpectrumTracker(inputs, frequencies, coordinate=coordinate, output_index=output_index,
                              max_batch=max_batch, output=output, amp=amp)
    ks = tracker.frequencies
    deltas = [float(d) for d in deltas]
    if any(not math.isfinite(d) or d < 0 for d in deltas):
        raise InputError(f"deltas must be finite and ≥ 0, got {deltas}")
    n_directions = check_integer(n_directions, "n_directions")
    params = [p for p in model.parameters()]
    if not params:
        raise InputError("the model has no parameters to perturb")
    base_out = _model_outputs(model, tracker.inputs, output_index, max_batch, output, amp)
    base_fft = torch.fft.fft(base_out)
    n = base_out.numel()
    base_mag = (base_fft.abs() / n)[ks]
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    saved = [p.detach().clone() for p in params]
    mags = torch.zeros(len(deltas), len(ks), dtype=torch.float64)
    diffs = torch.zeros_like(mags)
    try:
        bar = tqdm(total=int(n_directions), desc="perturbation directions", disable=not progress, leave=False)
        for _ in range(int(n_directions)):
            direction = [torch.randn(p.shape, generator=gen, dtype=torch.float64) for p in params]
            norm = math.sqrt(sum(float((d * d).sum()) for d in direction))
            direction = [(d / norm).to(device=p.device, dtype=p.dtype) for d, p in zip(direction, params)]
            for j, delta in enumerate(deltas):
                with torch.no_grad():
                    for p, s, d in zip(params, saved, direction):
                        p.copy_(s + delta * d)
                out = _model_outputs(model, tracker.inputs, output_index, max_batch, output, amp)
                f = torch.fft.fft(out)
                mags[j] += (f.abs() / n)[ks]
                diffs[j] += ((f - base_fft).abs() / n)[ks]
            bar.update(1)
        bar.close()
    finally:
        with torch.no_grad():
            for p, s in zip(params, saved):
                p.copy_(s)
    mags /= int(n_directions)
    diffs /= int(n_directions)
    denom = base_mag.clamp_min(1e-300)
    return PerturbationRobustness(deltas, list(ks), (mags / denom).numpy(), (diffs / denom).numpy(),
                                  base_mag.numpy(), int(n_directions), int(seed))


def fourier_decay(model: nn.Module, n: int = 2 ** 16, detrend: str = "slopes") -> dict:
    """Decay of the Fourier coefficients of a 1-D network on [0, 1), and the d = 1 bound terms.

    The network is sampled at x = i/n (float64); a polynomial is removed so that the periodic extension is
    continuous (``detrend="values"``: the line (f(1) − f(0))·x, the spec's identity check) or also has a
    continuous slope (``"slopes"``: adds the quadratic matching f'(1⁻) − f'(0⁺), from one-sided differences). With
    "values" the remaining kink at the wrap decays like k⁻² for *any* function; with "slopes" a smooth network
    decays like k⁻³ or faster while a ReLU network keeps the k⁻² of its interior kinks.

    Args:
        model: maps (N, 1) to (N, 1); evaluated in float64 (then restored to float32).
        n: grid size (a power of two); detrend: "slopes" or "values".

    Returns:
        dict with ``slope`` (log-log slope of the per-octave max |c_k| over [8, n/8)), ``bound_ratio``
        (max (2πk)²|c_k| / S with S = Σ|Δslope|, ≤ 1 for a CPWL function under "values"), ``S``, ``max_slope``,
        ``kinks``, ``prod_spectral_norms``, ``octave_centres``, ``envelope``, ``coefficients`` (|c_k|, k = 1..n/8−1).

    Raises:
        InputError: on an unknown ``detrend`` or n < 256.

    Source:
        Rahaman et al. 2019, Theorem 1 (its d = 1 form); slope matching is freqlens's.

    Example:
        >>> import torch
        >>> from freqlens.models import MLP
        >>> _ = torch.manual_seed(0)
        >>> -2.2 <= fourier_decay(MLP(1, 1, widths=[32, 32], activation="relu"), n=2 ** 14)["slope"] <= -1.7
        True
    """
    if detrend not in ("slopes", "values"):
        raise InputError(f"detrend must be 'slopes' or 'values', got {detrend!r}")
    if n < 256:
        raise InputError(f"n must be ≥ 256, got {n}")
    x = torch.arange(n + 1, dtype=torch.float64) / n
    with torch.no_grad():
        full = model.double()(x[:, None]).squeeze(1).cpu().numpy()
    model.float()
    f, f_end, xs = full[:-1], full[-1], x[:-1].numpy()
    d0 = f_end - f[0]
    poly = d0 * xs
    if detrend == "slopes":
        d1 = (f_end - full[-2]) * n - (f[1] - f[0]) * n
        poly = d1 * xs ** 2 / 2 + (d0 - d1 / 2) * xs
    g = f - poly
    c = np.fft.fft(g) / n
    s = (np.roll(g, -1) - g) * n
    ds = np.roll(s, -1) - s
    big_s = float(np.abs(ds).sum())
    kk = np.arange(1, n // 8)
    bound_ratio = float(np.max((2 * math.pi * kk) ** 2 * np.abs(c[kk]) / max(big_s, 1e-300)))
    octaves, env = [], []
    lo = 8
    while 2 * lo <= n // 8:
        octaves.append(math.sqrt(lo * 2 * lo))
        env.append(float(np.abs(c[lo:2 * lo]).max()))
        lo *= 2
    slope = float(np.polyfit(np.log(octaves), np.log(np.maximum(env, 1e-300)), 1)[0])
    prod = float(np.prod([spectral_norm(w) for _, w in weight_matrices(model)]))
    return {"slope": slope, "bound_ratio": bound_ratio, "S": big_s, "max_slope": float(np.abs(s).max()),
            "kinks": int(np.sum(np.abs(ds) > 1e-9 * max(big_s, 1e-300))), "prod_spectral_norms": prod,
            "octave_centres": octaves, "envelope": env, "coefficients": np.abs(c[1:n // 8])}
