"""The CNN as a filter bank: how every Conv/Linear layer of a trained model passes each input frequency.

:func:`layer_frequency_response` feeds Fourier-basis perturbations (:func:`freqlens.fourier.basis.fourier_basis`,
the same pattern on every input channel) and records each Conv/Linear output through forward hooks — the
user's model is not modified, and the hooks are removed even when the forward pass fails. Two modes:

- ``"basis"``: the basis image alone on a mid-grey background: input g + ε·U, reference g (g = 0.5).
- ``"perturbation"``: natural images plus a basis perturbation: input x + ε·U (clipped to bounds), reference x.

The energy gain of layer l at frequency U is ‖f_l(input) − f_l(reference)‖ / ‖input − reference‖ (averaged
over reference images), shown as a centred (H, W) map per layer (DC in the centre, conjugate pairs mirrored).
For the first conv layer in basis mode this is the layer's linear transfer function (up to border effects).

:func:`kernel_spectra` gives the 2-D DFT magnitude of each conv layer's kernels (zero-padded to size × size,
averaged over output and input channels): the layer as a linear filter.

Example::

    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
    ...                             torch.nn.Linear(4 * 8 * 8, 3))
    >>> resp = layer_frequency_response(model, image_size=(3, 8, 8), mode="basis", progress=False)
    >>> resp.gain.shape            # (layers, 8, 8)
    (2, 8, 8)
    >>> resp.band_ratio(low=1, high=3).shape   # per layer: mean gain at radius > 3 / at 0 < radius ≤ 1
    (2,)
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from freqlens.device import eval_mode, model_device, model_dtype
from freqlens.errors import InputError
from freqlens.fourier.basis import fourier_basis, position_grid, unique_positions
from freqlens.fourier.grid import radial_frequency
from freqlens.inference import forward
from freqlens.normalization import NormalizeArg
from freqlens.results import Result
from freqlens.validation import check_choice, check_images, check_positive

LAYER_TYPES = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear, nn.MultiheadAttention, nn.TransformerEncoderLayer,
               nn.TransformerDecoderLayer)


def probed_layers(model: nn.Module, layers: Sequence[str] | None = None) -> list[tuple[str, nn.Module]]:
    """``(name, module)`` of the layers to probe: every Conv/Linear/attention/transformer layer (default) or the named
    ones. A model without any conv layer is an error (the probe is about convolutional filter banks; a ViT's patch
    embedding counts). Layers that the model never calls (e.g. ``nn.MultiheadAttention.out_proj``, whose weights are
    used directly) are dropped when probed, see :func:`layer_frequency_response`.

    Args:
        model: any ``nn.Module``.
        layers: names as in ``model.named_modules()`` (None: every probed type).

    Returns:
        A list of ``(name, module)`` in module order (or in the order of ``layers``).

    Raises:
        InputError: the model has no convolutional layer, or a name is not a probed layer.

    Source:
        freqlens.

    Example:
        >>> net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 3))
        >>> [n for n, _ in probed_layers(net)], [n for n, _ in probed_layers(net, ["3"])]
        (['0', '3'], ['3'])
    """
    found = [(n, m) for n, m in model.named_modules() if isinstance(m, LAYER_TYPES)]
    if not any(isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d)) for _, m in found):
        raise InputError(f"{type(model).__name__} has no convolutional layer (nn.Conv1d/2d/3d); the layer "
                         "frequency probe needs a CNN")
    if layers is None:
        return found
    names = dict(found)
    missing = [n for n in layers if n not in names]
    if missing:
        raise InputError(f"no Conv/Linear layer named {missing[0]!r} (nor attention layer); available: "
                         f"{', '.join(names)}")
    return [(n, names[n]) for n in layers]


def _ignore_output(raw) -> torch.Tensor:
    """The layer probe reads its hooks, never the model's output: accept any output structure."""
    return torch.empty(0)


def _flat(out, batch: int) -> torch.Tensor | None:
    """A layer output as (batch, features) float64, or ``None`` when it is not a tensor with that batch size
    (sequence-first outputs (L, N, E) of attention layers are transposed first)."""
    if isinstance(out, (tuple, list)):
        out = out[0] if out else None
    if not isinstance(out, torch.Tensor) or out.ndim == 0:
        return None
    if out.shape[0] != batch and out.ndim >= 2 and out.shape[1] == batch:
        out = out.transpose(0, 1)
    if out.shape[0] != batch:
        return None
    return out.detach().reshape(batch, -1).double()


class _Recorder:
    """Forward hooks that keep each probed layer's output of the last forward pass. A layer whose hook does not
    fire (its parent uses its weights without calling it) simply has no entry."""

    def __init__(self, layers):
        self.layers = layers
        self.outputs: dict[str, object] = {}
        self.handles = []

    def __enter__(self):
        try:
            for name, module in self.layers:
                self.handles.append(module.register_forward_hook(self._hook(name)))
        except BaseException:
            self.remove()
            raise
        return self

    def _hook(self, name):
        def hook(module, inputs, output):
            self.outputs[name] = output
        return hook

    def take(self, batch: int) -> dict[str, torch.Tensor]:
        """The recorded outputs as (batch, features), dropping those that are not per-sample tensors; cleared."""
        out = {}
        for name, value in self.outputs.items():
            flat = _flat(value, batch)
            if flat is not None:
                out[name] = flat
        self.outputs = {}
        return out

    def remove(self):
        for h in self.handles:
            h.remove()
        self.handles.clear()

    def __exit__(self, *exc):
        self.remove()
        return False


@dataclass
class LayerResponse(Result):
    """Energy gain per layer and frequency: ``gain[l, p, q]`` = ‖Δ(layer l output)‖/‖Δ input‖ for the Fourier basis of
    frequency (p − H//2, q − W//2), cumulative from the input.

    ``gain`` (L, H, W) in the centred layout (DC at (H//2, W//2)), or (L, 2·window + 1, 2·window + 1) with a
    ``window`` (axes −window … window); ``gain_pairs`` (L, M) per unique conjugate pair (``positions`` (M, 2)).

    Args:
        layer_names: (L,) layer names; layer_types: their class names.
        gain, gain_pairs, positions: as above.
        mode: "basis" (basis images alone) or "perturbation" (natural image + basis perturbation).
        eps: ℓ2 norm of the basis perturbation per channel.
        n_images: natural images averaged (perturbation mode).
        image_size: (C, H, W) of the input.
        skipped_layers: layers the model never called.
        window: half-width of the computed window (None: every frequency).

    Attributes:
        The arguments; :meth:`band_ratio` and :meth:`plot` (:func:`~freqlens.plot.layers.plot_layer_response`).

    Raises:
        InputError: from :meth:`band_ratio` when no computed frequency is above ``high``.

    Source:
        freqlens.

    Example:
        >>> import numpy as np
        >>> r = LayerResponse(layer_names=["conv"], layer_types=["Conv2d"], gain=np.ones((1, 8, 8)),
        ...                   gain_pairs=np.ones((1, 2)), positions=np.zeros((2, 2)), mode="basis", eps=1.0, n_images=1,
        ...                   image_size=[1, 8, 8])
        >>> r.band_ratio(low=1, high=3).tolist()
        [1.0]
    """

    layer_names: list[str]
    layer_types: list[str]
    gain: np.ndarray
    gain_pairs: np.ndarray
    positions: np.ndarray
    mode: str
    eps: float
    n_images: int
    image_size: list[int]
    skipped_layers: list = field(default_factory=list)   # never called by the model (e.g. MHA out_proj)
    window: int | None = None

    def band_ratio(self, low: float | None = None, high: float | None = None) -> np.ndarray:
        """Per layer: mean gain over frequencies with radius > ``high`` divided by the mean over 0 < radius ≤
        ``low`` (cycles per image; DC excluded). Below 1: the layer attenuates high frequencies. None takes
        :func:`default_bands` of the computed map (so a ``window`` gets bands that fit in it)."""
        d_low, d_high = default_bands(self.image_size, self.window)
        low = d_low if low is None else low
        high = d_high if high is None else high
        g = np.asarray(self.gain)
        lo, hi = _band_masks(g.shape[-2:], low, high, self.window)
        if not np.isfinite(g[:, hi]).any():
            raise InputError(f"no computed frequency has radius > {high:g} (map {g.shape[-2]}×{g.shape[-1]}, window "
                             f"{self.window}); pass a smaller high")
        return np.nanmean(g[:, hi], 1) / np.maximum(np.nanmean(g[:, lo], 1), 1e-30)

    def plot(self, ax=None, max_layers: int | None = None):
        from freqlens.plot.layers import plot_layer_response

        return plot_layer_response(self, max_layers=max_layers)


def _band_masks(shape, low: float, high: float, window: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Low (0 < r ≤ low) and high (r > high) masks of a centred map of ``shape``; a one-line error if one is empty."""
    rad = radial_frequency(int(shape[-2]), int(shape[-1]), centered=True).numpy()
    lo = (rad > 0) & (rad <= low)
    hi = rad > high
    where = f"map {shape[-2]}×{shape[-1]}, window {window}, largest radius {rad.max():.3g}"
    if not hi.any():
        raise InputError(f"no computed frequency has radius > {high:g} ({where}); pass a smaller high")
    if not lo.any():
        raise InputError(f"no computed frequency has 0 < radius ≤ {low:g} ({where}); pass a low of at least 1")
    return lo, hi


def default_bands(image_size: Sequence[int], window: int | None = None) -> tuple[float, float]:
    """The default low and high bands of :meth:`LayerResponse.band_ratio`: 0 < r ≤ S/8 and r > 3·S/8 cycles per
    image, with S = max(H, W), or S = 2·window when a smaller ``window`` was computed (low at least 1, so the low
    band is never empty).

    Args:
        image_size: (C, H, W) or (H, W) of the input images (pixels).
        window: half-width of the computed frequency window (cycles per image); None: every frequency.

    Returns:
        ``(low, high)`` in cycles per image.

    Raises:
        Nothing.

    Source:
        freqlens.

    Example:
        >>> default_bands((3, 32, 32))
        (4.0, 12.0)
        >>> default_bands((3, 32, 32), window=2)
        (1.0, 1.5)
    """
    size = float(max(int(v) for v in list(image_size)[-2:]))
    if window is not None:
        size = min(size, 2.0 * int(window))
    low = max(size / 8, 1.0)
    return low, max(3 * size / 8, low)


def check_bands(low: float, high: float, image_size: Sequence[int], window: int | None = None) -> None:
    """Fail before any work when the band 0 < r ≤ ``low`` or r > ``high`` holds no frequency that
    :func:`layer_frequency_response` computes for these images and ``window``.

    Args:
        low: upper edge of the low band (cycles per image).
        high: lower edge of the high band (cycles per image).
        image_size: (C, H, W) or (H, W) of the input images (pixels).
        window: half-width of the computed frequency window; None: every frequency.

    Returns:
        None.

    Raises:
        InputError: a band is empty ("no computed frequency has radius > ...; pass a smaller high").

    Source:
        freqlens.

    Example:
        >>> check_bands(1, 1, (3, 32, 32), window=2)
        >>> try:
        ...     check_bands(4, 12, (3, 32, 32), window=2)
        ... except InputError as e:
        ...     print(str(e))
        no computed frequency has radius > 12 (map 5×5, window 2, largest radius 2.83); pass a smaller high
    """
    from freqlens.fourier.grid import window_slices

    h, w = (int(v) for v in list(image_size)[-2:])
    rows, cols = window_slices(h, w, window)
    _band_masks((rows.stop - rows.start, cols.stop - cols.start), float(low), float(high), window)


def layer_frequency_response(model: nn.Module, image_size: Sequence[int] | None = None,
                             images: torch.Tensor | None = None, mode: str = "basis", eps: float = 4.0,
                             positions: torch.Tensor | None = None, layers: Sequence[str] | None = None,
                             normalize: NormalizeArg = None, n_images: int = 4, background: float = 0.5,
                             bounds=(0.0, 1.0), max_batch: int | None = None, progress: bool = True,
                             amp: bool | str = False, window: int | None = None,
                             memory_budget: str | int | None = None, channels_last: bool = False,
                             compile: bool = False, distributed: bool | str = "auto") -> LayerResponse:
    """Energy gain ‖Δ output‖ / ‖Δ input‖ of every Conv/Linear/attention layer for every Fourier basis frequency.

    The gain is cumulative from the input: layer l's output is compared for the perturbed and the reference
    input, so it describes the whole network up to and including layer l (only for the first layer is it that
    layer's own transfer function). Layers the model never calls (``nn.MultiheadAttention.out_proj``, layers of
    a fused fast path) are left out and listed in ``skipped_layers``.

    Args:
        image_size: (C, H, W) for ``mode="basis"`` (or take it from ``images``).
        images: (N, C, H, W) natural images in ``bounds`` for ``mode="perturbation"`` (first ``n_images`` used).
        mode: "basis" (basis image on a grey ``background``) or "perturbation" (natural image + basis).
        eps: ℓ2 norm of the basis perturbation per channel (U has unit norm); perturbed inputs are clipped
            to ``bounds`` and the gain uses the actual input change.
        positions: centred positions (M, 2) to probe (default: every unique conjugate pair).
        layers: names of Conv/Linear layers (default: all of them).
        normalize: a callable or a (mean, std) pair applied right before the model.
        max_batch: basis images per forward pass; default (None): the largest that fits ``memory_budget`` (the
            recorded layer outputs count), then the fastest of a few sizes timed on the first chunks; halved on
            CUDA out-of-memory. Basis images are built one batch at a time, never all at once.
        window: only frequencies with max(|f_u|, |f_v|) ≤ ``window``; ``gain`` is then stored at the window's size.
        amp: run the model under :func:`torch.autocast` (True, "bf16", "fp16"). The model's final output is not
            used, so any output structure (tensor, dict, tuple, object) works.
        memory_budget: bytes (or "2G") one batch may use; default a fraction of the free RAM / GPU memory.
        channels_last: run with channels-last weights and inputs (the user's model is restored afterwards).
        compile: call the model through ``torch.compile`` (eager fallback with a notice when it fails). The layer
            hooks make the compiler break the graph at every probed layer, so the gain is small here.
        progress: a progress bar, and the forward-pass count with an ETA after the first chunk.
        distributed: "auto" shards the frequencies over ``torchrun`` processes and sums the gains with
            ``all_reduce`` (every rank returns the full result); False never does.

    Returns:
        :class:`LayerResponse` with ``gain`` (L, H, W).

    Raises:
        InputError: bad mode, eps, images, layer names or window.

    Source: freqlens (filter-bank view of Yin et al. 2019's basis perturbations).

    Example:
        >>> net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Flatten(), nn.Linear(2 * 8 * 8, 3))
        >>> resp = layer_frequency_response(net, image_size=(1, 8, 8), window=2, progress=False)
        >>> resp.gain.shape
        (2, 5, 5)
    """
    from freqlens.acceleration import accelerated, as_input_format
    from freqlens.batching import BatchTuner, RunAnnouncer, default_max_batch, run_chunked
    from freqlens.fourier.grid import window_slices
    from freqlens.probes.heatmap import _distributed_context
    from freqlens.validation import check_integer

    check_choice(mode, "mode", ("basis", "perturbation"))
    eps = check_positive(eps, "eps")
    if window is not None:
        window = check_integer(window, "window", minimum=0)
    if max_batch is not None:
        max_batch = check_integer(max_batch, "max_batch")
    chosen = probed_layers(model, layers)
    dev, dtype = model_device(model), model_dtype(model)
    if mode == "perturbation" or images is not None:
        if images is None:
            raise InputError("mode='perturbation' needs natural images (N, C, H, W)")
        check_images(images, None, bounds)
        refs = images[:max(1, int(n_images))].to(dev, dtype)
    else:
        if image_size is None or len(image_size) != 3:
            raise InputError(f"mode='basis' needs image_size=(C, H, W) or images, got {image_size}")
        refs = torch.full((1, *[int(s) for s in image_size]), float(background), device=dev, dtype=dtype)
    c, h, w = refs.shape[1:]
    pos = unique_positions(h, w) if positions is None else torch.as_tensor(positions, dtype=torch.long)
    wanted = torch.arange(pos.shape[0])
    if window is not None:
        rho = torch.maximum((pos[:, 0] - h // 2).abs(), (pos[:, 1] - w // 2).abs())
        wanted = wanted[rho <= int(window)]
    rank, world, own_group = _distributed_context(distributed, dev)
    mine = wanted[rank::world]
    m = pos.shape[0]
    lo, hi = bounds
    gains = torch.zeros(len(chosen), m, dtype=torch.float64)
    seen = [True] * len(chosen)
    with eval_mode(model), accelerated(model, channels_last, compile) as net, torch.inference_mode(), \
            _Recorder(chosen) as rec:
        # recorded outputs are kept in float64: twice the float32 activations, plus their differences
        limit = max_batch or max(1, default_max_batch(
            model, refs[:1], memory_budget, input_copies=6,
            run=lambda t: forward(model, t, normalize=normalize, amp=amp, output=_ignore_output)) // 4)
        tuner = BatchTuner(limit, fixed=max_batch)
        total = refs.shape[0] * int(mine.numel())
        bar = tqdm(total=total, desc=f"layer response ({mode})", disable=not progress or rank != 0, leave=False)
        announcer = RunAnnouncer(f"layer response ({mode})", total, enabled=progress and rank == 0)
        for ref in refs:
            forward(net, as_input_format(ref[None], channels_last), normalize=normalize, amp=amp,
                    output=_ignore_output)
            base = rec.take(1)
            if not base:
                raise InputError(f"none of the {len(chosen)} probed layers of {type(model).__name__} produced a "
                                 "per-image tensor output; pass layers=[...] naming layers the model calls")

            def work(start: int, size: int, ref=ref, base=base):
                part = mine[start:start + size]
                local = torch.zeros(len(chosen), part.numel(), dtype=torch.float64)
                called = [True] * len(chosen)
                u = fourier_basis(h, w, pos[part], dtype=dtype, device=dev)        # (b, H, W), built lazily
                x = (ref[None] + eps * u[:, None]).clamp(lo, hi)
                din = (x - ref[None]).flatten(1).double().norm(dim=1).clamp_min(1e-12)
                forward(net, as_input_format(x, channels_last), normalize=normalize, amp=amp, output=_ignore_output)
                outs = rec.take(x.shape[0])
                for li, (name, _) in enumerate(chosen):
                    if name in base and name in outs and outs[name].shape[1] == base[name].shape[1]:
                        local[li] = ((outs[name] - base[name]).norm(dim=1) / din).cpu()
                    else:
                        called[li] = False
                return int(part.numel()), (part, local, called)

            def commit(start: int, count: int, value) -> None:
                part, local, called = value
                gains[:, part] += local
                for li, ok in enumerate(called):
                    seen[li] = seen[li] and ok
                bar.update(count)

            run_chunked(int(mine.numel()), work, commit, limit, passes_per_item=1, announcer=announcer, tuner=tuner)
        bar.close()
    gains /= refs.shape[0]
    if world > 1:
        import torch.distributed as dist

        own = torch.zeros_like(gains)
        own[:, mine] = gains[:, mine]
        comm = own.to(dev if dev.type == "cuda" else "cpu")
        dist.all_reduce(comm, op=dist.ReduceOp.SUM)
        gains = comm.cpu()
        if own_group:
            dist.barrier()                      # the group stays for later calls (heatmap.keep_process_group)
    if window is not None:
        outside = torch.ones(m, dtype=torch.bool)
        outside[wanted] = False
        gains[:, outside] = float("nan")
    keep = [i for i, ok in enumerate(seen) if ok]
    skipped = [chosen[i][0] for i, ok in enumerate(seen) if not ok]
    if not keep:
        raise InputError(f"none of the probed layers of {type(model).__name__} is called with a per-image output")
    chosen, gains = [chosen[i] for i in keep], gains[keep]
    grid = position_grid(h, w)
    full = torch.full((len(chosen), h, w), float("nan"), dtype=torch.float64)
    if positions is None:
        full = gains[:, grid]
    else:
        # scatter the probed pairs (and their mirrors) into the map; unprobed positions stay NaN
        from freqlens.fourier.basis import mirror_positions

        mir = mirror_positions(pos, h, w)
        full[:, pos[:, 0], pos[:, 1]] = gains
        full[:, mir[:, 0], mir[:, 1]] = gains
    rows, cols = window_slices(h, w, window)
    full = full[:, rows, cols]
    return LayerResponse(layer_names=[n for n, _ in chosen], layer_types=[type(mo).__name__ for _, mo in chosen],
                         gain=full.numpy(), gain_pairs=gains.numpy(), positions=pos.numpy(), mode=mode,
                         eps=float(eps), n_images=int(refs.shape[0]), image_size=[int(c), int(h), int(w)],
                         skipped_layers=skipped, window=None if window is None else int(window))


@dataclass
class KernelSpectra(Result):
    """|DFT| of each conv layer's kernels, zero-padded to ``size`` × ``size``, mean over (out, in) channels;
    ``spectra`` (L, size, size) centred (DC in the middle).

    Args:
        layer_names: conv layer names (L,).
        kernel_sizes: (kh, kw) per layer.
        spectra: (L, size, size) mean |DFT| (weight units).
        size: the padded size.

    Attributes:
        The arguments; :meth:`plot` draws :func:`~freqlens.plot.layers.plot_kernel_spectra`.

    Raises:
        Nothing of its own.

    Source:
        freqlens.

    Example:
        >>> import numpy as np
        >>> s = KernelSpectra(layer_names=["conv1"], kernel_sizes=[[3, 3]], spectra=np.ones((1, 8, 8)), size=8)
        >>> s.spectra.shape[-1] == s.size
        True
    """

    layer_names: list[str]
    kernel_sizes: list[list[int]]
    spectra: np.ndarray
    size: int

    def plot(self, ax=None, max_layers: int | None = None):
        from freqlens.plot.layers import plot_kernel_spectra

        return plot_kernel_spectra(self, max_layers=max_layers)


def kernel_spectra(model: nn.Module, size: int = 32) -> KernelSpectra:
    """2-D DFT magnitude of every ``nn.Conv2d`` kernel, zero-padded to ``size`` × ``size``, centred, averaged over
    output and input channels: each conv layer as a linear filter.

    Args:
        model: a model with ``nn.Conv2d`` layers.
        size: the padded DFT size (≥ every kernel size).

    Returns:
        :class:`KernelSpectra` with ``spectra`` (conv layers, size, size).

    Raises:
        InputError: the model has no ``nn.Conv2d``, or ``size`` is smaller than a kernel.

    Source:
        freqlens.

    Example:
        >>> net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 5))
        >>> spec = kernel_spectra(net, size=8)
        >>> spec.spectra.shape, spec.kernel_sizes
        ((2, 8, 8), [[3, 3], [5, 5]])
    """
    convs = [(n, mo) for n, mo in model.named_modules() if isinstance(mo, nn.Conv2d)]
    if not convs:
        raise InputError(f"{type(model).__name__} has no nn.Conv2d layer; kernel spectra need a 2-D CNN")
    if int(size) < max(max(mo.kernel_size) for _, mo in convs):
        raise InputError(f"size {size} is smaller than the largest kernel; use size ≥ kernel size")
    spectra = []
    with torch.no_grad():
        for _, mo in convs:
            mag = torch.fft.fft2(mo.weight.detach().double().cpu(), s=(int(size), int(size))).abs().mean((0, 1))
            spectra.append(torch.fft.fftshift(mag))
    return KernelSpectra(layer_names=[n for n, _ in convs], kernel_sizes=[list(mo.kernel_size) for _, mo in convs],
                         spectra=torch.stack(spectra).numpy(), size=int(size))


__all__ = ["probed_layers", "LayerResponse", "layer_frequency_response", "KernelSpectra",
           "kernel_spectra"]
